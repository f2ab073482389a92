"""A loss landscape that follows a training session: the slice is kept between refreshes where it can be, so only
the lanes' paths move and the loss grid (the costly part) is evaluated again only when it must be.

``LiveLandscape.update`` returns the same :class:`~optviz.landscape.Landscape` that
:func:`~optviz.landscape.session_landscape` would, built from the same pieces, with three rules on what is kept:

- random directions are drawn once per (session, centre, seed): around the initial weights they never change; around
  a lane's weights they are kept while training runs (the lane moves away from where the slice was taken) and
  re-centred on the lane's current weights when training stops;
- principal directions follow the paths, so they are recomputed whenever the session has taken steps;
- the grid's axes are kept while every path still lies inside them (they grow when a path leaves), and the loss grid
  is reused while the plane, the axes, the resolution and the L2 strength are unchanged.

UI-free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import mlp
from .landscape import Landscape, Plane, grid_axes, loss_grid, make_plane, project


@dataclass(frozen=True)
class LandscapeSettings:
    """What the view shows: ``method`` ``"random"`` or ``"pca"``; ``centre`` ``"initial"`` or a lane position
    (0-based); ``resolution`` grid points per axis; ``seed`` of the random directions."""

    method: str = "random"
    centre: str | int = "initial"
    resolution: int = 41
    seed: int = 0


class LiveLandscape:
    """Keeps the plane, the axes and the loss grid between refreshes (see the module); ``grid_evaluations`` counts
    how many times the grid was evaluated (for tests and the page's own accounting)."""

    def __init__(self) -> None:
        self.plane: Plane | None = None
        self.plane_key: tuple | None = None
        self.plane_step = -1
        self.axes: tuple[np.ndarray, np.ndarray] | None = None
        self.grid_plane: Plane | None = None
        self.grid_l2 = 0.0
        self.losses: np.ndarray | None = None
        self.grid_evaluations = 0

    def _plane(self, session, settings: LandscapeSettings, running: bool) -> Plane:
        key = (session, settings.method, settings.centre, settings.seed, len(session.lanes))
        fresh = self.plane is not None and self.plane_key == key
        if fresh and settings.method == "random" and (settings.centre == "initial" or running):
            return self.plane
        if fresh and self.plane_step == session.step:
            return self.plane
        if settings.centre == "initial":
            point = mlp.flatten_weights(session.initial_weights)[0]
        else:
            point = mlp.flatten_weights(session.lane_weights())[settings.centre]
        _, paths = session.trajectories()
        plane = make_plane(session.network, point, settings.method, [paths[k] for k in _steady(session)], settings.seed)
        self.plane, self.plane_key, self.plane_step = plane, key, session.step
        return plane

    def update(self, session, settings: LandscapeSettings, running: bool = False) -> Landscape:
        """The landscape of ``session`` now; raises ``ValueError`` (a message for people) when the principal
        directions cannot be computed yet or the centre is not a lane."""
        centre = settings.centre
        if centre != "initial" and not (isinstance(centre, int) and 0 <= centre < len(session.lanes)):
            raise ValueError(f"centre must be 'initial' or a lane from 1 to {len(session.lanes)}")
        plane = self._plane(session, settings, running)
        steps, paths = session.trajectories()
        projection = project(plane, paths)
        steady = _steady(session)
        axes = self.axes
        if (
            axes is None
            or plane is not self.grid_plane
            or len(axes[0]) != settings.resolution
            or not _inside(projection, steady, axes)
        ):
            axes = grid_axes(plane, projection, settings.resolution, steady)
        if self.losses is None or plane is not self.grid_plane or axes is not self.axes or session.l2 != self.grid_l2:
            data = session.dataset
            self.losses = loss_grid(session.network, plane, axes[0], axes[1], data.x_train, data.y_train, session.l2)
            self.grid_evaluations += 1
        self.axes, self.grid_plane, self.grid_l2 = axes, plane, session.l2
        if centre == "initial":
            label = "the initial weights"
        else:
            label = f"lane {centre + 1}'s weights at step {self.plane_step}"
        return Landscape(plane, axes[0], axes[1], self.losses, projection, steps, label)


def _steady(session) -> list[int]:
    """The lanes that have not diverged (all of them if every one has): they set the slice and its extent."""
    marks = session.diverged_steps()
    return [k for k, mark in enumerate(marks) if mark is None] or list(range(len(marks)))


def _inside(projection, lanes: list[int], axes: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether every finite projected point of ``lanes`` lies within the axes' extent."""
    points = [projection.coordinates[k] for k in lanes]
    points = np.concatenate(points) if points else np.zeros((0, 2))
    points = points[np.isfinite(points).all(axis=1)]
    if not len(points):
        return True
    reach = np.abs(points).max(axis=0)
    return bool(reach[0] <= axes[0][-1] and reach[1] <= axes[1][-1])
