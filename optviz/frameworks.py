"""Native optimizers (torch.optim, tf.keras) on optviz problems, and the same setting run three ways.

Two separate paths:

- **Native lanes** (``torch.adam:lr=0.01``, ``tf.adam:learning_rate=0.01``) speak their framework:
  :func:`native_arguments` gives, per framework and optimizer, the framework's own argument names with the
  framework's own defaults (read from the installed class with ``inspect.signature``), restricted to the
  numbers and booleans a page can offer as widgets (:data:`NATIVE_ARGUMENTS`, with their ranges);
  :func:`build_native` and :func:`native_code` construct the framework optimizer and its code from them.
- **The framework comparison**: ``native_optimizer(lane, framework)`` translates a *Keras-2.2.4* lane into the
  framework's own optimizer (its argument names, and either Keras 2.2.4's values or the framework's own
  defaults for what the lane leaves unset), wrapped so it runs on optviz problems. ``DIFFERENCES`` lists the
  documented differences, each with a setting where it shows.

TensorFlow and PyTorch are optional and imported only when used (never at module import).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .lanes import ARGUMENT_RANGES, ArgumentRange, Lane, keras_arguments
from .optimizers import Optimizer, TFOptimizer, TorchOptimizer
from .runner import run

FRAMEWORKS = {
    "keras224": "Keras 2.2.4 rules (optviz)",
    "tf_keras": "tf.keras (tf_keras.optimizers)",
    "tf_keras_legacy": "tf.keras legacy (tf_keras.optimizers.legacy)",
    "torch": "torch.optim",
}
NATIVE = ("tf_keras", "tf_keras_legacy", "torch")
INSTALL_HINT = "pip install -r requirements-frameworks.txt"


def framework_available(framework: str) -> tuple[bool, str]:
    """Whether a framework can be imported here, and a sentence to show when it cannot."""
    modules = {
        "keras224": (),
        "tf_keras": ("tensorflow", "tf_keras"),
        "tf_keras_legacy": ("tensorflow", "tf_keras"),
        "torch": ("torch",),
    }[framework]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    for module in modules:
        try:
            importlib.import_module(module)
        except Exception as error:  # ImportError, or a broken install
            return False, (
                f"{FRAMEWORKS[framework]} is not available here ({module}: {error}). "
                f"It is optional; install it with `{INSTALL_HINT}`."
            )
    return True, ""


# ---------------------------------------------------------------------------------------------------------------
# Native lanes: each framework's own arguments and defaults.

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

_TF_CLASS = {
    "sgd": "SGD",
    "rmsprop": "RMSprop",
    "adagrad": "Adagrad",
    "adadelta": "Adadelta",
    "adam": "Adam",
    "adamax": "Adamax",
    "nadam": "Nadam",
}
_TORCH_CLASS = {**_TF_CLASS, "nadam": "NAdam"}


def native_class(framework: str, optimizer: str) -> type:
    """The framework's optimizer class (``torch.optim.NAdam``, ``tf_keras.optimizers.Nadam``); imports it."""
    if framework == "torch":
        import torch

        return getattr(torch.optim, _TORCH_CLASS[optimizer])
    if framework == "tf_keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import tf_keras

        return getattr(tf_keras.optimizers, _TF_CLASS[optimizer])
    raise ValueError(f"unknown native framework {framework!r}; choose torch or tf_keras")


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
        raise ValueError(f"unknown native framework {framework!r}; choose torch or tf_keras")
    if optimizer not in NATIVE_ARGUMENTS[framework]:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of {', '.join(NATIVE_ARGUMENTS[framework])}")
    try:
        return dict(_native_defaults(framework, optimizer))
    except ImportError as error:  # an optional framework missing: a lane that names it is refused, not a crash
        raise ValueError(f"{FRAMEWORKS[framework]} is not installed here ({error}); `{INSTALL_HINT}`") from None


def native_range(framework: str, optimizer: str, argument: str) -> ArgumentRange | None:
    """The widget range of a native argument; None for a boolean."""
    return NATIVE_ARGUMENTS[framework][optimizer][argument]


def check_native(framework: str, optimizer: str, config: dict[str, Any]) -> None:
    """Raise ``ValueError`` for an unknown argument or a value outside its range (or one the framework refuses)."""
    defaults = native_arguments(framework, optimizer)
    title = f"torch.optim {_TORCH_CLASS[optimizer]}" if framework == "torch" else f"tf.keras {_TF_CLASS[optimizer]}"
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
        return f"torch.optim.{_TORCH_CLASS[optimizer]}({', '.join(['params', *parts])})"
    return f"tf_keras.optimizers.{_TF_CLASS[optimizer]}({', '.join(parts)})"


# ---------------------------------------------------------------------------------------------------------------
# The framework comparison: a Keras 2.2.4 lane translated into each framework.


@dataclass(frozen=True)
class Translation:
    """A native optimizer for a lane, and what of the lane it could not carry over."""

    optimizer: Optimizer
    code: str
    dropped: tuple[str, ...]


# Keras argument -> (tf.keras name, torch name); None where the framework has no such argument.
_NAMES = {
    "lr": ("learning_rate", "lr"),
    "momentum": ("momentum", "momentum"),
    "nesterov": ("nesterov", "nesterov"),
    "rho": ("rho", None),
    "epsilon": ("epsilon", "eps"),
    "beta_1": ("beta_1", None),
    "beta_2": ("beta_2", None),
    "amsgrad": ("amsgrad", "amsgrad"),
    "decay": (None, None),
    "schedule_decay": (None, "momentum_decay"),
}


def native_optimizer(lane: Lane, framework: str, framework_defaults: bool = False) -> Translation:
    """The framework's optimizer for ``lane``.

    Args:
        lane: a Keras 2.2.4 lane.
        framework: ``"tf_keras"``, ``"tf_keras_legacy"`` or ``"torch"``.
        framework_defaults: use the framework's own defaults for arguments the lane leaves at the Keras
            default (shows e.g. the different default learning rates); else pass Keras 2.2.4's values.
    """
    if framework not in NATIVE:
        raise ValueError(f"unknown framework {framework!r}; choose one of {', '.join(NATIVE)}")
    chosen = dict(lane.config) if framework_defaults else {**keras_arguments(lane.optimizer), **dict(lane.config)}
    dropped = []
    for key in ("clipnorm", "clipvalue"):
        if chosen.pop(key, None) is not None:
            dropped.append(f"{key} (native lanes take no clipping arguments, as Keras' TFOptimizer)")
    if framework == "torch":
        return _torch(lane.optimizer, chosen, dropped)
    return _tensorflow(lane.optimizer, chosen, dropped, legacy=framework == "tf_keras_legacy")


def _torch(name: str, chosen: dict, dropped: list[str]) -> Translation:
    import torch

    kwargs = {}
    betas = (chosen.pop("beta_1", 0.9), chosen.pop("beta_2", 0.999))
    if name in ("adam", "adamax", "nadam") and betas != (0.9, 0.999):
        kwargs["betas"] = betas
    for key, value in chosen.items():
        if key == "decay":
            if value and name == "adagrad":
                kwargs["lr_decay"] = value  # same inverse-time rule as Keras
            elif value:
                dropped.append("decay (torch.optim has no built-in lr decay for this optimizer)")
            continue
        if key == "rho" and name == "rmsprop":
            kwargs["alpha"] = value
            continue
        target = "rho" if key == "rho" else _NAMES[key][1]
        if target is None:
            dropped.append(key)
            continue
        kwargs[target] = value
    if name == "sgd" and kwargs.get("nesterov") and not kwargs.get("momentum"):
        kwargs["nesterov"] = False
        dropped.append("nesterov (torch requires momentum > 0)")
    if name == "sgd" and not kwargs.get("nesterov"):
        kwargs.pop("nesterov", None)
    if name == "adam" and not kwargs.get("amsgrad"):
        kwargs.pop("amsgrad", None)
    cls = getattr(torch.optim, _TORCH_CLASS[name])
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return Translation(TorchOptimizer(cls, **kwargs), f"torch.optim.{cls.__name__}(params{args})", tuple(dropped))


def _tensorflow(name: str, chosen: dict, dropped: list[str], legacy: bool) -> Translation:
    import tensorflow as tf
    import tf_keras

    namespace = tf_keras.optimizers.legacy if legacy else tf_keras.optimizers
    cls = getattr(namespace, _TF_CLASS[name])
    kwargs = {}
    for key, value in chosen.items():
        if key == "decay":
            if value and legacy:
                kwargs["decay"] = value  # legacy optimizers implement Keras' rule
            elif value:
                dropped.append("decay (current tf.keras optimizers use learning-rate schedules instead)")
            continue
        if key == "schedule_decay":
            if legacy:
                kwargs["schedule_decay"] = value
            else:
                dropped.append("schedule_decay (the current tf.keras Nadam has a fixed schedule)")
            continue
        target = _NAMES[key][0]
        if target is None:
            dropped.append(key)
            continue
        kwargs[target] = value
    code = (
        f"{'tf_keras.optimizers.legacy' if legacy else 'tf_keras.optimizers'}.{cls.__name__}("
        + ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        + ")"
    )
    if legacy:  # keep hyperparameters in float64 so only the rule differs (by default TF holds them in float32)
        kwargs = {
            k: (tf.constant(v, tf.float64) if isinstance(v, float) and k != "epsilon" else v) for k, v in kwargs.items()
        }
    return Translation(TFOptimizer(cls(**kwargs)), code, tuple(dropped))


@dataclass(frozen=True)
class Difference:
    """A documented difference between Keras 2.2.4 and a framework, with a setting where it shows."""

    title: str
    frameworks: tuple[str, ...]
    explanation: str
    surface: str
    start: tuple[float, float]
    steps: int
    lane: str | None  # in the o= format; None where a 2-D surface cannot show it
    framework_defaults: bool = False


DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "Adagrad's initial accumulator",
        ("tf_keras", "tf_keras_legacy"),
        "Keras 2.2.4 starts the accumulator at 0 (first step ≈ lr·sign(g)); tf.keras starts it at 0.1, "
        "which damps the first steps where gradients are small.",
        "bowl",
        (0.3, 0.2),
        60,
        "adagrad:lr=0.1",
    ),
    Difference(
        "Adam's epsilon: after or before the bias correction",
        ("torch",),
        "Keras adds epsilon to sqrt(v) after folding the bias correction into lr ('epsilon hat'); torch adds "
        "it to the bias-corrected sqrt(v̂) as in the paper. Visible with a large epsilon.",
        "rosenbrock",
        (-1.2, 1.0),
        200,
        "adam:lr=0.05,epsilon=0.1",
    ),
    Difference(
        "RMSprop's epsilon inside the square root",
        ("tf_keras",),
        "Keras 2.2.4 (and torch) divide by sqrt(a) + epsilon; current tf.keras by sqrt(a + epsilon).",
        "rosenbrock",
        (-1.2, 1.0),
        200,
        "rmsprop:lr=0.01,epsilon=0.01",
    ),
    Difference(
        "Adamax's epsilon inside the max",
        ("torch",),
        "Keras adds epsilon to u after the max; torch takes max(beta_2·u, |g| + epsilon).",
        "rosenbrock",
        (-1.2, 1.0),
        200,
        "adamax:lr=0.02,epsilon=0.5",
    ),
    Difference(
        "Nadam's momentum schedule",
        ("tf_keras",),
        "Keras 2.2.4 warms mu_t up with 0.96^(t·schedule_decay); current tf.keras uses 0.96^(0.004·t) "
        "with no schedule_decay argument, so a non-default schedule_decay is lost.",
        "rosenbrock",
        (-1.2, 1.0),
        200,
        "nadam:lr=0.01,schedule_decay=0.1",
    ),
    Difference(
        "Default learning rates",
        ("tf_keras", "tf_keras_legacy", "torch"),
        "Adadelta: Keras 2.2.4 lr=1.0, tf.keras 0.001, torch 1.0. Also RMSprop (torch 0.01), Nadam "
        "(tf.keras 0.001) and SGD (torch 0.001). Run with each framework's own defaults.",
        "rosenbrock",
        (-1.2, 1.0),
        300,
        "adadelta",
        framework_defaults=True,
    ),
    Difference(
        "Default epsilon",
        ("torch",),
        "Keras uses 1e-7 everywhere; torch uses 1e-8 (Adam, RMSprop), 1e-10 (Adagrad), 1e-6 (Adadelta).",
        "bowl",
        (0.01, 0.01),
        100,
        None,
    ),
    Difference(
        "Hyperparameters held in float32",
        ("tf_keras",),
        "TensorFlow stores lr, momentum and the betas as float32 variables, so even identical rules "
        "drift apart by about 1e-8 from a float64 run.",
        "rosenbrock",
        (-1.2, 1.0),
        300,
        "sgd:lr=0.0001,momentum=0.9,nesterov=1",
    ),
    Difference(
        "Per-tensor clipnorm and clipping order",
        ("tf_keras", "tf_keras_legacy"),
        "Keras 2.2.4 clips by one global norm over all tensors, then by value; tf.keras clips each tensor "
        "by its own norm (global_clipnorm= restores Keras' rule) and legacy tf.keras clips by value first. "
        "On a 2-D surface there is one tensor, so this shows only in networks.",
        "rosenbrock",
        (-1.2, 1.0),
        200,
        None,
    ),
)


@dataclass(frozen=True)
class Comparison:
    """One setting run several ways: trajectories keyed by framework, their translations, and deviations."""

    trajectories: dict
    translations: dict[str, Translation]

    def deviation(self, framework: str) -> np.ndarray:
        """``(T+1,)`` largest coordinate difference from the Keras 2.2.4 path at each step (run 0)."""
        difference = self.trajectories[framework].positions[:, 0] - self.trajectories["keras224"].positions[:, 0]
        return np.abs(difference).max(axis=1)


def compare(
    lane: Lane, value_and_grad, start, steps: int, frameworks: tuple[str, ...], framework_defaults: bool = False
) -> Comparison:
    """Run ``lane`` by Keras 2.2.4's rules and by each native framework from the same start."""
    starts = np.array([start], dtype=np.float64)
    trajectories = {"keras224": run(lane.build(), value_and_grad, starts, steps)}
    translations = {}
    for framework in frameworks:
        translation = native_optimizer(lane, framework, framework_defaults)
        translations[framework] = translation
        trajectories[framework] = run(translation.optimizer, value_and_grad, starts, steps)
    return Comparison(trajectories, translations)
