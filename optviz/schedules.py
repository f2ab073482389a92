"""Learning-rate schedules people use, as ``schedule(k, lr)`` callables for ``LearningRateScheduler``.

Each schedule is a small frozen dataclass whose ``__call__(k, lr)`` gives the lr of epoch ``k`` (0, 1, ...)
for a run that starts at ``lr``; ``k``, ``lr`` and every numeric argument broadcast (``k (T, 1)`` with
``lr (R,)`` gives ``(T, R)``), so each argument may be one value per run. ``lr`` is the rate the run
started with (the optimizer's ``lr``): :class:`optviz.callbacks.LearningRateScheduler` passes that, and
``keras_source(lr)`` writes the same function for Keras with ``lr`` as a constant.

Arguments mirror PyTorch's ``torch.optim.lr_scheduler`` (the docstrings give the exact mapping); past its
``total`` a finite schedule holds its last value. Invalid arguments raise ``ValueError`` naming them.
"""

from __future__ import annotations

import math
from dataclasses import MISSING, dataclass, fields
from typing import Any, ClassVar

import numpy as np

from .optimizers._base import Bound, check_hyperparameter

_POSITIVE = Bound(0.0, low_open=True)
_NON_NEGATIVE = Bound(0.0)
_AT_LEAST_ONE = Bound(1.0)
_FACTOR = Bound(0.0, 1.0, low_open=True, high_open=False)  # (0, 1]
_OPEN_UNIT = Bound(0.0, 1.0, low_open=True)  # (0, 1)


def _check(name: str, value: Any, bound: Bound, whole: bool = False) -> float | np.ndarray:
    """A scalar or per-run argument inside ``bound`` (``whole``: an integer); ``ValueError`` otherwise."""
    try:
        infinite = not isinstance(value, bool) and bool(np.any(np.isinf(np.asarray(value, dtype=np.float64))))
    except (TypeError, ValueError):
        infinite = False  # not numbers: check_hyperparameter says so
    if infinite:
        raise ValueError(f"{name} must be finite, got {value!r}")
    checked = check_hyperparameter(name, value, bound)
    if whole and not np.all(np.floor(checked) == checked):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return checked


def _shown(value: float | np.ndarray) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value.tolist())


def _literal(value: Any, name: str) -> str:
    """A number written for Python source (``repr`` round-trips floats exactly)."""
    if isinstance(value, np.ndarray):
        raise ValueError(f"{name} differs between runs; write the Keras code one run at a time")
    if isinstance(value, str):
        return repr(value)
    return repr(int(value)) if float(value).is_integer() and abs(value) < 2**53 else repr(float(value))


class Schedule:
    """Base of the schedules: ``__call__(k, lr)``, lane text arguments and Keras source."""

    #: the lane text name (``schedule=step``)
    kind: ClassVar[str] = ""
    #: LearningRateScheduler passes the lr each run started with (not the current lr variable)
    uses_initial_lr: ClassVar[bool] = True
    #: arguments written as whole numbers
    whole_arguments: ClassVar[tuple[str, ...]] = ()

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        raise NotImplementedError

    def arguments(self) -> dict[str, Any]:
        """The arguments that differ from their defaults, in declaration order (required ones always)."""
        shown = {}
        for field in fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray) or field.default is MISSING or value != field.default:
                shown[field.name] = value
        return shown

    def keras_source(self, lr: float) -> str:
        """``def schedule(epoch, lr): ...`` for Keras, for a run starting at ``lr`` (a runnable snippet)."""
        written = {n: _literal(v, n) for n, v in self._all().items() if v is not None}
        body = self._source_body(_literal(float(lr), "lr"), written)
        needs_math = "math." in body
        described = ", ".join(f"{n}={_literal(v, n)}" for n, v in self.arguments().items())
        docstring = f'"""optviz {type(self).__name__}({described}) from lr={float(lr)!r}."""'
        header = f"def schedule(epoch, lr):\n    {docstring}\n"
        return ("import math\n\n\n" if needs_math else "") + header + body

    def _all(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}  # type: ignore[arg-type]

    def _source_body(self, lr: str, a: dict[str, str]) -> str:
        raise NotImplementedError


def _epochs(k: Any) -> np.ndarray:
    k = np.asarray(k, dtype=np.float64)
    if not np.all(k >= 0):
        raise ValueError(f"epochs must be >= 0, got {k.min() if k.ndim else float(k):g}")
    return k


def _result(value: np.ndarray) -> np.ndarray | float:
    return float(value) if np.ndim(value) == 0 else value


@dataclass(frozen=True)
class StepDecay(Schedule):
    """``lr * drop ** floor(k / every)``: multiply by ``drop`` every ``every`` epochs.

    torch: ``StepLR(step_size=every, gamma=drop)``. ``every`` a whole number >= 1, ``drop`` in (0, 1].
    """

    every: Any
    drop: Any = 0.1
    kind: ClassVar[str] = "step"
    whole_arguments: ClassVar[tuple[str, ...]] = ("every",)

    def __post_init__(self) -> None:
        object.__setattr__(self, "every", _check("every", self.every, _AT_LEAST_ONE, whole=True))
        object.__setattr__(self, "drop", _check("drop", self.drop, _FACTOR))

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        return _result(np.asarray(lr, dtype=np.float64) * self.drop ** np.floor(_epochs(k) / self.every))

    def _source_body(self, lr, a):
        return f"    return {lr} * {a['drop']} ** math.floor(epoch / {a['every']})\n"


@dataclass(frozen=True)
class ExponentialDecay(Schedule):
    """``lr * gamma ** k``. torch: ``ExponentialLR(gamma)``. ``gamma`` in (0, 1]."""

    gamma: Any
    kind: ClassVar[str] = "exp"

    def __post_init__(self) -> None:
        object.__setattr__(self, "gamma", _check("gamma", self.gamma, _FACTOR))

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        return _result(np.asarray(lr, dtype=np.float64) * self.gamma ** _epochs(k))

    def _source_body(self, lr, a):
        return f"    return {lr} * {a['gamma']} ** epoch\n"


@dataclass(frozen=True)
class InverseTimeDecay(Schedule):
    """``lr / (1 + rate * k / every)``: Keras' ``decay`` per epoch instead of per update.

    tf.keras: ``InverseTimeDecay(lr, decay_steps=every, decay_rate=rate)``; torch: ``LambdaLR`` with that
    factor. ``rate`` >= 0, ``every`` > 0.
    """

    rate: Any
    every: Any = 1.0
    kind: ClassVar[str] = "inverse"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", _check("rate", self.rate, _NON_NEGATIVE))
        object.__setattr__(self, "every", _check("every", self.every, _POSITIVE))

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        return _result(np.asarray(lr, dtype=np.float64) / (1.0 + self.rate * _epochs(k) / self.every))

    def _source_body(self, lr, a):
        return f"    return {lr} / (1.0 + {a['rate']} * epoch / {a['every']})\n"


@dataclass(frozen=True)
class WarmupCosine(Schedule):
    """Linear warmup from ``lr * start_factor`` to ``lr`` over ``warmup`` epochs, then cosine annealing to
    ``min_lr`` at epoch ``total``, then ``min_lr``.

    torch: ``SequentialLR([LinearLR(start_factor=start_factor, total_iters=warmup),
    CosineAnnealingLR(T_max=total - warmup, eta_min=min_lr)], milestones=[warmup])`` (torch's cosine
    rises again after ``total``; this one holds ``min_lr``). ``total`` whole >= 1, ``warmup`` whole in
    [0, total), ``start_factor`` in (0, 1], ``min_lr`` >= 0 (absolute).
    """

    total: Any
    warmup: Any = 0
    start_factor: Any = 0.1
    min_lr: Any = 0.0
    kind: ClassVar[str] = "cosine"
    whole_arguments: ClassVar[tuple[str, ...]] = ("total", "warmup")

    def __post_init__(self) -> None:
        total = _check("total", self.total, _AT_LEAST_ONE, whole=True)
        warmup = _check("warmup", self.warmup, _NON_NEGATIVE, whole=True)
        if not np.all(np.asarray(warmup) < total):
            raise ValueError(f"warmup must be < total ({_shown(total)}), got {_shown(warmup)}")
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "warmup", warmup)
        object.__setattr__(self, "start_factor", _check("start_factor", self.start_factor, _FACTOR))
        object.__setattr__(self, "min_lr", _check("min_lr", self.min_lr, _NON_NEGATIVE))

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        k, lr = _epochs(k), np.asarray(lr, dtype=np.float64)
        warming = k < self.warmup
        ramp = lr * (self.start_factor + (1.0 - self.start_factor) * k / np.maximum(self.warmup, 1))
        progress = np.clip((k - self.warmup) / (self.total - self.warmup), 0.0, 1.0)
        cosine = self.min_lr + (lr - self.min_lr) * (1.0 + np.cos(math.pi * progress)) / 2.0
        return _result(np.where(warming, ramp, cosine))

    def _source_body(self, lr, a):
        return (
            f"    if epoch < {a['warmup']}:\n"
            f"        return {lr} * ({a['start_factor']} + (1.0 - {a['start_factor']}) * epoch / {a['warmup']})\n"
            f"    progress = min((epoch - {a['warmup']}) / ({a['total']} - {a['warmup']}), 1.0)\n"
            f"    return {a['min_lr']} + ({lr} - {a['min_lr']}) * (1.0 + math.cos(math.pi * progress)) / 2.0\n"
        )


_ANNEAL = ("cos", "linear")


@dataclass(frozen=True)
class OneCycle(Schedule):
    """Smith's one cycle: from ``lr / div_factor`` up to ``lr`` over the first ``pct_start`` of ``total``
    epochs, then down to ``lr / div_factor / final_div_factor`` at epoch ``total - 1`` (then held).

    torch: ``OneCycleLR(max_lr=lr, total_steps=total, pct_start, anneal_strategy, div_factor,
    final_div_factor, cycle_momentum=False)``. ``total`` whole >= 2, ``pct_start`` in (0, 1) with
    ``pct_start * total > 1``, ``div_factor`` and ``final_div_factor`` > 0, ``anneal_strategy`` 'cos' or 'linear'.
    """

    total: Any
    pct_start: Any = 0.3
    div_factor: Any = 25.0
    final_div_factor: Any = 1e4
    anneal_strategy: str = "cos"
    kind: ClassVar[str] = "onecycle"
    whole_arguments: ClassVar[tuple[str, ...]] = ("total",)

    def __post_init__(self) -> None:
        total = _check("total", self.total, Bound(2.0), whole=True)
        pct_start = _check("pct_start", self.pct_start, _OPEN_UNIT)
        if not np.all(np.asarray(pct_start) * total > 1.0):
            raise ValueError(f"pct_start * total must be > 1 (a rise of more than one epoch), got {self.pct_start!r}")
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "pct_start", pct_start)
        object.__setattr__(self, "div_factor", _check("div_factor", self.div_factor, _POSITIVE))
        object.__setattr__(self, "final_div_factor", _check("final_div_factor", self.final_div_factor, _POSITIVE))
        if self.anneal_strategy not in _ANNEAL:
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {self.anneal_strategy!r}")

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        k, lr = _epochs(k), np.asarray(lr, dtype=np.float64)
        initial = lr / self.div_factor
        final = initial / self.final_div_factor
        peak_step = self.pct_start * self.total - 1.0  # torch's phase ends (float)
        last_step = self.total - 1.0
        rising = k <= peak_step
        up = np.clip(k / peak_step, 0.0, 1.0)
        down = np.clip((k - peak_step) / (last_step - peak_step), 0.0, 1.0)
        anneal = _cos_anneal if self.anneal_strategy == "cos" else _linear_anneal
        return _result(np.where(rising, anneal(initial, lr, up), anneal(lr, final, down)))

    def _source_body(self, lr, a):
        if self.anneal_strategy == "cos":
            anneal = "end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)"
        else:
            anneal = "(end - start) * pct + start"
        return (
            f"    initial = {lr} / {a['div_factor']}\n"
            f"    peak_step = {a['pct_start']} * {a['total']} - 1.0\n"
            f"    if epoch <= peak_step:\n"
            f"        start, end, pct = initial, {lr}, epoch / peak_step\n"
            f"    else:\n"
            f"        pct = min((epoch - peak_step) / ({a['total']} - 1.0 - peak_step), 1.0)\n"
            f"        start, end = {lr}, initial / {a['final_div_factor']}\n"
            f"    return {anneal}\n"
        )


def _cos_anneal(start, end, pct):
    return end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1.0)


def _linear_anneal(start, end, pct):
    return (end - start) * pct + start


_CYCLIC_MODES = ("triangular", "triangular2")


@dataclass(frozen=True)
class Cyclic(Schedule):
    """Triangular cyclic lr: from ``lr`` up to ``max_lr`` in ``up`` epochs and back in ``down`` (default
    ``up``), again and again; ``'triangular2'`` halves the amplitude every cycle.

    torch: ``CyclicLR(base_lr=lr, max_lr=max_lr, step_size_up=up, step_size_down=down, mode=mode,
    cycle_momentum=False)``. ``max_lr`` > 0 (absolute), ``up`` and ``down`` whole >= 1.
    """

    max_lr: Any
    up: Any = 2000
    down: Any = None
    mode: str = "triangular"
    kind: ClassVar[str] = "cyclic"
    whole_arguments: ClassVar[tuple[str, ...]] = ("up", "down")

    def __post_init__(self) -> None:
        object.__setattr__(self, "max_lr", _check("max_lr", self.max_lr, _POSITIVE))
        object.__setattr__(self, "up", _check("up", self.up, _AT_LEAST_ONE, whole=True))
        if self.down is not None:
            object.__setattr__(self, "down", _check("down", self.down, _AT_LEAST_ONE, whole=True))
        if self.mode not in _CYCLIC_MODES:
            raise ValueError(f"mode must be 'triangular' or 'triangular2', got {self.mode!r}")

    def __call__(self, k: Any, lr: Any) -> np.ndarray | float:
        k, lr = _epochs(k), np.asarray(lr, dtype=np.float64)
        down = self.up if self.down is None else self.down
        total_size = self.up + down
        step_ratio = self.up / total_size
        cycle = np.floor(1.0 + k / total_size)
        x = 1.0 + k / total_size - cycle
        scale = np.where(x <= step_ratio, x / step_ratio, (x - 1.0) / (step_ratio - 1.0))
        amplitude = 1.0 if self.mode == "triangular" else 1.0 / 2.0 ** (cycle - 1.0)
        return _result(lr + (self.max_lr - lr) * scale * amplitude)

    def _source_body(self, lr, a):
        down = a["up"] if self.down is None else a["down"]
        amplitude = "1.0" if self.mode == "triangular" else "(1.0 / 2.0 ** (cycle - 1.0))"
        return (
            f"    total_size = {a['up']} + {down}\n"
            f"    step_ratio = {a['up']} / total_size\n"
            f"    cycle = math.floor(1 + epoch / total_size)\n"
            f"    x = 1.0 + epoch / total_size - cycle\n"
            f"    scale = x / step_ratio if x <= step_ratio else (x - 1.0) / (step_ratio - 1.0)\n"
            f"    return {lr} + ({a['max_lr']} - {lr}) * scale * {amplitude}\n"
        )


#: lane text name -> schedule class, in the order pages offer them
SCHEDULES: dict[str, type[Schedule]] = {
    cls.kind: cls for cls in (StepDecay, ExponentialDecay, InverseTimeDecay, WarmupCosine, OneCycle, Cyclic)
}


def schedule_arguments(kind: str) -> dict[str, Any]:
    """The arguments of schedule ``kind`` with their defaults (``...`` marks a required one), in order."""
    cls = SCHEDULES.get(str(kind).lower())
    if cls is None:
        raise ValueError(f"unknown schedule {kind!r}; choose one of {', '.join(SCHEDULES)}")
    return {field.name: (... if field.default is MISSING else field.default) for field in fields(cls)}
