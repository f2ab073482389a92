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

The session trains a classification network (history: loss and accuracy) or a regression network (history: MSE
and R^2), with an optional L2 kernel penalty ``l2`` (Keras' ``kernel_regularizer=l2(l2)``; the reported losses
include it, as Keras' do). It keeps a bounded trail of every lane's weights at each evaluation, which
``optviz.landscape`` projects on a loss-landscape slice.

A lane's lr plan (a schedule or a plateau rule, ``Lane.plan``) runs as Keras' callbacks per epoch (a pass over the
training set): each group keeps one callback state (per-run arrays), calls ``on_epoch_begin`` before the epoch's
first batch and ``on_epoch_end`` with the epoch's mean batch loss (weighted by batch size, as Keras logs it), and
steps with ``optimizer.with_lr(lr)``. A retuned lane keeps its callback state (a plateau's best, wait and cooldown)
while its plan is unchanged; a changed plan starts fresh at the current epoch (Keras' ``initial_epoch``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from . import mlp
from .callbacks import LearningRateScheduler, LrCallbacks, lr_variable
from .datasets import Dataset
from .lanes import Lane, batch_key, batched_callbacks, batched_optimizer
from .optimizers import Optimizer
from .retunes import Retune, retune_text

#: History columns, one row per lane per evaluation (a classification session).
HISTORY_COLUMNS = ("step", "epoch", "lane", "train_loss", "train_accuracy", "test_loss", "test_accuracy")
#: History columns of a regression session: mean squared error and R^2 instead of accuracy.
REGRESSION_HISTORY_COLUMNS = ("step", "epoch", "lane", "train_loss", "train_r2", "test_loss", "test_r2")
BATCH_SIZE_RANGE = (1, 1024)
#: Keras' ``l2(...)`` strength the session accepts (0 = no regularisation).
L2_RANGE = (0.0, 1.0)
#: A lane whose mean training loss passes this many nats has blown up: chance level is ln(classes) <= 2.3, and a
#: confidently wrong network gets almost no gradient from Keras' clipped cross-entropy, so it rarely recovers.
DIVERGED_LOSS = 5.0
#: The same for regression on a standardised target, where predicting the mean scores an MSE of 1.
DIVERGED_REGRESSION_LOSS = 100.0
#: The weight trail (snapshots for the loss landscape) is thinned to every other evaluation beyond this size.
TRAIL_MAX_BYTES = 32 * 2**20


def history_columns(task: str) -> tuple[str, ...]:
    """The history columns of a session training for ``task`` (classification or regression)."""
    return REGRESSION_HISTORY_COLUMNS if task == "regression" else HISTORY_COLUMNS


class _Group(NamedTuple):
    """Lanes updated by one optimizer object: storage rows ``start:stop`` and their state; with lr plans, their
    callbacks, the callbacks' states and the lr variable ``(K_g,)`` (the optimizer steps with it)."""

    start: int
    stop: int
    optimizer: Optimizer
    state: Any
    control: LrCallbacks | None = None
    lr_states: tuple = ()
    lr: np.ndarray | None = None


class _LrCarry(NamedTuple):
    """A kept lane's lr variable ``(1,)`` and callback states, carried into its new group."""

    lr: np.ndarray
    states: tuple


def _slice_callback_state(state: Any, start: int, stop: int) -> Any:
    if state is None:
        return None
    if isinstance(state, np.ndarray):
        return np.array(state[start:stop])
    return type(state)(*(np.array(value[start:stop]) for value in state))


def _concatenate_callback_states(states: Sequence[Any]) -> Any:
    first = states[0]
    if first is None:
        return None
    if isinstance(first, np.ndarray):
        return np.concatenate(states)
    return type(first)(*(np.concatenate(parts) for parts in zip(*states, strict=True)))


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


def _carried(carry: _LrCarry, old: Lane, new: Lane) -> _LrCarry:
    """A kept plan's lr variable and states; a retuned lr restarts the lr variable there (as ``K.set_value``) and
    the scheduler's base (its state), the plateau's counters stay."""
    old_lr, new_lr = float(old.arguments["lr"]), float(new.arguments["lr"])
    if old_lr == new_lr:
        return carry
    lr = np.array([new_lr])
    states = tuple(
        callback.init(lr) if isinstance(callback, LearningRateScheduler) else state
        for callback, state in zip(new.callbacks(), carry.states, strict=True)
    )
    return _LrCarry(lr, states)


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
        network: the architecture (its inputs, outputs and task must match ``dataset``).
        lanes: 1 or more optimizer lanes.
        batch_size: samples per step, the same batches for every lane.
        seed: seeds the initial weights and the shuffle.
        keys: stable names of the lanes (default ``"0"``, ``"1"``, ...), used by ``configure``.
        l2: Keras' ``kernel_regularizer=l2(l2)`` on every layer, shared by all lanes (``set_l2`` changes it).
    """

    def __init__(
        self,
        dataset: Dataset,
        network: mlp.Network,
        lanes: Sequence[Lane],
        batch_size: int = 32,
        seed: int = 0,
        keys: Sequence[str] | None = None,
        l2: float = 0.0,
    ) -> None:
        if network.task != dataset.task:
            raise ValueError(f"a {network.task} network cannot train on {dataset.task} data")
        if network.inputs != dataset.inputs or network.outputs != dataset.outputs:
            wanted = "1 output" if dataset.is_regression else f"{dataset.classes} classes"
            raise ValueError(f"network {network.describe()} does not fit {dataset.inputs} inputs and {wanted}")
        if not BATCH_SIZE_RANGE[0] <= batch_size <= BATCH_SIZE_RANGE[1]:
            raise ValueError(f"batch size must be in {list(BATCH_SIZE_RANGE)}, got {batch_size}")
        self.l2 = _checked_l2(l2)
        self.columns = history_columns(network.task)
        self.dataset = dataset
        self.network = network
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.initial_weights = mlp.init_weights(network, seed)
        self.steps_per_epoch = math.ceil(len(dataset.y_train) / self.batch_size)
        self._epoch_order: tuple[int, np.ndarray] | None = None
        self._grid: tuple | None = None
        self._history = np.empty((0, len(self.columns)))
        self._history_lr = np.empty(0)  # the lr variable of each history row
        self._history_rows = 0
        self._trail = np.empty((0, network.parameter_count))  # flat weights, one row per lane per evaluation
        self._trail_keys = np.empty((0, 2), dtype=np.int64)  # (step, lane id) of each trail row
        self._trail_rows = 0
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
        self._retunes: list[tuple[int, int, Lane, Lane]] = []  # (step, lane id, lane before, lane after)
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
        old_lr = self._lr_by_row()
        weights, states, diverged, ids, new_keys, carries, epoch_losses = [], [], [], [], [], [], []
        for lane, key in zip(lanes, keys, strict=True):
            row = old_row.get(key)
            carries.append(None)
            epoch_losses.append((0.0, 0))
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
                self._note_retune(self._ids[self.keys.index(key)], old_lane, lane)
                state = old_states[row] if _state_carries_over(old_lane, lane) else None
                mark = int(self._diverged[row])
                epoch_losses[-1] = (float(self._loss_sum[row]), int(self._loss_count[row]))
                if row in old_lr and old_lane.lr_plan == lane.lr_plan and old_lane.optimizer == lane.optimizer:
                    carries[-1] = _carried(old_lr[row], old_lane, lane)
                ids.append(self._ids[self.keys.index(key)])
            if state is None:
                state = lane.build().init(lane_weights)
            weights.append(lane_weights)
            states.append(state)
            diverged.append(mark)
        self._regroup(lanes, keys, ids, weights, states, diverged, carries, epoch_losses)
        if new_keys and self._history_rows:
            self._record(only=[self.keys.index(k) for k in new_keys])
        elif not self._history_rows:
            self._record()

    def _note_retune(self, lane_id: int, old: Lane, new: Lane) -> None:
        """Remember that lane ``lane_id`` changed from ``old`` to ``new`` at this step (not before training starts;
        several changes at one step are one retune, dropped if it ends where it began)."""
        if old == new or self.step == 0:
            return
        last = next((i for i in range(len(self._retunes) - 1, -1, -1) if self._retunes[i][1] == lane_id), None)
        if last is not None and self._retunes[last][0] == self.step:
            old = self._retunes.pop(last)[2]
        if old != new:
            self._retunes.append((self.step, lane_id, old, new))

    def retunes(self) -> list[Retune]:
        """Every retune of the current lanes during training, in order: the step, its epoch, the lane's position and
        what changed (``lr 0.01 → 0.003``)."""
        position = {lane_id: index for index, lane_id in enumerate(self._ids)}
        return [
            Retune(step, step / self.steps_per_epoch, position[lane_id], retune_text(old, new))
            for step, lane_id, old, new in self._retunes
            if lane_id in position
        ]

    def _states_by_row(self) -> dict[int, Any]:
        states = {}
        for group in self._groups:
            if group.stop - group.start == 1:
                states[group.start] = group.state  # a native lane's state is a handle: never sliced
                continue
            for row in range(group.start, group.stop):
                states[row] = slice_state(group.state, row - group.start, row - group.start + 1)
        return states

    def _lr_by_row(self) -> dict[int, _LrCarry]:
        """Each storage row's lr variable and callback states (rows of groups with an lr plan only)."""
        carried = {}
        for group in self._groups:
            if group.control is None:
                continue
            for row in range(group.start, group.stop):
                start, stop = row - group.start, row - group.start + 1
                states = tuple(_slice_callback_state(state, start, stop) for state in group.lr_states)
                carried[row] = _LrCarry(np.array(group.lr[start:stop]), states)
        return carried

    def _regroup(self, lanes, keys, ids, weights, states, diverged, carries=None, epoch_losses=None) -> None:
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
        carries = carries or [None] * len(lanes)
        epoch_losses = epoch_losses or [(0.0, 0)] * len(lanes)
        self._loss_sum = np.array([epoch_losses[i][0] for i in order], dtype=np.float64)
        self._loss_count = np.array([epoch_losses[i][1] for i in order], dtype=np.int64)
        self._groups = []
        start = 0
        while start < len(order):
            stop = start
            while stop < len(order) and group_keys[order[stop]] == group_keys[order[start]]:
                stop += 1
            members = order[start:stop]
            optimizer = batched_optimizer([lanes[i] for i in members])
            state = optimizer.adopt_state(concatenate_states([states[i] for i in members]))
            group = _Group(start, stop, optimizer, state)
            control = LrCallbacks.of(batched_callbacks([lanes[i] for i in members]))
            if control is not None:
                group = self._with_callbacks(group, control, [carries[i] for i in members])
            self._groups.append(group)
            start = stop
        self.lanes, self.keys, self._ids = list(lanes), list(keys), list(ids)
        self._joined = {k: self._joined.get(k, 0) for k in keys}

    def _with_callbacks(self, group: _Group, control: LrCallbacks, carries: list[_LrCarry | None]) -> _Group:
        """``group`` with its callbacks: fresh states (Keras' start) for new plans, carried ones for kept plans;
        the current epoch begun (idempotent for both callbacks) so a plan starting mid-epoch acts at once."""
        lr = lr_variable(group.optimizer, group.stop - group.start)
        fresh = control.init(lr)
        rows_lr, rows_states = [], []
        for index, carry in enumerate(carries):
            if carry is None:
                rows_lr.append(lr[index : index + 1])
                rows_states.append(tuple(_slice_callback_state(s, index, index + 1) for s in fresh))
            else:
                rows_lr.append(carry.lr)
                rows_states.append(carry.states)
        lr = np.concatenate(rows_lr)
        lr_states = tuple(
            _concatenate_callback_states([states[c] for states in rows_states]) for c in range(len(control.callbacks))
        )
        lr, lr_states = control.on_epoch_begin(self.step // self.steps_per_epoch, lr, lr_states)
        return group._replace(optimizer=group.optimizer.with_lr(lr), control=control, lr_states=lr_states, lr=lr)

    def _begin_epoch(self) -> None:
        """Keras' ``on_epoch_begin`` for every group with lr callbacks (the epoch about to start)."""
        epoch = self.step // self.steps_per_epoch
        for index, group in enumerate(self._groups):
            if group.control is not None:
                lr, states = group.control.on_epoch_begin(epoch, group.lr, group.lr_states)
                self._groups[index] = group._replace(optimizer=group.optimizer.with_lr(lr), lr_states=states, lr=lr)

    def _end_epoch(self) -> None:
        """Keras' ``on_epoch_end`` with each run's mean batch loss of the epoch just done; the sums start over."""
        epoch = self.step // self.steps_per_epoch - 1
        with np.errstate(all="ignore"):
            means = self._loss_sum / np.maximum(self._loss_count, 1)
        means[self._loss_count == 0] = np.nan
        for index, group in enumerate(self._groups):
            if group.control is not None:
                logs = {"loss": means[group.start : group.stop]}
                lr, states = group.control.on_epoch_end(epoch, group.lr, logs, group.lr_states)
                self._groups[index] = group._replace(optimizer=group.optimizer.with_lr(lr), lr_states=states, lr=lr)
        self._loss_sum[:] = 0.0
        self._loss_count[:] = 0

    def lrs(self) -> np.ndarray:
        """The lr variable of every lane now (lane order): set by its plan, else its optimizer's lr (NaN for a
        native lane, whose lr optviz does not track). The optimizer's own ``decay`` applies on top."""
        values = np.empty(len(self._rows))
        for group in self._groups:
            size = group.stop - group.start
            values[group.start : group.stop] = group.lr if group.lr is not None else lr_variable(group.optimizer, size)
        return values[self._rows]

    def plan_states(self) -> list[tuple | None]:
        """Per lane (lane order): its lr callbacks' states, one row (e.g. a plateau's best, wait and cooldown
        counter), None for a lane without a plan."""
        states: list[tuple | None] = [None] * len(self._rows)
        rows = self._lr_by_row()
        for position, row in enumerate(self._rows):
            states[position] = rows[int(row)].states if int(row) in rows else None
        return states

    def set_l2(self, l2: float) -> None:
        """Change the L2 strength between steps (weights and optimizer states are kept, as Playground does)."""
        self.l2 = _checked_l2(l2)

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
        activation, task = self.network.activation, self.network.task
        for _ in range(int(steps)):
            if self.step % self.steps_per_epoch == 0:
                self._begin_epoch()
            batch = self.batch_indices(self.step)
            with np.errstate(all="ignore"):
                losses, grads = mlp.loss_and_grads(
                    self.weights, self.dataset.x_train[batch], self.dataset.y_train[batch], activation, task, self.l2
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
                self._loss_sum += losses * len(batch)  # Keras logs the batch-size weighted mean of the epoch
            self._loss_count += len(batch)
            self.step += 1
            if self.step % self.steps_per_epoch == 0:
                self._end_epoch()
        self._record()

    # -- evaluation ---------------------------------------------------------------------------------
    def evaluate(self) -> dict[str, np.ndarray]:
        """Loss (with the L2 penalty, as Keras reports it) and accuracy, or MSE and R^2 for regression, on the
        full train and test sets, per lane (lane order), NaN once diverged."""
        data, task = self.dataset, self.network.task
        score = mlp.r_squared if task == "regression" else mlp.accuracy
        with np.errstate(all="ignore"):
            train = mlp.predict(self.weights, data.x_train, self.network.activation, task)
            test = mlp.predict(self.weights, data.x_test, self.network.activation, task)
            penalty = mlp.l2_penalty(self.weights, self.l2) if self.l2 else 0.0
            result = {
                "train_loss": mlp.data_loss(train, data.y_train, task) + penalty,
                self.columns[4]: score(train, data.y_train),
                "test_loss": mlp.data_loss(test, data.y_test, task) + penalty,
                self.columns[6]: score(test, data.y_test),
            }
        limit = DIVERGED_REGRESSION_LOSS if task == "regression" else DIVERGED_LOSS
        broken = ~np.isfinite(train.reshape(len(train), -1).sum(axis=1)) | ~(result["train_loss"] < limit)
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
                *(metrics[name][lanes] for name in self.columns[3:]),
            ]
        )
        needed = self._history_rows + len(rows)
        if needed > len(self._history):
            grown = np.empty((max(2 * len(self._history), needed, 256), len(self.columns)))
            grown[: self._history_rows] = self._history[: self._history_rows]
            grown_lr = np.empty(len(grown))
            grown_lr[: self._history_rows] = self._history_lr[: self._history_rows]
            self._history, self._history_lr = grown, grown_lr
        self._history[self._history_rows : needed] = rows
        self._history_lr[self._history_rows : needed] = self.lrs()[lanes]
        self._history_rows = needed
        self._record_trail(lanes)

    def _record_trail(self, lanes: np.ndarray) -> None:
        """Append the flat weights of ``lanes`` (lane positions) to the trail; thin it when it grows too big."""
        flat = mlp.flatten_weights(self.weights)[self._rows[lanes]]
        keys = np.column_stack([np.full(len(lanes), self.step), np.asarray(self._ids, dtype=np.int64)[lanes]])
        needed = self._trail_rows + len(flat)
        if needed * flat.shape[1] * 8 > TRAIL_MAX_BYTES:
            self._thin_trail()
            needed = self._trail_rows + len(flat)
        if needed > len(self._trail):
            size = max(2 * len(self._trail), needed, 64)
            grown, grown_keys = np.empty((size, flat.shape[1])), np.empty((size, 2), dtype=np.int64)
            grown[: self._trail_rows] = self._trail[: self._trail_rows]
            grown_keys[: self._trail_rows] = self._trail_keys[: self._trail_rows]
            self._trail, self._trail_keys = grown, grown_keys
        self._trail[self._trail_rows : needed] = flat
        self._trail_keys[self._trail_rows : needed] = keys
        self._trail_rows = needed

    def _thin_trail(self) -> None:
        """Keep every other evaluation step (and every lane's first and the latest rows)."""
        keys = self._trail_keys[: self._trail_rows]
        steps = np.unique(keys[:, 0])
        keep = np.isin(keys[:, 0], np.append(steps[::2], steps[-1]))
        keep[np.unique(keys[:, 1], return_index=True)[1]] = True
        count = int(keep.sum())
        self._trail[:count] = self._trail[: self._trail_rows][keep]
        self._trail_keys[:count] = keys[keep]
        self._trail_rows = count

    def trajectories(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per lane (lane order): the evaluated steps ``(T_k,)`` and the flat weights there ``(T_k, P)``
        (``mlp.flatten_weights`` layout); a lane's trail starts where it joined (the initial weights)."""
        keys = self._trail_keys[: self._trail_rows]
        steps, paths = [], []
        for lane_id in self._ids:
            mine = np.flatnonzero(keys[:, 1] == lane_id)
            steps.append(keys[mine, 0].copy())
            paths.append(self._trail[mine])
        return steps, paths

    @property
    def epoch(self) -> float:
        """Epochs done (fractional: steps / steps per epoch)."""
        return self.step / self.steps_per_epoch

    def history(self) -> dict[str, np.ndarray]:
        """Columns of ``self.columns`` (``HISTORY_COLUMNS``, or ``REGRESSION_HISTORY_COLUMNS`` for regression) for
        the current lanes; ``lane`` is the lane's position."""
        table = self._history[: self._history_rows]
        position = np.full(self._next_id, -1, dtype=np.int64)  # lane id -> current position (-1: removed)
        position[np.asarray(self._ids, dtype=np.int64)] = np.arange(len(self._ids))
        lane_position = position[table[:, 2].astype(np.int64)]
        keep = lane_position >= 0
        columns = {name: table[keep, j] for j, name in enumerate(self.columns)}
        columns["lane"] = lane_position[keep]
        columns["step"] = columns["step"].astype(np.int64)
        return columns

    def lr_history(self) -> dict[str, np.ndarray]:
        """``step``, ``lane`` (position) and ``lr`` (the lane's lr variable, :meth:`lrs`) at every evaluation of
        the current lanes, in the rows of :meth:`history`."""
        history = self.history()
        table = self._history[: self._history_rows]
        position = np.full(self._next_id, -1, dtype=np.int64)
        position[np.asarray(self._ids, dtype=np.int64)] = np.arange(len(self._ids))
        keep = position[table[:, 2].astype(np.int64)] >= 0
        return {"step": history["step"], "lane": history["lane"], "lr": self._history_lr[: self._history_rows][keep]}

    def latest(self, finite: bool = False) -> dict[str, np.ndarray]:
        """The last recorded metrics per lane (lane order); with ``finite``, a diverged lane's last finite ones
        (its state when it blew up) instead of NaN."""
        history = self.history()
        keep = np.isfinite(history["train_loss"]) if finite else np.ones(len(history["lane"]), dtype=bool)
        result = {}
        for name in self.columns[3:]:
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
        lane (lane order) in one batched forward pass (for regression: the standardised predicted target
        ``(K, G, G, 1)``); covers the data with ``margin`` to spare."""
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
            outputs = mlp.predict(self.lane_weights(), grid, self.network.activation, self.network.task)
        return xs, ys, outputs.reshape(len(self.lanes), resolution, resolution, -1)

    def confusion_matrices(self, split: str = "test") -> np.ndarray:
        """Counts ``(K, C, C)`` of (true class, predicted class) per lane on the train or test split."""
        if self.network.is_regression:
            raise ValueError("a regression network has no confusion matrix")
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


def torch_script(network: mlp.Network, lane: Lane, batch_size: int, l2: float = 0.0) -> str:
    """PyTorch code for a torch.optim lane: the same network (Glorot-uniform kernels, zero biases, as Keras and
    optviz start), the lane's optimizer, the loss (with Keras' L2 kernel penalty written out when ``l2 > 0``:
    torch's ``weight_decay`` would also decay the biases) and a training loop on shuffled mini-batches."""
    layers = []
    widths = network.widths
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(widths)):
        layers.append(f"    torch.nn.Linear({fan_in}, {fan_out}),")
        if index < len(widths) - 2:
            layers.append(f"    torch.nn.{TORCH_ACTIVATIONS[network.activation]}(),")
    optimizer = lane.keras_code().replace("(params", "(model.parameters()")
    if network.is_regression:
        loss_lines = [
            "loss_function = torch.nn.MSELoss()  # Keras' mean_squared_error",
            "x, y = torch.as_tensor(x_train), torch.as_tensor(y_train, dtype=torch.float64).reshape(-1, 1)",
        ]
    else:
        loss_lines = [
            "loss_function = torch.nn.CrossEntropyLoss()  # softmax + cross-entropy on the logits",
            "x, y = torch.as_tensor(x_train), torch.as_tensor(y_train)",
        ]
    loss = "loss = loss_function(model(x[batch]), y[batch])"
    if l2 > 0:
        loss_lines.append("kernels = [layer.weight for layer in model if isinstance(layer, torch.nn.Linear)]")
        loss += f" + {l2:g} * sum((kernel**2).sum() for kernel in kernels)  # Keras' l2({l2:g}) on the kernels"
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
            *loss_lines,
            "for epoch in range(10):",
            f"    for batch in torch.randperm(len(x)).split({batch_size}):",
            "        optimizer.zero_grad()",
            f"        {loss}",
            "        loss.backward()",
            "        optimizer.step()",
        ]
    )


def _compile_and_fit(
    network: mlp.Network, optimizer: str, batch_size: int, one_line: bool, callbacks: bool = False
) -> list[str]:
    """The ``compile`` and ``fit`` lines: cross-entropy on one-hot labels, or MSE on the target; with
    ``callbacks``, ``fit`` gets ``callbacks=callbacks``."""
    if network.is_regression:
        arguments = [f"optimizer={optimizer}", "loss='mean_squared_error'"]
        targets = "y_train"
    else:
        arguments = [f"optimizer={optimizer}", "loss='categorical_crossentropy'", "metrics=['accuracy']"]
        targets = f"keras.utils.to_categorical(y_train, {network.classes})"
    passed = ", callbacks=callbacks" if callbacks else ""
    fit = f"model.fit(x_train, {targets}, batch_size={batch_size}, epochs=10, shuffle=True{passed})"
    if one_line:
        return [f"model.compile({', '.join(arguments)})", fit]
    return ["model.compile(", *(f"    {argument}," for argument in arguments), ")", fit]


def keras_script(network: mlp.Network, lane: Lane, batch_size: int, l2: float = 0.0) -> str:
    """Keras 2.2.4 code for one lane: the Sequential model (``kernel_regularizer=l2(l2)`` on every layer when
    ``l2 > 0``), the lane's lr callbacks (the schedule function written out), ``compile`` with the lane's optimizer
    and the task's loss, and ``fit``. A torch.optim lane gets
    :func:`torch_script`; a tf.keras lane the same model in ``tf.keras``."""
    if lane.framework == "torch":
        return torch_script(network, lane, batch_size, l2)
    if lane.framework == "tf_keras":
        return "\n".join(
            [
                "import tf_keras",
                "keras = tf_keras  # Keras 2 as TensorFlow ships it",
                "",
                network.keras_code(l2),
                *_compile_and_fit(network, lane.keras_code(), batch_size, one_line=True),
            ]
        )
    callbacks = lane.callbacks_code()  # the lr plan: the schedule written out and ``callbacks = [...]``
    fit = _compile_and_fit(network, lane.keras_code(), batch_size, False, callbacks=bool(callbacks))
    plan = [line for line in callbacks.splitlines() if not line.startswith("# model.fit")]
    imports = [line for line in plan if line.startswith("import ")]
    body = "\n".join(line for line in plan if not line.startswith("import ")).strip()
    return "\n".join(["import keras", *imports, "", network.keras_code(l2), *(["", body, ""] if body else []), *fit])


def _checked_l2(l2: float) -> float:
    low, high = L2_RANGE
    if not low <= l2 <= high:  # also refuses NaN
        raise ValueError(f"l2 must be in [{low:g}, {high:g}], got {l2:g}")
    return float(l2)
