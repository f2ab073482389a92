"""A lane's lr plan in its text: ``sgd:lr=0.1,schedule=step,drop=0.5,every=100`` or ``adam:lr=0.01,plateau=0.5``.

The lane text of :mod:`optviz.lanes` gains two optional families of keys, taken out before the optimizer's
own arguments are parsed:

- ``schedule=<kind>`` plus that schedule's arguments (:data:`optviz.schedules.SCHEDULES`: ``step`` with
  ``every``, ``drop``; ``exp`` with ``gamma``; ``inverse`` with ``rate``, ``every``; ``cosine`` with
  ``total``, ``warmup``, ``start_factor``, ``min_lr``; ``onecycle`` with ``total``, ``pct_start``,
  ``div_factor``, ``final_div_factor``, ``anneal_strategy``; ``cyclic`` with ``max_lr``, ``up``, ``down``,
  ``mode``): a ``LearningRateScheduler``;
- ``plateau=<factor>`` plus ``patience``, ``cooldown``, ``min_delta``, ``min_lr``: a ``ReduceLROnPlateau``
  watching the loss.

A lane takes one or the other (Keras' scheduler would overwrite the plateau's reductions every epoch),
and only a Keras 2.2.4 lane takes them. :class:`optviz.lanes.Lane` carries its plan (``Lane.plan``; this
module knows nothing of lanes, so that :mod:`optviz.lanes` can import it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from .callbacks import Callback, LearningRateScheduler, ReduceLROnPlateau
from .schedules import SCHEDULES, Schedule, schedule_arguments

SCHEDULE_KEY = "schedule"
PLATEAU_KEY = "plateau"
#: the plateau rule's lane arguments besides ``plateau=<factor>``, with Keras 2.2.4's defaults
PLATEAU_ARGUMENTS: dict[str, Any] = {"patience": 10, "cooldown": 0, "min_delta": 1e-4, "min_lr": 0.0}
_TEXT_ARGUMENTS = ("anneal_strategy", "mode")  # the schedules' string arguments
#: the choices of a string argument, first the default
TEXT_CHOICES: dict[str, tuple[str, ...]] = {"anneal_strategy": ("cos", "linear"), "mode": ("triangular", "triangular2")}
#: what pages call the plan kinds, in the order they offer them ("none": a constant lr)
PLAN_TITLES: dict[str, str] = {
    "none": "none (constant lr)",
    "step": "step decay",
    "exp": "exponential",
    "inverse": "inverse time",
    "cosine": "cosine with warmup",
    "onecycle": "one-cycle",
    "cyclic": "cyclic (triangular)",
    PLATEAU_KEY: "reduce on plateau",
}
#: one sentence per plan argument, for widget help
PLAN_ARGUMENT_HELP: dict[str, str] = {
    "every": "Epochs (steps here) between two drops (step) or the time unit of the decay (inverse).",
    "drop": "Factor the lr is multiplied by at every drop, in (0, 1].",
    "gamma": "Factor per epoch: lr · gamma^k, in (0, 1].",
    "rate": "lr / (1 + rate · k / every), rate ≥ 0.",
    "total": "Length of the schedule in epochs; past it the lr holds its last value.",
    "warmup": "Epochs of linear warmup from lr · start_factor up to lr (< total).",
    "start_factor": "The warmup starts at lr · start_factor, in (0, 1].",
    "min_lr": "The lowest lr (absolute).",
    "pct_start": "Share of the cycle spent rising, in (0, 1).",
    "div_factor": "The cycle starts at lr / div_factor.",
    "final_div_factor": "It ends at lr / div_factor / final_div_factor.",
    "anneal_strategy": "Shape of the rise and fall.",
    "max_lr": "The top of each cycle (absolute); the bottom is the lane's lr.",
    "up": "Epochs from the bottom to the top of a cycle.",
    "down": "Epochs back down (0: as many as up).",
    "mode": "triangular2 halves the height every cycle.",
    PLATEAU_KEY: "factor: new lr = lr · factor after patience epochs without improvement, in (0, 1).",
    "patience": "Epochs without improvement of the loss before the lr is cut.",
    "cooldown": "Epochs of rest after a cut.",
    "min_delta": "The least decrease of the loss that counts as an improvement.",
}
_ONE_OR_THE_OTHER = (
    "a lane takes schedule= or plateau=, not both: Keras' LearningRateScheduler would overwrite "
    "the plateau's reductions every epoch"
)


@dataclass(frozen=True)
class LrPlan:
    """What a lane does to its lr over time: nothing, a :mod:`optviz.schedules` schedule, or a plateau rule."""

    schedule: Schedule | None = None
    plateau: ReduceLROnPlateau | None = None

    def __post_init__(self) -> None:
        if self.schedule is not None and self.plateau is not None:
            raise ValueError(_ONE_OR_THE_OTHER)

    def _identity(self) -> tuple:
        """Every number of the plan, exactly (the plateau rule compares by identity on its own)."""
        rule = self.schedule if self.schedule is not None else self.plateau
        if rule is None:
            return ()
        values = ((field.name, getattr(rule, field.name)) for field in fields(rule))  # type: ignore[arg-type]
        return (type(rule).__name__, *((n, tuple(v.tolist()) if isinstance(v, np.ndarray) else v) for n, v in values))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LrPlan) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    @property
    def is_constant(self) -> bool:
        """True when the lr never changes (besides the optimizer's own decay)."""
        return self.schedule is None and self.plateau is None

    def callbacks(self) -> list[Callback]:
        """The callbacks for ``run(..., callbacks=...)`` (empty for a constant lr)."""
        if self.schedule is not None:
            return [LearningRateScheduler(self.schedule)]
        return [self.plateau] if self.plateau is not None else []

    def key(self) -> tuple:
        """Plans with equal keys can share one batched run (per-run arrays for their numbers)."""
        if self.schedule is not None:
            texts = tuple(getattr(self.schedule, name) for name in _TEXT_ARGUMENTS if hasattr(self.schedule, name))
            return (self.schedule.kind, texts, getattr(self.schedule, "down", 0) is None)
        return ("plateau",) if self.plateau is not None else ()

    def to_text(self) -> str:
        """The lane text keys, e.g. ``schedule=step,every=100,drop=0.5`` or ``plateau=0.5,patience=20`` ('' if none)."""
        if self.schedule is not None:
            parts = [f"{SCHEDULE_KEY}={self.schedule.kind}"]
            parts += [f"{name}={_text(value)}" for name, value in self.schedule.arguments().items()]
            return ",".join(parts)
        if self.plateau is not None:
            parts = [f"{PLATEAU_KEY}={_text(self.plateau.factor)}"]
            for name, default in PLATEAU_ARGUMENTS.items():
                value = getattr(self.plateau, name)
                if isinstance(value, np.ndarray) or value != default:
                    parts.append(f"{name}={_text(value)}")
            return ",".join(parts)
        return ""

    def label(self) -> str:
        """Short human label, e.g. ``step schedule every=100, drop=0.5`` ('' for a constant lr)."""
        text = self.to_text()
        if not text:
            return ""
        kind, _, rest = text.partition(",")
        value = kind.partition("=")[2]
        title = f"{value} schedule" if self.schedule is not None else f"plateau ×{value}"
        return f"{title} {rest.replace(',', ', ')}".strip()

    def lr_curve(self, lr: Any, steps: int) -> np.ndarray | None:
        """The scheduled lr of updates 0..steps-1, ``(T,)`` or ``(T, R)`` for per-run ``lr``; None when it
        depends on the losses (plateau) and the constant lr when there is no plan."""
        epochs = np.arange(steps, dtype=np.float64)
        lr = np.asarray(lr, dtype=np.float64)
        if lr.ndim:
            epochs = epochs[:, None]
        if self.plateau is not None:
            return None
        if self.schedule is None:
            return np.broadcast_to(lr, np.broadcast_shapes(epochs.shape, lr.shape)).copy()
        return np.asarray(self.schedule(epochs, lr), dtype=np.float64)

    def keras_code(self, lr: float) -> str:
        """Keras 2.2.4 code for the plan of a lane whose optimizer has ``lr`` ('' for a constant lr)."""
        if self.is_constant:
            return ""
        callback = self.callbacks()[0]
        code = callback.keras_code(lr)
        head, _, last = code.rpartition("\n")
        return f"{head}{chr(10) if head else ''}callbacks = [{last}]\n# model.fit(..., callbacks=callbacks)"


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        raise ValueError("a lane's text holds one value per argument, not one per run")
    return f"{float(value):.6g}"


def _all_schedule_keys() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for kind in SCHEDULES:
        for name in schedule_arguments(kind):
            keys.setdefault(name, []).append(kind)
    return keys


def _number(key: str, raw: Any) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"{key} must be a number, got {raw!r}")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ValueError(f"{key} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, got {raw!r}")
    return value


def split_lane_arguments(arguments: Mapping[str, Any]) -> tuple[LrPlan, dict[str, Any]]:
    """Take a lane's ``schedule=`` / ``plateau=`` keys out of ``arguments`` (raw text or numbers).

    Returns the checked :class:`LrPlan` and the remaining (optimizer) arguments, in their order. Bad or
    stray keys and bad values raise ``ValueError`` saying what is allowed.
    """
    remaining = dict(arguments)
    kind = remaining.pop(SCHEDULE_KEY, None)
    factor = remaining.pop(PLATEAU_KEY, None)
    if kind is not None and factor is not None:
        raise ValueError(_ONE_OR_THE_OTHER)
    plan = LrPlan()
    if kind is not None:
        kind = str(kind).strip().lower()
        allowed = schedule_arguments(kind)  # unknown kind: ValueError listing the kinds
        given = {name: remaining.pop(name) for name in list(remaining) if name in allowed}
        missing = [name for name, default in allowed.items() if default is ... and name not in given]
        if missing:
            raise ValueError(f"the {kind} schedule needs {', '.join(f'{name}=...' for name in missing)}")
        values = {}
        for name, raw in given.items():
            if name in _TEXT_ARGUMENTS:
                values[name] = str(raw).strip().lower()
            elif name == "down" and (raw is None or str(raw).strip().lower() == "none"):
                values[name] = None
            else:
                values[name] = _number(name, raw)
        plan = LrPlan(schedule=SCHEDULES[kind](**values))
    elif factor is not None:
        given = {name: _number(name, remaining.pop(name)) for name in list(remaining) if name in PLATEAU_ARGUMENTS}
        try:
            plan = LrPlan(plateau=ReduceLROnPlateau(monitor="loss", factor=_number("plateau", factor), **given))
        except ValueError as error:
            raise ValueError(f"plateau={factor}: {error}") from None
    stray = [name for name in remaining if name in _all_schedule_keys() or name in PLATEAU_ARGUMENTS]
    if stray:
        name = stray[0]
        if kind is not None and name in _all_schedule_keys():
            takes = ", ".join(schedule_arguments(kind))
            raise ValueError(f"the {kind} schedule has no argument {name!r}; it takes {takes}")
        owners = _all_schedule_keys().get(name, [])
        where = [f"schedule={kind}" for kind in owners] + (["plateau=<factor>"] if name in PLATEAU_ARGUMENTS else [])
        raise ValueError(f"{name!r} belongs to {' or '.join(where)}; add that to the lane")
    return plan, remaining


def split_lane_text(text: str) -> tuple[str, LrPlan]:
    """``"sgd:lr=0.1,schedule=step,every=100"`` -> ``("sgd:lr=0.1", plan)``: the optimizer's text for
    :func:`optviz.lanes.parse_lane` and the lr plan."""
    text = str(text).strip()
    head, _, rest = text.partition(":")
    items: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, raw = item.partition("=")
        if not sep:
            raise ValueError(f"{item!r} in lane {text!r} is not key=value")
        items[key.strip()] = raw.strip()  # a repeated key: the last one wins, as in parse_lane
    plan, remaining = split_lane_arguments(items)
    arguments = ",".join(f"{key}={raw}" for key, raw in remaining.items())
    optimizer_text = f"{head}:{arguments}" if arguments else head
    return optimizer_text, plan


def batched_callbacks(plans: Sequence[LrPlan], repeats: int = 1) -> list[Callback]:
    """One callback list for lanes run as one batch (run ``i * repeats + m`` is member m of lane i): the
    plans' numbers become per-run arrays. The plans must share one :meth:`LrPlan.key`."""
    if not plans or plans[0].is_constant:
        if any(not plan.is_constant for plan in plans):
            raise ValueError("lanes with and without an lr plan cannot share a batch")
        return []
    if len({plan.key() for plan in plans}) != 1:
        raise ValueError("lanes with different lr plans cannot share a batch; group them by LrPlan.key()")
    first = plans[0].schedule or plans[0].plateau
    stacked = {}
    for field in fields(first):  # type: ignore[arg-type]
        values = [getattr(plan.schedule or plan.plateau, field.name) for plan in plans]
        if isinstance(values[0], str) or values[0] is None or field.name == "verbose":
            stacked[field.name] = values[0]
        else:
            stacked[field.name] = np.repeat(np.array(values, dtype=np.float64), repeats)
    if plans[0].schedule is not None:
        return [LearningRateScheduler(type(first)(**stacked))]
    return [ReduceLROnPlateau(**stacked)]


def plan_arguments(plan: LrPlan | None) -> tuple[str, dict[str, Any]]:
    """A plan as its kind (``"none"``, a schedule's kind or ``"plateau"``) and every argument with its value,
    defaults included, as :func:`make_plan` takes them back (widgets use this)."""
    if plan is None or plan.is_constant:
        return "none", {}
    if plan.schedule is not None:
        return plan.schedule.kind, {field.name: getattr(plan.schedule, field.name) for field in fields(plan.schedule)}
    values = {PLATEAU_KEY: plan.plateau.factor, **{name: getattr(plan.plateau, name) for name in PLATEAU_ARGUMENTS}}
    return PLATEAU_KEY, values


def offered_arguments(kind: str, lr: float, steps: int) -> dict[str, Any]:
    """Every argument of plan ``kind`` (not ``"none"``) with the value a page first offers: the suggestion
    (:func:`suggested_arguments`) or else the default; a schedule's arguments in their declared order."""
    suggested = suggested_arguments(kind, lr, steps)
    if kind == PLATEAU_KEY:
        return suggested
    return {**schedule_arguments(kind), **suggested}


def whole_argument(kind: str, argument: str) -> bool:
    """True when ``argument`` of plan ``kind`` counts epochs (a whole number)."""
    if kind == PLATEAU_KEY:
        return argument in ("patience", "cooldown")
    return argument in SCHEDULES[kind].whole_arguments


def make_plan(kind: str, arguments: Mapping[str, Any]) -> LrPlan:
    """The plan of ``kind`` (see :data:`PLAN_TITLES`) with ``arguments`` (numbers or text; a plateau rule's
    factor under ``"plateau"``; ``down=None`` or 0 for a symmetric cycle); ``ValueError`` saying what is wrong."""
    if kind == "none":
        return LrPlan()
    values = dict(arguments)
    if kind == PLATEAU_KEY:
        plan, remaining = split_lane_arguments(values)
    else:
        if values.get("down") == 0:
            values["down"] = None
        plan, remaining = split_lane_arguments({SCHEDULE_KEY: kind, **values})
    if remaining:
        raise ValueError(f"the {PLAN_TITLES.get(kind, kind)} plan has no argument {next(iter(remaining))!r}")
    return plan


def suggested_arguments(kind: str, lr: float, steps: int) -> dict[str, Any]:
    """Starting values a page can offer for schedule ``kind`` on a run of ``steps`` epochs at ``lr``
    (``"plateau"`` gives the plateau rule's). Every required argument is filled in."""
    steps = max(int(steps), 2)
    suggestions: dict[str, dict[str, Any]] = {
        "step": {"every": max(steps // 4, 1), "drop": 0.5},
        "exp": {"gamma": round(0.01 ** (1.0 / steps), 6)},
        "inverse": {"rate": round(10.0 / steps, 6), "every": 1.0},
        "cosine": {"total": steps, "warmup": steps // 20, "start_factor": 0.1, "min_lr": 0.0},
        "onecycle": {"total": steps, "pct_start": 0.3, "div_factor": 25.0, "final_div_factor": 1e4},
        "cyclic": {"max_lr": float(lr) * 10.0, "up": max(steps // 8, 1)},
        "plateau": {"plateau": 0.5, **PLATEAU_ARGUMENTS, "patience": max(steps // 50, 1)},
    }
    if kind not in suggestions:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(suggestions)}")
    return dict(suggestions[kind])
