"""One step loop for lanes of different optimizer classes (optimizers.Stacked, explorer.run_stack) and the
explorer's per-group RunCache: the same runs as each class alone, the loss evaluated once per step."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import explorer, optimizers
from optviz.explorer import RunCache, lane_groups, run_group, run_lanes, run_stack
from optviz.lanes import parse_lane
from optviz.page_states.explorer import ExplorerState
from optviz.runner import run
from optviz.surface_spec import make_spec
from optviz.surfaces import ROSENBROCK, get_surface

from .tolerances import assert_same_run

MIXED = (
    "adam:lr=0.01",
    "sgd:lr=0.001,momentum=0.9",
    "rmsprop:lr=0.01,decay=0.001",
    "adam:lr=0.03,clipvalue=0.5",
    "adagrad:lr=0.1",
    "nadam:lr=0.01",
    "adamax:lr=0.05,clipnorm=1",
    "adadelta:lr=1.0",
    "sgd:lr=0.0005,nesterov=1,momentum=0.5",
    "adam:lr=0.02,amsgrad=1",
)


def counting(monkeypatch) -> list[int]:
    """Patch the runner used by the explorer to count its calls (the number of step loops) and their runs."""
    calls: list[int] = []

    def counted(optimizer, value_and_grad, starts, steps, **options):
        calls.append(len(starts))
        return run(optimizer, value_and_grad, starts, steps, **options)

    monkeypatch.setattr(explorer, "run", counted)
    return calls


def test_a_stack_runs_each_part_as_it_runs_alone():
    parts = [
        optimizers.Adam(lr=[0.01, 0.2], clipnorm=[0.0, 1.0]),
        optimizers.SGD(lr=1.5),  # x -> -2x per step: diverges on the bowl: the others go on
        optimizers.Nadam(lr=[0.01]),
    ]
    stack = optimizers.Stacked(parts, [2, 1, 1])
    surface = get_surface("bowl")
    starts = np.array([[1.5, 1.5], [-1.0, 0.5], [1.5, 1.0], [0.3, -1.2]])
    together = run(stack, surface.value_and_grad, starts, 150, noise_sigma=0.1, noise_seed=[1, 2, 3, 4])
    for part, rows in zip(parts, (slice(0, 2), slice(2, 3), slice(3, 4)), strict=True):
        seeds = [1, 2, 3, 4][rows]
        alone = run(part, surface.value_and_grad, starts[rows], 150, noise_sigma=0.1, noise_seed=seeds)
        assert_same_run(together.positions[:, rows], alone.positions)  # another batch length: a few ulps apart
        assert_same_run(together.losses[:, rows], alone.losses)
        assert_same_run(together.lrs[:, rows], np.broadcast_to(alone.lrs, together.lrs[:, rows].shape))
        np.testing.assert_array_equal(together.clipped[:, rows], alone.clipped)  # booleans: exact
        np.testing.assert_array_equal(together.diverged_step[rows], alone.diverged_step)  # integers: exact
    assert together.clipped[:, 1].any() and not together.clipped[:, 0].any()
    assert together.diverged.tolist() == [False, False, True, False]


def test_a_stack_steps_purely_and_in_place_alike():
    stack = optimizers.Stacked([optimizers.Adamax(lr=[0.1, 0.2], clipnorm=0.5), optimizers.RMSprop(lr=0.1)], [2, 1])
    params = [np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])]
    grads = [np.array([[2.0, 1.0], [-1.0, 4.0], [0.2, 0.1]])]
    state = stack.init(params)
    before = [params[0].copy()], [a.copy() for a in state.parts[0].first_moments]
    moved, new_state = stack.update(params, grads, state)
    np.testing.assert_array_equal(params[0], before[0][0])  # pure: inputs untouched
    np.testing.assert_array_equal(state.parts[0].first_moments[0], before[1][0])
    in_place = [params[0].copy()]
    same_state = stack.update_inplace(in_place, grads, stack.init(in_place))
    np.testing.assert_array_equal(moved[0], in_place[0])  # the same call on the same numbers: exact
    np.testing.assert_array_equal(new_state.clip_factor, same_state.clip_factor)
    assert new_state.iterations == 1 and new_state.parts[1].iterations == 1
    assert new_state.clip_factor[0] < 1 and new_state.clip_factor[2] == 1.0
    assert stack.clips and not optimizers.Stacked([optimizers.SGD()], [3]).clips


def test_a_stack_refuses_mismatched_runs():
    with pytest.raises(ValueError, match="runs"):
        optimizers.Stacked([optimizers.SGD(), optimizers.Adam()], [1])
    with pytest.raises(ValueError, match="2 values but the params have 3 runs"):
        optimizers.Stacked([optimizers.Adam(lr=[0.1, 0.2])], [3])
    stack = optimizers.Stacked([optimizers.SGD(), optimizers.Adam()], [1, 2])
    with pytest.raises(ValueError, match="take 3 runs"):
        stack.init([np.zeros((2, 2))])
    with pytest.raises(ValueError, match="not stacks"):
        optimizers.Stacked([stack], [3])


def test_run_lanes_makes_one_step_loop_for_every_class_and_matches_each_group_alone(monkeypatch):
    lanes = [parse_lane(text) for text in MIXED]
    calls = counting(monkeypatch)
    stacked = run_lanes(lanes, ROSENBROCK.value_and_grad, (-1.2, 1.0), 300, noise_sigma=0.3, noise_seed=5, ensemble=3)
    assert calls == [len(lanes) * 3]  # one loop, every lane's three members on its runs axis
    for indices in lane_groups(lanes):
        alone = run_group([lanes[i] for i in indices], ROSENBROCK.value_and_grad, (-1.2, 1.0), 300,
                          noise_sigma=0.3, noise_seed=5, ensemble=3)  # fmt: skip
        for index, trajectory in zip(indices, alone, strict=True):
            assert_same_run(stacked[index].positions, trajectory.positions)  # other batch lengths: a few ulps apart
            assert_same_run(stacked[index].grad_norms, trajectory.grad_norms)
            np.testing.assert_array_equal(stacked[index].clipped, trajectory.clipped)
            np.testing.assert_array_equal(stacked[index].diverged_step, trajectory.diverged_step)


def test_lanes_with_one_kind_of_lr_plan_share_a_loop_and_keep_their_plans(monkeypatch):
    texts = [
        "sgd:lr=0.004,momentum=0.9,schedule=step,every=20,drop=0.5",
        "adam:lr=0.05,schedule=step,every=30,drop=0.8",
        "rmsprop:lr=0.01,plateau=0.5,patience=3,min_delta=0.5",
        "adagrad:lr=0.1,plateau=0.2,patience=5,min_delta=0.5",
        "nadam:lr=0.01",
    ]
    lanes = [parse_lane(text, allow_plan=True) for text in texts]
    calls = counting(monkeypatch)
    stacked = run_lanes(lanes, ROSENBROCK.value_and_grad, (-1.2, 1.0), 150)
    assert sorted(calls) == [1, 2, 2]  # step schedules together, plateau rules together, the constant lr alone
    for lane, trajectory in zip(lanes, stacked, strict=True):
        alone = run(lane.build(), ROSENBROCK.value_and_grad, [(-1.2, 1.0)], 150, callbacks=lane.callbacks())
        assert_same_run(trajectory.positions, alone.positions)  # other batch lengths: a few ulps apart
        assert_same_run(trajectory.lrs, alone.lrs)
    expected = [0.05 * 0.8 ** (k // 30) for k in range(150)]
    np.testing.assert_allclose(stacked[1].lrs[:, 0], expected, rtol=1e-12)  # drops multiplied in turn vs a power
    assert stacked[2].lrs[-1, 0] < 0.01  # the plateau rule cut the lr at least once


def test_run_stack_refuses_groups_that_cannot_share_a_loop():
    plain, planned = parse_lane("sgd:lr=0.01"), parse_lane("adam:lr=0.01,schedule=exp,gamma=0.9", allow_plan=True)
    with pytest.raises(ValueError, match="kind of lr plan"):
        run_stack([[plain], [planned]], ROSENBROCK.value_and_grad, (0.0, 0.0), 5)
    with pytest.raises(ValueError, match="one optimizer class each"):
        run_stack([[plain, parse_lane("adam")], [parse_lane("nadam")]], ROSENBROCK.value_and_grad, (0.0, 0.0), 5)


def state_of(texts, **changes) -> ExplorerState:
    return ExplorerState(surface=make_spec("rosenbrock"), start=(-1.2, 1.0), steps=250,
                         lanes=tuple(parse_lane(t) for t in texts)).replace(**changes)  # fmt: skip


def test_the_run_cache_runs_missing_groups_in_one_loop_and_only_those(monkeypatch):
    cache = RunCache(max_entries=20, step_block=100)
    calls = counting(monkeypatch)
    state = state_of(MIXED[:6])
    first = cache.runs(state)
    assert calls == [6] and len(cache) == 5  # two Adam lanes share a group; one loop of 300 recorded steps
    direct = explorer.run_explorer(state)  # uncached
    for cached, fresh in zip(first, direct, strict=True):
        assert cached.steps == 250
        assert_same_run(cached.positions, fresh.positions)  # other batch lengths: a few ulps apart
    calls.clear()
    again = cache.runs(state.replace(steps=300))  # the same block: served, cut to its steps
    assert calls == [] and again[0].steps == 300
    np.testing.assert_array_equal(again[0].positions[:251], first[0].positions)  # stored values: exact
    changed = state.replace(lanes=(parse_lane("adam:lr=0.02"), *state.lanes[1:]))
    cache.runs(changed)
    assert calls == [2]  # the Adam group only (its two lanes)
    assert not first[1].positions.flags.writeable  # shared between sessions: read-only
    calls.clear()
    cache.runs(state.replace(noise=0.2, ensemble=2, seed=4))  # another setting: every group, one loop
    assert calls == [12] and len(cache) == 11


def test_the_run_cache_keeps_at_most_its_entries():
    cache = RunCache(max_entries=3, step_block=50)
    for lr in (0.01, 0.02, 0.03, 0.04):
        cache.runs(state_of([f"adam:lr={lr}", "sgd:lr=0.001"], steps=20))
    assert len(cache) == 3
    small = RunCache(max_bytes=30_000, step_block=50)  # a lane of 300 steps: positions, losses, norms 9.6 kB
    for lr in (0.01, 0.02, 0.03, 0.04, 0.05):
        small.runs(state_of([f"adam:lr={lr}"], steps=300))
    assert len(small) == 3 and 0 < small.nbytes <= 30_000
    assert cache.recorded_steps(20) == 50 and cache.recorded_steps(2000) == 2000 and cache.recorded_steps(1990) == 2000
    with pytest.raises(ValueError):
        RunCache(max_entries=0)
