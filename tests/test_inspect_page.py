"""AppTest: the step inspector page for every optimizer, its step controls, URL round trip, fork and bad links."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz.explain import KERAS_NOTES, PAPER_RULES
from optviz.inspection_formulas import format_number, theta
from optviz.lanes import parse_lane
from optviz.surfaces import get_surface, rotated_quadratic

from .apptest_helpers import decode, run_page
from .apptest_helpers import plotly_figures as figures
from .conftest import ROOT

PAGE = ROOT / "pages" / "inspect.py"
ROSENBROCK = get_surface("rosenbrock")


def page(**query: str) -> AppTest:
    return run_page(PAGE, query)


def _component(at: AppTest, name: str):
    (proto,) = [e.proto for e in at.get("bidi_component") if e.proto.component_name == name]
    return proto


def deck(at: AppTest) -> dict:
    """Every recorded step as the browser's step view receives it (sent once, as an asset)."""
    asset = json.loads(_component(at, "optviz.asset").json)
    assert asset["name"] == json.loads(_component(at, "optviz.step_view").json)["deck"]
    return asset["value"]


def shown_step(at: AppTest) -> int:
    """The step the browser's step view is told to show (the page's step k)."""
    return json.loads(_component(at, "optviz.step_view").json)["step"]


def set_step(at: AppTest, step: int) -> AppTest:
    """What the step view does once the person has stepped (Previous, Next, arrows, scrubber): report the step."""
    at.session_state["inspect.step"] = step
    return at.run()


def step_map(at: AppTest) -> dict:
    """The map of step k as the step view draws it: the deck's fixed traces and step k's arrows."""
    content = deck(at)
    entry = content["steps"][str(shown_step(at))]
    arrows = [{"meta": a["kind"], "name": a["name"], "x": a["x"], "y": a["y"]} for a in entry["arrows"]]
    return {"data": content["static"]["data"] + arrows, "title": entry["title"]}


def arrow(figure: dict, kind: str) -> np.ndarray:
    """``[[x0, y0], [x1, y1]]`` of the arrow of ``kind`` on the map."""
    (trace,) = [t for t in figure["data"] if t.get("meta") == kind]
    return np.column_stack([decode(trace["x"]), decode(trace["y"])])


def core_positions(lane_text: str, steps: int) -> np.ndarray:
    """Positions from the core alone: the optimizer's ``update`` in a plain loop."""
    optimizer = parse_lane(lane_text).build()
    position = np.array([ROSENBROCK.start])
    state = optimizer.init([position])
    out = [position[0]]
    for _ in range(steps):
        _, grad = ROSENBROCK.value_and_grad(position)
        (position,), state = optimizer.update([position], [grad], state)
        out.append(position[0])
    return np.array(out)


LANES = {
    "sgd": "sgd:lr=0.001,momentum=0.9",
    "rmsprop": "rmsprop:lr=0.01",
    "adagrad": "adagrad:lr=0.1",
    "adadelta": "adadelta",
    "adam": "adam:lr=0.05,amsgrad=1",
    "adamax": "adamax:lr=0.05",
    "nadam": "nadam:lr=0.02,clipnorm=10",
}
SYMBOLS = {  # a symbol of each rule that only that optimizer's formulas contain
    "sgd": r"\text{momentum} \cdot v_{t-1}",
    "rmsprop": r"\rho\, a_{t-1}",
    "adagrad": r"a_{t-1} + g_t^2",
    "adadelta": r"\sqrt{d_{t-1} + \epsilon}",
    "adam": r"\max(\hat v_{t-1},\ v_t)",
    "adamax": r"\max(\beta_2\, u_{t-1},\ |g_t|)",
    "nadam": r"\Pi_{t-1}\, \mu_t",
}


@pytest.mark.parametrize("name", list(LANES))
def test_page_runs_for_every_optimizer_and_shows_the_core_numbers(name):
    k = 7
    at = page(o=LANES[name], steps="20", step=str(k))
    assert not at.exception
    assert at.selectbox(key="inspect.lane.optimizer").value == name
    assert shown_step(at) == k
    latex = " ".join(element.value for element in at.latex)
    assert SYMBOLS[name] in latex
    expected = core_positions(LANES[name], k)
    for coordinate in (0, 1):  # x_k as the core computes it is the result of the last formula line
        assert f"= {format_number(expected[k][coordinate])}" in latex
    map_figure = step_map(at)
    np.testing.assert_allclose(arrow(map_figure, "update")[0], expected[k - 1])
    assert ("momentum" in {t.get("meta") for t in map_figure["data"]}) == (name in ("adam", "adamax", "nadam"))
    markdown = " ".join(element.value for element in at.markdown)
    assert KERAS_NOTES[name][0] in markdown and PAPER_RULES[name][0] in markdown  # where Keras differs
    step_numbers, all_steps = (element.value for element in at.dataframe)
    assert step_numbers.loc["θ", "coordinate x"] == f"{expected[k][0]:.6g}" and step_numbers.loc["t", "value"] == str(k)
    assert all_steps.shape[0] == 20  # the state table over all steps: one row per step


def test_next_and_previous_move_the_step_and_the_arrows():
    at = page(o="adam:lr=0.05", steps="30", step="1")
    assert (shown_step(at) == deck(at)["first"])
    first = arrow(step_map(at), "update")
    set_step(at, shown_step(at) + 1)
    set_step(at, shown_step(at) + 1)
    assert shown_step(at) == 3
    assert at.query_params["step"] == ["3"] or at.query_params["step"] == "3"
    third = arrow(step_map(at), "update")
    assert not np.allclose(first, third)
    np.testing.assert_allclose(third[0], core_positions("adam:lr=0.05", 2)[2])
    set_step(at, shown_step(at) - 1)
    assert shown_step(at) == 2
    set_step(at, 30)
    assert shown_step(at) == deck(at)["last"] and shown_step(at) != deck(at)["first"]


def test_every_step_is_in_the_browser_once_and_zoom_steps_on_the_server():
    at = page(o="adam:lr=0.05", steps="30", step="4")
    content = deck(at)
    assert (content["first"], content["last"]) == (1, 30) and len(content["steps"]) == 30
    expected = core_positions("adam:lr=0.05", 30)
    for step in range(1, 31):  # every step's arrows leave from θ_{k-1} and its numbers are the core's
        entry = content["steps"][str(step)]
        (update,) = [a for a in entry["arrows"] if a["kind"] == "update"]
        np.testing.assert_allclose([update["x"][0], update["y"][0]], expected[step - 1])
        np.testing.assert_allclose(entry["here"], expected[step - 1])
        assert entry["title"] == f"Step {step}: from {theta(step - 1)} to {theta(step)}"
    np.testing.assert_allclose(np.column_stack([content["path"]["x"], content["path"]["y"]]), expected)
    before = _component(at, "optviz.asset").SerializeToString()
    set_step(at, 9)  # a step reported by the browser: the steps are not sent again (the same element)
    assert _component(at, "optviz.asset").SerializeToString() == before
    assert at.query_params["step"] in ("9", ["9"])
    at.toggle(key="inspect.zoom").set_value(True).run()  # zoomed: the map follows the step on the server
    names = [e.proto.component_name for e in at.get("bidi_component")]
    assert at.slider(key="inspect.step").value == 9 and "optviz.step_view" not in names
    zoomed = [f for f in figures(at) if any(t.get("meta") == "update" for t in f["data"])]
    assert len(zoomed) == 1


def test_the_url_round_trips():
    at = page(surface="bowl", start="1,-0.5", steps="40", o="rmsprop:lr=0.05,rho=0.8", step="12")
    assert not at.exception and not at.warning
    assert at.selectbox(key="inspect.surface").value == "bowl"
    assert (at.number_input(key="inspect.x0").value, at.number_input(key="inspect.y0").value) == (1.0, -0.5)
    params = {k: at.query_params[k] for k in ("surface", "start", "steps", "o", "step")}
    flat = {k: v[0] if isinstance(v, list) else v for k, v in params.items()}
    assert flat == {"surface": "bowl", "start": "1,-0.5", "steps": "40", "o": "rmsprop:lr=0.05,rho=0.8", "step": "12"}


def test_bad_url_values_give_notes_and_fall_back():
    at = page(surface="moon", start="nan,1", steps="abc", o="adamw:lr=1", step="999", fork="sgd:lr=-1")
    assert not at.exception
    notes = [w.value for w in at.warning]
    for name in ("`surface=moon`", "`start=nan,1`", "`steps=abc`", "`o`", "`step=999`", "`fork`"):
        assert any(name in note for note in notes), name
    joined = " ".join(notes)
    assert "unknown optimizer 'adamw'" in joined and "lr must be > 0" in joined
    assert at.selectbox(key="inspect.surface").value == "rosenbrock"
    assert at.selectbox(key="inspect.lane.optimizer").value == "adam"
    assert shown_step(at) == 1 and not at.toggle(key="inspect.fork_on").value
    set_step(at, shown_step(at) + 1)  # the page keeps working, the notes stay visible
    assert shown_step(at) == 2 and [w.value for w in at.warning] == notes
    native = page(o="torch.adam:lr=0.01")
    assert any("`o`" in w.value and "native" in w.value for w in native.warning) and not native.exception


def test_custom_surface_from_the_url_and_a_bad_formula():
    at = page(surface="custom", f="x**2 + 3*y**2", xr="-3,3", yr="-2,2", o="sgd:lr=0.05", step="3")
    assert not at.exception and not at.warning
    assert at.text_input(key="inspect.f").value == "x**2 + 3*y**2"
    start = (at.number_input(key="inspect.x0").value, at.number_input(key="inspect.y0").value)
    position, lr = np.array(start), 0.05
    for _ in range(3):  # plain gradient descent on f = x^2 + 3y^2, by hand
        position = position - lr * np.array([2 * position[0], 6 * position[1]])
    latex = " ".join(element.value for element in at.latex)
    assert f"= {format_number(position[0])}" in latex and f"= {format_number(position[1])}" in latex
    assert {k: at.query_params[k] for k in ("surface", "f", "xr", "yr")} == {
        "surface": "custom",
        "f": "x**2 + 3*y**2",
        "xr": "-3,3",
        "yr": "-2,2",
    }
    at.text_input(key="inspect.f").set_value("x**2 + import os").run()
    assert not at.exception
    assert any("not a formula" in e.value for e in at.error) and any("Fix the formula" in i.value for i in at.info)
    at.text_input(key="inspect.f").set_value("x**2 + y**2").run()
    assert not at.exception and not at.error and shown_step(at) == 3
    refused = page(surface="custom", f="__import__('os').system('ls')")
    assert not refused.exception
    assert any("`f`" in w.value and "__import__" in w.value for w in refused.warning)


def test_fork_from_the_url_draws_both_paths_and_losses():
    at = page(o="adam:lr=0.05", steps="30", step="10", fork="adam:lr=0.005", fork_step="10")
    assert not at.exception
    assert at.toggle(key="inspect.fork_on").value
    map_figure = step_map(at)
    names = [t.get("name", "") for t in map_figure["data"]]
    assert any(n.startswith("fork from step 10") for n in names)
    (fork_map,) = [f for f in figures(at) if any(t.get("name", "").startswith("fork point") for t in f["data"])]
    paths = {
        t["name"].split(":")[0]: t for t in fork_map["data"] if t.get("name", "").startswith(("original", "fork:"))
    }
    assert len(decode(paths["original"]["x"])) == 31 and len(decode(paths["fork"]["x"])) == 21
    expected = core_positions("adam:lr=0.05", 10)[10]
    np.testing.assert_allclose([decode(paths["fork"]["x"])[0], decode(paths["fork"]["y"])[0]], expected)
    losses = [f for f in figures(at) if any(t.get("name") == "original" for t in f["data"])]
    assert len(losses) == 2  # the fork tab's and the charts tab's loss plots both show the fork
    for loss in losses:
        assert any(t.get("name", "").startswith("fork (Adam lr=0.005") for t in loss["data"])
    assert at.query_params["fork"] in ("adam:lr=0.005", ["adam:lr=0.005"])
    at.toggle(key="inspect.fork_on").set_value(False).run()
    assert "fork" not in at.query_params


def test_divergence_is_reported_not_raised():
    at = page(o="sgd:lr=0.01", steps="50")
    assert not at.exception
    assert any("left the finite world" in w.value for w in at.warning)
    set_step(at, deck(at)["last"])
    assert not at.exception


def test_changing_the_optimizer_and_forking_through_the_widgets():
    at = page(o="adam:lr=0.05", steps="20", step="8")
    at.selectbox(key="inspect.surface").set_value("himmelblau").run()  # a new surface starts at its own start
    start = get_surface("himmelblau").start
    assert (at.number_input(key="inspect.x0").value, at.number_input(key="inspect.y0").value) == start
    assert shown_step(at) == 1
    set_step(at, 8)
    at.selectbox(key="inspect.lane.optimizer").set_value("adadelta").run()
    assert not at.exception
    assert SYMBOLS["adadelta"] in " ".join(element.value for element in at.latex)
    assert at.query_params["o"] in ("adadelta", ["adadelta"])
    assert shown_step(at) == 8  # the step stays where it was
    at.toggle(key="inspect.fork_on").set_value(True).run()
    at.button(key="inspect.fork_here").click().run()
    assert at.number_input(key="inspect.fork_step").value == 8
    at.select_slider(key="inspect.fork.adadelta.lr").set_value(0.1).run()
    assert not at.exception
    assert at.query_params["fork"] in ("adadelta:lr=0.1", ["adadelta:lr=0.1"])
    assert at.query_params["fork_step"] in ("8", ["8"])
    assert any("keeps the state after step 8" in element.value for element in at.info)


def test_stepping_through_the_fork_shows_the_forks_numbers():
    at = page(o="adam:lr=0.05", steps="20", step="14", fork="adam:lr=0.01,beta_1=0.5", fork_step="10", view="fork")
    assert not at.exception
    assert shown_step(at) == 14 and deck(at)["first"] == 11
    # reference: the core's Adam for 10 steps, then the forked settings carrying on with the same state
    position = np.array([ROSENBROCK.start])
    first, second = parse_lane("adam:lr=0.05").build(), parse_lane("adam:lr=0.01,beta_1=0.5").build()
    state = first.init([position])
    for step in range(14):
        _, grad = ROSENBROCK.value_and_grad(position)
        (position,), state = (first if step < 10 else second).update([position], [grad], state)
    latex = " ".join(element.value for element in at.latex)
    assert f"= {format_number(position[0][0])}" in latex and "0.5 \\times" in latex
    step_numbers = at.dataframe[0].value
    assert step_numbers.loc["m", "coordinate y"] == f"{state.first_moments[0][0, 1]:.6g}"
    assert at.query_params["view"] in ("fork", ["fork"])
    set_step(at, shown_step(at) - 1)
    set_step(at, shown_step(at) - 1)
    set_step(at, shown_step(at) - 1)
    assert shown_step(at) == 11 and (shown_step(at) == deck(at)["first"])
    names = [t.get("name", "") for t in step_map(at)["data"]]
    assert "original run before the fork" in names


def test_the_rotated_quadratics_condition_number_from_the_url():
    at = page(surface="rotated_quadratic", condition="100", o="sgd:lr=0.005", steps="10", step="4")
    assert not at.exception and not at.warning
    assert at.select_slider(key="inspect.condition").value == 100.0
    surface = rotated_quadratic(100.0)
    position = np.array([surface.start])
    for _ in range(4):  # plain gradient descent on the κ = 100 quadratic
        position = position - 0.005 * surface.value_and_grad(position)[1]
    latex = " ".join(element.value for element in at.latex)
    assert f"= {format_number(position[0][0])}" in latex and f"= {format_number(position[0][1])}" in latex
    assert at.query_params["condition"] in ("100", ["100"])
    at.select_slider(key="inspect.condition").set_value(1.0).run()
    assert not at.exception and at.query_params["condition"] in ("1", ["1"])
    assert f"= {format_number(position[0][0])}" not in " ".join(element.value for element in at.latex)


def test_leaving_the_page_and_coming_back_keeps_every_setting():
    """Issue 11: a round trip through Home used to come back at start -1000,-1000 and 1 recorded step."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in {"surface": "beale", "start": "1,1", "steps": "100", "o": "adam:lr=0.01", "step": "10"}.items():
        at.query_params[name] = value
    at.switch_page("pages/inspect.py").run()
    set_step(at, 11)  # a step in the browser's step view, reported back
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/inspect.py").run()
    assert not at.exception and not at.warning
    assert (at.number_input(key="inspect.x0").value, at.number_input(key="inspect.y0").value) == (1.0, 1.0)
    assert at.slider(key="inspect.steps").value == 100 and shown_step(at) == 11
    assert at.selectbox(key="inspect.surface").value == "beale"
    assert at.query_params["o"] == "adam:lr=0.01" and at.query_params["step"] == "11"


def test_a_start_where_the_loss_is_not_finite_is_reported_not_raised():
    at = page(surface="custom", f="log(x) + y**2", x0="-1", y0="1", o="sgd:lr=0.1", steps="5")
    assert not at.exception
    assert any("left the finite world at step 0" in w.value for w in at.warning)


# -- a lane with an lr plan (issue 15) ------------------------------------------------------------------------------
def test_a_scheduled_lane_shows_the_lr_variable_and_runs_like_the_runner():
    from optviz.runner import run

    text = "sgd:lr=0.002,momentum=0.9,schedule=step,every=5,drop=0.5"
    k = 12
    at = page(o=text, steps="20", step=str(k))
    assert not at.exception and not at.warning
    assert at.selectbox(key="inspect.lane.lr_plan").value == "step"
    lane = parse_lane(text, allow_plan=True)
    core = run(lane.build(), ROSENBROCK.value_and_grad, np.array([ROSENBROCK.start]), 20, callbacks=lane.callbacks())
    # the inspector's walk keeps every state (optimizer.update), the runner updates in place: a few ulps apart
    np.testing.assert_allclose(arrow(step_map(at), "update")[0], core.positions[k - 1, 0], rtol=1e-12)
    lr = 0.002 * 0.5**2  # step 12 is epoch 11: two drops
    assert core.lrs[k - 1, 0] == lr
    latex = " ".join(element.value for element in at.latex)
    assert rf"\text{{schedule}}(11,\ 0.002) = {format_number(lr)}" in latex
    assert rf"- {format_number(lr)} \times" in latex  # the momentum step uses the scheduled lr
    rows = dict(map(tuple, deck(at)["steps"][str(k)]["rows"]))  # the step's headline numbers in the step view
    assert rows["lr variable (the lr plan at epoch 11)"] == f"{lr:.5g}"
    assert "return 0.002 * 0.5 ** math.floor(epoch / 5)" in " ".join(c.value for c in at.code)
    assert at.query_params["o"] in (text, [text])  # the URL round-trips


def test_a_plateau_fork_and_a_bad_plan_from_the_url():
    at = page(o="adam:lr=0.05", steps="30", step="10", fork="adam:lr=0.05,plateau=0.5,patience=2", fork_step="10")
    assert not at.exception and not at.warning
    assert "goes on from epoch 10, its plateau rule watching the loss afresh" in " ".join(i.value for i in at.info)
    assert at.query_params["fork"] in ("adam:lr=0.05,plateau=0.5,patience=2", ["adam:lr=0.05,plateau=0.5,patience=2"])
    bad = page(o="sgd:lr=0.1,schedule=cosine,total=10,warmup=20", steps="10")
    assert not bad.exception
    assert any("warmup must be < total (10), got 20" in w.value for w in bad.warning)
    assert bad.query_params["o"] in ("adam:lr=0.05", ["adam:lr=0.05"])  # the default lane
