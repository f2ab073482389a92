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
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .lanes import Lane, batch_key, batched_callbacks, batched_optimizer
from .page_states.explorer import ExplorerState
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
    if int(ensemble) < 1:
        raise ValueError(f"ensemble must be at least 1, got {ensemble}")
    members = int(ensemble) if noise_sigma > 0 else 1  # without noise every member would repeat run 0
    runs = len(lanes) * members
    trajectory = run(
        batched_optimizer(lanes, members),
        value_and_grad,
        np.tile(np.asarray(start, dtype=np.float64), (runs, 1)),
        steps,
        noise_sigma=noise_sigma,
        noise_seed=np.tile(noise_seed + np.arange(members), len(lanes)),
        bound=bound,
        callbacks=batched_callbacks(lanes, members),
    )
    return [_take(trajectory, slice(i * members, (i + 1) * members)) for i in range(len(lanes))]


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
    one core call per optimizer class (and kind of lr plan). Without noise only one run per lane is made.

    ``group_runner`` (same arguments as :func:`run_group`) lets a page cache each group's run, so that a
    change to one lane re-runs its class only."""
    results: list[Trajectory | None] = [None] * len(lanes)
    for indices in lane_groups(lanes):
        group = group_runner(
            [lanes[i] for i in indices],
            value_and_grad,
            start,
            steps,
            noise_sigma=noise_sigma,
            noise_seed=noise_seed,
            ensemble=ensemble,
            bound=bound,
        )
        for index, trajectory in zip(indices, group, strict=True):
            results[index] = trajectory
    return results  # type: ignore[return-value]


def run_explorer(state: ExplorerState, group_runner: Callable[..., list[Trajectory]] = run_group) -> list[Trajectory]:
    """Every lane's trajectory for the surface explorer's ``state`` (its surface, start, steps, noise and lanes):
    what the page draws and what a scenario's lesson quotes. ``group_runner`` as in :func:`run_lanes`."""
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
