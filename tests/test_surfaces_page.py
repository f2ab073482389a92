"""AppTests of the surface explorer page and its shared components (lane list, URL state)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from pages.components.url_state import UrlReader, parse_pair


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
    assert at.session_state["result"] == [("sgd:lr=0.1", "#E69F00"), ("adam:amsgrad=1", "#56B4E9")]


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


def test_url_reader_validates_and_notes_every_bad_value():
    params = {"steps": "9999", "start": "1,nan", "lr": "abc", "xr": "2,-2", "o": ["adam:lr=0.1", "bogus"], "n": "7"}
    reader = UrlReader(params)
    assert reader.number("steps", 300, 1, 2000, integer=True) == 300
    assert reader.pair("start", (0.0, 0.0), -10, 10) == (0.0, 0.0)
    assert reader.number("lr", 0.5, 0, 1) == 0.5
    assert reader.pair("xr", (-1.0, 1.0), -100, 100, increasing=True) == (-1.0, 1.0)
    assert [lane.to_text() for lane in reader.lanes("o", [])] == ["adam:lr=0.1"]
    assert reader.number("n", 1, 0, 10, integer=True) == 7
    assert len(reader.notes) == 5
    assert all("ignored" in note or "bogus" in note for note in reader.notes)
    assert parse_pair("-1.2, 1", -5, 5) == (-1.2, 1.0)
