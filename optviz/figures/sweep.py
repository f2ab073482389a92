"""Figures for hyperparameter sweeps: the metric heat map, metric-vs-argument curves, replayed paths.

The heat map draws log axes in log10 coordinates (with readable tick labels), so every cell has the
same width. For ``st.plotly_chart`` it puts a transparent scatter of cell centres on top: a click on a heat
map returns no point in Streamlit, a click on that scatter returns the cell's ``point_index``
(row * nx + column). The sweep page's browser view leaves it out (see :mod:`.sweep_view`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..runner import Trajectory
from ..surfaces import Surface
from ..sweep import METRICS, SweepResult
from ..sweep_stability import window_length
from .surface_layers import contour, minima_trace

DIVERGED_COLOUR = "#D62728"
NOT_REACHED_COLOUR = "#B8B8B8"
UNSTABLE_COLOUR = "#F4A582"  # a pale red: close to diverging
BEST_COLOUR = "#FFFFFF"
SELECTED_COLOUR = "#FF00FF"
COLOURSCALE = "Viridis"

#: Index of the transparent click layer in the heat map's data.
CLICK_TRACE = 2


def format_value(value: float) -> str:
    """Compact number for labels and hover: ``0.001``, ``2.5e-05``, ``0.95``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.3g}"


def uses_log_colour(values: np.ndarray) -> bool:
    """A log colour scale fits when every finite value is positive and they span more than two decades."""
    finite = values[np.isfinite(values)]
    return finite.size > 1 and bool(np.all(finite > 0)) and finite.max() / finite.min() > 100


def _log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Tick positions (log10) and labels for a log range: decades, plus 2 and 5 when it spans little."""
    first, last = math.floor(math.log10(low) - 1e-9), math.ceil(math.log10(high) + 1e-9)
    multiples = (1,) if last - first > 3 else (1, 2, 5)
    values = [m * 10.0**k for k in range(first, last + 1) for m in multiples]
    values = [v for v in values if low * (1 - 1e-9) <= v <= high * (1 + 1e-9)]
    if len(values) < 2:
        values = [low, high]
    if len(values) > 8:
        values = values[:: math.ceil(len(values) / 8)]
    return [math.log10(v) for v in values], [f"{v:g}" for v in values]


def _axis_coordinates(values: np.ndarray, log: bool) -> np.ndarray:
    return np.log10(values) if log else values


def _axis_layout(title: str, values: np.ndarray, log: bool) -> dict:
    if not log:
        return dict(title=title)
    tickvals, ticktext = _log_ticks(float(values[0]), float(values[-1]))
    return dict(title=f"{title} (log scale)", tickvals=tickvals, ticktext=ticktext)


def cell_status_text(result: SweepResult) -> np.ndarray:
    """``(ny, nx)`` short hover text per cell: the metric value, or why it has none. The argument values
    travel as numeric ``customdata``, which keeps a 200 x 200 figure small."""
    status = np.where(result.diverged, "diverged", "never reached").astype(object)
    finite = np.isfinite(result.values)
    status[finite] = [f"{v:.4g}" for v in result.values[finite]]
    unstable = finite & result.unstable_cells
    status[unstable] = [f"unstable ({v:.4g})" for v in result.values[unstable]]
    return status


def unstable_with_value(result: SweepResult) -> np.ndarray:
    """``(ny, nx)`` the unstable cells that have a metric value (a never-reached cell shows as never reached)."""
    return result.unstable_cells & np.isfinite(result.values)


def status_layer(result: SweepResult) -> tuple[np.ndarray, list]:
    """The heat map's status layer: ``(ny, nx)`` z (1 diverged, 0.5 unstable, 0 never reached, NaN otherwise) and
    its colour scale."""
    status = np.where(result.not_reached, 0.0, np.nan)
    status = np.where(unstable_with_value(result), 0.5, status)
    status = np.where(result.diverged, 1.0, status).astype(np.float32)
    return status, [[0, NOT_REACHED_COLOUR], [0.5, UNSTABLE_COLOUR], [1, DIVERGED_COLOUR]]


def sweep_heatmap(
    result: SweepResult, selected: tuple[int, int] | None = None, click_layer: bool = True
) -> go.Figure:
    """Heat map of a 2-D sweep: metric colours (log where it fits), diverged and never-reached cells in
    their own colours with legend entries, the best cell starred, ``selected`` outlined. Without
    ``click_layer`` (trace :data:`CLICK_TRACE`, a hover label and a click target per cell) the figure is a
    fraction of the size: the browser view snaps the pointer to a cell itself (:mod:`.sweep_view`)."""
    if result.y is None:
        raise ValueError("a heat map needs a Y axis; draw a 1-D sweep with metric_curves")
    metric = METRICS[result.metric]
    xs, ys = result.x_values, result.y_values
    cx, cy = _axis_coordinates(xs, result.x.log), _axis_coordinates(ys, result.y.log)
    values = result.values
    log_colour = uses_log_colour(values)
    with np.errstate(all="ignore"):
        z = np.log10(values) if log_colour else values
    colourbar = dict(
        title=dict(text=metric.label + (" (log)" if log_colour else ""), side="right"), len=0.75, thickness=14
    )
    if log_colour:
        finite = values[np.isfinite(values)]
        colourbar["tickvals"], colourbar["ticktext"] = _log_ticks(float(finite.min()), float(finite.max()))
    colourscale = COLOURSCALE if not metric.higher_is_better else COLOURSCALE + "_r"
    figure = go.Figure()
    figure.add_trace(
        go.Heatmap(x=cx, y=cy, z=z, colorscale=colourscale, colorbar=colourbar, hoverinfo="skip", name=metric.label)
    )
    status, status_colours = status_layer(result)
    figure.add_trace(
        go.Heatmap(
            x=cx,
            y=cy,
            z=status,
            zmin=0,
            zmax=1,
            colorscale=status_colours,
            showscale=False,
            hoverinfo="skip",
            name="status",
        )
    )
    unstable = int(unstable_with_value(result).sum())
    if click_layer:
        figure.add_trace(_click_layer(result, cx, cy))
    for label, colour, count in (
        (f"diverged ({int(result.diverged.sum())} cells)", DIVERGED_COLOUR, int(result.diverged.sum())),
        (f"never reached ({int(result.not_reached.sum())} cells)", NOT_REACHED_COLOUR, int(result.not_reached.sum())),
        (f"unstable ({unstable} cells)", UNSTABLE_COLOUR, unstable),
    ):
        if count:
            figure.add_trace(_legend_swatch(label, colour))
    best = result.best_cell()
    if best is not None:
        row, column = best
        figure.add_trace(
            go.Scatter(
                x=[cx[column]],
                y=[cy[row]],
                mode="markers",
                marker=dict(symbol="star", size=16, color=BEST_COLOUR, line=dict(color="#000000", width=1.5)),
                name=f"best: {result.x.argument}={xs[column]:.3g}, {result.y.argument}={ys[row]:.3g}",
                hoverinfo="skip",
            )
        )
    if selected is not None:
        figure.add_trace(selected_trace(result, selected))
    figure.update_layout(
        xaxis=_axis_layout(result.x.argument, xs, result.x.log),
        yaxis=_axis_layout(result.y.argument, ys, result.y.log),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=55, r=5, t=70, b=50),
        height=600,
        clickmode="event+select",
        dragmode=False,
        hovermode="closest",
    )
    return figure


def _click_layer(result: SweepResult, cx: np.ndarray, cy: np.ndarray) -> go.Scatter:
    """A transparent marker per cell centre: Streamlit reports a click on it (``point_index``) and plotly shows
    its hover label (both argument values and the metric)."""
    xs, ys, metric = result.x_values, result.y_values, METRICS[result.metric]
    grid_x, grid_y = (g.astype(np.float32) for g in np.meshgrid(cx, cy))  # float32 halves the figure's size
    return go.Scatter(
        x=grid_x.ravel(),
        y=grid_y.ravel(),
        mode="markers",
        marker=dict(size=max(4, min(18, 600 // max(len(xs), len(ys)))), opacity=0, color="#000000"),
        customdata=np.column_stack([np.tile(xs, len(ys)), np.repeat(ys, len(xs))]).astype(np.float32),
        text=cell_status_text(result).ravel(),
        hovertemplate=f"{result.x.argument} = %{{customdata[0]:.4g}}<br>{result.y.argument} = "
        f"%{{customdata[1]:.4g}}<br>{metric.label}: <b>%{{text}}</b><extra></extra>",
        showlegend=False,
        name="cells",
        meta="cells",
    )


def cell_coordinates(result: SweepResult) -> tuple[np.ndarray, np.ndarray]:
    """``(nx,)`` and ``(ny,)`` cell centres in the heat map's coordinates (log10 of the values on a log axis)."""
    return _axis_coordinates(result.x_values, result.x.log), _axis_coordinates(result.y_values, result.y.log)


def selected_trace(result: SweepResult, cell: tuple[int, int]) -> go.Scatter:
    """The outline of the replayed cell ``(row, column)`` on the heat map (``meta="selected"``)."""
    cx, cy = cell_coordinates(result)
    row, column = cell
    return go.Scatter(
        x=[float(cx[column])],
        y=[float(cy[row])],
        mode="markers",
        marker=dict(symbol="square-open", size=14, color=SELECTED_COLOUR, line=dict(width=2.5)),
        name="replayed cell",
        meta="selected",
        hoverinfo="skip",
    )


def _legend_swatch(label: str, colour: str) -> go.Scatter:
    return go.Scatter(
        x=[None], y=[None], mode="markers", marker=dict(symbol="square", size=12, color=colour), name=label
    )


def unstable_markers(label: str, colour: str, result: SweepResult) -> go.Scatter:
    """Open rings on a 1-D sweep's unstable settings (their end rises or jumps: never the best)."""
    unstable = unstable_with_value(result)[0]
    return go.Scatter(
        x=result.x_values[unstable],
        y=result.values[0, unstable],
        mode="markers",
        marker=dict(symbol="circle-open", size=13, color=colour, line=dict(width=2)),
        name=f"{label}: unstable",
        legendgroup=label,
        showlegend=False,
        hovertemplate=f"{label}<br>{result.x.argument} = %{{x:.4g}}<br>%{{y:.4g}}, <b>unstable</b> (rising or jumping "
        "at the end)<extra></extra>",
    )


def _legend_marker(label: str, symbol: str) -> go.Scatter:
    marker = dict(symbol=symbol, size=10, color="#444444")
    return go.Scatter(x=[None], y=[None], mode="markers", marker=marker, name=label)


def metric_curves(curves: Sequence[tuple[str, str, SweepResult]]) -> go.Figure:
    """1-D sweeps overlaid: the metric against the swept argument, one line per optimizer; diverged
    settings as crosses along the top, each curve's best setting starred."""
    if not curves:
        raise ValueError("no curves to draw")
    result0 = curves[0][2]
    metric = METRICS[result0.metric]
    all_values = np.concatenate([c[2].values.ravel() for c in curves])
    log_y = uses_log_colour(all_values)
    finite = all_values[np.isfinite(all_values)]
    top = (finite.max() * (3 if log_y else 1) + (0 if log_y else 0.05 * np.ptp(finite))) if finite.size else 1.0
    figure = go.Figure()
    for label, colour, result in curves:
        xs = result.x_values
        values = result.values[0]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=values,
                mode="lines+markers",
                line=dict(color=colour, width=2.5),
                marker=dict(size=5),
                name=label,
                hovertemplate=f"{label}<br>{result.x.argument} = %{{x:.4g}}<br>"
                f"{metric.label}: %{{y:.4g}}<extra></extra>",
            )
        )
        failed = result.diverged[0]
        if failed.any():
            figure.add_trace(
                go.Scatter(
                    x=xs[failed],
                    y=np.full(int(failed.sum()), top),
                    mode="markers",
                    marker=dict(symbol="x", size=8, color=colour),
                    name=f"{label}: diverged",
                    legendgroup=label,
                    showlegend=False,
                    hovertemplate=f"{label}<br>{result.x.argument} = %{{x:.4g}}<br><b>diverged</b><extra></extra>",
                )
            )
        if unstable_with_value(result)[0].any():
            figure.add_trace(unstable_markers(label, colour, result))
        best = result.best_cell()
        if best is not None:
            figure.add_trace(
                go.Scatter(
                    x=[xs[best[1]]],
                    y=[values[best[1]]],
                    mode="markers",
                    marker=dict(symbol="star", size=15, color=colour, line=dict(color="#000000", width=1)),
                    showlegend=False,
                    hovertemplate=f"{label} best<br>{result.x.argument} = %{{x:.4g}}<br>"
                    f"{metric.label}: %{{y:.4g}}<extra></extra>",
                )
            )
    if any(unstable_with_value(c[2]).any() for c in curves):
        figure.add_trace(_legend_marker("○ = unstable", "circle-open"))
    if any(c[2].diverged.any() for c in curves):
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker=dict(symbol="x", size=8, color="#444444"),
                name="× = diverged",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=[None], y=[None], mode="markers", marker=dict(symbol="star", size=12, color="#444444"), name="★ = best"
        )
    )
    figure.update_layout(
        xaxis=dict(title=result0.x.argument, type="log" if result0.x.log else "linear", exponentformat="e"),
        yaxis=dict(title=metric.label, type="log" if log_y else "linear", exponentformat="e"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=60, r=10, t=60, b=50),
        height=480,
        hovermode="closest",
    )
    return figure


def end_text(trajectory: Trajectory) -> str:
    """How run 0 ended, as the sweep scores it: ``diverged at step 4``, or its final loss (the mean over the last
    10% of the steps, as in the sweep's table)."""
    if trajectory.diverged[0]:
        return f"diverged at step {int(trajectory.diverged_step[0])}"
    tail = trajectory.losses[-window_length(trajectory.steps) :, 0].mean()
    return f"final loss {tail:.3g}"


def paths_figure(
    surface: Surface, paths: Sequence[tuple[str, str, Trajectory]], start: tuple[float, float] | None = None
) -> go.Figure:
    """Contour of ``surface`` with one replayed path per ``(label, colour, trajectory)`` (run 0 of each)."""
    data, layout = paths_layers(surface, paths, start)
    return go.Figure(data=[contour(*surface.grid(120)), *data], layout=layout)


def paths_layers(
    surface: Surface, paths: Sequence[tuple[str, str, Trajectory]], start: tuple[float, float] | None = None
) -> tuple[list[dict], dict]:
    """The traces and layout of :func:`paths_figure` without its contour, as plain dicts in plotly.js's spelling:
    no plotly.py validation (about 1 ms instead of 20), for a view that redraws them on every click."""
    data = []
    for label, colour, trajectory in paths:
        path = trajectory.positions[:, 0, :]
        end = end_text(trajectory)
        data.append(
            dict(
                type="scatter",
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers",
                line=dict(color=colour, width=2.5),
                marker=dict(size=3),
                name=f"{label} ({end})",
                meta="path",
                hovertemplate="step %{customdata}<br>x=%{x:.4g}, y=%{y:.4g}<extra></extra>",
                customdata=np.arange(path.shape[0]),
            )
        )
        data.append(
            dict(
                type="scatter",
                x=[float(path[-1, 0])],
                y=[float(path[-1, 1])],
                mode="markers",
                marker=dict(symbol="circle", size=10, color=colour, line=dict(color="#000000", width=1)),
                showlegend=False,
                hoverinfo="skip",
            )
        )
    minima = minima_trace(surface)
    if minima is not None:
        data.append(minima.to_plotly_json())
    if start is not None:
        data.append(
            dict(
                type="scatter",
                x=[float(start[0])],
                y=[float(start[1])],
                mode="markers",
                marker=dict(symbol="diamond", size=11, color="#FFFFFF", line=dict(color="#000000", width=1.5)),
                name="start",
                hoverinfo="skip",
            )
        )
    layout = dict(
        xaxis=dict(title=dict(text="x"), range=list(surface.x_range), autorange=False),
        yaxis=dict(title=dict(text="y"), range=list(surface.y_range), autorange=False),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=50, r=10, t=60, b=50),
        height=560,
    )
    return data, layout


def training_curves(
    steps: np.ndarray,
    curves: Sequence[tuple[str, str, np.ndarray]],
    y_title: str = "training loss (cross-entropy)",
    height: int = 480,
) -> go.Figure:
    """Training loss against step for a few cells of a network sweep (``(label, colour, losses (E,))``); the loss
    of replayed surface runs too, with ``y_title="loss"``."""
    figure = go.Figure()
    for label, colour, losses in curves:
        figure.add_trace(
            go.Scatter(
                x=steps,
                y=losses,
                mode="lines+markers",
                line=dict(color=colour, width=2.5),
                marker=dict(size=4),
                name=label,
                meta="path",
                hovertemplate="step %{x}<br>training loss %{y:.4g}<extra></extra>",
            )
        )
    figure.update_layout(
        xaxis=dict(title="step"),
        yaxis=dict(title=y_title, type="log", exponentformat="e", dtick="D2"),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        margin=dict(l=60, r=10, t=60, b=50),
        height=height,
    )
    return figure
