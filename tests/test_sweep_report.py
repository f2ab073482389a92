"""The sweep page's non-UI parts: the network work budget and the sentences, tables and links of a result."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from optviz import mlp
from optviz.lanes import parse_lane
from optviz.page_states.sweep import SweepState
from optviz.surface_spec import make_spec
from optviz.surfaces import get_surface
from optviz.sweep import Axis, NetworkTask, SweepResult, Task, TunedOptimizer, parse_axis, run_sweep, tune
from optviz.sweep_budget import (
    MIN_STEPS,
    NETWORK_WORK_BUDGET,
    bounded_network_task,
    cap_message,
    effective_batch,
    network_work,
    parameter_count,
)
from optviz.sweep_report import (
    cell_history,
    cell_status,
    comparison_notes,
    comparison_rows,
    curve_label,
    edge_note,
    edge_notes,
    explorer_url,
    grid_summary,
    lanes_taking,
    no_value,
    scoring_note,
)

ISSUE_11 = NetworkTask("moons", 2000, (64, 64, 64), "tanh", 1024)  # ran for 5-13 minutes before the budget


@pytest.mark.parametrize("hidden", [(1,), (16, 16), (64, 64, 64), (8, 8)])
def test_parameter_count_matches_the_network(hidden) -> None:
    assert parameter_count(hidden) == mlp.Network(2, hidden, 2).parameter_count


def test_work_counts_cells_steps_effective_batch_and_parameters() -> None:
    assert effective_batch(ISSUE_11) == 320  # the training set of 400 samples at a test share of 0.2
    assert effective_batch(replace(ISSUE_11, batch_size=32)) == 32
    assert network_work(ISSUE_11, 144) == 144 * 2000 * 320 * 8642


def test_a_sweep_within_the_budget_is_left_alone() -> None:
    task = NetworkTask("xor", 40, (8,), "tanh", 32)
    assert bounded_network_task(task, 36) == (task, [])


def test_the_issue_11_sweep_is_capped_to_the_budget() -> None:
    capped, notes = bounded_network_task(ISSUE_11, 144)
    assert network_work(capped, 144) <= NETWORK_WORK_BUDGET
    assert capped.hidden == ISSUE_11.hidden and capped.dataset == ISSUE_11.dataset
    # on this budget even MIN_STEPS steps of the full batch are too much, so the batch shrinks as well
    assert capped.steps == MIN_STEPS and capped.batch_size < 1024
    assert network_work(replace(capped, batch_size=capped.batch_size + 1), 144) > NETWORK_WORK_BUDGET
    batch = capped.batch_size
    assert notes == [f"steps reduced from 2,000 to {MIN_STEPS}", f"batch size reduced from 1,024 to {batch}"]
    assert "144 networks" in cap_message(notes, 144) and "steps reduced from 2,000" in cap_message(notes, 144)


def test_steps_are_reduced_first() -> None:
    task = NetworkTask("moons", 2000, (16, 16), "tanh", 32)
    budget = network_work(replace(task, steps=700), 144)
    assert bounded_network_task(task, 144, budget) == (replace(task, steps=700), ["steps reduced from 2,000 to 700"])


def test_below_the_fewest_steps_the_batch_is_reduced_instead() -> None:
    budget = network_work(replace(ISSUE_11, steps=MIN_STEPS, batch_size=100), 144)
    capped, notes = bounded_network_task(ISSUE_11, 144, budget)
    assert (capped.steps, capped.batch_size) == (MIN_STEPS, 100)
    assert notes == [f"steps reduced from 2,000 to {MIN_STEPS}", "batch size reduced from 1,024 to 100"]


def test_even_one_sample_per_step_over_the_budget_means_fewer_steps() -> None:
    budget = network_work(replace(ISSUE_11, steps=10, batch_size=1), 144)
    capped, notes = bounded_network_task(ISSUE_11, 144, budget)
    assert (capped.steps, capped.batch_size) == (10, 1) and network_work(capped, 144) <= budget
    assert notes == ["steps reduced from 2,000 to 10", "batch size reduced from 1,024 to 1"]


# -- the report of a result ------------------------------------------------------------------------------------
ROSENBROCK = get_surface("rosenbrock")
TASK = Task(ROSENBROCK, (-1.2, 1.0), 60)


@pytest.fixture(scope="module")
def grid() -> SweepResult:
    x, y = parse_axis("lr:1e-4:0.05:log:6"), parse_axis("momentum:0:0.9:lin:3")
    return run_sweep(parse_lane("sgd"), x, y, TASK, "final_loss")


def test_grid_summary_counts_runs_and_divergence(grid: SweepResult) -> None:
    diverged, unstable = int(grid.diverged.sum()), int(grid.unstable.sum())
    expected = f"6 × 3 = 18 runs of 60 steps; {diverged} diverged ({100 * diverged / 18:.0f}%), {unstable} unstable."
    assert grid_summary(grid, 60) == expected


def test_cell_status_says_how_a_cell_ended(grid: SweepResult) -> None:
    diverged = tuple(int(i) for i in np.argwhere(grid.diverged)[0])
    assert cell_status(grid, diverged, 1e-3, 60) == "diverged"
    assert cell_status(grid, grid.best_cell(), 1e-3, 60).startswith("final loss ")
    reached = run_sweep(parse_lane("sgd"), parse_axis("lr:1e-4:2e-4:log:2"), None, TASK, "steps_to_tol")
    assert cell_status(reached, (0, 0), 1e-3, 60) == "never within 0.001 of the minimum in 60 steps"


def test_cell_history_is_the_cells_column_of_a_network_sweep(grid: SweepResult) -> None:
    steps, losses = np.array([0, 10]), np.arange(2 * 18, dtype=float).reshape(2, 18)
    network = replace(grid, history=(steps, losses))
    np.testing.assert_array_equal(cell_history(network, (2, 1)), losses[:, 2 * 6 + 1])
    with pytest.raises(ValueError, match="only a network sweep"):
        cell_history(grid, (0, 0))


def curve(best_column: int, count: int = 5) -> SweepResult:
    values = np.full((1, count), 5.0)
    values[0, best_column] = 1.0
    flags = np.zeros((1, count), dtype=bool)
    axis = Axis("lr", 1e-3, 1.0, "log", count)
    return SweepResult(parse_lane("adam"), axis, None, "final_loss", values, flags, values)


def test_an_edge_note_when_the_best_setting_is_at_an_end() -> None:
    assert edge_note(curve(0)) == "best at the low end: extend the range down"
    assert edge_note(curve(4)) == "best at the high end: extend the range up"
    assert edge_note(curve(2)) == ""
    assert edge_note(curve(0, count=2)) == ""  # too few values to say


def test_comparison_rows_table_each_optimizers_best_setting() -> None:
    lanes = [parse_lane("sgd:momentum=0.9"), parse_lane("adam")]
    tuned = tune(lanes, parse_axis("lr:1e-4:1:log:8"), TASK, "best_loss")
    rows = comparison_rows(tuned, "best_loss")
    assert [row["optimizer"] for row in rows] == ["SGD lr swept, momentum=0.9", "Adam lr swept"]
    assert [row["best lr"] for row in rows] == [f"{t.best_setting:.3g}" for t in tuned]
    assert rows[1]["Keras code"] == tuned[1].best_lane.keras_code()
    nothing = replace(curve(2), values=np.full((1, 5), np.nan), diverged=np.ones((1, 5), bool))
    diverged = TunedOptimizer(nothing, None, None, None)
    (row,) = comparison_rows([diverged], "final_loss")
    assert (row["best lr"], row["final loss"], row["diverged settings"]) == ("—", "all diverged", "5 of 5")


def test_lanes_taking_an_axis_skip_the_others_with_the_reason() -> None:
    usable, skipped = lanes_taking(parse_axis("epsilon:1e-8:1:log:4"), [parse_lane("sgd"), parse_lane("adam")])
    assert usable == [parse_lane("adam")] and len(skipped) == 1 and "SGD has no argument 'epsilon'" in skipped[0]


def test_explorer_url_reproduces_the_surface_start_steps_and_lanes() -> None:
    spec = make_spec("custom", expression="x**2 + 3*y**2", x_range=(-3, 3), y_range=(-2, 2))
    state = SweepState(surface=spec, start=(2.0, 1.5), steps=40)
    url = explorer_url(state, [parse_lane("sgd:lr=0.05"), parse_lane("adam")])
    query = parse_qs(urlsplit(url).query)
    assert url.startswith("/surfaces?")
    assert query == {
        "surface": ["custom"],
        "f": ["x**2 + 3*y**2"],
        "xr": ["-3,3"],
        "yr": ["-2,2"],
        "start": ["2,1.5"],
        "steps": ["40"],
        "o": ["sgd:lr=0.05", "adam"],
    }


def grid_result(best: tuple[int, int], unstable: tuple[int, int] | None = None) -> SweepResult:
    values = np.full((4, 5), 5.0)
    values[best] = 1.0
    flags = np.zeros((4, 5), dtype=bool)
    marks = flags.copy()
    if unstable is not None:
        values[unstable], marks[unstable] = 0.1, True  # lower, but unstable: never the best
    x, y = Axis("lr", 1e-3, 1.0, "log", 5), Axis("momentum", 0.0, 0.9, "lin", 4)
    return SweepResult(parse_lane("sgd"), x, y, "final_loss", values, flags, values, unstable=marks)


@pytest.mark.parametrize(
    ("best", "notes"),
    [
        ((1, 2), []),
        ((1, 0), ["Best is on the edge of the range: lr = 0.001 is the lowest value swept; extend it down."]),
        ((3, 2), ["Best is on the edge of the range: momentum = 0.9 is the highest value swept; extend it up."]),
        (
            (0, 4),
            [
                "Best is on the edge of the range: lr = 1 is the highest value swept; extend it up.",
                "Best is on the edge of the range: momentum = 0 is the lowest value swept; extend it down.",
            ],
        ),
    ],
)
def test_a_map_says_on_which_axis_the_best_is_on_the_edge(best, notes) -> None:
    assert edge_notes(grid_result(best, unstable=(0, 0))) == notes  # the unstable corner cell is not the best


def test_a_map_whose_runs_are_all_unstable_has_no_best_and_says_why() -> None:
    result = replace(grid_result((1, 2)), unstable=np.ones((4, 5), dtype=bool))
    assert result.best_cell() is None and edge_notes(result) == [] and no_value(result) == "no stable setting"
    assert cell_status(result, (1, 2), 1e-3, 60) == "unstable (loss rising or jumping at the end), final loss 1"


def test_the_comparison_names_the_swept_argument_and_notes_edges_per_optimizer() -> None:
    low, high = curve(0), replace(curve(4), lane=parse_lane("sgd:momentum=0.9"))
    tuned = [TunedOptimizer(c, 1.0, 1.0, c.cell_lane(*c.best_cell())) for c in (low, high, curve(2))]
    assert comparison_notes(tuned) == [
        "Adam lr swept: Best is on the edge of the range: lr = 0.001 is the lowest value swept; extend it down.",
        "SGD lr swept, momentum=0.9: Best is on the edge of the range: lr = 1 is the highest value swept; "
        "extend it up.",
    ]
    assert curve_label(curve(2)) == "Adam lr swept"
    rows = comparison_rows(tuned, "final_loss")
    assert [row["note"] for row in rows][2] == "—" and rows[2]["unstable settings"] == "0 of 5"


def test_the_scoring_note_gives_the_window_and_the_seeds() -> None:
    assert "mean over the last 30 of 300 steps" in scoring_note(curve(2), 300)
    assert "mean of 4 noise seeds" in scoring_note(replace(curve(2), seeds=4), 300)
    assert "seeds" not in scoring_note(curve(2), 5) and "last 1 of 5 steps" in scoring_note(curve(2), 5)
