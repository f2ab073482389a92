"""The pages' settings as data, without running a page: every link round-trips (``from_query(to_query(s)) == s``),
and every tampered value falls back to its default with the note a person reads."""

from __future__ import annotations

import math
from urllib.parse import parse_qs, urlsplit

import pytest

from optviz.lanes import parse_lane
from optviz.page_states.explorer import ExplorerState
from optviz.page_states.frameworks import FrameworksState
from optviz.page_states.inspect import InspectState
from optviz.page_states.sweep import DEFAULT_COMPARE, TUNE_X, SweepState, default_lr_axis
from optviz.state import Choice, Field, Flag, Number, PageState, Pair, Text, query_lists
from optviz.state import Surface as SurfaceField
from optviz.surface_spec import SurfaceSpec, make_spec
from optviz.sweep import parse_axis


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
    # lanes with an lr plan (issue 15): a schedule's arguments in any order, a plateau rule
    "/surfaces?steps=400&o=sgd:lr=0.1,momentum=0.9,schedule=step,drop=0.5,every=100&o=adam:lr=0.01,plateau=0.5,patience=20",
    "/surfaces?surface=rotated_quadratic&condition=10&o=sgd:lr=0.25&o=sgd:lr=0.25,schedule=step,every=20,drop=0.5",
    "/surfaces?o=rmsprop:schedule=cosine,total=300,warmup=15&o=adam:schedule=onecycle,total=300,anneal_strategy=linear",
    "/surfaces?o=sgd:schedule=cyclic,max_lr=0.01,up=25,down=50,mode=triangular2&o=adagrad:schedule=inverse,rate=0.1",
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
    ("o", "sgd:lr=0.1,schedule=step,every=-100", "every must be >= 1, got -100", "lanes", ExplorerState().lanes),
    ("o", "adam:plateau=1.5", "factor must be in (0, 1)", "lanes", ExplorerState().lanes),
    ("o", "sgd:schedule=exp,gamma=nan", "gamma must be a finite number", "lanes", ExplorerState().lanes),
    ("o", "torch.sgd:schedule=exp,gamma=0.9", "Keras 2.2.4 lanes only", "lanes", ExplorerState().lanes),
]


@pytest.mark.parametrize(("key", "raw", "words", "name", "used"), TAMPERED)
def test_explorer_tampered_values_fall_back_with_a_note(key: str, raw: str, words: str, name: str, used) -> None:
    state, notes = ExplorerState.from_query({key: [raw]})
    assert getattr(state, name) == used
    assert len(notes) >= 1 and any(words in note for note in notes), notes
    assert all(f"`{key}" in note or key == "o" for note in notes)


def test_a_scheduled_lane_keeps_its_plan_and_is_written_canonically() -> None:
    state, _ = ExplorerState.from_query(params_of(EXPLORER_URLS[6]))
    assert [lane.plan is not None for lane in state.lanes] == [True, True]
    assert state.to_query()["o"] == [
        "sgd:lr=0.1,momentum=0.9,schedule=step,every=100,drop=0.5",
        "adam:lr=0.01,plateau=0.5,patience=20",
    ]


def test_pages_without_schedules_note_a_planned_lane() -> None:
    from optviz.page_states.frameworks import FrameworksState

    state, notes = FrameworksState.from_query({"o": ["sgd:lr=0.1,schedule=step,every=10"]})
    assert state.lane == FrameworksState().lane
    assert any("not offered on this page" in note for note in notes), notes


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


# -- /inspect
INSPECT_URLS = [
    "/inspect",
    "/inspect?surface=rosenbrock&start=-1.2,1&steps=100&o=adam:lr=0.05&step=12",
    "/inspect?surface=beale&start=1,1&steps=100&o=adam:lr=0.01&step=10",
    "/inspect?surface=custom&f=x**2%2B3*y**2&xr=-3,3&yr=-2,2&o=sgd:lr=0.05&step=3",
    "/inspect?surface=rotated_quadratic&condition=100&o=sgd:lr=0.01,momentum=0.9",
    "/inspect?o=adam:lr=0.05&step=12&fork=adam:lr=0.01&fork_step=12&view=fork",
    "/inspect?o=sgd:lr=0.1,momentum=0.9,schedule=step,every=10,drop=0.5&step=12",
    "/inspect?o=adam:lr=0.01,plateau=0.5,patience=20&fork=adam:lr=0.01,schedule=exp,gamma=0.9&fork_step=5",
]


@pytest.mark.parametrize("url", INSPECT_URLS)
def test_inspect_links_round_trip_without_notes(url: str) -> None:
    state, notes = InspectState.from_query(params_of(url))
    assert notes == []
    assert InspectState.from_query(state.to_query()) == (state, [])


INSPECT_TAMPERED = [
    ({"surface": ["moon"]}, "`surface=moon`", "surface", SurfaceSpec()),
    ({"start": ["nan,1"]}, "`start=nan,1`", "start", (-1.2, 1.0)),
    ({"steps": ["abc"]}, "`steps=abc`", "steps", 100),
    ({"o": ["adamw:lr=1"]}, "unknown optimizer 'adamw'", "lane", InspectState().lane),
    ({"o": ["torch.adam:lr=0.01"]}, "native", "lane", InspectState().lane),
    ({"step": ["999"]}, "`step=999`", "step", 1),
    ({"steps": ["10"], "step": ["20"]}, "past the 10 recorded steps", "step", 1),
    ({"fork": ["sgd:lr=-1"]}, "lr must be > 0", "fork", ()),
    ({"o": ["sgd:schedule=step,every=0"]}, "every must be >= 1, got 0", "lane", InspectState().lane),
    ({"fork": ["sgd:plateau=2"]}, "factor must be in (0, 1)", "fork", ()),
    ({"view": ["fork"]}, "", "view", "original"),  # no fork: nothing to step through but the original
]


@pytest.mark.parametrize(("query", "words", "name", "used"), INSPECT_TAMPERED)
def test_inspect_tampered_values_fall_back_with_a_note(query, words: str, name: str, used) -> None:
    state, notes = InspectState.from_query(query)
    assert getattr(state, name) == used
    assert any(words in note for note in notes) if words else notes == []


def test_inspect_fork_step_defaults_to_the_shown_step() -> None:
    state, _ = InspectState.from_query({"step": ["7"], "fork": ["sgd:lr=0.1"]})
    assert state.fork_step == 7 and state.fork[0].to_text() == "sgd:lr=0.1"


# -- /frameworks
FRAMEWORKS_URLS = [
    "/frameworks",
    "/frameworks?o=sgd:lr%3D0.0001,momentum%3D0.9&steps=50",
    "/frameworks?o=adam:lr=0.05,epsilon=0.1&surface=rosenbrock&start=-1.2,1&steps=200&tf=current&defaults=0",
    "/frameworks?o=adagrad:lr=0.1&surface=bowl&start=0.3,0.2&steps=20&tf=legacy&defaults=1",
    "/frameworks?o=adam&surface=custom&f=x**2%2By**2&xr=-2,2&yr=-2,2",
]


@pytest.mark.parametrize("url", FRAMEWORKS_URLS)
def test_frameworks_links_round_trip_without_notes(url: str) -> None:
    state, notes = FrameworksState.from_query(params_of(url))
    assert notes == []
    assert FrameworksState.from_query(state.to_query()) == (state, [])


def test_frameworks_tampered_values_fall_back_with_notes() -> None:
    state, notes = FrameworksState.from_query(
        {"o": ["adamw:lr=1"], "surface": ["nowhere"], "start": ["nan,2"], "steps": ["99999"], "tf": ["v3"]}
    )
    assert state == FrameworksState()
    joined = " ".join(notes)
    for words in ("adamw", "`surface=nowhere`", "`start=nan,2`", "`steps=99999`", "`tf=v3`"):
        assert words in joined
# -- the sweep page ---------------------------------------------------------------------------------------------
SWEEP_URLS = [
    "/sweep",
    # the page's docstring (old lanes key opt=, and the o= the page writes now)
    "/sweep?mode=map&surface=rosenbrock&start=-1.2,1&steps=300&opt=sgd:nesterov=1&x=lr:1e-4:1:log:60"
    "&y=momentum:0:0.99:lin:50&metric=final_loss",
    "/sweep?mode=map&surface=rosenbrock&start=-1.2,1&steps=300&o=sgd:nesterov=1&x=lr:1e-4:1:log:60"
    "&y=momentum:0:0.99:lin:50&metric=final_loss",
    "/sweep?surface=rotated_quadratic&condition=100&noise=0.1",
    "/sweep?surface=custom&f=x**2%2B3*y**2&xr=-2,2&yr=-2,2",
    # tests/browser/test_sweep_page.py
    "/sweep?surface=rosenbrock&start=-1.2,1&steps=120&opt=sgd:nesterov=1&x=lr:1e-4:0.05:log:12"
    "&y=momentum:0:0.95:lin:8&metric=final_loss",
    # tests/test_sweep_page.py
    "/sweep?mode=tune&steps=100&opt=sgd:momentum=0.9&opt=adam&x=lr:1e-4:1:log:15&metric=best_loss",
    "/sweep?mode=curves&steps=50&opt=sgd&opt=adam&x=epsilon:1e-8:1:log:10",
    "/sweep?opt=adam:beta_1=0.8&x=lr:1e-3:1:log:20&steps=60&metric=best_loss",
    "/sweep?task=network&dataset=xor&hidden=8&steps=40&x=lr:1e-3:1:log:12&y=momentum:0:0.9:lin:3",
    "/sweep?opt=nadam&x=lr:1e-4:1e-3:log:4&y=beta_1:0.5:0.9:lin:3&steps=30&metric=steps_to_tol&tol=1e-9",
    "/sweep?surface=custom&f=x**2 %2B 3*y**2 %2B sin(2*x)&xr=-3,3&yr=-2,2&start=2,1.5&x=lr:1e-3:0.3:log:6"
    "&y=momentum:0:0.9:lin:4&opt=sgd&steps=40&metric=final_loss",
    "/sweep?surface=rotated_quadratic&condition=100&x=lr:1e-3:1:log:8&y=momentum:0:0.9:lin:3&opt=sgd&steps=50",
    # issue 11: the network sweep that ran for minutes (now read as is, and capped by the work budget)
    "/sweep?task=network&x=lr:1e-4:1:log:12&y=momentum:0:0.99:lin:12&steps=2000&batch=1024&hidden=64,64,64",
    "/sweep?task=network&dataset=circles&batch=16&hidden=4,4,4&metric=train_accuracy&mode=tune&o=adam&o=sgd",
    # issue 15: an argument of the base lane's lr plan as an axis
    "/sweep?o=sgd:lr=0.002,momentum=0.9,schedule=cosine,total=300,warmup=10&x=warmup:0:90:lin:10"
    "&y=lr:1e-4:1e-2:log:8&steps=300",
    "/sweep?o=adam:lr=0.05,plateau=0.5,patience=5&x=factor:0.1:0.9:lin:5&y=patience:1:20:lin:4&steps=100",
]


@pytest.mark.parametrize("url", SWEEP_URLS)
def test_sweep_links_round_trip_without_notes(url: str) -> None:
    state, notes = SweepState.from_query(params_of(url))
    assert notes == []
    query = state.to_query()
    again, notes_again = SweepState.from_query(query)
    assert again == state and notes_again == []
    assert "opt" not in query and query["o"] == [lane.to_text() for lane in state.lanes]


def test_sweep_link_values_are_read() -> None:
    old, _ = SweepState.from_query(params_of(SWEEP_URLS[1]))
    new, _ = SweepState.from_query(params_of(SWEEP_URLS[2]))
    assert old == new and old.lanes == (parse_lane("sgd:nesterov=1"),)
    assert (old.x, old.y) == (parse_axis("lr:1e-4:1:log:60"), parse_axis("momentum:0:0.99:lin:50"))
    one_axis, _ = SweepState.from_query(params_of(SWEEP_URLS[8]))
    assert one_axis.y is None and not one_axis.is_map  # an X axis alone is a 1-D sweep
    network, _ = SweepState.from_query(params_of(SWEEP_URLS[13]))
    assert (network.task, network.dataset, network.batch, network.hidden) == ("network", "moons", 1024, (64, 64, 64))
    assert network.metric == "train_loss" and network.steps == 2000  # the metric follows the task
    assert "surface" not in network.to_query() and "start" not in network.to_query()
    tune, _ = SweepState.from_query(params_of(SWEEP_URLS[14]))
    assert tune.metric == "train_accuracy" and tune.swept_lanes == (parse_lane("adam"), parse_lane("sgd"))
    assert tune.x.argument == "lr" and tune.y is None
    defaults, _ = SweepState.from_query({"mode": ["tune"]})
    assert defaults.lanes == DEFAULT_COMPARE and defaults.x.to_text() == "lr:0.0001:10:log:51"
    adam, _ = SweepState.from_query({"o": ["adam"]})
    assert adam.y is not None and adam.y.argument == "beta_1"  # the base lane's second argument


@pytest.mark.parametrize("optimizers", [["sgd"], ["adam"], ["adadelta"], ["sgd", "rmsprop"], ["adam", "adadelta"]])
def test_an_optimizers_default_lr_grid_is_the_same_in_every_mode(optimizers: list[str]) -> None:
    """Issue 14: the fair comparison's default grid differed from the curves mode's (1e-5..10 vs 1e-4..1)."""
    lanes = [f"o={name}" for name in optimizers]
    grids = {}
    for mode in ("map", "curves", "tune"):
        state, notes = SweepState.from_query(params_of(f"/sweep?mode={mode}&{'&'.join(lanes)}"))
        assert notes == []
        grids[mode] = state.x
        if mode != "map":
            assert state.editor_axes()["curve"] == state.editor_axes()["lr"] == state.x
    assert grids["curves"] == grids["tune"]
    assert len(optimizers) > 1 or grids["map"] == grids["tune"]
    assert grids["tune"] == default_lr_axis(optimizers) and grids["tune"].scale == "log"
    per_decade = (grids["tune"].count - 1) / math.log10(grids["tune"].high / grids["tune"].low)
    assert per_decade == pytest.approx(10)


QUADRATIC, LR_200 = make_spec("rotated_quadratic"), parse_axis("lr:1e-4:1:log:200")
# (query, the words its note must contain, the field, the value used instead)
SWEEP_TAMPERED = [
    ({"mode": "party"}, "`mode=party` ignored: must be one of map, curves, tune", "mode", "map"),
    ({"task": "quantum"}, "`task=quantum` ignored", "task", "surface"),
    ({"steps": "9999999"}, "must be between 1 and 2000", "steps", 300),
    ({"steps": "abc"}, "not a number", "steps", 300),
    ({"start": "a,b"}, "`start=a,b` ignored: not a number", "start", (-1.2, 1.0)),
    ({"start": "5000,0"}, "between -1000 and 1000", "start", (-1.2, 1.0)),
    ({"noise": "-1"}, "between 0 and 100", "noise", 0.0),
    ({"metric": "speed"}, "`metric=speed` ignored", "metric", "final_loss"),
    ({"tol": "0"}, "`tol=0` ignored", "tol", 1e-3),
    ({"opt": "adamw:lr=1"}, "unknown optimizer 'adamw'", "lanes", (parse_lane("sgd"),)),
    ({"o": "<img src=x onerror=alert(1)>"}, "unknown optimizer", "lanes", (parse_lane("sgd"),)),
    ({"x": "lr:1:0.1:log:10"}, "minimum must be below the maximum", "x", parse_axis("lr:1e-4:1:log:41")),
    ({"x": "lr:0:1:log:10"}, "log spacing needs positive values", "x", parse_axis("lr:1e-4:1:log:41")),
    ({"x": "lr:1e-4:1:log:0"}, "a whole number >= 1, got 0", "x", parse_axis("lr:1e-4:1:log:41")),
    ({"x": "lr:1e-4:1"}, "must read argument:min:max:log|lin:count", "x", parse_axis("lr:1e-4:1:log:41")),
    ({"x": "gamma:0:1:lin:5"}, "'gamma' is an lr schedule argument", "x", parse_axis("lr:1e-4:1:log:41")),
    ({"x": "speed:0:1:lin:5"}, "'speed' cannot be swept", "x", parse_axis("lr:1e-4:1:log:41")),
    (
        {"o": "sgd:schedule=step,every=10", "x": "drop:0.1:1:lin:4", "y": "warmup:0:9:lin:4"},
        "has no argument 'warmup'; it can sweep every, drop",
        "y",
        None,
    ),
    (
        {"o": "sgd:schedule=cosine,total=100", "x": "warmup:0:90:lin:4", "y": "total:50:200:lin:4"},
        "refuses the cell warmup=90, total=50",
        "y",
        None,
    ),
    ({"x": "lr:1e-4:1:log:500"}, "500 values is over the limit of 200; capped to 200", "x", LR_200),
    (
        {"task": "network", "x": "lr:1e-3:1:log:20"},
        "20 values is over the limit of 12",
        "x",
        parse_axis("lr:1e-3:1:log:12"),
    ),
    ({"o": "adam", "y": "momentum:0:0.9:lin:5"}, "Adam has no argument 'momentum'", "y", None),
    ({"x": "momentum:0:0.9:lin:5", "y": "momentum:0:0.5:lin:3"}, "different arguments", "y", None),
    ({"mode": "tune", "x": "momentum:0:0.9:lin:5"}, "the fair comparison sweeps lr", "x", TUNE_X),
    ({"surface": "nope"}, "`surface=nope` ignored", "surface", SurfaceSpec()),
    ({"surface": "custom", "f": "x+"}, "URL parameter `f` ignored", "surface", make_spec("custom")),
    ({"surface": "custom", "f": "__import__('os')"}, "unknown function '__import__'", "surface", make_spec("custom")),
    ({"surface": "rotated_quadratic", "condition": "0.5"}, "`condition=0.5` ignored", "surface", QUADRATIC),
    ({"task": "network", "dataset": "mnist"}, "`dataset=mnist` ignored", "dataset", "moons"),
    ({"task": "network", "hidden": "8,16"}, "`hidden=8,16` ignored: expected 1 to 3 equal widths", "hidden", (16, 16)),
    ({"task": "network", "hidden": "128"}, "`hidden=128` ignored", "hidden", (16, 16)),
    ({"task": "network", "batch": "4096"}, "`batch=4096` ignored", "batch", 32),
    ({"task": "network", "metric": "final_loss"}, "a network sweep scores train_loss", "metric", "train_loss"),
]


@pytest.mark.parametrize(("query", "words", "name", "used"), SWEEP_TAMPERED)
def test_sweep_tampered_values_fall_back_with_a_note(query: dict, words: str, name: str, used) -> None:
    state, notes = SweepState.from_query(query)
    assert getattr(state, name) == used
    assert words in notes[0], notes
    assert len(notes) == 1 or notes[1].startswith("No usable"), notes  # a refused lane list says so after its reason


def test_the_sweep_editors_start_from_the_link_within_the_grid_limit() -> None:
    tune, _ = SweepState.from_query(params_of(SWEEP_URLS[6]))
    axes = tune.editor_axes()
    assert axes["lr"] == parse_axis("lr:1e-4:1:log:15") and axes["x"] == parse_axis("lr:1e-4:1:log:41")
    values = tune.editor_widget_values()
    assert values["optimizers"] == ["sgd", "adam"] and values["fixed.sgd"] == "momentum=0.9"
    assert (values["lr.lr.min"], values["lr.lr.count"]) == (1e-4, 15)
    network, _ = SweepState.from_query({"task": ["network"], "mode": ["tune"]})
    assert all(axis is None or axis.count <= 12 for axis in network.editor_axes().values())
    one_axis, _ = SweepState.from_query(params_of(SWEEP_URLS[8]))
    assert one_axis.editor_widget_values()["y.argument"] == "(none)"


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
    # issue 15: lanes with an lr schedule and a plateau rule
    _TRAIN_BASE + "&chunk=10&o=sgd:lr=0.5,momentum=0.9,schedule=step,every=5,drop=0.5"
    "&o=adam:lr=0.01,plateau=0.5,patience=3",
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
    assert words in notes[0] and f"`{key}" in notes[0], notes
    assert len(notes) == 1 or notes[1].startswith("No usable"), notes  # a refused lane list says so after its reason


def test_train_one_bad_lane_among_good_ones_is_skipped_with_a_note() -> None:
    state, notes = TrainState.from_query({"o": ["adamw", "sgd:lr=0.1"], "hidden": ["100,2"], "batch": ["0"]})
    assert state.lanes == lanes_of("sgd:lr=0.1") and state.hidden == (16, 16) and state.batch == 32
    assert len(notes) == 3 and any("adamw" in n for n in notes) and any("hidden=100,2" in n for n in notes)


# -- the codecs themselves
@pytest.mark.parametrize(
    ("codec", "raw", "value"),
    [
        (Number(1, 2000, integer=True), "300", 300),
        (Number(0, 1), " 0.5 ", 0.5),
        (Number(1e-12, 10, choices=(1e-4, 1e-2)), "0.003", 1e-4),
        (Pair(-5, 5), "-1.2, 1", (-1.2, 1.0)),
        (Pair(-100, 100, increasing=True), "-1,2", (-1.0, 2.0)),
        (Flag(), "yes", True),
        (Choice(("map", "curves")), "CURVES", "curves"),
    ],
)
def test_a_codec_reads_a_good_value(codec, raw: str, value) -> None:
    assert codec.decode([raw]) == value


@pytest.mark.parametrize(
    ("codec", "raw", "why"),
    [
        (Number(1, 2000, integer=True), "9999", "between 1 and 2000"),
        (Number(0, 1), "abc", "not a number"),
        (Number(0, 1), "inf", "not a finite number"),
        (Pair(-10, 10), "1,nan", "not a finite number"),
        (Pair(-100, 100, increasing=True), "2,-2", "smaller than the second"),
        (Pair(-100, 100), "1,2,3", "two numbers"),
        (Flag(), "2", "1 or 0"),
        (Choice(("map", "curves")), "tune", "one of map, curves"),
        (Text(max_length=5), "x" * 6, "longer than 5"),
    ],
)
def test_a_codec_refuses_a_bad_value_saying_why(codec, raw: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        codec.decode([raw])


# -- /train: your data, regression, L2 and the landscape (issue 16) ----------------------------------------------
TRAIN_DATA_URLS = [
    "/train?dataset=plane&samples=400&noise=0.2&hidden=16,16&act=tanh&batch=32",
    "/train?dataset=gauss&samples=600&noise=0&hidden=8&act=relu&batch=16&l2=0.001",
    "/train?dataset=upload&target=label&task=classification&features=a&features=b&test=0.3&seed=4&hidden=16"
    "&act=tanh&batch=32&chunk=10&o=adam&l2=0.0001",
    "/train?dataset=upload&target=price&task=regression&features=a,b&hidden=none&act=tanh&batch=32",
    "/train?dataset=moons&view=landscape&dir=pca&centre=2&res=61",
    "/train?dataset=moons&view=landscape&dir=random&centre=initial&res=41&o=adam&o=sgd",
    "/train?dataset=digits&view=landscape&dir=random&centre=6&res=101&l2=0.1",
]


@pytest.mark.parametrize("url", TRAIN_DATA_URLS)
def test_train_data_and_landscape_links_round_trip_without_notes(url: str) -> None:
    state, notes = TrainState.from_query(params_of(url))
    assert notes == []
    again, notes_again = TrainState.from_query(state.to_query())
    assert again == state and notes_again == []


def test_train_upload_link_values_are_read_and_written_only_for_an_upload() -> None:
    state, _ = TrainState.from_query(params_of(TRAIN_DATA_URLS[2]))
    assert (state.dataset, state.target, state.task, state.features, state.l2) == (
        "upload",
        "label",
        "classification",
        ("a", "b"),
        0.0001,
    )
    assert state.to_query()["features"] == ["a", "b"]
    moons = state.replace(dataset="moons")
    assert not {"target", "task", "features"} & set(moons.to_query())
    plain = TrainState(test=0.3, seed=4, hidden=(16,), lanes=lanes_of("adam"))
    assert moons.canonical().features == () and moons.structure() == plain.structure()
    column, _ = TrainState.from_query(params_of(TRAIN_DATA_URLS[3]))
    assert column.features == ("a,b",)  # one repeated key per column: a name may hold a comma


def test_train_landscape_fields_are_written_only_with_the_landscape() -> None:
    state, _ = TrainState.from_query(params_of(TRAIN_DATA_URLS[4]))
    assert (state.view, state.dir, state.centre, state.res) == ("landscape", "pca", "2", 61)
    assert not {"view", "dir", "centre", "res", "l2"} & set(TrainState().to_query())
    assert state.structure() == TrainState().structure()  # the view never restarts training


def test_train_table_and_its_columns_restart_training_l2_does_not() -> None:
    base = TrainState(dataset="upload", target="y", features=("a",), digest="1" * 64)
    assert base.replace(l2=0.01).structure() == base.structure()
    for change in (dict(digest="2" * 64), dict(target="z"), dict(task="regression"), dict(features=("a", "b"))):
        assert base.replace(**change).structure() != base.structure(), change
    assert base.replace(digest="2" * 64, target="z").structure_changes(base) == ["table", "target column"]


TRAIN_DATA_TAMPERED = [
    ("dataset", "iris", "must be one of moons", "dataset", "moons"),
    ("task", "clustering", "must be one of classification, regression", "task", "classification"),
    ("l2", "2", "between 0 and 1", "l2", 0.0),
    ("l2", "-0.1", "between 0 and 1", "l2", 0.0),
    ("view", "3d", "must be one of predictions, landscape", "view", "predictions"),
    ("dir", "hessian", "must be one of random, pca", "dir", "random"),
    ("centre", "7", "must be one of initial, 1", "centre", "initial"),
    ("res", "1000", "between 21 and 101", "res", 41),
    ("target", "x" * 300, "longer than 200 characters", "target", ""),
]


@pytest.mark.parametrize(("key", "raw", "words", "name", "used"), TRAIN_DATA_TAMPERED)
def test_train_data_tampered_values_fall_back_with_a_note(key: str, raw: str, words: str, name: str, used) -> None:
    state, notes = TrainState.from_query({key: [raw], "dataset": ["upload"], "view": ["landscape"]} | {key: [raw]})
    assert getattr(state, name) == used
    assert len(notes) == 1 and words in notes[0] and f"`{key}=" in notes[0], notes


def test_train_l2_and_resolution_snap_to_offered_values() -> None:
    state, notes = TrainState.from_query({"l2": ["0.0012"], "res": ["44"], "view": ["landscape"]})
    assert notes == [] and state.l2 == 0.001 and state.res == 41


def test_a_sweep_over_a_schedule_argument_and_scheduled_train_lanes_are_read() -> None:
    sweep, notes = SweepState.from_query(params_of(SWEEP_URLS[-2]))
    assert notes == [] and sweep.is_map
    cosine = "sgd:lr=0.002,momentum=0.9,schedule=cosine,total=300,warmup=10"
    assert sweep.lanes[0] == parse_lane(cosine, allow_plan=True)
    assert (sweep.x.argument, sweep.y.argument) == ("warmup", "lr")
    train, notes = TrainState.from_query(params_of(TRAIN_URLS[-1]))
    assert notes == [] and [lane.plan.label() for lane in train.lanes] == [
        "step schedule every=5, drop=0.5",
        "plateau ×0.5 patience=3",
    ]


def test_a_clicked_start_is_clamped_and_rounded_as_the_start_widgets_show_it():
    from optviz.state import clicked_start

    assert clicked_start((12345.6, -0.000123456), 1e4) == (1e4, -0.0001235)
    assert clicked_start((-1.23456789, 2000.0), 1e3) == (-1.235, 1e3)
