"""Sweep axes over a lane's lr plan: a schedule argument (``warmup``, ``drop``, ``every``...) or a plateau rule's
(``factor``, ``patience``...) as an axis of :mod:`optviz.sweep`.

The base lane must carry a plan that has the argument (``sgd:lr=0.1,schedule=cosine,total=300,warmup=10`` sweeps
``warmup``). Every cell's value goes to the callback as a per-run array, so the grid stays one batched run:
:func:`grid_callbacks` builds one ``LearningRateScheduler`` / ``ReduceLROnPlateau`` for all cells. Arguments that
count epochs (``every``, ``warmup``, ``patience``...) take the axis values rounded to whole numbers. UI-free.
"""

from __future__ import annotations

from itertools import product
from typing import Any

import numpy as np

from .callbacks import Callback, LearningRateScheduler, ReduceLROnPlateau
from .lane_schedules import PLATEAU_ARGUMENTS, PLATEAU_KEY, TEXT_CHOICES, make_plan, plan_arguments, whole_argument
from .schedules import SCHEDULES, schedule_arguments

#: the axis name of the plateau rule's factor (its lane text key is ``plateau=``)
FACTOR = "factor"
#: every plan argument an axis may sweep (numbers only), schedules' first
PLAN_SWEEPABLE: tuple[str, ...] = tuple(
    dict.fromkeys(
        [name for kind in SCHEDULES for name in schedule_arguments(kind) if name not in TEXT_CHOICES]
        + [FACTOR, *PLATEAU_ARGUMENTS]
    )
)


def _key(argument: str) -> str:
    """The :func:`plan_arguments` key of axis ``argument`` (the plateau's factor is stored under ``plateau``)."""
    return PLATEAU_KEY if argument == FACTOR else argument


def plan_axes(lane: Any) -> list[str]:
    """The plan arguments ``lane`` can sweep (none without a plan), in the plan's order."""
    kind, arguments = plan_arguments(lane.plan)
    if kind == "none":
        return []
    names = [FACTOR if name == PLATEAU_KEY else name for name in arguments]
    return [name for name in names if name in PLAN_SWEEPABLE]


def is_plan_axis(argument: str) -> bool:
    """True when ``argument`` names a plan argument rather than an optimizer argument."""
    return argument in PLAN_SWEEPABLE


def plan_values(lane: Any, argument: str, values: np.ndarray) -> np.ndarray:
    """``values`` as ``argument`` of ``lane``'s plan takes them: rounded when it counts epochs."""
    kind, _ = plan_arguments(lane.plan)
    if kind != "none" and whole_argument(kind, _key(argument)):
        return np.round(values)
    return values


def _plan_with(lane: Any, changes: dict[str, Any]):
    kind, arguments = plan_arguments(lane.plan)
    return make_plan(kind, {**arguments, **{_key(name): value for name, value in changes.items()}})


def check_plan_axis(axis: Any, lane: Any) -> None:
    """``ValueError`` unless ``lane``'s plan has ``axis.argument`` and accepts both ends of its range."""
    swept = plan_axes(lane)
    if axis.argument not in swept:
        if not swept:
            raise ValueError(
                f"{axis.argument!r} is an lr schedule argument: give the lane a schedule or a plateau rule that has it"
            )
        raise ValueError(f"the lane's lr plan has no argument {axis.argument!r}; it can sweep {', '.join(swept)}")
    for value in plan_values(lane, axis.argument, np.array([axis.low, axis.high])):
        try:
            _plan_with(lane, {axis.argument: float(value)})
        except ValueError as error:
            raise ValueError(
                f"the lr plan does not accept {axis.argument} from {axis.low:g} to {axis.high:g}: {error}"
            ) from None


def check_plan_corners(lane: Any, x: Any, y: Any | None) -> None:
    """``ValueError`` when a corner of the grid breaks a rule tying two plan arguments (``warmup < total``,
    ``pct_start * total > 1``): those rules are monotone in each argument, so the corners decide for every cell."""
    axes = [axis for axis in (x, y) if axis is not None and is_plan_axis(axis.argument)]
    if len(axes) < 2:
        return
    ends = [plan_values(lane, a.argument, np.array([a.low, a.high])) for a in axes]
    for values in product(*ends):
        changes = {a.argument: float(v) for a, v in zip(axes, values, strict=True)}
        try:
            _plan_with(lane, changes)
        except ValueError as error:
            cell = ", ".join(f"{name}={value:g}" for name, value in changes.items())
            raise ValueError(f"the lr plan refuses the cell {cell}: {error}; narrow the axes") from None


def lane_with_plan_values(lane: Any, changes: dict[str, float]) -> Any:
    """``lane`` with its plan's arguments ``changes`` (axis names)."""
    return lane.with_plan(_plan_with(lane, changes)) if changes else lane


def grid_callbacks(lane: Any, x: Any, y: Any | None = None, copies: int = 1) -> list[Callback]:
    """The lr callbacks of every cell of the grid as one batch: the plan's swept arguments as per-run
    ``(ny*nx,)`` arrays (``np.tile`` for X, ``np.repeat`` for Y; run ``r`` is cell ``(r // nx, r % nx)``), the
    others as in the lane; ``lane.callbacks()`` when no axis sweeps the plan. ``copies`` repeats the whole grid
    (``(copies*ny*nx,)``, one copy per noise seed)."""
    swept = [axis for axis in (x, y) if axis is not None and is_plan_axis(axis.argument)]
    if not swept:
        return lane.callbacks()
    for axis in swept:
        check_plan_axis(axis, lane)
    check_plan_corners(lane, x, y)
    kind, arguments = plan_arguments(lane.plan)
    rows = 1 if y is None else y.count
    if is_plan_axis(x.argument):
        arguments[_key(x.argument)] = np.tile(plan_values(lane, x.argument, x.values()), rows * copies)
    if y is not None and is_plan_axis(y.argument):
        arguments[_key(y.argument)] = np.tile(np.repeat(plan_values(lane, y.argument, y.values()), x.count), copies)
    try:
        if kind == PLATEAU_KEY:
            factor = arguments.pop(PLATEAU_KEY)
            return [ReduceLROnPlateau(monitor="loss", factor=factor, **arguments)]
        return [LearningRateScheduler(SCHEDULES[kind](**arguments))]
    except ValueError as error:  # a per-cell rule the corners did not decide: say so without the arrays
        first = str(error).split(",")[0].split("(")[0].strip()
        raise ValueError(f"the lr plan refuses some cells of the grid ({first}); narrow the axes") from None
