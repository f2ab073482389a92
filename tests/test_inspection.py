"""The step inspector's numbers: equal to the core's state, and the substituted formulas reproduce the next position."""

from __future__ import annotations

import io
import math
import re

import numpy as np
import pandas as pd
import pytest

from optviz import runner
from optviz.explain import PAPER_RULES, QUANTITY_HELP
from optviz.figures.inspection import step_arrows, step_figure, view_window
from optviz.figures.inspection_deck import step_deck
from optviz.inspection import STATE_SLOTS, fork, inspect_run, shown_name, step_table
from optviz.inspection_formulas import (
    DIGITS,
    fill,
    format_number,
    formula_lines,
    placeholders,
    step_formulas,
    theta,
)
from optviz.lanes import parse_lane
from optviz.surfaces import get_surface

ROSENBROCK = get_surface("rosenbrock")
STEPS = 30

#: Every optimizer, plain and with the switches that change its rule (clipping, decay, nesterov, amsgrad).
LANES = [
    "sgd:lr=0.001",
    "sgd:lr=0.0005,momentum=0.9,nesterov=1,decay=0.05,clipnorm=50",
    "rmsprop:lr=0.01",
    "rmsprop:lr=0.01,clipvalue=20,decay=0.1",
    "adagrad:lr=0.1",
    "adagrad:lr=0.1,clipnorm=30,clipvalue=5",
    "adadelta",
    "adadelta:lr=0.5,rho=0.9,epsilon=1e-4,decay=0.01",
    "adam:lr=0.05",
    "adam:lr=0.05,amsgrad=1,beta_1=0.5,clipnorm=100",
    "adamax:lr=0.05,decay=0.02",
    "nadam:lr=0.02",
    "nadam:lr=0.02,schedule_decay=0.05,clipnorm=80,clipvalue=30",
]


def core_states(lane_text: str, steps: int):
    """The core's own positions and state records after each step (independent of the inspector)."""
    optimizer = parse_lane(lane_text).build()
    position = np.array([ROSENBROCK.start])
    state = optimizer.init([position])
    positions, states = [position[0]], [state]
    for _ in range(steps):
        _, grad = ROSENBROCK.value_and_grad(position)
        (position,), state = optimizer.update([position], [grad], state)
        positions.append(position[0])
        states.append(state)
    return np.array(positions), states


@pytest.mark.parametrize("lane_text", LANES)
def test_numbers_at_step_k_equal_the_core_state_after_k_steps(lane_text):
    inspection = inspect_run(parse_lane(lane_text), ROSENBROCK.value_and_grad, ROSENBROCK.start, STEPS)
    positions, states = core_states(lane_text, STEPS)
    assert inspection.steps == STEPS and inspection.diverged_step == -1
    np.testing.assert_array_equal(inspection.positions, positions)  # the same update calls on (1, 2): exact
    trajectory = runner.run(parse_lane(lane_text).build(), ROSENBROCK.value_and_grad, [ROSENBROCK.start], STEPS)
    np.testing.assert_allclose(inspection.positions, trajectory.positions[:, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(inspection.losses, trajectory.losses[:, 0], rtol=1e-12)
    name = inspection.optimizer
    for k in (1, 2, 7, STEPS):
        for coordinate in (0, 1):
            shown = inspection.values(k, coordinate)
            assert shown["x"] == positions[k][coordinate] and shown["x_prev"] == positions[k - 1][coordinate]
            assert shown["t"] == k == states[k].iterations
            assert shown["clip_factor"] == float(states[k].clip_factor[0])
            for quantity, slot in STATE_SLOTS[name].items():
                after, before = getattr(states[k], slot), getattr(states[k - 1], slot)
                if after is None:
                    assert quantity not in shown
                    continue
                assert shown[quantity] == after[0][0, coordinate], (quantity, k)
                assert shown[f"{quantity}_prev"] == before[0][0, coordinate], (quantity, k)
        if name == "nadam":
            assert shown["schedule"] == states[k].momentum_schedule[0]
            assert shown["schedule_prev"] == states[k - 1].momentum_schedule[0]


def next_position(name: str, hyper: dict, n: dict) -> dict[str, float]:
    """Keras 2.2.4's step for one coordinate, by plain arithmetic on the numbers the page shows."""
    out: dict[str, float] = {}
    g = n["g_raw"]
    if hyper["clipnorm"] is not None:
        factor = min(1.0, n["clipnorm"] / n["grad_norm"])
        out["norm_factor"] = factor
        g = factor * g
    if hyper["clipvalue"] is not None:
        g = min(max(g, -n["clipvalue"]), n["clipvalue"])
    out["g"] = g
    lr = n["lr"] if name == "nadam" else n["lr"] / (1 + n["decay"] * (n["t"] - 1))
    out["lr_eff"] = lr
    t, eps, x = n["t"], n.get("epsilon", 0.0), n["x_prev"]
    if name == "sgd":
        out["v"] = n["momentum"] * n["v_prev"] - lr * g
        out["x"] = x + n["momentum"] * out["v"] - lr * g if hyper["nesterov"] else x + out["v"]
    elif name in ("rmsprop", "adagrad"):
        out["a"] = (n["rho"] * n["a_prev"] + (1 - n["rho"]) * g * g) if name == "rmsprop" else n["a_prev"] + g * g
        out["x"] = x - lr * g / (math.sqrt(out["a"]) + eps)
    elif name == "adadelta":
        out["a"] = n["rho"] * n["a_prev"] + (1 - n["rho"]) * g * g
        out["u"] = g * math.sqrt(n["d_prev"] + eps) / math.sqrt(out["a"] + eps)
        out["x"] = x - lr * out["u"]
        out["d"] = n["rho"] * n["d_prev"] + (1 - n["rho"]) * out["u"] ** 2
    elif name == "adam":
        out["lr_t"] = lr * math.sqrt(1 - n["beta_2"] ** t) / (1 - n["beta_1"] ** t)
        out["m"] = n["beta_1"] * n["m_prev"] + (1 - n["beta_1"]) * g
        out["v"] = n["beta_2"] * n["v_prev"] + (1 - n["beta_2"]) * g * g
        second = out["v"]
        if hyper["amsgrad"]:
            second = out["vhat"] = max(n["vhat_prev"], out["v"])
        out["x"] = x - out["lr_t"] * out["m"] / (math.sqrt(second) + eps)
    elif name == "adamax":
        out["lr_t"] = lr / (1 - n["beta_1"] ** t)
        out["m"] = n["beta_1"] * n["m_prev"] + (1 - n["beta_1"]) * g
        out["u"] = max(n["beta_2"] * n["u_prev"], abs(g))
        out["x"] = x - out["lr_t"] * out["m"] / (out["u"] + eps)
    elif name == "nadam":
        out["mu_t"] = n["beta_1"] * (1 - 0.5 * n["schedule_base"] ** (t * n["schedule_decay"]))
        out["mu_next"] = n["beta_1"] * (1 - 0.5 * n["schedule_base"] ** ((t + 1) * n["schedule_decay"]))
        out["schedule"] = n["schedule_prev"] * out["mu_t"]
        out["schedule_next"] = n["schedule_prev"] * out["mu_t"] * out["mu_next"]
        g_prime = g / (1 - out["schedule"])
        out["m"] = n["beta_1"] * n["m_prev"] + (1 - n["beta_1"]) * g
        m_prime = out["m"] / (1 - out["schedule_next"])
        out["v"] = n["beta_2"] * n["v_prev"] + (1 - n["beta_2"]) * g * g
        v_prime = out["v"] / (1 - n["beta_2"] ** t)
        out["m_bar"] = (1 - out["mu_t"]) * g_prime + out["mu_next"] * m_prime
        out["x"] = x - n["lr"] * out["m_bar"] / (math.sqrt(v_prime) + eps)
    multipliers = {
        "sgd": lambda: lr,
        "rmsprop": lambda: lr / (math.sqrt(out.get("a", 0.0)) + eps),
        "adagrad": lambda: lr / (math.sqrt(out.get("a", 0.0)) + eps),
        "adadelta": lambda: lr * math.sqrt(n["d_prev"] + eps) / math.sqrt(out.get("a", 0.0) + eps),
        "adam": lambda: out.get("lr_t", 0.0) / (math.sqrt(out.get("vhat", out.get("v", 0.0))) + eps),
        "adamax": lambda: out.get("lr_t", 0.0) / (out.get("u", 0.0) + eps),
        "nadam": lambda: n["lr"] / (math.sqrt(out.get("v", 0.0) / (1 - n["beta_2"] ** t)) + eps),
    }
    out["step_multiplier"] = multipliers[name]()
    out["effective_lr"] = abs(out["x"] - x) / abs(g)
    return out


def rounded(values: dict[str, float], digits: int = DIGITS) -> dict[str, float]:
    """The numbers as the page prints them (``digits`` significant digits)."""
    return {k: float(f"{v:.{digits}g}") for k, v in values.items()}


@pytest.mark.parametrize("lane_text", LANES)
def test_the_formula_with_numbers_substituted_reproduces_the_next_position(lane_text):
    inspection = inspect_run(parse_lane(lane_text), ROSENBROCK.value_and_grad, ROSENBROCK.start, STEPS)
    positions, _ = core_states(lane_text, STEPS)
    hyper = inspection.hyperparameters
    for k in (1, 2, 9, STEPS):
        formulas = step_formulas(inspection, k)
        for coordinate in (0, 1):
            shown = formulas.values[coordinate]
            recomputed = next_position(inspection.optimizer, hyper, shown)
            # unrounded numbers: the arithmetic of the displayed rule lands on the core's next position
            assert recomputed["x"] == pytest.approx(positions[k][coordinate], rel=1e-12, abs=1e-15)
            for name, value in recomputed.items():  # and every intermediate agrees with what is shown
                assert value == pytest.approx(shown[name], rel=1e-9, abs=1e-14), (name, k)
            # the printed (6-digit) numbers still reproduce the next position to about 6 digits
            printed = next_position(inspection.optimizer, hyper, rounded(shown))
            step = abs(positions[k][coordinate] - positions[k - 1][coordinate])
            assert printed["x"] == pytest.approx(
                positions[k][coordinate], abs=2e-5 * (abs(positions[k][coordinate]) + step)
            )
            # every number put into the text is shown as formatted
            lines = [numeric for _, numeric in formulas.scalar + formulas.coordinates[coordinate]]
            assert any(format_number(shown["x"]) in line for line in lines)


@pytest.mark.parametrize("lane_text", LANES)
def test_formula_templates_only_use_recorded_quantities(lane_text):
    inspection = inspect_run(parse_lane(lane_text), ROSENBROCK.value_and_grad, ROSENBROCK.start, 3)
    assert set(inspection.quantities) <= set(QUANTITY_HELP)  # every column of the table is explained
    available = inspection.values(2, 0)
    lines = formula_lines(inspection.optimizer, inspection.hyperparameters)
    assert any(line.numeric.startswith(r"\theta_t") for line in lines)
    assert lines[-1].numeric.startswith(r"\text{effective step size}")
    for line in lines:
        assert set(placeholders(line.numeric)) <= set(available), line.numeric
        assert "[[" not in fill(line.numeric, available)


def test_switches_change_the_rule_shown():
    plain = formula_lines("adam", parse_lane("adam").arguments)
    amsgrad = formula_lines("adam", parse_lane("adam:amsgrad=1").arguments)
    assert not any(r"\hat v" in line.symbolic for line in plain)
    assert any(r"\max(\hat v_{t-1}" in line.symbolic for line in amsgrad)
    clipped = formula_lines("sgd", parse_lane("sgd:clipnorm=1,clipvalue=0.5").arguments)
    assert [placeholders(line.numeric)[-1] for line in clipped[:4]] == ["g_raw", "norm_factor", "g_normclip", "g"]
    nesterov = formula_lines("sgd", parse_lane("sgd:momentum=0.9,nesterov=1").arguments)
    assert any("Nesterov" in line.symbolic for line in nesterov)
    decayed = formula_lines("rmsprop", parse_lane("rmsprop:decay=0.1").arguments)
    assert any("decay" in line.numeric for line in decayed)
    assert not any(
        "lr_eff" in placeholders(line.numeric) for line in formula_lines("nadam", parse_lane("nadam").arguments)
    )


def test_effective_step_size_is_step_per_unit_of_gradient():
    inspection = inspect_run(parse_lane("rmsprop:lr=0.01"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 10)
    q = inspection.quantities
    np.testing.assert_allclose(q["effective_lr"], np.abs(q["update"]) / np.abs(q["g"]))
    # RMSprop's update is exactly its multiplier times g, so both views agree
    np.testing.assert_allclose(q["step_multiplier"], q["effective_lr"], rtol=1e-9)
    adam = inspect_run(parse_lane("adam:lr=0.05"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 10).quantities
    np.testing.assert_allclose(np.abs(adam["update"]), adam["step_multiplier"] * np.abs(adam["m"]), rtol=1e-9)


def test_fork_with_the_same_settings_is_the_original():
    lane = parse_lane("adam:lr=0.05,decay=0.01")
    original = inspect_run(lane, ROSENBROCK.value_and_grad, ROSENBROCK.start, 20)
    forked, note = fork(original, ROSENBROCK.value_and_grad, 8, lane)
    assert forked.first_step == 8 and forked.last_step == 20 and "after step 8" in note
    np.testing.assert_array_equal(forked.positions, original.positions[8:])  # the same calls from step 8: exact
    assert forked.values(9, 0) == original.values(9, 0)


def test_fork_matches_a_run_that_changes_its_hyperparameters_at_step_k():
    k, steps = 12, 25
    before, after = parse_lane("adam:lr=0.05"), parse_lane("adam:lr=0.01,beta_2=0.9,amsgrad=1,clipnorm=20")
    original = inspect_run(before, ROSENBROCK.value_and_grad, ROSENBROCK.start, steps)
    forked, note = fork(original, ROSENBROCK.value_and_grad, k, after)
    assert "AMSGrad" in note
    # reference: one core optimizer for k steps, then another one carrying on with the same state
    position = np.array([ROSENBROCK.start])
    first, second = before.build(), after.build()
    state = first.init([position])
    expected = []
    for step in range(steps):
        _, grad = ROSENBROCK.value_and_grad(position)
        if step == k:
            state = state._replace(max_second_moments=(np.zeros_like(position),))
        (position,), state = (first if step < k else second).update([position], [grad], state)
        expected.append(position[0])
    np.testing.assert_allclose(original.positions[1:], expected[:k] + list(original.positions[k + 1 :]), rtol=0)
    np.testing.assert_allclose(forked.positions[1:], expected[k:], rtol=1e-15)
    assert forked.values(k + 1, 0)["t"] == k + 1  # bias correction carries on from the original counter
    assert not np.allclose(forked.positions[-1], original.positions[-1])


def test_fork_at_zero_with_other_settings_is_a_fresh_run_and_another_optimizer_starts_fresh():
    original = inspect_run(parse_lane("adam:lr=0.05"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 15)
    other = parse_lane("adam:lr=0.02,beta_1=0.5")
    forked, _ = fork(original, ROSENBROCK.value_and_grad, 0, other)
    fresh = runner.run(other.build(), ROSENBROCK.value_and_grad, [ROSENBROCK.start], 15)
    np.testing.assert_allclose(forked.positions, fresh.positions[:, 0], rtol=1e-12)
    switched, note = fork(original, ROSENBROCK.value_and_grad, 5, parse_lane("sgd:lr=0.001"))
    assert "starts fresh" in note
    reference = runner.run(parse_lane("sgd:lr=0.001").build(), ROSENBROCK.value_and_grad, [original.positions[5]], 10)
    np.testing.assert_allclose(switched.positions, reference.positions[:, 0], rtol=1e-12)
    assert switched.values(6, 0)["t"] == 1


def test_table_and_csv_have_one_row_per_step():
    inspection = inspect_run(parse_lane("nadam:clipnorm=50"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 40)
    table = inspection.table()
    assert list(table.index) == list(range(1, 41))
    assert {"m[x]", "m[y]", "schedule", "mu_t", "clip_factor", "θ[x]", "θ_prev[y]", "g_raw[y]"} <= set(table.columns)
    back = pd.read_csv(io.StringIO(table.to_csv()))
    assert len(back) == 40 and back["step"].tolist() == list(range(1, 41))
    assert back["m[y]"].iloc[-1] == pytest.approx(inspection.states[-1].first_moments[0][0, 1])


def test_divergence_stops_the_recording_with_the_step_marked():
    inspection = inspect_run(parse_lane("sgd:lr=0.01"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 50)
    assert 0 < inspection.diverged_step == inspection.last_step < 50
    assert inspection.requested_steps == 50
    last = inspection.positions[-1]
    assert not (np.all(np.isfinite(last)) and np.all(np.abs(last) <= 1e6))
    assert np.all(np.isfinite(inspection.positions[:-1]))


def test_bad_arguments_are_refused_with_a_message():
    inspection = inspect_run(parse_lane("sgd:lr=0.001"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 5)
    with pytest.raises(ValueError, match=r"step must be in 1\.\.5, got 6"):
        inspection.values(6)
    with pytest.raises(ValueError, match=r"fork step must be in 0\.\.5"):
        fork(inspection, ROSENBROCK.value_and_grad, 9, parse_lane("sgd"))
    with pytest.raises(ValueError, match="steps must be a whole number"):
        inspect_run(parse_lane("sgd"), ROSENBROCK.value_and_grad, ROSENBROCK.start, -1)


def test_numbers_are_written_for_latex():
    assert format_number(1e-7) == "10^{-7}"
    assert format_number(-2.5e-9, bare=False) == r"(-2.5 \times 10^{-9})"
    assert format_number(-0.5, bare=False) == "(-0.5)" and format_number(-0.5) == "-0.5"
    assert format_number(float("nan")) == r"\text{NaN}" and format_number(float("inf")) == r"\infty"
    assert fill(r"[[=a]] = [[b]]", {"a": 3.0, "b": -1.25}) == "3 = (-1.25)"
    with pytest.raises(KeyError, match="'c'"):
        fill("[[c]]", {})


def test_step_table_lists_every_number_of_the_step():
    inspection = inspect_run(parse_lane("adamax:lr=0.05"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 10)
    table = step_table(inspection, 4)
    assert set(table.index) == {shown_name(name) for name in inspection.quantities}
    assert list(table.index[:4]) == ["m_prev", "m", "u_prev", "u"]  # the optimizer's own state comes first
    assert table.loc["u", "coordinate y"] == f"{inspection.states[4].infinity_norms[0][0, 1]:.6g}"
    assert table.loc["lr_t", "value"] == f"{inspection.quantities['lr_t'][3]:.6g}"
    assert table.loc["lr_t", "coordinate x"] == ""
    assert "running max" in table.loc["u", "meaning"]


@pytest.mark.parametrize(
    "lane_text",
    [
        "sgd:lr=0.001,momentum=0.9",
        "sgd:lr=0.001,momentum=0.9,nesterov=1",
        "adam:lr=0.05,clipnorm=20",
        "rmsprop:lr=0.01",
    ],
)
def test_step_arrows_show_the_real_directions(lane_text):
    inspection = inspect_run(parse_lane(lane_text), ROSENBROCK.value_and_grad, ROSENBROCK.start, 12)
    window = view_window(ROSENBROCK, inspection)
    for k in (1, 6, 12):
        arrows = {a.kind: a for a in step_arrows(inspection, k, window)}
        i = k - 1
        np.testing.assert_array_equal(arrows["update"].start, inspection.positions[i])
        drawn = arrows["update"].end - arrows["update"].start
        true = inspection.positions[i + 1] - inspection.positions[i]
        np.testing.assert_allclose(drawn, arrows["update"].scale * true)
        assert arrows["update"].scale >= 1  # displacements are never drawn shorter than they are
        np.testing.assert_allclose(arrows["gradient"].vector, -inspection.quantities["g_raw"][i])  # downhill
        assert ("clipped" in arrows) == bool(inspection.quantities["clip_factor"][i] < 1)
        # plain SGD's step is its velocity: one arrow says both; Nesterov or Adam draw the momentum apart
        nesterov = inspection.hyperparameters.get("nesterov", False)
        assert ("momentum" in arrows) == (inspection.optimizer == "adam" or nesterov)
        assert ("velocity" in arrows["update"].label) == (inspection.optimizer == "sgd" and not nesterov)
    zoomed = view_window(ROSENBROCK, inspection, 6, zoom=True)
    for point in inspection.positions[5:7]:
        assert zoomed[0][0] < point[0] < zoomed[0][1] and zoomed[1][0] < point[1] < zoomed[1][1]


def test_a_start_outside_the_finite_world_is_diverged_at_step_0_as_in_the_runner():
    def log_x(points):
        with np.errstate(all="ignore"):
            return np.log(points[:, 0]), np.column_stack([1 / points[:, 0], 0 * points[:, 0]])

    inspection = inspect_run(parse_lane("sgd:lr=0.1"), log_x, (-1.0, 1.0), 5)
    trajectory = runner.run(parse_lane("sgd:lr=0.1").build(), log_x, np.array([[-1.0, 1.0]]), 5)
    assert inspection.diverged_step == trajectory.diverged_step[0] == 0 and inspection.steps == 0


# -- a lane with an lr plan (issue 15) ------------------------------------------------------------------------------
PLANNED = [
    "sgd:lr=0.002,momentum=0.9,schedule=step,every=4,drop=0.5",
    "rmsprop:lr=0.01,decay=0.05,schedule=cosine,total=20,warmup=3",
    "adam:lr=0.05,plateau=0.5,patience=2,min_delta=0.5",
    "nadam:lr=0.02,schedule=cyclic,max_lr=0.05,up=3",
]


@pytest.mark.parametrize("lane_text", PLANNED)
def test_a_lane_with_an_lr_plan_records_the_runners_run_and_its_lr(lane_text):
    lane = parse_lane(lane_text, allow_plan=True)
    inspection = inspect_run(lane, ROSENBROCK.value_and_grad, ROSENBROCK.start, STEPS)
    core = runner.run(lane.build(), ROSENBROCK.value_and_grad, [ROSENBROCK.start], STEPS, callbacks=lane.callbacks())
    # the inspector keeps every state (optimizer.update), the runner updates in place: a few ulps apart
    np.testing.assert_allclose(inspection.positions, core.positions[:, 0], rtol=1e-12, atol=1e-15)
    q = inspection.quantities
    np.testing.assert_array_equal(q["lr"], core.lrs[:, 0])  # the same callbacks on the same losses
    np.testing.assert_array_equal(q["epoch"], np.arange(STEPS))
    if lane.optimizer != "nadam":  # Nadam has no decay: its formulas use lr itself
        decay = lane.arguments["decay"]
        np.testing.assert_allclose(q["lr_eff"], q["lr"] / (1 + decay * q["iterations"]), rtol=1e-12)
    assert len(set(q["lr"].tolist())) > 1  # the plan changed the lr
    hyper = inspection.hyperparameters
    for k in (1, 5, STEPS):
        formulas = step_formulas(inspection, k)
        shown = formulas.values[0]
        assert next_position(inspection.optimizer, hyper, shown)["x"] == pytest.approx(
            inspection.positions[k - inspection.first_step][0], rel=1e-12, abs=1e-15
        )  # the rule with the step's lr variable lands on the next position
        (plan_line,) = [numeric for _, numeric in formulas.scalar if numeric.startswith(r"\text{lr")]
        assert f"= {format_number(shown['lr'])}" in plan_line and f"{format_number(shown['epoch'])}" in plan_line
    assert set(q) <= set(QUANTITY_HELP)


def test_a_fork_with_the_same_plan_goes_on_with_the_schedule():
    lane = parse_lane("sgd:lr=0.002,momentum=0.9,schedule=step,every=4,drop=0.5", allow_plan=True)
    original = inspect_run(lane, ROSENBROCK.value_and_grad, ROSENBROCK.start, 20)
    forked, note = fork(original, ROSENBROCK.value_and_grad, 9, lane)
    assert "goes on from epoch 9." in note
    np.testing.assert_array_equal(forked.positions, original.positions[9:])  # the same calls from step 9: exact
    np.testing.assert_array_equal(forked.quantities["lr"], original.quantities["lr"][9:])
    plain, _ = fork(original, ROSENBROCK.value_and_grad, 9, parse_lane("sgd:lr=0.002,momentum=0.9"))
    assert "epoch" not in plain.quantities and np.all(plain.quantities["lr_eff"] == 0.002)


def test_walk_starts_the_callbacks_at_initial_epoch():
    lane = parse_lane("sgd:lr=0.002,schedule=step,every=4,drop=0.5", allow_plan=True)
    lrs = [
        float(position.lr[0])
        for position in runner.walk(
            lane.build(), ROSENBROCK.value_and_grad, [ROSENBROCK.start], 3, callbacks=lane.callbacks(), initial_epoch=7
        )
    ]
    assert lrs[:3] == [0.001, 0.0005, 0.0005]  # epochs 7, 8, 9


#: The parameter written as x (x_t, x_{t-1}, Δx, x_9): ambiguous next to the map's x and y axes.
PARAMETER_AS_X = re.compile(r"(?<![\w\\])x_(\{|t\b|\d|k)|Δx|\\Delta x")


@pytest.mark.parametrize("lane_text", [*LANES, "sgd:lr=0.0005,momentum=0.9", "adam:clipnorm=1,clipvalue=0.5"])
def test_the_parameter_is_theta_everywhere_the_inspector_writes_it(lane_text):
    inspection = inspect_run(parse_lane(lane_text), ROSENBROCK.value_and_grad, ROSENBROCK.start, 12)
    formulas = step_formulas(inspection, 10)
    written = [line.symbolic for line in formula_lines(inspection.optimizer, inspection.hyperparameters)]
    written += [text for pair in formulas.scalar for text in pair]
    written += [text for lines in formulas.coordinates for pair in lines for text in pair]
    written += PAPER_RULES[inspection.optimizer][1] + [symbol for symbol, _ in QUANTITY_HELP.values()]
    written += [meaning for _, meaning in QUANTITY_HELP.values()]
    figure = step_figure(ROSENBROCK, inspection, 10)
    written += [figure.layout.title.text, *(trace.name or "" for trace in figure.data)]
    entry = step_deck(ROSENBROCK, inspection)["steps"]["10"]
    written += [entry["title"], *(name for name, _ in entry["rows"]), *(a["name"] for a in entry["arrows"])]
    offenders = [text for text in written if PARAMETER_AS_X.search(text)]
    assert offenders == []
    assert any(text.startswith(r"\theta_t = ") for text in written)  # the rule moves θ
    assert figure.layout.title.text == entry["title"] == f"Step 10: from {theta(9)} to {theta(10)}" == (
        "Step 10: from θ₉ to θ₁₀"
    )
    assert "path to θ₉" in [trace.name for trace in figure.data]
    table = step_table(inspection, 10)
    assert list(table.columns) == ["meaning", "value", "coordinate x", "coordinate y"]
    assert {"θ", "θ_prev"} <= set(table.index) and not {"x", "x_prev"} & set(table.index)
    assert table.loc["θ", "coordinate y"] == f"{inspection.positions[10, 1]:.6g}"
    assert {"θ[x]", "θ[y]", "θ_prev[x]"} <= set(inspection.table().columns)


def test_the_fork_and_step_labels_sit_on_opposite_sides_of_their_lines():
    from optviz.figures.inspection import loss_figure

    inspection = inspect_run(parse_lane("adam:lr=0.05"), ROSENBROCK.value_and_grad, ROSENBROCK.start, 30)
    forked, _ = fork(inspection, ROSENBROCK.value_and_grad, 10, parse_lane("adam:lr=0.01"))
    for step in (10, 11):  # the same step, and the next: the labels would overlap if both sat right of their line
        labels = {a.text: a for a in loss_figure(inspection, step, forked).layout.annotations}
        assert labels["fork"].x == 10 and labels[f"step {step}"].x == step
        assert (labels["fork"].xanchor, labels[f"step {step}"].xanchor) == ("right", "left")
