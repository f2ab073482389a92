"""A small multi-layer perceptron in NumPy whose K copies train at once along a leading runs axis.

Weights are a list ``[W1 (K, D, H1), b1 (K, H1), ..., Wout (K, H, C), bout (K, C)]``: the same layout
the optimizers take, so the runs axis doubles as the lane axis. A classification network ends in softmax with
Keras 2.2.4's ``categorical_crossentropy`` (probabilities clipped to ``[1e-7, 1 - 1e-7]``, so a sample whose
target probability is clipped contributes no gradient, exactly as in Keras); a regression network ends in one
linear unit with ``mean_squared_error``. ``l2`` is Keras' ``kernel_regularizer=l2(l2)`` on every layer: the loss
gains ``l2 * sum(W**2)`` over the kernels (not the biases). Initialisation is Keras' default: glorot uniform
kernels, zero biases.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

ACTIVATIONS = ("relu", "tanh", "sigmoid")
TASKS = ("classification", "regression")
MAX_HIDDEN_LAYERS = 4
UNIT_RANGE = (1, 64)
PROBABILITY_EPSILON = 1e-7  # keras.backend.epsilon()


@dataclass(frozen=True)
class Network:
    """The architecture: input width, hidden layer widths, activation, number of outputs and the task.

    ``classes`` is the output width: the number of classes (softmax) for classification, 1 (one linear unit)
    for regression.
    """

    inputs: int
    hidden: tuple[int, ...]
    classes: int
    activation: str = "tanh"
    task: str = "classification"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; choose one of {', '.join(TASKS)}")
        if len(self.hidden) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"at most {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}")
        low, high = UNIT_RANGE
        if any(not low <= units <= high for units in self.hidden):
            raise ValueError(f"hidden layers need {low} to {high} units, got {list(self.hidden)}")
        if self.task == "regression" and (self.inputs < 1 or self.classes != 1):
            raise ValueError(
                f"a regression network needs >= 1 input and 1 output, got {self.inputs} and {self.classes}"
            )
        if self.task == "classification" and (self.inputs < 1 or self.classes < 2):
            raise ValueError(f"need >= 1 input and >= 2 classes, got {self.inputs} and {self.classes}")

    @property
    def widths(self) -> tuple[int, ...]:
        """Layer widths from input to output, e.g. ``(2, 16, 16, 2)``."""
        return (self.inputs, *self.hidden, self.classes)

    @property
    def outputs(self) -> int:
        """Width of the output layer (classes, or 1 for regression)."""
        return self.classes

    @property
    def is_regression(self) -> bool:
        return self.task == "regression"

    @property
    def parameter_count(self) -> int:
        return sum((a + 1) * b for a, b in zip(self.widths[:-1], self.widths[1:], strict=True))

    def describe(self) -> str:
        """``2-16-16-2 tanh``."""
        return "-".join(map(str, self.widths)) + f" {self.activation}"

    def keras_code(self, l2: float = 0.0) -> str:
        """A ``keras.models.Sequential`` building this network (Keras 2.2.4 API), with
        ``kernel_regularizer=keras.regularizers.l2(l2)`` on every layer when ``l2 > 0``."""
        regularizer = f", kernel_regularizer=keras.regularizers.l2({l2:g})" if l2 > 0 else ""
        output = "linear" if self.is_regression else "softmax"
        lines = ["model = keras.models.Sequential(["]
        for index, units in enumerate(self.hidden):
            shape = f", input_shape=({self.inputs},)" if index == 0 else ""
            lines.append(f"    keras.layers.Dense({units}, activation='{self.activation}'{shape}{regularizer}),")
        shape = f", input_shape=({self.inputs},)" if not self.hidden else ""
        lines.append(f"    keras.layers.Dense({self.classes}, activation='{output}'{shape}{regularizer}),")
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
    """The activation of the fresh pre-activation array ``z``, computed in place (``z`` is overwritten)."""
    if name == "relu":
        return np.maximum(z, 0.0, out=z)
    if name == "tanh":
        return np.tanh(z, out=z)
    z *= 0.5  # sigmoid = (1 + tanh(z / 2)) / 2, without overflow warnings
    np.tanh(z, out=z)
    z += 1.0
    z *= 0.5
    return z


def _activation_slope(name: str, activated: np.ndarray) -> np.ndarray:
    """The activation's derivative, written in terms of its output."""
    if name == "relu":
        return (activated > 0).astype(activated.dtype)
    if name == "tanh":
        return 1.0 - activated * activated
    return activated * (1.0 - activated)


def _layer(inputs: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """``inputs (N, A)`` shared or ``(K, N, A)`` per run, ``kernel (K, A, B)`` -> ``(K, N, B)``."""
    z = np.matmul(inputs, kernel)
    z += bias[:, None, :]
    return z


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = logits - logits.max(axis=-1, keepdims=True)
    np.exp(exp, out=exp)
    exp /= exp.sum(axis=-1, keepdims=True)
    return exp


def forward(
    weights: list[np.ndarray], x: np.ndarray, activation: str, task: str = "classification"
) -> tuple[list[np.ndarray], np.ndarray]:
    """Hidden activations (each ``(K, N, H)``) and outputs ``(K, N, C)`` for inputs ``x (N, D)``: class
    probabilities for classification, the linear output (``C = 1``) for regression."""
    hidden = []
    current = x
    for kernel, bias in zip(weights[:-2:2], weights[1:-2:2], strict=True):
        current = _activate(activation, _layer(current, kernel, bias))
        hidden.append(current)
    logits = _layer(current, weights[-2], weights[-1])
    return hidden, (logits if task == "regression" else _softmax(logits))


def predict_proba(weights: list[np.ndarray], x: np.ndarray, activation: str) -> np.ndarray:
    """Class probabilities ``(K, N, C)`` of every run for the same inputs ``x (N, D)``."""
    return forward(weights, x, activation)[1]


def predict(weights: list[np.ndarray], x: np.ndarray, activation: str, task: str = "classification") -> np.ndarray:
    """Outputs ``(K, N, C)``: class probabilities (classification) or predicted targets ``C = 1`` (regression)."""
    return forward(weights, x, activation, task)[1]


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Keras' mean categorical cross-entropy per run ``(K,)`` for integer ``labels (N,)``."""
    target = _target_probability(probabilities, labels)
    return -np.log(np.clip(target, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)).mean(axis=-1)


def mean_squared_error(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Keras' ``mean_squared_error`` per run ``(K,)`` for ``predictions (K, N, 1)`` and ``targets (N,)``."""
    return ((predictions[..., 0] - targets) ** 2).mean(axis=-1)


def r_squared(predictions: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Coefficient of determination per run ``(K,)``: ``1 - SSE / SST`` (1 perfect, 0 = predicting the mean)."""
    total = ((targets - targets.mean()) ** 2).sum()
    residual = ((predictions[..., 0] - targets) ** 2).sum(axis=-1)
    return 1.0 - residual / total if total > 0 else np.full(len(predictions), np.nan)


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Share of samples whose most probable class is the label, per run ``(K,)``."""
    return (probabilities.argmax(axis=-1) == labels).mean(axis=-1)


def l2_penalty(weights: list[np.ndarray], l2: float | np.ndarray) -> np.ndarray:
    """Keras' ``l2(l2)`` kernel regulariser summed over the layers, per run ``(K,)``: ``l2 * sum(W**2)``
    over the kernels (biases are not regularised). ``l2`` is a scalar or one value per run ``(K,)``."""
    total = sum(np.square(kernel).reshape(len(kernel), -1).sum(axis=1) for kernel in weights[::2])
    return np.asarray(l2, dtype=np.float64) * total


def data_loss(outputs: np.ndarray, targets: np.ndarray, task: str = "classification") -> np.ndarray:
    """The data term of the loss per run ``(K,)``: cross-entropy of probabilities or MSE of predictions."""
    return mean_squared_error(outputs, targets) if task == "regression" else cross_entropy(outputs, targets)


def loss(
    weights: list[np.ndarray],
    x: np.ndarray,
    targets: np.ndarray,
    activation: str,
    task: str = "classification",
    l2: float | np.ndarray = 0.0,
) -> np.ndarray:
    """The training loss per run ``(K,)`` as Keras reports it: the data loss plus the L2 penalty."""
    total = data_loss(forward(weights, x, activation, task)[1], targets, task)
    return total + l2_penalty(weights, l2) if np.any(np.asarray(l2) != 0) else total


def _target_probability(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return np.take_along_axis(probabilities, labels[None, :, None], axis=-1)[..., 0]


def loss_and_grads(
    weights: list[np.ndarray],
    x: np.ndarray,
    targets: np.ndarray,
    activation: str,
    task: str = "classification",
    l2: float | np.ndarray = 0.0,
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The loss per run ``(K,)`` (data loss + L2 penalty) and its gradients (shaped like ``weights``) on a batch.

    ``x (N, D)`` and ``targets (N,)`` (integer labels, or float targets for regression) are shared by all runs;
    ``l2`` is a scalar or one value per run. Vectorised over runs and samples; the only Python loop is over the
    layers.
    """
    hidden, outputs = forward(weights, x, activation, task)
    count = len(targets)
    if task == "regression":
        error = outputs[..., 0] - targets
        losses = (error**2).mean(axis=-1)
        delta = (2.0 / count) * error[..., None]  # d MSE / d output
    else:
        target = _target_probability(outputs, targets)
        losses = -np.log(np.clip(target, PROBABILITY_EPSILON, 1.0 - PROBABILITY_EPSILON)).mean(axis=-1)
        # d loss / d logits = (p - onehot) / N where the target probability was not clipped (Keras' clip).
        delta = outputs.copy()
        delta[:, np.arange(count), targets] -= 1.0
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
    if np.any(np.asarray(l2) != 0):
        scale = 2.0 * np.asarray(l2, dtype=np.float64).reshape(-1, *([1] * (weights[0].ndim - 1)))
        losses = losses + l2_penalty(weights, l2)
        for index in range(0, len(weights), 2):
            grads[index] = grads[index] + scale * weights[index]  # d (l2 * W**2) / dW = 2 * l2 * W
    return losses, grads


def flatten_weights(weights: list[np.ndarray]) -> np.ndarray:
    """The weights of each run as one vector: ``(K, P)``, tensors in order, each in C order."""
    return np.concatenate([w.reshape(len(w), -1) for w in weights], axis=1)


def unflatten_weights(flat: np.ndarray, network: Network) -> list[np.ndarray]:
    """Inverse of ``flatten_weights`` for ``flat (K, P)``: the weight list of ``network`` with K runs (views)."""
    shapes = [shape for a, b in itertools.pairwise(network.widths) for shape in ((a, b), (b,))]
    ends = np.cumsum([math.prod(shape) for shape in shapes])
    if flat.shape[-1] != ends[-1]:
        raise ValueError(f"{network.describe()} has {ends[-1]} weights, got vectors of {flat.shape[-1]}")
    pieces = np.split(flat, ends[:-1], axis=-1)
    return [piece.reshape(len(flat), *shape) for piece, shape in zip(pieces, shapes, strict=True)]
