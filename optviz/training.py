"""Live training: K optimizer lanes train copies of one network from the same weights on the same batches.

The runs axis of the optimizers is the lane axis. Lanes that share an optimizer class (and its boolean
switches and step count) form one group: one optimizer object with per-lane ``(K_g,)`` hyperparameters
updating its slice of the weights. The weights are stored group by group, so each group's slice is a
view and the optimizers update it in place; the only Python loop in a step is over these few groups.

A ``TrainingSession`` holds the weights, the per-group optimizer states, the shared shuffle, the step
counter and the history. ``configure`` swaps lane settings between steps: a lane keeps its weights and
its optimizer state (the new optimizer adopts the old state) unless its optimizer class changes.
A lane whose loss, gradients or weights stop being finite, or whose training loss passes ``DIVERGED_LOSS``,
is marked diverged and frozen; the others keep training. A native lane (torch.optim, tf.keras) is a group of its
own, updated by its framework's optimizer (built from the framework's own argument names and defaults) on the
same gradients.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import mlp
from .datasets import Dataset
from .lanes import Lane, batch_key, batched_optimizer
from .optimizers import Optimizer

#: History columns, one row per lane per evaluation.
HISTORY_COLUMNS = ("step", "epoch", "lane", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
BATCH_SIZE_RANGE = (1, 1024)
#: A lane whose mean training loss passes this many nats has blown up: chance level is ln(classes) <= 2.3, and a
#: confidently wrong network gets almost no gradient from Keras' clipped cross-entropy, so it rarely recovers.
DIVERGED_LOSS = 5.0


class _Group(NamedTuple):
    """Lanes updated by one optimizer object: storage rows ``start:stop`` and their state."""

    start: int
    stop: int
    optimizer: Optimizer
    state: Any


@dataclass(frozen=True)
class LaneStatus:
    """What a page shows about one lane right now."""

    key: str
    lane: Lane
    diverged_step: int | None
    joined_step: int


def slice_state(state: Any, start: int, stop: int) -> Any:
    """Rows ``start:stop`` of a state record (a NamedTuple of per-run arrays); copies."""
    fields = {}
    for name, value in state._asdict().items():
        if isinstance(value, tuple):
            fields[name] = tuple(np.array(v[start:stop]) for v in value)
        elif isinstance(value, np.ndarray):
            fields[name] = np.array(value[start:stop])
        else:
            fields[name] = value
    return type(state)(**fields)


def concatenate_states(states: Sequence[Any]) -> Any:
    """One state record holding the runs of ``states`` (same type and step count) in order."""
    first = states[0]
    if len(states) == 1:
        return first  # also a native lane's state, whose framework tensors cannot be concatenated
    fields = {}
    for name, value in first._asdict().items():
        parts = [getattr(s, name) for s in states]
        if isinstance(value, tuple):
            fields[name] = tuple(np.concatenate(tensors) for tensors in zip(*parts, strict=True))
        elif isinstance(value, np.ndarray):
            fields[name] = np.concatenate(parts)
        else:
            fields[name] = value
    return type(first)(**fields)


def _state_carries_over(old: Lane, new: Lane) -> bool:
    """Whether a reconfigured lane keeps its optimizer state: same optimizer by the same rules. A native lane's
    framework optimizer was built with its old arguments, so it keeps its state only while they are unchanged
    (its weights are kept either way)."""
    if (old.optimizer, old.framework) != (new.optimizer, new.framework):
        return False
    return not new.is_native or old == new


class TrainingSession:
    """Weights, optimizer states, shuffle, step counter and history of one side-by-side training run.

    Args:
        dataset: the standardised data.
        network: the architecture (its inputs and classes must match ``dataset``).
        lanes: 1 or more optimizer lanes.
        batch_size: samples per step, the same batches for every lane.
        seed: seeds the initial weights and the shuffle.
        keys: stable names of the lanes (default ``"0"``, ``"1"``, ...), used by ``configure``.
    """

    def __init__(
        self,
        dataset: Dataset,
        network: mlp.Network,
        lanes: Sequence[Lane],
        batch_size: int = 32,
        seed: int = 0,
        keys: Sequence[str] | None = None,
    ) -> None:
        if network.inputs != dataset.inputs or network.classes != dataset.classes:
            raise ValueError(
                f"network {network.describe()} does not fit {dataset.inputs} inputs and {dataset.classes} classes"
            )
        if not BATCH_SIZE_RANGE[0] <= batch_size <= BATCH_SIZE_RANGE[1]:
            raise ValueError(f"batch size must be in {list(BATCH_SIZE_RANGE)}, got {batch_size}")
        self.dataset = dataset
        self.network = network
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.initial_weights = mlp.init_weights(network, seed)
        self.steps_per_epoch = math.ceil(len(dataset.y_train) / self.batch_size)
        self._epoch_order: tuple[int, np.ndarray] | None = None
        self._grid: tuple | None = None
        self._history = np.empty((0, len(HISTORY_COLUMNS)))
        self._history_rows = 0
        self._next_id = 0
        self.step = 0
        self._last_recorded_step = 0
        self.lanes: list[Lane] = []
        self.keys: list[str] = []
        self._ids: list[int] = []
        self._rows = np.zeros(0, dtype=np.int64)
        self._joined: dict[str, int] = {}
        self._diverged = np.zeros(0, dtype=np.int64)  # per storage row: step it diverged at, -1 = fine
        self.weights: list[np.ndarray] = [w[:0] for w in self.initial_weights]
        self._groups: list[_Group] = []
        self.configure(lanes, keys)

    # -- lanes --------------------------------------------------------------------------------------
    def configure(self, lanes: Sequence[Lane], keys: Sequence[str] | None = None) -> None:
        """Set the lanes between steps. A known key keeps its weights, divergence mark and optimizer state
        (adopted by the rebuilt optimizer when the class is unchanged, fresh otherwise); a new key starts
        from the initial weights with a fresh state and is evaluated at once."""
        lanes = list(lanes)
        if not lanes:
            raise ValueError("need at least one optimizer lane")
        keys = [str(i) for i in range(len(lanes))] if keys is None else [str(k) for k in keys]
        if len(keys) != len(lanes) or len(set(keys)) != len(keys):
            raise ValueError(f"need one distinct key per lane, got {keys}")
        if lanes == self.lanes and keys == self.keys:
            return
        old_row = {key: int(self._rows[i]) for i, key in enumerate(self.keys)}
        old_states = self._states_by_row()
        weights, states, diverged, ids, new_keys = [], [], [], [], []
        for lane, key in zip(lanes, keys, strict=True):
            row = old_row.get(key)
            if row is None:
                lane_weights = [np.array(w) for w in self.initial_weights]
                state, mark = None, -1
                ids.append(self._next_id)
                self._next_id += 1
                self._joined[key] = self.step
                new_keys.append(key)
            else:
                lane_weights = [w[row : row + 1].copy() for w in self.weights]
                old_lane = self.lanes[self.keys.index(key)]
                state = old_states[row] if _state_carries_over(old_lane, lane) else None
                mark = int(self._diverged[row])
                ids.append(self._ids[self.keys.index(key)])
            if state is None:
                state = lane.build().init(lane_weights)
            weights.append(lane_weights)
            states.append(state)
            diverged.append(mark)
        self._regroup(lanes, keys, ids, weights, states, diverged)
        if new_keys and self._history_rows:
            self._record(only=[self.keys.index(k) for k in new_keys])
        elif not self._history_rows:
            self._record()

    def _states_by_row(self) -> dict[int, Any]:
        states = {}
        for group in self._groups:
            if group.stop - group.start == 1:
                states[group.start] = group.state  # a native lane's state is a handle: never sliced
                continue
            for row in range(group.start, group.stop):
                states[row] = slice_state(group.state, row - group.start, row - group.start + 1)
        return states

    def _regroup(self, lanes, keys, ids, weights, states, diverged) -> None:
        """Store lanes group by group (each group's rows contiguous) and build one optimizer per group."""
        group_keys = [  # one optimizer per batch key and step count (a native lane is a group of its own)
            (*batch_key(lane, position), state.iterations)
            for position, (lane, state) in enumerate(zip(lanes, states, strict=True))
        ]
        order = sorted(range(len(lanes)), key=lambda i: (list(dict.fromkeys(group_keys)).index(group_keys[i]), i))
        self._rows = np.empty(len(lanes), dtype=np.int64)
        self._rows[order] = np.arange(len(lanes))
        self.weights = [np.concatenate([weights[i][t] for i in order]) for t in range(len(self.initial_weights))]
        self._diverged = np.array([diverged[i] for i in order], dtype=np.int64)
        self._groups = []
        start = 0
        while start < len(order):
            stop = start
            while stop < len(order) and group_keys[order[stop]] == group_keys[order[start]]:
                stop += 1
            members = order[start:stop]
            optimizer = batched_optimizer([lanes[i] for i in members])
            state = optimizer.adopt_state(concatenate_states([states[i] for i in members]))
            self._groups.append(_Group(start, stop, optimizer, state))
            start = stop
        self.lanes, self.keys, self._ids = list(lanes), list(keys), list(ids)
        self._joined = {k: self._joined.get(k, 0) for k in keys}

    # -- training -----------------------------------------------------------------------------------
    def batch_indices(self, step: int) -> np.ndarray:
        """Training-set indices of the mini-batch at ``step``: a seeded shuffle per epoch, shared by all lanes."""
        epoch, position = divmod(step, self.steps_per_epoch)
        if self._epoch_order is None or self._epoch_order[0] != epoch:
            order = np.random.default_rng([self.seed, epoch]).permutation(len(self.dataset.y_train))
            self._epoch_order = (epoch, order)
        return self._epoch_order[1][position * self.batch_size : (position + 1) * self.batch_size]

    def advance(self, steps: int) -> None:
        """Train ``steps`` mini-batches (every lane on the same batches), then evaluate once."""
        activation = self.network.activation
        for _ in range(int(steps)):
            batch = self.batch_indices(self.step)
            with np.errstate(all="ignore"):
                losses, grads = mlp.loss_and_grads(
                    self.weights, self.dataset.x_train[batch], self.dataset.y_train[batch], activation
                )
                finite = np.isfinite(losses)
                for grad in grads:
                    finite &= np.isfinite(grad.reshape(len(grad), -1).sum(axis=1))
                self._diverged[(~finite) & (self._diverged < 0)] = self.step
                frozen = self._diverged >= 0
                saved = [w[frozen] for w in self.weights] if frozen.any() else None
                for index, group in enumerate(self._groups):
                    rows = slice(group.start, group.stop)
                    state = group.optimizer.update_inplace(
                        [w[rows] for w in self.weights], [g[rows] for g in grads], group.state
                    )
                    self._groups[index] = group._replace(state=state)
                if saved is not None:
                    for weight, kept in zip(self.weights, saved, strict=True):
                        weight[frozen] = kept
            self.step += 1
        self._record()

    # -- evaluation ---------------------------------------------------------------------------------
    def evaluate(self) -> dict[str, np.ndarray]:
        """Loss and accuracy on the full train and test sets, per lane (lane order), NaN once diverged."""
        data = self.dataset
        with np.errstate(all="ignore"):
            train = mlp.predict_proba(self.weights, data.x_train, self.network.activation)
            test = mlp.predict_proba(self.weights, data.x_test, self.network.activation)
            result = {
                "train_loss": mlp.cross_entropy(train, data.y_train),
                "train_accuracy": mlp.accuracy(train, data.y_train),
                "test_loss": mlp.cross_entropy(test, data.y_test),
                "test_accuracy": mlp.accuracy(test, data.y_test),
            }
        broken = ~np.isfinite(train.reshape(len(train), -1).sum(axis=1)) | ~(result["train_loss"] < DIVERGED_LOSS)
        self._diverged[broken & (self._diverged < 0)] = self.step
        gone = (self._diverged >= 0) & (self._diverged <= self._last_recorded_step)  # shown once, then gap
        return {name: np.where(gone, np.nan, values)[self._rows] for name, values in result.items()}

    def _record(self, only: list[int] | None = None) -> None:
        metrics = self.evaluate()
        self._last_recorded_step = self.step
        lanes = np.arange(len(self.lanes)) if only is None else np.asarray(only, dtype=np.int64)
        rows = np.column_stack(
            [
                np.full(len(lanes), float(self.step)),
                np.full(len(lanes), self.epoch),
                np.asarray(self._ids, dtype=np.float64)[lanes],
                *(metrics[name][lanes] for name in HISTORY_COLUMNS[3:]),
            ]
        )
        needed = self._history_rows + len(rows)
        if needed > len(self._history):
            grown = np.empty((max(2 * len(self._history), needed, 256), len(HISTORY_COLUMNS)))
            grown[: self._history_rows] = self._history[: self._history_rows]
            self._history = grown
        self._history[self._history_rows : needed] = rows
        self._history_rows = needed

    @property
    def epoch(self) -> float:
        """Epochs done (fractional: steps / steps per epoch)."""
        return self.step / self.steps_per_epoch

    def history(self) -> dict[str, np.ndarray]:
        """Columns of ``HISTORY_COLUMNS`` for the current lanes; ``lane`` is the lane's position."""
        table = self._history[: self._history_rows]
        position = np.full(self._next_id, -1, dtype=np.int64)  # lane id -> current position (-1: removed)
        position[np.asarray(self._ids, dtype=np.int64)] = np.arange(len(self._ids))
        lane_position = position[table[:, 2].astype(np.int64)]
        keep = lane_position >= 0
        columns = {name: table[keep, j] for j, name in enumerate(HISTORY_COLUMNS)}
        columns["lane"] = lane_position[keep]
        columns["step"] = columns["step"].astype(np.int64)
        return columns

    def latest(self, finite: bool = False) -> dict[str, np.ndarray]:
        """The last recorded metrics per lane (lane order); with ``finite``, a diverged lane's last finite ones
        (its state when it blew up) instead of NaN."""
        history = self.history()
        keep = np.isfinite(history["train_loss"]) if finite else np.ones(len(history["lane"]), dtype=bool)
        result = {}
        for name in HISTORY_COLUMNS[3:]:
            values = np.full(len(self.lanes), np.nan)
            values[history["lane"][keep]] = history[name][keep]  # later rows overwrite earlier ones
            result[name] = values
        return result

    def lane_weights(self) -> list[np.ndarray]:
        """The weights in lane order (copies), each ``(K, ...)``."""
        return [w[self._rows] for w in self.weights]

    def diverged_steps(self) -> list[int | None]:
        """Per lane: the step at which it diverged, or None."""
        return [None if self._diverged[row] < 0 else int(self._diverged[row]) for row in self._rows]

    def statuses(self) -> list[LaneStatus]:
        marks = self.diverged_steps()
        return [
            LaneStatus(key, lane, mark, self._joined.get(key, 0))
            for key, lane, mark in zip(self.keys, self.lanes, marks, strict=True)
        ]

    def group_count(self) -> int:
        """How many optimizer objects update the lanes (one per class, switches and step count)."""
        return len(self._groups)

    # -- views for pages ----------------------------------------------------------------------------
    def probability_grid(self, resolution: int = 60, margin: float = 0.5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For a 2-input dataset: grid axes ``xs, ys (G,)`` and class probabilities ``(K, G, G, C)`` of every
        lane (lane order) in one batched forward pass; covers the data with ``margin`` to spare."""
        data = self.dataset
        if not data.is_planar:
            raise ValueError("a decision map needs a dataset with 2 inputs")
        if self._grid is None or self._grid[0] != (resolution, margin):  # the data never change: build it once
            points = np.concatenate([data.x_train, data.x_test])
            low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
            xs, ys = np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
            self._grid = ((resolution, margin), xs, ys, np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2))
        _, xs, ys, grid = self._grid
        with np.errstate(all="ignore"):
            probabilities = mlp.predict_proba(self.lane_weights(), grid, self.network.activation)
        return xs, ys, probabilities.reshape(len(self.lanes), resolution, resolution, -1)

    def confusion_matrices(self, split: str = "test") -> np.ndarray:
        """Counts ``(K, C, C)`` of (true class, predicted class) per lane on the train or test split."""
        x, y = (
            (self.dataset.x_test, self.dataset.y_test)
            if split == "test"
            else (self.dataset.x_train, self.dataset.y_train)
        )
        with np.errstate(all="ignore"):
            predicted = mlp.predict_proba(self.lane_weights(), x, self.network.activation).argmax(axis=-1)
        return confusion_counts(predicted, y, self.dataset.classes)


def confusion_counts(predicted: np.ndarray, labels: np.ndarray, classes: int) -> np.ndarray:
    """``predicted (K, N)`` class indices vs ``labels (N,)`` -> counts ``(K, C, C)`` [lane, true, predicted]."""
    lanes = predicted.shape[0]
    flat = (np.arange(lanes)[:, None] * classes + labels[None, :]) * classes + predicted
    return np.bincount(flat.ravel(), minlength=lanes * classes * classes).reshape(lanes, classes, classes)


TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def torch_script(network: mlp.Network, lane: Lane, batch_size: int) -> str:
    """PyTorch code for a torch.optim lane: the same network (Glorot-uniform kernels, zero biases, as Keras and
    optviz start), the lane's optimizer and a training loop on shuffled mini-batches."""
    layers = []
    widths = network.widths
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        layers.append(f"    torch.nn.Linear({fan_in}, {fan_out}),")
        if index < len(widths) - 2:
            layers.append(f"    torch.nn.{TORCH_ACTIVATIONS[network.activation]}(),")
    optimizer = lane.keras_code().replace("(params", "(model.parameters()")
    return "\n".join(
        [
            "import torch",
            "",
            "model = torch.nn.Sequential(",
            *layers,
            ").double()",
            "for layer in model:",
            "    if isinstance(layer, torch.nn.Linear):",
            "        torch.nn.init.xavier_uniform_(layer.weight)",
            "        torch.nn.init.zeros_(layer.bias)",
            f"optimizer = {optimizer}",
            "loss_function = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on the logits",
            "x, y = torch.as_tensor(x_train), torch.as_tensor(y_train)",
            "for epoch in range(10):",
            f"    for batch in torch.randperm(len(x)).split({batch_size}):",
            "        optimizer.zero_grad()",
            "        loss_function(model(x[batch]), y[batch]).backward()",
            "        optimizer.step()",
        ]
    )


def keras_script(network: mlp.Network, lane: Lane, batch_size: int) -> str:
    """Keras 2.2.4 code for one lane: the Sequential model, ``compile`` with the lane's optimizer, and ``fit``.
    A torch.optim lane gets :func:`torch_script`; a tf.keras lane the same model in ``tf.keras``."""
    if lane.framework == "torch":
        return torch_script(network, lane, batch_size)
    if lane.framework == "tf_keras":
        return "\n".join(
            [
                "import tf_keras",
                "keras = tf_keras  # Keras 2 as TensorFlow ships it",
                "",
                network.keras_code(),
                f"model.compile(optimizer={lane.keras_code()}, loss='categorical_crossentropy', metrics=['accuracy'])",
                f"model.fit(x_train, keras.utils.to_categorical(y_train, {network.classes}), batch_size={batch_size}, "
                "epochs=10, shuffle=True)",
            ]
        )
    return "\n".join(
        [
            "import keras",
            "",
            network.keras_code(),
            "model.compile(",
            f"    optimizer={lane.keras_code()},",
            "    loss='categorical_crossentropy',",
            "    metrics=['accuracy'],",
            ")",
            f"model.fit(x_train, keras.utils.to_categorical(y_train, {network.classes}), batch_size={batch_size}, "
            "epochs=10, shuffle=True)",
        ]
    )
