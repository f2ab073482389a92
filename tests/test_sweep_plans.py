"""Sweep axes over a lane's lr plan: every cell equals runner.run of that lane with its callbacks; bad grids refused."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.callbacks import LearningRateScheduler, ReduceLROnPlateau
from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import ROSENBROCK
from optviz.sweep import Axis, Task, check_axis_for, parse_axis, run_sweep
from optviz.sweep_plans import PLAN_SWEEPABLE, grid_callbacks, plan_axes

TASK = Task(ROSENBROCK, (-1.2, 1.0), 120, tolerance=1e-2)

PLAN_GRIDS = [  # (base lane, x axis, y axis)
    (
        "sgd:lr=0.002,momentum=0.9,schedule=cosine,total=120,warmup=10",
        Axis("warmup", 0, 100, "lin", 6),
        Axis("lr", 1e-4, 3e-3, "log", 4),
    ),
    ("sgd:lr=0.003,momentum=0.5,schedule=step,every=30,drop=0.5", Axis("drop", 0.1, 1.0, "lin", 5), None),
    (
        "adam:lr=0.05,plateau=0.5,patience=5",
        Axis("factor", 0.1, 0.9, "lin", 5),
        Axis("patience", 1, 20, "lin", 4),
    ),
    ("rmsprop:lr=0.01,schedule=onecycle,total=120", Axis("pct_start", 0.1, 0.9, "lin", 4), None),
]


def single_run(lane, task: Task):
    """That lane alone, with its own callbacks."""
    return run(lane.build(), task.surface.value_and_grad, [task.start], task.steps, callbacks=lane.callbacks())


@pytest.mark.parametrize(("lane_text", "x", "y"), PLAN_GRIDS, ids=[g[0] for g in PLAN_GRIDS])
def test_a_cell_with_a_swept_plan_argument_equals_runner_run_of_its_lane(lane_text, x, y):
    lane = parse_lane(lane_text, allow_plan=True)
    result = run_sweep(lane, x, y, TASK, "final_loss")
    rows = 1 if y is None else y.count
    assert result.values.shape == (rows, x.count)
    finals = []
    for row in range(rows):
        for column in range(x.count):
            cell = result.cell_lane(row, column)
            trajectory = single_run(cell, TASK)
            finals.append(trajectory.losses[-1, 0])
            tail = trajectory.losses[-12:, 0].mean()  # the final loss: the mean over the last 10% of 120 steps
            # one cell in a batch of many against the same run alone: a few ulps
            np.testing.assert_allclose(result.values[row, column], tail, rtol=1e-12)
    assert len(set(np.round(finals, 12))) > 1  # the swept argument changes the runs


def test_grid_callbacks_hold_per_run_arrays_tiled_along_x_and_repeated_along_y():
    lane = parse_lane("sgd:lr=0.1,plateau=0.5,patience=5", allow_plan=True)
    x, y = Axis("factor", 0.2, 0.8, "lin", 3), Axis("patience", 1, 3, "lin", 2)
    (callback,) = grid_callbacks(lane, x, y)
    assert isinstance(callback, ReduceLROnPlateau)
    np.testing.assert_allclose(callback.factor, [0.2, 0.5, 0.8, 0.2, 0.5, 0.8])
    np.testing.assert_array_equal(callback.patience, [1, 1, 1, 3, 3, 3])
    step = parse_lane("sgd:schedule=step,every=10", allow_plan=True)
    (scheduler,) = grid_callbacks(step, Axis("every", 1, 10, "lin", 4))
    assert isinstance(scheduler, LearningRateScheduler)
    np.testing.assert_array_equal(scheduler.schedule.every, [1, 4, 7, 10])  # counts epochs: whole numbers


def test_an_axis_over_a_whole_argument_runs_rounded_values_and_reports_them():
    lane = parse_lane("sgd:lr=0.001,schedule=step,every=10,drop=0.5", allow_plan=True)
    result = run_sweep(lane, Axis("every", 1, 50, "log", 5), None, TASK, "final_loss")
    np.testing.assert_array_equal(result.x_values, np.round(np.logspace(0, np.log10(50), 5)))
    assert result.cell_lane(0, 4).plan.schedule.every == 50


def test_plan_axes_follow_the_lane_plan():
    assert plan_axes(parse_lane("sgd")) == []
    assert plan_axes(parse_lane("sgd:schedule=step,every=10", allow_plan=True)) == ["every", "drop"]
    assert plan_axes(parse_lane("adam:plateau=0.5", allow_plan=True)) == [
        "factor",
        "patience",
        "cooldown",
        "min_delta",
        "min_lr",
    ]
    assert "warmup" in PLAN_SWEEPABLE and "anneal_strategy" not in PLAN_SWEEPABLE
    assert parse_axis("warmup:0:50:lin:6").argument == "warmup"


@pytest.mark.parametrize(
    ("lane_text", "axis", "message"),
    [
        ("sgd", "warmup:0:50:lin:6", "give the lane a schedule or a plateau rule"),
        ("sgd:schedule=step,every=10", "warmup:0:50:lin:6", "has no argument 'warmup'; it can sweep every, drop"),
        ("sgd:schedule=cosine,total=100", "warmup:0:150:lin:6", "warmup must be < total (100), got 150"),
        ("sgd:schedule=step,every=10", "drop:0.5:2:lin:4", "drop from 0.5 to 2"),
        ("adam:plateau=0.5", "factor:0.5:1:lin:4", "factor"),
    ],
)
def test_an_axis_the_plan_does_not_take_is_refused_with_a_reason(lane_text, axis, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_axis_for(parse_axis(axis), parse_lane(lane_text, allow_plan=True))


@pytest.mark.parametrize(
    ("lane_text", "x", "y", "cell"),
    [
        ("sgd:schedule=cosine,total=100", "warmup:0:90:lin:4", "total:50:200:lin:4", "warmup=90, total=50"),
        ("sgd:schedule=onecycle,total=100", "pct_start:0.1:0.9:lin:4", "total:4:100:lin:4", "pct_start=0.1, total=4"),
    ],
)
def test_a_grid_whose_corner_breaks_a_coupled_rule_is_refused_naming_the_cell(lane_text, x, y, cell):
    lane = parse_lane(lane_text, allow_plan=True)
    with pytest.raises(ValueError, match=f"refuses the cell {cell}") as error:
        run_sweep(lane, parse_axis(x), parse_axis(y), TASK, "final_loss")
    assert "[" not in str(error.value)  # no per-run arrays in the message


def test_a_network_cell_with_a_swept_plan_argument_equals_training_that_lane_alone():
    from optviz import mlp
    from optviz.datasets import DatasetSpec, make_dataset
    from optviz.sweep import NetworkTask
    from optviz.training import TrainingSession

    task = NetworkTask("moons", 40, (8,), samples=200)
    lane = parse_lane("sgd:lr=0.5,momentum=0.5,plateau=0.5,patience=1", allow_plan=True)
    result = run_sweep(lane, Axis("factor", 0.1, 0.9, "lin", 3), Axis("patience", 0, 2, "lin", 2), task, "train_loss")
    dataset = make_dataset(DatasetSpec("moons", 200, 0.2, 0))
    for row, column in [(0, 0), (1, 2)]:
        cell = result.cell_lane(row, column)
        assert cell.plan.plateau.factor == pytest.approx([0.1, 0.5, 0.9][column])
        session = TrainingSession(dataset, mlp.Network(2, (8,), 2, "tanh"), [cell], 32, 0)
        for _ in range(20):  # evaluated as often as the sweep does
            session.advance(2)
        history = session.history()  # the final loss: the mean of the evaluations in the last 10% (38 and 40 of 40)
        tail = history["train_loss"][history["step"] > 36].mean()
        # one cell of a batch against the lane alone: a few ulps
        np.testing.assert_allclose(result.values[row, column], tail, rtol=1e-9)
    assert len(set(np.round(result.values.ravel(), 9))) > 1
