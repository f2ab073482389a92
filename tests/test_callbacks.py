"""Keras 2.2.4's lr callbacks on the runs axis: the plateau rule against Keras' own code, the scheduler's
API, per-run independence, ``run(callbacks=...)`` recording the lr variable, decay on top, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optviz import optimizers, schedules
from optviz.callbacks import LearningRateScheduler, LrCallbacks, ReduceLROnPlateau, effective_lrs
from optviz.runner import run
from optviz.surfaces import ROSENBROCK


class KerasReduceLROnPlateau:
    """Keras 2.2.4's ``ReduceLROnPlateau`` (keras/callbacks.py at tag 2.2.4), scalar, with the optimizer's
    lr variable as a plain float and the warnings / verbose printing left out."""

    def __init__(self, monitor="loss", factor=0.1, patience=10, mode="auto", min_delta=1e-4, cooldown=0, min_lr=0):
        self.monitor = monitor
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.cooldown = cooldown
        self.mode = mode
        self.lr = None
        self._reset()

    def _reset(self):
        if self.mode == "min" or (self.mode == "auto" and "acc" not in self.monitor):
            self.monitor_op = lambda a, b: np.less(a, b - self.min_delta)
            self.best = np.inf
        else:
            self.monitor_op = lambda a, b: np.greater(a, b + self.min_delta)
            self.best = -np.inf
        self.cooldown_counter = 0
        self.wait = 0

    def on_epoch_end(self, epoch, logs):
        current = logs.get(self.monitor)
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = float(self.lr)
                if old_lr > self.min_lr:
                    new_lr = old_lr * self.factor
                    new_lr = max(new_lr, self.min_lr)
                    self.lr = new_lr
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

    def in_cooldown(self):
        return self.cooldown_counter > 0


def keras_plateau_history(losses, lr, monitor="loss", **kwargs):
    """The lr after every epoch end, and (best, wait, cooldown_counter) after every epoch, from Keras' code."""
    keras = KerasReduceLROnPlateau(monitor=monitor, **kwargs)
    keras.lr = lr
    lrs, states = [], []
    for epoch, loss in enumerate(losses):
        keras.on_epoch_end(epoch, {monitor: loss})
        lrs.append(keras.lr)
        states.append((keras.best, keras.wait, keras.cooldown_counter))
    return np.array(lrs), states


def optviz_plateau_history(losses, lr, callback):
    """The same through optviz's batched callback: ``losses (E, R)``, ``lr (R,)``."""
    losses = np.asarray(losses, dtype=np.float64)
    lr = np.asarray(lr, dtype=np.float64)
    state = callback.init(lr)
    lrs, states = [], []
    for epoch, loss in enumerate(losses):
        lr, state = callback.on_epoch_end(epoch, lr, {callback.monitor: loss}, state)
        lrs.append(lr)
        states.append(state)
    return np.array(lrs), states


# -- ReduceLROnPlateau against Keras 2.2.4 -------------------------------------------------------------


def test_plateau_hand_example_patience_and_cooldown():
    losses = [5.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 3.0]
    callback = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_delta=0.0)
    lrs, states = optviz_plateau_history(np.array(losses)[:, None], [1.0], callback)
    # e2 waits, e3 reduces (cooldown 1), e4 cools down then counts, e5 reduces, e7 improves
    assert lrs[:, 0].tolist() == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.25]
    assert [int(s.wait[0]) for s in states] == [0, 0, 1, 0, 1, 0, 1, 0]
    assert [int(s.cooldown_counter[0]) for s in states] == [0, 0, 0, 1, 0, 1, 0, 0]
    assert states[-1].best[0] == 3.0
    keras_lrs, _ = keras_plateau_history(losses, 1.0, factor=0.5, patience=2, cooldown=1, min_delta=0.0)
    np.testing.assert_allclose(lrs[:, 0], keras_lrs, rtol=1e-12)  # float64 arrays vs Python floats


def test_plateau_never_reduces_below_min_lr_and_keeps_counting_there():
    # Keras: once lr <= min_lr the reduction is skipped and wait is *not* reset.
    losses = [1.0] * 8
    callback = ReduceLROnPlateau(factor=0.1, patience=1, min_lr=0.05)
    lrs, states = optviz_plateau_history(np.array(losses)[:, None], [1.0], callback)
    assert lrs[:, 0].tolist() == pytest.approx([1.0, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05], rel=1e-12)
    assert [int(s.wait[0]) for s in states] == [0, 0, 0, 1, 2, 3, 4, 5]


plateau_arguments = st.fixed_dictionaries(
    {
        "factor": st.sampled_from([0.1, 0.5, 0.9]),
        "patience": st.integers(0, 4),
        "cooldown": st.integers(0, 3),
        "min_delta": st.sampled_from([0.0, 1e-4, 0.5, 2.0]),
        "min_lr": st.sampled_from([0.0, 0.01, 0.3]),
        "mode": st.sampled_from(["auto", "min", "max"]),
    }
)
# small integers make ties and plateaus common; NaN is never an improvement
loss_values = st.one_of(st.integers(-3, 3).map(float), st.just(float("nan")))


@settings(max_examples=200, deadline=None)
@given(plateau_arguments, st.lists(loss_values, min_size=1, max_size=30), st.sampled_from([1.0, 0.2]))
def test_plateau_matches_keras_224_on_random_loss_sequences(arguments, losses, lr):
    expected_lrs, expected_states = keras_plateau_history(losses, lr, **arguments)
    lrs, states = optviz_plateau_history(np.array(losses)[:, None], [lr], ReduceLROnPlateau(**arguments))
    np.testing.assert_allclose(lrs[:, 0], expected_lrs, rtol=1e-12)  # float64 arrays vs Python floats
    for (best, wait, cooldown_counter), state in zip(expected_states, states, strict=True):
        np.testing.assert_equal(state.best[0], best)
        assert (int(state.wait[0]), int(state.cooldown_counter[0])) == (wait, cooldown_counter)


@settings(max_examples=100, deadline=None)
@given(arguments=plateau_arguments, data=st.data())
def test_plateau_monitoring_accuracy_in_auto_mode_maximises_as_keras(arguments, data):
    losses = data.draw(st.lists(st.integers(0, 5).map(float), min_size=1, max_size=20))
    expected, _ = keras_plateau_history(losses, 1.0, monitor="acc", **arguments)
    callback = ReduceLROnPlateau(monitor="acc", **arguments)
    assert callback.maximises == (arguments["mode"] != "min")
    lrs, _ = optviz_plateau_history(np.array(losses)[:, None], [1.0], callback)
    np.testing.assert_allclose(lrs[:, 0], expected, rtol=1e-12)  # float64 arrays vs Python floats


def test_plateau_runs_are_independent_batched_equals_one_by_one():
    rng = np.random.default_rng(3)
    runs, epochs = 6, 40
    losses = rng.integers(0, 4, size=(epochs, runs)).astype(float)
    losses[5:9, 2] = np.nan
    per_run = {
        "factor": np.array([0.1, 0.5, 0.5, 0.2, 0.9, 0.3]),
        "patience": np.array([0, 1, 2, 3, 2, 1]),
        "cooldown": np.array([0, 0, 1, 2, 3, 0]),
        "min_delta": np.array([0.0, 0.5, 1e-4, 0.0, 1.0, 0.0]),
        "min_lr": np.array([0.0, 0.01, 0.0, 0.05, 0.0, 0.2]),
    }
    start = np.array([1.0, 0.5, 2.0, 1.0, 0.3, 1.0])
    batched, _ = optviz_plateau_history(losses, start, ReduceLROnPlateau(**per_run))
    assert (batched[-1] < start).all()  # every run was reduced at least once
    for run_index in range(runs):
        alone = ReduceLROnPlateau(**{name: float(values[run_index]) for name, values in per_run.items()})
        one = slice(run_index, run_index + 1)
        single, _ = optviz_plateau_history(losses[:, one], start[one], alone)
        np.testing.assert_allclose(batched[:, run_index], single[:, 0], rtol=1e-12)  # batch vs one run
        expected, _ = keras_plateau_history(losses[:, run_index], start[run_index], **alone_arguments(alone))
        np.testing.assert_allclose(batched[:, run_index], expected, rtol=1e-12)  # batch vs Keras' scalar code


def alone_arguments(callback):
    names = ("factor", "patience", "cooldown", "min_delta", "min_lr", "mode")
    return {name: getattr(callback, name) for name in names}


def test_plateau_callback_is_pure_and_reusable():
    callback = ReduceLROnPlateau(factor=0.5, patience=0)
    lr = np.array([1.0, 1.0])
    state = callback.init(lr)
    new_lr, new_state = callback.on_epoch_end(0, lr, {"loss": np.array([1.0, 1.0])}, state)
    new_lr, new_state = callback.on_epoch_end(1, new_lr, {"loss": np.array([1.0, 0.0])}, new_state)
    assert lr.tolist() == [1.0, 1.0] and state.best.tolist() == [np.inf, np.inf] and state.wait.tolist() == [0, 0]
    assert new_lr.tolist() == [0.5, 1.0]
    assert callback.init(lr).best.tolist() == [np.inf, np.inf]  # a fresh start for the next run


def test_plateau_needs_its_monitor_in_the_logs():
    callback = ReduceLROnPlateau(monitor="val_loss")
    with pytest.raises(ValueError, match="monitors 'val_loss', which is not logged; available: loss"):
        callback.on_epoch_end(0, np.ones(1), {"loss": np.ones(1)}, callback.init(np.ones(1)))


def test_plateau_verbose_prints_keras_message(capsys):
    callback = ReduceLROnPlateau(factor=0.5, patience=0, verbose=1)
    lr, state = np.array([1.0, 1.0]), callback.init(np.ones(2))
    lr, state = callback.on_epoch_end(0, lr, {"loss": np.array([1.0, 1.0])}, state)
    callback.on_epoch_end(1, lr, {"loss": np.array([0.0, 1.0])}, state)
    assert capsys.readouterr().out == "\nEpoch 00002: ReduceLROnPlateau reducing learning rate to 0.5. (run 1)\n"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"factor": 1.0}, "factor must be in (0, 1) (Keras: a factor >= 1 is not supported), got 1"),
        ({"factor": 1.5}, "factor must be in (0, 1)"),
        ({"factor": 0.0}, "factor must be in (0, 1)"),
        ({"factor": float("nan")}, "factor must be in (0, 1)"),
        ({"factor": [0.5, 2.0]}, "factor must be in (0, 1) (Keras: a factor >= 1 is not supported), got 2"),
        ({"patience": -1}, "patience must be a whole number >= 0, got -1"),
        ({"patience": 2.5}, "patience must be a whole number >= 0, got 2.5"),
        ({"patience": float("inf")}, "patience must be a whole number >= 0, got inf"),
        ({"cooldown": -2}, "cooldown must be a whole number >= 0, got -2"),
        ({"min_delta": -1e-4}, "min_delta must be finite and >= 0, got -0.0001"),
        ({"min_delta": float("nan")}, "min_delta must be finite and >= 0, got nan"),
        ({"min_lr": -1}, "min_lr must be finite and >= 0, got -1"),
        ({"min_lr": "a"}, "min_lr must be a number or one number per run, got 'a'"),
        ({"patience": None}, "patience must be a number or one number per run, got None"),
        ({"mode": "maximum"}, "mode must be 'auto', 'min' or 'max', got 'maximum'"),
        ({"monitor": ""}, "monitor must be the name of a log"),
        ({"verbose": -1}, "verbose must be 0 or 1, got -1"),
        ({"factor": [0.5, 0.5], "patience": [1, 2, 3]}, "per-run arguments must all have the same length"),
    ],
)
def test_plateau_rejects_bad_arguments(arguments, message):
    with pytest.raises(ValueError) as error:
        ReduceLROnPlateau(**arguments)
    assert message in str(error.value)


def test_plateau_per_run_arguments_must_match_the_runs():
    with pytest.raises(ValueError, match="factor has 2 values but there are 3 runs"):
        ReduceLROnPlateau(factor=[0.5, 0.5]).init(np.ones(3))


# -- LearningRateScheduler --------------------------------------------------------------------------


def scheduled_lrs(callback, lr, epochs):
    lr = np.asarray(lr, dtype=np.float64)
    state, seen = callback.init(lr), []
    for epoch in range(epochs):
        lr, state = callback.on_epoch_begin(epoch, lr, state)
        seen.append(lr)
    return np.array(seen)


def test_scheduler_passes_the_current_lr_to_a_plain_function_as_keras():
    halving = LearningRateScheduler(lambda epoch, lr: lr * 0.5)
    np.testing.assert_allclose(scheduled_lrs(halving, [1.0, 4.0], 3), [[0.5, 2.0], [0.25, 1.0], [0.125, 0.5]])


def test_scheduler_takes_keras_old_one_argument_schedules():
    old_api = LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    np.testing.assert_allclose(scheduled_lrs(old_api, [1.0, 2.0], 3)[:, 1], [0.1, 0.05, 0.1 / 3])


def test_scheduler_gives_an_optviz_schedule_the_starting_lr_per_run():
    step = LearningRateScheduler(schedules.StepDecay(every=2, drop=0.5))
    expected = [[1.0, 3.0], [1.0, 3.0], [0.5, 1.5], [0.5, 1.5], [0.25, 0.75]]
    np.testing.assert_allclose(scheduled_lrs(step, [1.0, 3.0], 5), expected, rtol=1e-15)


def test_scheduler_accepts_one_value_per_run():
    per_run = LearningRateScheduler(lambda epoch, lr: np.array([0.1, 0.2]) * (epoch + 1))
    np.testing.assert_allclose(scheduled_lrs(per_run, [1.0, 1.0], 2), [[0.1, 0.2], [0.2, 0.4]])


def test_scheduler_verbose_prints_keras_message(capsys):
    scheduled_lrs(LearningRateScheduler(lambda epoch, lr: 0.5, verbose=1), [1.0], 1)
    assert capsys.readouterr().out == "\nEpoch 00001: LearningRateScheduler setting learning rate to 0.5.\n"


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        (lambda epoch, lr: float("nan"), "the schedule at epoch 0 gave lr=nan for run 0"),
        (lambda epoch, lr: np.array([0.1, -0.1]), "the schedule at epoch 0 gave lr=-0.1 for run 1"),
        (lambda epoch, lr: float("inf"), "gave lr=inf for run 0; a learning rate must be finite and >= 0"),
        (lambda epoch, lr: np.ones(3), "one number per run (2), got shape (3,)"),
        (lambda epoch, lr: "fast", "must give a number or one number per run, got 'fast'"),
    ],
)
def test_scheduler_rejects_bad_rates_naming_the_epoch(schedule, message):
    with pytest.raises(ValueError) as error:
        scheduled_lrs(LearningRateScheduler(schedule), [1.0, 1.0], 2)
    assert message in str(error.value)


def test_scheduler_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"schedule must be a function schedule\(epoch, lr\), got 0\.1"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="verbose must be 0 or 1"):
        LearningRateScheduler(lambda epoch, lr: lr, verbose="yes")


def test_callbacks_run_in_list_order_each_seeing_the_previous_lr():
    plus_one, double = LearningRateScheduler(lambda e, lr: lr + 1), LearningRateScheduler(lambda e, lr: lr * 2)
    callbacks = LrCallbacks.of([plus_one, double])
    lr, _ = callbacks.on_epoch_begin(0, np.array([1.0]), callbacks.init(np.array([1.0])))
    assert lr.tolist() == [4.0]


def test_callback_list_checks_what_it_is_given():
    assert LrCallbacks.of([]) is None and LrCallbacks.of(None) is None
    with pytest.raises(ValueError, match="callbacks must be a list of callbacks"):
        LrCallbacks.of(ReduceLROnPlateau())
    with pytest.raises(ValueError, match="callbacks must be LearningRateScheduler / ReduceLROnPlateau objects"):
        LrCallbacks.of([lambda epoch, lr: lr])
    with pytest.raises(ValueError, match="ReduceLROnPlateau monitors 'val_loss', but only loss is logged here"):
        LrCallbacks.of([ReduceLROnPlateau(monitor="val_loss")])


# -- run(callbacks=...) ---------------------------------------------------------------------------------


def half_square(points):
    """``f = |x|^2 / 2``: the gradient is the point, so SGD scales it by ``1 - effective lr`` each step."""
    return 0.5 * (points**2).sum(axis=1), points.copy()


def test_run_without_callbacks_records_the_constant_lr():
    trajectory = run(optimizers.SGD(lr=[0.1, 0.2]), half_square, np.ones((2, 2)), 5)
    assert trajectory.lrs.shape == (5, 2)
    assert (trajectory.lrs == [[0.1, 0.2]] * 5).all()


def test_run_with_a_step_schedule_matches_hand_computed_positions_with_decay_on_top():
    # x_{k+1} = x_k * (1 - lr_k / (1 + decay * k)), lr_k = 0.4 * 0.5 ** floor(k / 2), decay 0.5
    optimizer = optimizers.SGD(lr=0.4, decay=0.5)
    callbacks = [LearningRateScheduler(schedules.StepDecay(every=2, drop=0.5))]
    trajectory = run(optimizer, half_square, np.array([[1.0, 2.0]]), 5, callbacks=callbacks)
    lrs = [0.4, 0.4, 0.2, 0.2, 0.1]
    effective = [0.4, 0.4 / 1.5, 0.2 / 2.0, 0.2 / 2.5, 0.1 / 3.0]
    np.testing.assert_allclose(trajectory.lrs[:, 0], lrs, rtol=1e-15)
    np.testing.assert_allclose(effective_lrs(optimizer, trajectory.lrs)[:, 0], effective, rtol=1e-15)
    expected = np.array([1.0, 2.0]) * np.cumprod([1.0] + [1.0 - e for e in effective])[:, None]
    np.testing.assert_allclose(trajectory.positions[:, 0], expected, rtol=1e-13)
    assert optimizer.lr == 0.4  # the optimizer itself is untouched


def test_run_with_callbacks_matches_a_hand_loop_of_with_lr_updates():
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [2.0, -1.0]])
    optimizer = optimizers.Adam(lr=[0.01, 0.02, 0.05], decay=0.01)
    schedule = schedules.WarmupCosine(total=30, warmup=5)
    trajectory = run(optimizer, ROSENBROCK.value_and_grad, starts, 40, callbacks=[LearningRateScheduler(schedule)])
    params, state = [starts], optimizer.init([starts])
    for k in range(40):
        _, grad = ROSENBROCK.value_and_grad(params[0])
        lr = schedule(k, optimizer.lr)
        np.testing.assert_allclose(trajectory.lrs[k], lr, rtol=1e-15)
        params, state = optimizer.with_lr(lr).update(params, [grad], state)
        np.testing.assert_allclose(trajectory.positions[k + 1], params[0], rtol=1e-12)  # run() vs update()


def test_run_plateau_monitors_the_loss_where_each_gradient_was_taken():
    starts = np.tile(ROSENBROCK.start, (3, 1))
    optimizer = optimizers.SGD(lr=[1e-3, 5e-4, 2e-3], momentum=0.9)
    plateau = ReduceLROnPlateau(factor=0.5, patience=3, min_delta=[0.5, 0.05, 0.2], cooldown=2)
    trajectory = run(optimizer, ROSENBROCK.value_and_grad, starts, 150, callbacks=[plateau])
    for run_index in range(3):
        arguments = {**alone_arguments(plateau), "min_delta": plateau.min_delta[run_index]}
        losses = trajectory.losses[:-1, run_index]  # loss at the point of step k, before its update
        after_epoch, _ = keras_plateau_history(losses, optimizer.lr[run_index], **arguments)
        before_epoch = np.concatenate([[optimizer.lr[run_index]], after_epoch[:-1]])
        np.testing.assert_allclose(trajectory.lrs[:, run_index], before_epoch, rtol=1e-12)  # vs Keras' code
    assert (trajectory.lrs[-1] < optimizer.lr).all()


def test_run_plateau_on_a_flat_loss_halves_every_patience_epochs():
    def flat(points):
        return np.ones(points.shape[0]), np.ones_like(points)

    plateau = ReduceLROnPlateau(factor=0.5, patience=3)
    trajectory = run(optimizers.SGD(lr=1.0), flat, np.zeros((1, 2)), 10, callbacks=[plateau])
    assert trajectory.lrs[:, 0].tolist() == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]


def test_run_with_callbacks_is_repeatable_and_the_callbacks_reusable():
    callbacks = [ReduceLROnPlateau(factor=0.5, patience=2, min_delta=0.1)]
    starts = np.tile(ROSENBROCK.start, (2, 1))
    first = run(optimizers.Adam(lr=[0.01, 0.05]), ROSENBROCK.value_and_grad, starts, 60, callbacks=callbacks)
    second = run(optimizers.Adam(lr=[0.01, 0.05]), ROSENBROCK.value_and_grad, starts, 60, callbacks=callbacks)
    np.testing.assert_array_equal(first.lrs, second.lrs)  # the same call repeated
    np.testing.assert_array_equal(first.positions, second.positions)


def test_run_batched_with_per_run_schedule_arguments_equals_runs_one_by_one():
    starts = np.tile(ROSENBROCK.start, (3, 1))
    lr, drop = np.array([0.01, 0.02, 0.03]), np.array([0.5, 0.7, 0.9])
    batched = run(
        optimizers.Adam(lr=lr),
        ROSENBROCK.value_and_grad,
        starts,
        50,
        callbacks=[LearningRateScheduler(schedules.StepDecay(every=10, drop=drop))],
    )
    for r in range(3):
        alone = run(
            optimizers.Adam(lr=lr[r]),
            ROSENBROCK.value_and_grad,
            starts[r : r + 1],
            50,
            callbacks=[LearningRateScheduler(schedules.StepDecay(every=10, drop=drop[r]))],
        )
        np.testing.assert_allclose(batched.lrs[:, r], alone.lrs[:, 0], rtol=1e-12)  # batch vs one run
        np.testing.assert_allclose(batched.positions[:, r], alone.positions[:, 0], rtol=1e-12)


def test_run_with_callbacks_rejects_what_it_cannot_do():
    with pytest.raises(ValueError, match="ReduceLROnPlateau monitors 'val_loss', but only loss is logged here"):
        run(optimizers.SGD(), half_square, np.ones((1, 2)), 3, callbacks=[ReduceLROnPlateau(monitor="val_loss")])
    with pytest.raises(ValueError, match="the schedule at epoch 2 gave lr=-1 for run 0"):
        run(optimizers.SGD(), half_square, np.ones((1, 2)), 5, callbacks=[LearningRateScheduler(lambda k, lr: 1 - k)])
    torch = pytest.importorskip("torch")
    native = optimizers.TorchOptimizer(torch.optim.SGD, lr=0.1)
    with pytest.raises(ValueError, match=r"lr callbacks need one of optviz's Keras 2\.2\.4 optimizers"):
        run(native, half_square, np.ones((1, 2)), 3, callbacks=[ReduceLROnPlateau()])


# -- Optimizer.with_lr ----------------------------------------------------------------------------------


def test_with_lr_is_a_checked_copy():
    optimizer = optimizers.RMSprop(lr=[0.1, 0.2], decay=0.1)
    changed = optimizer.with_lr([0.3, 0.0])  # Keras allows setting the lr variable to 0
    assert changed is not optimizer and optimizer.lr.tolist() == [0.1, 0.2] and changed.lr.tolist() == [0.3, 0.0]
    assert changed.decay == optimizer.decay and changed.get_config()["rho"] == optimizer.get_config()["rho"]
    for bad, message in [(-0.1, "lr must be >= 0, got -0.1"), (np.nan, "lr must be >= 0, got nan")]:
        with pytest.raises(ValueError, match=message):
            optimizer.with_lr(bad)
