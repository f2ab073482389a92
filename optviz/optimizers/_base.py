"""What every Keras 2.2.4 optimizer shares: argument checks, the runs axis, clipping, lr decay.

An optimizer holds only its hyperparameters. ``init(params)`` builds a state record and
``update(params, grads, state)`` returns new params and a new state without touching its inputs.
``update_inplace`` is the same rule writing into buffers the caller owns (the runner uses it).
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, NamedTuple

import numpy as np

DEFAULT_EPSILON = 1e-7  # keras.backend.epsilon() in Keras 2.2.4

Params = list[np.ndarray]

_FLOAT64 = np.dtype(np.float64)
_ONES_CACHE: dict[int, np.ndarray] = {}
#: State classes laid out as (iterations, ..., clip_factor), which update_inplace rebuilds directly.
_COUNTED_STATES: dict[type, bool] = {}


def _read_only_ones(runs: int) -> np.ndarray:
    """A shared, read-only ``ones(runs)``: the clip factor when clipping is off."""
    ones = _ONES_CACHE.get(runs)
    if ones is None:
        ones = np.ones(runs)
        ones.flags.writeable = False
        _ONES_CACHE[runs] = ones
    return ones


class Bound(NamedTuple):
    """An allowed interval for a hyperparameter, written for error messages."""

    low: float
    high: float = math.inf
    low_open: bool = False
    high_open: bool = True

    def contains(self, values: np.ndarray) -> np.ndarray:
        above = values > self.low if self.low_open else values >= self.low
        below = values < self.high if self.high_open else values <= self.high
        return above & below

    def describe(self) -> str:
        if self.high == math.inf:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        return f"in {left}{self.low:g}, {self.high:g}{right}"


POSITIVE = Bound(0.0, low_open=True)
NON_NEGATIVE = Bound(0.0)
UNIT_INTERVAL = Bound(0.0, 1.0)  # [0, 1)
CLIP_THRESHOLD = Bound(0.0, math.inf, high_open=False)  # 0 = off, inf = never fires


def check_hyperparameter(name: str, value: Any, bound: Bound) -> float | np.ndarray:
    """Validate a scalar or per-run (1-D) hyperparameter; return a float or a read-only float64 array."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number or a 1-D array of numbers, got {value!r}")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number or a 1-D array of numbers, got {value!r}") from None
    if array.ndim > 1:
        raise ValueError(f"{name} must be a scalar or a 1-D array (one value per run), got shape {array.shape}")
    if array.ndim == 1 and array.size == 0:
        raise ValueError(f"{name} must not be an empty array")
    ok = bound.contains(array)  # NaN fails every comparison
    if not np.all(ok):
        if array.ndim == 0:
            raise ValueError(f"{name} must be {bound.describe()}, got {float(array):g}")
        run = int(np.flatnonzero(~ok)[0])
        raise ValueError(f"{name} must be {bound.describe()}, got {array[run]:g} at run {run}")
    if array.ndim == 0:
        return float(array)
    array = array.copy()
    array.flags.writeable = False
    return array


#: Up to this many runs a per-run value broadcasts (a view) rather than being repeated (a copy): see :func:`expand`.
_FEW_RUNS = 32


def expand(value: float | np.ndarray, shape: tuple[int, ...]) -> float | np.ndarray:
    """A scalar or per-run ``(R,)`` value made ready to combine with a tensor of ``shape (R, ...)``.

    Floats pass through. Per-run values become ``(R, 1, ..., 1)``, or a materialised ``(R, ...)`` copy
    when the trailing size is tiny and the runs many: NumPy arithmetic broadcasting over an inner axis
    of 2 (a 2-D point) is about 8x slower than on equal shapes, while for a few runs the copy costs more
    than it saves. Either way every element meets the same operands: the arithmetic is the same.
    """
    if isinstance(value, float):  # a float or a NumPy float64 scalar
        return value
    if type(value) is not np.ndarray or value.dtype != np.float64:
        value = np.asarray(value, dtype=np.float64)
    if value.ndim == 0:
        return float(value)
    if value.shape[0] == 1:  # one run: a 0-d array, which NumPy combines with a tensor ~3x faster than a (1, 1) one
        return value.reshape(())
    if len(shape) == 2 and value.shape[0] <= _FEW_RUNS:  # the runner's (R, D) points: a broadcasting view
        return value.reshape(-1, 1)
    trailing = math.prod(shape[1:])
    if 1 < trailing <= 16 and value.shape[0] > _FEW_RUNS:
        return np.repeat(value, trailing).reshape(shape)
    return value.reshape(value.shape + (1,) * (len(shape) - 1))


def _operand(value: float | np.ndarray, exact: bool) -> float | np.ndarray:
    """``value`` as :meth:`Optimizer._hypers_for` holds it: with ``exact``, a scalar becomes a 0-d float64 array."""
    return np.array(value, dtype=np.float64) if exact and isinstance(value, float) else value


_SCRATCH = threading.local()


def scratch(shape: tuple[int, ...], slot: int) -> np.ndarray:
    """A reusable work buffer of ``shape`` for this thread (``slot`` tells apart buffers used together).

    Update rules write their temporaries here instead of allocating new arrays every step: on this
    workload (memory-bound element-wise arithmetic) fresh allocations cost as much as the maths.
    """
    buffers = getattr(_SCRATCH, "buffers", None)
    if buffers is None:
        buffers = _SCRATCH.buffers = {}
    buffer = buffers.get((shape, slot))
    if buffer is None:
        if len(buffers) > 64:  # bound what a thread keeps when shapes keep changing
            buffers.clear()
        buffer = buffers[(shape, slot)] = np.empty(shape)
    return buffer


def clip_gradients(
    grads: Sequence[np.ndarray], clipnorm: float | np.ndarray | None, clipvalue: float | np.ndarray | None, runs: int
) -> tuple[list[np.ndarray], np.ndarray]:
    """Keras 2.2.4 clipping: one global norm per run over all tensors (``clipnorm``), then ``clipvalue``.

    Returns the clipped gradients (new arrays where clipping is on, the inputs otherwise) and the
    per-run clip factor ``|clipped| / |raw|`` (exactly ``clipnorm / norm`` when only clipnorm fires,
    1 where nothing fired).
    """
    grads = list(grads)
    if clipnorm is None and clipvalue is None:
        return grads, _read_only_ones(runs)
    raw_norm = global_norm(grads)
    factor = _read_only_ones(runs)  # replaced, never written, where clipping fires
    if clipnorm is not None:
        # Keras: if n >= c: g * c / n; c <= 0 is "off", n == 0 never fires.
        fire = raw_norm >= clipnorm
        if not (isinstance(clipnorm, float) and clipnorm > 0):  # a positive number: on everywhere, and n >= c > 0
            fire &= (raw_norm > 0) & (np.asarray(clipnorm) > 0)
        fired = np.count_nonzero(fire)  # a fraction of fire.any()'s cost on a few runs
        if fired == fire.size:  # where every run fires, the np.where below picks clipnorm / raw_norm everywhere
            factor = clipnorm / raw_norm
        elif fired:
            factor = np.where(fire, clipnorm / np.where(fire, raw_norm, 1.0), 1.0)
        if fired:
            grads = [g * expand(factor, g.shape) for g in grads]
    if clipvalue is not None:
        active = np.asarray(clipvalue) > 0
        if np.all(active):
            limit = clipvalue
        else:  # clipvalue 0 means "off" for that run
            limit = np.where(active, clipvalue, np.inf)
        limits = [expand(limit, g.shape) for g in grads]
        clipped = [np.clip(g, -lim, lim) for g, lim in zip(grads, limits, strict=True)]
        if any(c is not g and not np.array_equal(c, g) for c, g in zip(clipped, grads, strict=True)):
            final_norm = global_norm(clipped)
            factor = np.where(raw_norm > 0, final_norm / np.where(raw_norm > 0, raw_norm, 1.0), 1.0)
        grads = clipped
    return grads, factor


def global_norm(tensors: Sequence[np.ndarray]) -> np.ndarray:
    """Per-run L2 norm over all tensors: ``sqrt(sum_i sum(g_i**2))``, shape ``(R,)``."""
    total = None
    for tensor in tensors:
        flat = tensor.reshape(tensor.shape[0], -1)
        squares = np.einsum("ij,ij->i", flat, flat)
        total = squares if total is None else total + squares
    return np.sqrt(total)


def copy_state(state: NamedTuple) -> NamedTuple:
    """A copy of a state record whose arrays can be written without touching the original."""
    fields = {}
    for name, value in state._asdict().items():
        if isinstance(value, tuple):
            fields[name] = tuple(np.array(v, dtype=np.float64) for v in value)
        elif isinstance(value, np.ndarray) and name != "clip_factor":
            fields[name] = np.array(value, dtype=np.float64)
        else:
            fields[name] = value
    return type(state)(**fields)


class Optimizer:
    """Base class: holds hyperparameters, checks them, clips gradients, decays lr.

    Subclasses declare ``_bounds`` (Keras argument name -> allowed interval) and implement
    ``_init_slots`` and ``_apply`` (the update rule, writing into ``params`` and the state's arrays).
    """

    _bounds: ClassVar[dict[str, Bound]] = {}
    #: hyperparameters whose ``1 - value`` the update rule uses: :meth:`_hypers` holds it as ``one_minus_<name>``
    _complemented: ClassVar[tuple[str, ...]] = ()
    _config_keys: ClassVar[tuple[str, ...]] = ()
    has_decay: ClassVar[bool] = True
    _decaying = False  # set per instance by __init__ (a subclass that skips it decays and clips nothing)
    _clipping = False

    def __init__(self, clipnorm: Any = None, clipvalue: Any = None, **hyperparameters: Any) -> None:
        self._clip_config: dict[str, Any] = {}
        self._expanded: dict[tuple[tuple[int, ...], bool], dict[str, float | np.ndarray]] = {}
        self._checked_runs: int | None = None
        for name, value, bound in (("clipnorm", clipnorm, CLIP_THRESHOLD), ("clipvalue", clipvalue, CLIP_THRESHOLD)):
            if value is None:
                setattr(self, name, None)
                continue
            checked = check_hyperparameter(name, value, bound)
            self._clip_config[name] = checked
            # 0 means "off" (Keras 2.2.4); an all-zero array is off too.
            setattr(self, name, None if np.all(np.asarray(checked) == 0) else checked)
        for name, value in hyperparameters.items():
            if name == "epsilon" and value is None:
                value = DEFAULT_EPSILON
            bound = self._bounds.get(name)
            setattr(self, name, value if bound is None else check_hyperparameter(name, value, bound))
        self._check_lengths()
        #: hyperparameters never change after construction: whether lr decays and clipping is on, decided once
        self._decaying = self.has_decay and bool(np.any(np.asarray(getattr(self, "decay", 0.0)) != 0))
        self._clipping = self.clipnorm is not None or self.clipvalue is not None

    @property
    def clips(self) -> bool:
        """Whether clipping can fire (``clipnorm`` or ``clipvalue`` set, decided in ``__init__``): only then is a clip
        factor recorded."""
        return self._clipping

    # -- runs axis -------------------------------------------------------------------------
    def _per_run_arrays(self) -> dict[str, np.ndarray]:
        names = (*self._bounds, "clipnorm", "clipvalue")
        return {n: getattr(self, n) for n in names if isinstance(getattr(self, n, None), np.ndarray)}

    def _check_lengths(self, runs: int | None = None) -> None:
        arrays = self._per_run_arrays()
        lengths = {name: a.shape[0] for name, a in arrays.items()}
        if runs is not None:
            wrong = {n: length for n, length in lengths.items() if length != runs}
            if wrong:
                name, length = next(iter(wrong.items()))
                raise ValueError(
                    f"{name} has {length} values but the params have {runs} runs; give one value per run or a scalar"
                )
        elif len(set(lengths.values())) > 1:
            listed = ", ".join(f"{n}: {length}" for n, length in lengths.items())
            raise ValueError(f"per-run hyperparameters must all have the same length, got {listed}")

    @staticmethod
    def _runs_of(params: Sequence[np.ndarray]) -> int:
        if isinstance(params, np.ndarray) or not isinstance(params, Sequence) or len(params) == 0:
            raise TypeError("params must be a non-empty list of arrays, each with a leading runs axis")
        runs = {np.shape(p)[0] if np.ndim(p) else None for p in params}
        if None in runs or len(runs) != 1:
            raise ValueError(
                f"every params array needs the same leading runs axis, got shapes {[np.shape(p) for p in params]}"
            )
        return runs.pop()

    # -- public API ------------------------------------------------------------------------
    def init(self, params: Sequence[np.ndarray]) -> NamedTuple:
        """A fresh state for ``params`` (a list of arrays shaped ``(R, ...)``)."""
        runs = self._runs_of(params)
        self._check_lengths(runs)
        shapes = [np.shape(p) for p in params]
        return self._init_slots(shapes, runs)

    def adopt_state(self, state: NamedTuple) -> NamedTuple:
        """A state made by another optimizer of this class, fitted to this one's settings (unchanged here)."""
        return state

    def update(
        self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], state: NamedTuple
    ) -> tuple[Params, NamedTuple]:
        """One step: returns ``(new_params, new_state)``; the inputs are left untouched."""
        new_params = [np.array(p, dtype=np.float64) for p in params]
        return new_params, self.update_inplace(new_params, grads, copy_state(state))

    def update_inplace(self, params: Params, grads: Sequence[np.ndarray], state: NamedTuple) -> NamedTuple:
        """One step writing into ``params`` and the arrays of ``state`` (buffers the caller owns).

        ``grads`` are never written. Returns the state record for the next step.
        """
        first = params[0] if type(params) is list and len(params) == 1 else None
        if type(first) is np.ndarray and first.ndim:  # the runner's case (one (R, D) array), checked cheaply
            runs = first.shape[0]
        else:
            runs = self._runs_of(params)
        if len(grads) != len(params):
            raise ValueError(f"got {len(grads)} gradient arrays for {len(params)} params arrays")
        if runs != self._checked_runs:
            self._check_lengths(runs)
            self._checked_runs = runs
        return self._update_checked(params, grads, state, runs)

    def _update_checked(self, params: Params, grads: Sequence[np.ndarray], state: NamedTuple, runs: int) -> NamedTuple:
        """:meth:`update_inplace` once its arguments are known to fit (``runs`` runs): a :class:`Stacked`
        optimizer steps its parts through here, their slices checked when it was built, not every step."""
        if self._clipping:
            grads, clip_factor = clip_gradients(grads, self.clipnorm, self.clipvalue, runs)
        else:  # what clip_gradients returns without clipping, without its calls
            clip_factor = _read_only_ones(runs)
        state = self._apply(params, grads, state)
        kind = type(state)
        if kind not in _COUNTED_STATES:  # once per state class: is it (iterations, ..., clip_factor)?
            _COUNTED_STATES[kind] = kind._fields[0] == "iterations" and kind._fields[-1] == "clip_factor"
        if _COUNTED_STATES[kind]:  # what _replace makes, without its keyword plumbing
            return tuple.__new__(kind, (state.iterations + 1, *state[1:-1], clip_factor))
        return state._replace(iterations=state.iterations + 1, clip_factor=clip_factor)

    def decayed_lr(self, iterations: int, shape: tuple[int, ...] | None = None) -> float | np.ndarray:
        """Keras' inverse-time decay with the pre-step counter: ``lr * (1 / (1 + decay * iterations))``.

        Per run ``(R,)``; with ``shape``, ready to combine with a tensor of that shape.
        """
        lr = self.lr if shape is None else self._hypers_for(shape, False)["lr"]
        if iterations == 0 or not self._decaying:
            return lr
        factor = 1.0 / (1.0 + self.decay * iterations)
        return lr * (factor if shape is None else expand(factor, shape))

    def _step_lr(
        self, iterations: int, shape: tuple[int, ...], hyper: dict[str, float | np.ndarray]
    ) -> float | np.ndarray:
        """The lr an update rule multiplies by for a tensor of ``shape``: :meth:`decayed_lr` while decay applies,
        else the lr as ``hyper`` (the rule's :meth:`_hypers`) holds it, in the form of its other hyperparameters."""
        return self.decayed_lr(iterations, shape) if self._decaying else hyper["lr"]

    def with_lr(self, lr: Any) -> Optimizer:
        """A copy whose lr variable is ``lr`` (scalar or ``(R,)``, finite, >= 0); ``self`` is unchanged.

        How lr callbacks change the lr between steps (Keras' ``K.set_value(optimizer.lr, ...)``); the
        state does not depend on the optimizer object, so the next update can use the copy. ``decay``
        still applies on top: ``lr / (1 + decay * iterations)``.
        """
        if not hasattr(self, "lr"):
            raise ValueError(f"{type(self).__name__} has no lr variable that callbacks could set")
        clone = copy.copy(self)
        clone.lr = check_hyperparameter("lr", lr, NON_NEGATIVE)  # Keras allows set_value(lr, 0.0)
        clone._expanded = {
            key: {**hypers, "lr": _operand(expand(clone.lr, key[0]), key[1])} for key, hypers in self._expanded.items()
        }
        clone._checked_runs = None
        return clone

    def _hypers(self, grad: np.ndarray) -> dict[str, float | np.ndarray]:
        """Every hyperparameter of ``_bounds`` (and ``one_minus_<name>`` for ``_complemented``) expanded for a tensor
        like ``grad``, by name: an update rule takes this dict once per tensor (a lookup per name and step costs a
        call each). Scalars are 0-d float64 arrays for a float64 ``grad``, Python floats otherwise (see
        :meth:`_hypers_for`)."""
        if type(grad) is not np.ndarray:  # a nested list or an array subclass: the Python floats, as before
            return self._hypers_for(np.shape(grad), False)
        key = (grad.shape, grad.dtype is _FLOAT64)
        hypers = self._expanded.get(key)
        return self._hypers_for(*key) if hypers is None else hypers

    def _hypers_for(self, shape: tuple[int, ...], exact: bool) -> dict[str, float | np.ndarray]:
        """:meth:`_hypers` for a tensor of ``shape``, cached (hyperparameters never change). With ``exact`` (a float64
        gradient) a scalar is a 0-d float64 array: NumPy combines one with a small float64 array about twice as fast
        as a Python float, with the same bits (the same double; the state's arrays are float64 too, as init, copy_state
        and adopt_state make them). Other dtypes get Python floats, whose weak typing keeps, e.g., float32 arithmetic
        in float32 as it was."""
        hypers = self._expanded.get((shape, exact))
        if hypers is None:
            hypers = {name: expand(getattr(self, name), shape) for name in self._bounds}
            hypers.update({f"one_minus_{name}": 1.0 - hypers[name] for name in self._complemented})
            hypers = self._expanded[(shape, exact)] = {name: _operand(v, exact) for name, v in hypers.items()}
        return hypers

    def get_config(self) -> dict[str, Any]:
        """Keras 2.2.4 config keys (epsilon resolved); per-run arrays become lists."""
        config = {key: getattr(self, key) for key in self._config_keys}
        config.update(self._clip_config)
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in config.items()}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    # -- subclass hooks ----------------------------------------------------------------------
    def _init_slots(self, shapes: list[tuple[int, ...]], runs: int) -> NamedTuple:
        raise NotImplementedError

    def _apply(self, params: Params, grads: list[np.ndarray], state: NamedTuple) -> NamedTuple:
        raise NotImplementedError


def zeros_like_shapes(shapes: list[tuple[int, ...]]) -> tuple[np.ndarray, ...]:
    return tuple(np.zeros(shape) for shape in shapes)
