"""Where a surface blows up: the bulk of its values over a view, and the steps where a path jumps across a pole.

A pole (``1/x`` at x = 0) spoils a map twice. The few points next to it span the whole value range, so a colour
scale from min to max paints the rest of the view one colour; and one optimizer step can carry a path across it,
the loss changing sign or size at once, with nothing on the map to say so. :func:`value_range` gives the bulk of a
map's finite values (to clip a colour scale to); :func:`pole_crossings` finds, for many runs at once, the first
step whose segment passes through a point where f is far beyond anything on the map, or not defined.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Window = tuple[tuple[float, float], tuple[float, float]]
Value = Callable[[np.ndarray], np.ndarray]

#: The percentiles of a map's finite values that bound a clipped colour scale.
CLIP_PERCENTILES = (5.0, 95.0)
#: Points sampled inside every step's segment per pass.
SEGMENT_SAMPLES = 24
#: Passes over every segment: even samples, then closer and closer around the most extreme f found.
PASSES = 3


@dataclass(frozen=True)
class ValueRange:
    """The finite values of a map: their ``low`` / ``high`` percentiles (:data:`CLIP_PERCENTILES`), median and
    extremes."""

    low: float
    high: float
    median: float
    minimum: float
    maximum: float


def value_range(values: np.ndarray) -> ValueRange | None:
    """The bulk and extremes of the finite ``values`` (any shape); None when none is finite."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return None
    low, median, high = np.percentile(finite, [CLIP_PERCENTILES[0], 50.0, CLIP_PERCENTILES[1]])
    return ValueRange(float(low), float(high), float(median), float(finite.min()), float(finite.max()))


def map_values(value: Value, window: Window, resolution: int = 220) -> np.ndarray:
    """``(resolution, resolution)`` values of ``value`` on an even grid over ``window`` (row i is the i-th y)."""
    gx, gy = np.meshgrid(np.linspace(*window[0], resolution), np.linspace(*window[1], resolution))
    with np.errstate(all="ignore"):
        return np.asarray(value(np.column_stack([gx.ravel(), gy.ravel()])), dtype=np.float64).reshape(gx.shape)


@dataclass(frozen=True)
class PoleCrossing:
    """Run ``run`` jumped from ``positions[step]`` to ``positions[step + 1]`` across a pole (``peak``: the largest
    |f| sampled between, inf where f was infinite or not defined there; ``undefined``: f was NaN between)."""

    run: int
    step: int
    loss_before: float
    loss_after: float
    peak: float
    undefined: bool


def _sample(value: Value, starts: np.ndarray, moves: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points ``starts + shares * moves`` (``starts, moves (n, 2)``, ``shares (n, k)``) and f there ``(n, k)``."""
    points = starts[:, None, :] + shares[..., None] * moves[:, None, :]
    with np.errstate(all="ignore"):
        values = np.asarray(value(points.reshape(-1, 2)), dtype=np.float64).reshape(shares.shape)
    return points, values


def _inside(points: np.ndarray, window: Window) -> np.ndarray:
    (x_low, x_high), (y_low, y_high) = window
    x, y = points[..., 0], points[..., 1]
    return (x >= x_low) & (x <= x_high) & (y >= y_low) & (y <= y_high)


def pole_crossings(
    value: Value,
    positions: np.ndarray,
    window: Window,
    bulk: ValueRange,
    samples: int = SEGMENT_SAMPLES,
) -> list[PoleCrossing]:
    """The first step of each run whose segment crosses a pole or a region where f is not defined, inside ``window``.

    Every step's segment is sampled at ``samples`` even points, then twice more at ``samples`` points around the
    most extreme f found (so a pole between two samples, even a logarithmic one, is not missed). A step is a
    crossing when, at a sampled point inside ``window``, f is not finite, or lies beyond both the map's extremes and
    the segment's two ends by more than the map's bulk spread (``bulk.high - bulk.low``): no smooth surface goes
    there between the map's grid points. Both ends must be finite (a step to a non-finite point is a divergence).

    Args:
        value: ``points (n, 2) -> f (n,)``.
        positions: ``(T + 1, R, 2)`` each run's points.
        window: the view the map shows (and ``bulk`` was read from).
        bulk: :func:`value_range` of the map's values.
        samples: points per segment per pass.
    Returns:
        At most one :class:`PoleCrossing` per run, by run.
    """
    positions = np.asarray(positions, dtype=np.float64)
    steps, runs = positions.shape[0] - 1, positions.shape[1]
    if steps < 1:
        return []
    starts = positions[:-1].reshape(-1, 2)
    moves = positions[1:].reshape(-1, 2) - starts
    count, rows = starts.shape[0], np.arange(starts.shape[0])
    _, ends = _sample(value, starts, moves, np.tile([0.0, 1.0], (count, 1)))
    usable = np.isfinite(ends).all(axis=1) & np.isfinite(moves).all(axis=1) & (np.abs(moves).sum(axis=1) > 0)
    margin = max(bulk.high - bulk.low, 1e-9 * max(1.0, abs(bulk.median)))
    with np.errstate(invalid="ignore"):
        floor = np.fmin(ends.min(axis=1), bulk.minimum) - margin
        ceiling = np.fmax(ends.max(axis=1), bulk.maximum) + margin
    shares = np.tile((np.arange(samples) + 0.5) / samples, (count, 1))
    width = 1.0 / samples  # half the span of the next, closer pass
    crossed = np.zeros(count, dtype=bool)
    peak = np.zeros(count)
    extreme = np.full(count, -1.0)
    for _ in range(PASSES):
        points, found = _sample(value, starts, moves, shares)
        inside = _inside(points, window)
        with np.errstate(invalid="ignore"):
            beyond = ~np.isfinite(found) | (found < floor[:, None]) | (found > ceiling[:, None])
            distance = np.where(inside, np.where(np.isfinite(found), np.abs(found - bulk.median), np.inf), -1.0)
        crossed |= (beyond & inside).any(axis=1)
        farthest = distance.argmax(axis=1)
        better = distance[rows, farthest] > extreme
        extreme = np.where(better, distance[rows, farthest], extreme)
        peak = np.where(better, found[rows, farthest], peak)
        centre = shares[rows, farthest]
        shares = np.clip(centre[:, None] + np.linspace(-width, width, samples), 0.0, 1.0)
        width *= 2.0 / samples
    crossed = (crossed & usable).reshape(steps, runs)
    first = crossed.argmax(axis=0)
    flat = first * runs + np.arange(runs)  # each run's first crossing among the (T * R) segments, step-major
    return [
        PoleCrossing(
            run=int(run),
            step=int(first[run]),
            loss_before=float(ends[flat[run], 0]),
            loss_after=float(ends[flat[run], 1]),
            peak=float(abs(peak[flat[run]])) if not np.isnan(peak[flat[run]]) else float("inf"),
            undefined=bool(np.isnan(peak[flat[run]])),
        )
        for run in np.flatnonzero(crossed.any(axis=0))
    ]


def pole_notes(labels: Sequence[str], crossings: Sequence[PoleCrossing | None]) -> list[str]:
    """One sentence per lane that jumped across a pole (``crossings[i]`` for ``labels[i]``; None: it did not)."""
    notes = []
    for number, (label, crossing) in enumerate(zip(labels, crossings, strict=True), 1):
        if crossing is None:
            continue
        if crossing.undefined:
            what, between = "a region where f is not defined", ""
        else:
            what = "a pole of f"
            between = "; f is infinite in between" if np.isinf(crossing.peak) else f"; |f| passes {crossing.peak:.2g}"
        notes.append(
            f"Lane {number} ({label}) jumped across {what} between steps {crossing.step} and {crossing.step + 1} "
            f"(loss {crossing.loss_before:.4g} → {crossing.loss_after:.4g}{between}): from there on it descends on "
            "the other side of a singularity, not in a valley."
        )
    return notes


def lane_pole_notes(
    value: Value, window: Window, values: np.ndarray, labels: Sequence[str], positions: Sequence[np.ndarray]
) -> list[str]:
    """One sentence per lane whose main path jumped across a pole inside ``window`` (``values``: the map there).

    Args:
        value: ``points (n, 2) -> f (n,)``.
        window: the view.
        values: the map's values over ``window`` (e.g. :func:`map_values`).
        labels: one per lane.
        positions: one ``(T + 1, 2)`` path per lane, all of one length.
    """
    bulk = value_range(values)
    if bulk is None or not positions:
        return []
    crossings = pole_crossings(value, np.stack(positions, axis=1), window, bulk)
    by_lane: list[PoleCrossing | None] = [None] * len(labels)
    for crossing in crossings:
        by_lane[crossing.run] = crossing
    return pole_notes(labels, by_lane)
