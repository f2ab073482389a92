"""What the sweep page says about a result, as plain data and sentences: the grid's summary, a cell's status and
training curve, the comparison table with its edge notes, and the surface explorer's link. UI-free."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

import numpy as np

from .figures.sweep import format_value
from .lanes import Lane
from .page_states.sweep import SweepState
from .sweep import METRICS, Axis, SweepResult, TunedOptimizer, check_axis_for
from .sweep_stability import window_length

#: what an empty table cell shows
EMPTY = "—"


def grid_summary(result: SweepResult, steps: int) -> str:
    """``12 × 8 = 96 runs of 120 steps; 30 diverged (31%), 4 unstable.``"""
    rows = 1 if result.y is None else result.y.count
    diverged, unstable = int(result.diverged.sum()), int(result.unstable_cells.sum())
    return (
        f"{result.x.count} × {rows} = {result.values.size:,} runs of {steps} steps; "
        f"{diverged:,} diverged ({100 * diverged / result.values.size:.0f}%), {unstable:,} unstable."
    )


def scoring_note(result: SweepResult, steps: int) -> str:
    """How the runs were scored: the tail mean, the unstable rule, the noise seeds."""
    n = window_length(steps)
    seeds = ""
    if result.seeds > 1:
        seeds = f" Each cell is the mean of {result.seeds} noise seeds (the replay shows the first)."
    return (
        f"Losses are the mean over the last {n} of {steps} steps (10%). Unstable runs, whose loss rises or jumps "
        f"up during the last {2 * n} steps, are marked and never chosen as the best.{seeds}"
    )


def cell_status(result: SweepResult, cell: tuple[int, int], tolerance: float, steps: int) -> str:
    """How a cell ended: its metric value (``unstable`` when flagged), ``diverged`` or ``never within ...``."""
    if result.diverged[cell]:
        return "diverged"
    if result.not_reached[cell]:
        return f"never within {tolerance:g} of the minimum in {steps} steps"
    value = f"{METRICS[result.metric].label} {format_value(result.values[cell])}"
    return f"unstable (loss rising or jumping at the end), {value}" if result.unstable_cells[cell] else value


def cell_history(result: SweepResult, cell: tuple[int, int]) -> np.ndarray:
    """Network sweeps: the training loss of one cell at each evaluation, ``(E,)``."""
    if result.history is None:
        raise ValueError("only a network sweep records training histories")
    return result.history[1][:, cell[0] * result.values.shape[1] + cell[1]]


def no_value(curve: SweepResult) -> str:
    """Why a sweep has no best setting: all diverged, every finished run unstable, or the tolerance never reached."""
    if curve.diverged.all():
        return "all diverged"
    if np.isfinite(curve.values).any():
        return "no stable setting"
    return "tolerance never reached"


def _edge(axis: Axis, index: int) -> str:
    """``low`` / ``high`` when ``index`` is an end of an axis of 3 values or more, else ""."""
    if axis.count < 3:
        return ""
    return "low" if index == 0 else "high" if index == axis.count - 1 else ""


def edge_note(curve: SweepResult) -> str:
    """A warning when the best setting sits at an end of the grid: the true best may lie outside it."""
    best = curve.best_cell()
    end = "" if best is None else _edge(curve.x, best[1])
    return f"best at the {end} end: extend the range {'down' if end == 'low' else 'up'}" if end else ""


def edge_notes(result: SweepResult) -> list[str]:
    """One sentence per axis (X, then Y) on which the best cell sits at an end of the grid, e.g. ``Best is on the
    edge of the range: lr = 1 is the highest value swept; extend it up.``"""
    best = result.best_cell()
    if best is None:
        return []
    notes = []
    for axis, values, index in ((result.x, result.x_values, best[1]), (result.y, result.y_values, best[0])):
        end = "" if axis is None else _edge(axis, index)
        if end:
            extreme, way = ("lowest", "down") if end == "low" else ("highest", "up")
            notes.append(
                f"Best is on the edge of the range: {axis.argument} = {format_value(values[index])} is the {extreme} "
                f"value swept; extend it {way}."
            )
    return notes


def curve_label(curve: SweepResult) -> str:
    """The label of a 1-D sweep's lane with the swept argument written as swept (``SGD lr swept, momentum=0.9``):
    the lane's own value of it (a Keras default) is not the one the curve runs with."""
    argument = curve.x.argument
    pattern = rf"(?<![\w.]){re.escape(argument)}=[^,·]+?(?=,|\s·|$)"  # "lr=0.001" up to ", " or " · " or the end
    text = re.sub(pattern, f"{argument} swept", curve.lane.label(), count=1)
    return text if f"{argument} swept" in text else f"{text}, {argument} swept"


def comparison_notes(tuned: Sequence[TunedOptimizer]) -> list[str]:
    """The edge notes of every optimizer's 1-D sweep, each starting with the optimizer's label."""
    return [f"{curve_label(entry.curve)}: {note}" for entry in tuned for note in edge_notes(entry.curve)]


def comparison_rows(tuned: Sequence[TunedOptimizer], metric: str) -> list[dict[str, str]]:
    """One table row per optimizer: its best setting and score, diverged and unstable settings, edge note, Keras
    code; an empty cell reads ``—``."""
    label = METRICS[metric].label
    rows = []
    for entry in tuned:
        curve = entry.curve
        rows.append(
            {
                "optimizer": curve_label(curve),
                f"best {curve.x.argument}": EMPTY if entry.best_setting is None else format_value(entry.best_setting),
                label: no_value(curve) if entry.best_score is None else format_value(entry.best_score),
                "diverged settings": f"{int(curve.diverged.sum())} of {curve.values.size}",
                "unstable settings": f"{int(curve.unstable_cells.sum())} of {curve.values.size}",
                "note": edge_note(curve) or EMPTY,
                "Keras code": entry.best_lane.keras_code() if entry.best_lane else EMPTY,
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
