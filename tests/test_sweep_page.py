"""AppTest: the sweep page turns a URL into the heat map of the core's sweep, replays the best cell, tunes lr
fairly, and answers bad links and bad ranges with notes instead of tracebacks."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz import optimizers
from optviz.expressions import custom_surface
from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface, rotated_quadratic
from optviz.sweep import Axis, NetworkTask, Task, parse_axis, replay, run_sweep, tune_learning_rate
from pages.components.surface_picker import DEFAULT_EXPRESSION

from .apptest_helpers import decode, plotly_figures, run_page
from .conftest import ROOT

PAGE = ROOT / "pages" / "sweep.py"
ROSENBROCK = get_surface("rosenbrock")


def page(**query: str | list[str]) -> AppTest:
    return run_page(PAGE, query)


def components(at: AppTest, name: str) -> list[dict]:
    """The data of every custom component ``name`` the last run drew."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == name]


def figures(at: AppTest) -> list[dict]:
    """The figures the page draws: the heat map view's and the replay view's (map mode; see
    pages/components/sweep_map_view.py), then every ``st.plotly_chart``."""
    assets = {asset["name"]: asset["value"] for asset in components(at, "optviz.asset")}
    views = [assets[view["heatmap"]]["figure"] for view in components(at, "optviz.sweep_map")]
    views += [view["figure"] for view in components(at, "optviz.figure_view")]
    return views + plotly_figures(at)


def warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


MAP_QUERY = dict(
    surface="rosenbrock",
    start="-1.2,1",
    steps="120",
    opt="sgd:nesterov=1",
    x="lr:1e-4:0.05:log:12",
    y="momentum:0:0.95:lin:8",
    metric="final_loss",
)


def test_a_map_url_shows_the_cores_sweep_and_replays_the_best_cell():
    at = page(**MAP_QUERY)
    assert not at.exception
    assert not at.error and not warnings(at)
    heatmap, replayed = figures(at)[:2]
    task = Task(ROSENBROCK, (-1.2, 1.0), 120)
    x, y = parse_axis(MAP_QUERY["x"]), parse_axis(MAP_QUERY["y"])
    result = run_sweep(parse_lane("sgd:nesterov=1"), x, y, task, "final_loss")
    metric = heatmap["data"][0]
    np.testing.assert_allclose(decode(metric["x"]), np.log10(x.values()))
    np.testing.assert_allclose(decode(metric["y"]), y.values())
    np.testing.assert_allclose(decode(metric["z"]).reshape(8, 12), np.log10(result.values), equal_nan=True)
    status = decode(heatmap["data"][1]["z"]).reshape(8, 12)
    assert np.array_equal(status == 1, result.diverged) and result.diverged.any()
    assert "(log)" in metric["colorbar"]["title"]["text"]
    # the replay shows the best cell's path, and the page offers its Keras code and explorer link
    best_lane = result.cell_lane(*result.best_cell())
    path = replay(best_lane, task).positions[:, 0]
    np.testing.assert_allclose(decode(replayed["data"][0]["x"]), path[:, 0])
    np.testing.assert_allclose(decode(replayed["data"][0]["y"]), path[:, 1])
    assert at.code[0].value == best_lane.keras_code()
    page_text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert f"/surfaces?surface=rosenbrock&start=-1.2,1&steps=120&o={best_lane.to_text()}" in page_text
    # the URL round-trips
    assert at.query_params["x"] == "lr:0.0001:0.05:log:12"
    assert at.query_params["y"] == "momentum:0:0.95:lin:8"
    assert at.query_params["o"] == "sgd:nesterov=1"  # old links' opt= is written as o=


def test_the_fair_comparison_tables_each_optimizers_best_lr_and_draws_the_tuned_paths():
    at = page(mode="tune", steps="100", opt=["sgd:momentum=0.9", "adam"], x="lr:1e-4:1:log:15", metric="best_loss")
    assert not at.exception and not at.error
    lanes = [parse_lane("sgd:momentum=0.9"), parse_lane("adam")]
    task = Task(ROSENBROCK, ROSENBROCK.start, 100)
    tuned = tune_learning_rate(lanes, Axis("lr", 1e-4, 1.0, "log", 15), task, "best_loss")
    table = at.dataframe[0].value
    assert list(table["best lr"]) == [f"{t.best_setting:.3g}" for t in tuned]
    assert list(table["best loss"]) == [f"{t.best_score:.3g}" for t in tuned]
    curves, paths = figures(at)[:2]
    assert curves["data"][0]["name"] == "SGD lr swept, momentum=0.9"  # not the lane's default lr (issue 14)
    for index, entry in enumerate(tuned):
        expected = replay(entry.best_lane, task).positions[:, 0, 0]
        np.testing.assert_allclose(decode(paths["data"][1 + 2 * index]["x"]), expected)


def test_curves_mode_skips_optimizers_without_the_argument():
    at = page(mode="curves", steps="50", opt=["sgd", "adam"], x="epsilon:1e-8:1:log:10")
    assert not at.exception
    assert any("SGD has no argument 'epsilon'" in info.value for info in at.info)
    (curves,) = figures(at)
    assert curves["data"][0]["name"] == "Adam lr=0.001, epsilon swept"  # the lr always shows (issue 14)
    assert len(decode(curves["data"][0]["x"])) == 10


@pytest.mark.parametrize(
    ("query", "note"),
    [
        (dict(x="lr:1:0.1:log:10"), "minimum must be below the maximum"),
        (dict(x="lr:0:1:log:10"), "log spacing needs positive values"),
        (dict(x="lr:1e-4:1:log:0"), "number of values must be a whole number >= 1, got 0"),
        (dict(x="lr:1e-4:1"), "must read argument:min:max:log|lin:count"),
        (dict(surface="nope"), "`surface=nope` ignored"),
        (dict(surface="custom", f="x+"), "URL parameter `f` ignored"),
        (dict(surface="rotated_quadratic", condition="0.5"), "`condition=0.5` ignored"),
        (dict(metric="speed"), "`metric=speed` ignored"),
        (dict(opt="adamw:lr=1"), "unknown optimizer 'adamw'"),
        (dict(start="a,b"), "`start=a,b` ignored: not a number"),
        (dict(steps="9999999"), "between 1 and 2000"),
        (dict(opt="adam", y="momentum:0:0.9:lin:5"), "Adam has no argument 'momentum'"),
        (dict(mode="party"), "`mode=party` ignored"),
    ],
)
def test_tampered_urls_fall_back_with_a_note(query, note):
    at = page(**{"steps": "40", **query})
    assert not at.exception
    assert any(note in text for text in warnings(at)), warnings(at)
    assert figures(at), "the page still draws a sweep"


def test_oversized_grids_are_capped_with_a_message():
    at = page(steps="20", x="lr:1e-4:1:log:500", y="momentum:0:0.9:lin:3")
    assert not at.exception
    assert any("capped to 200" in text for text in warnings(at))
    heatmap = figures(at)[0]
    assert len(decode(heatmap["data"][0]["x"])) == 200


def test_bad_ranges_typed_in_the_widgets_give_messages():
    at = page(steps="30", x="lr:1e-4:1:log:10", y="momentum:0:0.9:lin:4")
    at.number_input(key="sweep.w.x.lr.min").set_value(2.0).run()
    assert not at.exception
    assert any("minimum must be below the maximum, got 2 to 1" in e.value for e in at.error)
    at.number_input(key="sweep.w.x.lr.min").set_value(1e-3).run()
    at.number_input(key="sweep.w.y.momentum.count").set_value(0).run()
    assert any("number of values must be a whole number >= 1, got 0" in e.value for e in at.error)
    at.number_input(key="sweep.w.y.momentum.count").set_value(5).run()
    at.selectbox(key="sweep.w.y.momentum.scale").set_value("log").run()
    assert any("log spacing needs positive values" in e.value for e in at.error)
    at.selectbox(key="sweep.w.y.momentum.scale").set_value("lin").run()
    assert not at.error
    assert decode(figures(at)[0]["data"][0]["z"]).size == 10 * 5


def test_a_map_url_with_one_axis_draws_the_metric_against_it():
    at = page(opt="adam:beta_1=0.8", x="lr:1e-3:1:log:20", steps="60", metric="best_loss")
    assert not at.exception and not at.error
    (curves,) = figures(at)
    result = run_sweep(
        parse_lane("adam:beta_1=0.8"),
        Axis("lr", 1e-3, 1.0, "log", 20),
        None,
        Task(ROSENBROCK, ROSENBROCK.start, 60),
        "best_loss",
    )
    np.testing.assert_allclose(decode(curves["data"][0]["y"]), result.values[0])
    assert curves["layout"]["xaxis"]["type"] == "log"
    best = result.best_cell()
    assert at.dataframe[0].value["best lr"].iloc[0] == f"{result.x_values[best[1]]:.3g}"
    assert at.query_params["o"] == "adam:beta_1=0.8" and "y" not in at.query_params


def test_mode_and_optimizer_switches_keep_the_axes_and_offer_only_valid_arguments():
    at = page(x="lr:1e-3:0.1:log:7", y="momentum:0:0.9:lin:3", steps="30")
    at.radio(key="sweep.w.mode").set_value("tune").run()
    assert not at.exception and at.query_params["mode"] == "tune"
    assert len(at.dataframe[0].value) == 4  # the default comparison: SGD with momentum, RMSprop, Adam, Nadam
    at.radio(key="sweep.w.mode").set_value("map").run()
    assert (at.query_params["x"], at.query_params["y"]) == ("lr:0.001:0.1:log:7", "momentum:0:0.9:lin:3")
    at.selectbox(key="sweep.w.base.optimizer").set_value("adam").run()
    assert not at.exception and not at.error
    assert "momentum" not in at.selectbox(key="sweep.w.y.argument").options
    assert at.query_params["y"].startswith("beta_1:")
    at.selectbox(key="sweep.w.base.optimizer").set_value("sgd").run()
    assert at.query_params["y"] == "momentum:0:0.9:lin:3"


def test_choosing_another_surface_starts_from_its_default_start():
    at = page(steps="20", x="lr:1e-3:0.1:log:5", y="momentum:0:0.9:lin:3")
    at.selectbox(key="sweep.w.surface").set_value("bowl").run()
    assert not at.exception
    assert at.query_params["surface"] == "bowl"
    assert at.query_params["start"] == ",".join(f"{v:g}" for v in get_surface("bowl").start)


Y3 = "momentum:0:0.9:lin:3"


def test_a_network_url_trains_the_grid_and_caps_it_at_12():
    pytest.importorskip("optviz.training")
    at = page(task="network", dataset="xor", hidden="8", steps="40", x="lr:1e-3:1:log:20", y=Y3)
    assert not at.exception and not at.error
    assert any("20 values is over the limit of 12" in w.value for w in at.warning)
    heatmap, curves = figures(at)[:2]
    task = NetworkTask("xor", steps=40, hidden=(8,))
    result = run_sweep(parse_lane("sgd"), Axis("lr", 1e-3, 1.0, "log", 12), parse_axis(Y3), task, "train_loss")
    z = decode(heatmap["data"][0]["z"]).reshape(3, 12)
    expected = np.log10(result.values) if "(log)" in heatmap["data"][0]["colorbar"]["title"]["text"] else result.values
    np.testing.assert_allclose(z, expected, rtol=1e-9, equal_nan=True)
    best = result.best_cell()
    assert curves["data"][0]["name"] == result.cell_lane(*best).label()  # the replay is the best cell's curve
    assert at.query_params["task"] == "network" and at.query_params["x"] == "lr:0.001:1:log:12"
    at.run()  # a rerun (a click, a widget) reuses the trained grid without errors
    assert not at.exception and decode(figures(at)[0]["data"][0]["z"]).size == 36


def test_a_bad_network_link_falls_back_with_notes():
    pytest.importorskip("optviz.training")
    at = page(task="network", dataset="mnist", hidden="8,16", steps="20", x="lr:1e-2:1:log:3", metric="final_loss")
    assert not at.exception
    notes = " ".join(warnings(at))
    assert (
        "`dataset=mnist` ignored" in notes
        and "`hidden=8,16` ignored" in notes
        and "`metric=final_loss` ignored" in notes
    )
    assert at.query_params["dataset"] == "moons" and at.query_params["metric"] == "train_loss"


def test_when_no_cell_reaches_the_tolerance_the_page_says_so_and_replays_the_lowest_loss():
    at = page(
        opt="nadam", x="lr:1e-4:1e-3:log:4", y="beta_1:0.5:0.9:lin:3", steps="30", metric="steps_to_tol", tol="1e-9"
    )
    assert not at.exception and not at.error
    assert any("No cell reached the tolerance in 30 steps" in w.value for w in at.warning)
    task = Task(ROSENBROCK, ROSENBROCK.start, 30, tolerance=1e-9)
    result = run_sweep(
        parse_lane("nadam"), parse_axis("lr:1e-4:1e-3:log:4"), parse_axis("beta_1:0.5:0.9:lin:3"), task, "final_loss"
    )
    row, column = np.unravel_index(np.nanargmin(result.values), result.values.shape)
    replayed = figures(at)[1]["data"][0]
    expected = replay(result.cell_lane(row, column), task).positions[:, 0, 0]
    np.testing.assert_allclose(decode(replayed["x"]), expected)


# -- the surface picker: custom formulas and the rotated quadratic's condition number ----------------------------
CUSTOM = dict(surface="custom", f="x**2 + 3*y**2 + sin(2*x)", xr="-3,3", yr="-2,2", start="2,1.5")
CUSTOM_AXES = dict(x="lr:1e-3:0.3:log:6", y="momentum:0:0.9:lin:4", opt="sgd", steps="40", metric="final_loss")


def explorer_links(at: AppTest) -> list[dict[str, list[str]]]:
    """The query of every "/surfaces?..." link on the page, parsed."""
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    return [parse_qs(urlparse(url).query) for url in re.findall(r"\(?(/surfaces\?[^)\s`]+)", text)]


def test_a_custom_surface_from_the_url_gives_the_cores_single_runs_per_cell():
    at = page(**CUSTOM, **CUSTOM_AXES)
    assert not at.exception and not at.error and not warnings(at)
    assert at.text_input(key="sweep.w.f").value == CUSTOM["f"]
    surface = custom_surface(CUSTOM["f"], (-3.0, 3.0), (-2.0, 2.0))
    x, y = parse_axis(CUSTOM_AXES["x"]), parse_axis(CUSTOM_AXES["y"])
    metric = figures(at)[0]["data"][0]
    z = decode(metric["z"]).reshape(4, 6)
    if "(log)" in metric["colorbar"]["title"]["text"]:
        z = 10**z
    checked = 0
    for row, column in [(0, 0), (1, 3), (3, 2), (2, 5)]:
        lr, momentum = x.values()[column], y.values()[row]
        single = run(optimizers.SGD(lr=lr, momentum=momentum), surface.value_and_grad, [(2.0, 1.5)], 40)
        if single.diverged[0]:
            assert np.isnan(z[row, column])
            continue
        tail = single.losses[-4:, 0].mean()  # the final loss is the mean over the last 10% (4 of 40 steps)
        np.testing.assert_allclose(z[row, column], tail, rtol=1e-9, atol=1e-300)
        checked += 1
    assert checked >= 3
    # the URL keeps the formula and window, and the explorer link reproduces the same surface there
    assert {k: at.query_params[k] for k in ("surface", "f", "xr", "yr", "start")} == CUSTOM
    (link,) = explorer_links(at)
    assert {k: link[k] for k in ("surface", "f", "xr", "yr", "start")} == {k: [v] for k, v in CUSTOM.items()}


def test_every_mode_runs_on_a_custom_surface():
    at = page(**CUSTOM, mode="tune", steps="40", opt=["sgd:momentum=0.9", "adam"], x="lr:1e-3:1:log:8")
    assert not at.exception and not at.error
    surface = custom_surface(CUSTOM["f"], (-3.0, 3.0), (-2.0, 2.0))
    lanes = [parse_lane("sgd:momentum=0.9"), parse_lane("adam")]
    tuned = tune_learning_rate(lanes, parse_axis("lr:1e-3:1:log:8"), Task(surface, (2.0, 1.5), 40), "final_loss")
    assert list(at.dataframe[0].value["best lr"]) == [f"{t.best_setting:.3g}" for t in tuned]
    (link,) = explorer_links(at)
    assert link["f"] == [CUSTOM["f"]] and len(link["o"]) == 2
    at.radio(key="sweep.w.mode").set_value("curves").run()
    assert not at.exception and not at.error
    assert at.query_params["surface"] == "custom" and at.query_params["f"] == CUSTOM["f"]
    assert figures(at), "the curves mode draws on the custom surface too"


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("9**9**9", "exponent"),
        ("x+", "not a formula"),
        ("frobnicate(x)", "unknown function 'frobnicate'"),
    ],
)
def test_a_bad_formula_gives_a_message_next_to_the_input_and_no_traceback(formula, message):
    # in the URL: a note, and the default formula is used instead
    at = page(surface="custom", f=formula, **CUSTOM_AXES)
    assert not at.exception
    assert any("URL parameter `f` ignored" in w and message in w.replace("\\", "") for w in warnings(at))
    assert at.text_input(key="sweep.w.f").value == DEFAULT_EXPRESSION and figures(at)
    # typed in the widget: a message under the input, the page waits for a usable formula
    at.text_input(key="sweep.w.f").set_value(formula).run()
    assert not at.exception
    assert any("Formula not used" in e.value and message in e.value.replace("\\", "") for e in at.error)
    assert any("Fix the custom surface" in i.value for i in at.info) and not figures(at)
    at.text_input(key="sweep.w.f").set_value("x**2 + y**2").run()
    assert not at.exception and not at.error and figures(at)
    assert at.query_params["f"] == "x**2 + y**2"


def test_a_bad_custom_window_is_refused_with_a_message():
    at = page(**CUSTOM, **CUSTOM_AXES)
    at.number_input(key="sweep.w.x_low").set_value(5.0).run()
    assert not at.exception
    assert any("x range" in e.value for e in at.error) and not figures(at)
    at.number_input(key="sweep.w.x_low").set_value(-1.0).run()
    assert not at.exception and not at.error and at.query_params["xr"] == "-1,3"


def test_the_rotated_quadratics_condition_number_changes_the_sweep():
    axes = dict(x="lr:1e-3:1:log:8", y="momentum:0:0.9:lin:3", opt="sgd", steps="50", metric="final_loss")
    results = {}
    for condition in ("1", "100"):
        at = page(surface="rotated_quadratic", condition=condition, **axes)
        assert not at.exception and not at.error and not warnings(at)
        assert at.select_slider(key="sweep.w.condition").value == float(condition)
        assert at.query_params["condition"] == condition
        (link,) = explorer_links(at)
        assert link["surface"] == ["rotated_quadratic"] and link["condition"] == [condition]
        z = decode(figures(at)[0]["data"][0]["z"]).reshape(3, 8)
        task = Task(rotated_quadratic(float(condition)), get_surface("rotated_quadratic").start, 50)
        expected = run_sweep(parse_lane("sgd"), parse_axis(axes["x"]), parse_axis(axes["y"]), task, "final_loss")
        title = figures(at)[0]["data"][0]["colorbar"]["title"]["text"]
        np.testing.assert_allclose(z, np.log10(expected.values) if "(log)" in title else expected.values, rtol=1e-9)
        results[condition] = expected.values
    assert not np.allclose(results["1"], results["100"], equal_nan=True)
    # an unoffered condition snaps to the nearest offered one, with a note
    snapped = page(surface="rotated_quadratic", condition="90", **axes)
    assert not snapped.exception
    assert any("Condition number 90 is not offered; using 100" in w for w in warnings(snapped))
    assert snapped.query_params["condition"] == "100"


def test_choosing_a_custom_surface_in_the_widgets_starts_in_its_window():
    at = page(steps="20", x="lr:1e-3:0.1:log:5", y="momentum:0:0.9:lin:3")
    at.selectbox(key="sweep.w.surface").set_value("custom").run()
    assert not at.exception and not at.error
    assert at.query_params["surface"] == "custom" and at.query_params["f"] == DEFAULT_EXPRESSION
    assert at.query_params["start"] == "-1.2,1.2"  # the upper-left part of the default window -2..2
    assert figures(at)


# -- issue 11: bounded work, old links ----------------------------------------------------------------------------
def test_a_network_sweep_over_the_work_budget_is_capped_with_a_note(monkeypatch):
    pytest.importorskip("optviz.training")
    from optviz import sweep_budget

    asked = NetworkTask("xor", steps=400, hidden=(8,), batch_size=32)
    monkeypatch.setattr(sweep_budget, "NETWORK_WORK_BUDGET", sweep_budget.network_work(replace(asked, steps=60), 9))
    at = page(task="network", dataset="xor", hidden="8", steps="400", x="lr:1e-2:1:log:3", y="momentum:0:0.9:lin:3")
    assert not at.exception and not at.error
    (note,) = [i.value for i in at.info if "work budget" in i.value]
    assert "trains 9 networks" in note and "steps reduced from 400 to 60" in note
    heatmap, curves = figures(at)[:2]
    x, y = parse_axis("lr:1e-2:1:log:3"), parse_axis(Y3)
    result = run_sweep(parse_lane("sgd"), x, y, replace(asked, steps=60), "train_loss")
    z = decode(heatmap["data"][0]["z"]).reshape(3, 3)
    expected = np.log10(result.values) if "(log)" in heatmap["data"][0]["colorbar"]["title"]["text"] else result.values
    np.testing.assert_allclose(z, expected, rtol=1e-9, equal_nan=True)
    assert decode(curves["data"][0]["x"])[-1] == 60  # trained for the capped number of steps
    assert at.query_params["steps"] == "400"  # the link keeps what was asked; the note says what ran


def test_old_opt_links_and_new_o_links_draw_the_same_sweep():
    old = page(**MAP_QUERY)
    new = page(**{**{k: v for k, v in MAP_QUERY.items() if k != "opt"}, "o": MAP_QUERY["opt"]})
    assert not old.exception and not new.exception and not warnings(old) and not warnings(new)
    z_old, z_new = (decode(figures(at)[0]["data"][0]["z"]) for at in (old, new))
    np.testing.assert_array_equal(z_old, z_new)  # the same call on the same settings
    assert old.query_params["o"] == new.query_params["o"] == "sgd:nesterov=1"
    assert "opt" not in old.query_params


def test_an_old_link_with_several_opt_lanes_compares_them():
    at = page(mode="curves", steps="30", opt=["sgd:momentum=0.9", "rmsprop"], x="lr:1e-3:0.1:log:5")
    assert not at.exception and not at.error
    names = [t.get("name") for t in figures(at)[0]["data"]]
    assert "SGD lr swept, momentum=0.9" in names and "RMSprop lr swept" in names
    assert list(at.query_params["o"]) == ["sgd:momentum=0.9", "rmsprop"] and "opt" not in at.query_params


def test_leaving_the_page_and_coming_back_keeps_every_setting():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in dict(steps="30", x="lr:1e-3:0.1:log:5", y="momentum:0:0.9:lin:3").items():
        at.query_params[name] = value
    at.switch_page("pages/sweep.py").run()
    at.number_input(key="sweep.w.steps").set_value(45).run()
    at.selectbox(key="sweep.w.base.optimizer").set_value("adam").run()
    at.number_input(key="sweep.w.y.beta_1.count").set_value(4).run()
    at.radio(key="sweep.w.mode").set_value("tune").run()
    at.multiselect(key="sweep.w.optimizers").set_value(["adam", "rmsprop"]).run()
    before = dict(at.query_params)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception and not at.error and not at.warning
    assert dict(at.query_params) == before and before["mode"] == "tune" and before["steps"] == "45"
    assert len(at.dataframe[0].value) == 2  # Adam and RMSprop
    at.radio(key="sweep.w.mode").set_value("map").run()
    assert at.query_params["o"] == "adam" and at.query_params["y"] == "beta_1:0:0.99:lin:4"
    # a widget of another mode keeps its value through a visit made while it was not drawn, and a later change
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/sweep.py").run()
    at.radio(key="sweep.w.mode").set_value("tune").run()
    assert at.multiselect(key="sweep.w.optimizers").value == ["adam", "rmsprop"]
    at.multiselect(key="sweep.w.optimizers").set_value(["rmsprop"]).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception and at.multiselect(key="sweep.w.optimizers").value == ["rmsprop"]
    assert at.query_params["o"] == "rmsprop" and at.query_params["steps"] == "45"


def test_the_same_network_link_trains_once_across_sessions(monkeypatch):
    pytest.importorskip("optviz.training")
    from optviz import sweep as sweep_module

    calls = []
    real = sweep_module.run_sweep
    monkeypatch.setattr(sweep_module, "run_sweep", lambda *args, **kw: calls.append(args) or real(*args, **kw))
    query = dict(task="network", dataset="circles", hidden="4", steps="25", x="lr:1e-2:1:log:3", y=Y3)
    first, second = page(**query), page(**query)  # two visitors, two sessions
    assert not first.exception and not second.exception and len(calls) == 1
    z_first, z_second = (decode(figures(at)[0]["data"][0]["z"]) for at in (first, second))
    np.testing.assert_array_equal(z_first, z_second)  # the kept result of the same call


def test_widgets_of_the_other_task_keep_their_values_through_a_visit():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for name, value in dict(steps="20", x="lr:1e-3:0.1:log:3", y=Y3).items():
        at.query_params[name] = value
    at.switch_page("pages/sweep.py").run()
    at.radio(key="sweep.w.task").set_value("network").run()
    at.number_input(key="sweep.w.batch").set_value(64).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception and at.query_params["batch"] == "64"
    at.radio(key="sweep.w.task").set_value("surface").run()
    at.selectbox(key="sweep.w.surface").set_value("rotated_quadratic").run()
    at.select_slider(key="sweep.w.condition").set_value(100.0).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/sweep.py").run()
    assert not at.exception and at.query_params["condition"] == "100"
    at.radio(key="sweep.w.task").set_value("network").run()
    assert at.query_params["batch"] == "64"  # set before the surface was chosen, kept while it was not drawn


def test_a_map_over_a_schedule_argument_matches_the_core_and_replays_with_the_callbacks():
    lane_text = "sgd:lr=0.002,momentum=0.9,schedule=cosine,total=80,warmup=5"
    axes = dict(x="warmup:0:60:lin:7", y="lr:1e-4:3e-3:log:5")
    at = page(surface="rosenbrock", start="-1.2,1", steps="80", o=lane_text, **axes)
    assert not at.exception and not at.error
    heatmap, replayed = figures(at)[:2]
    lane = parse_lane(lane_text, allow_plan=True)
    task = Task(ROSENBROCK, (-1.2, 1.0), 80)
    result = run_sweep(lane, parse_axis("warmup:0:60:lin:7"), parse_axis("lr:1e-4:3e-3:log:5"), task, "final_loss")
    metric = heatmap["data"][0]
    np.testing.assert_allclose(decode(metric["x"]), [0, 10, 20, 30, 40, 50, 60])
    # the page's cached sweep and this one: the same call, two processes' worth of rounding at most
    shown = np.log10(result.values) if "(log)" in metric["colorbar"]["title"]["text"] else result.values
    np.testing.assert_allclose(decode(metric["z"]).reshape(5, 7), shown, rtol=1e-12, equal_nan=True)
    assert np.unique(np.round(result.values, 9)).size > 5  # warmup and lr change the runs
    best_lane = result.cell_lane(*result.best_cell())
    assert best_lane.plan is not None and best_lane.plan.schedule.kind == "cosine"
    path = replay(best_lane, task).positions[:, 0]  # the replay runs the cell's schedule
    np.testing.assert_allclose(decode(replayed["data"][0]["x"]), path[:, 0], rtol=1e-12)
    assert "keras.callbacks.LearningRateScheduler(schedule)" in at.code[0].value
    page_text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert f"o={best_lane.to_text()}" in page_text and "schedule=cosine" in best_lane.to_text()
    assert at.query_params["x"] == "warmup:0:60:lin:7"


def test_a_schedule_axis_grid_a_coupled_rule_refuses_is_a_message_not_a_traceback():
    at = page(o="sgd:schedule=cosine,total=100", x="warmup:0:90:lin:4", y="total:50:200:lin:4", steps="30")
    assert not at.exception
    notes = " ".join(i.value for i in at.info) + " ".join(w.value for w in at.warning)
    assert "refuses the cell warmup=90, total=50" in notes + " ".join(e.value for e in at.error)


def test_curves_over_a_schedule_argument_skip_the_lanes_without_that_schedule():
    lanes = ["sgd:lr=0.001,schedule=step,every=10,drop=0.5", "adam"]
    at = page(mode="curves", steps="40", o=lanes, x="drop:0.1:1:lin:4")
    assert not at.exception and not at.error
    infos = " ".join(i.value for i in at.info)
    assert "Skipped" in infos and "give the lane a schedule" in infos
    (curve,) = [t for t in figures(at)[0]["data"] if t.get("mode") == "lines+markers"]  # the scheduled lane only
    lane = parse_lane("sgd:lr=0.001,schedule=step,every=10,drop=0.5", allow_plan=True)
    expected = run_sweep(lane, parse_axis("drop:0.1:1:lin:4"), None, Task(ROSENBROCK, (-1.2, 1.0), 40), "final_loss")
    np.testing.assert_allclose(decode(curve["y"]), expected.values[0], rtol=1e-12)  # the same sweep, run again
    assert at.query_params["x"] == "drop:0.1:1:lin:4"


# -- issue 14: a robust best, edge notes in every mode, no spurious warnings ----------------------------------------
def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_the_default_fair_comparison_never_picks_an_unstable_lr():
    at = page(mode="tune")
    assert not at.exception and not at.error and not warnings(at)
    state_x = parse_axis(at.query_params["x"])
    assert state_x == Axis("lr", 1e-4, 10.0, "log", 51)  # the same default grid as curves mode
    lanes = [parse_lane(text) for text in ("sgd:momentum=0.9", "rmsprop", "adam", "nadam")]
    tuned = tune_learning_rate(lanes, state_x, Task(ROSENBROCK, ROSENBROCK.start, 300), "final_loss")
    table = at.dataframe[0].value
    assert list(table["best lr"]) == [f"{t.best_setting:.3g}" for t in tuned]
    for entry in tuned:  # the chosen lr's run is stable; RMSprop's oscillating lr=0.838 of old is not chosen
        assert not entry.curve.unstable[0, entry.curve.best_cell()[1]]
    assert tuned[1].best_setting < 0.1 and tuned[1].curve.unstable.any()
    assert list(table["unstable settings"]) == [f"{int(t.curve.unstable.sum())} of 51" for t in tuned]
    assert "mean over the last 30 of 300 steps" in captions(at)
    losses = figures(at)[2]  # the tuned runs' loss against step, one line per optimizer, labelled with its lr
    assert [trace["name"] for trace in losses["data"]] == [t.best_lane.label() for t in tuned]
    assert all("lr=" in trace["name"] for trace in losses["data"])


def test_the_fair_comparison_says_when_a_best_lr_is_on_the_edge_of_the_grid():
    at = page(mode="tune", o=["rmsprop", "nadam"], x="lr:1e-5:10:log:40")  # the old default grid
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert table["best lr"].iloc[0] == "0.017" and table["best lr"].iloc[1] == "10"  # was 0.838 (unstable) and 10
    assert infos(at) == [
        "Nadam lr swept: Best is on the edge of the range: lr = 10 is the highest value swept; extend it up."
    ]
    assert table["note"].iloc[0] == "—" and table["note"].iloc[1] == "best at the high end: extend the range up"


def test_curves_mode_says_when_a_best_setting_is_on_the_edge_of_the_grid():
    at = page(mode="curves", steps="60", o=["sgd", "adam"], x="lr:1e-5:1e-3:log:6")
    assert not at.exception and not at.error
    notes = infos(at)
    assert len(notes) == 2 and all("lr = 0.001 is the highest value swept; extend it up." in n for n in notes)
    assert "mean over the last 6 of 60 steps" in captions(at)


def test_map_mode_marks_unstable_cells_and_says_when_the_best_is_on_the_edge():
    query = dict(surface="rosenbrock", steps="300", o="sgd", x="lr:3e-3:8e-3:log:8", y="momentum:0:0.6:lin:4")
    at = page(**query)
    assert not at.exception and not at.error
    task = Task(ROSENBROCK, (-1.2, 1.0), 300)
    result = run_sweep(parse_lane("sgd"), parse_axis(query["x"]), parse_axis(query["y"]), task, "final_loss")
    assert result.unstable.sum() >= 3 and result.best_cell()[0] == 3  # the best has momentum 0.6, the top of Y
    assert not result.unstable[result.best_cell()]
    assert infos(at) == ["Best is on the edge of the range: momentum = 0.6 is the highest value swept; extend it up."]
    status = decode(figures(at)[0]["data"][1]["z"]).reshape(4, 8)
    np.testing.assert_array_equal(status == 0.5, result.unstable)  # unstable cells in their own colour
    assert any(t.get("name", "").startswith("unstable (") for t in figures(at)[0]["data"])
    assert f"{int(result.unstable.sum())} unstable." in captions(at)


def test_switching_to_a_network_caps_the_axes_quietly_and_switching_back_restores_them():
    pytest.importorskip("optviz.training")
    at = page()
    assert not warnings(at)
    at.radio(key="sweep.w.task").set_value("network").run()
    assert not at.exception and not at.error
    assert warnings(at) == []  # no "60 values is over the limit" for counts the user never set
    assert at.query_params["x"] == "lr:0.0001:1:log:12" and at.query_params["y"] == "momentum:0:0.99:lin:12"
    at.radio(key="sweep.w.mode").set_value("tune").run()
    assert not at.exception and warnings(at) == [] and at.query_params["x"].endswith(":12")
    at.radio(key="sweep.w.mode").set_value("map").run()
    at.radio(key="sweep.w.task").set_value("surface").run()
    assert not at.exception and warnings(at) == []
    assert at.query_params["x"] == "lr:0.0001:1:log:41" and at.query_params["y"] == "momentum:0:0.99:lin:50"
