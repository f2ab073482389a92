"""Per-lane summary numbers for the surface explorer: final loss, distance to a minimum, steps to a
tolerance, divergence and clipping (run 0 of each lane; ensemble spread when there is one)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .runner import Trajectory
from .surfaces import Surface


def nearest_minimum_distance(points: np.ndarray, minima: Sequence[tuple[float, float]]) -> np.ndarray:
    """Distance from each of ``points (..., 2)`` to the closest of ``minima`` (NaN if none are known)."""
    points = np.asarray(points, dtype=np.float64)
    if not minima:
        return np.full(points.shape[:-1], np.nan)
    gaps = points[..., None, :] - np.asarray(minima, dtype=np.float64)
    with np.errstate(all="ignore"):  # a diverged point's distance is inf or NaN, not a warning
        return np.sqrt((gaps**2).sum(axis=-1)).min(axis=-1)


def optimum_value(surface: Surface) -> float | None:
    """The loss at the surface's known minima (None if it lists none)."""
    if not surface.minima:
        return None
    with np.errstate(all="ignore"):
        return float(np.min(surface.value(np.array(surface.minima, dtype=np.float64))))


def steps_to_tolerance(losses: np.ndarray, target: float) -> np.ndarray:
    """``(R,)`` first step whose loss is <= ``target`` (-1 where never), for ``losses (T+1, R)``."""
    reached = losses <= target
    return np.where(reached.any(axis=0), reached.argmax(axis=0), -1)


def lane_metrics(
    labels: Sequence[str], trajectories: Sequence[Trajectory], surface: Surface, tolerance: float
) -> pd.DataFrame:
    """One row per lane: final loss, distance to the nearest known minimum, first step with
    f - f* <= tolerance, divergence step, clipped steps; with an ensemble, its median final loss and
    how many members diverged. A diverged lane has no final loss and no distance (NaN), so that no
    ordinary-looking number stands where the run blew up."""
    best = optimum_value(surface)
    rows = []
    for label, trajectory in zip(labels, trajectories, strict=True):
        final = trajectory.losses[-1]
        reached = steps_to_tolerance(trajectory.losses[:, :1], best + tolerance)[0] if best is not None else -1
        diverged = int(trajectory.diverged_step[0])
        distance = float(nearest_minimum_distance(trajectory.positions[-1, 0], surface.minima))
        row = {
            "lane": label,
            "final loss": float(final[0]) if diverged < 0 else float("nan"),
            "distance to minimum": distance if diverged < 0 else float("nan"),
            "steps to tolerance": int(reached) if reached >= 0 else None,
            "diverged at step": diverged if diverged >= 0 else None,
            "clipped steps": int(trajectory.clipped[:, 0].sum()),
        }
        if trajectory.losses.shape[1] > 1:
            alive = final[~trajectory.diverged]
            row["ensemble median final loss"] = float(np.median(alive)) if alive.size else float("nan")
            row["ensemble diverged"] = f"{int(trajectory.diverged.sum())} of {trajectory.losses.shape[1]}"
        rows.append(row)
    table = pd.DataFrame(rows)
    for column in ("steps to tolerance", "diverged at step"):
        table[column] = table[column].astype("Int64")
    return table


def readable(table: pd.DataFrame, digits: int = 4) -> pd.DataFrame:
    """``table`` as display text: floats to ``digits`` significant digits, whole numbers as they are, an empty
    cell (NaN, NA: a diverged lane's loss, a tolerance never reached) as "—". Streamlit's data grid ignores a
    pandas Styler's number format, so the page shows these strings."""

    def text(value) -> str:
        if value is None or value is pd.NA or (isinstance(value, float) and not np.isfinite(value)):
            return "—"
        if isinstance(value, (float, np.floating)):
            return f"{value:.{digits}g}"
        return str(value)

    return table.astype(object).map(text)


def trajectories_csv(labels: Sequence[str], trajectories: Sequence[Trajectory]) -> str:
    """Long-format CSV ``step, lane, run, x, y, loss`` of every run (run 0 is the main path)."""
    frames = []
    for label, trajectory in zip(labels, trajectories, strict=True):
        steps, runs = trajectory.losses.shape
        frames.append(
            pd.DataFrame(
                {
                    "step": np.repeat(np.arange(steps), runs),
                    "lane": label,
                    "run": np.tile(np.arange(runs), steps),
                    "x": trajectory.positions[:, :, 0].ravel(),
                    "y": trajectory.positions[:, :, 1].ravel(),
                    "loss": trajectory.losses.ravel(),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).to_csv(index=False, float_format="%.17g")
