"""The Keras 2.2.4 optimizers in NumPy, with a leading runs axis on every array.

>>> from optviz import optimizers
>>> opt = optimizers.Adam(lr=0.01, amsgrad=True, clipnorm=1.0)
>>> state = opt.init(params)                          # params: list of (R, ...) float arrays
>>> params, state = opt.update(params, grads, state)  # pure: new arrays, new state

Every continuous hyperparameter may be a scalar or one value per run (a 1-D array of length R).
``get``, ``serialize`` and ``deserialize`` follow Keras 2.2.4 (case-insensitive built-in names).
``TFOptimizer`` and ``TorchOptimizer`` run a native framework optimizer on the same problems; ``Stacked`` runs
several optimizers side by side on one runs axis (one step loop for lanes of different classes).
"""

from __future__ import annotations

from typing import Any

from ._base import DEFAULT_EPSILON, Optimizer, clip_gradients, global_norm
from .adadelta import Adadelta, AdadeltaState
from .adagrad import Adagrad, AdagradState
from .adam import Adam, AdamState
from .adamax import Adamax, AdamaxState
from .nadam import Nadam, NadamState
from .native import NativeState, TFOptimizer, TorchOptimizer, is_tensorflow_optimizer
from .rmsprop import RMSprop, RMSpropState
from .sgd import SGD, SGDState
from .stacked import Stacked, StackedState

__all__ = [
    "DEFAULT_EPSILON",
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "AdadeltaState",
    "Adagrad",
    "AdagradState",
    "Adam",
    "AdamState",
    "Adamax",
    "AdamaxState",
    "Nadam",
    "NadamState",
    "NativeState",
    "Optimizer",
    "RMSprop",
    "RMSpropState",
    "SGDState",
    "Stacked",
    "StackedState",
    "TFOptimizer",
    "TorchOptimizer",
    "clip_gradients",
    "deserialize",
    "get",
    "global_norm",
    "serialize",
]

#: Keras' lowercase names -> classes, in the order Keras lists them.
OPTIMIZERS: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adadelta": Adadelta,
    "adam": Adam,
    "adamax": Adamax,
    "nadam": Nadam,
}


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": "Adam", "config": {...}}``, as ``keras.optimizers.serialize``."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def _lookup(name: str) -> type[Optimizer]:
    cls = OPTIMIZERS.get(str(name).lower())
    if cls is None:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
    return cls


def deserialize(config: dict[str, Any]) -> Optimizer:
    """An optimizer from ``{"class_name": ..., "config": {...}}``; the name is case-insensitive."""
    if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
        raise ValueError(f"improper config format: {config!r}; expected {{'class_name': ..., 'config': {{...}}}}")
    return _lookup(config["class_name"]).from_config(dict(config["config"]))


def get(identifier: Any) -> Optimizer:
    """A name (Keras defaults), a serialized dict, an optimizer (returned as is), or a TensorFlow
    optimizer instance (wrapped in ``TFOptimizer``, as Keras 2.2.4 does)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if is_tensorflow_optimizer(identifier):
        return TFOptimizer(identifier)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _lookup(identifier)()
    raise ValueError(f"could not interpret optimizer identifier: {identifier!r}")
