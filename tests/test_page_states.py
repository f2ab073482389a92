"""The pages' settings as data, without running a page: every link round-trips (``from_query(to_query(s)) == s``),
and every tampered value falls back to its default with the note a person reads."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from optviz.page_states.explorer import ExplorerState
from optviz.state import Field, Number, PageState, query_lists
from optviz.state import Surface as SurfaceField
from optviz.surface_spec import SurfaceSpec, make_spec


def params_of(url: str) -> dict[str, list[str]]:
    """The query of ``url`` as the pages see it (every value of every key)."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


# Links from the README, the tests and the pages' docstrings: each must keep meaning what it meant.
EXPLORER_URLS = [
    "/surfaces",
    "/surfaces?surface=rosenbrock&start=-1.2,1&steps=200&o=adam:lr=0.01,amsgrad=1&o=sgd:lr=0.001,momentum=0.9,nesterov=1",
    "/surfaces?surface=rotated_quadratic&condition=100&steps=50&o=sgd:lr=0.01",
    "/surfaces?surface=custom&f=x**2%2B3*y**2&xr=-2,2&yr=-1,3&o=adam:lr=0.1",
    "/surfaces?surface=beale&noise=0.3&seed=7&ensemble=4&tol=0.01&log=1&o=rmsprop",
    "/surfaces?surface=himmelblau&o=torch.sgd:momentum=0.9&o=tf.adam:learning_rate=0.01",
]


@pytest.mark.parametrize("url", EXPLORER_URLS)
def test_explorer_links_round_trip_without_notes(url: str) -> None:
    state, notes = ExplorerState.from_query(params_of(url))
    assert notes == []
    again, notes_again = ExplorerState.from_query(state.to_query())
    assert again == state and notes_again == []


def test_explorer_link_values_are_read() -> None:
    state, _ = ExplorerState.from_query(params_of(EXPLORER_URLS[4]))
    assert (state.surface.key, state.noise, state.seed, state.ensemble, state.tol, state.log) == (
        "beale",
        0.3,
        7,
        4,
        0.01,
        True,
    )
    assert state.start == ExplorerState.from_query({"surface": ["beale"]})[0].start  # the surface's own start
    custom, _ = ExplorerState.from_query(params_of(EXPLORER_URLS[3]))
    assert custom.surface == make_spec("custom", expression="x**2+3*y**2", x_range=(-2, 2), y_range=(-1, 3))
    assert custom.start == (-1.2, 2.2)  # upper-left part of the window


def test_the_default_start_follows_the_surface() -> None:
    for key in ("himmelblau", "beale", "rosenbrock"):
        state, _ = ExplorerState.from_query({"surface": [key]})
        assert state.surface == SurfaceSpec(key) and len(state.start) == 2
    assert ExplorerState.from_query({"surface": ["himmelblau"]})[0].start == (0.0, 0.0)


# (parameter, tampered value, the words its note must contain, the field, the value used instead)
TAMPERED = [
    ("steps", "abc", "not a number", "steps", 300),
    ("steps", "1e9", "between 1 and 2000", "steps", 300),
    ("steps", "2.5", "whole number", "steps", 300),
    ("noise", "nan", "not a finite number", "noise", 0.0),
    ("noise", "-1", "between 0 and 100", "noise", 0.0),
    ("ensemble", "99", "between 1 and 20", "ensemble", 1),
    ("start", "1", "two numbers", "start", (-1.2, 1.0)),
    ("start", "inf,0", "not a finite number", "start", (-1.2, 1.0)),
    ("start", "1e9,0", "between -10000 and 10000", "start", (-1.2, 1.0)),
    ("log", "maybe", "must be 1 or 0", "log", False),
    ("surface", "mars", "must be one of", "surface", SurfaceSpec()),
    ("o", "adamw:lr=1", "unknown optimizer 'adamw'", "lanes", ExplorerState().lanes),
    ("o", "adam:lr=-1", "lr", "lanes", ExplorerState().lanes),
    ("o", "<img src=x onerror=alert(1)>", "unknown optimizer", "lanes", ExplorerState().lanes),
]


@pytest.mark.parametrize(("key", "raw", "words", "name", "used"), TAMPERED)
def test_explorer_tampered_values_fall_back_with_a_note(key: str, raw: str, words: str, name: str, used) -> None:
    state, notes = ExplorerState.from_query({key: [raw]})
    assert getattr(state, name) == used
    assert len(notes) >= 1 and any(words in note for note in notes), notes
    assert all(f"`{key}" in note or key == "o" for note in notes)


def test_a_refused_formula_is_replaced_by_the_default_with_a_note() -> None:
    class Checked(ExplorerState):
        FIELDS = (Field("surface", "surface", SurfaceField(lambda spec: "too large")),)

    state, notes = Checked.from_query({"surface": ["custom"], "f": ["9**9**9"]})
    assert state.surface.expression == "sin(x)*y**2 + 0.1*(x**2 + y**2)"
    assert notes and "too large" in notes[0] and "9**9**9" in notes[0]


def test_a_condition_number_snaps_to_an_offered_one() -> None:
    state, notes = ExplorerState.from_query({"surface": ["rotated_quadratic"], "condition": ["99"]})
    assert state.surface.condition == 100.0 and "not offered" in notes[0]


def test_written_fields_and_defaults_left_out() -> None:
    query = ExplorerState().to_query()
    assert "noise" not in query and "seed" not in query and "tol" not in query and "log" not in query
    noisy = ExplorerState(noise=0.5, seed=3, ensemble=2).to_query()
    assert (noisy["noise"], noisy["seed"], noisy["ensemble"]) == (["0.5"], ["3"], ["2"])


def test_query_lists_accepts_plain_and_repeated_values() -> None:
    assert query_lists({"a": "1", "o": ["x", "y"]}) == {"a": ["1"], "o": ["x", "y"]}


def test_an_alias_key_is_still_read() -> None:
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Aliased(PageState):
        count: int = 1
        FIELDS = (Field("count", "n", Number(1, 10, integer=True), aliases=("count",)),)

    assert Aliased.from_query({"count": ["4"]})[0].count == 4
    assert Aliased.from_query({"n": ["5"], "count": ["4"]})[0].count == 5
    assert Aliased(count=4).to_query() == {"n": ["4"]}


# -- /train ------------------------------------------------------------------------------------------------------
from optviz.page_states.train import TRAIN_LANES, TrainState  # noqa: E402
from optviz.state import lanes_of  # noqa: E402

_TRAIN_FOUR = "&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05"
_TRAIN_BASE = "/train?dataset=moons&samples=400&noise=0.2&hidden=16,16&act=tanh&batch=32"
# Every /train link of the README, the page's docstring, the AppTests, the browser test and the benchmarks.
TRAIN_URLS = [
    "/train",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&o=adam&o=sgd:lr=0.1,momentum=0.9",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10"
    "&o=adam&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=nadam",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9",
    "/train?dataset=moons&samples=200&hidden=16,16&act=tanh&chunk=20&o=sgd:lr=10,momentum=0.99&o=adam:lr=0.01",
    "/train?dataset=digits&hidden=32&act=relu&batch=64&o=adam&o=sgd:lr=0.1",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10"
    "&o=sgd:lr=0.1,momentum=0.9&o=torch.sgd:lr=0.1,momentum=0.9&o=torch.adam:lr=0.01",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10&o=adam&o=tf.sgd:learning_rate=0.1,momentum=0.9",
    "/train?dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10" + _TRAIN_FOUR,
    _TRAIN_BASE + "&chunk=1" + _TRAIN_FOUR,
    _TRAIN_BASE + "&chunk=10" + _TRAIN_FOUR,
    _TRAIN_BASE + "&chunk=10&o=adam&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05&o=nadam&o=adamax",
    "/train?dataset=blobs&classes=5&samples=600&noise=0.5&test=0.3&seed=7&hidden=none&act=relu&batch=8&chunk=3",
    "/train?dataset=spiral&hidden=8,8,8,8&act=sigmoid&batch=1024&chunk=200&o=adam:lr=0.01,amsgrad=1",
]


@pytest.mark.parametrize("url", TRAIN_URLS)
def test_train_links_round_trip_without_notes(url: str) -> None:
    state, notes = TrainState.from_query(params_of(url))
    assert notes == []
    again, notes_again = TrainState.from_query(state.to_query())
    assert again == state and notes_again == []


def test_train_link_values_are_read() -> None:
    state, _ = TrainState.from_query(params_of(TRAIN_URLS[12]))
    assert (state.dataset, state.classes, state.samples, state.noise, state.test, state.seed) == (
        "blobs",
        5,
        600,
        0.5,
        0.3,
        7,
    )
    assert (state.hidden, state.act, state.batch, state.chunk, state.lanes) == ((), "relu", 8, 3, TRAIN_LANES)
    assert state.to_query()["hidden"] == ["none"]
    digits, _ = TrainState.from_query(params_of(TRAIN_URLS[5]))
    assert (digits.hidden, digits.act, digits.batch) == ((32,), "relu", 64)
    assert digits.lanes == lanes_of("adam", "sgd:lr=0.1")
    assert not {"samples", "noise", "classes"} & set(digits.to_query())


def test_train_settings_the_dataset_does_not_use_are_dropped() -> None:
    state, notes = TrainState.from_query({"dataset": ["digits"], "samples": ["300"], "classes": ["5"]})
    assert notes == [] and state == TrainState(dataset="digits")
    assert TrainState(dataset="moons", classes=5).canonical() == TrainState()


def test_train_structure_is_what_restarts_training() -> None:
    base = TrainState()
    assert base.structure() == base.replace(chunk=50, lanes=lanes_of("sgd")).structure()
    for change in (dict(test=0.3), dict(hidden=(8,)), dict(act="relu"), dict(batch=64), dict(seed=1)):
        assert base.replace(**change).structure() != base.structure(), change
    assert base.replace(test=0.3, batch=64).structure_changes(base) == ["test share", "batch size"]
    assert base.data.test_fraction == 0.25 and base.data.name == "moons"


# (parameter, tampered value, the words its note must contain, the field, the value used instead)
TRAIN_TAMPERED = [
    ("dataset", "mnist", "must be one of moons", "dataset", "moons"),
    ("samples", "5", "between 40 and 2000", "samples", 400),
    ("samples", "100.5", "whole number", "samples", 400),
    ("noise", "lots", "not a number", "noise", 0.2),
    ("noise", "inf", "not a finite number", "noise", 0.2),
    ("classes", "9", "between 3 and 6", "classes", 3),
    ("test", "0.9", "between 0.1 and 0.5", "test", 0.25),
    ("seed", "-1", "between 0 and 1e+06", "seed", 0),
    ("hidden", "100,2", "at most 4 layers of 1 to 64 units", "hidden", (16, 16)),
    ("hidden", "16,x", "unit counts separated by commas", "hidden", (16, 16)),
    ("hidden", "8,8,8,8,8", "at most 4 layers", "hidden", (16, 16)),
    ("act", "elu", "must be one of relu, tanh, sigmoid", "act", "tanh"),
    ("batch", "0", "between 1 and 1024", "batch", 32),
    ("chunk", "1000", "between 1 and 200", "chunk", 10),
    ("o", "adamw", "unknown optimizer 'adamw'", "lanes", TRAIN_LANES),
    ("o", "<script>alert(1)</script>", "unknown optimizer", "lanes", TRAIN_LANES),
]


@pytest.mark.parametrize(("key", "raw", "words", "name", "used"), TRAIN_TAMPERED)
def test_train_tampered_values_fall_back_with_a_note(key: str, raw: str, words: str, name: str, used) -> None:
    query = {key: [raw], "dataset": ["blobs"]} if key == "classes" else {key: [raw]}
    state, notes = TrainState.from_query(query)
    assert getattr(state, name) == used
    assert len(notes) == 1 and words in notes[0], notes
    assert f"`{key}" in notes[0]


def test_train_one_bad_lane_among_good_ones_is_skipped_with_a_note() -> None:
    state, notes = TrainState.from_query({"o": ["adamw", "sgd:lr=0.1"], "hidden": ["100,2"], "batch": ["0"]})
    assert state.lanes == lanes_of("sgd:lr=0.1") and state.hidden == (16, 16) and state.batch == 32
    assert len(notes) == 3 and any("adamw" in n for n in notes) and any("hidden=100,2" in n for n in notes)
