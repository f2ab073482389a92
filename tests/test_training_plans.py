"""lr plans on /train's sessions: Keras' callbacks per epoch (a pass over the training set), retunable mid-run."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.lanes import parse_lane
from optviz.training import TrainingSession, keras_script

from .tolerances import assert_same_run

DATA = make_dataset(DatasetSpec("moons", samples=200))  # 150 training samples
NETWORK = mlp.Network(2, (8,), 2, "tanh")
BATCH = 32  # five batches per epoch, the last of 22: the epoch mean is weighted by batch size


def plan_lane(text):
    return parse_lane(text, allow_plan=True)


def hand_loop(lane, steps, lr_of_epoch):
    """The same training written out: one optimizer, the lr set before each epoch by ``lr_of_epoch(epoch, losses)``
    from the epoch mean batch losses so far (Keras' logged loss: weighted by batch size)."""
    reference = TrainingSession(DATA, NETWORK, [lane.with_plan(None)], BATCH)  # for its shuffle only
    weights = [np.array(w) for w in mlp.init_weights(NETWORK, 0)]
    optimizer = lane.with_plan(None).build()
    state = optimizer.init(weights)
    epoch_means, total, seen, lrs = [], 0.0, 0, []
    for step in range(steps):
        epoch, position = divmod(step, reference.steps_per_epoch)
        if position == 0:
            lrs.append(lr_of_epoch(epoch, epoch_means))
        batch = reference.batch_indices(step)
        losses, grads = mlp.loss_and_grads(
            weights, DATA.x_train[batch], DATA.y_train[batch], NETWORK.activation, NETWORK.task, 0.0
        )
        state = optimizer.with_lr(lrs[-1]).update_inplace(weights, grads, state)
        total, seen = total + float(losses[0]) * len(batch), seen + len(batch)
        if (step + 1) % reference.steps_per_epoch == 0:
            epoch_means.append(total / seen)
            total, seen = 0.0, 0
    return weights, lrs


def test_a_step_schedule_changes_the_lr_at_epoch_boundaries_only_as_a_hand_loop():
    lane = plan_lane("sgd:lr=0.5,momentum=0.9,schedule=step,every=2,drop=0.5")
    training = TrainingSession(DATA, NETWORK, [lane], BATCH)
    assert training.steps_per_epoch == 5
    lrs_seen = []
    for _ in range(23):  # one step at a time: the lr variable after every step
        training.advance(1)
        lrs_seen.append(training.lrs()[0])
    weights, lrs = hand_loop(lane, 23, lambda epoch, _: 0.5 * 0.5 ** (epoch // 2))
    for a, b in zip(training.lane_weights(), weights, strict=True):
        assert_same_run(a[0], b[0])  # the session's batched code path vs the hand loop: a few ulps
    assert lrs == [0.5, 0.5, 0.25, 0.25, 0.125]
    # the lr of the epoch in progress after each step: it changes only when a new epoch begins (steps 10, 20)
    expected = [0.5] * 10 + [0.25] * 10 + [0.125] * 3  # after step 10 epoch 2 has not begun: it does at step 11
    np.testing.assert_array_equal(lrs_seen, expected)
    history = training.lr_history()
    assert history["lr"][-1] == 0.125 and history["lr"][0] == 0.5


def test_reduce_on_plateau_watches_the_epoch_mean_batch_loss_as_a_hand_loop():
    lane = plan_lane("sgd:lr=3,plateau=0.5,patience=1,min_delta=0.001")
    training = TrainingSession(DATA, NETWORK, [lane], BATCH)
    training.advance(60)

    state = {"best": np.inf, "wait": 0, "lr": 3.0}

    def keras_rule(epoch, means):  # Keras 2.2.4, cooldown 0
        if means:
            current = means[-1]
            if current < state["best"] - 0.001:
                state["best"], state["wait"] = current, 0
            else:
                state["wait"] += 1
                if state["wait"] >= 1 and state["lr"] > 0:
                    state["lr"], state["wait"] = max(state["lr"] * 0.5, 0.0), 0
        return state["lr"]

    weights, lrs = hand_loop(lane, 60, keras_rule)
    lrs.append(keras_rule(12, []))  # the lr after the last epoch's end
    assert min(lrs) < 3.0  # the rule did cut the lr
    for a, b in zip(training.lane_weights(), weights, strict=True):
        assert_same_run(a[0], b[0])
    assert training.lrs()[0] == pytest.approx(lrs[-1], rel=1e-12)


def test_lanes_with_plans_batched_equal_each_lane_alone():
    texts = ["sgd:lr=0.5,plateau=0.5,patience=1", "sgd:lr=2,plateau=0.2,patience=2", "sgd:lr=0.3"]
    together = TrainingSession(DATA, NETWORK, [plan_lane(t) for t in texts], BATCH)
    together.advance(40)
    assert together.group_count() == 2  # the plateau lanes share one optimizer and one callback state
    for index, text in enumerate(texts):
        alone = TrainingSession(DATA, NETWORK, [plan_lane(text)], BATCH)
        alone.advance(40)
        assert together.lrs()[index] == pytest.approx(alone.lrs()[0], rel=1e-12)
        for a, b in zip(alone.lane_weights(), together.lane_weights(), strict=True):
            assert_same_run(b[index], a[0])


def test_retuning_keeps_the_plateau_state_while_the_plan_is_unchanged():
    lane = plan_lane("sgd:lr=3,plateau=0.5,patience=1,min_delta=0.001")
    training = TrainingSession(DATA, NETWORK, [lane], BATCH)
    training.advance(60)
    reduced = training.lrs()[0]
    assert reduced < 3.0
    state = training.plan_states()[0]
    retuned = plan_lane("sgd:lr=3,momentum=0.5,plateau=0.5,patience=1,min_delta=0.001")
    training.configure([retuned])
    assert training.lrs()[0] == reduced  # the cut lr stays (exact: the value is carried)
    kept = training.plan_states()[0]
    np.testing.assert_array_equal(kept[0].best, state[0].best)
    np.testing.assert_array_equal(kept[0].wait, state[0].wait)
    # the same run continued without the retune and with it: both continue from the kept state
    training.configure([plan_lane("sgd:lr=3,momentum=0.5,plateau=0.5,patience=4")])  # a new plan: fresh state
    assert training.lrs()[0] == 3.0 and np.isinf(training.plan_states()[0][0].best).all()


def test_a_new_schedule_mid_run_starts_at_the_current_epoch():
    training = TrainingSession(DATA, NETWORK, [parse_lane("sgd:lr=0.4")], BATCH)
    training.advance(12)  # inside epoch 2
    training.configure([plan_lane("sgd:lr=0.4,schedule=step,every=1,drop=0.5")])
    assert training.lrs()[0] == pytest.approx(0.4 * 0.5**2)  # schedule(2, lr): Keras' initial_epoch
    training.advance(4)  # epoch 3 begins with step 15
    assert training.lrs()[0] == pytest.approx(0.4 * 0.5**3)


def test_the_keras_export_holds_the_callbacks():
    lane = plan_lane("sgd:lr=0.5,schedule=step,every=2,drop=0.5")
    script = keras_script(NETWORK, lane, BATCH)
    assert "keras.callbacks.LearningRateScheduler(schedule)" in script
    assert "def schedule(epoch, lr):" in script
    assert "callbacks=callbacks" in script
    compile(script, "<keras export>", "exec")  # valid Python
    plateau = keras_script(NETWORK, plan_lane("adam:plateau=0.5,patience=3"), BATCH)
    assert "keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=3)" in plateau
    assert "callbacks" not in keras_script(NETWORK, parse_lane("adam"), BATCH)
