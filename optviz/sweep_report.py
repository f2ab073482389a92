"""What the sweep page says about a result, as plain data and sentences: the grid's summary, a cell's status and
training curve, the comparison table with its edge notes, and the surface explorer's link. UI-free."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np

from .figures.sweep import format_value
from .lanes import Lane
from .page_states.sweep import SweepState
from .sweep import METRICS, Axis, SweepResult, TunedOptimizer, check_axis_for


def grid_summary(result: SweepResult, steps: int) -> str:
    """``12 × 8 = 96 runs of 120 steps; 30 diverged (31%).``"""
    rows = 1 if result.y is None else result.y.count
    diverged = int(result.diverged.sum())
    return (
        f"{result.x.count} × {rows} = {result.values.size:,} runs of {steps} steps; "
        f"{diverged:,} diverged ({100 * diverged / result.values.size:.0f}%)."
    )


def cell_status(result: SweepResult, cell: tuple[int, int], tolerance: float, steps: int) -> str:
    """How a cell ended: its metric value, ``diverged`` or ``never within ...`` (from the sweep, no replay)."""
    if result.diverged[cell]:
        return "diverged"
    if result.not_reached[cell]:
        return f"never within {tolerance:g} of the minimum in {steps} steps"
    return f"{METRICS[result.metric].label} {format_value(result.values[cell])}"


def cell_history(result: SweepResult, cell: tuple[int, int]) -> np.ndarray:
    """Network sweeps: the training loss of one cell at each evaluation, ``(E,)``."""
    if result.history is None:
        raise ValueError("only a network sweep records training histories")
    return result.history[1][:, cell[0] * result.values.shape[1] + cell[1]]


def no_value(curve: SweepResult) -> str:
    """Why a 1-D sweep has no best setting."""
    return "all diverged" if curve.diverged.all() else "tolerance never reached"


def edge_note(curve: SweepResult) -> str:
    """A warning when the best setting sits at an end of the grid: the true best may lie outside it."""
    best = curve.best_cell()
    if best is None or curve.x.count < 3:
        return ""
    if best[1] == 0:
        return "best at the low end: extend the range down"
    if best[1] == curve.x.count - 1:
        return "best at the high end: extend the range up"
    return ""


def comparison_rows(tuned: Sequence[TunedOptimizer], metric: str) -> list[dict[str, str]]:
    """One table row per optimizer: its best setting and score, diverged settings, edge note, Keras code."""
    label = METRICS[metric].label
    rows = []
    for entry in tuned:
        curve = entry.curve
        rows.append(
            {
                "optimizer": curve.lane.label(),
                f"best {curve.x.argument}": "—" if entry.best_setting is None else format_value(entry.best_setting),
                label: no_value(curve) if entry.best_score is None else format_value(entry.best_score),
                "diverged settings": f"{int(curve.diverged.sum())} of {curve.values.size}",
                "note": edge_note(curve),
                "Keras code": entry.best_lane.keras_code() if entry.best_lane else "",
            }
        )
    return rows


def explorer_url(state: SweepState, lanes: Sequence[Lane]) -> str:
    """The surface explorer's URL for these lanes on the state's surface, start and steps (its ``o=`` lanes)."""
    query = [*state.surface.query_items(), ("start", f"{state.start[0]:g},{state.start[1]:g}")]
    query += [("steps", str(state.steps))] + [("o", lane.to_text()) for lane in lanes]
    return "/surfaces?" + urlencode(query, safe=":,=")


def lanes_taking(axis: Axis, lanes: Sequence[Lane]) -> tuple[list[Lane], list[str]]:
    """The lanes whose optimizer takes ``axis`` over its whole range, and why each other one is skipped."""
    usable, skipped = [], []
    for lane in lanes:
        try:
            check_axis_for(axis, lane)
            usable.append(lane)
        except ValueError as error:
            skipped.append(str(error))
    return usable, skipped
