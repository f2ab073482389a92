"""The surface explorer's 3-D view: the surface as a mesh and every lane's path drawn just above it.

Python computes every height. The mesh's resolution is chosen by checking its sampling: the finest grid is
used only when a coarser one would cut through a narrow valley (the saw-tooth of a curved valley floor).
A path point's height is the surface's there or the drawn mesh's, whichever is higher (plotly.js draws a grid
cell as two triangles, so the mesh can sit above a convex valley floor), plus a small lift; long steps are split
so the line also clears the mesh between two steps. The browser view draws the path up to the animated step
with the lane's head at it (``assets/path_view.js``); :func:`surface_3d_figure` is the same scene at the last step.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..surfaces import Surface
from .surfaces import MINIMUM_COLOUR, SURFACE_COLOURS, PathSet, Window, default_window, pack_f4, plotly_json

#: Mesh sizes tried, coarse to fine: the first whose cells follow the surface (see :func:`mesh_error`) is used.
MESH_RESOLUTIONS = (60, 90, 120, 160, 200, 240)
#: Gap allowed between the drawn mesh and the surface at 99.9 % of the cells' centres, as a share of the height
#: span (a few cells at a sharp feature, e.g. Beale's thin valleys at its border, may exceed it).
MESH_TOLERANCE = 0.012
#: How far paths float above the drawn mesh, as a share of the height span.
LIFT = 0.015
#: A step is split into at most this many pieces (each at most half a grid cell long).
MAX_SPLIT = 16
#: A lane's line has at most about this many points (steps + split points).
MAX_LANE_POINTS = 4000
#: The surface's opacity, and a lower one when every camera tried has paths hidden (a path in a deep well).
SURFACE_OPACITY = 0.82
SEE_THROUGH_OPACITY = 0.55
SEE_THROUGH_ABOVE = 0.1
#: Camera positions tried, in order of preference (scene units, the box spanning ± aspect ratio / 2): around
#: the box at a moderate elevation, then higher up; the first that hides the fewest path points is used.
CAMERA_AZIMUTHS = (-135, -45, 135, 45, -90, 180, 0, 90)
CAMERA_ELEVATIONS = (30, 45, 60)
CAMERA_DISTANCE = 2.0  # the box fills the view (the page fits the view to the window), nothing clipped
Z_ASPECT = 0.55
#: Path points sampled per lane when checking what a camera sees.
OCCLUSION_SAMPLES = 40


@dataclass(frozen=True)
class HeightScale:
    """Loss to drawn height: ``log10(1 + f - floor)`` (``log``) or ``f``, with f clipped to [floor, ceiling]."""

    floor: float
    ceiling: float
    log: bool

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Heights of ``values`` (NaN stays NaN)."""
        clipped = np.clip(values, self.floor, self.ceiling)
        return np.log10(1.0 + (clipped - self.floor)) if self.log else clipped

    @property
    def title(self) -> str:
        """The z axis title."""
        return "log10(1 + f − min f)" if self.log else "f(x, y)"


def height_scale(values: np.ndarray, log: bool) -> HeightScale:
    """A scale for the finite ``values``: their range, outliers (a pole) clipped 3 times the distance from the
    median to the 5th / 95th percentile beyond it (no built-in surface is clipped)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return HeightScale(0.0, 1.0, log)
    low, middle, high = np.percentile(finite, [5, 50, 95])
    floor = max(float(finite.min()), float(low - 3.0 * (middle - low)))
    ceiling = min(float(finite.max()), float(high + 3.0 * (high - middle)))
    return HeightScale(floor, max(ceiling, floor + 1e-12), log)


def _grid_values(surface: Surface, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    gx, gy = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        return surface.value(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)


def _span(heights: np.ndarray) -> float:
    finite = heights[np.isfinite(heights)]
    return float(finite.max() - finite.min()) if finite.size and finite.max() > finite.min() else 1.0


def mesh_error(surface: Surface, window: Window, resolution: int, scale: HeightScale) -> float:
    """The gap between an ``resolution``² mesh of the heights and the surface at its cells' centres (over either
    diagonal split of a cell) that 99.9 % of the cells stay within, as a share of the height span."""
    xs, ys = np.linspace(*window[0], resolution), np.linspace(*window[1], resolution)
    heights = scale(_grid_values(surface, xs, ys))
    centres = scale(_grid_values(surface, (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2))
    rising = (heights[:-1, :-1] + heights[1:, 1:]) / 2
    falling = (heights[:-1, 1:] + heights[1:, :-1]) / 2
    with np.errstate(invalid="ignore"):
        gap = np.fmax(np.abs(centres - rising), np.abs(centres - falling))
    gap = gap[np.isfinite(gap)]
    return float(np.percentile(gap, 99.9)) / _span(heights) if gap.size else 0.0


@dataclass(frozen=True, eq=False)
class Mesh:
    """The drawn surface: heights ``(len(ys), len(xs))`` on a regular grid, and the scale that made them."""

    xs: np.ndarray
    ys: np.ndarray
    heights: np.ndarray
    scale: HeightScale

    @property
    def z_range(self) -> tuple[float, float]:
        """Lowest and highest finite height."""
        finite = self.heights[np.isfinite(self.heights)]
        return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)

    @functools.cached_property
    def span(self) -> float:
        """The height span (1 when flat)."""
        return _span(self.heights)

    @property
    def lift(self) -> float:
        """How far paths float above the mesh."""
        return LIFT * self.span

    def upper(self, points: np.ndarray) -> np.ndarray:
        """The drawn mesh's height at ``points (k, 2)`` under either diagonal split of each cell, the higher;
        NaN outside the window."""
        xs, ys, heights = self.xs, self.ys, self.heights
        with np.errstate(invalid="ignore"):
            fx = (points[:, 0] - xs[0]) / (xs[1] - xs[0])
            fy = (points[:, 1] - ys[0]) / (ys[1] - ys[0])
            inside = (fx >= 0) & (fx <= xs.size - 1) & (fy >= 0) & (fy <= ys.size - 1)
        i = np.clip(np.floor(np.nan_to_num(fx)), 0, xs.size - 2).astype(np.intp)
        j = np.clip(np.floor(np.nan_to_num(fy)), 0, ys.size - 2).astype(np.intp)
        u, v = np.nan_to_num(fx) - i, np.nan_to_num(fy) - j
        z00, z10, z01, z11 = heights[j, i], heights[j, i + 1], heights[j + 1, i], heights[j + 1, i + 1]
        rising = np.where(u >= v, z00 + u * (z10 - z00) + v * (z11 - z10), z00 + v * (z01 - z00) + u * (z11 - z01))
        falling = np.where(
            u + v <= 1, z00 + u * (z10 - z00) + v * (z01 - z00), z11 + (1 - u) * (z01 - z11) + (1 - v) * (z10 - z11)
        )
        return np.where(inside, np.fmax(rising, falling), np.nan)


@functools.lru_cache(maxsize=16)
def surface_mesh(surface: Surface, window: Window, log_height: bool = True) -> Mesh:
    """The mesh over ``window``: the coarsest of :data:`MESH_RESOLUTIONS` within :data:`MESH_TOLERANCE` of the
    surface at its cells' centres (else the finest). Cached: the grid is the same while the surface is."""
    probe = np.linspace(*window[0], MESH_RESOLUTIONS[-1]), np.linspace(*window[1], MESH_RESOLUTIONS[-1])
    scale = height_scale(_grid_values(surface, *probe), log_height)
    resolution = next(
        (n for n in MESH_RESOLUTIONS[:-1] if mesh_error(surface, window, n, scale) <= MESH_TOLERANCE),
        MESH_RESOLUTIONS[-1],
    )
    xs, ys = np.linspace(*window[0], resolution), np.linspace(*window[1], resolution)
    return Mesh(xs, ys, scale(_grid_values(surface, xs, ys)), scale)


def _split_counts(positions: np.ndarray, mesh: Mesh) -> np.ndarray:
    """Pieces per step: each at most half a grid cell long, at most :data:`MAX_SPLIT`, within the lane's budget."""
    cells = np.abs(np.diff(positions, axis=0)) / [mesh.xs[1] - mesh.xs[0], mesh.ys[1] - mesh.ys[0]]
    with np.errstate(invalid="ignore"):
        pieces = np.clip(np.ceil(2.0 * np.nan_to_num(cells.max(axis=1), nan=0.0, posinf=0.0)), 1, MAX_SPLIT)
    extra = pieces - 1
    budget = MAX_LANE_POINTS - positions.shape[0]
    if extra.sum() > budget:
        extra = np.floor(extra * max(budget, 0) / extra.sum())
    return (extra + 1).astype(np.intp)


def lifted_path(mesh: Mesh, surface: Surface, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A run's line above the mesh: ``points (k, 3)`` (each step plus the points splitting long steps; NaN where
    the run is outside the window or not finite) and ``index (T,)``, the point of each of the ``T`` steps."""
    if positions.shape[0] == 0:
        return np.zeros((0, 3)), np.zeros(0, dtype=np.intp)
    pieces = _split_counts(positions, mesh)
    index = np.concatenate([[0], np.cumsum(pieces)])
    segment = np.repeat(np.arange(pieces.size), pieces)
    share = (np.arange(segment.size) - index[segment]) / pieces[segment]
    with np.errstate(all="ignore"):
        moves = np.diff(positions, axis=0)
        flat = np.concatenate([positions[segment] + share[:, None] * moves[segment], positions[-1:]])
        values = surface.value(np.nan_to_num(flat, nan=0.0, posinf=0.0, neginf=0.0))
        under = mesh.upper(flat)
        heights = np.fmax(mesh.scale(values), under) + mesh.lift
        heights[~np.isfinite(under) | ~np.isfinite(flat).all(axis=1)] = np.nan  # outside the window: a gap
        # a straight piece between two points above the mesh may cut a ridge of it: raise both ends to clear it
        middle = mesh.upper((flat[:-1] + flat[1:]) / 2) + mesh.lift
        short = np.nan_to_num(middle - (heights[:-1] + heights[1:]) / 2, nan=0.0).clip(min=0.0)
    raise_by = np.zeros(heights.size)
    np.maximum.at(raise_by, np.arange(short.size), short)
    np.maximum.at(raise_by, np.arange(1, short.size + 1), short)
    return np.column_stack([flat, heights + raise_by]), index


def _styles(path: PathSet) -> tuple[dict, dict]:
    """A lane's line and head in 3-D (plotly JSON without coordinates)."""
    line = dict(
        type="scatter3d",
        mode="lines",
        line=dict(color=path.colour, width=7),
        name=path.label,
        legendgroup=path.label,
        hovertemplate=f"{path.label}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
        connectgaps=False,
    )
    head = dict(
        type="scatter3d",
        mode="markers",
        marker=dict(color=path.colour, size=9, line=dict(color="#FFFFFF", width=2)),
        name=f"{path.label}: now",
        legendgroup=path.label,
        showlegend=False,
        hovertemplate=f"{path.label}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
    )
    return line, head


def _surface_trace(mesh: Mesh, opacity: float) -> dict:
    return dict(
        type="surface",
        x=mesh.xs,
        y=mesh.ys,
        z=mesh.heights.astype(np.float32),
        colorscale=[[i / (len(SURFACE_COLOURS) - 1), c] for i, c in enumerate(SURFACE_COLOURS)],
        showscale=False,
        opacity=opacity,
        hoverinfo="skip",
        name="surface",
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
    )


def _aspect(window: Window) -> np.ndarray:
    """The box's x, y and z lengths in scene units: x 1, y in proportion (0.5 to 2), z :data:`Z_ASPECT`."""
    (x_low, x_high), (y_low, y_high) = window
    return np.array([1.0, float(np.clip((y_high - y_low) / (x_high - x_low), 0.5, 2.0)), Z_ASPECT])


def _box(window: Window, z_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Centre and size (data units per scene unit) of the scene's box, per axis."""
    low = np.array([window[0][0], window[1][0], z_range[0]])
    high = np.array([window[0][1], window[1][1], z_range[1]])
    return (low + high) / 2, (high - low) / _aspect(window)


def _samples(lines: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Up to :data:`OCCLUSION_SAMPLES` finite points per lane, ``(k, 3)``, and each one's weight (a lane's
    weights sum to 1, so a long lane counts as much as a short one)."""
    picked, weights = [], []
    for points in lines:  # a few lanes: at most six
        points = points[np.isfinite(points).all(axis=1)]
        if points.shape[0]:
            chosen = np.unique(np.linspace(0, points.shape[0] - 1, OCCLUSION_SAMPLES).astype(np.intp))
            picked.append(points[chosen])
            weights.append(np.full(chosen.size, 1.0 / chosen.size))
    if not picked:
        return np.zeros((0, 3)), np.zeros(0)
    return np.concatenate(picked), np.concatenate(weights) / len(picked)


def hidden_shares(
    mesh: Mesh, lines: Sequence[np.ndarray], eyes: np.ndarray, box: tuple[np.ndarray, np.ndarray]
) -> np.ndarray:
    """Per camera position in ``eyes (E, 3)`` (scene units), the share of path points (sampled, averaged over
    lanes) the mesh hides: a point is hidden when the mesh rises above the straight line from it to the eye."""
    centre, size = box
    points, weights = _samples(lines)
    scene = (points - centre) / size  # (k, 3)
    along = np.linspace(0.02, 0.6, 20)[None, :, None, None]  # from the point towards the eye
    rays = (scene + along * (eyes[:, None, None, :] - scene)) * size + centre  # (E, t, k, 3) in data units
    ground = mesh.upper(rays[..., :2].reshape(-1, 2)).reshape(rays.shape[:3])
    with np.errstate(invalid="ignore"):
        hidden = (ground > rays[..., 2] + 0.5 * mesh.lift).any(axis=1)  # (E, k)
    return hidden @ weights


def camera_eye(mesh: Mesh, lines: Sequence[np.ndarray], box: tuple[np.ndarray, np.ndarray]) -> tuple[dict, float]:
    """The first camera position (in order of preference) that hides at most 3 % of path points more than the
    best one, and the share it hides."""
    up, around = np.meshgrid(np.radians(CAMERA_ELEVATIONS), np.radians(CAMERA_AZIMUTHS), indexing="ij")
    eyes = CAMERA_DISTANCE * np.column_stack(
        [(np.cos(up) * np.cos(around)).ravel(), (np.cos(up) * np.sin(around)).ravel(), np.sin(up).ravel()]
    )
    shares = hidden_shares(mesh, lines, eyes, box)
    chosen = int(np.flatnonzero(shares <= shares.min() + 0.03)[0])
    eye = eyes[chosen]
    return dict(x=float(eye[0]), y=float(eye[1]), z=float(eye[2])), float(shares[chosen])


def z_range(mesh: Mesh, lines: Sequence[np.ndarray]) -> tuple[float, float]:
    """The z axis: from the mesh's floor to its top or the highest path point, padded by 3 % of the span."""
    low, high = mesh.z_range
    tops = [float(np.nanmax(points[:, 2])) for points in lines if np.isfinite(points[:, 2]).any()]
    pad = 0.03 * mesh.span
    return low - pad, max([high + mesh.lift, *tops]) + pad


def z_ticks(low: float, high: float) -> list[float]:
    """Three to six round tick values on the z axis, none in its lowest eighth (where the z axis meets the x or y
    axis and their tick labels would overlap)."""
    span = high - low
    if not span > 0:
        return [low]
    for unit in 10.0 ** np.floor(np.log10(span / 4)) * np.array([1.0, 2.0, 2.5, 5.0, 10.0]):
        ticks = np.arange(np.ceil((low + span / 8) / unit), np.floor(high / unit) + 1) * unit
        if ticks.size <= 6:
            return [float(f"{tick:.6g}") + 0.0 for tick in ticks]  # + 0.0: no "-0"
    return [low + span / 2]


def _layout(
    surface: Surface, mesh: Mesh, window: Window, lines: Sequence[np.ndarray], height: int
) -> tuple[dict, float]:
    """Axes fitted to the data and a camera that sees the paths and keeps the whole box in view; the share of
    path points the camera still cannot see."""
    zs = z_range(mesh, lines)
    box = _box(window, zs)
    eye, hidden = camera_eye(mesh, lines, box)
    axis = dict(showbackground=True, backgroundcolor="#F4F5F7", gridcolor="#D9DCE1", title=dict(font=dict(size=12)))
    layout = dict(
        height=height,
        margin=dict(l=0, r=0, t=30, b=0),
        showlegend=True,
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0, bgcolor="rgba(255,255,255,0.6)"),
        scene=dict(
            xaxis=dict(axis, title=dict(text="x"), range=list(window[0]), autorange=False),
            yaxis=dict(axis, title=dict(text="y"), range=list(window[1]), autorange=False),
            zaxis=dict(axis, title=dict(text=mesh.scale.title), range=list(zs), autorange=False, tickvals=z_ticks(*zs)),
            aspectmode="manual",
            aspectratio=dict(zip("xyz", _aspect(window).tolist(), strict=True)),
            camera=dict(eye=eye, center=dict(x=0, y=0, z=0)),
            domain=dict(x=[0, 1], y=[0, 1]),
        ),
        uirevision=surface.key,
    )
    return layout, hidden


@dataclass(frozen=True)
class Scene:
    """The 3-D view's parts: the mesh, each lane's lifted line and step index, and plotly JSON for the rest."""

    mesh: Mesh
    lines: list[np.ndarray]
    index: list[np.ndarray]
    data: list[dict]
    layout: dict
    lanes: list[int]
    opacity: float

    @property
    def surface_trace(self) -> dict:
        """The surface as a plotly trace."""
        return _surface_trace(self.mesh, self.opacity)


def build_scene(
    surface: Surface,
    paths: Sequence[PathSet],
    *,
    window: Window | None = None,
    log_height: bool = True,
    height: int = 560,
) -> Scene:
    """The scene: minima at the surface, and per lane its line and head (trace numbers in ``lanes``, the
    surface being trace 0)."""
    window = window or default_window(surface)
    window = (tuple(map(float, window[0])), tuple(map(float, window[1])))
    mesh = surface_mesh(surface, window, log_height)
    runs = [lifted_path(mesh, surface, path.trajectory.positions[:, 0]) for path in paths]
    minima = np.array(surface.minima, dtype=float).reshape(-1, 2)
    with np.errstate(all="ignore"):
        minimum_z = mesh.scale(surface.value(minima)) + mesh.lift if minima.size else np.zeros(0)
    data = [
        dict(
            type="scatter3d",
            x=minima[:, 0],
            y=minima[:, 1],
            z=minimum_z,
            mode="markers",
            marker=dict(symbol="diamond", size=6, color=MINIMUM_COLOUR, line=dict(color="#222222", width=2)),
            name="minimum",
            hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    ]
    lanes = []
    for path in paths:
        lanes.append(len(data) + 1)  # + 1: the surface comes first
        data += _styles(path)
    layout, hidden = _layout(surface, mesh, window, [points for points, _ in runs], height)
    opacity = SEE_THROUGH_OPACITY if hidden > SEE_THROUGH_ABOVE else SURFACE_OPACITY
    return Scene(mesh, [points for points, _ in runs], [index for _, index in runs], data, layout, lanes, opacity)


def surface_3d_figure(
    surface: Surface, paths: Sequence[PathSet], *, window: Window | None = None, log_height: bool = True
) -> go.Figure:
    """The 3-D scene at the last step: the surface, every lane's whole path above it and its head at the end."""
    scene = build_scene(surface, paths, window=window, log_height=log_height)
    data = [scene.surface_trace, *scene.data]
    for first, points in zip(scene.lanes, scene.lines, strict=True):
        data[first] = dict(data[first], x=points[:, 0], y=points[:, 1], z=points[:, 2])
        data[first + 1] = dict(data[first + 1], x=points[-1:, 0], y=points[-1:, 1], z=points[-1:, 2])
    return go.Figure(data, layout=scene.layout)


def scene_view_data(
    surface: Surface, paths: Sequence[PathSet], *, window: Window | None = None, log_height: bool = True
) -> dict:
    """What the browser view needs to draw the scene at any step: ``mesh`` (the surface trace, the same while the
    surface and scale are, for the page to send apart), ``figure`` (the other traces, lane lines and heads
    without coordinates, and the layout), ``lanes`` (each lane's line trace; its head is the next),
    ``points`` (every lane's line, concatenated, ``(3, k)`` float32), ``offsets`` (each lane's first point and
    one past its last) and ``index`` (``(lanes, steps + 1)``: the point of each step, counted from the lane's
    first)."""
    scene = build_scene(surface, paths, window=window, log_height=log_height)
    lines = scene.lines or [np.zeros((0, 3))]
    sizes = [points.shape[0] for points in scene.lines]
    steps = paths[0].trajectory.steps + 1 if paths else 1
    index = np.stack(scene.index) if scene.index else np.zeros((0, steps))
    mesh = scene.mesh
    surface_trace = dict(scene.surface_trace, x=mesh.xs.round(9).tolist(), y=mesh.ys.round(9).tolist())
    # plotly.js reads a typed array's shape as "rows,columns" (a string)
    return {
        "mesh": dict(surface_trace, z=dict(pack_f4(mesh.heights), shape="{},{}".format(*mesh.heights.shape))),
        "figure": plotly_json({"data": scene.data, "layout": scene.layout}),
        "lanes": scene.lanes,
        "points": pack_f4(np.concatenate(lines).T),
        "offsets": np.concatenate([[0], np.cumsum(sizes)]).astype(int).tolist(),
        "index": pack_f4(index),
    }
