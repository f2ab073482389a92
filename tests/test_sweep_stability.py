"""The robust sweep score: the tail mean, and the unstable flag (rising or spiking ends) that keeps lucky end points
of oscillating runs from being chosen as the best."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.lanes import Lane
from optviz.surfaces import ROSENBROCK
from optviz.sweep import Axis, SweepResult, Task, run_sweep, tune_learning_rate
from optviz.sweep_stability import EndWindow, EndWindowTracker, end_window, window_length

STEPS = 100  # N = 10: the tail is steps 91..100, the block before 81..90


def window_of(*curves: np.ndarray) -> EndWindow:
    losses = np.column_stack(curves)
    return end_window(np.arange(losses.shape[0]), losses, losses.shape[0] - 1)


def decaying(rate: float = 0.9, start: float = 10.0) -> np.ndarray:
    return start * rate ** np.arange(STEPS + 1)


def lucky() -> np.ndarray:
    """Oscillates wildly (1 <-> 500) until step 90, then happens to sit at 0.01 for the last 10 steps."""
    curve = np.where(np.arange(STEPS + 1) % 2 == 0, 500.0, 1.0)
    curve[91:] = 0.01
    return curve


@pytest.mark.parametrize(("steps", "n"), [(1, 1), (5, 1), (10, 1), (11, 2), (300, 30), (2000, 200)])
def test_the_window_is_ten_percent_of_the_steps_at_least_one(steps: int, n: int) -> None:
    assert window_length(steps) == n


def test_a_lucky_end_after_oscillating_is_unstable_and_a_steady_descent_is_not() -> None:
    window = window_of(lucky(), decaying(0.97))
    assert window.tail_mean[0] < window.tail_mean[1]  # the lucky run ends lower, even by its tail mean
    assert list(window.unstable()) == [True, False]


@pytest.mark.parametrize(
    "curve",
    [
        decaying(0.5),  # converges a million-fold within the window: fast, not unstable
        decaying(0.9) * (1.5 + np.cos(2.0 * np.arange(STEPS + 1))),  # damped ripples (momentum): rises, settling
        np.full(STEPS + 1, 3.0),  # flat
        np.r_[decaying(0.7)[:60], np.full(STEPS - 59, 1e-40) * (1 + (np.arange(STEPS - 59) % 3))],  # rounding noise
        2.0 + 0.5 * np.sin(1.3 * np.arange(STEPS + 1)) ** 2,  # a stationary floor (as noise makes)
    ],
    ids=["fast", "damped-ripples", "flat", "converged", "floor"],
)
def test_settling_runs_are_stable(curve: np.ndarray) -> None:
    assert not window_of(curve).unstable()[0]


@pytest.mark.parametrize(
    "curve",
    [
        np.r_[decaying()[:80], decaying()[80] * 1.05 ** np.arange(1, STEPS - 78)],  # grows again at the end
        np.r_[decaying()[:85], [50.0], decaying()[86:]],  # one spike far above its final level, 15 steps before
    ],
    ids=["rising", "spike"],
)
def test_rising_or_spiking_ends_are_unstable(curve: np.ndarray) -> None:
    assert window_of(curve).unstable()[0]


def test_the_rule_does_not_depend_on_where_the_minimum_value_is() -> None:
    curves = np.column_stack([lucky(), decaying(), decaying(0.9) * (1.5 + np.cos(np.arange(STEPS + 1)))])
    steps = np.arange(STEPS + 1)
    base = end_window(steps, curves, STEPS).unstable()
    np.testing.assert_array_equal(end_window(steps, curves - 7.0, STEPS).unstable(), base)  # a negative minimum


def test_streaming_equals_the_recorded_curve_and_nonfinite_runs_are_not_flagged() -> None:
    rng = np.random.default_rng(3)
    curves = np.abs(rng.standard_normal((41, 6))).cumsum(axis=0)[::-1] * rng.uniform(0.5, 2, 6)
    curves[30:, 5] = np.nan  # a run that left the finite world
    tracker = EndWindowTracker(40, 6)
    for k, losses in enumerate(curves):
        tracker.add(k, losses)
    streamed, recorded = tracker.result(), end_window(np.arange(41), curves, 40)
    for name in ("tail_mean", "before_mean", "max_rise", "lowest", "initial"):  # two code paths: a few ulps
        np.testing.assert_allclose(getattr(streamed, name), getattr(recorded, name), rtol=1e-12, equal_nan=True)
    assert not recorded.unstable()[5]


def test_an_unstable_cell_is_never_the_best() -> None:
    values = np.array([[0.1, 0.5, 0.3]])
    flags = np.array([[True, False, False]])
    result = SweepResult(
        Lane("sgd"), Axis("lr", 0.1, 1.0, "log", 3), None, "final_loss", values, ~flags & False, values, unstable=flags
    )
    assert result.best_cell() == (0, 2)
    everything = SweepResult(
        result.lane, result.x, None, "final_loss", values, flags & False, values, unstable=np.ones_like(flags)
    )
    assert everything.best_cell() is None


def test_rmsprop_on_rosenbrock_no_longer_wins_with_a_lucky_end_point() -> None:
    """Issue 14: on the old fair-comparison grid RMSprop's last loss picked lr=0.838, an oscillating run."""
    task = Task(ROSENBROCK, (-1.2, 1.0), 300)
    (rmsprop,) = tune_learning_rate([Lane("rmsprop")], Axis("lr", 1e-5, 10.0, "log", 40), task, "final_loss")
    curve = rmsprop.curve
    column = int(np.argmin(np.abs(curve.x_values - 0.8377)))
    assert curve.unstable[0, column]  # its end oscillates: flagged
    assert rmsprop.best_setting < 0.1 and not curve.unstable[0, curve.best_cell()[1]]
    assert curve.unstable[0].sum() >= 3 and not curve.unstable[0, :20].any()  # small lrs descend steadily


def test_a_map_flags_the_cells_next_to_divergence_not_the_converging_ones() -> None:
    task = Task(ROSENBROCK, (-1.2, 1.0), 200)
    result = run_sweep(
        Lane("sgd"), Axis("lr", 1e-4, 1e-2, "log", 12), Axis("momentum", 0.0, 0.9, "lin", 4), task, "final_loss"
    )
    assert not (result.unstable & result.diverged).any()
    best = result.best_cell()
    assert best is not None and not result.unstable[best]
    assert not result.unstable[:, :4].any()  # lr <= 5e-4: slow, steady descent


def test_a_network_sweep_flags_its_unstable_cells_and_never_picks_one() -> None:
    pytest.importorskip("optviz.training")
    from optviz.sweep import NetworkTask

    task = NetworkTask("moons", 300)
    result = run_sweep(Lane("adam"), Axis("lr", 1e-4, 10.0, "log", 12), None, task, "train_loss")
    steps, losses = result.history
    expected = end_window(steps, losses, 300)  # the same rule on the recorded evaluations
    np.testing.assert_array_equal(result.unstable[0], expected.unstable() & np.isfinite(result.values[0]))
    assert result.unstable.any() and not result.unstable[0, :4].any()  # small lrs descend steadily
    assert not result.unstable[result.best_cell()]
