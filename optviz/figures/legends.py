"""Legend placement shared by the figures: a legend that never covers an axis title or tick labels."""

from __future__ import annotations


def legend_below(**extra) -> dict:
    """A horizontal legend at the figure's bottom edge, under the x-axis title: placed in container coordinates,
    so plotly.js grows the bottom margin to hold it instead of drawing it over the axis (as ``y=-0.08`` did)."""
    return dict(orientation="h", xref="paper", x=0, yref="container", y=0, yanchor="bottom", **extra)
