"""Schedules: hand-computed values, PyTorch's ``lr_scheduler`` with the same arguments, broadcasting over
runs and epochs, the Keras source they write, bad arguments; and a lane's ``schedule=`` / ``plateau=`` text."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from optviz import optimizers
from optviz.callbacks import LearningRateScheduler, ReduceLROnPlateau
from optviz.lane_schedules import (
    LrPlan,
    batched_callbacks,
    split_lane_arguments,
    split_lane_text,
    suggested_arguments,
)
from optviz.lanes import batched_optimizer, parse_scheduled_lane, scheduled_lane_text
from optviz.runner import run
from optviz.schedules import (
    SCHEDULES,
    Cyclic,
    ExponentialDecay,
    InverseTimeDecay,
    OneCycle,
    StepDecay,
    WarmupCosine,
    schedule_arguments,
)
from optviz.surfaces import ROSENBROCK

HALF_PI_COS = (1.0 + math.cos(math.pi / 2)) / 2.0  # 0.5 up to rounding

# (schedule, lr, epochs, expected lr at those epochs), worked out by hand
HAND_VALUES = [
    (StepDecay(every=3, drop=0.5), 0.2, [0, 2, 3, 5, 6, 9], [0.2, 0.2, 0.1, 0.1, 0.05, 0.025]),
    (StepDecay(every=1), 1.0, [0, 1, 2], [1.0, 0.1, 0.01]),
    (ExponentialDecay(gamma=0.5), 1.0, [0, 1, 3], [1.0, 0.5, 0.125]),
    (InverseTimeDecay(rate=0.5, every=2), 0.3, [0, 2, 4, 6], [0.3, 0.2, 0.15, 0.12]),
    (WarmupCosine(total=10, warmup=4, start_factor=0.2), 1.0, [0, 2, 4, 7, 10, 20], [0.2, 0.6, 1.0, HALF_PI_COS, 0, 0]),
    (WarmupCosine(total=4, min_lr=0.1), 1.0, [0, 2, 4, 9], [1.0, 0.1 + 0.9 * HALF_PI_COS, 0.1, 0.1]),
    # peak step = 0.5 * 12 - 1 = 5, last step 11; the middle of a cosine half-wave is the midpoint
    (
        OneCycle(total=12, pct_start=0.5, div_factor=10, final_div_factor=100),
        1.0,
        [0, 2.5, 5, 8, 11, 30],
        [0.1, 0.55, 1.0, 0.5005, 0.001, 0.001],
    ),
    (OneCycle(total=12, pct_start=0.5, div_factor=10, anneal_strategy="linear"), 1.0, [0, 1, 5], [0.1, 0.28, 1.0]),
    (Cyclic(max_lr=1.0, up=4, down=2), 0.0, [0, 2, 4, 5, 6, 8], [0.0, 0.5, 1.0, 0.5, 0.0, 0.5]),
    (Cyclic(max_lr=1.0, up=2), 0.5, [0, 1, 2, 3, 4], [0.5, 0.75, 1.0, 0.75, 0.5]),
    (Cyclic(max_lr=1.0, up=4, down=2, mode="triangular2"), 0.0, [4, 8, 10, 16], [1.0, 0.25, 0.5, 0.25]),
]


@pytest.mark.parametrize(("schedule", "lr", "epochs", "expected"), HAND_VALUES)
def test_schedules_give_hand_computed_values(schedule, lr, epochs, expected):
    np.testing.assert_allclose(schedule(np.array(epochs, dtype=float), lr), expected, rtol=1e-12, atol=1e-15)
    assert schedule(epochs[1], lr) == pytest.approx(expected[1], rel=1e-12, abs=1e-15)  # a plain float


def torch_rows(S):
    """(schedule, make the torch scheduler for an optimizer, epochs) with the same arguments."""
    return [
        (StepDecay(every=7, drop=0.5), lambda o: S.StepLR(o, step_size=7, gamma=0.5), 60),
        (ExponentialDecay(gamma=0.93), lambda o: S.ExponentialLR(o, gamma=0.93), 60),
        (InverseTimeDecay(rate=0.3, every=4), lambda o: S.LambdaLR(o, lambda k: 1 / (1 + 0.3 * k / 4)), 60),
        (
            WarmupCosine(total=50, warmup=10, start_factor=0.2, min_lr=0.001),
            lambda o: S.SequentialLR(
                o,
                [
                    S.LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=10),
                    S.CosineAnnealingLR(o, T_max=40, eta_min=0.001),
                ],
                milestones=[10],
            ),
            51,
        ),
        (WarmupCosine(total=50), lambda o: S.CosineAnnealingLR(o, T_max=50), 51),
        (OneCycle(total=50), lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=50, cycle_momentum=False), 50),
        (
            OneCycle(total=37, pct_start=0.25, div_factor=10, final_div_factor=100, anneal_strategy="linear"),
            lambda o: S.OneCycleLR(
                o,
                max_lr=0.1,
                total_steps=37,
                pct_start=0.25,
                div_factor=10,
                final_div_factor=100,
                anneal_strategy="linear",
                cycle_momentum=False,
            ),
            37,
        ),
        (
            Cyclic(max_lr=1.0, up=5, down=3),
            lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=5, step_size_down=3, cycle_momentum=False),
            60,
        ),
        (
            Cyclic(max_lr=1.0, up=5, mode="triangular2"),
            lambda o: S.CyclicLR(o, base_lr=0.1, max_lr=1.0, step_size_up=5, mode="triangular2", cycle_momentum=False),
            60,
        ),
    ]


def test_schedules_match_torch_lr_scheduler_with_the_same_arguments():
    torch = pytest.importorskip("torch")
    from torch.optim import lr_scheduler

    for schedule, make, epochs in torch_rows(lr_scheduler):
        parameter = torch.zeros(1, requires_grad=True)
        optimizer = torch.optim.SGD([parameter], lr=0.1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's "step() before optimizer.step()" style notices
            scheduler = make(optimizer)
            expected = []
            for _ in range(epochs):
                expected.append(optimizer.param_groups[0]["lr"])
                optimizer.step()
                scheduler.step()
        # torch's chained updates round differently; cosine ends at exactly 0
        np.testing.assert_allclose(
            schedule(np.arange(epochs), 0.1), expected, rtol=1e-12, atol=1e-15, err_msg=repr(schedule)
        )


def test_inverse_time_matches_tf_keras_inverse_time_decay():
    tf = pytest.importorskip("tensorflow")
    expected = tf.keras.optimizers.schedules.InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.3)
    epochs = np.arange(30)
    values = [float(expected(tf.constant(k, dtype=tf.float64))) for k in epochs]
    np.testing.assert_allclose(InverseTimeDecay(rate=0.3, every=4)(epochs, 0.1), values, rtol=1e-6)  # TF float32


@pytest.mark.parametrize("schedule", [row[0] for row in HAND_VALUES], ids=lambda s: type(s).__name__)
def test_schedules_broadcast_over_epochs_and_runs(schedule):
    epochs, lrs = np.arange(25.0), np.array([0.05, 0.1, 0.3])
    table = schedule(epochs[:, None], lrs)
    assert table.shape == (25, 3)
    for k in (0, 7, 24):
        for r, lr in enumerate(lrs):
            assert table[k, r] == pytest.approx(schedule(int(k), float(lr)), rel=1e-12, abs=1e-15)  # batch vs scalar
    assert lrs.tolist() == [0.05, 0.1, 0.3]  # inputs untouched


def test_per_run_schedule_arguments_equal_one_schedule_per_run():
    epochs = np.arange(40.0)[:, None]
    batched = WarmupCosine(total=[10, 30, 40], warmup=[0, 5, 9], start_factor=[0.1, 0.5, 1.0])(epochs, [1.0, 0.1, 2.0])
    singles = [WarmupCosine(total=10)(epochs[:, 0], 1.0), WarmupCosine(30, 5, 0.5)(epochs[:, 0], 0.1)]
    singles.append(WarmupCosine(total=40, warmup=9, start_factor=1.0)(epochs[:, 0], 2.0))
    np.testing.assert_allclose(batched, np.stack(singles, axis=1), rtol=1e-12)  # batch vs one run


@pytest.mark.parametrize("schedule", [row[0] for row in HAND_VALUES], ids=lambda s: type(s).__name__)
def test_keras_source_computes_the_same_rates(schedule):
    for lr in (0.1, 0.037):
        source = schedule.keras_source(lr)
        namespace: dict = {}
        exec(compile(source, "<keras schedule>", "exec"), namespace)  # our own generated code, not user text
        keras_schedule = namespace["schedule"]
        for epoch in range(60):
            written = keras_schedule(epoch, 123.0)  # Keras passes the current lr; the function ignores it
            assert isinstance(written, float)  # Keras 2.2.4 requires a float
            assert written == pytest.approx(schedule(epoch, lr), rel=1e-12, abs=1e-15), (source, epoch)


def test_keras_source_reads_like_what_people_write():
    assert StepDecay(every=100, drop=0.5).keras_source(0.1) == (
        "import math\n\n\n"
        "def schedule(epoch, lr):\n"
        '    """optviz StepDecay(every=100, drop=0.5) from lr=0.1."""\n'
        "    return 0.1 * 0.5 ** math.floor(epoch / 100)\n"
    )
    code = LearningRateScheduler(ExponentialDecay(gamma=0.99)).keras_code(0.01)
    assert code.endswith("    return 0.01 * 0.99 ** epoch\n\n\nkeras.callbacks.LearningRateScheduler(schedule)")
    with pytest.raises(ValueError, match="drop differs between runs"):
        StepDecay(every=10, drop=[0.5, 0.6]).keras_source(0.1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: StepDecay(every=0), "every must be >= 1, got 0"),
        (lambda: StepDecay(every=-5), "every must be >= 1, got -5"),
        (lambda: StepDecay(every=2.5), "every must be a whole number, got 2.5"),
        (lambda: StepDecay(every=10, drop=1.5), "drop must be in (0, 1], got 1.5"),
        (lambda: StepDecay(every=10, drop=float("nan")), "drop must be in (0, 1], got nan"),
        (lambda: StepDecay(every=[10, 0]), "every must be >= 1, got 0 at run 1"),
        (lambda: ExponentialDecay(gamma=0), "gamma must be in (0, 1], got 0"),
        (lambda: InverseTimeDecay(rate=-1), "rate must be >= 0, got -1"),
        (lambda: InverseTimeDecay(rate=float("inf")), "rate must be finite, got inf"),
        (lambda: InverseTimeDecay(rate=1, every=0), "every must be > 0, got 0"),
        (lambda: WarmupCosine(total=0), "total must be >= 1, got 0"),
        (lambda: WarmupCosine(total=10, warmup=-1), "warmup must be >= 0, got -1"),
        (lambda: WarmupCosine(total=10, warmup=10), "warmup must be < total (10), got 10"),
        (lambda: WarmupCosine(total=10, start_factor=0), "start_factor must be in (0, 1], got 0"),
        (lambda: WarmupCosine(total=10, min_lr=-0.1), "min_lr must be >= 0, got -0.1"),
        (lambda: OneCycle(total=1), "total must be >= 2, got 1"),
        (lambda: OneCycle(total=10, pct_start=1.0), "pct_start must be in (0, 1), got 1"),
        (lambda: OneCycle(total=10, pct_start=0.1), "pct_start * total must be > 1"),
        (lambda: OneCycle(total=10, div_factor=0), "div_factor must be > 0, got 0"),
        (lambda: OneCycle(total=10, anneal_strategy="exp"), "anneal_strategy must be 'cos' or 'linear', got 'exp'"),
        (lambda: Cyclic(max_lr=0), "max_lr must be > 0, got 0"),
        (lambda: Cyclic(max_lr=1, up=0), "up must be >= 1, got 0"),
        (lambda: Cyclic(max_lr=1, down=-3), "down must be >= 1, got -3"),
        (lambda: Cyclic(max_lr=1, mode="exp_range"), "mode must be 'triangular' or 'triangular2', got 'exp_range'"),
        (lambda: StepDecay(every=None), "every must be a number or a 1-D array of numbers, got None"),
        (lambda: StepDecay(every=10)(-1, 0.1), "epochs must be >= 0, got -1"),
    ],
)
def test_schedules_reject_bad_arguments(make, message):
    with pytest.raises(ValueError) as error:
        make()
    assert message in str(error.value)


def test_schedule_table_and_arguments():
    assert list(SCHEDULES) == ["step", "exp", "inverse", "cosine", "onecycle", "cyclic"]
    assert schedule_arguments("step") == {"every": ..., "drop": 0.1}
    assert schedule_arguments("CYCLIC") == {"max_lr": ..., "up": 2000, "down": None, "mode": "triangular"}
    with pytest.raises(ValueError, match="unknown schedule 'linear'; choose one of step, exp, inverse, cosine"):
        schedule_arguments("linear")


# -- lanes ----------------------------------------------------------------------------------------------

LANE_TEXTS = [
    # (typed text, canonical text (Adam's default lr=0.001 is left out), callback class or None)
    (
        "sgd:lr=0.1,momentum=0.9,schedule=step,drop=0.5,every=100",
        "sgd:lr=0.1,momentum=0.9,schedule=step,every=100,drop=0.5",
        LearningRateScheduler,
    ),
    ("adam:lr=0.01,plateau=0.5,patience=20", "adam:lr=0.01,plateau=0.5,patience=20", ReduceLROnPlateau),
    ("adam:plateau=0.1,cooldown=3,min_lr=1e-5", "adam:plateau=0.1,cooldown=3,min_lr=1e-05", ReduceLROnPlateau),
    ("rmsprop:schedule=exp,gamma=0.99", "rmsprop:schedule=exp,gamma=0.99", LearningRateScheduler),
    ("sgd:schedule=Cosine,total=500,warmup=25", "sgd:schedule=cosine,total=500,warmup=25", LearningRateScheduler),
    (
        "sgd:schedule=onecycle,total=200,anneal_strategy=linear",
        "sgd:schedule=onecycle,total=200,anneal_strategy=linear",
        LearningRateScheduler,
    ),
    (
        "adam:lr=0.001,schedule=cyclic,max_lr=0.01,up=50,down=none",
        "adam:schedule=cyclic,max_lr=0.01,up=50",
        LearningRateScheduler,
    ),
    ("adagrad:schedule=inverse,rate=0.01", "adagrad:schedule=inverse,rate=0.01", LearningRateScheduler),
    ("adam:lr=0.01", "adam:lr=0.01", None),
]


@pytest.mark.parametrize(("text", "canonical", "kind"), LANE_TEXTS)
def test_lane_text_with_a_plan_round_trips(text, canonical, kind):
    lane, plan = parse_scheduled_lane(text)
    written = scheduled_lane_text(lane, plan)
    assert written == canonical
    again_lane, again_plan = parse_scheduled_lane(written)
    assert again_lane == lane and again_plan.to_text() == plan.to_text()
    assert [type(c) for c in plan.callbacks()] == ([] if kind is None else [kind])
    assert plan.is_constant == (kind is None)


def test_split_lane_text_leaves_the_optimizer_text_for_parse_lane():
    text, plan = split_lane_text("sgd:lr=0.1,schedule=step,every=100,momentum=0.9")
    assert text == "sgd:lr=0.1,momentum=0.9"
    assert plan.schedule == StepDecay(every=100)
    assert split_lane_text("adam:schedule=exp,gamma=0.9")[0] == "adam"
    plan, remaining = split_lane_arguments({"lr": 0.1, "plateau": 0.5, "patience": 20.0, "min_delta": 0.01})
    assert remaining == {"lr": 0.1}
    assert (plan.plateau.factor, plan.plateau.patience, plan.plateau.min_delta) == (0.5, 20.0, 0.01)
    assert plan.plateau.monitor == "loss"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sgd:every=3", "'every' belongs to schedule=step or schedule=inverse; add that to the lane"),
        ("sgd:patience=3", "'patience' belongs to plateau=<factor>; add that to the lane"),
        ("sgd:schedule=step", "the step schedule needs every=..."),
        ("sgd:schedule=step,every=3,gamma=0.5", "the step schedule has no argument 'gamma'; it takes every, drop"),
        ("sgd:schedule=step,every=-1", "every must be >= 1, got -1"),
        ("sgd:schedule=step,every=ten", "every must be a number, got 'ten'"),
        ("sgd:schedule=exp,gamma=nan", "gamma must be a finite number, got 'nan'"),
        ("sgd:schedule=warp", "unknown schedule 'warp'; choose one of step, exp"),
        ("sgd:plateau=1", "plateau=1: factor must be in (0, 1) (Keras: a factor >= 1 is not supported), got 1"),
        ("sgd:plateau=0.5,patience=-2", "plateau=0.5: patience must be a whole number >= 0, got -2"),
        ("sgd:plateau=0.5,schedule=exp,gamma=0.9", "a lane takes schedule= or plateau=, not both"),
        ("torch.sgd:lr=0.1,schedule=exp,gamma=0.9", "work on Keras 2.2.4 lanes only, not on torch.optim"),
        ("sgd:lr=-1,schedule=exp,gamma=0.9", "lr must be > 0, got -1"),
        ("sgd:schedule=exp,gamma", "'gamma' in lane 'sgd:schedule=exp,gamma' is not key=value"),
    ],
)
def test_bad_lane_plans_say_what_is_wrong(text, message):
    with pytest.raises(ValueError) as error:
        parse_scheduled_lane(text, allow_native=True)
    assert message in str(error.value)


def test_plan_keras_code_writes_the_callbacks_list():
    _, plan = parse_scheduled_lane("sgd:lr=0.1,schedule=step,drop=0.5,every=100")
    code = plan.keras_code(0.1)
    assert "    return 0.1 * 0.5 ** math.floor(epoch / 100)\n" in code
    assert code.endswith(
        "callbacks = [keras.callbacks.LearningRateScheduler(schedule)]\n# model.fit(..., callbacks=callbacks)"
    )
    _, plan = parse_scheduled_lane("adam:plateau=0.5,patience=20")
    assert plan.keras_code(0.001).startswith(
        "callbacks = [keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=20)]"
    )
    assert LrPlan().keras_code(0.1) == ""


def test_plan_lr_curve_and_label():
    _, plan = parse_scheduled_lane("sgd:lr=0.1,schedule=step,drop=0.5,every=2")
    np.testing.assert_allclose(plan.lr_curve(0.1, 5), [0.1, 0.1, 0.05, 0.05, 0.025])
    assert plan.lr_curve(np.array([0.1, 1.0]), 5).shape == (5, 2)
    assert plan.label() == "step schedule every=2, drop=0.5"
    assert LrPlan().lr_curve(0.1, 3).tolist() == [0.1, 0.1, 0.1]
    _, plateau = parse_scheduled_lane("sgd:plateau=0.5")
    assert plateau.lr_curve(0.1, 3) is None and plateau.label() == "plateau ×0.5"


def test_batched_lane_plans_run_like_each_lane_alone():
    texts = ["adam:lr=0.01,schedule=step,every=10,drop=0.5", "adam:lr=0.03,schedule=step,every=25,drop=0.9"]
    parsed = [parse_scheduled_lane(text) for text in texts]
    lanes, plans = [lane for lane, _ in parsed], [plan for _, plan in parsed]
    assert plans[0].key() == plans[1].key()
    starts = np.tile(ROSENBROCK.start, (4, 1))
    batched = run(
        batched_optimizer(lanes, repeats=2),
        ROSENBROCK.value_and_grad,
        starts,
        60,
        callbacks=batched_callbacks(plans, repeats=2),
    )
    for index, (lane, plan) in enumerate(parsed):
        alone = run(lane.build(), ROSENBROCK.value_and_grad, starts[:1], 60, callbacks=plan.callbacks())
        for member in range(2):
            column = index * 2 + member
            np.testing.assert_allclose(batched.lrs[:, column], alone.lrs[:, 0], rtol=1e-12)  # batch vs alone
            np.testing.assert_allclose(batched.positions[:, column], alone.positions[:, 0], rtol=1e-12)


def test_batched_plateau_plans_and_mismatches():
    plans = [parse_scheduled_lane(t)[1] for t in ("sgd:plateau=0.5,patience=3", "sgd:plateau=0.2")]
    (callback,) = batched_callbacks(plans, repeats=2)
    assert callback.factor.tolist() == [0.5, 0.5, 0.2, 0.2] and callback.patience.tolist() == [3, 3, 10, 10]
    assert batched_callbacks([LrPlan(), LrPlan()]) == []
    step = parse_scheduled_lane("sgd:schedule=step,every=5")[1]
    with pytest.raises(ValueError, match="lanes with different lr plans cannot share a batch"):
        batched_callbacks([step, plans[0]])
    with pytest.raises(ValueError, match="lanes with and without an lr plan cannot share a batch"):
        batched_callbacks([LrPlan(), step])


@pytest.mark.parametrize("kind", [*SCHEDULES, "plateau"])
def test_suggested_arguments_make_a_valid_plan(kind):
    arguments = suggested_arguments(kind, lr=0.01, steps=500)
    key = "plateau" if kind == "plateau" else "schedule"
    plan, remaining = split_lane_arguments({key: arguments.pop("plateau", kind), **arguments})
    assert remaining == {} and not plan.is_constant
    if plan.schedule is not None:
        curve = plan.lr_curve(0.01, 500)
        assert np.isfinite(curve).all() and (curve >= 0).all()
        optimizers.SGD(lr=0.01).with_lr(curve[-1])  # a usable lr variable


@pytest.mark.parametrize("kind", [*SCHEDULES, "plateau"])
def test_offered_arguments_make_a_plan_that_gives_them_back(kind):
    from optviz.lane_schedules import PLAN_TITLES, make_plan, offered_arguments, plan_arguments, whole_argument

    offered = offered_arguments(kind, lr=0.01, steps=300)
    plan = make_plan(kind, offered)
    assert kind in PLAN_TITLES and not plan.is_constant
    again_kind, arguments = plan_arguments(plan)
    assert again_kind == kind and set(arguments) == set(offered)
    assert make_plan(kind, arguments) == plan  # plans compare by their numbers
    whole = [arguments[name] for name in arguments if whole_argument(kind, name) and arguments[name] is not None]
    assert all(float(value).is_integer() for value in whole)
    assert plan_arguments(None) == ("none", {}) and make_plan("none", {}).is_constant


def test_make_plan_refuses_bad_widget_values_with_the_librarys_message():
    from optviz.lane_schedules import make_plan

    with pytest.raises(ValueError, match="every must be >= 1, got 0"):
        make_plan("step", {"every": 0, "drop": 0.5})
    with pytest.raises(ValueError, match=r"factor must be in \(0, 1\)"):
        make_plan("plateau", {"plateau": 1.0, "patience": 3})
    assert make_plan("cyclic", {"max_lr": 0.1, "up": 5, "down": 0}).schedule.down is None  # 0: as many as up
