"""Pure Plotly figures of the surface explorer: the animated 2-D map and the loss curves (3-D: surface_3d.py).

The 2-D surface is a PNG layout image, not a contour trace: plotly.js drops contour traces as soon as
a ``redraw=False`` animation starts (see ../shared/streamlit_recipe.md §4), an image stays. Clicks land
on a transparent grid of points (§6). Frames move only small traces (a head marker and a short tail
per lane) over static faded full paths, so the JSON grows linearly with the number of frames.
"""

from __future__ import annotations

import base64
import functools
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.io.json import to_json_plotly

from ..runner import Trajectory
from ..surfaces import Surface
from .colour_scale import map_levels
from .live_curves import nice_ticks
from .thinning import thin

Window = tuple[tuple[float, float], tuple[float, float]]

MAX_FRAMES = 150
MAX_PATH_POINTS = 800
MAX_ENSEMBLE_POINTS = 300
#: One SVG node per marker, redrawn with every animation frame: 300 (a lane clipping at every step) was a third
#: of the map's nodes; 80 still mark every stretch where clipping fired.
MAX_CLIP_MARKERS = 80
MAX_CURVE_POINTS = 1000
TAIL_FRAMES = 12
PICK_RESOLUTION = 41
BANDS = 14
#: Surface image colours, low to high: a slate valley to a pale ridge (lane colours stay readable).
SURFACE_COLOURS = ("#4a5d78", "#6f86a3", "#9fb3c8", "#cbd8e3", "#e9eef0", "#f7f5ee")
DIVERGED_COLOUR = "#D62728"
MINIMUM_COLOUR = "#FFFFFF"


class AnimatedFigure(go.Figure):
    """A ``go.Figure`` whose animation frames stay plain dicts built (and checked) by this module.

    Plotly validates and deep-copies every frame trace: ~3 s for 150 frames x 18 small traces, far over
    the page's budget (validating the ~40 static traces alone costs ~70 ms). ``to_dict`` (used by
    ``st.plotly_chart``, ``to_json`` and ``to_html``) adds the raw frames. The builders below write
    plotly.js's canonical spelling (``title=dict(text=...)``), since nothing normalises it.
    """

    def __init__(self, data: list[dict], layout: dict, frames: list[dict]) -> None:
        super().__init__(data=data, layout=layout, _validate=False)  # built here, checked by the tests
        self._raw_frames = frames

    @property
    def raw_frames(self) -> list[dict]:
        """The animation frames: ``{"name", "data", "traces"}`` dicts."""
        return self._raw_frames

    def to_dict(self) -> dict:
        result = super().to_dict()
        result["frames"] = self._raw_frames
        return result

    def to_plotly_json(self) -> dict:
        return self.to_dict()


@dataclass(frozen=True)
class PathSet:
    """One lane's runs as drawn: a label, a colour and its trajectory (run 0 is the main path)."""

    label: str
    colour: str
    trajectory: Trajectory


#: Pixels from the top of the export's step slider to the top of its tick labels (plotly.js 4.1 with the current
#: value's 13 px font above the rail; measured in Chromium at two figure sizes).
SLIDER_LABEL_OFFSET = 61


def slider_ticks(steps: int, count: int = 7) -> np.ndarray:
    """About ``count`` round steps for the export's step slider, the last step always among them (a round step
    closer to it than half the spacing is dropped so the labels do not collide)."""
    ticks = np.round(nice_ticks(0.0, float(max(steps, 1)), count)).astype(np.int64)
    spacing = int(ticks[1] - ticks[0]) if len(ticks) > 1 else max(steps, 1)
    ticks = ticks[(ticks >= 0) & (steps - ticks >= spacing / 2)]
    return np.unique(np.append(ticks, steps))


def slider_tick_labels(frames: np.ndarray, ticks: np.ndarray, x: float, length: float, y: float) -> list[dict]:
    """Annotations writing each of ``ticks`` (steps among ``frames``) under its tick of a plotly slider placed at
    ``x``, ``length``, ``y`` (top-anchored, no side padding): plotly's own labels fall on every n-th frame whatever
    their steps (``0 12 24 … 290``, never the last)."""
    last = max(len(frames) - 1, 1)
    labels = []
    for tick in ticks:
        share = int(np.searchsorted(frames, tick)) / last
        labels.append(
            dict(
                text=str(int(tick)),
                xref="paper",
                yref="paper",
                x=x + length * share,
                xshift=10 - 20 * share,  # plotly.js insets the first and last tick by 10 px
                y=y,
                yshift=-SLIDER_LABEL_OFFSET,
                xanchor="center",
                yanchor="top",
                showarrow=False,
                font=dict(size=12, color="#444444"),
            )
        )
    return labels


def with_steps(frames: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """``frames`` (sorted steps) with each of ``wanted`` put in place of its nearest frame: as many frames."""
    moved = np.array(frames, copy=True)
    moved[np.abs(moved[:, None] - wanted[None, :]).argmin(axis=0)] = wanted
    return np.unique(moved)


def frame_steps(steps: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """The steps shown as animation frames: all of 0..steps, or ``max_frames`` spread over them."""
    return thin(steps + 1, max_frames)


def height_levels(values: np.ndarray) -> np.ndarray:
    """Values mapped to [0, 1] on a log scale above their minimum (valleys and walls both readable), clipped to
    the bulk of the values next to a pole (:func:`.colour_scale.map_levels`); NaN where the surface is undefined."""
    return map_levels(values)


@functools.lru_cache(maxsize=32)
def surface_png(surface: Surface, window: Window, resolution: int = 220, bands: int = BANDS) -> str:
    """The surface over ``window`` as a banded PNG data URI (rows top = high y); undefined points white.
    Cached: a lane's slider change redraws paths, not the surface."""
    xs = np.linspace(*window[0], resolution)
    ys = np.linspace(*window[1], resolution)
    gx, gy = np.meshgrid(xs, ys[::-1])
    with np.errstate(all="ignore"):
        values = surface.value(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    levels = height_levels(values)
    banded = np.floor(np.nan_to_num(levels, nan=1.0) * (bands - 1e-9)) / (bands - 1)
    anchors = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in SURFACE_COLOURS], dtype=float)
    stops = np.linspace(0, 1, len(anchors))
    rgb = np.stack([np.interp(banded, stops, anchors[:, channel]) for channel in range(3)], axis=-1)
    rgb[np.isnan(levels)] = 255.0
    buffer = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8)).save(buffer, format="PNG")  # optimize=True: 5x the time, same size
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def default_window(surface: Surface) -> Window:
    return surface.x_range, surface.y_range


def pick_points(surface: Surface, window: Window) -> tuple[np.ndarray, np.ndarray]:
    """The click grid: ``PICK_RESOLUTION``² points ``(n, 2)`` over ``window`` (x fastest) and the surface there."""
    gx, gy = np.meshgrid(np.linspace(*window[0], PICK_RESOLUTION), np.linspace(*window[1], PICK_RESOLUTION))
    points = np.column_stack([gx.ravel(), gy.ravel()])
    with np.errstate(all="ignore"):
        return points, surface.value(points)


def _pick_grid(surface: Surface, window: Window) -> dict:
    points, values = pick_points(surface, window)
    return dict(
        type="scatter",
        x=points[:, 0].round(6),
        y=points[:, 1].round(6),
        customdata=values.astype(np.float32),
        mode="markers",
        marker=dict(size=12, opacity=0, color="#000000"),
        hovertemplate="x=%{x:.3g}, y=%{y:.3g}<br>f=%{customdata:.4g}<br><i>click: start here</i><extra></extra>",
        showlegend=False,
        name="pick",
        meta="pick",
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
    )


def _decimals(window: Window) -> int:
    """Decimals that keep frame coordinates to ~1e-4 of the view (far below a pixel), for a small JSON."""
    span = max(window[0][1] - window[0][0], window[1][1] - window[1][0])
    return int(max(0, 4 - np.floor(np.log10(span))))


def has_ensemble(paths: Sequence[PathSet]) -> bool:
    """Whether the lanes carry more than one run each (a noisy ensemble): then each lane animates its ensemble's
    heads too, else only its tail and head (no empty trace for plotly.js to process on every redraw)."""
    return any(path.trajectory.positions.shape[1] > 1 for path in paths)


def _animated(paths: Sequence[PathSet], frames: np.ndarray, index: int, decimals: int) -> list[dict]:
    """The moving traces at frame ``index``: per lane a tail, a head and, with an ensemble, its heads (rounded)."""
    step = int(frames[index])
    recent = frames[max(0, index - TAIL_FRAMES) : index + 1]
    ensemble = has_ensemble(paths)
    traces = []
    for path in paths:
        positions = path.trajectory.positions
        tail = np.round(positions[recent, 0], decimals)
        here = np.round(positions[step], decimals)
        traces.append(dict(type="scatter", x=tail[:, 0].tolist(), y=tail[:, 1].tolist()))
        traces.append(dict(type="scatter", x=here[:1, 0].tolist(), y=here[:1, 1].tolist()))
        if ensemble:
            traces.append(dict(type="scatter", x=here[1:, 0].tolist(), y=here[1:, 1].tolist()))
    return traces


def _styles(path: PathSet) -> list[dict]:
    """Static styling of a lane's three animated traces (tail, head, ensemble heads)."""
    colour = path.colour
    return [
        dict(mode="lines", line=dict(color=colour, width=4), opacity=0.9, hoverinfo="skip", showlegend=False),
        dict(
            mode="markers",
            marker=dict(color=colour, size=13, line=dict(color="#FFFFFF", width=2)),
            name=path.label,
            legendgroup=path.label,
            showlegend=False,
            hovertemplate=f"{path.label}<br>x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
        ),
        dict(mode="markers", marker=dict(color=colour, size=6, opacity=0.6), hoverinfo="skip", showlegend=False),
    ]


def divergence_marker(positions: np.ndarray, window: Window) -> tuple[np.ndarray, int | None]:
    """Where to draw a diverged run's ✕ so it is seen: its last point if inside ``window``, else the point
    where its path first leaves the window (on the border), with the step it left at."""
    low = np.array([window[0][0], window[1][0]])
    high = np.array([window[0][1], window[1][1]])
    outside = np.flatnonzero(~((positions >= low) & (positions <= high)).all(axis=1))
    if outside.size == 0:
        return positions[-1], None
    first = int(outside[0])
    if first == 0:
        return np.clip(positions[-1], low, high), 0
    inside, beyond = positions[first - 1], positions[first]
    with np.errstate(divide="ignore", invalid="ignore"):
        limits = np.where(beyond > high, (high - inside) / (beyond - inside), np.inf)
        limits = np.minimum(limits, np.where(beyond < low, (low - inside) / (beyond - inside), np.inf))
    share = float(np.clip(np.nanmin(limits), 0.0, 1.0))
    return np.clip(inside + share * (beyond - inside), low, high), first


def _text_side(point: np.ndarray, window: Window) -> str:
    """A label position that keeps text by a marker inside the view (below near the top, left near the right)."""
    (x_low, x_high), (y_low, y_high) = window
    vertical = "bottom" if point[1] > (y_low + y_high) / 2 else "top"
    x_share = (point[0] - x_low) / (x_high - x_low)
    horizontal = "left" if x_share > 0.75 else "right" if x_share < 0.25 else "center"
    return f"{vertical} {horizontal}"


def _static_lane(path: PathSet, window: Window) -> list[tuple[dict, np.ndarray]]:
    """A lane's faded full path, its ensemble's faint paths, clip markers and divergence marker, each with the
    step of every point (NaN for a gap between runs): the browser view draws them up to the animated step."""
    trajectory = path.trajectory
    positions = trajectory.positions
    steps = positions.shape[0]
    diverged = int(trajectory.diverged_step[0])
    keep = thin(steps, MAX_PATH_POINTS, keep=[diverged] if diverged >= 0 else [])
    traces = []
    if positions.shape[1] > 1:
        faint = thin(steps, MAX_ENSEMBLE_POINTS)
        members = positions[faint, 1:, :]  # (t, n, 2)
        gap = np.full((1, members.shape[1], 2), np.nan)
        joined = np.concatenate([members, gap]).transpose(1, 0, 2).reshape(-1, 2)
        joined_steps = np.tile(np.append(faint.astype(float), np.nan), members.shape[1])
        traces.append(
            (
                dict(
                    type="scatter",
                    x=joined[:, 0],
                    y=joined[:, 1],
                    mode="lines",
                    line=dict(color=path.colour, width=1),
                    opacity=0.3,
                    hoverinfo="skip",
                    name=f"{path.label}: noisy runs",
                    legendgroup=path.label,
                    showlegend=False,
                ),
                joined_steps,
            )
        )
    traces.append(
        (
            dict(
                type="scatter",
                x=positions[keep, 0, 0],
                y=positions[keep, 0, 1],
                customdata=keep,
                mode="lines",
                line=dict(color=path.colour, width=2.5),
                opacity=0.55,
                name=path.label,
                legendgroup=path.label,
                hovertemplate=f"{path.label}<br>step %{{customdata}}: x=%{{x:.4g}}, y=%{{y:.4g}}<extra></extra>",
            ),
            keep.astype(float),
        )
    )
    clipped = np.flatnonzero(trajectory.clipped[:, 0])
    if clipped.size:
        shown = clipped[thin(clipped.size, MAX_CLIP_MARKERS)]
        traces.append(
            (
                dict(
                    type="scatter",
                    x=positions[shown, 0, 0],
                    y=positions[shown, 0, 1],
                    customdata=shown,
                    mode="markers",
                    marker=dict(symbol="x-thin", size=8, line=dict(color=path.colour, width=2)),
                    name=f"{path.label}: clipped",
                    legendgroup=path.label,
                    showlegend=False,
                    hovertemplate=f"{path.label}<br>clipping fired at step %{{customdata}}<extra></extra>",
                ),
                shown.astype(float),
            )
        )
    if diverged >= 0:
        where, left = divergence_marker(positions[: diverged + 1, 0], window)
        note = f"; it left the view at step {left}" if left is not None else ""
        traces.append(
            (
                dict(
                    type="scatter",
                    x=[float(where[0])],
                    y=[float(where[1])],
                    mode="markers+text",
                    marker=dict(symbol="x", size=18, color=DIVERGED_COLOUR, line=dict(color="#FFFFFF", width=1.5)),
                    text=[f"diverged (step {diverged})"],
                    textposition=_text_side(where, window),
                    textfont=dict(color=DIVERGED_COLOUR, size=13),
                    name=f"{path.label}: diverged",
                    showlegend=False,
                    cliponaxis=False,
                    hovertemplate=f"{path.label}<br>diverged at step {diverged}: the next point or loss was not "
                    f"finite{note}<extra></extra>",
                ),
                np.array([float(diverged)]),
            )
        )
    return traces


@dataclass(frozen=True)
class ExplorerMap:
    """The 2-D map without its animation: plotly ``data`` and ``layout`` (no surface image), the indices of the
    animated traces (per lane: tail, head and, with an ensemble, its heads; drawn at the last step) and the view's
    window."""

    data: list[dict]
    layout: dict
    animated: list[int]
    window: Window
    point_steps: dict[int, np.ndarray]  #: trace index -> the step of each of its points (NaN: a gap between runs)


def surface_image(surface: Surface, window: Window) -> dict:
    """The surface PNG as a plotly layout image stretched over ``window`` (below the traces)."""
    return dict(
        source=surface_png(surface, (tuple(window[0]), tuple(window[1]))),
        xref="x",
        yref="y",
        x=window[0][0],
        y=window[1][1],
        sizex=window[0][1] - window[0][0],
        sizey=window[1][1] - window[1][0],
        sizing="stretch",
        layer="below",
    )


def explorer_map(
    surface: Surface,
    paths: Sequence[PathSet],
    start: tuple[float, float],
    *,
    window: Window | None = None,
    height: int = 600,
) -> ExplorerMap:
    """The map's static part: click grid (trace 0), minima, start, each lane's faded full path, clipping and
    divergence markers, then the animated traces shown at the last step; the layout holds no image."""
    window = window or default_window(surface)
    steps = paths[0].trajectory.steps if paths else 0
    minima = np.array(surface.minima, dtype=float).reshape(-1, 2)
    data = [
        _pick_grid(surface, window),
        dict(
            type="scatter",
            x=minima[:, 0],
            y=minima[:, 1],
            mode="markers",
            marker=dict(symbol="star", size=16, color=MINIMUM_COLOUR, line=dict(color="#222222", width=1.5)),
            name="minimum",
            hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
        ),
        dict(
            type="scatter",
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            marker=dict(symbol="circle-open", size=15, color="#111111", line=dict(width=3)),
            name="start",
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        ),
    ]
    point_steps = {}
    for path in paths:
        for trace, steps_of_points in _static_lane(path, window):
            point_steps[len(data)] = steps_of_points
            data.append(trace)
    first_animated = len(data)
    per_lane = 3 if has_ensemble(paths) else 2  # tail, head (, ensemble heads)
    styles = [style for path in paths for style in _styles(path)[:per_lane]]
    last = _animated(paths, frame_steps(steps), len(frame_steps(steps)) - 1, _decimals(window))
    data += [{**trace, **style} for trace, style in zip(last, styles, strict=True)]
    layout = dict(
        height=height,
        margin=dict(l=50, r=26, t=40, b=30),
        plot_bgcolor="#FFFFFF",
        xaxis=dict(range=list(window[0]), autorange=False, showgrid=False, zeroline=False),
        yaxis=dict(range=list(window[1]), autorange=False, showgrid=False, zeroline=False, title=dict(text="y")),
        annotations=[  # "x" right of the axis, shifted clear of the last tick's label (the Play buttons are below)
            dict(
                text="x",
                xref="paper",
                yref="paper",
                x=1.0,
                y=0.0,
                xanchor="left",
                yanchor="top",
                xshift=10,
                showarrow=False,
            )
        ],
        legend=dict(orientation="h", yanchor="bottom", y=1.01, x=0, bgcolor="rgba(255,255,255,0.6)"),
        hovermode="closest",
        clickmode="event+select",
        dragmode=False,
        uirevision=surface.key,
    )
    return ExplorerMap(data, layout, list(range(first_animated, len(data))), window, point_steps)


def explorer_figure(
    surface: Surface,
    paths: Sequence[PathSet],
    start: tuple[float, float],
    *,
    window: Window | None = None,
    max_frames: int = MAX_FRAMES,
    frame_ms: int = 60,
    height: int = 600,
) -> AnimatedFigure:
    """The 2-D map as one standalone animated figure (the HTML export): :func:`explorer_map` plus the surface
    image, frames moving the heads, Play / Pause buttons and a step slider."""
    base = explorer_map(surface, paths, start, window=window, height=height)
    window = base.window
    steps = paths[0].trajectory.steps if paths else 0
    frames = with_steps(frame_steps(steps, max_frames), slider_ticks(steps))  # every labelled step is a frame
    decimals = _decimals(window)
    figure_frames = [
        dict(name=str(int(step)), data=_animated(paths, frames, index, decimals), traces=base.animated)
        for index, step in enumerate(frames)
    ]
    play = dict(frame=dict(duration=frame_ms, redraw=False), transition=dict(duration=0), fromcurrent=True)
    pause = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0), mode="immediate")
    layout = dict(
        base.layout,
        images=[surface_image(surface, window)],
        updatemenus=[
            dict(
                type="buttons",
                direction="left",
                showactive=False,
                x=0.0,
                y=-0.085,
                xanchor="left",
                yanchor="top",
                pad=dict(t=0, r=8),
                buttons=[
                    dict(label="▶ Play", method="animate", args=[None, play]),
                    dict(label="❚❚ Pause", method="animate", args=[[None], pause]),
                ],
            )
        ],
        sliders=[
            dict(
                active=len(frames) - 1,
                x=0.2,
                len=0.8,
                y=-0.06,
                yanchor="top",
                pad=dict(t=0),
                currentvalue=dict(prefix="step ", xanchor="right", font=dict(size=13, color="#444444")),
                font=dict(color="rgba(0,0,0,0)"),  # plotly's own tick labels: see slider_tick_labels
                ticklen=4,  # every tick alike (plotly lengthens every n-th frame's, not the labelled ones)
                transition=dict(duration=0),
                steps=[dict(label=str(int(step)), method="animate", args=[[str(int(step))], pause]) for step in frames],
            )
        ],
    )
    layout["margin"] = dict(base.layout["margin"], b=110)
    slider = layout["sliders"][0]  # its labels where the slider is
    ticks = slider_tick_labels(frames, slider_ticks(steps), slider["x"], slider["len"], slider["y"])
    layout["annotations"] = [*base.layout["annotations"], *ticks]
    return AnimatedFigure(base.data, layout, figure_frames)


def loss_figure(
    paths: Sequence[PathSet], optimum: float | None, log_scale: bool = False
) -> tuple[go.Figure, str | None]:
    """:func:`loss_chart` as a ``go.Figure`` (checked by plotly.py, for exports and notebooks)."""
    chart, note = loss_chart(paths, optimum, log_scale)
    return go.Figure(chart), note


def loss_chart(paths: Sequence[PathSet], optimum: float | None, log_scale: bool = False) -> tuple[dict, str | None]:
    """Loss against step per lane (faint lines for the ensemble), as plotly ``{"data", "layout"}``. On a log scale
    the gap f − f* is drawn when the optimum f* is known; returns the chart and a note when the log scale could not
    be used. Plain dicts: the page sends them on every rerun, and building a ``go.Figure`` (every property checked)
    cost 5 ms of each."""
    note = None
    shift = 0.0
    if log_scale:
        if optimum is not None:
            shift = optimum
        else:
            lowest = min((np.nanmin(p.trajectory.losses) for p in paths), default=1.0)
            if not lowest > 0:
                log_scale = False
                note = (
                    "The log scale needs positive losses and this surface's minimum is unknown; showing a linear scale."
                )
    data, shapes = [], []
    for path in paths:
        losses = path.trajectory.losses
        keep = thin(losses.shape[0], MAX_CURVE_POINTS)
        for member in range(1, losses.shape[1]):
            data.append(
                dict(
                    type="scatter",
                    x=keep,
                    y=losses[keep, member] - shift,
                    mode="lines",
                    line=dict(color=path.colour, width=1),
                    opacity=0.25,
                    hoverinfo="skip",
                    showlegend=False,
                    legendgroup=path.label,
                )
            )
        data.append(
            dict(
                type="scatter",
                x=keep,
                y=losses[keep, 0] - shift,
                mode="lines",
                line=dict(color=path.colour, width=2.5),
                name=path.label,
                legendgroup=path.label,
            )
        )
        diverged = int(path.trajectory.diverged_step[0])
        if diverged >= 0:  # what go.Figure.add_vline makes
            shapes.append(
                dict(type="line", x0=diverged, x1=diverged, xref="x", y0=0, y1=1, yref="y domain",
                     line=dict(color=DIVERGED_COLOUR, dash="dot", width=1.5))
            )  # fmt: skip
    y_title = ("f − f*" if shift else "f") + (" (log scale)" if log_scale else "")
    yaxis = dict(title=dict(text=y_title), type="log" if log_scale else "linear", exponentformat="power")
    top = _linear_top(paths, shift) if not log_scale else None
    if top is not None:  # a blown-up lane would flatten every other curve to a line at 0
        yaxis.update(range=[min(0.0, top[1]), top[0]], autorange=False)
        note = "A diverged lane runs off the top of the chart (its dotted line marks the step); try the log scale."
    layout = dict(
        height=380,
        margin=dict(l=60, r=10, t=30, b=40),
        xaxis=dict(title=dict(text="step")),
        yaxis=yaxis,
        legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        hovermode="x unified",
    )
    if shapes:
        layout["shapes"] = shapes
    return {"data": data, "layout": layout}, note


def _linear_top(paths: Sequence[PathSet], shift: float) -> tuple[float, float] | None:
    """``(top, bottom)`` for a linear loss axis that keeps the lanes that did not diverge readable; None when
    no lane diverged (or none stayed finite), so plotly's own range is used."""
    if not any(p.trajectory.diverged[0] for p in paths):
        return None
    kept = [p.trajectory.losses[:, 0] - shift for p in paths if not p.trajectory.diverged[0]]
    kept += [p.trajectory.losses[:1, 0] - shift for p in paths]  # every lane's start stays in view
    values = np.concatenate(kept)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    low, high = float(values.min()), float(values.max())
    pad = 0.08 * (high - low) if high > low else max(abs(high), 1.0) * 0.1
    return high + pad, low - pad


def standalone_html(figure: go.Figure) -> str:
    """The figure as one self-contained interactive HTML file (plotly.js inlined, works offline)."""
    return figure.to_html(include_plotlyjs=True, full_html=True, auto_play=False)


def plotly_json(figure: go.Figure | dict) -> dict:
    """A figure (or ``{"data", "layout"}``) as the JSON plotly.js reads, plotly.py's template dropped (plotly.js draws
    its plain default). A ``go.Figure``'s numpy arrays are packed as base64 typed arrays; a plain dict's become JSON
    lists (pack them first with :func:`_packed_traces` where the page's JavaScript only hands them to plotly.js)."""
    result = json.loads(to_json_plotly(figure))
    result.get("layout", {}).pop("template", None)
    return result


def pack_f4(values: np.ndarray) -> dict:
    """``values`` as little-endian float32 in base64 with their shape (what the browser view decodes)."""
    array = np.ascontiguousarray(values, dtype="<f4")
    return {"dtype": "f4", "bdata": base64.b64encode(array.tobytes()).decode(), "shape": list(array.shape)}


def pack_array(values: np.ndarray) -> dict:
    """1-D numbers in plotly.js's typed-array form: float64, or the smallest int type that holds them, in base64.
    Plain JSON lists of floats were most of the view's data (~20 characters a number) and the slowest part of
    encoding it."""
    array = np.asarray(values)
    code = "f8"
    if array.dtype.kind in "iu" and array.size:
        low, high = int(array.min()), int(array.max())
        code = next((c for c in ("i1", "i2", "i4") if np.iinfo(c).min <= low and high <= np.iinfo(c).max), "f8")
    packed = np.ascontiguousarray(array, dtype="<" + code)
    return {"dtype": code, "bdata": base64.b64encode(packed.tobytes()).decode()}


def _packed_traces(traces: Sequence[dict]) -> list[dict]:
    """``traces`` with their 1-D numeric arrays (x, y, customdata, ...) packed by :func:`pack_array`."""

    def packed(value: object) -> object:
        is_numbers = isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf"  # not booleans
        return pack_array(value) if is_numbers else value

    return [{key: packed(value) for key, value in trace.items()} for trace in traces]


def _view_layout(layout: dict) -> dict:
    """The map's layout in the browser view: clicks are the view's own (no plotly selection), x titled below the
    ticks, and no fixed height: the map fills its box, which the page's stylesheet fits to the window."""
    xaxis = dict(layout["xaxis"], title=dict(text="x", standoff=8), automargin=True)  # no template sets it here
    view = {key: value for key, value in layout.items() if key != "height"}
    margin = dict(layout["margin"], r=10, b=50)
    return {**view, "autosize": True, "clickmode": "none", "annotations": [], "xaxis": xaxis, "margin": margin}


def explorer_view_data(
    surface: Surface,
    paths: Sequence[PathSet],
    start: tuple[float, float],
    loss: dict,
    *,
    window: Window | None = None,
    max_frames: int = MAX_FRAMES,
    speeds: dict[str, int] | None = None,
) -> dict:
    """What the browser view of the explorer needs to draw, animate and scrub without a rerun: the map without its
    image and click grid (``surface``: the layout image and the grid's window and values, the same for a surface,
    for the page to send apart; the browser snaps a click to the grid and shows f there on hover, with no
    marker per node to redraw), the loss chart, every lane's positions per step
    (``(lanes, steps + 1, runs, 2)`` float32), the animated traces' indices, the step between animation
    frames and the tail's length in frames."""
    base = explorer_map(surface, paths, start, window=window)
    _, values = pick_points(surface, base.window)
    steps = paths[0].trajectory.steps if paths else 0
    positions = np.stack([p.trajectory.positions for p in paths]) if paths else np.zeros((0, 1, 1, 2))
    return {
        "surface": {
            "image": surface_image(surface, base.window),
            "pick": {"x": list(base.window[0]), "y": list(base.window[1]), "n": PICK_RESOLUTION, "f": pack_f4(values)},
        },
        "map": plotly_json({"data": _packed_traces(base.data[1:]), "layout": _view_layout(base.layout)}),  # no grid
        "loss": plotly_json({**loss, "data": _packed_traces(loss["data"])}),
        "animated": [index - 1 for index in base.animated],
        # the lanes' paths, noisy runs, clip and divergence markers with each point's step (NaN: a gap between
        # runs): the view draws them up to the animated step, or whole when asked
        "growing": [{"trace": index - 1, "steps": pack_f4(steps)} for index, steps in base.point_steps.items()],
        "positions": pack_f4(positions),
        "shape": list(positions.shape[:3]),
        "steps": int(steps),
        "stride": max(1, -(-int(steps) // max_frames)),
        "tail": TAIL_FRAMES,
        "speeds": speeds or {"slow": 150, "normal": 60, "fast": 20},
    }
