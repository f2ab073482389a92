"""Lanes: one optimizer with its arguments, and the ``o=`` text format used in shareable URLs.

``adam:lr=0.01,amsgrad=1`` is Adam with lr 0.01 and AMSGrad on; omitted arguments take the Keras
2.2.4 defaults; booleans are 1/0. Also Keras code snippets (the widget ranges are :mod:`optviz.arguments`).

A Keras 2.2.4 lane may carry an lr plan (:mod:`optviz.lane_schedules`): a schedule
(``sgd:lr=0.1,momentum=0.9,schedule=step,every=100,drop=0.5``) or a plateau rule
(``adam:lr=0.01,plateau=0.5,patience=20``), parsed only where a page asks for it (``allow_plan``), since a
page must run the lane's callbacks (:meth:`Lane.callbacks`, :func:`batched_callbacks`).

A native lane (``torch.adam:lr=0.01,eps=1e-08``, ``tf.adam:learning_rate=0.01``) takes its framework's own
argument names and defaults (see :mod:`optviz.native_lanes`), and builds the framework's optimizer directly
from them.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import optimizers
from .arguments import BOOLEAN_ARGUMENTS, CLIP_ARGUMENTS
from .callbacks import Callback
from .lane_schedules import PLATEAU_KEY, SCHEDULE_KEY, LrPlan, split_lane_text
from .lane_schedules import batched_callbacks as plan_callbacks
from .native_lanes import (
    FRAMEWORKS,
    LANE_FRAMEWORKS,
    LANE_PREFIXES,
    build_native,
    check_native,
    native_arguments,
    native_code,
)

#: Colours given to lanes in order: Paul Tol's colour-blind-safe "bright" qualitative scheme
#: (https://personal.sron.nl/~pault/#sec:qualitative), red, blue, green, yellow, purple, cyan: six hues that stay
#: apart for every common colour-vision deficiency (Okabe-Ito's orange/vermillion and sky blue/blue pairs did not),
#: then Tol's grey for a seventh series. Lane n always gets PALETTE[n - 1].
PALETTE = ("#EE6677", "#4477AA", "#228833", "#CCBB44", "#AA3377", "#66CCEE", "#BBBBBB")

#: Display names of the optimizers, keyed by Keras' lowercase name.
DISPLAY_NAMES = {name: cls.__name__ for name, cls in optimizers.OPTIMIZERS.items()}


def keras_arguments(name: str) -> dict[str, Any]:
    """Keras 2.2.4 arguments of optimizer ``name`` with their defaults, in Keras order (epsilon resolved),
    then ``clipnorm`` and ``clipvalue`` (default None = off). A new dict each call (the signature is read once)."""
    return dict(_signature_defaults(_class(name)))


@functools.lru_cache(maxsize=len(optimizers.OPTIMIZERS))
def _signature_defaults(cls: type[optimizers.Optimizer]) -> tuple[tuple[str, Any], ...]:
    """``cls``'s constructor arguments and defaults (``inspect.signature`` costs ~50 us; lanes ask on every rerun)."""
    arguments = []
    for parameter in inspect.signature(cls).parameters.values():
        default = parameter.default
        if parameter.name == "epsilon" and default is None:
            default = optimizers.DEFAULT_EPSILON
        arguments.append((parameter.name, default))
    return tuple(arguments)


def lane_arguments(name: str, framework: str = "keras224") -> dict[str, Any]:
    """The arguments a lane of ``framework`` takes, with their defaults: :func:`keras_arguments` for
    ``"keras224"``, else the framework's own (:func:`optviz.native_lanes.native_arguments`; imports it)."""
    if framework == "keras224":
        return keras_arguments(name)
    _class(name)  # an unknown optimizer says so in Keras' words
    return native_arguments(framework, str(name).lower())


def _class(name: str) -> type[optimizers.Optimizer]:
    cls = optimizers.OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(optimizers.OPTIMIZERS)}")
    return cls


@dataclass(frozen=True)
class Lane:
    """An optimizer name and the arguments that differ from the defaults.

    ``framework`` is ``"keras224"`` (optviz's Keras 2.2.4 rules: Keras names and defaults) or, for a native
    lane, ``"torch"`` (torch.optim) or ``"tf_keras"`` (tf.keras): then ``config`` holds that framework's own
    argument names, and what it leaves out takes the framework's own defaults.

    ``plan`` is the lane's lr plan (a schedule or a plateau rule, Keras 2.2.4 lanes only), None for a constant
    lr: lanes stay hashable and a lane without a plan is the same value as before plans existed.
    """

    optimizer: str
    config: tuple[tuple[str, Any], ...] = field(default_factory=tuple)
    framework: str = "keras224"
    plan: LrPlan | None = None

    @classmethod
    def create(cls, optimizer: str, framework: str = "keras224", *, plan: LrPlan | None = None, **config: Any) -> Lane:
        """A checked lane: unknown names, unknown arguments and invalid values raise ``ValueError``."""
        name = str(optimizer).lower()
        if framework != "keras224" and framework not in LANE_FRAMEWORKS:
            raise ValueError(f"unknown framework {framework!r}; choose one of keras224, {', '.join(LANE_FRAMEWORKS)}")
        defaults = lane_arguments(name, framework)
        if framework != "keras224":
            check_native(framework, name, config)
            kept = tuple((k, _normalise(config[k], defaults[k])) for k in defaults if k in config)
            return cls(name, tuple((k, v) for k, v in kept if _differs(v, defaults[k])), framework).with_plan(plan)
        for key in config:
            if key not in defaults:
                raise ValueError(f"{DISPLAY_NAMES[name]} has no argument {key!r}; it takes {', '.join(defaults)}")
        kept = tuple((k, _normalise(config[k])) for k in defaults if k in config and _differs(config[k], defaults[k]))
        _class(name)(**dict(kept))  # raises ValueError with the optimizer's own message
        return cls(name, kept, framework).with_plan(plan)

    def with_plan(self, plan: LrPlan | None) -> Lane:
        """This lane with lr plan ``plan`` (None or a constant plan: no plan); a native lane refuses a plan."""
        if plan is None or plan.is_constant:
            return replace(self, plan=None) if self.plan is not None else self
        if not isinstance(plan, LrPlan):
            raise ValueError(f"a lane's plan must be an optviz.lane_schedules.LrPlan, got {plan!r}")
        if self.is_native:
            raise ValueError(
                "schedule= and plateau= work on Keras 2.2.4 lanes only, not on torch.optim / tf.keras lanes"
            )
        return replace(self, plan=plan)

    @property
    def lr_plan(self) -> LrPlan:
        """The lane's lr plan (a constant ``LrPlan()`` when it has none)."""
        return self.plan if self.plan is not None else LrPlan()

    def callbacks(self) -> list[Callback]:
        """The lr callbacks for ``runner.run(..., callbacks=...)`` of this lane alone (empty without a plan)."""
        return self.lr_plan.callbacks()

    @property
    def is_native(self) -> bool:
        """True for a torch.optim / tf.keras lane."""
        return self.framework != "keras224"

    @property
    def arguments(self) -> dict[str, Any]:
        """All arguments, defaults filled in (a native lane's: its framework's names and defaults)."""
        return {**lane_arguments(self.optimizer, self.framework), **dict(self.config)}

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES[self.optimizer]

    def build(self) -> optimizers.Optimizer:
        """The optviz optimizer for this lane (a native wrapper for a torch / tf.keras lane)."""
        if self.is_native:
            return build_native(self.framework, self.optimizer, dict(self.config))
        return _class(self.optimizer)(**dict(self.config))

    def label(self) -> str:
        """Short human label, e.g. ``Adam lr=0.01, amsgrad``, ``torch.optim Adam lr=0.01`` or
        ``SGD lr=0.5 · step schedule every=100, drop=0.5``: the learning rate always (a default one too), then the
        arguments that differ from the defaults, numbers to 4 significant digits."""
        config = dict(self.config)
        rate = next((name for name in ("lr", "learning_rate") if name in self.arguments), None)
        if rate is not None and rate not in config:
            config = {rate: self.arguments[rate], **config}
        parts = [k if v is True else f"{k}={_format_value(v, digits=4)}" for k, v in config.items()]
        text = f"{_title(self.framework, self.optimizer)} {', '.join(parts)}".strip()
        return f"{text} · {self.plan.label()}" if self.plan is not None else text

    def to_text(self) -> str:
        """The URL form, e.g. ``adam:lr=0.01,amsgrad=1`` (``torch.adam:...`` for a native lane), the lr plan's
        keys last (``sgd:lr=0.5,schedule=step,every=100,drop=0.5``)."""
        prefix = f"{FRAMEWORKS[self.framework].lane_prefix}." if self.is_native else ""
        items = [f"{k}={_format_value(v, url=True)}" for k, v in self.config]
        if self.plan is not None:
            items.append(self.plan.to_text())
        return prefix + self.optimizer + (":" + ",".join(items) if items else "")

    def keras_code(self, modern: bool = False) -> str:
        """``keras.optimizers.Adam(lr=0.01, amsgrad=True)``; ``modern`` uses ``learning_rate=``.

        A native lane gives its framework's code instead (``torch.optim.Adam(params, lr=0.01)``), with the
        arguments that differ from the framework's defaults.
        """
        if self.is_native:
            return native_code(self.framework, self.optimizer, dict(self.config))
        config = dict(self.config)
        if "lr" in self.arguments and "lr" not in config:  # always spelled out: lr= (2.2) vs learning_rate= (modern)
            config = {"lr": self.arguments["lr"], **config}
        parts = []
        for key, value in config.items():
            if value is None:
                continue
            name = "learning_rate" if (modern and key == "lr") else key
            parts.append(f"{name}={value!r}" if isinstance(value, bool) else f"{name}={_format_value(value)}")
        return f"keras.optimizers.{self.display_name}({', '.join(parts)})"

    def callbacks_code(self) -> str:
        """Keras 2.2.4 code for the lane's lr plan: the schedule function written out and
        ``callbacks = [...]`` for ``model.fit`` ('' without a plan)."""
        return self.lr_plan.keras_code(float(self.arguments["lr"])) if self.plan is not None else ""


def _title(framework: str, optimizer: str) -> str:
    """``Adam`` for a Keras 2.2.4 lane, ``torch.optim Adam`` / ``tf.keras Adam`` for a native one."""
    prefix = "" if framework == "keras224" else FRAMEWORKS[framework].name + " "
    return prefix + DISPLAY_NAMES[optimizer]


def _normalise(value: Any, default: Any = None) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(default, bool):
        return bool(value)
    return float(value)


def _differs(value: Any, default: Any) -> bool:
    if value is None or default is None:
        return value is not default
    if isinstance(default, bool):
        return bool(value) != default
    return not math.isclose(float(value), float(default), rel_tol=1e-12, abs_tol=0.0)


def _format_value(value: Any, url: bool = False, digits: int = 6) -> str:
    if isinstance(value, bool):
        return ("1" if value else "0") if url else str(value)
    if value is None:
        return "0" if url else "None"
    return f"{value:.{digits}g}"


def parse_lane(text: str, allow_native: bool = False, allow_plan: bool = False) -> Lane:
    """Parse ``"adam:lr=0.01,amsgrad=1"``; raises ``ValueError`` saying what is wrong.

    With ``allow_native``, ``"torch.adam:lr=0.01"`` and ``"tf.adam:..."`` give native lanes. With
    ``allow_plan``, ``schedule=`` / ``plateau=`` keys give the lane an lr plan
    (:func:`optviz.lane_schedules.split_lane_text`); without it they are refused, saying so.
    """
    text = str(text).strip()
    if not text:
        raise ValueError("empty optimizer lane")
    if allow_plan:
        optimizer_text, plan = split_lane_text(text)
        return parse_lane(optimizer_text, allow_native).with_plan(plan)
    keys = {item.partition("=")[0].strip() for item in text.partition(":")[2].split(",")}
    if SCHEDULE_KEY in keys or PLATEAU_KEY in keys:
        raise ValueError("lr schedules (schedule=, plateau=) are not offered on this page yet")
    name, _, rest = text.partition(":")
    name = name.strip().lower()
    framework = "keras224"
    prefix, dot, bare = name.partition(".")
    if dot:
        if prefix not in LANE_PREFIXES:
            allowed = " or ".join(f"{p}." for p in LANE_PREFIXES)
            raise ValueError(f"unknown framework prefix {prefix!r} in {text!r}; use {allowed}")
        if not allow_native:
            raise ValueError(f"native lanes ({prefix}.) are not offered on this page")
        framework, name = LANE_PREFIXES[prefix], bare
    defaults = lane_arguments(name, framework)
    config: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"{item!r} in lane {text!r} is not key=value")
        if key not in defaults:
            raise ValueError(f"{_title(framework, name)} has no argument {key!r}; it takes {', '.join(defaults)}")
        config[key] = _parse_value(key, raw.strip(), defaults[key], native=framework != "keras224")
    return Lane.create(name, framework, **config)


def parse_scheduled_lane(text: str, allow_native: bool = False) -> tuple[Lane, LrPlan]:
    """The lane of ``text`` without its lr plan, and the plan (``parse_lane(text, allow_plan=True)`` gives
    both in one lane); a native lane cannot carry one."""
    lane = parse_lane(text, allow_native, allow_plan=True)
    return lane.with_plan(None), lane.lr_plan


def scheduled_lane_text(lane: Lane, plan: LrPlan) -> str:
    """The lane's URL text with ``plan``: ``sgd:lr=0.1,schedule=step,every=100,drop=0.5``."""
    return lane.with_plan(plan).to_text()


def _parse_value(key: str, raw: str, default: Any, native: bool = False) -> Any:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{key} must be 1 or 0, got {raw!r}")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{key} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{key} must be a finite number, got {raw!r}")
    if not native and key in ("clipnorm", "clipvalue") and value == 0:
        return None
    return value


def parse_lanes(
    texts: list[str], limit: int = 6, allow_native: bool = False, allow_plan: bool = False
) -> tuple[list[Lane], list[str]]:
    """Parse several lanes (see :func:`parse_lane`), keeping the good ones: ``(lanes, problems)`` with one
    message per bad lane."""
    lanes, problems = [], []
    for text in texts:
        if len(lanes) >= limit:
            problems.append(f"only {limit} optimizer lanes are allowed; ignored {text!r}")
            continue
        try:
            lanes.append(parse_lane(text, allow_native, allow_plan))
        except ValueError as error:
            problems.append(f"ignored lane {text!r}: {error}")
    return lanes, problems


def batch_key(lane: Lane, index: int = -1) -> tuple:
    """Lanes with equal keys can run as one optimizer with per-run hyperparameters: the same class, boolean
    switches (nesterov, amsgrad) and kind of lr plan (:meth:`optviz.lane_schedules.LrPlan.key`; none, a step
    schedule, a plateau rule, ...). A native lane never shares: its framework optimizer takes one set of values."""
    if lane.is_native:
        return ("native", index)
    arguments = lane.arguments
    return (lane.optimizer, tuple(bool(arguments.get(name, False)) for name in BOOLEAN_ARGUMENTS), lane.lr_plan.key())


def batched_optimizer(lanes: Sequence[Lane], repeats: int = 1) -> optimizers.Optimizer:
    """One optimizer running ``lanes`` (one :func:`batch_key`), each repeated ``repeats`` times: run
    ``i * repeats + m`` is member m of lane i. Continuous arguments that differ between lanes become per-run
    arrays, the others stay numbers (the step's arithmetic on scalars costs a fraction, and a lane alone runs
    exactly as ``lane.build()``); ``clipnorm`` / ``clipvalue`` off (None) in some lanes becomes 0 there (off for
    that run). A native lane (alone) builds its framework optimizer, which takes any number of runs."""
    if lanes[0].is_native:
        if len(lanes) != 1:
            raise ValueError("a native (torch.optim / tf.keras) lane runs alone: pass it as a group of one")
        return lanes[0].build()
    first = lanes[0].arguments
    arguments: dict[str, object] = {}
    for name, default in first.items():
        if name in BOOLEAN_ARGUMENTS:
            arguments[name] = bool(default)
        elif name in CLIP_ARGUMENTS:
            values = [lane.arguments[name] for lane in lanes]
            if any(v is not None for v in values):  # 0 turns clipping off for that run
                arguments[name] = _per_run([0.0 if v is None else float(v) for v in values], repeats)
        else:
            arguments[name] = _per_run([float(lane.arguments[name]) for lane in lanes], repeats)
    return _class(lanes[0].optimizer)(**arguments)


def _per_run(values: list[float], repeats: int) -> float | np.ndarray:
    """One number when every lane has it, else one value per run (each lane's repeated ``repeats`` times)."""
    if all(value == values[0] for value in values):
        return values[0]
    return np.repeat(values, repeats)


def batched_callbacks(lanes: Sequence[Lane], repeats: int = 1) -> list[Callback]:
    """The lr callbacks running ``lanes`` (one :func:`batch_key`) as :func:`batched_optimizer` does: their
    plans' numbers become per-run arrays (run ``i * repeats + m`` is member m of lane i); empty without plans."""
    if lanes and lanes[0].is_native:
        return []
    return plan_callbacks([lane.lr_plan for lane in lanes], repeats)
