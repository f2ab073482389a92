"""Keras 2.2.4's learning-rate callbacks, ``LearningRateScheduler`` and ``ReduceLROnPlateau``, on the runs axis.

Every run has its own lr variable (``lr (R,)``) and, for the plateau rule, its own ``best``, ``wait`` and
``cooldown_counter``. Callbacks are immutable configurations with pure hooks, so one object can serve
any number of runs:

>>> callbacks = [LearningRateScheduler(schedules.StepDecay(every=100, drop=0.5))]
>>> trajectory = runner.run(optimizer, surface.value_and_grad, starts, 500, callbacks=callbacks)
>>> trajectory.lrs   # (T, R): the lr variable of every run during every update

The epoch loop (the runner's steps, a training session's epochs) drives them through :class:`LrCallbacks`:
``lr, states = callbacks.on_epoch_begin(k, lr, states)`` before epoch k, then
``lr, states = callbacks.on_epoch_end(k, lr, {"loss": loss}, states)`` after it, and steps with
``optimizer.with_lr(lr)``. The optimizer's own ``decay`` still applies on top of the lr variable
(``lr / (1 + decay * iterations)``), as in Keras.

Differences from Keras 2.2.4 on purpose: the lr variable is float64 (Keras stores float32);
``ReduceLROnPlateau`` monitors ``'loss'`` by default (a surface has no validation set); an unknown
``mode`` is a ``ValueError`` (Keras warns and falls back to ``'auto'``); a schedule may return one value
per run, ints are accepted, and NaN, inf or negative rates are a ``ValueError`` (Keras only checks that
the value is a float).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

#: ``schedule(epoch, lr) -> lr`` (or Keras' old one-argument ``schedule(epoch)``)
Schedule = Callable[..., Any]


class Callback:
    """Base of the lr callbacks: pure hooks over the runs axis (the defaults change nothing)."""

    #: names of the logs this callback reads at the end of an epoch
    monitors: tuple[str, ...] = ()

    def init(self, lr: np.ndarray) -> Any:
        """The callback's state at the start of training, given the starting lr variable ``(R,)``."""
        return None

    def on_epoch_begin(self, epoch: int, lr: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        """Before epoch ``epoch``: returns the lr variable ``(R,)`` for the epoch and the new state."""
        return lr, state

    def on_epoch_end(
        self, epoch: int, lr: np.ndarray, logs: Mapping[str, np.ndarray], state: Any
    ) -> tuple[np.ndarray, Any]:
        """After epoch ``epoch`` with its ``logs`` (name -> ``(R,)``): the lr variable and the new state."""
        return lr, state

    def keras_code(self, lr: float) -> str:
        """The Keras 2.2.4 code creating this callback for a run whose optimizer starts at ``lr``."""
        raise NotImplementedError


def _check_lr(values: Any, runs: int, source: str) -> np.ndarray:
    """``values`` as a fresh ``(R,)`` float64 array of finite rates >= 0, else ``ValueError`` from ``source``."""
    try:
        array = np.array(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{source} must give a number or one number per run, got {values!r}") from None
    if array.ndim > 1 or (array.ndim == 1 and array.shape[0] != runs):
        raise ValueError(f"{source} must give a number or one number per run ({runs}), got shape {array.shape}")
    array = np.broadcast_to(array, (runs,)).copy()
    bad = ~(np.isfinite(array) & (array >= 0))
    if bad.any():
        run = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{source} gave lr={array[run]:g} for run {run}; a learning rate must be finite and >= 0")
    return array


def _accepts_lr(schedule: Schedule) -> bool:
    """True if ``schedule`` takes ``(epoch, lr)``; False for Keras' old one-argument ``schedule(epoch)``."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # builtins without a signature: try the new API, as Keras does
        return True
    try:
        signature.bind(0, 0.0)
    except TypeError:
        return False
    return True


@dataclass(frozen=True)
class LearningRateScheduler(Callback):
    """Before epoch k, sets the lr variable to ``schedule(k, lr)`` (Keras 2.2.4 signature and order).

    A plain function gets the current lr variable ``(R,)``, as in Keras (``lambda k, lr: lr * 0.99``), or
    only ``k`` if it takes one argument (Keras' old API). A schedule from :mod:`optviz.schedules` gets the
    lr each run *started* with: its Keras export writes that lr as a constant, so both agree. The
    result may be a scalar or one value per run; it must be finite and >= 0.

    Args:
        schedule: ``schedule(epoch, lr) -> lr``.
        verbose: 0 quiet, 1 prints Keras' message every epoch.
    """

    schedule: Schedule
    verbose: int = 0

    def __post_init__(self) -> None:
        if not callable(self.schedule):
            raise ValueError(f"schedule must be a function schedule(epoch, lr), got {self.schedule!r}")
        _check_verbose(self.verbose)
        object.__setattr__(self, "_takes_lr", _accepts_lr(self.schedule))

    def init(self, lr: np.ndarray) -> np.ndarray:
        """The state is the lr each run started with (what an optviz schedule is written against)."""
        return np.array(lr, dtype=np.float64)

    def on_epoch_begin(self, epoch: int, lr: np.ndarray, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        base = state if getattr(self.schedule, "uses_initial_lr", False) else lr
        value = self.schedule(epoch, base) if self._takes_lr else self.schedule(epoch)
        new_lr = _check_lr(value, lr.shape[0], f"the schedule at epoch {epoch}")
        if self.verbose > 0:
            shown = new_lr[0] if np.all(new_lr == new_lr[0]) else new_lr
            print(f"\nEpoch {epoch + 1:05d}: LearningRateScheduler setting learning rate to {shown}.")
        return new_lr, state

    def keras_code(self, lr: float) -> str:
        """``def schedule(epoch, lr): ...`` written out (for an optviz schedule) and the callback."""
        source = getattr(self.schedule, "keras_source", None)
        if source is None:
            raise ValueError("only an optviz.schedules schedule can be written out as Keras code")
        verbose = f", verbose={self.verbose}" if self.verbose else ""
        return f"{source(lr)}\n\nkeras.callbacks.LearningRateScheduler(schedule{verbose})"


class PlateauState(NamedTuple):
    """Per run ``(R,)``: the best monitored value so far, epochs without improvement, cooldown epochs left."""

    best: np.ndarray
    wait: np.ndarray
    cooldown_counter: np.ndarray


def _check_verbose(verbose: Any) -> None:
    if isinstance(verbose, bool) or not isinstance(verbose, (int, np.integer)) or verbose < 0:
        raise ValueError(f"verbose must be 0 or 1, got {verbose!r}")


def _checked_parameter(name: str, value: Any, *, whole: bool = False, below_one: bool = False) -> float | np.ndarray:
    """A scalar or per-run 1-D parameter, finite and >= 0 (``whole``: integers; ``below_one``: in (0, 1))."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number or one number per run, got {value!r}")
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or one number per run, got {value!r}") from None
    if array.ndim > 1 or array.size == 0:
        raise ValueError(f"{name} must be a number or a non-empty 1-D array (one value per run), got {value!r}")
    if below_one:
        ok, allowed = (array > 0) & (array < 1), "in (0, 1) (Keras: a factor >= 1 is not supported)"
    elif whole:
        ok, allowed = (array >= 0) & (array == np.floor(array)), "a whole number >= 0"
    else:
        ok, allowed = (array >= 0) & np.isfinite(array), "finite and >= 0"
    ok &= np.isfinite(array)
    if not np.all(ok):
        bad = float(array) if array.ndim == 0 else float(array[np.flatnonzero(~ok)[0]])
        raise ValueError(f"{name} must be {allowed}, got {bad:g}")
    if array.ndim == 0:
        return float(array)
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class ReduceLROnPlateau(Callback):
    """Keras 2.2.4's plateau rule, per run: after ``patience`` epochs without improvement of ``monitor``,
    ``lr = max(lr * factor, min_lr)`` if ``lr > min_lr``, then ``cooldown`` epochs of rest.

    Improvement means ``current < best - min_delta`` (mode ``'min'``, or ``'auto'`` unless the monitor's
    name contains ``'acc'``) or ``current > best + min_delta`` (mode ``'max'``). In cooldown the counter
    drops by one and ``wait`` resets each epoch. A NaN loss is never an improvement. ``factor``,
    ``patience``, ``min_delta``, ``cooldown`` and ``min_lr`` may be one value per run.

    Args:
        monitor: the log to watch; ``'loss'`` (on a surface, the loss where the epoch's gradient was taken).
        factor: in (0, 1); ``new_lr = lr * factor``.
        patience: whole number >= 0 of epochs without improvement before a reduction.
        verbose: 0 quiet, 1 prints Keras' message when a run's lr is reduced.
        mode: ``'auto'``, ``'min'`` or ``'max'``.
        min_delta: >= 0, the least change that counts as an improvement.
        cooldown: whole number >= 0 of epochs to rest after a reduction.
        min_lr: >= 0, the lr is never reduced below it.
    """

    monitor: str = "loss"
    factor: Any = 0.1
    patience: Any = 10
    verbose: int = 0
    mode: str = "auto"
    min_delta: Any = 1e-4
    cooldown: Any = 0
    min_lr: Any = 0

    def __post_init__(self) -> None:
        if not isinstance(self.monitor, str) or not self.monitor:
            raise ValueError(f"monitor must be the name of a log such as 'loss', got {self.monitor!r}")
        if self.mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {self.mode!r}")
        _check_verbose(self.verbose)
        checked = {
            "factor": _checked_parameter("factor", self.factor, below_one=True),
            "patience": _checked_parameter("patience", self.patience, whole=True),
            "min_delta": _checked_parameter("min_delta", self.min_delta),
            "cooldown": _checked_parameter("cooldown", self.cooldown, whole=True),
            "min_lr": _checked_parameter("min_lr", self.min_lr),
        }
        lengths = {name: v.shape[0] for name, v in checked.items() if isinstance(v, np.ndarray)}
        if len(set(lengths.values())) > 1:
            raise ValueError(f"per-run arguments must all have the same length, got {lengths}")
        for name, value in checked.items():
            object.__setattr__(self, name, value)

    @property
    def monitors(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.monitor,)

    @property
    def maximises(self) -> bool:
        """True when a larger monitored value is better (Keras: mode 'max', or 'auto' with 'acc' in the name)."""
        return self.mode == "max" or (self.mode == "auto" and "acc" in self.monitor)

    def init(self, lr: np.ndarray) -> PlateauState:
        """Keras' ``_reset``: best = +inf (min) or -inf (max), wait = cooldown_counter = 0, per run."""
        runs = np.shape(lr)[0]
        for name in ("factor", "patience", "min_delta", "cooldown", "min_lr"):
            value = getattr(self, name)
            if isinstance(value, np.ndarray) and value.shape[0] != runs:
                raise ValueError(f"{name} has {value.shape[0]} values but there are {runs} runs")
        best = np.full(runs, -np.inf if self.maximises else np.inf)
        return PlateauState(best, np.zeros(runs, dtype=np.int64), np.zeros(runs, dtype=np.int64))

    def on_epoch_end(
        self, epoch: int, lr: np.ndarray, logs: Mapping[str, np.ndarray], state: PlateauState
    ) -> tuple[np.ndarray, PlateauState]:
        """Keras 2.2.4's ``on_epoch_end``, every run at once (a missing monitor is a ``ValueError``)."""
        if self.monitor not in logs:
            raise ValueError(
                f"ReduceLROnPlateau monitors {self.monitor!r}, which is not logged; available: {', '.join(logs)}"
            )
        current = np.asarray(logs[self.monitor], dtype=np.float64)
        best, wait, cooldown_counter = state
        in_cooldown = cooldown_counter > 0
        cooldown_counter = np.where(in_cooldown, cooldown_counter - 1, cooldown_counter)
        wait = np.where(in_cooldown, 0, wait)
        with np.errstate(invalid="ignore"):
            if self.maximises:
                improved = np.greater(current, best + self.min_delta)
            else:
                improved = np.less(current, best - self.min_delta)
        best = np.where(improved, current, best)
        counting = ~improved & ~(cooldown_counter > 0)  # in_cooldown() again, after the decrement
        wait = np.where(improved, 0, np.where(counting, wait + 1, wait))
        reduce = counting & (wait >= self.patience) & (lr > self.min_lr)
        if not reduce.any():
            return lr, PlateauState(best, wait, cooldown_counter)
        new_lr = np.where(reduce, np.maximum(lr * self.factor, self.min_lr), lr)
        cooldown_counter = np.where(reduce, self.cooldown, cooldown_counter).astype(np.int64)
        wait = np.where(reduce, 0, wait)
        if self.verbose > 0:
            for run in np.flatnonzero(reduce):
                suffix = f" (run {run})" if lr.shape[0] > 1 else ""
                print(f"\nEpoch {epoch + 1:05d}: ReduceLROnPlateau reducing learning rate to {new_lr[run]}.{suffix}")
        return new_lr, PlateauState(best, wait, cooldown_counter)

    def keras_code(self, lr: float = 0.0) -> str:
        """``keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, ...)`` with non-default arguments."""
        defaults = {"factor": 0.1, "patience": 10, "verbose": 0, "mode": "auto", "min_delta": 1e-4, "cooldown": 0}
        parts = [f"monitor={self.monitor!r}"]  # Keras' default is 'val_loss': always say what is watched
        for name, default in {**defaults, "min_lr": 0}.items():
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                raise ValueError(f"{name} differs between runs; write the code one run at a time")
            if value != default:
                shown = repr(value) if isinstance(value, str) else _number(value, whole=name in _WHOLE)
                parts.append(f"{name}={shown}")
        return f"keras.callbacks.ReduceLROnPlateau({', '.join(parts)})"


_WHOLE = ("patience", "cooldown", "verbose")


def _number(value: float, whole: bool = False) -> str:
    return str(int(value)) if whole else repr(float(value))


@dataclass(frozen=True)
class LrCallbacks:
    """Several callbacks driven in list order, as Keras' ``CallbackList``: the loop over epochs uses this."""

    callbacks: tuple[Callback, ...]

    @classmethod
    def of(cls, callbacks: Sequence[Callback] | None, logged: Sequence[str] = ("loss",)) -> LrCallbacks | None:
        """Checked callbacks (None when there are none): each must be an lr callback whose monitors are logged."""
        if not callbacks:
            return None
        if isinstance(callbacks, Callback):
            raise ValueError("callbacks must be a list of callbacks, e.g. callbacks=[ReduceLROnPlateau()]")
        for callback in callbacks:
            if not isinstance(callback, Callback):
                raise ValueError(
                    f"callbacks must be LearningRateScheduler / ReduceLROnPlateau objects, got {callback!r}"
                )
            missing = [name for name in callback.monitors if name not in logged]
            if missing:
                raise ValueError(
                    f"{type(callback).__name__} monitors {missing[0]!r}, but only {', '.join(logged)} is logged here"
                )
        return cls(tuple(callbacks))

    def init(self, lr: np.ndarray) -> tuple[Any, ...]:
        """Every callback's starting state."""
        return tuple(callback.init(lr) for callback in self.callbacks)

    def on_epoch_begin(self, epoch: int, lr: np.ndarray, states: tuple) -> tuple[np.ndarray, tuple]:
        """Every callback's ``on_epoch_begin`` in order, each seeing the lr the previous one set."""
        new_states = []
        for callback, state in zip(self.callbacks, states, strict=True):
            lr, state = callback.on_epoch_begin(epoch, lr, state)
            new_states.append(state)
        return lr, tuple(new_states)

    def on_epoch_end(
        self, epoch: int, lr: np.ndarray, logs: Mapping[str, np.ndarray], states: tuple
    ) -> tuple[np.ndarray, tuple]:
        """Every callback's ``on_epoch_end`` in order."""
        new_states = []
        for callback, state in zip(self.callbacks, states, strict=True):
            lr, state = callback.on_epoch_end(epoch, lr, logs, state)
            new_states.append(state)
        return lr, tuple(new_states)


def lr_variable(optimizer: Any, runs: int) -> np.ndarray:
    """The optimizer's lr as an ``(R,)`` array (NaN for a native optimizer, whose lr optviz does not track)."""
    lr = getattr(optimizer, "lr", None)
    if lr is None:
        return np.full(runs, np.nan)
    return np.broadcast_to(np.asarray(lr, dtype=np.float64), (runs,)).copy()


def effective_lrs(optimizer: Any, lrs: np.ndarray) -> np.ndarray:
    """The lr each update used after the optimizer's own decay: ``lrs[k] / (1 + decay * k)``, ``(T, R)``.

    ``lrs`` is :attr:`optviz.runner.Trajectory.lrs`. Adam, Adamax and Nadam fold further factors into
    their step (bias correction, the momentum schedule); those are not included.
    """
    lrs = np.asarray(lrs, dtype=np.float64)
    decay = getattr(optimizer, "decay", 0.0) if getattr(optimizer, "has_decay", False) else 0.0
    if not np.any(decay):
        return lrs.copy()
    iterations = np.arange(lrs.shape[0], dtype=np.float64)[:, None]
    return lrs * (1.0 / (1.0 + np.asarray(decay) * iterations))


__all__ = [
    "Callback",
    "LearningRateScheduler",
    "LrCallbacks",
    "PlateauState",
    "ReduceLROnPlateau",
    "effective_lrs",
    "lr_variable",
]
