"""AppTests of the surface explorer page and its shared components (lane list, URL state)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface

from .apptest_helpers import decode, run_page
from .tolerances import assert_same_run


def _panel_app():
    import streamlit as st

    from optviz.lanes import parse_lane
    from pages.components.lane_list import lanes_panel

    choices = lanes_panel([parse_lane("sgd:lr=0.1"), parse_lane("adam:amsgrad=1")], "t.lanes", max_lanes=3)
    st.session_state["result"] = [(c.lane.to_text(), c.colour) for c in choices]


def _panel() -> AppTest:
    at = AppTest.from_function(_panel_app, default_timeout=30)
    return at.run()


def test_lane_list_seeds_from_initial_lanes_with_palette_colours():
    at = _panel()
    assert not at.exception
    # Paul Tol's bright scheme: red, blue
    assert at.session_state["result"] == [("sgd:lr=0.1", "#EE6677"), ("adam:amsgrad=1", "#4477AA")]


def test_lane_list_duplicate_add_remove_and_limit():
    at = _panel()
    at.button(key="t.lanes.0.duplicate").click().run()
    assert [t for t, _ in at.session_state["result"]] == ["sgd:lr=0.1", "sgd:lr=0.1", "adam:amsgrad=1"]
    assert len({c for _, c in at.session_state["result"]}) == 3  # the copy gets a free colour
    assert at.button(key="t.lanes.add").disabled  # max_lanes=3 reached
    at.button(key="t.lanes.0.remove").click().run()
    assert [t for t, _ in at.session_state["result"]] == ["sgd:lr=0.1", "adam:amsgrad=1"]
    at.button(key="t.lanes.add").click().run()
    assert [t for t, _ in at.session_state["result"]][-1] == "adam"


def test_lane_list_edits_and_colour_reach_the_result():
    at = _panel()
    at.color_picker(key="t.lanes.1.colour").set_value("#123456").run()
    at.checkbox(key="t.lanes.1.adam.amsgrad").uncheck().run()
    assert at.session_state["result"][1] == ("adam", "#123456")


def test_lane_list_keeps_one_lane():
    at = _panel()
    at.button(key="t.lanes.1.remove").click().run()
    assert at.button(key="t.lanes.0.remove").disabled
    assert len(at.session_state["result"]) == 1


# -- the page ---------------------------------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "pages" / "surfaces.py"
SHARED = {
    "surface": "rosenbrock",
    "start": "-1.2,1",
    "steps": "300",
    "o": ["adam:lr=0.01,amsgrad=1", "sgd:lr=0.001,momentum=0.9,nesterov=1"],
}


def _page(params: dict | None = None) -> AppTest:
    return run_page(PAGE, params)


def _component(at: AppTest, name: str):
    """The proto of the page's custom component ``name`` (None when the page did not draw it)."""
    return next((e.proto for e in at.get("bidi_component") if e.proto.component_name == name), None)


def _view(at: AppTest) -> dict:
    """The data the browser view of the map and loss chart receives (see pages/components/path_view.py)."""
    return json.loads(_component(at, "optviz.path_view").json)


def _map(at: AppTest) -> dict:
    return _view(at)["map"]


def _loss_chart(at: AppTest) -> dict:
    return _view(at)["loss"]


def _open_tab(at: AppTest, label: str) -> None:
    """Open the tab ``label`` under the view (a click on it reruns the page: only the open tab is made)."""
    at.session_state["surfaces.tab"] = label
    at.run()


def test_only_the_open_tab_is_made_and_closed_tabs_keep_their_settings():
    at = _page({**SHARED, "steps": "50", "tol": "0.01"})
    assert [tab.label for tab in at.tabs] == ["Metrics", "3-D view", "Export and Keras code"]
    assert len(at.dataframe) == 1 and not at.code and not at.get("download_button")  # Metrics open: no exports
    _open_tab(at, "Export and Keras code")
    assert not at.dataframe and len(at.code) == 1 and len(at.get("download_button")) == 2
    assert at.query_params["tol"] == "0.01"  # the tolerance is kept while its tab is closed
    _open_tab(at, "3-D view")
    at.toggle(key="surfaces.show_3d").set_value(True).run()
    at.toggle(key="surfaces.log_height").set_value(False).run()
    _open_tab(at, "Metrics")
    at.slider(key="surfaces.steps").set_value(40).run()  # a change while the 3-D tab is closed
    assert not at.exception and at.select_slider(key="surfaces.tol").value == 0.01
    scene = _view(at)["scene"]  # still shown, still linear: the closed tab's switches are kept
    assert scene["figure"]["layout"]["scene"]["zaxis"]["title"]["text"] == "f(x, y)"
    assert decode(scene["index"]).shape == (2, 41)


def _opened(at: AppTest, key: str) -> AppTest:
    """Open the expander ``key`` (a click on it reruns the page: its content is made only while open)."""
    at.session_state[key] = True
    return at


def _drawn_both_ways(at: AppTest) -> tuple[bool, dict, dict]:
    """After a change: whether the run drew the view first, its view, and the view of the same run made the usual
    way (controls first: the page's memory of the last drawn state dropped)."""
    early, view = at.session_state["explorer.view_first"], _view(at)
    del at.session_state["_surfaces.drawn_state"]
    at.run()
    assert not at.session_state["explorer.view_first"]
    return early, view, _view(at)


def test_the_view_comes_before_the_controls_when_the_changed_values_tell_the_state():
    at = _page({**SHARED, "steps": "60"})
    assert not at.session_state["explorer.view_first"]  # a first visit: the usual order
    changes = [
        lambda: at.slider(key="surfaces.steps").set_value(50),
        lambda: at.number_input(key="surfaces.x0").set_value(-1.0),
        lambda: at.select_slider(key="surfaces.lanes.0.adam.lr").set_value(0.0215),
        lambda: at.slider(key="surfaces.lanes.0.adam.beta_1").set_value(0.8),
        lambda: at.color_picker(key="surfaces.lanes.0.colour").set_value("#112233"),
        lambda: at.selectbox(key="surfaces.surface").set_value("himmelblau"),
        lambda: _opened(at, "surfaces.noise_box"),
        lambda: at.number_input(key="surfaces.noise").set_value(0.2),
    ]
    for change in changes:
        change().run()
        early, view, usual = _drawn_both_ways(at)
        assert early and view == usual  # the same data, drawn before the controls
    assert at.query_params["surface"] == "himmelblau" and at.query_params["start"] == "0,0"  # the picker's reset
    at.selectbox(key="surfaces.lanes.0.optimizer").set_value("rmsprop").run()  # another optimizer: not told
    assert not at.session_state["explorer.view_first"] and not at.exception
    at.button(key="surfaces.lanes.add").click().run()  # a new lane: not told either
    assert not at.session_state["explorer.view_first"] and len(_map(at)["data"]) > len(view["map"]["data"])
    assert "explorer.early_view_mismatches" not in at.session_state  # the controls never disagreed


def test_an_early_view_the_controls_disagree_with_is_drawn_again():
    at = _page({**SHARED, "steps": "60"})
    state, choices = at.session_state["_surfaces.drawn_state"]
    wrong = (replace(choices[0], lane=parse_lane("rmsprop:lr=0.5")), *choices[1:])
    at.session_state["_surfaces.drawn_state"] = (state, wrong)  # as if the memory had gone wrong
    at.slider(key="surfaces.steps").set_value(50).run()
    assert at.session_state["explorer.early_view_mismatches"] == 1 and not at.exception
    assert _map(at) == _map(_page({**SHARED, "steps": "50"}))  # drawn again the usual way: the controls' lanes


def _show_lane(at: AppTest, number: int) -> None:
    """Pick lane ``number`` (1-based) in the lane picker and rerun (a URL's lanes get the ids 0, 1, ...)."""
    at.button_group(key="surfaces.lanes.shown").set_value(str(number - 1)).run()


def _path(figure: dict, label: str) -> np.ndarray:
    trace = next(t for t in figure["data"] if t.get("name") == label and t.get("mode") == "lines")
    return np.column_stack([decode(trace["x"]), decode(trace["y"])])


def test_a_shared_url_draws_the_cores_trajectories():
    at = _page(SHARED)
    assert not at.exception and not at.warning
    figure = _map(at)
    surface = get_surface("rosenbrock")
    for number, text in enumerate(SHARED["o"], 1):
        lane = parse_lane(text)
        core = run(lane.build(), surface.value_and_grad, np.array([[-1.2, 1.0]]), 300).positions[:, 0]
        # the page runs the lane with per-run hyperparameter arrays, the core alone with scalars: a few ulps apart
        assert_same_run(_path(figure, f"{number}. {lane.label()}"), core)
    assert at.query_params["o"] == SHARED["o"]  # the URL survives the round trip


def test_a_step_count_between_blocks_shows_the_runs_of_that_many_steps():
    # the page records runs to the next multiple of 100 steps and cuts them: the cut must be the shorter run
    lanes = ["adam:lr=0.02", "sgd:lr=0.0015,momentum=0.9"]
    at = _page({**SHARED, "steps": "137", "o": lanes, "noise": "0.2", "ensemble": "2"})
    assert not at.exception
    surface = get_surface("rosenbrock")
    for number, text in enumerate(lanes, 1):
        lane = parse_lane(text)
        core = run(lane.build(), surface.value_and_grad, np.array([[-1.2, 1.0]] * 2), 137, noise_sigma=0.2,
                   noise_seed=np.arange(2))  # fmt: skip
        # another batch shape (lanes of one class run together) and recording length than this single run
        path = _path(_map(at), f"{number}. {lane.label()}")
        np.testing.assert_allclose(path, core.positions[:, 0], rtol=1e-12, atol=1e-15)
    assert _view(at)["steps"] == 137 and decode(_view(at)["positions"]).shape == (2, 138, 2, 2)


def test_noise_and_ensemble_runs_match_single_seeded_core_runs():
    at = _page({**SHARED, "noise": "0.3", "seed": "5", "ensemble": "4", "o": ["adam:lr=0.02"]})
    assert not at.exception
    surface = get_surface("rosenbrock")
    core = run(
        parse_lane("adam:lr=0.02").build(),
        surface.value_and_grad,
        np.array([[-1.2, 1.0]] * 4),
        300,
        noise_sigma=0.3,
        noise_seed=np.arange(5, 9),
    )
    figure = _map(at)
    # the page's batch holds the 4 ensemble members plus its own per-run arrays: equal to a few ulps
    assert_same_run(_path(figure, "1. Adam lr=0.02"), core.positions[:, 0])
    faint = next(t for t in figure["data"] if t.get("name") == "1. Adam lr=0.02: noisy runs")
    assert np.isfinite(decode(faint["x"])).sum() > 3 * 250  # three faint member paths
    assert at.query_params["ensemble"] == "4" and at.query_params["noise"] == "0.3"


def test_the_animation_is_small_follows_the_path_and_the_surface_image_is_sent_apart():
    at = _page({**SHARED, "steps": "2000"})
    view = _view(at)
    assert view["steps"] == 2000 and 100 <= 2000 / view["stride"] <= 150  # Play shows <= 150 frames
    assert len(_component(at, "optviz.path_view").json) < 1_000_000
    positions = decode(view["positions"])  # (lanes, steps + 1, runs, 2): what Play and the scrubber show
    assert positions.shape == (2, 2001, 1, 2)
    figure = view["map"]
    for number, label in enumerate(["1. Adam lr=0.01, amsgrad", "2. SGD lr=0.001, momentum=0.9, nesterov"]):
        path = _path(figure, label)  # thinned to <= 800 points, first and last kept
        np.testing.assert_allclose(positions[number, -1, 0], path[-1], rtol=1e-6)  # float32 heads
        np.testing.assert_allclose(positions[number, 0, 0], path[0], rtol=1e-6)
    assert "images" not in figure["layout"]  # the surface image is its own element, named in the view's data
    surface = json.loads(_component(at, "optviz.asset").json)
    assert surface["name"] == view["surface"]
    assert surface["value"]["image"]["source"].startswith("data:image/png;base64,")
    pick = surface["value"]["pick"]  # the click grid: a window, a size and f at each node (x fastest)
    assert pick["x"] == [-2, 2] and pick["y"] == [-1, 3] and pick["n"] == 41
    nodes = decode(pick["f"]).reshape(41, 41)
    np.testing.assert_allclose(nodes[30, 30], get_surface("rosenbrock").value(np.array([[1.0, 2.0]]))[0], rtol=1e-6)
    loader = _component(at, "optviz.plotly").bytes
    assert loader.startswith(b"/**") and b"plotly.js" in loader[:200]

    # a rerun with another step count sends the same image element: Streamlit then sends only a reference to the
    # copy the browser holds (its message cache), so it reaches the browser once; plotly.js is not sent again
    before = _component(at, "optviz.asset").SerializeToString()
    at.slider(key="surfaces.steps").set_value(1999).run()
    assert _view(at)["steps"] == 1999
    assert _component(at, "optviz.asset").SerializeToString() == before
    assert json.loads(_component(at, "optviz.plotly").json) == {"stub": True}  # in place of the 3.6 MB source
    at.session_state["optviz.plotly"] = {"missing": True}  # a page without plotly.js that got the stub asks
    at.run()
    assert _component(at, "optviz.plotly").bytes.startswith(b"/**")  # the source again


def test_widgets_change_the_result_and_the_url():
    at = _page(SHARED)
    before = _path(_map(at), "1. Adam lr=0.01, amsgrad")
    at.number_input(key="surfaces.x0").set_value(0.5).run()  # number input
    moved = _path(_map(at), "1. Adam lr=0.01, amsgrad")
    assert moved[0].tolist() == [0.5, 1.0] and at.query_params["start"] == "0.5,1"
    at.slider(key="surfaces.steps").set_value(50).run()  # slider
    assert len(_path(_map(at), "1. Adam lr=0.01, amsgrad")) == 51 and at.query_params["steps"] == "50"
    at.select_slider(key="surfaces.lanes.0.adam.lr").set_value(0.1).run()  # log slider of a lane
    assert at.query_params["o"][0] == "adam:lr=0.1,amsgrad=1"
    at.checkbox(key="surfaces.lanes.0.adam.amsgrad").uncheck().run()  # checkbox
    assert at.query_params["o"][0] == "adam:lr=0.1"
    assert "1. Adam lr=0.1" in [t.get("name") for t in _map(at)["data"]]
    _show_lane(at, 2)  # the lane picker: only the picked lane's editor is drawn
    at.color_picker(key="surfaces.lanes.1.colour").set_value("#112233").run()  # colour
    assert any(t.get("line", {}).get("color") == "#112233" for t in _map(at)["data"])
    at.toggle(key="surfaces.log").set_value(True).run()  # toggle
    assert _loss_chart(at)["layout"]["yaxis"]["type"] == "log" and at.query_params["log"] == "1"
    at.selectbox(key="surfaces.surface").set_value("himmelblau").run()  # selectbox: default start follows
    assert at.query_params["surface"] == "himmelblau" and at.query_params["start"] == "0,0"
    assert len(decode(_map(at)["data"][0]["x"])) == 4  # Himmelblau's four minima are starred
    assert not np.array_equal(before, _path(_map(at), "1. Adam lr=0.1"))
    assert not at.exception


def _assets(at: AppTest) -> dict:
    """The values the page keeps in the browser beside its view, by name (see pages/components/path_view.py)."""
    shared = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "optviz.asset"]
    return {item["name"]: item["value"] for item in shared}


def test_the_3d_view_is_built_only_when_asked_for():
    at = _page({**SHARED, "steps": "50"})
    assert "scene" not in _view(at) and "scene_mesh" not in _view(at)  # off: no scene, no mesh sent
    assert not any(name.startswith("scene_mesh") for name in _assets(at)) and at.get("plotly_chart") == []
    _open_tab(at, "3-D view")
    at.toggle(key="surfaces.show_3d").set_value(True).run()
    assert not at.exception
    view = _view(at)
    scene, mesh = view["scene"], _assets(at)[view["scene_mesh"]]  # the surface goes as an asset, sent once
    assert mesh["type"] == "surface" and decode(mesh["z"]).shape == (len(mesh["y"]), len(mesh["x"]))
    traces = scene["figure"]["data"]  # the scene's traces after the surface (trace 0 in the browser)
    assert [traces[i - 1]["name"] for i in scene["lanes"]] == [
        "1. Adam lr=0.01, amsgrad",
        "2. SGD lr=0.001, momentum=0.9, nesterov",
    ]
    assert decode(scene["index"]).shape == (2, 51)  # each lane's point at every step
    z_title = scene["figure"]["layout"]["scene"]["zaxis"]["title"]["text"]
    assert z_title == "log10(1 + f − min f)"
    at.toggle(key="surfaces.log_height").set_value(False).run()  # linear height: another mesh
    linear = _view(at)
    assert linear["scene_mesh"] != view["scene_mesh"]
    assert linear["scene"]["figure"]["layout"]["scene"]["zaxis"]["title"]["text"] == "f(x, y)"
    at.toggle(key="surfaces.show_3d").set_value(False).run()
    assert "scene" not in _view(at) and not any(name.startswith("scene_mesh") for name in _assets(at))


def test_condition_number_and_lane_buttons():
    at = _page({**SHARED, "surface": "rotated_quadratic", "condition": "10"})
    first = _path(_map(at), "2. SGD lr=0.001, momentum=0.9, nesterov")
    at.select_slider(key="surfaces.condition").set_value(1000.0).run()
    assert at.query_params["condition"] == "1000"
    assert not np.array_equal(first, _path(_map(at), "2. SGD lr=0.001, momentum=0.9, nesterov"))
    at.button(key="surfaces.lanes.add").click().run()
    assert at.query_params["o"][-1] == "adam" and len(at.query_params["o"]) == 3


def test_custom_formula_from_the_url_and_bad_formulas_say_why():
    params = {**SHARED, "surface": "custom", "f": "x**2 + 3*y**2", "xr": "-3,3", "yr": "-1,2", "start": "2,1"}
    at = _page(params)
    assert not at.exception
    figure = _map(at)
    assert figure["layout"]["xaxis"]["range"] == [-3, 3] and figure["layout"]["yaxis"]["range"] == [-1, 2]
    path = _path(figure, "1. Adam lr=0.01, amsgrad")
    assert path[0].tolist() == [2.0, 1.0] and np.abs(path[-1]).max() < np.abs(path[0]).max()
    assert any(r"x\*\*2 \+ 3\*y\*\*2" in c.value for c in at.caption)  # the formula shown literally
    at.text_input(key="surfaces.f").input("9**9**9").run()
    assert any("too large" in e.value for e in at.error)
    assert _component(at, "optviz.path_view") is None and at.query_params["f"] == "9**9**9"
    at.text_input(key="surfaces.f").input("__import__('os')").run()
    assert any("unknown function" in e.value and r"\_\_import\_\_" in e.value for e in at.error)  # not bold
    at.text_input(key="surfaces.f").input("sin(x)*y**2 + 0.1*(x**2+y**2)").run()
    assert not at.error and _component(at, "optviz.path_view") is not None


def test_a_tampered_url_falls_back_with_notes():
    at = _page({"surface": "nope", "steps": "1e9", "start": "1,nan", "o": ["bogus", "adam:lr=-1"], "noise": "x"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    for fragment in ("surface=nope", "steps=1e9", "start=1,nan", "bogus", "lr", "noise=x", "default lanes"):
        assert fragment in text
    assert at.query_params["surface"] == "rosenbrock" and at.query_params["steps"] == "300"
    assert _view(at)["steps"] == 300 and decode(_view(at)["positions"]).shape[1] == 301


def test_divergence_is_marked_and_explained():
    at = _page({**SHARED, "o": ["sgd:lr=1"], "steps": "100"})
    figure = _map(at)
    marker = next(t for t in figure["data"] if str(t.get("name", "")).endswith("diverged"))
    assert "diverged (step" in marker["text"][0]
    # the run left for ±1e6: its ✕ sits where the path leaves the view, not off the map
    (x_low, x_high), (y_low, y_high) = figure["layout"]["xaxis"]["range"], figure["layout"]["yaxis"]["range"]
    assert x_low <= marker["x"][0] <= x_high and y_low <= marker["y"][0] <= y_high
    assert "left the view at step" in marker["hovertemplate"]
    assert any("diverged at step" in w.value for w in at.warning)
    # the loss chart keeps a readable range instead of stretching to the blown-up loss
    top = _loss_chart(at)["layout"]["yaxis"]["range"][1]
    assert top < 1e3 and any("runs off the top" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert int(table["diverged at step"].iloc[0]) >= 1
    # no ordinary-looking number for a diverged run, no "None": a dash
    assert table["final loss"].iloc[0] == "—" and table["steps to tolerance"].iloc[0] == "—"


def test_clipping_markers_and_metrics_count_the_same_steps():
    at = _page({**SHARED, "surface": "cliff", "start": "-1.8,1.2", "o": ["sgd:lr=0.1,momentum=0.9,clipnorm=1"]})
    figure = _map(at)
    clipped = next(t for t in figure["data"] if str(t.get("name", "")).endswith("clipped"))
    count = int(at.dataframe[0].value["clipped steps"].iloc[0])
    assert count > 0 and len(decode(clipped["x"])) == count


def test_leaving_the_page_and_coming_back_keeps_every_setting():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in SHARED.items():
        at.query_params[name] = value
    at.switch_page("pages/surfaces.py").run()
    at.slider(key="surfaces.steps").set_value(120).run()
    at.select_slider(key="surfaces.lanes.0.adam.lr").set_value(0.1).run()
    _show_lane(at, 2)
    at.color_picker(key="surfaces.lanes.1.colour").set_value("#112233").run()
    before = _map(at)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/surfaces.py").run()
    assert not at.exception and not at.warning
    assert at.slider(key="surfaces.steps").value == 120
    assert at.query_params["o"] == ["adam:lr=0.1,amsgrad=1", "sgd:lr=0.001,momentum=0.9,nesterov=1"]
    after = _map(at)
    for label in ("1. Adam lr=0.1, amsgrad", "2. SGD lr=0.001, momentum=0.9, nesterov"):
        np.testing.assert_array_equal(_path(after, label), _path(before, label))  # the same call again: exact
    assert any(t.get("line", {}).get("color") == "#112233" for t in after["data"])


def test_a_native_lane_runs_alone_by_its_framework():
    at = _page({**SHARED, "steps": "80", "o": ["torch.sgd:lr=0.001,momentum=0.9", "sgd:lr=0.001,momentum=0.9"]})
    assert not at.exception and not at.warning
    surface = get_surface("rosenbrock")
    native = parse_lane("torch.sgd:lr=0.001,momentum=0.9", allow_native=True)
    expected = run(native.build(), surface.value_and_grad, np.array([[-1.2, 1.0]]), 80).positions[:, 0]
    figure = _map(at)
    # a native lane runs alone; the page records it to the next block of 100 steps and cuts: a few ulps apart
    assert_same_run(_path(figure, f"1. {native.label()}"), expected)
    assert native.label().startswith("torch.optim SGD")
    assert at.query_params["o"][0] == "torch.sgd:momentum=0.9"  # lr=0.001 is torch SGD's own default: left out
    _open_tab(at, "Export and Keras code")
    assert any("torch.optim.SGD" in c.value for c in at.code)


def _native_panel_app():
    import streamlit as st

    from optviz.lanes import parse_lane
    from pages.components.lane_list import lanes_panel

    initial = [parse_lane("torch.adam:lr=0.01", allow_native=True), parse_lane("adam:lr=0.01")]
    choices = lanes_panel(initial, "n.lanes", max_lanes=3, allow_native=True)
    st.session_state["result"] = [c.lane.to_text() for c in choices]


def test_the_lane_editor_shows_each_frameworks_own_arguments_and_defaults():
    import pytest

    pytest.importorskip("torch")
    pytest.importorskip("tf_keras")
    at = AppTest.from_function(_native_panel_app, default_timeout=60).run()
    assert not at.exception
    eps = at.select_slider(key="n.lanes.0.torch.adam.eps")
    assert eps.label == "eps" and eps.value == 1e-8  # torch's name and default
    assert at.select_slider(key="n.lanes.0.torch.adam.lr").value == 0.01
    torch_labels = {w.label for w in [*at.select_slider, *at.slider, *at.checkbox] if ".torch." in w.key}
    assert torch_labels == {"lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"}
    assert any(
        c.value == "Runs `torch.optim.Adam(params, lr=0.01)` (the framework's own names and defaults)."
        for c in at.caption
    )
    at.select_slider(key="n.lanes.0.torch.adam.eps").set_value(0.001).run()
    assert at.session_state["result"] == ["torch.adam:lr=0.01,eps=0.001", "adam:lr=0.01"]
    at.selectbox(key="n.lanes.0.framework").set_value("tf_keras").run()  # tf.keras rules: its own names
    assert not at.exception
    learning_rate = at.select_slider(key="n.lanes.0.tf_keras.adam.learning_rate")
    assert learning_rate.label == "learning_rate" and learning_rate.value == 0.001  # tf.keras' default
    assert at.select_slider(key="n.lanes.0.tf_keras.adam.epsilon").value == 1e-7
    assert at.session_state["result"] == ["tf.adam", "adam:lr=0.01"]  # nothing leaked from the torch widgets
    at.selectbox(key="n.lanes.0.framework").set_value("torch").run()
    assert at.select_slider(key="n.lanes.0.torch.adam.eps").value == 1e-8  # torch's default, not tf.keras' 1e-7
    keras_labels = {w.label for w in [*at.select_slider, *at.slider] if w.key.startswith("n.lanes.1.adam.")}
    assert {"lr", "beta_1", "beta_2", "epsilon"} <= keras_labels  # a Keras lane keeps Keras names


def test_a_native_lane_from_the_url_shows_its_frameworks_widgets():
    import pytest

    pytest.importorskip("torch")
    at = _page({**SHARED, "steps": "20", "o": ["torch.adam:lr=0.01,eps=1e-06"]})
    assert not at.exception and not at.warning
    assert at.select_slider(key="surfaces.lanes.0.torch.adam.eps").value == 1e-6
    assert at.query_params["o"] in ("torch.adam:lr=0.01,eps=1e-06", ["torch.adam:lr=0.01,eps=1e-06"])
    refused = _page({**SHARED, "steps": "20", "o": ["torch.adam:epsilon=0.1"]})
    assert any("has no argument 'epsilon'" in w.value for w in refused.warning)


# -- lanes with an lr plan (issue 15) -------------------------------------------------------------------------------
PLANNED = {
    "surface": "rosenbrock",
    "start": "-1.2,1",
    "steps": "200",
    "o": [
        "sgd:lr=0.002,momentum=0.9,schedule=step,every=50,drop=0.5",
        "adam:lr=0.05,plateau=0.5,patience=5",
        "sgd:lr=0.001,momentum=0.9",
    ],
}


def _lr_chart(at: AppTest) -> dict | None:
    for element in at.get("plotly_chart"):
        figure = json.loads(element.proto.spec)
        if str(figure["layout"].get("yaxis", {}).get("title", {}).get("text", "")).startswith("lr"):
            return figure
    return None


def test_a_scheduled_lane_url_draws_the_core_run_with_its_callbacks():
    at = _page(PLANNED)
    assert not at.exception and not at.warning
    figure, lr_chart = _map(at), _lr_chart(at)
    assert lr_chart is not None
    surface = get_surface("rosenbrock")
    for number, text in enumerate(PLANNED["o"], 1):
        lane = parse_lane(text, allow_plan=True)
        core = run(lane.build(), surface.value_and_grad, np.array([[-1.2, 1.0]]), 200, callbacks=lane.callbacks())
        label = f"{number}. {lane.label()}"
        # the page runs the lanes batched with per-run arrays, the core alone with scalars: a few ulps apart
        assert_same_run(_path(figure, label), core.positions[:, 0])
        trace = next(t for t in lr_chart["data"] if t.get("name") == label)
        np.testing.assert_allclose(decode(trace["y"]), core.lrs[:, 0], rtol=1e-12)  # the lr of every update
    assert decode(next(t for t in lr_chart["data"] if t.get("name", "").startswith("1."))["y"])[-1] == 0.002 * 0.5**3
    assert at.query_params["o"] == PLANNED["o"]  # already canonical: the URL survives the round trip
    _open_tab(at, "Export and Keras code")
    code = "\n".join(c.value for c in at.code)
    assert "return 0.002 * 0.5 ** math.floor(epoch / 50)" in code
    assert "keras.callbacks.ReduceLROnPlateau(monitor='loss', factor=0.5, patience=5)" in code


def test_no_lr_chart_without_a_plan():
    at = _page({**SHARED, "steps": "50"})
    assert not at.exception and _lr_chart(at) is None


def test_a_bad_schedule_argument_in_the_url_gives_a_note_not_a_traceback():
    bad = ["sgd:lr=0.1,schedule=step,every=-1", "adam:plateau=1", "sgd:schedule=exp,gamma=nan", "adam"]
    at = _page({**PLANNED, "o": bad})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    for words in ("every must be >= 1, got -1", "factor must be in (0, 1)", "gamma must be a finite number"):
        assert words in text
    assert at.query_params["o"] == "adam" or at.query_params["o"] == ["adam"]


def test_the_lr_schedule_widgets_write_the_lane_text_and_refuse_bad_values():
    at = _page({**SHARED, "steps": "100", "o": ["sgd:lr=0.02"]})
    at.selectbox(key="surfaces.lanes.0.lr_plan").set_value("step").run()
    assert not at.exception
    assert at.query_params["o"] == "sgd:lr=0.02,schedule=step,every=25,drop=0.5"  # suggested for 100 steps
    assert _lr_chart(at) is not None
    at.number_input(key="surfaces.lanes.0.lr_plan.step.every").set_value(0).run()
    assert not at.exception
    assert any("every must be >= 1, got 0" in e.value for e in at.error)
    assert at.query_params["o"] == "sgd:lr=0.02"  # refused: a constant lr, said so
    at.number_input(key="surfaces.lanes.0.lr_plan.step.every").set_value(10).run()
    at.selectbox(key="surfaces.lanes.0.lr_plan").set_value("plateau").run()
    assert at.query_params["o"] == "sgd:lr=0.02,plateau=0.5,patience=2"
    at.selectbox(key="surfaces.lanes.0.lr_plan").set_value("step").run()  # back: what was set is kept
    assert at.query_params["o"] == "sgd:lr=0.02,schedule=step,every=10,drop=0.5"


def test_the_step_decay_scenario_link_rescues_the_too_large_lr():
    from urllib.parse import parse_qs, urlsplit

    from optviz.scenarios import get_scenario

    link = parse_qs(urlsplit(get_scenario("schedule").url).query)
    at = _page({key: values if key == "o" else values[0] for key, values in link.items()})
    assert not at.exception
    assert at.query_params["o"] == ["sgd:lr=0.21", "sgd:lr=0.21,schedule=step,every=4,drop=0.9"]
    assert any("Lane 1" in w.value and "diverged at step 140" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert float(table["final loss"].iloc[1]) < 1e-7
    assert _lr_chart(at) is not None
    assert not any("Step decay rescues" in e.value for e in at.markdown)  # the scenarios' list: made when opened
    _opened(at, "surfaces.scenarios").run()
    assert any("Step decay rescues a too-large lr" in e.value for e in at.markdown)  # listed in the scenarios


def test_a_lanes_plan_survives_a_visit_to_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in {**PLANNED, "steps": "60"}.items():
        at.query_params[name] = value
    at.switch_page("pages/surfaces.py").run()
    at.number_input(key="surfaces.lanes.0.lr_plan.step.drop").set_value(0.25).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/surfaces.py").run()
    assert not at.exception and not at.warning
    assert at.query_params["o"][0] == "sgd:lr=0.002,momentum=0.9,schedule=step,every=50,drop=0.25"
    assert at.query_params["o"][1] == PLANNED["o"][1]


def test_a_pole_clips_the_maps_colours_and_a_lane_crossing_it_gets_a_note():
    at = _page({"surface": "custom", "f": "1/x", "start": "-1.2,1.2", "steps": "100", "o": ["adam:lr=0.05"]})
    assert not at.exception
    assert any(c.value.startswith("Colours show f between") for c in at.caption)
    notes = [w.value for w in at.warning if "jumped across a pole" in w.value]
    assert len(notes) == 1
    assert notes[0].startswith("Lane 1 (Adam lr=0.05) jumped across a pole of f between steps 23 and 24")
    at = _page({**SHARED, "o": ["sgd:lr=1"], "steps": "100"})  # a divergence is no pole, nor is Rosenbrock's wall
    assert not any("jumped across" in w.value for w in at.warning)
    assert not any(c.value.startswith("Colours show f") for c in at.caption)


# -- the lane picker: only the picked lane's editor is drawn (issue 13) ---------------------------------------------
THREE = {**SHARED, "steps": "60", "o": ["adam:lr=0.01", "sgd:lr=0.001,momentum=0.9", "rmsprop:lr=0.01"]}


def _lane_widget_keys(at: AppTest) -> set[str]:
    """The lane numbers (0-based ids) whose argument widgets the last run drew."""
    widgets = [*at.select_slider, *at.slider, *at.checkbox, *at.number_input, *at.selectbox, *at.color_picker]
    return {w.key.split(".")[2] for w in widgets if str(w.key).startswith("surfaces.lanes.") and w.key[15].isdigit()}


def test_only_the_picked_lane_is_drawn_and_a_hidden_lane_keeps_its_settings_and_url():
    at = _page(THREE)
    assert not at.exception and _lane_widget_keys(at) == {"0"}  # one editor, not three
    picker = at.button_group(key="surfaces.lanes.shown")
    assert [o.content for o in picker.proto.options] == ["Lane 1", "Lane 2", "Lane 3"]
    _show_lane(at, 2)
    assert _lane_widget_keys(at) == {"1"}
    at.select_slider(key="surfaces.lanes.1.sgd.lr").set_value(0.0001).run()
    at.color_picker(key="surfaces.lanes.1.colour").set_value("#112233").run()
    at.checkbox(key="surfaces.lanes.1.sgd.nesterov").check().run()
    assert at.query_params["o"][1] == "sgd:lr=0.0001,momentum=0.9,nesterov=1"
    _show_lane(at, 3)  # lane 2 is no longer drawn: its lane, colour and URL text stay, through further reruns
    at.slider(key="surfaces.steps").set_value(61).run()
    at.slider(key="surfaces.steps").set_value(62).run()
    assert not at.exception and _lane_widget_keys(at) == {"2"}
    assert at.query_params["o"] == ["adam:lr=0.01", "sgd:lr=0.0001,momentum=0.9,nesterov=1", "rmsprop:lr=0.01"]
    figure = _map(at)
    assert len(_path(figure, "2. SGD lr=0.0001, momentum=0.9, nesterov")) == 63  # a hidden lane runs as set
    assert any(t.get("line", {}).get("color") == "#112233" for t in figure["data"])
    _show_lane(at, 2)  # shown again: its widgets hold what was set
    assert at.select_slider(key="surfaces.lanes.1.sgd.lr").value == 0.0001
    assert at.checkbox(key="surfaces.lanes.1.sgd.nesterov").value is True
    assert at.color_picker(key="surfaces.lanes.1.colour").value == "#112233"
    assert at.query_params["o"][1] == "sgd:lr=0.0001,momentum=0.9,nesterov=1"


def test_the_picker_follows_duplicate_add_and_remove():
    at = _page(THREE)
    _show_lane(at, 2)
    at.button(key="surfaces.lanes.1.duplicate").click().run()
    picker = at.button_group(key="surfaces.lanes.shown")
    assert picker.value == "3" and _lane_widget_keys(at) == {"3"}  # the copy is shown, after its original
    assert at.query_params["o"][2] == "sgd:lr=0.001,momentum=0.9" and len(at.query_params["o"]) == 4
    at.button(key="surfaces.lanes.3.remove").click().run()  # the lane in its place is shown
    assert at.button_group(key="surfaces.lanes.shown").value == "2"
    assert at.query_params["o"] == THREE["o"]
    at.button(key="surfaces.lanes.add").click().run()
    assert at.button_group(key="surfaces.lanes.shown").value == "4" and at.query_params["o"][-1] == "adam"
    at.button_group(key="surfaces.lanes.shown").set_value(None).run()  # a second click on the picked lane
    assert at.button_group(key="surfaces.lanes.shown").value == "4" and not at.exception


def test_a_hidden_lane_and_the_picked_lane_survive_a_visit_to_another_page():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in THREE.items():
        at.query_params[name] = value
    at.switch_page("pages/surfaces.py").run()
    _show_lane(at, 2)
    at.select_slider(key="surfaces.lanes.1.sgd.lr").set_value(0.0001).run()
    _show_lane(at, 3)
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/surfaces.py").run()
    assert not at.exception and not at.warning
    assert at.query_params["o"] == ["adam:lr=0.01", "sgd:lr=0.0001,momentum=0.9", "rmsprop:lr=0.01"]
    assert at.button_group(key="surfaces.lanes.shown").value == "2" and _lane_widget_keys(at) == {"2"}


def test_a_lane_added_while_others_are_hidden_gets_a_colour_no_lane_has():
    at = _page(THREE)
    at.button(key="surfaces.lanes.add").click().run()
    at.button(key="surfaces.lanes.add").click().run()
    colours = [t["line"]["color"] for t in _map(at)["data"] if t.get("mode") == "lines" and t.get("name")]
    assert len(colours) == 5 and len(set(colours)) == 5
