"""The colour scale of a surface map, robust to a pole: every page's map colours its values through :func:`map_levels`.

The house scale is ``log10(1 + f - min f)`` up to its 99th percentile: valleys and walls both readable. Next to a
pole (``1/x``) the few points by it span the whole range and the rest of the map gets one colour; then the same log
scale runs over the values clipped to their 5th-95th percentiles (:data:`optviz.poles.CLIP_PERCENTILES`), and
:func:`clip_note` says so.
"""

from __future__ import annotations

import functools

import numpy as np

from ..poles import CLIP_PERCENTILES, ValueRange, map_values, value_range
from ..surfaces import Surface

Window = tuple[tuple[float, float], tuple[float, float]]

#: The central 80 % of a map must span at least this share of the colour range, else the scale is clipped.
MIN_SPREAD = 0.1


def _log_levels(values: np.ndarray, top_percentile: float) -> np.ndarray:
    """``log10(1 + f - min f)`` over the finite values, divided by its ``top_percentile`` and clipped to [0, 1]."""
    finite = np.isfinite(values)
    lifted = np.log10(1.0 + np.where(finite, values, np.nan) - np.min(values[finite]))
    top = np.nanpercentile(lifted, top_percentile) or 1.0
    return np.clip(lifted / top, 0.0, 1.0)


def _spread(levels: np.ndarray) -> float:
    """How much of [0, 1] the central 80 % of the finite ``levels`` span."""
    low, high = np.nanpercentile(levels, [10.0, 90.0])
    return float(high - low)


def clipped_range(values: np.ndarray) -> ValueRange | None:
    """The range the map's colours are clipped to (None when the house scale shows the map, or nothing is finite)."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).any() or _spread(_log_levels(values, 99.0)) >= MIN_SPREAD:
        return None
    return value_range(values)


def map_levels(values: np.ndarray) -> np.ndarray:
    """``values`` (any shape) mapped to [0, 1] for the map's colours (NaN where not finite): the house log scale,
    or the same over the values clipped to their 5th-95th percentiles when a pole blows the house scale out."""
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).any():
        return np.full(values.shape, np.nan)
    clip = clipped_range(values)
    if clip is None:
        return _log_levels(values, 99.0)
    span = clip.high - clip.low or 1.0
    with np.errstate(invalid="ignore"):
        return np.clip((values - clip.low) / span, 0.0, 1.0)


def contour_levels(values: np.ndarray, house: np.ndarray) -> np.ndarray:
    """What a filled contour of ``values`` draws: ``house`` (its usual log levels) unless a pole blows them out,
    then :func:`map_levels`' clipped scale."""
    return house if clipped_range(values) is None else map_levels(values)


def clip_note(values: np.ndarray) -> str | None:
    """A caption for a map whose colours are clipped (None when they are not)."""
    clip = clipped_range(values)
    if clip is None:
        return None
    low, high = CLIP_PERCENTILES
    return (
        f"Colours show f between {clip.low:.3g} and {clip.high:.3g} (its {low:g}th to {high:g}th percentile over "
        f"the view); f reaches {clip.minimum:.3g} … {clip.maximum:.3g} next to a pole, drawn in the end colours."
    )


@functools.lru_cache(maxsize=32)
def view_values(surface: Surface, window: Window) -> np.ndarray:
    """The surface over ``window`` on the map's grid (read-only; cached: a lane's change keeps the surface)."""
    values = map_values(surface.value, window)
    values.setflags(write=False)
    return values
