"""Sweeps: every cell of the batched grid equals a single run, axes, divergence, best settings, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optviz import optimizers
from optviz.figures.sweep import CLICK_TRACE, sweep_heatmap, uses_log_colour
from optviz.lanes import Lane, parse_lane
from optviz.runner import run
from optviz.surfaces import BOWL, ROSENBROCK, Surface
from optviz.sweep import (
    METRICS,
    Axis,
    NetworkTask,
    RunSummary,
    Task,
    best_index,
    check_axis_for,
    parse_axis,
    run_sweep,
    summarise_runs,
    tune_learning_rate,
)

from .tolerances import assert_same_run

ROSENBROCK_TASK = Task(ROSENBROCK, (-1.2, 1.0), 150, tolerance=1e-2)


def single_run(optimizer: optimizers.Optimizer, task: Task):
    return run(optimizer, task.surface.value_and_grad, [task.start], task.steps, noise_sigma=task.noise, noise_seed=0)


def metric_by_hand(trajectory, metric: str, task: Task) -> float:
    """The metric of run 0, written out independently of optviz.sweep."""
    losses = trajectory.losses[:, 0]
    if trajectory.diverged[0]:
        return math.nan
    if metric == "final_loss":  # the mean over the last 10% of the steps (at least 1)
        return losses[-math.ceil(0.1 * (len(losses) - 1)) :].mean()
    if metric == "best_loss":
        return losses.min()
    if metric == "steps_to_tol":
        hits = np.flatnonzero(losses <= task.tolerance)  # Rosenbrock's minimum value is 0
        return float(hits[0]) if hits.size else math.nan
    final = trajectory.positions[-1, 0]
    return min(math.dist(final, m) for m in task.surface.minima)


GRIDS = [  # (base lane, x axis, y axis, single-run factory)
    (
        "sgd:nesterov=1",
        Axis("lr", 1e-4, 0.05, "log", 13),
        Axis("momentum", 0.0, 0.95, "lin", 7),
        lambda lr, m: optimizers.SGD(lr=lr, momentum=m, nesterov=True),
    ),
    (
        "adam:amsgrad=1",
        Axis("lr", 1e-3, 1.0, "log", 11),
        Axis("beta_1", 0.5, 0.99, "lin", 6),
        lambda lr, b1: optimizers.Adam(lr=lr, beta_1=b1, amsgrad=True),
    ),
    (
        "rmsprop:lr=0.01",
        Axis("rho", 0.5, 0.99, "lin", 5),
        Axis("clipnorm", 0.1, 10.0, "log", 4),
        lambda rho, c: optimizers.RMSprop(lr=0.01, rho=rho, clipnorm=c),
    ),
]


SURFACE_METRICS = [key for key, metric in METRICS.items() if metric.task == "surface"]


@pytest.mark.parametrize("metric", SURFACE_METRICS)
@pytest.mark.parametrize(("lane_text", "x", "y", "factory"), GRIDS, ids=[g[0] for g in GRIDS])
def test_every_cell_equals_a_single_run_of_that_configuration(lane_text, x, y, factory, metric):
    result = run_sweep(parse_lane(lane_text), x, y, ROSENBROCK_TASK, metric)
    assert result.values.shape == (y.count, x.count)
    rng = np.random.default_rng(0)
    cells = [(0, 0), (y.count - 1, x.count - 1)] + [
        (int(r), int(c)) for r, c in zip(rng.integers(0, y.count, 6), rng.integers(0, x.count, 6), strict=True)
    ]
    for row, column in cells:
        trajectory = single_run(factory(x.values()[column], y.values()[row]), ROSENBROCK_TASK)
        expected = metric_by_hand(trajectory, metric, ROSENBROCK_TASK)
        np.testing.assert_allclose(result.values[row, column], expected, rtol=1e-12, equal_nan=True)
        assert result.diverged[row, column] == trajectory.diverged[0]
        # the cell's lane describes the same run
        assert result.cell_lane(row, column).build().get_config()[x.argument] == pytest.approx(x.values()[column])


@pytest.mark.parametrize("name", list(optimizers.OPTIMIZERS))
def test_the_lean_batch_keeps_what_the_recording_runner_records(name):
    """summarise_runs (no recording) against optviz.runner.run on the same batch: noise, clipping, divergence."""
    lr = np.logspace(-3, 4, 16)
    starts = np.tile([-1.2, 1.0], (16, 1))
    build = lambda: optimizers.OPTIMIZERS[name](lr=lr, clipvalue=np.where(np.arange(16) % 2, 20.0, 0.0))
    options = dict(noise_sigma=0.3, noise_seed=5, bound=10.0)  # a tight bound: every optimizer can leave it
    recorded = RunSummary.of(run(build(), ROSENBROCK.value_and_grad, starts, 80, **options), target=4.0)
    lean = summarise_runs(build(), ROSENBROCK.value_and_grad, starts, 80, target=4.0, **options)
    for field in ("final_positions", "final_losses", "best_losses"):  # two code paths: equal to a few ulps
        assert_same_run(getattr(lean, field), getattr(recorded, field), err_msg=field)
    for field in ("tail_mean", "before_mean", "max_rise", "lowest", "initial"):  # streamed vs from the record
        assert_same_run(getattr(lean.end, field), getattr(recorded.end, field), err_msg=field)
    np.testing.assert_array_equal(lean.unstable, recorded.unstable)
    for field in ("first_reached", "diverged_step"):  # step indices: exact
        np.testing.assert_array_equal(getattr(lean, field), getattr(recorded, field), err_msg=field)
    assert lean.diverged.any() and not lean.diverged.all()
    assert (lean.first_reached >= 0).any()


def test_noisy_cells_share_the_noise_and_average_four_seeds_of_single_runs():
    task = Task(BOWL, (1.5, 1.5), 60, noise=0.5, seed=7)
    x = Axis("lr", 1e-3, 0.5, "log", 9)
    result = run_sweep(Lane("sgd"), x, None, task, "final_loss")
    assert result.seeds == 4
    for column in (0, 4, 8):
        curves = [
            run(
                optimizers.SGD(lr=x.values()[column]),
                BOWL.value_and_grad,
                [task.start],
                60,
                noise_sigma=0.5,
                noise_seed=seed,
            ).losses[:, 0]
            for seed in (7, 8, 9, 10)
        ]
        expected = np.mean(curves, axis=0)[-6:].mean()  # the seeds' mean curve over the last 6 of 60 steps
        assert result.values[0, column] == pytest.approx(expected, rel=1e-12)
    noiseless = run_sweep(Lane("sgd"), x, None, Task(BOWL, (1.5, 1.5), 60), "final_loss")
    assert not np.allclose(noiseless.values, result.values)


def test_axes_have_exact_ends_and_the_right_spacing():
    log_axis = Axis("lr", 1e-4, 1.0, "log", 60)
    values = log_axis.values()
    assert values[0] == 1e-4 and values[-1] == 1.0 and values.size == 60
    np.testing.assert_allclose(np.diff(np.log10(values)), 4 / 59, rtol=1e-9)
    linear = Axis("momentum", 0.0, 0.99, "lin", 50).values()
    assert linear[0] == 0.0 and linear[-1] == 0.99
    np.testing.assert_allclose(np.diff(linear), 0.99 / 49, rtol=1e-9)
    assert Axis("lr", 0.1, 0.1, "log", 1).values().tolist() == [0.1]


def test_grid_rows_follow_y_and_columns_follow_x():
    x, y = Axis("lr", 1e-3, 1e-2, "log", 4), Axis("momentum", 0.0, 0.9, "lin", 3)
    result = run_sweep(Lane("sgd"), x, y, Task(BOWL, (1.0, 1.0), 5), "final_loss")
    for row in range(3):
        for column in range(4):
            config = result.cell_lane(row, column).arguments
            assert config["lr"] == pytest.approx(x.values()[column])
            assert config["momentum"] == pytest.approx(y.values()[row])
    columns = result.columns()
    assert list(columns) == ["lr", "momentum", "final_loss", "diverged", "unstable"]
    index = 2 * 4 + 1  # row 2, column 1
    assert (columns["lr"][index], columns["momentum"][index]) == (x.values()[1], y.values()[2])
    assert columns["final_loss"][index] == result.values[2, 1]


def test_axis_text_round_trips():
    axis = parse_axis("lr:1e-4:1:log:60")
    assert axis == Axis("lr", 1e-4, 1.0, "log", 60)
    assert parse_axis(axis.to_text()) == axis
    assert parse_axis("momentum:0:0.99:LIN:50").scale == "lin"


def test_diverged_cells_are_flagged_and_have_no_value():
    x = Axis("lr", 1e-4, 1.0, "log", 9)  # SGD on Rosenbrock blows up above lr ~ 3e-3
    result = run_sweep(Lane("sgd"), x, None, ROSENBROCK_TASK, "final_loss")
    diverged = result.diverged[0]
    assert diverged[-1] and not diverged[0]
    assert np.isnan(result.values[0, diverged]).all()
    assert np.isfinite(result.values[0, ~diverged]).all()
    assert not result.not_reached.any()
    assert np.isnan(result.final_loss[0, diverged]).all()


def test_a_tolerance_never_reached_is_its_own_status_not_divergence():
    x = Axis("lr", 1e-6, 1e-3, "log", 5)
    result = run_sweep(Lane("sgd"), x, None, Task(ROSENBROCK, (-1.2, 1.0), 20, tolerance=1e-6), "steps_to_tol")
    assert result.not_reached.all() and not result.diverged.any()
    assert result.best_cell() is None


def test_steps_to_tolerance_counts_from_the_known_minimum_value():
    shifted = Surface(
        "shifted",
        "Bowl lifted by 5",
        "",
        lambda p: (BOWL.value_and_grad(p)[0] + 5.0, 2 * p),
        (-2, 2),
        (-2, 2),
        (1, 1),
        ((0.0, 0.0),),
    )
    x = Axis("lr", 0.1, 0.4, "lin", 4)
    result = run_sweep(Lane("sgd"), x, None, Task(shifted, (1.0, 1.0), 100, tolerance=1e-3), "steps_to_tol")
    for column, lr in enumerate(x.values()):
        losses = run(optimizers.SGD(lr=lr), shifted.value_and_grad, [(1.0, 1.0)], 100).losses[:, 0]
        assert result.values[0, column] == np.flatnonzero(losses - 5.0 <= 1e-3)[0]
    assert result.values[0, 0] == 18  # 2 * 0.8^(2k) <= 1e-3 first at k = 18


def test_best_cell_is_the_argmin_and_ties_go_to_the_lower_final_loss():
    values = np.array([[3.0, 1.0, np.nan], [1.0, 2.0, 5.0]])
    final = np.array([[0.0, 0.5, 0.0], [0.1, 0.0, 0.0]])
    assert best_index(values, final) == (1, 0)
    assert best_index(values, final, higher_is_better=True) == (1, 2)
    assert best_index(np.full((2, 2), np.nan), final[:, :2]) is None


def test_fair_comparison_takes_each_optimizers_argmin_lr():
    lanes = [parse_lane("sgd:momentum=0.9"), Lane("adam"), Lane("rmsprop")]
    lr_axis = Axis("lr", 1e-4, 1.0, "log", 25)
    tuned = tune_learning_rate(lanes, lr_axis, ROSENBROCK_TASK, "final_loss")
    assert [t.curve.lane for t in tuned] == lanes
    for lane, entry in zip(lanes, tuned, strict=True):
        curve = np.where(entry.curve.unstable[0], np.nan, entry.curve.values[0])  # unstable settings never win
        column = int(np.nanargmin(curve))
        assert entry.best_setting == pytest.approx(lr_axis.values()[column])
        assert entry.best_score == curve[column] == np.nanmin(curve)
        assert entry.best_lane.arguments["lr"] == pytest.approx(entry.best_setting)
        # the fixed arguments stay as set
        assert {k: v for k, v in entry.best_lane.config if k != "lr"} == {k: v for k, v in lane.config if k != "lr"}
    # each optimizer's best lr differs: one lr for all would be unfair
    assert len({t.best_setting for t in tuned}) == 3


def test_fair_comparison_only_sweeps_lr():
    with pytest.raises(ValueError, match="sweeps lr, not momentum"):
        tune_learning_rate([Lane("sgd")], Axis("momentum", 0.0, 0.9, "lin", 3), ROSENBROCK_TASK, "final_loss")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lr", 1.0, 0.1, "log", 10), "minimum must be below the maximum, got 1 to 0.1"),
        (("momentum", 0.5, 0.5, "lin", 10), "minimum must be below the maximum"),
        (("momentum", 0.0, 0.9, "log", 10), "log spacing needs positive values, got a minimum of 0"),
        (("lr", -1.0, 0.1, "log", 10), "log spacing needs positive values"),
        (("lr", 1e-4, 1.0, "log", 0), "number of values must be a whole number >= 1, got 0"),
        (("lr", 1e-4, math.inf, "log", 10), "must be finite"),
        (("nesterov", 0.0, 1.0, "lin", 2), "'nesterov' cannot be swept"),
        (("lr", 1e-4, 1.0, "cubic", 10), "spacing must be 'log' or 'lin'"),
    ],
)
def test_bad_ranges_give_clear_messages(args, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Axis(*args)


@pytest.mark.parametrize(
    "text", ["lr:1e-4:1:log", "lr:a:1:log:10", "lr:1e-4:1:log:ten", "lr:1:1e-4:log:10", "lr:0:1:log:10"]
)
def test_bad_axis_text_is_refused(text):
    with pytest.raises(ValueError):
        parse_axis(text)


def test_arguments_the_optimizer_lacks_or_refuses_give_messages():
    with pytest.raises(ValueError, match="Adam has no argument 'momentum'; it can sweep lr, beta_1"):
        check_axis_for(Axis("momentum", 0.0, 0.9, "lin", 3), Lane("adam"))
    with pytest.raises(ValueError, match=r"SGD does not accept momentum from 0 to 1: momentum must be in \[0, 1\)"):
        run_sweep(
            Lane("sgd"),
            Axis("lr", 1e-3, 0.1, "log", 3),
            Axis("momentum", 0.0, 1.0, "lin", 3),
            ROSENBROCK_TASK,
            "final_loss",
        )
    with pytest.raises(ValueError, match="X and Y axes must sweep different arguments"):
        run_sweep(
            Lane("sgd"), Axis("lr", 1e-3, 0.1, "log", 3), Axis("lr", 1e-3, 0.1, "log", 3), ROSENBROCK_TASK, "final_loss"
        )


def test_distance_needs_a_known_minimum():
    no_minimum = Surface(
        "saddle", "Saddle", "", lambda p: (p[:, 0] ** 2 - p[:, 1] ** 2, p * [2.0, -2.0]), (-1, 1), (-1, 1), (0.5, 0.1)
    )
    with pytest.raises(ValueError, match="lists no known minimum"):
        run_sweep(Lane("sgd"), Axis("lr", 1e-3, 0.1, "log", 3), None, Task(no_minimum, (0.5, 0.1), 5), "distance")


def test_heatmap_marks_diverged_cells_uses_a_log_scale_and_clicks_map_to_cells():
    x, y = Axis("lr", 1e-4, 1.0, "log", 12), Axis("momentum", 0.0, 0.9, "lin", 5)
    result = run_sweep(Lane("sgd"), x, y, ROSENBROCK_TASK, "final_loss")
    figure = sweep_heatmap(result, selected=(2, 3))
    metric, status, click = figure.data[0], figure.data[1], figure.data[CLICK_TRACE]
    assert uses_log_colour(result.values)
    np.testing.assert_allclose(np.asarray(metric.z), np.log10(result.values))
    np.testing.assert_allclose(np.asarray(metric.x), np.log10(x.values()))
    assert (np.asarray(status.z) == 1.0).sum() == result.diverged.sum() > 0
    # point_index of the click layer is row * nx + column
    index = 2 * x.count + 3
    assert np.asarray(click.x)[index] == pytest.approx(math.log10(x.values()[3]))
    assert np.asarray(click.y)[index] == pytest.approx(y.values()[2])
    np.testing.assert_allclose(np.asarray(click.customdata)[index], [x.values()[3], y.values()[2]], rtol=1e-6)
    assert np.asarray(click.text)[np.flatnonzero(result.diverged.ravel())[0]] == "diverged"
    assert np.asarray(click.text)[index] == f"{result.values[2, 3]:.4g}"
    assert "lr = %{customdata[0]" in click.hovertemplate and "momentum = %{customdata[1]" in click.hovertemplate
    names = [trace.name for trace in figure.data]
    assert any(str(n).startswith("diverged (") for n in names)
    best_row, best_column = result.best_cell()
    best = next(t for t in figure.data if str(t.name).startswith("best:"))
    assert best.x[0] == pytest.approx(math.log10(x.values()[best_column])) and best.y[0] == pytest.approx(
        y.values()[best_row]
    )


def test_heatmap_of_steps_uses_a_linear_scale_and_greys_out_never_reached_cells():
    x, y = Axis("lr", 1e-4, 0.3, "log", 10), Axis("beta_1", 0.0, 0.95, "lin", 4)
    result = run_sweep(Lane("adam"), x, y, Task(ROSENBROCK, (-1.2, 1.0), 200, tolerance=0.05), "steps_to_tol")
    assert result.not_reached.any() and np.isfinite(result.values).any()
    figure = sweep_heatmap(result)
    assert not uses_log_colour(result.values)
    np.testing.assert_allclose(np.asarray(figure.data[0].z), result.values)
    status = np.asarray(figure.data[1].z)
    assert np.array_equal(status == 0.0, result.not_reached)
    assert figure.data[1].colorscale[0][1] != figure.data[1].colorscale[-1][1]  # grey vs red
    assert any(str(t.name).startswith(f"never reached ({int(result.not_reached.sum())} cells)") for t in figure.data)
    hover = np.asarray(figure.data[CLICK_TRACE].text).reshape(result.values.shape)
    row, column = np.argwhere(result.not_reached)[0]
    assert hover[row, column] == "never reached"
    assert "steps to reach the tolerance: <b>%{text}</b>" in figure.data[CLICK_TRACE].hovertemplate


# -- network task (needs the training modules) -----------------------------------------------------------
NETWORK_TASK = NetworkTask("moons", steps=60, hidden=(8,), batch_size=32, samples=200)


def test_a_network_cell_equals_training_that_lane_alone():
    training = pytest.importorskip("optviz.training")
    from optviz import mlp
    from optviz.datasets import DatasetSpec, make_dataset

    x, y = Axis("lr", 1e-2, 1e3, "log", 6), Axis("momentum", 0.0, 0.9, "lin", 3)
    fractions = []
    result = run_sweep(Lane("sgd"), x, y, NETWORK_TASK, "train_loss", progress=fractions.append)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    dataset = make_dataset(DatasetSpec("moons", 200, 0.2, 0))
    network = mlp.Network(2, (8,), 2, "tanh")
    assert not result.diverged[2, 2] and result.diverged[1, 3]  # the cells below cover both outcomes
    for row, column in [(0, 0), (2, 2), (1, 3), (1, 5)]:
        session = training.TrainingSession(dataset, network, [result.cell_lane(row, column)], 32, 0)
        for _ in range(20):  # evaluated as often as the sweep does (divergence is checked at evaluations)
            session.advance(3)
        diverged = session.diverged_steps()[0] is not None
        assert result.diverged[row, column] == diverged
        if not diverged:  # the mean of the evaluations in the last 10% of the steps (57 and 60 of 60)
            history = session.history()
            tail = history["train_loss"][history["step"] > 54].mean()
            np.testing.assert_allclose(result.values[row, column], tail, rtol=1e-9)
    assert result.diverged[:, -1].all() and np.isnan(result.values[:, -1]).all()  # lr = 1000 blows up
    steps, losses = result.history
    assert steps[0] == 0 and steps[-1] == 60 and losses.shape == (steps.size, 18)
    assert losses[steps > 54, 0].mean() == pytest.approx(result.values[0, 0])


def test_network_accuracy_is_higher_is_better_and_grids_are_capped_at_12():
    pytest.importorskip("optviz.training")
    result = run_sweep(Lane("adam"), Axis("lr", 1e-3, 0.3, "log", 5), None, NETWORK_TASK, "train_accuracy")
    best = result.best_cell()
    assert result.values[best] == np.nanmax(result.values) and 0.5 <= result.values[best] <= 1.0
    with pytest.raises(ValueError, match="at most 12 values per axis, got 13"):
        run_sweep(Lane("adam"), Axis("lr", 1e-3, 0.3, "log", 13), None, NETWORK_TASK, "train_loss")
    with pytest.raises(ValueError, match="a network sweep scores train_loss, train_accuracy, not 'final_loss'"):
        run_sweep(Lane("adam"), Axis("lr", 1e-3, 0.3, "log", 3), None, NETWORK_TASK, "final_loss")
    with pytest.raises(ValueError, match="final training loss is a network metric"):
        run_sweep(Lane("adam"), Axis("lr", 1e-3, 0.3, "log", 3), None, ROSENBROCK_TASK, "train_loss")
