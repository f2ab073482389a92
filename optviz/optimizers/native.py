"""Native framework optimizers on optviz problems: Keras 2.2.4's ``TFOptimizer`` idea, plus torch.optim.

The gradients still come from optviz (analytic surfaces, the NumPy network), so what differs between a
native lane and a Keras-2.2.4 lane is the framework's optimizer: its update rule, and its own argument names
and defaults (a native lane takes those, see ``optviz.native_lanes.native_arguments``). Both frameworks are
optional imports: nothing here imports TensorFlow or PyTorch until a wrapper is used.

Native state lives in the framework's own slot variables, so a native state is a *handle*: ``update``
advances it (unlike the pure Keras-2.2.4 optimizers, an old state cannot be replayed).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._base import Optimizer, Params, _read_only_ones


class NativeState(NamedTuple):
    """``tensors``: the framework variables holding the params; ``native``: the framework optimizer."""

    iterations: int
    tensors: tuple[Any, ...]
    native: Any
    clip_factor: np.ndarray


class _NativeOptimizer(Optimizer):
    """Shared plumbing: copy params in, hand gradients to the framework, copy params out."""

    clipnorm = None
    clipvalue = None
    iterations_per_step = 1

    def __init__(self) -> None:  # no hyperparameters of ours, no clipping (as Keras' TFOptimizer)
        self._expanded = {}
        self._checked_runs = None

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} cannot be serialized (as in Keras 2.2.4)")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        raise NotImplementedError(f"{cls.__name__} cannot be deserialized (as in Keras 2.2.4)")

    @property
    def weights(self):
        raise NotImplementedError(f"{type(self).__name__} has no Keras weights (as in Keras 2.2.4)")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.describe()})"

    def describe(self) -> str:
        raise NotImplementedError

    def init(self, params: Sequence[np.ndarray]) -> NativeState:
        runs = self._runs_of(params)
        tensors, native = self._create(params)
        return NativeState(0, tuple(tensors), native, _read_only_ones(runs))

    def update(self, params, grads, state):
        new_params = [np.array(p, dtype=np.float64) for p in params]
        return new_params, self.update_inplace(new_params, grads, state)

    def update_inplace(self, params: Params, grads: Sequence[np.ndarray], state: NativeState) -> NativeState:
        runs = self._runs_of(params)
        if len(grads) != len(params):
            raise ValueError(f"got {len(grads)} gradient arrays for {len(params)} params arrays")
        self._step(params, [np.asarray(g, dtype=np.float64) for g in grads], state)
        return state._replace(iterations=state.iterations + self.iterations_per_step, clip_factor=_read_only_ones(runs))

    def _create(self, params):
        raise NotImplementedError

    def _step(self, params, grads, state):
        raise NotImplementedError


def is_tensorflow_optimizer(candidate: Any) -> bool:
    """True for TensorFlow / tf_keras optimizer instances (checked by class module, without importing TF)."""
    modules = [cls.__module__ for cls in type(candidate).__mro__]
    framework = any(m.startswith(("tensorflow.", "tf_keras.", "keras.")) for m in modules)
    return framework and hasattr(candidate, "apply_gradients")


class TFOptimizer(_NativeOptimizer):
    """Run a native TensorFlow optimizer (tf_keras / tf.keras / tf.compat.v1.train) on optviz problems.

    As Keras 2.2.4's ``TFOptimizer(optimizer)``: one positional argument, no clipping arguments, no
    config (``get_config``/``serialize`` raise ``NotImplementedError``), and ``iterations`` advancing by 2
    per step (Keras 2.2.x incremented it once itself and once through ``apply_gradients``). Each ``init``
    starts from a fresh copy of the wrapped optimizer, so runs never share slots or step counters.
    """

    iterations_per_step = 2

    def __init__(self, optimizer: Any) -> None:
        super().__init__()
        if not is_tensorflow_optimizer(optimizer):
            raise TypeError(f"TFOptimizer wraps a TensorFlow optimizer instance, got {type(optimizer).__name__}")
        for attribute in ("clipnorm", "global_clipnorm"):
            if getattr(optimizer, attribute, None):
                raise ValueError(
                    f"the wrapped optimizer has {attribute}={getattr(optimizer, attribute)}: TensorFlow takes "
                    "that norm over the whole tensor, runs axis included, which would mix independent runs"
                )
        self.optimizer = optimizer

    def describe(self) -> str:
        return f"{type(self.optimizer).__module__}.{type(self.optimizer).__name__}"

    def _fresh_native(self):
        native = self.optimizer
        if hasattr(native, "get_config") and hasattr(type(native), "from_config"):
            return type(native).from_config(native.get_config())
        return copy.deepcopy(native)

    def _create(self, params):
        import tensorflow as tf

        tensors = [tf.Variable(np.array(p, dtype=np.float64)) for p in params]
        return tensors, self._fresh_native()

    def _step(self, params, grads, state):
        import tensorflow as tf

        for tensor, p in zip(state.tensors, params, strict=True):
            tensor.assign(p)
        state.native.apply_gradients([(tf.constant(g), t) for g, t in zip(grads, state.tensors, strict=True)])
        for tensor, p in zip(state.tensors, params, strict=True):
            p[...] = tensor.numpy()


class TorchOptimizer(_NativeOptimizer):
    """Run a ``torch.optim`` optimizer class (SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax, NAdam, ...).

    ``TorchOptimizer(torch.optim.Adam, lr=0.01, amsgrad=True)``: keyword arguments are torch's own
    names and defaults. Hyperparameters are scalars (one value for all runs); no clipping arguments.
    """

    def __init__(self, optimizer_class: type, **kwargs: Any) -> None:
        super().__init__()
        module = getattr(optimizer_class, "__module__", "")
        if not (isinstance(optimizer_class, type) and module.startswith("torch.optim")):
            raise TypeError(f"TorchOptimizer takes a torch.optim optimizer class, got {optimizer_class!r}")
        for name, value in kwargs.items():
            if isinstance(value, (list, np.ndarray)):
                raise ValueError(f"{name} must be one value for all runs in a torch.optim lane, got {value!r}")
        self.optimizer_class = optimizer_class
        self.kwargs = dict(kwargs)
        self._validate()

    def _validate(self) -> None:
        import torch

        self.optimizer_class([torch.zeros(1, dtype=torch.float64, requires_grad=True)], **self.kwargs)

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"torch.optim.{self.optimizer_class.__name__}({args})"

    def _create(self, params):
        import torch

        tensors = [torch.tensor(np.array(p, dtype=np.float64), requires_grad=True) for p in params]
        return tensors, self.optimizer_class(tensors, **self.kwargs)

    def _step(self, params, grads, state):
        import torch

        with torch.no_grad():
            for tensor, p, g in zip(state.tensors, params, grads, strict=True):
                tensor.copy_(torch.from_numpy(p))
                tensor.grad = torch.from_numpy(np.array(g, dtype=np.float64))
        state.native.step()
        with torch.no_grad():
            for tensor, p in zip(state.tensors, params, strict=True):
                p[...] = tensor.detach().numpy()
