"""Figures for the step inspector: the step-k arrows on the surface, losses, step sizes over time.

Arrows start at the current point ``θ_{k-1}`` (the parameter θ; the map's axes are its coordinates x and y).
Gradient-like arrows (raw and clipped gradient, Adam's first moment) are drawn negated, pointing downhill, and
share one scale; displacement arrows (the update, SGD's velocity) share another that is never smaller than the
true size. The legend gives the true lengths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from ..inspection import Inspection
from ..inspection_formulas import theta
from ..surfaces import Surface
from .legends import legend_below
from .surface_layers import contour, minima_trace, surface_grid

ORIGINAL_COLOR = "#333333"
FORK_COLOR = "#CC79A7"
ARROW_COLORS = {
    "gradient": "#D55E00",
    "clipped": "#E69F00",
    "momentum": "#009E73",
    "update": "#0072B2",
}
#: Arrow length on screen as a fraction of the smaller side of the view window.
ARROW_FRACTION = 0.14
#: Index of the transparent click grid in ``step_figure`` (a click on it picks a new start point).
PICK_TRACE = 1
#: Nodes per side of that grid.
PICK_RESOLUTION = 41
#: The shortest drawn arrow, as a share of the arrow length (so a small momentum stays visible).
MIN_ARROW_SHARE = 0.4
#: A path reaching beyond this many window sizes is not followed by the view (it diverged).
MAX_VIEW_GROWTH = 4.0


@dataclass(frozen=True)
class Arrow:
    """One arrow of step k: ``start`` and drawn ``end`` ``(2,)``, the true vector, its legend label."""

    kind: str
    label: str
    start: np.ndarray
    end: np.ndarray
    vector: np.ndarray
    scale: float

    @property
    def length(self) -> float:
        """True length of the vector (before scaling for display)."""
        return float(np.hypot(*self.vector))


Window = tuple[tuple[float, float], tuple[float, float]]


def step_title(step: int) -> str:
    """The map's title at step ``step``: ``Step 10: from θ₉ to θ₁₀``."""
    return f"Step {step}: from {theta(step - 1)} to {theta(step)}"


def step_arrows(inspection: Inspection, step: int, window: Window) -> list[Arrow]:
    """The arrows of step ``step`` for a view ``window`` ((x0, x1), (y0, y1)): raw gradient, clipped gradient
    (when it differs), momentum (if the optimizer keeps one) and the update."""
    values = [inspection.values(step, c) for c in range(2)]
    start = np.array([values[0]["x_prev"], values[1]["x_prev"]])
    pick = lambda name: np.array([values[0][name], values[1][name]])
    size = ARROW_FRACTION * min(window[0][1] - window[0][0], window[1][1] - window[1][0])
    raw, clipped = -pick("g_raw"), -pick("g")
    gradient_like = [("gradient", "−g raw gradient (downhill)", raw)]
    if not np.array_equal(raw, clipped):
        gradient_like.append(("clipped", "−g after clipping", clipped))
    displacement = [("update", "update Δθ (the step taken)", pick("update"))]
    momentum = inspection.momentum()
    if momentum is not None:
        name, units = momentum
        if units == "gradient":
            gradient_like.append(("momentum", "−m first moment (momentum)", -pick(name)))
        else:
            velocity = pick(name)
            if np.allclose(velocity, displacement[0][2], rtol=1e-9, atol=0):  # plain SGD: the step is the velocity
                displacement[0] = ("update", "update Δθ = velocity v", velocity)
            else:
                displacement.append(("momentum", "v velocity (momentum)", velocity))
    arrows = []
    for group, magnify_only in ((displacement, True), (gradient_like, False)):  # the update drawn underneath
        longest = max((np.hypot(*v) for _, _, v in group if np.all(np.isfinite(v))), default=0.0)
        if longest == 0 or not np.isfinite(longest):
            scale = 1.0
        else:
            scale = size / longest
            if magnify_only:
                scale = max(scale, 1.0)
        for kind, label, vector in group:
            length = float(np.hypot(*vector))
            shown = scale
            if 0 < length < np.inf:  # a short arrow still gets a visible length (the legend says by how much)
                shown = max(scale, MIN_ARROW_SHARE * size / length)
            arrows.append(Arrow(kind, label, start, start + shown * vector, vector, shown))
    return arrows


def view_window(
    surface: Surface, inspection: Inspection, step: int | None = None, zoom: bool = False
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The window to draw: the surface's, grown to hold the path (unless it ran away), or with ``zoom``
    a square around step ``step``'s start and end points."""
    finite = inspection.positions[np.all(np.isfinite(inspection.positions), axis=1)]
    (x0, x1), (y0, y1) = surface.x_range, surface.y_range
    if zoom and step is not None:
        i = inspection.index(step)
        here, there = finite[min(i, len(finite) - 1)], finite[min(i + 1, len(finite) - 1)]
        half = max(3.0 * float(np.hypot(*(there - here))), 0.01 * min(x1 - x0, y1 - y0), 1e-9)
        centre = (here + there) / 2
        return (centre[0] - half, centre[0] + half), (centre[1] - half, centre[1] + half)
    if len(finite):
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        width, height = x1 - x0, y1 - y0
        grown = (min(x0, lo[0]), max(x1, hi[0])), (min(y0, lo[1]), max(y1, hi[1]))
        if (grown[0][1] - grown[0][0]) <= MAX_VIEW_GROWTH * width and (grown[1][1] - grown[1][0]) <= (
            MAX_VIEW_GROWTH * height
        ):
            pad_x, pad_y = 0.03 * (grown[0][1] - grown[0][0]), 0.03 * (grown[1][1] - grown[1][0])
            return (grown[0][0] - pad_x, grown[0][1] + pad_x), (grown[1][0] - pad_y, grown[1][1] + pad_y)
    return (x0, x1), (y0, y1)


def _contour(surface: Surface, window) -> go.Contour:
    """The surface over ``window``, faded so the arrows on top stand out."""
    return contour(
        *surface_grid(surface, window[0], window[1], resolution=110),
        ncontours=22,
        opacity=0.55,
        line=dict(width=0.5, color="rgba(40,60,90,0.35)"),
    )


def _pick_grid(window: Window) -> go.Scatter:
    """Invisible markers over the window: plotly reports clicks on points, not on a contour."""
    gx, gy = np.meshgrid(np.linspace(*window[0], PICK_RESOLUTION), np.linspace(*window[1], PICK_RESOLUTION))
    return go.Scatter(
        x=gx.ravel(),
        y=gy.ravel(),
        mode="markers",
        marker=dict(size=12, opacity=0),
        hoverinfo="none",
        showlegend=False,
        name="click to start here",
        meta="pick",
        selected=dict(marker=dict(opacity=0)),
        unselected=dict(marker=dict(opacity=0)),
    )


def path_trace(positions: np.ndarray, name: str, color: str, dash: str = "solid") -> go.Scatter:
    """A run's path as lines and markers, hover showing its points (the step map, the fork map, the step view)."""
    return go.Scatter(
        x=positions[:, 0],
        y=positions[:, 1],
        mode="lines+markers",
        name=name,
        line=dict(color=color, width=2, dash=dash),
        marker=dict(size=4, color=color),
        hovertemplate="(%{x:.4g}, %{y:.4g})<extra>" + name + "</extra>",
    )


def step_figure(
    surface: Surface,
    inspection: Inspection,
    step: int,
    forked: Inspection | None = None,
    zoom: bool = False,
    height: int = 560,
    before: np.ndarray | None = None,
) -> go.Figure:
    """The surface with the path up to step ``step`` and that step's arrows (and a fork's path).

    ``before`` ``(j, 2)``: the path that led to ``inspection``'s first position (a fork's original run)."""
    window = view_window(surface, inspection, step, zoom)
    i = inspection.index(step)
    figure = go.Figure([_contour(surface, window), _pick_grid(window)])
    if before is not None and len(before):
        figure.add_trace(path_trace(before, "original run before the fork", "#999999"))
    color = ORIGINAL_COLOR if before is None else FORK_COLOR
    figure.add_trace(path_trace(inspection.positions[: i + 1], f"path to {theta(step - 1)}", color))
    if forked is not None and forked.steps:
        figure.add_trace(path_trace(forked.positions, f"fork from step {forked.first_step}", FORK_COLOR, dash="dash"))
    here, there = inspection.positions[i], inspection.positions[i + 1]
    for arrow in step_arrows(inspection, step, window):
        drawn = "" if arrow.scale == 1 else f", drawn ×{arrow.scale:.3g}"
        figure.add_trace(
            go.Scatter(
                x=[arrow.start[0], arrow.end[0]],
                y=[arrow.start[1], arrow.end[1]],
                mode="lines+markers",
                name=f"{arrow.label}: |·| = {arrow.length:.3g}{drawn}",
                legendgroup=arrow.kind,
                meta=arrow.kind,
                line=dict(color=ARROW_COLORS[arrow.kind], width=6 if arrow.kind == "update" else 2.5),
                marker=dict(
                    symbol="arrow",
                    angleref="previous",
                    size=[0, 20 if arrow.kind == "update" else 14],
                    color=ARROW_COLORS[arrow.kind],
                ),
                opacity=0.75 if arrow.kind == "update" else 1.0,
                hovertemplate=f"{arrow.label}<br>vector ({arrow.vector[0]:.4g}, {arrow.vector[1]:.4g})<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[here[0]],
            y=[here[1]],
            mode="markers",
            name=f"{theta(step - 1)} (current point)",
            marker=dict(size=11, color=ORIGINAL_COLOR, line=dict(color="white", width=1.5)),
        )
    )
    if np.all(np.isfinite(there)):
        figure.add_trace(
            go.Scatter(
                x=[there[0]],
                y=[there[1]],
                mode="markers",
                name=f"{theta(step)} (after the step)",
                marker=dict(size=11, symbol="circle-open", color=ARROW_COLORS["update"], line=dict(width=2.5)),
            )
        )
    minima = minima_trace(surface)
    if minima is not None:
        figure.add_trace(minima)
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis=dict(range=list(window[0]), autorange=False, title="x", constrain="domain"),
        yaxis=dict(range=list(window[1]), autorange=False, title="y", scaleanchor="x" if zoom else None),
        legend=legend_below(font=dict(size=12)),
        title=dict(text=step_title(step), x=0.01, font=dict(size=15)),
        plot_bgcolor="white",
        clickmode="event+select",
        dragmode=False,
    )
    for trace in figure.data[PICK_TRACE + 1 :]:  # a click selects a grid point: keep every other point opaque
        trace.update(unselected=dict(marker=dict(opacity=1)))
    return figure


def fork_figure(surface: Surface, original: Inspection, forked: Inspection, height: int = 460) -> go.Figure:
    """The original's whole path and the fork's path from its fork point, on the surface."""
    both = np.vstack([original.positions, forked.positions])
    finite = both[np.all(np.isfinite(both), axis=1)]
    window = view_window(surface, original)
    if len(finite):
        lo, hi = finite.min(axis=0), finite.max(axis=0)
        (x0, x1), (y0, y1) = window
        if hi[0] - lo[0] <= MAX_VIEW_GROWTH * (x1 - x0) and hi[1] - lo[1] <= MAX_VIEW_GROWTH * (y1 - y0):
            window = (min(x0, lo[0]), max(x1, hi[0])), (min(y0, lo[1]), max(y1, hi[1]))
    figure = go.Figure(_contour(surface, window))
    figure.add_trace(path_trace(original.positions, f"original: {original.lane.label()}", ORIGINAL_COLOR))
    figure.add_trace(path_trace(forked.positions, f"fork: {forked.lane.label()}", FORK_COLOR, dash="dash"))
    point = forked.positions[0]
    figure.add_trace(
        go.Scatter(
            x=[point[0]],
            y=[point[1]],
            mode="markers",
            name=f"fork point (after step {forked.first_step})",
            marker=dict(size=12, symbol="diamond", color=FORK_COLOR, line=dict(color="black", width=1)),
        )
    )
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=10, b=10),
        xaxis=dict(range=list(window[0]), autorange=False, title="x"),
        yaxis=dict(range=list(window[1]), autorange=False, title="y"),
        legend=legend_below(),
        plot_bgcolor="white",
    )
    return figure


def _marker_line(figure: go.Figure, step: int, text: str, color: str = "#888888", side: str = "right") -> None:
    """A dotted vertical line at ``step`` labelled ``text`` on its ``side`` (the fork's label goes left of its line
    and the step's right of its own, so the two never overlap, not even at the same step)."""
    figure.add_vline(
        x=step, line=dict(color=color, dash="dot", width=1.5), annotation_text=text, annotation_position=f"top {side}"
    )


def loss_figure(inspection: Inspection, step: int, forked: Inspection | None = None, height: int = 340) -> go.Figure:
    """Loss over steps (log scale) of the run and of a fork, with the current step marked."""
    figure = go.Figure()
    steps = np.arange(inspection.first_step, inspection.last_step + 1)
    figure.add_trace(_loss_trace(steps, inspection.losses, "original", ORIGINAL_COLOR))
    if forked is not None:
        fork_steps = np.arange(forked.first_step, forked.last_step + 1)
        figure.add_trace(_loss_trace(fork_steps, forked.losses, f"fork ({forked.lane.label()})", FORK_COLOR, "dash"))
        _marker_line(figure, forked.first_step, "fork", FORK_COLOR, side="left")
    _marker_line(figure, step, f"step {step}")
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="step",
        yaxis=dict(title="loss", type="log" if _positive(inspection.losses) else "linear", exponentformat="power"),
        legend=legend_below(),
    )
    return figure


def _positive(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(len(finite)) and bool(np.all(finite > 0))


def _loss_trace(steps: np.ndarray, losses: np.ndarray, name: str, color: str, dash: str = "solid") -> go.Scatter:
    shown = np.where(np.isfinite(losses), losses, np.nan)
    return go.Scatter(x=steps, y=shown, mode="lines", name=name, line=dict(color=color, dash=dash, width=2))


def step_size_figure(inspection: Inspection, step: int, coordinate_names=("x", "y"), height: int = 340) -> go.Figure:
    """Effective step size per coordinate over time: ``|Δθ_i| / |g_i|`` (solid) and the optimizer's own
    multiplier (dotted), log scale."""
    figure = go.Figure()
    steps = np.arange(inspection.first_step + 1, inspection.last_step + 1)
    colors = ("#0072B2", "#D55E00")
    for c, name in enumerate(coordinate_names):
        for key, label, dash in (
            ("effective_lr", f"|Δθ_{name}| / |g_{name}|", "solid"),
            ("step_multiplier", f"multiplier on {name}", "dot"),
        ):
            series = inspection.quantities[key][:, c]
            figure.add_trace(
                go.Scatter(
                    x=steps,
                    y=np.where(np.isfinite(series) & (series > 0), series, np.nan),
                    mode="lines",
                    name=label,
                    line=dict(color=colors[c], dash=dash, width=2),
                )
            )
    _marker_line(figure, step, f"step {step}")
    figure.update_layout(
        height=height,
        margin=dict(l=10, r=10, t=30, b=10),
        xaxis_title="step",
        yaxis=dict(title="step per unit of gradient", type="log", exponentformat="power"),
        legend=legend_below(),
    )
    return figure
