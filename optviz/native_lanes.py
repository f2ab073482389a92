"""The frameworks optviz knows (one registry), and native lanes: each framework's own arguments and defaults.

A native lane (``torch.adam:lr=0.01``, ``tf.adam:learning_rate=0.01``) speaks its framework:
:func:`native_arguments` gives, per framework and optimizer, the framework's own argument names with the
framework's own defaults (read from the installed class with ``inspect.signature``), restricted to the numbers
and booleans a page can offer as widgets (:data:`NATIVE_ARGUMENTS`, with their ranges); :func:`build_native`
and :func:`native_code` construct the framework optimizer and its code from them.

TensorFlow and PyTorch are optional and imported only when used (never at module import).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .arguments import ARGUMENT_RANGES, ArgumentRange
from .optimizers import OPTIMIZERS, Optimizer, TFOptimizer, TorchOptimizer

INSTALL_HINT = "pip install -r requirements-frameworks.txt"


@dataclass(frozen=True)
class Framework:
    """One way to run an optimizer: optviz's Keras 2.2.4 rules, or a framework's own optimizer classes."""

    key: str  # "torch"
    name: str  # short display name, "torch.optim"
    title: str  # longer label naming the namespace
    namespace: str  # where its optimizer classes live, "torch.optim"
    modules: tuple[str, ...] = ()  # what must be importable to run it
    lane_prefix: str | None = None  # URL prefix of its native lanes (``torch.adam``); None: no native lanes
    renamed: dict[str, str] = field(default_factory=dict)  # class names that differ from Keras'

    def class_name(self, optimizer: str) -> str:
        """The framework's class name for Keras' lowercase ``optimizer`` (``NAdam`` in torch, ``Nadam`` else)."""
        return self.renamed.get(optimizer, OPTIMIZERS[optimizer].__name__)


#: Every framework by key, in the order pages list them.
FRAMEWORKS: dict[str, Framework] = {
    f.key: f
    for f in (
        Framework("keras224", "Keras 2.2.4", "Keras 2.2.4 rules (optviz)", "keras.optimizers"),
        Framework("torch", "torch.optim", "torch.optim", "torch.optim", ("torch",), "torch", {"nadam": "NAdam"}),
        Framework(
            "tf_keras",
            "tf.keras",
            "tf.keras (tf_keras.optimizers)",
            "tf_keras.optimizers",
            ("tensorflow", "tf_keras"),
            "tf",
        ),
        Framework(
            "tf_keras_legacy",
            "tf.keras legacy",
            "tf.keras legacy (tf_keras.optimizers.legacy)",
            "tf_keras.optimizers.legacy",
            ("tensorflow", "tf_keras"),
        ),
    )
}
#: The frameworks whose own optimizers the comparison runs (all but optviz's Keras 2.2.4 rules).
NATIVE = tuple(key for key in FRAMEWORKS if key != "keras224")
#: URL prefixes of native lanes -> framework keys (``torch.adam:lr=0.01``, ``tf.adam:...``).
LANE_PREFIXES = {f.lane_prefix: f.key for f in FRAMEWORKS.values() if f.lane_prefix}
#: The frameworks a native lane can name.
LANE_FRAMEWORKS = tuple(LANE_PREFIXES.values())


def framework_installed(framework: str) -> bool:
    """Whether a framework's modules are installed (looked up without importing them)."""
    return all(importlib.util.find_spec(module) is not None for module in FRAMEWORKS[framework].modules)


def native_class(framework: str, optimizer: str) -> type:
    """The framework's optimizer class (``torch.optim.NAdam``, ``tf_keras.optimizers.Nadam``); imports it."""
    if framework not in NATIVE:
        raise ValueError(f"unknown native framework {framework!r}; choose one of {', '.join(NATIVE)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    root, *path = FRAMEWORKS[framework].namespace.split(".")
    namespace = importlib.import_module(root)
    for attribute in path:
        namespace = getattr(namespace, attribute)
    return getattr(namespace, FRAMEWORKS[framework].class_name(optimizer))


_WEIGHT_DECAY = ArgumentRange(0.0, 0.1)
_FRACTION = ArgumentRange(0.0, 0.999)
#: Which of each framework optimizer's arguments a native lane offers, with the widget range of each (None for a
#: boolean). Numbers and booleans only; left out on purpose: torch's ``maximize``/``foreach``/``capturable``/
#: ``differentiable``/``fused``/``decoupled_weight_decay`` and tf.keras' ``clipnorm``/``clipvalue``/
#: ``global_clipnorm``/``use_ema``/``jit_compile``/``name`` (implementation switches, or clipping, which native
#: lanes do not take, as Keras' TFOptimizer). torch's ``betas`` tuple is offered as two scalars ``beta1`` and
#: ``beta2``, joined into ``betas=(beta1, beta2)`` when the optimizer is built.
NATIVE_ARGUMENTS: dict[str, dict[str, dict[str, ArgumentRange | None]]] = {
    "torch": {
        "sgd": {
            "lr": ARGUMENT_RANGES["lr"],
            "momentum": ARGUMENT_RANGES["momentum"],
            "dampening": _FRACTION,
            "weight_decay": _WEIGHT_DECAY,
            "nesterov": None,
        },
        "rmsprop": {
            "lr": ARGUMENT_RANGES["lr"],
            "alpha": ARGUMENT_RANGES["rho"],
            "eps": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
            "momentum": ARGUMENT_RANGES["momentum"],
            "centered": None,
        },
        "adagrad": {
            "lr": ARGUMENT_RANGES["lr"],
            "lr_decay": ARGUMENT_RANGES["decay"],
            "weight_decay": _WEIGHT_DECAY,
            "initial_accumulator_value": ArgumentRange(0.0, 1.0),
            "eps": ARGUMENT_RANGES["epsilon"],
        },
        "adadelta": {
            "lr": ARGUMENT_RANGES["lr"],
            "rho": ARGUMENT_RANGES["rho"],
            "eps": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
        "adam": {
            "lr": ARGUMENT_RANGES["lr"],
            "beta1": ARGUMENT_RANGES["beta_1"],
            "beta2": ARGUMENT_RANGES["beta_2"],
            "eps": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
            "amsgrad": None,
        },
        "adamax": {
            "lr": ARGUMENT_RANGES["lr"],
            "beta1": ARGUMENT_RANGES["beta_1"],
            "beta2": ARGUMENT_RANGES["beta_2"],
            "eps": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
        "nadam": {
            "lr": ARGUMENT_RANGES["lr"],
            "beta1": ARGUMENT_RANGES["beta_1"],
            "beta2": ARGUMENT_RANGES["beta_2"],
            "eps": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
            "momentum_decay": ARGUMENT_RANGES["schedule_decay"],
        },
    },
    "tf_keras": {
        "sgd": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "momentum": ARGUMENT_RANGES["momentum"],
            "nesterov": None,
            "weight_decay": _WEIGHT_DECAY,
        },
        "rmsprop": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "rho": ARGUMENT_RANGES["rho"],
            "momentum": ARGUMENT_RANGES["momentum"],
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "centered": None,
            "weight_decay": _WEIGHT_DECAY,
        },
        "adagrad": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "initial_accumulator_value": ArgumentRange(0.0, 1.0),
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
        "adadelta": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "rho": ARGUMENT_RANGES["rho"],
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
        "adam": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "beta_1": ARGUMENT_RANGES["beta_1"],
            "beta_2": ARGUMENT_RANGES["beta_2"],
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "amsgrad": None,
            "weight_decay": _WEIGHT_DECAY,
        },
        "adamax": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "beta_1": ARGUMENT_RANGES["beta_1"],
            "beta_2": ARGUMENT_RANGES["beta_2"],
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
        "nadam": {
            "learning_rate": ARGUMENT_RANGES["lr"],
            "beta_1": ARGUMENT_RANGES["beta_1"],
            "beta_2": ARGUMENT_RANGES["beta_2"],
            "epsilon": ARGUMENT_RANGES["epsilon"],
            "weight_decay": _WEIGHT_DECAY,
        },
    },
}

#: Used where the installed framework's signature gives no default: torch SGD's ``lr`` is required in some torch
#: versions (0.001, its default in the versions that have one); tf.keras' ``weight_decay=None`` means off (0.0).
_FALLBACK_DEFAULTS = {("torch", "sgd", "lr"): 0.001, ("tf_keras", "*", "weight_decay"): 0.0}


@functools.cache
def _native_defaults(framework: str, optimizer: str) -> tuple[tuple[str, Any], ...]:
    parameters = inspect.signature(native_class(framework, optimizer)).parameters
    defaults = []
    for name, bounds in NATIVE_ARGUMENTS[framework][optimizer].items():
        source = "betas" if name in ("beta1", "beta2") else name
        parameter = parameters.get(source)
        if parameter is None:
            continue  # not offered by this version of the framework
        default = parameter.default
        if source == "betas" and isinstance(default, tuple):
            default = default[0 if name == "beta1" else 1]
        if default is inspect.Parameter.empty or default is None:
            fallback = _FALLBACK_DEFAULTS.get((framework, "*", name))
            default = _FALLBACK_DEFAULTS.get((framework, optimizer, name), fallback)
            if default is None:
                continue
        defaults.append((name, bool(default) if bounds is None else float(default)))
    return tuple(defaults)


def native_arguments(framework: str, optimizer: str) -> dict[str, Any]:
    """The arguments a native lane of ``framework`` (``"torch"`` / ``"tf_keras"``) and ``optimizer`` (Keras'
    lowercase name) takes, with the installed framework's defaults, in the framework's order."""
    if framework not in NATIVE_ARGUMENTS:
        raise ValueError(f"unknown native framework {framework!r}; choose one of {', '.join(LANE_FRAMEWORKS)}")
    if optimizer not in NATIVE_ARGUMENTS[framework]:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(NATIVE_ARGUMENTS[framework])}")
    try:
        return dict(_native_defaults(framework, optimizer))
    except ImportError as error:  # an optional framework missing: a lane that names it is refused, not a crash
        raise ValueError(f"{FRAMEWORKS[framework].title} is not installed here ({error}); `{INSTALL_HINT}`") from None


def native_range(framework: str, optimizer: str, argument: str) -> ArgumentRange | None:
    """The widget range of a native argument; None for a boolean."""
    return NATIVE_ARGUMENTS[framework][optimizer][argument]


def check_native(framework: str, optimizer: str, config: dict[str, Any]) -> None:
    """Raise ``ValueError`` for an unknown argument or a value outside its range (or one the framework refuses)."""
    defaults = native_arguments(framework, optimizer)
    title = f"{FRAMEWORKS[framework].name} {FRAMEWORKS[framework].class_name(optimizer)}"
    for key, value in config.items():
        if key not in defaults:
            raise ValueError(f"{title} has no argument {key!r}; it takes {', '.join(defaults)}")
        bounds = native_range(framework, optimizer, key)
        if bounds is None:
            if not isinstance(value, bool | int | np.integer) or value not in (0, 1):
                raise ValueError(f"{key} must be a boolean, got {value!r}")
            continue
        number = float(value)
        if not math.isfinite(number) or not bounds.low <= number <= bounds.high:
            raise ValueError(f"{key} must be in [{bounds.low:g}, {bounds.high:g}], got {value!r}")
    arguments = {**defaults, **config}
    nesterov = framework == "torch" and optimizer == "sgd" and arguments["nesterov"]
    if nesterov and (arguments["momentum"] <= 0 or arguments.get("dampening", 0.0) != 0):
        raise ValueError("torch.optim SGD's nesterov needs momentum > 0 and dampening = 0")


def _native_kwargs(framework: str, optimizer: str, config: dict[str, Any]) -> dict[str, Any]:
    """Framework keyword arguments in the framework's order; torch's ``beta1``/``beta2`` become ``betas``."""
    kwargs: dict[str, Any] = {}
    for key, value in config.items():
        if key in ("beta1", "beta2"):
            if "betas" not in kwargs:
                defaults = native_arguments(framework, optimizer)
                kwargs["betas"] = (config.get("beta1", defaults["beta1"]), config.get("beta2", defaults["beta2"]))
            continue
        kwargs[key] = value
    return kwargs


def build_native(framework: str, optimizer: str, config: dict[str, Any]) -> Optimizer:
    """The framework's optimizer built from native arguments (only those differing from its defaults need be
    given), wrapped to run on optviz problems."""
    cls = native_class(framework, optimizer)
    kwargs = _native_kwargs(framework, optimizer, config)
    if framework == "torch":
        return TorchOptimizer(cls, **kwargs)
    return TFOptimizer(cls(**kwargs))


def native_code(framework: str, optimizer: str, config: dict[str, Any]) -> str:
    """``torch.optim.Adam(params, lr=0.01, betas=(0.9, 0.99))`` or ``tf_keras.optimizers.Adam(learning_rate=0.01)``."""

    def show(value: Any) -> str:
        if isinstance(value, tuple):
            return "(" + ", ".join(show(v) for v in value) + ")"
        return repr(value) if isinstance(value, bool) else f"{value:.6g}"

    parts = [f"{k}={show(v)}" for k, v in _native_kwargs(framework, optimizer, config).items()]
    if framework == "torch":
        parts.insert(0, "params")  # torch optimizers take the parameters first
    return f"{FRAMEWORKS[framework].namespace}.{FRAMEWORKS[framework].class_name(optimizer)}({', '.join(parts)})"

