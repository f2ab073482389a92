"""Figures for the framework comparison: overlaid paths on the surface, deviation per step."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..surfaces import Surface
from .legends import legend_below
from .surface_layers import contour, minima_trace, surface_grid

#: The contour's grid: 80 x 80 looks the same as 120 x 120 under the paths and halves what the browser receives and
#: contours (a first visit's chart is drawn sooner).
GRID = 80
STYLES = {  # Keras drawn thick and solid, natives dashed/dotted on top, so identical paths stay visible
    "keras224": dict(color="#222222", width=5, dash="solid"),
    "tf_keras": dict(color="#E69F00", width=2.5, dash="dash"),
    "tf_keras_legacy": dict(color="#009E73", width=2.5, dash="dash"),
    "torch": dict(color="#CC79A7", width=2.5, dash="dot"),
}


def view_window(surface: Surface, paths: dict[str, np.ndarray]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The surface's window, or a closer one around the paths when they cover only a small part of it."""
    points = np.concatenate([p[np.isfinite(p).all(axis=1)] for p in paths.values()])
    window = [surface.x_range, surface.y_range]
    low, high = points.min(axis=0), points.max(axis=0)
    extent = np.array([w[1] - w[0] for w in window])
    if np.all(high - low < 0.25 * extent):
        centre, half = (low + high) / 2, np.maximum((high - low) * 0.8, 0.05 * extent)
        half[:] = half.max() * extent / extent.max()  # keep the window's aspect
        window = [(centre[i] - half[i], centre[i] + half[i]) for i in range(2)]
    return window[0], window[1]


def paths_figure(surface: Surface, paths: dict[str, np.ndarray], labels: dict[str, str]) -> go.Figure:
    """Contour of ``surface`` with one path per framework (``paths[name]``: ``(T+1, 2)``)."""
    x_range, y_range = view_window(surface, paths)
    figure = go.Figure(contour(*surface_grid(surface, x_range, y_range, GRID)))
    for name, path in paths.items():
        figure.add_trace(
            go.Scatter(x=path[:, 0], y=path[:, 1], mode="lines", name=labels[name], line=STYLES.get(name, {}))
        )
    start = next(iter(paths.values()))[0]
    figure.add_trace(
        go.Scatter(
            x=[start[0]],
            y=[start[1]],
            mode="markers",
            name="start",
            marker=dict(symbol="circle-open", size=14, color="black", line=dict(width=2)),
        )
    )
    minima = minima_trace(surface)
    if minima is not None:
        figure.add_trace(minima)
    figure.update_layout(
        height=520,
        margin=dict(l=10, r=10, t=30, b=10),
        legend=legend_below(),
        xaxis=dict(range=x_range, title="x"),
        yaxis=dict(range=y_range, title="y"),
    )
    return figure


def deviation_figure(deviations: dict[str, np.ndarray], labels: dict[str, str]) -> go.Figure:
    """Largest coordinate difference from the Keras 2.2.4 path at each step (log scale)."""
    figure = go.Figure()
    for name, deviation in deviations.items():
        shown = np.where(deviation > 0, deviation, np.nan)  # exact agreement has no place on a log axis
        figure.add_trace(
            go.Scatter(
                y=shown,
                mode="lines",
                name=labels[name],
                line={k: v for k, v in STYLES.get(name, {}).items() if k != "width"},
            )
        )
    figure.update_layout(
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        yaxis=dict(type="log", title="max |Δ| from Keras 2.2.4"),
        xaxis=dict(title="step"),
        legend=legend_below(),
    )
    return figure
