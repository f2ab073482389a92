"""The sweep map's browser views: what the heat map view and the replay view receive (optviz.figures.sweep_view),
the heat map sent once per grid, and a click on a cell (the view's trigger) choosing the replayed cell."""

from __future__ import annotations

import json

import numpy as np
from streamlit.testing.v1 import AppTest

from optviz.figures.surfaces import surface_image
from optviz.figures.sweep import CLICK_TRACE, sweep_heatmap
from optviz.figures.sweep_view import (
    DIVERGED,
    HAS_VALUE,
    NOT_REACHED,
    UNSTABLE,
    heatmap_view,
    replay_background,
    replay_view,
    selected_view,
)
from optviz.lanes import PALETTE, parse_lane
from optviz.surfaces import get_surface
from optviz.sweep import Task, parse_axis, replay, run_sweep

from .apptest_helpers import decode, run_page
from .conftest import ROOT

ROSENBROCK = get_surface("rosenbrock")
TASK = Task(ROSENBROCK, (-1.2, 1.0), 60)
X, Y = parse_axis("lr:1e-4:0.05:log:12"), parse_axis("momentum:0:0.95:lin:8")
QUERY = dict(surface="rosenbrock", start="-1.2,1", steps="60", o="sgd:nesterov=1", x=X.to_text(), y=Y.to_text())


def grid(metric: str = "final_loss", x=X, y=Y):
    return run_sweep(parse_lane("sgd:nesterov=1"), x, y, TASK, metric)


def test_the_heat_map_view_carries_each_cells_numbers_and_no_click_layer():
    result = grid("steps_to_tol")
    view = heatmap_view(result)
    figure, cells = view["figure"], view["cells"]
    assert all(trace.get("meta") != "cells" for trace in figure["data"])  # the view snaps the pointer itself
    assert all(trace.get("meta") != "selected" for trace in figure["data"])  # the outline travels per click
    np.testing.assert_allclose(cells["x"], np.log10(X.values()))  # log axis: log10 coordinates, as the figure's
    np.testing.assert_allclose(cells["y"], Y.values())
    np.testing.assert_allclose(decode(figure["data"][0]["x"]), cells["x"])
    assert (cells["xValues"], cells["yValues"]) == (X.values().tolist(), Y.values().tolist())
    assert (cells["xName"], cells["yName"], cells["metric"]) == ("lr", "momentum", "steps to reach the tolerance")
    status = decode(cells["status"]).reshape(8, 12)
    assert np.array_equal(status == DIVERGED, result.diverged) and result.diverged.any()
    assert np.array_equal(status == NOT_REACHED, result.not_reached) and result.not_reached.any()
    assert np.array_equal(status == HAS_VALUE, np.isfinite(result.values) & ~result.unstable_cells)
    values = decode(cells["values"]).reshape(8, 12)
    np.testing.assert_allclose(values, result.values, rtol=1e-6, equal_nan=True)  # float32 for the line under the map


def test_the_heat_map_views_line_tells_an_unstable_cell_from_a_stable_one():
    # RMSprop on Rosenbrock: large lrs end oscillating, flagged unstable by the sweep's score (optviz.sweep_stability)
    task = Task(ROSENBROCK, (-1.2, 1.0), 300)
    x, y = parse_axis("lr:1e-3:2:log:12"), parse_axis("rho:0.5:0.99:lin:6")
    result = run_sweep(parse_lane("rmsprop"), x, y, task, "final_loss")
    status = decode(heatmap_view(result)["cells"]["status"]).reshape(6, 12)
    unstable = result.unstable_cells & np.isfinite(result.values)
    assert unstable.any() and np.array_equal(status == UNSTABLE, unstable)
    assert ((status == HAS_VALUE) | (status == UNSTABLE)).sum() == np.isfinite(result.values).sum()


def test_the_heat_map_view_of_a_200_by_200_grid_is_a_fraction_of_the_figure_with_a_click_layer():
    x, y = parse_axis("lr:1e-4:0.05:log:200"), parse_axis("momentum:0:0.95:lin:200")
    result = run_sweep(parse_lane("sgd"), x, y, Task(ROSENBROCK, (-1.2, 1.0), 5), "final_loss")
    light = len(json.dumps(heatmap_view(result)))
    full = len(sweep_heatmap(result, (3, 4)).to_json())
    assert len(sweep_heatmap(result).data) > CLICK_TRACE
    assert light < 1_200_000 and light < full / 2, (light, full)


def test_the_outline_sits_on_the_chosen_cells_centre():
    result = grid()
    outline = selected_view(result, (5, 7))
    assert outline["cell"] == [5, 7] and outline["trace"]["meta"] == "selected"
    assert outline["trace"]["x"] == [np.log10(X.values()[7])] and outline["trace"]["y"] == [Y.values()[5]]


def test_with_no_cell_to_replay_the_outline_is_empty():
    outline = selected_view(grid(), None)  # every cell diverged: nothing is outlined
    assert outline["cell"] is None and outline["trace"]["x"] == [] and outline["trace"]["y"] == []


def test_the_replay_view_draws_the_cells_path_over_the_surface_image():
    lane = grid().cell_lane(2, 3)
    trajectory = replay(lane, TASK)
    figure = replay_view(ROSENBROCK, [(lane.label(), PALETTE[0], trajectory)], TASK.start)
    background = replay_background(ROSENBROCK)
    assert all(trace["type"] != "contour" for trace in figure["data"])
    (path,) = [trace for trace in figure["data"] if trace.get("meta") == "path"]
    np.testing.assert_array_equal(decode(path["x"]), trajectory.positions[:, 0, 0])  # the same run, drawn
    assert background == surface_image(ROSENBROCK, (ROSENBROCK.x_range, ROSENBROCK.y_range))


def _components(at: AppTest, name: str) -> list:
    return [element.proto for element in at.get("bidi_component") if element.proto.component_name == name]


def test_the_page_sends_the_heat_map_once_per_grid_and_the_replay_in_place():
    at = run_page(ROOT / "pages" / "sweep.py", QUERY)
    assert not at.exception and not at.error
    (view,) = [json.loads(p.json) for p in _components(at, "optviz.sweep_map")]
    assets = {json.loads(p.json)["name"]: p.SerializeToString() for p in _components(at, "optviz.asset")}
    assert view["heatmap"] in assets and view["selected"]["cell"] == list(grid().best_cell())
    (replayed,) = [json.loads(p.json) for p in _components(at, "optviz.figure_view")]
    assert replayed["background"] in assets  # the surface image, sent apart
    at.run()  # a rerun: the same heat map and background elements (Streamlit then sends a reference, not the data)
    assert {json.loads(p.json)["name"]: p.SerializeToString() for p in _components(at, "optviz.asset")} == assets
    assert not _components(at, "plotly_chart") and not at.get("plotly_chart")  # map mode draws only in the views


def _choose(pick, query_state: dict):  # pragma: no cover - runs inside AppTest
    import streamlit as st

    from optviz.lanes import parse_lane
    from optviz.page_states.sweep import SweepState
    from optviz.surfaces import get_surface
    from optviz.sweep import Task, parse_axis, run_sweep
    from pages.components.sweep_views import MAP_KEY, chosen_cell

    state = SweepState(
        lanes=(parse_lane(query_state["o"]),), x=parse_axis(query_state["x"]), y=parse_axis(query_state["y"]), steps=60
    )
    result = run_sweep(state.lanes[0], state.x, state.y, Task(get_surface("rosenbrock"), (-1.2, 1.0), 60), "final_loss")
    if pick is not None:
        st.session_state[MAP_KEY] = {"pick": pick}  # what the view's click trigger leaves in the state
    elif MAP_KEY in st.session_state:
        del st.session_state[MAP_KEY]
    st.session_state["chosen"] = chosen_cell(state, result)
    st.session_state["best"] = result.best_cell()


def test_a_click_on_a_cell_chooses_the_replayed_cell_until_the_grid_changes():
    script = """
from tests.test_sweep_view import _choose
import streamlit as st
_choose(st.session_state.get("pick"), st.session_state["query"])
"""
    at = AppTest.from_string(script, default_timeout=60)
    at.session_state["query"], at.session_state["pick"] = QUERY, None
    at.run()
    assert not at.exception and at.session_state["chosen"] == at.session_state["best"]
    at.session_state["pick"] = {"row": 6, "column": 2}
    at.run()
    assert at.session_state["chosen"] == (6, 2)
    at.session_state["pick"] = None  # a later rerun without a click keeps the clicked cell
    at.run()
    assert at.session_state["chosen"] == (6, 2)
    for bad in ({"row": 8, "column": 0}, {"row": -1, "column": 0}, {"row": "a", "column": 1}, {"x": 1}, "cell"):
        at.session_state["pick"] = bad  # outside the 8 x 12 grid, or not a cell: ignored
        at.run()
        assert not at.exception and at.session_state["chosen"] == (6, 2), bad
    at.session_state["query"], at.session_state["pick"] = {**QUERY, "x": "lr:1e-4:0.05:log:11"}, None
    at.run()  # another grid: back to its best cell
    assert at.session_state["chosen"] == at.session_state["best"] != (6, 2)


def test_a_grid_where_every_cell_diverged_outlines_nothing_and_says_so():
    at = run_page(ROOT / "pages" / "sweep.py", {**QUERY, "x": "lr:10:100:log:3", "y": "momentum:0:0.5:lin:2"})
    assert not at.exception
    assert any("Every cell diverged" in w.value for w in at.warning)
    (view,) = [json.loads(p.json) for p in _components(at, "optviz.sweep_map")]
    assert view["selected"]["cell"] is None and not _components(at, "optviz.figure_view")
