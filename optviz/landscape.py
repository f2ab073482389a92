"""The loss landscape of the network being trained: the training loss on a 2-D slice of weight space.

A slice is a ``Plane``: a centre ``c`` (the shared initial weights, or one lane's current weights) and two
directions ``d1, d2`` shared by all lanes; the grid point ``(a, b)`` is the weight vector ``c + a d1 + b d2``.
The directions are either

- ``"random"``: filter-normalised Gaussian directions (Li, Xu, Taylor, Studer, Goldstein, "Visualizing the Loss
  Landscape of Neural Nets", NeurIPS 2018). For a dense layer a filter is one output unit's incoming weights, a
  kernel column: each column of the random direction is rescaled to the norm of the same column of the centre's
  kernel. The bias directions are zero (the paper's code calls this ``ignore='biasbn'``; at Keras' initial
  weights, whose biases are zero, its other option of copying the biases gives the same zero direction); or
- ``"pca"``: the top two principal directions of every lane's trajectory together: the right singular vectors of
  the stacked weight snapshots minus the centre (not mean-centred, so the plane passes through the centre);
  orthonormal.

Every lane's trajectory is projected on the plane by least squares; the projection hides the distance off the
plane, reported per point, and ``explained`` gives the fraction of each path's variance (about its own mean) the
plane keeps. The grid (``resolution**2`` weight settings) is evaluated as one batch on the runs axis of
``optviz.mlp``, in chunks that bound the memory of the hidden activations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import mlp

METHODS = ("random", "pca")
RESOLUTION_RANGE = (5, 101)
DEFAULT_RESOLUTION = 41
#: Bytes one chunk of the grid may use for a layer's activations (grid points x samples x units x 8).
CHUNK_BYTES = 8 * 2**20  # fastest of 0.25-32 MB on the development machine
#: Half-width of a random-direction slice in units of the filter-normalised directions (the paper's [-1, 1]),
#: widened when a projected path reaches further.
RANDOM_HALF_WIDTH = 1.0
#: Room around the projected paths: the slice reaches this many times the furthest projected point.
PATH_MARGIN = 1.25


@dataclass(frozen=True, eq=False)
class Plane:
    """A 2-D slice of weight space: ``centre (P,)`` and ``directions (2, P)`` (``mlp.flatten_weights`` layout).

    ``explained (2,)``: for ``"pca"``, the share of the stacked trajectories' squared distance from the centre
    along each direction; NaN for ``"random"``.
    """

    centre: np.ndarray
    directions: np.ndarray
    method: str
    explained: np.ndarray


@dataclass(frozen=True, eq=False)
class Projection:
    """Every lane's path on the plane.

    ``coordinates``: per lane ``(T_k, 2)``; ``off_plane``: per lane ``(T_k,)`` distance of each point from the
    plane; ``distance``: per lane ``(T_k,)`` distance of each point from the centre (both in weight space);
    ``explained (K,)``: share of each path's variance (about its own mean) the plane keeps, NaN for a path
    that has not moved.
    """

    coordinates: list[np.ndarray]
    off_plane: list[np.ndarray]
    distance: list[np.ndarray]
    explained: np.ndarray


@dataclass(frozen=True, eq=False)
class Landscape:
    """The loss on the grid ``losses (len(betas), len(alphas))`` at ``centre + alpha d1 + beta d2``, and the
    lanes' paths on it (``steps``: per lane, the training steps of the path's points)."""

    plane: Plane
    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    projection: Projection
    steps: list[np.ndarray]
    centre_label: str


def random_directions(network: mlp.Network, centre: np.ndarray, seed: int = 0) -> np.ndarray:
    """Two filter-normalised Gaussian directions ``(2, P)`` around ``centre (P,)``: each kernel column scaled
    to the norm of the centre's column, bias directions zero."""
    centre = np.asarray(centre, dtype=np.float64)
    raw = np.random.default_rng(seed).normal(size=(2, centre.size))
    directions = mlp.unflatten_weights(raw, network)
    weights = mlp.unflatten_weights(centre[None], network)
    scaled = []
    for index, (direction, weight) in enumerate(zip(directions, weights, strict=True)):
        if index % 2:  # a bias
            scaled.append(np.zeros_like(direction))
            continue
        filter_norms = np.linalg.norm(weight, axis=1, keepdims=True)  # (1, 1, B): one per output unit
        direction_norms = np.linalg.norm(direction, axis=1, keepdims=True)  # (2, 1, B)
        scaled.append(direction * filter_norms / np.where(direction_norms > 0, direction_norms, 1.0))
    return mlp.flatten_weights(scaled)


def pca_directions(paths: Sequence[np.ndarray], centre: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The top two right singular vectors ``(2, P)`` of every path's points minus ``centre`` (stacked), and the
    share of the squared distance along each ``(2,)``. Each direction is signed so the points' mean coordinate
    on it is >= 0. Raises ``ValueError`` while the paths span fewer than two directions."""
    points = np.concatenate([np.asarray(path, dtype=np.float64) for path in paths]) - centre
    points = points[np.isfinite(points).all(axis=1)]
    if len(points) < 2:
        raise ValueError("the principal directions need at least two weight snapshots: train a few steps first")
    _, singular, right = np.linalg.svd(points, full_matrices=False)
    if len(singular) < 2 or singular[1] <= 1e-12 * max(singular[0], 1e-300):
        raise ValueError(
            "the lanes' paths do not span two directions yet (they have not moved, or moved along one line): "
            "train more steps or use random directions"
        )
    directions = right[:2].copy()
    signs = np.where((points @ directions.T).sum(axis=0) < 0, -1.0, 1.0)
    energy = singular**2
    return directions * signs[:, None], energy[:2] / energy.sum()


def project(plane: Plane, paths: Sequence[np.ndarray]) -> Projection:
    """Least-squares coordinates of every path's points on ``plane``, their distance off it, and the share of
    each path's variance the plane keeps."""
    basis = plane.directions  # (2, P)
    gram = basis @ basis.T
    coordinates, off_plane, distance, explained = [], [], [], []
    for path in paths:
        offsets = np.asarray(path, dtype=np.float64) - plane.centre  # (T, P)
        coefficients = np.linalg.solve(gram, basis @ offsets.T).T  # (T, 2)
        on_plane = coefficients @ basis
        coordinates.append(coefficients)
        off_plane.append(np.linalg.norm(offsets - on_plane, axis=1))
        distance.append(np.linalg.norm(offsets, axis=1))
        spread = ((offsets - offsets.mean(axis=0)) ** 2).sum()
        kept = ((on_plane - on_plane.mean(axis=0)) ** 2).sum()
        explained.append(kept / spread if spread > 0 else np.nan)
    return Projection(coordinates, off_plane, distance, np.array(explained))


def loss_grid(
    network: mlp.Network,
    plane: Plane,
    alphas: np.ndarray,
    betas: np.ndarray,
    x: np.ndarray,
    targets: np.ndarray,
    l2: float = 0.0,
    chunk_bytes: int = CHUNK_BYTES,
) -> np.ndarray:
    """The loss (data loss + L2 penalty) ``(len(betas), len(alphas))`` at ``centre + alpha d1 + beta d2``:
    all grid points as one batch on the runs axis, in chunks of at most ``chunk_bytes`` of activations."""
    alphas, betas = np.asarray(alphas, dtype=np.float64), np.asarray(betas, dtype=np.float64)
    count = alphas.size * betas.size
    coefficients = np.stack(np.meshgrid(alphas, betas), axis=-1).reshape(count, 2)
    per_point = 8 * len(x) * max(network.widths[1:])
    chunk = max(1, min(count, chunk_bytes // per_point))
    losses = np.empty(count)
    with np.errstate(all="ignore"):
        for start in range(0, count, chunk):  # a few chunks, each a batch of grid points
            points = plane.centre + coefficients[start : start + chunk] @ plane.directions
            weights = mlp.unflatten_weights(points, network)
            losses[start : start + chunk] = mlp.loss(weights, x, targets, network.activation, network.task, l2)
    return losses.reshape(betas.size, alphas.size)


def make_plane(
    network: mlp.Network,
    centre: np.ndarray,
    method: str = "random",
    paths: Sequence[np.ndarray] = (),
    seed: int = 0,
) -> Plane:
    """The slice through ``centre (P,)``: filter-normalised random directions or the paths' top two PCs."""
    centre = np.asarray(centre, dtype=np.float64)
    if method == "random":
        return Plane(centre, random_directions(network, centre, seed), method, np.full(2, np.nan))
    if method == "pca":
        directions, explained = pca_directions(paths, centre)
        return Plane(centre, directions, method, explained)
    raise ValueError(f"unknown direction method {method!r}; choose one of {', '.join(METHODS)}")


def grid_axes(plane: Plane, projection: Projection, resolution: int, include: Sequence[int] | None = None) -> tuple:
    """Symmetric axes ``alphas, betas (resolution,)`` around the centre covering the projected paths of the lanes
    ``include`` (default all) with room to spare; a random slice spans at least the paper's [-1, 1]."""
    chosen = range(len(projection.coordinates)) if include is None else include
    points = [projection.coordinates[k] for k in chosen]
    points = np.concatenate(points) if points else np.zeros((0, 2))
    points = points[np.isfinite(points).all(axis=1)]
    reach = PATH_MARGIN * np.abs(points).max(axis=0) if len(points) else np.zeros(2)
    if plane.method == "random":
        reach = np.maximum(reach, RANDOM_HALF_WIDTH)
    reach = np.where(reach > 0, reach, 1.0)
    return tuple(np.linspace(-half, half, resolution) for half in reach)


def session_landscape(
    session,
    centre: str | int = "initial",
    method: str = "random",
    resolution: int = DEFAULT_RESOLUTION,
    seed: int = 0,
    plane: Plane | None = None,
) -> Landscape:
    """The training loss around ``centre`` (``"initial"``, or a lane's position for its current weights) of a
    ``TrainingSession``, on the full training split with the session's L2, with every lane's path projected.

    ``method`` picks the directions (``"pca"`` uses the paths of the lanes that have not diverged, or of all
    lanes if every one has). Pass a previous ``plane`` to keep its directions while training goes on (random
    directions then stay put and only the paths move).
    """
    low, high = RESOLUTION_RANGE
    if not low <= resolution <= high:
        raise ValueError(f"resolution must be in [{low}, {high}], got {resolution}")
    network, data = session.network, session.dataset
    if centre == "initial":
        point, label = mlp.flatten_weights(session.initial_weights)[0], "the initial weights"
    elif isinstance(centre, int | np.integer) and 0 <= centre < len(session.lanes):
        point = mlp.flatten_weights(session.lane_weights())[centre]
        label = f"lane {centre + 1}'s weights at step {session.step}"
    else:
        last = len(session.lanes) - 1
        raise ValueError(f"centre must be 'initial' or a lane number from 0 to {last}, got {centre!r}")
    steps, paths = session.trajectories()
    fine = [k for k, mark in enumerate(session.diverged_steps()) if mark is None] or list(range(len(paths)))
    if plane is None:
        plane = make_plane(network, point, method, [paths[k] for k in fine], seed)
    projection = project(plane, paths)
    alphas, betas = grid_axes(plane, projection, resolution, fine)
    losses = loss_grid(network, plane, alphas, betas, data.x_train, data.y_train, session.l2)
    return Landscape(plane, alphas, betas, losses, projection, steps, label)
