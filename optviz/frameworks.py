"""The framework comparison: one Keras 2.2.4 setting run by Keras 2.2.4's rules, by tf.keras and by torch.optim.

``native_optimizer(lane, framework)`` translates a *Keras-2.2.4* lane into the framework's own optimizer (its
argument names, and either Keras 2.2.4's values or the framework's own defaults for what the lane leaves unset),
wrapped so it runs on optviz problems. ``DIFFERENCES`` lists the documented differences, each with a setting
where it shows. (Native lanes, which speak a framework's own arguments, are :mod:`optviz.native_lanes`.)

TensorFlow and PyTorch are optional and imported only when used (never at module import).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lanes import Lane, keras_arguments
from .native_lanes import FRAMEWORKS, NATIVE, native_class
from .optimizers import Optimizer, TFOptimizer, TorchOptimizer
from .runner import run


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
    cls = native_class("torch", name)
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    code = f"{FRAMEWORKS['torch'].namespace}.{cls.__name__}(params{args})"
    return Translation(TorchOptimizer(cls, **kwargs), code, tuple(dropped))


def _tensorflow(name: str, chosen: dict, dropped: list[str], legacy: bool) -> Translation:
    framework = FRAMEWORKS["tf_keras_legacy" if legacy else "tf_keras"]
    cls = native_class(framework.key, name)
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
    code = f"{framework.namespace}.{cls.__name__}(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    if legacy:  # keep hyperparameters in float64 so only the rule differs (by default TF holds them in float32)
        import tensorflow as tf

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
