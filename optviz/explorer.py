"""Run every lane of the surface explorer, times an ensemble of seeded noisy runs, in few batched calls.

Lanes of the same optimizer class (and the same boolean switches: nesterov, amsgrad) share one
``runner.run`` call whose continuous hyperparameters are per-run arrays, so 6 lanes x 20 ensemble
members cost at most one run per class, not 120 runs. Member m of every lane gets noise seed
``seed + m``, so lanes see the same noise and each member reproduces when run alone.

A native lane (torch.optim / tf.keras rules, ``lane.is_native``) runs alone, through ``lane.build()``:
its hyperparameters live inside the framework's optimizer, so it cannot share a batch with other lanes
(its ensemble members still share its one run, on the runs axis).

A lane's lr plan (``Lane.plan``: a schedule or a plateau rule) runs as Keras' callbacks on the same batch:
lanes share a batch only with lanes of the same kind of plan (:func:`optviz.lanes.batch_key`), whose numbers
become per-run arrays (:func:`optviz.lanes.batched_callbacks`).

Groups of different optimizer classes then share one step loop (:func:`run_stack`, an
:class:`optviz.optimizers.Stacked` optimizer: each class updates its own slice of the runs axis), so the loss and
gradient are evaluated once per step for every lane: 6 lanes x 1000 steps cost one loop of 1000 steps, not six.
:class:`RunCache` keeps each group's runs (a bounded LRU), so a change to one lane re-runs its class only while a
new surface, start or step count runs every lane in one loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

import numpy as np

from .lanes import Lane, batch_key, batched_callbacks, batched_optimizer
from .optimizers import Stacked
from .page_states.explorer import EXPLORER_MAX_STEPS, ExplorerState
from .runner import DEFAULT_BOUND, Trajectory, ValueAndGrad, run
from .surface_spec import build_surface


def _take(trajectory: Trajectory, columns: slice) -> Trajectory:
    return Trajectory(
        trajectory.positions[:, columns],
        trajectory.losses[:, columns],
        trajectory.grad_norms[:, columns],
        trajectory.clip_factors[:, columns],
        trajectory.diverged_step[columns],
        None if trajectory.lrs is None else trajectory.lrs[:, columns],
    )


def lane_groups(lanes: Sequence[Lane]) -> list[tuple[int, ...]]:
    """Indices of the lanes that can share one batched run (same optimizer class, switches and kind of lr
    plan), in order."""
    groups: dict[tuple, list[int]] = {}
    for index, lane in enumerate(lanes):
        groups.setdefault(batch_key(lane, index), []).append(index)
    return [tuple(indices) for indices in groups.values()]


def run_group(
    lanes: Sequence[Lane],
    value_and_grad: ValueAndGrad,
    start: tuple[float, float],
    steps: int,
    *,
    noise_sigma: float = 0.0,
    noise_seed: int = 0,
    ensemble: int = 1,
    bound: float = DEFAULT_BOUND,
) -> list[Trajectory]:
    """One batched core call for ``lanes`` of one group (see :func:`lane_groups`); a trajectory per lane."""
    native = any(lane.is_native for lane in lanes)
    if native and len(lanes) != 1:
        raise ValueError("a native (torch.optim / tf.keras) lane runs alone: pass it as a group of one")
    if not native and len({batch_key(lane) for lane in lanes}) != 1:
        raise ValueError(
            "run_group needs lanes of one optimizer class with the same nesterov / amsgrad and kind of lr plan"
        )
    return _run_batch(lambda members: batched_optimizer(lanes, members), lanes, value_and_grad, start, steps,
                      noise_sigma, noise_seed, ensemble, bound)  # fmt: skip


def _run_batch(
    make_optimizer: Callable[[int], object],
    lanes: Sequence[Lane],
    value_and_grad: ValueAndGrad,
    start,
    steps: int,
    noise_sigma: float,
    noise_seed: int,
    ensemble: int,
    bound: float,
) -> list[Trajectory]:
    """One core run over ``lanes`` with ``ensemble`` members each (one without noise: every member would repeat run
    0; member m of each lane has seed ``noise_seed + m``), all from ``start``, the lanes' lr plans as batched
    callbacks and ``make_optimizer(members)`` as the optimizer; a trajectory per lane."""
    if int(ensemble) < 1:
        raise ValueError(f"ensemble must be at least 1, got {ensemble}")
    members = int(ensemble) if noise_sigma > 0 else 1
    trajectory = run(
        make_optimizer(members),
        value_and_grad,
        np.tile(np.asarray(start, dtype=np.float64), (len(lanes) * members, 1)),
        steps,
        noise_sigma=noise_sigma,
        noise_seed=np.tile(noise_seed + np.arange(members), len(lanes)),
        bound=bound,
        callbacks=batched_callbacks(lanes, members),
    )
    return [_take(trajectory, slice(i * members, (i + 1) * members)) for i in range(len(lanes))]


def stack_key(lanes: Sequence[Lane], index: int = -1) -> tuple:
    """Groups (see :func:`lane_groups`) with equal keys can share one step loop (:func:`run_stack`): Keras 2.2.4
    lanes with the same kind of lr plan (their callbacks then stack per run). A native lane never shares (its
    group's ``index`` tells it apart)."""
    if any(lane.is_native for lane in lanes):
        return ("native", index)
    return ("stack", lanes[0].lr_plan.key())


def run_stack(
    groups: Sequence[Sequence[Lane]],
    value_and_grad: ValueAndGrad,
    start: tuple[float, float],
    steps: int,
    *,
    noise_sigma: float = 0.0,
    noise_seed: int = 0,
    ensemble: int = 1,
    bound: float = DEFAULT_BOUND,
) -> list[list[Trajectory]]:
    """One step loop for several groups (one :func:`stack_key`): the result of :func:`run_group` for each group
    (the same runs to a few ulps: only the batch's length differs), with the loss and gradient evaluated once
    per step for all of them."""
    groups = [list(group) for group in groups]
    if len(groups) == 1:
        return [run_group(groups[0], value_and_grad, start, steps, noise_sigma=noise_sigma, noise_seed=noise_seed,
                          ensemble=ensemble, bound=bound)]  # fmt: skip
    if len({stack_key(group, i) for i, group in enumerate(groups)}) != 1 or any(
        len({batch_key(lane) for lane in group}) != 1 for group in groups
    ):
        raise ValueError("run_stack needs groups of one optimizer class each (lane_groups) and one kind of lr plan")
    lanes = [lane for group in groups for lane in group]

    def stacked(members: int) -> Stacked:
        return Stacked([batched_optimizer(group, members) for group in groups], [len(g) * members for g in groups])

    per_lane = _run_batch(stacked, lanes, value_and_grad, start, steps, noise_sigma, noise_seed, ensemble, bound)
    ends = np.cumsum([len(group) for group in groups])
    return [per_lane[end - len(group) : end] for end, group in zip(ends, groups, strict=True)]


def run_lanes(
    lanes: Sequence[Lane],
    value_and_grad: ValueAndGrad,
    start: tuple[float, float],
    steps: int,
    *,
    noise_sigma: float = 0.0,
    noise_seed: int = 0,
    ensemble: int = 1,
    bound: float = DEFAULT_BOUND,
    group_runner: Callable[..., list[Trajectory]] = run_group,
) -> list[Trajectory]:
    """One :class:`Trajectory` per lane with ``ensemble`` runs each (run 0 uses seed ``noise_seed``):
    one step loop for every Keras 2.2.4 lane with the same kind of lr plan (:func:`run_stack`), one batched
    run per optimizer class inside it. Without noise only one run per lane is made.

    ``group_runner`` (same arguments as :func:`run_group`), if given, runs each group on its own instead (a
    page caching each group's run; :class:`RunCache` does that and still stacks the groups it runs)."""
    results: list[Trajectory | None] = [None] * len(lanes)
    options = dict(noise_sigma=noise_sigma, noise_seed=noise_seed, ensemble=ensemble, bound=bound)
    groups = lane_groups(lanes)
    if group_runner is run_group:
        for stack in _stacks([[lanes[i] for i in indices] for indices in groups]):
            ran = run_stack([[lanes[i] for i in groups[g]] for g in stack], value_and_grad, start, steps, **options)
            for g, group in zip(stack, ran, strict=True):
                for index, trajectory in zip(groups[g], group, strict=True):
                    results[index] = trajectory
        return results  # type: ignore[return-value]
    for indices in groups:
        group = group_runner([lanes[i] for i in indices], value_and_grad, start, steps, **options)
        for index, trajectory in zip(indices, group, strict=True):
            results[index] = trajectory
    return results  # type: ignore[return-value]


def _stacks(groups: Sequence[Sequence[Lane]]) -> list[list[int]]:
    """Indices of the groups that can share one step loop (one :func:`stack_key`), in order."""
    stacks: dict[tuple, list[int]] = {}
    for index, group in enumerate(groups):
        stacks.setdefault(stack_key(group, index), []).append(index)
    return list(stacks.values())


class RunCache:
    """The explorer's runs, one entry per group of lanes (see :func:`lane_groups`) and setting, the last
    ``max_entries`` kept within ``max_bytes`` of arrays (thread-safe: sessions share it). Runs are recorded to a
    multiple of ``step_block`` steps (at most ``max_steps``) and cut (:meth:`Trajectory.prefix`), so a longer or
    shorter run within a block is served from one entry. Stored arrays are read-only."""

    def __init__(
        self,
        max_entries: int = 96,
        step_block: int = 100,
        max_steps: int = EXPLORER_MAX_STEPS,
        max_bytes: int = 256 * 2**20,
    ) -> None:
        if max_entries < 1 or step_block < 1 or max_bytes < 1:
            raise ValueError("a RunCache keeps at least one entry and records at least one step per block")
        self.max_entries, self.step_block, self.max_steps = int(max_entries), int(step_block), int(max_steps)
        self.max_bytes = int(max_bytes)
        self._entries: OrderedDict[Hashable, tuple[list[Trajectory], int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays kept."""
        return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def recorded_steps(self, steps: int) -> int:
        """The steps recorded for a run of ``steps``: up to the next multiple of the block, at most the maximum."""
        return max(int(steps), min(self.max_steps, -(-int(steps) // self.step_block) * self.step_block))

    def runs(self, state: ExplorerState) -> list[Trajectory]:
        """Every lane's trajectory for ``state``: cached groups as they are, the others run in one step loop per
        :func:`stack_key` and kept."""
        surface = build_surface(state.surface)
        recorded = self.recorded_steps(state.steps)
        members = state.ensemble if state.noise > 0 else 1
        setting = (state.surface, state.start, recorded, state.noise, state.seed if state.noise > 0 else 0, members)
        groups = lane_groups(state.lanes)
        keys = [(tuple(state.lanes[i] for i in indices), *setting) for indices in groups]
        found = [self._get(key) for key in keys]
        missing = [g for g, runs in enumerate(found) if runs is None]
        for stack in _stacks([keys[g][0] for g in missing]):
            chosen = [missing[s] for s in stack]
            ran = run_stack(
                [keys[g][0] for g in chosen],
                surface.value_and_grad,
                state.start,
                recorded,
                noise_sigma=state.noise,
                noise_seed=state.seed,
                ensemble=members,
            )
            for g, trajectories in zip(chosen, ran, strict=True):
                found[g] = self._put(keys[g], [_kept(trajectory) for trajectory in trajectories])
        results: list[Trajectory | None] = [None] * len(state.lanes)
        for indices, trajectories in zip(groups, found, strict=True):
            for index, trajectory in zip(indices, trajectories, strict=True):  # type: ignore[arg-type]
                results[index] = trajectory.prefix(state.steps)
        return results  # type: ignore[return-value]

    def _get(self, key: Hashable) -> list[Trajectory] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def _put(self, key: Hashable, runs: list[Trajectory]) -> list[Trajectory]:
        size = sum(_owned_bytes(trajectory) for trajectory in runs)
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[1]
            self._entries[key] = (runs, size)
            self._bytes += size
            while len(self._entries) > 1 and (len(self._entries) > self.max_entries or self._bytes > self.max_bytes):
                self._bytes -= self._entries.popitem(last=False)[1][1]
        return runs


def _owned_bytes(trajectory: Trajectory) -> int:
    """Bytes of a trajectory's arrays, a broadcast constant counting as nothing."""
    arrays = (getattr(trajectory, name) for name in _TRAJECTORY_FIELDS)
    return sum(a.nbytes for a in arrays if a is not None and not (a.strides and 0 in a.strides))


def _kept(trajectory: Trajectory) -> Trajectory:
    """A read-only copy owning its arrays (not a view keeping a whole stack's arrays alive)."""

    def own(array: np.ndarray | None) -> np.ndarray | None:
        if array is None:
            return None
        if array.strides and 0 in array.strides:  # a broadcast constant (lrs, clip factors): stays a view
            kept = array
        else:
            kept = np.array(array)
        kept.flags.writeable = False
        return kept

    return Trajectory(*(own(getattr(trajectory, name)) for name in _TRAJECTORY_FIELDS))


_TRAJECTORY_FIELDS = ("positions", "losses", "grad_norms", "clip_factors", "diverged_step", "lrs")

#: The surface explorer's runs, shared by every session of this process (the page and scenarios read it).
EXPLORER_RUNS = RunCache()


def run_explorer(
    state: ExplorerState,
    group_runner: Callable[..., list[Trajectory]] = run_group,
    *,
    cache: RunCache | None = None,
) -> list[Trajectory]:
    """Every lane's trajectory for the surface explorer's ``state`` (its surface, start, steps, noise and lanes):
    what the page draws and what a scenario's lesson quotes. ``group_runner`` as in :func:`run_lanes`; with
    ``cache`` (e.g. :data:`EXPLORER_RUNS`) each group's run is looked up there first (:meth:`RunCache.runs`)."""
    if cache is not None:
        return cache.runs(state)
    surface = build_surface(state.surface)
    return run_lanes(
        state.lanes,
        surface.value_and_grad,
        state.start,
        state.steps,
        noise_sigma=state.noise,
        noise_seed=state.seed,
        ensemble=state.ensemble,
        group_runner=group_runner,
    )
