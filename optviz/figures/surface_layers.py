"""Layers the surface figures share: a surface's contour on log-spaced levels and its starred minima.

Used by the sweep replay, the step inspector and the framework comparison, so a surface looks the same on
every page (the surface explorer draws the same colours as a PNG image, for its animation).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..surfaces import Surface
from .colour_scale import contour_levels


def log_levels(values: np.ndarray) -> np.ndarray:
    """``log10(1 + value - min)``: contour levels that show valleys as well as walls (NaN where not finite)."""
    finite = np.where(np.isfinite(values), values, np.nan)
    if not np.isfinite(finite).any():
        return finite
    return np.log10(1.0 + finite - np.nanmin(finite))


def surface_grid(
    surface: Surface, x_range: tuple[float, float], y_range: tuple[float, float], resolution: int = 120
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``xs (N,), ys (N,), values (N, N)`` of ``surface`` over the window (row i is ``ys[i]``)."""
    xs, ys = np.linspace(*x_range, resolution), np.linspace(*y_range, resolution)
    grid_x, grid_y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        values = surface.value(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    return xs, ys, values


def contour(xs: np.ndarray, ys: np.ndarray, values: np.ndarray, **style) -> go.Contour:
    """The filled contour of ``values`` on log levels (clipped next to a pole), in the house style; ``style``
    overrides any attribute."""
    attributes = dict(
        colorscale="Blues",
        reversescale=True,
        showscale=False,
        ncontours=25,
        hoverinfo="skip",
        line=dict(width=0.5),
        name="surface",
        showlegend=False,
    )
    attributes.update(style)
    return go.Contour(x=xs, y=ys, z=contour_levels(values, log_levels(values)), **attributes)


def minima_trace(surface: Surface) -> go.Scatter | None:
    """The surface's known minima as gold stars (``None`` when it has none, e.g. a custom formula)."""
    if not surface.minima:
        return None
    minima = np.array(surface.minima)
    return go.Scatter(
        x=minima[:, 0],
        y=minima[:, 1],
        mode="markers",
        name="minimum",
        marker=dict(symbol="star", size=14, color="#FFD700", line=dict(color="#000000", width=1)),
        hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
    )
