"""A small multi-layer perceptron in NumPy whose K copies train at once along a leading runs axis.

Weights are a list ``[W1 (K, D, H1), b1 (K, H1), ..., Wout (K, H, C), bout (K, C)]``: the same layout
the optimizers take, so the runs axis doubles as the lane axis. The output is softmax with Keras 2.2.4's
``categorical_crossentropy`` (probabilities clipped to ``[1e-7, 1 - 1e-7]``, so a sample whose target
probability is clipped contributes no gradient, exactly as in Keras). Initialisation is Keras' default:
glorot uniform kernels, zero biases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")
MAX_HIDDEN_LAYERS = 4
UNIT_RANGE = (1, 64)
PROBABILITY_EPSILON = 1e-7  # keras.backend.epsilon()


@dataclass(frozen=True)
class Network:
    """The architecture: input width, hidden layer widths, activation, number of classes."""

    inputs: int
    hidden: tuple[int, ...]
    classes: int
    activation: str = "tanh"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        low, high = UNIT_RANGE
        if any(not low <= units <= high for units in self.hidden):
            raise ValueError(f"hidden layers need {low} to {high} units, got {list(self.hidden)}")
        if self.inputs < 1 or self.classes < 2:
            raise ValueError(f"need >= 1 input and >= 2 classes, got {self.inputs} and {self.classes}")

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths from input to output, e.g. ``(2, 16, 16, 2)``."""
        return (self.inputs, *self.hidden, self.classes)

    @property
    def parameter_count(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.widths[:-1], self.widths[1:], strict=True))

    def describe(self) -> str:
        """``2-16-16-2 tanh``."""
        return "-".join(map(str, self.widths)) + f" {self.activation}"

    def keras_code(self) -> str:
        """A ``keras.models.Sequential`` building this network (Keras 2.2.4 API)."""
        lines = ["model = keras.models.Sequential(["]
        for index, units in enumerate(self.hidden):
            shape = f", input_shape=({self.inputs},)" if index == 0 else ""
            lines.append(f"    keras.layers.Dense({units}, activation='{self.activation}'{shape}),")
        shape = f", input_shape=({self.inputs},)" if not self.hidden else ""
        lines.append(f"    keras.layers.Dense({self.classes}, activation='softmax'{shape}),")
        lines.append("])")
        return "\n".join(lines)


def init_weights(network: Network, seed: int, runs: int = 1) -> list[np.ndarray]:
    """Glorot-uniform kernels and zero biases, the same for every run: ``runs`` identical copies."""
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(network.widths[:-1], network.widths[1:], strict=True):
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        kernel = rng.uniform(-limit, limit, (fan_in, fan_out))
        weights.append(np.repeat(kernel[None], runs, axis=0))
        weights.append(np.zeros((runs, fan_out)))
    return weights


def _activate(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # sigmoid without overflow warnings


def _activation_slope(name: str, activated: np.ndarray) -> np.ndarray:
    """The activation's derivative, written in terms of its output."""
    if name == "relu":
        return (activated > 0).astype(activated.dtype)
    if name == "tanh":
        return 1.0 - activated * activated
    return activated * (1.0 - activated)


def _layer(inputs: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``inputs (N, A)`` shared or ``(K, N, A)`` per run, ``kernel (K, A, B)`` -> ``(K, N, B)``."""
    return np.matmul(inputs, kernel) + bias[:, None, :]


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def forward(weights: list[np.ndarray], x: np.ndarray, activation: str) -> tuple[list[np.ndarray], np.ndarray]:
    """Hidden activations (each ``(K, N, H)``) and class probabilities ``(K, N, C)`` for inputs ``x (N, D)``."""
    hidden = []
    current = x
    for kernel, bias in zip(weights[:-2:2], weights[1:-2:2], strict=True):
        current = _activate(activation, _layer(current, kernel, bias))
        hidden.append(current)
    return hidden, _softmax(_layer(current, weights[-2], weights[-1]))


def predict_proba(weights: list[np.ndarray], x: np.ndarray, activation: str) -> np.ndarray:
    """Class probabilities ``(K, N, C)`` of every run for the same inputs ``x (N, D)``."""
    return forward(weights, x, activation)[1]


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Keras' mean categorical cross-entropy per run ``(K,)`` for integer ``labels (N,)``."""
    target = _target_probability(probabilities, labels)
    return -np.log(np.clip(target, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)).mean(axis=-1)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Share of samples whose most probable class is the label, per run ``(K,)``."""
    return (probabilities.argmax(axis=-1) == labels).mean(axis=-1)


def _target_probability(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.take_along_axis(probabilities, labels[None, :, None], axis=-1)[..., 0]


def loss_and_grads(
    weights: list[np.ndarray], x: np.ndarray, labels: np.ndarray, activation: str
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Mean cross-entropy per run ``(K,)`` and its gradients (shaped like ``weights``) on a batch.

    ``x (N, D)`` and ``labels (N,)`` are shared by all runs. Vectorised over runs and samples; the only
    Python loop is over the layers.
    """
    hidden, probabilities = forward(weights, x, activation)
    count = len(labels)
    target = _target_probability(probabilities, labels)
    losses = -np.log(np.clip(target, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)).mean(axis=-1)
    # d loss / d logits = (p - onehot) / N where the target probability was not clipped (Keras' clip).
    delta = probabilities.copy()
    delta[:, np.arange(count), labels] -= 1.0
    inside = (target >= PROBABILITY_EPSILON) & (target <= 1.0 - PROBABILITY_EPSILON)
    delta *= (inside / count)[..., None]
    grads: list[np.ndarray] = [np.empty(0)] * len(weights)
    layer_inputs = [x, *hidden]
    for layer in range(len(weights) // 2 - 1, -1, -1):
        inputs = layer_inputs[layer]
        if inputs.ndim == 2:  # the shared input batch
            grads[2 * layer] = np.matmul(inputs.T, delta)
        else:
            grads[2 * layer] = np.matmul(inputs.transpose(0, 2, 1), delta)
        grads[2 * layer + 1] = delta.sum(axis=1)
        if layer > 0:
            delta = np.matmul(delta, weights[2 * layer].transpose(0, 2, 1))
            delta *= _activation_slope(activation, inputs)
    return losses, grads
