"""The runner: recorded shapes, equality with a hand loop, divergence handling, seeded noise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from optviz import optimizers
from optviz.runner import run, walk
from optviz.surfaces import BOWL, ROSENBROCK

from .tolerances import assert_same_run


def test_records_match_a_hand_written_loop():
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [2.0, -1.0]])
    opt = optimizers.Adam(lr=[0.01, 0.02, 0.05], clipnorm=5.0)
    trajectory = run(opt, ROSENBROCK.value_and_grad, starts, 40)
    assert trajectory.positions.shape == (41, 3, 2)
    assert trajectory.losses.shape == trajectory.grad_norms.shape == (41, 3)
    assert trajectory.clip_factors.shape == (40, 3)
    params, state = [starts], opt.init([starts])
    for k in range(40):
        loss, grad = ROSENBROCK.value_and_grad(params[0])
        np.testing.assert_allclose(trajectory.losses[k], loss, rtol=1e-13)
        np.testing.assert_allclose(trajectory.grad_norms[k], np.linalg.norm(grad, axis=1), rtol=1e-13)
        params, state = opt.update(params, [grad], state)
        np.testing.assert_allclose(trajectory.positions[k + 1], params[0], rtol=1e-13)
        np.testing.assert_allclose(trajectory.clip_factors[k], state.clip_factor, rtol=1e-13)
    assert trajectory.clipped.any()
    assert not trajectory.diverged.any()


def test_diverged_run_stops_and_is_marked_while_others_go_on():
    starts = np.array([[1.5, 1.5], [1.5, 1.5]])
    opt = optimizers.SGD(lr=[0.1, 1.5])  # lr 1.5 on x^2+y^2: factor |1 - 3| = 2 per step -> blows up
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning floods
        trajectory = run(opt, BOWL.value_and_grad, starts, 200, bound=1e6)
    assert trajectory.diverged.tolist() == [False, True]
    step = trajectory.diverged_step[1]
    assert 15 < step < 25
    frozen = trajectory.positions[step:, 1]
    assert np.isfinite(frozen).all() and (frozen == frozen[0]).all()  # copied forward, not recomputed: exact
    assert np.abs(trajectory.positions[step - 1, 1]).max() <= 1e6
    assert trajectory.losses[-1, 0] < 1e-10


def test_nan_loss_marks_divergence():
    def nan_right_of_zero(points):
        values = np.where(points[:, 0] > 0, np.nan, points[:, 0] ** 2)
        return values, np.stack([2 * points[:, 0], 0 * points[:, 1]], axis=1) - 1.0

    trajectory = run(optimizers.SGD(lr=0.5), nan_right_of_zero, np.array([[-1.0, 0.0], [-50.0, 0.0]]), 10)
    assert trajectory.diverged_step[0] >= 1
    assert trajectory.diverged_step[1] >= trajectory.diverged_step[0]
    assert np.isfinite(trajectory.positions).all()


def test_noise_depends_only_on_each_runs_seed():
    starts = np.tile([1.0, 1.0], (4, 1))
    opt = optimizers.SGD(lr=0.01)
    together = run(opt, BOWL.value_and_grad, starts, 30, noise_sigma=0.5, noise_seed=np.array([0, 1, 2, 3]))
    alone = run(optimizers.SGD(lr=0.01), BOWL.value_and_grad, starts[:1], 30, noise_sigma=0.5, noise_seed=np.array([2]))
    assert_same_run(together.positions[:, 2], alone.positions[:, 0])  # batch of 4 vs 1 run: a few ulps apart
    assert not np.allclose(together.positions[:, 0], together.positions[:, 1])
    clean = run(optimizers.SGD(lr=0.01), BOWL.value_and_grad, starts[:1], 30)
    assert not np.allclose(clean.positions, alone.positions)


def test_noise_is_standard_normal():
    from optviz.noise import gaussian, run_keys

    draws = gaussian(run_keys(np.arange(20000), 20000), step=3, dims=2)
    assert abs(draws.mean()) < 0.02 and abs(draws.std() - 1) < 0.02
    assert abs(np.corrcoef(draws[:, 0], draws[:, 1])[0, 1]) < 0.03


@pytest.mark.parametrize("bad", [{"steps": -1}, {"steps": 2.5}, {"noise_sigma": -1.0}])
def test_bad_arguments(bad):
    kwargs = {"steps": 5, **bad}
    steps = kwargs.pop("steps")
    with pytest.raises(ValueError):
        run(optimizers.SGD(), BOWL.value_and_grad, np.zeros((1, 2)), steps, **kwargs)


def test_walk_keeping_states_yields_every_state_intact_and_the_same_path():
    surface = ROSENBROCK
    starts = np.array([[-1.2, 1.0], [0.5, 0.5]])
    optimizer = optimizers.Adam(lr=0.01, amsgrad=True)
    kept = [(p.point.copy(), p.state) for p in walk(optimizer, surface.value_and_grad, starts, 20, keep_states=True)]
    trajectory = run(optimizer, surface.value_and_grad, starts, 20)
    # update() on a copy vs update_inplace: the same arithmetic, allow the last bit
    np.testing.assert_allclose(np.array([point for point, _ in kept]), trajectory.positions, rtol=1e-12, atol=0)
    iterations = [state.iterations for _, state in kept]
    assert iterations == list(range(21))
    first_moments = [state.first_moments[0] for _, state in kept]
    assert not np.shares_memory(first_moments[3], first_moments[4]) and np.all(first_moments[0] == 0)


def test_walk_continues_from_a_given_state_and_shows_where_a_run_escaped():
    surface = BOWL
    optimizer = optimizers.SGD(lr=0.1)
    positions = list(walk(optimizer, surface.value_and_grad, np.array([[1.0, 1.0]]), 3))
    later = optimizer.init([np.zeros((1, 2))])._replace(iterations=7)
    (first, *_) = walk(optimizer, surface.value_and_grad, np.array([[1.0, 1.0]]), 1, state=later)
    assert first.state.iterations == 7 and positions[0].state.iterations == 0
    blown = [(p.point.copy(), p.escaped) for p in walk(optimizers.SGD(lr=1e7), surface.value_and_grad, [[1.0, 1.0]], 3)]
    assert blown[0][1] is None and blown[2][1] is None  # only the step that left the bound carries the escape
    np.testing.assert_array_equal(blown[1][0], [[1.0, 1.0]])  # frozen where it was
    assert np.abs(blown[1][1]).max() > 1e6  # where the update sent it


@pytest.mark.parametrize("steps", [0, 1, 37, 120])
def test_a_prefix_of_a_longer_run_is_the_shorter_run(steps):
    """What the surface explorer relies on to slice a cached longer run: noise, clipping and divergence included."""
    optimizer = lambda: optimizers.SGD(lr=np.array([1e-3, 2e-3, 0.3]), momentum=0.9, clipnorm=np.array([1.0, 0, 0]))
    starts = np.array([[-1.2, 1.0], [0.5, 2.0], [-1.5, 2.5]])
    kwargs = dict(noise_sigma=0.5, noise_seed=np.array([3, 4, 5]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        long = run(optimizer(), ROSENBROCK.value_and_grad, starts, 120, **kwargs)
        short = run(optimizer(), ROSENBROCK.value_and_grad, starts, steps, **kwargs)
    assert long.diverged_step[2] >= 0  # lr=0.3 on Rosenbrock blows up: the prefix must say so only once it has
    cut = long.prefix(steps)
    for name in ("positions", "losses", "grad_norms", "clip_factors", "lrs"):
        # the same batch and operations, another recording length
        np.testing.assert_allclose(getattr(cut, name), getattr(short, name), rtol=1e-12, atol=0, equal_nan=True)
    np.testing.assert_array_equal(cut.diverged_step, short.diverged_step)
    with pytest.raises(ValueError):
        long.prefix(121)
