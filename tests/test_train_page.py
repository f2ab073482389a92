"""AppTest: the live-training page steps every lane on the same batches, keeps weights across hyperparameter
changes, marks a diverging lane without stopping the others, and answers bad links with notes."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz.training import DIVERGED_LOSS

from .apptest_helpers import run_page
from .conftest import ROOT
from .tolerances import assert_same_run

PAGE = ROOT / "pages" / "train.py"
MOONS = dict(dataset="moons", noise="0.2", hidden="16,16", act="tanh", batch="32", chunk="10")


def page(**query: str | list[str]) -> AppTest:
    return run_page(PAGE, query)


def step_count(at: AppTest) -> int:
    texts = [m.value for m in at.markdown if re.match(r"\*\*Step \d+\*\*", m.value)]
    assert len(texts) == 1, texts
    return int(re.match(r"\*\*Step (\d+)\*\*", texts[0]).group(1))


def table(at: AppTest):
    return at.dataframe[0].value


def press(at: AppTest, label: str, times: int = 1) -> AppTest:
    for _ in range(times):
        at.button(key=f"train.{label}").click().run()
    return at


def test_all_lanes_report_the_same_loss_before_the_first_step():
    at = page(**MOONS, o=["adam", "sgd:lr=0.1,momentum=0.9", "rmsprop", "nadam"])
    assert not at.exception and not at.warning
    assert step_count(at) == 0
    frame = table(at)
    assert list(frame["lane"]) == [
        "1. Adam lr=0.001",
        "2. SGD lr=0.1, momentum=0.9",
        "3. RMSprop lr=0.001",
        "4. Nadam lr=0.002",
    ]
    # rows of one batched forward pass: the losses agree to a few ulps, the accuracies (counts) exactly
    assert_same_run(frame["train loss"].to_numpy(), np.full(len(frame), frame["train loss"][0]))
    assert frame["test accuracy"].nunique() == 1
    assert 0.3 < frame["train loss"][0] < 1.5


def test_pressing_step_lowers_the_training_loss():
    at = page(**MOONS, o=["adam:lr=0.01", "sgd:lr=0.1,momentum=0.9"])
    before = table(at)["train loss"].to_numpy()
    press(at, "step", 6)
    assert step_count(at) == 60
    after = table(at)["train loss"].to_numpy()
    assert np.all(after < 0.8 * before)
    assert not at.exception
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len([t for t in curves["data"] if t.get("legendgroup") == "0"]) == 4  # train/test loss and accuracy


def test_a_hyperparameter_change_keeps_the_step_counter_and_weights():
    at = page(**MOONS, o=["adam", "sgd:lr=0.1"])
    press(at, "step", 2)
    weights = [w.copy() for w in at.session_state["train.session"].lane_weights()]
    losses = table(at)["train loss"].to_numpy()
    at.select_slider(key="train.lanes.0.adam.lr").set_value(0.01).run()
    assert step_count(at) == 20
    assert table(at)["lane"][0] == "1. Adam lr=0.01"
    assert np.array_equal(table(at)["train loss"].to_numpy(), losses)  # the recorded values, not recomputed
    kept = at.session_state["train.session"].lane_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, kept, strict=True))
    assert at.query_params["o"] == ["adam:lr=0.01", "sgd:lr=0.1"]
    press(at, "step")
    assert step_count(at) == 30
    assert table(at)["train loss"][0] != losses[0]


def test_a_diverging_lane_is_marked_and_does_not_stop_the_others():
    at = page(
        dataset="moons",
        samples="200",
        hidden="16,16",
        act="tanh",
        chunk="20",
        o=["sgd:lr=10,momentum=0.99", "adam:lr=0.01"],
    )
    start = table(at)["train loss"][1]
    press(at, "step", 3)
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Lane 1 (SGD lr=10, momentum=0.99) diverged at step")
    frame = table(at)
    assert frame["status"][0].startswith("DIVERGED at step") and frame["status"][1] == "ok"
    assert frame["train loss"][0] >= DIVERGED_LOSS and frame["train loss"][1] < start  # the loss it blew up to
    assert step_count(at) == 60
    maps = [m.value for m in at.markdown if "<img" in m.value]
    assert len(maps) == 1 and maps[0].count("<img") == 2 and "DIVERGED at step" in maps[0]


def test_bad_url_values_fall_back_with_a_note():
    at = page(dataset="mnist", noise="lots", hidden="100,2", act="elu", batch="0", o=["adamw", "sgd:lr=0.1"])
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    for name in ("dataset=mnist", "noise=lots", "hidden=100,2", "act=elu", "batch=0", "adamw"):
        assert name in notes, name
    assert at.selectbox(key="train.dataset").value == "moons"
    assert list(table(at)["lane"]) == ["1. SGD lr=0.1"]
    assert step_count(at) == 0


def test_digits_shows_confusion_matrices_and_reset_starts_again():
    at = page(dataset="digits", hidden="32", act="relu", batch="64", o=["adam", "sgd:lr=0.1"])
    assert not at.exception
    charts = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    heatmaps = [t for t in charts[1]["data"] if t["type"] == "heatmap"]
    assert len(heatmaps) == 2  # one confusion matrix per lane
    assert not [m for m in at.markdown if "<img" in m.value]
    press(at, "step", 2)
    assert step_count(at) == 20 and table(at)["test accuracy"].min() > 0.2  # chance is 0.1
    press(at, "reset")
    assert step_count(at) == 0
    losses = table(at)["train loss"].to_numpy()
    assert_same_run(losses, np.full(len(losses), losses[0]))  # rows of one batched forward pass: a few ulps


def test_url_and_keras_code_describe_the_setup():
    at = page(**MOONS, o=["adam", "sgd:lr=0.1,momentum=0.9"])
    assert at.query_params["hidden"] == "16,16" and at.query_params["act"] == "tanh"
    assert at.query_params["o"] == ["adam", "sgd:lr=0.1,momentum=0.9"]
    code = "\n".join(c.value for c in at.code)
    assert "keras.layers.Dense(16, activation='tanh', input_shape=(2,))" in code
    assert "optimizer=keras.optimizers.SGD(lr=0.1, momentum=0.9)," in code
    assert code.count("loss='categorical_crossentropy'") == 2


def test_native_lanes_from_the_url_train_and_get_their_frameworks_code():
    pytest.importorskip("torch")
    at = page(**MOONS, o=["sgd:lr=0.1,momentum=0.9", "torch.sgd:lr=0.1,momentum=0.9", "torch.adam:lr=0.01"])
    assert not at.exception and not at.warning
    assert list(table(at)["lane"])[1].startswith("2. torch.optim SGD")
    press(at, "step", 3)
    assert step_count(at) == 30 and not at.exception
    losses = table(at)["train loss"].to_numpy()
    assert losses[0] == pytest.approx(losses[1], abs=1e-12)  # torch's SGD rule equals Keras 2.2.4's
    assert at.query_params["o"][1] == "torch.sgd:lr=0.1,momentum=0.9"
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Runs `torch.optim.SGD(params, lr=0.1, momentum=0.9") for c in captions)  # lane editor
    codes = [c.value for c in at.code]
    assert "model.compile(" in codes[0]
    assert "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9" in codes[1] and "optimizer.step()" in codes[1]


def test_a_tf_keras_lane_shows_tf_keras_arguments_in_the_lane_editor():
    pytest.importorskip("tf_keras")
    at = page(**MOONS, o=["adam", "tf.sgd:learning_rate=0.1,momentum=0.9"])
    assert not at.exception and not at.warning
    assert list(table(at)["lane"])[1] == "2. tf.keras SGD learning_rate=0.1, momentum=0.9"
    learning_rate = at.select_slider(key="train.lanes.1.tf_keras.sgd.learning_rate")
    assert learning_rate.label == "learning_rate" and learning_rate.value == 0.1
    assert at.slider(key="train.lanes.1.tf_keras.sgd.momentum").value == 0.9
    assert not any(
        w.label in ("lr", "decay", "clipnorm (0 = off)")
        for w in [*at.select_slider, *at.number_input]
        if ".tf_keras." in w.key
    )
    captions = [c.value for c in at.caption]
    assert (
        "Runs `tf_keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)` (the framework's own names and defaults)."
        in captions
    )
    assert at.query_params["o"][1] == "tf.sgd:learning_rate=0.1,momentum=0.9"
    codes = [c.value for c in at.code]
    assert "model.compile(optimizer=tf_keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)" in codes[1]


def app_at_train(**query: str | list[str]) -> AppTest:
    """The whole app (navigation included) opened on /train with ``query``."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in query.items():
        at.query_params[name] = value
    return at.switch_page("pages/train.py").run()


def test_leaving_the_page_and_coming_back_keeps_the_settings_and_the_training():
    at = app_at_train(**MOONS, o=["adam", "sgd:lr=0.1"])
    at.slider(key="train.chunk").set_value(5).run()
    at.select_slider(key="train.lanes.0.adam.lr").set_value(0.1).run()
    press(at, "step", 3)
    session = at.session_state["train.session"]
    losses = table(at)["train loss"].to_numpy()
    assert step_count(at) == 15
    at.switch_page("pages/home.py").run()
    assert not at.exception and at.title[0].value == "optviz"
    at.switch_page("pages/train.py").run()
    assert not at.exception and not at.warning
    assert step_count(at) == 15 and at.session_state["train.session"] is session  # the same run, not a new one
    assert np.array_equal(table(at)["train loss"].to_numpy(), losses)
    assert at.slider(key="train.chunk").value == 5 and at.select_slider(key="train.lanes.0.adam.lr").value == 0.1
    assert at.query_params["chunk"] == "5" and at.query_params["o"] == ["adam:lr=0.1", "sgd:lr=0.1"]
    assert at.query_params["hidden"] == "16,16"
    press(at, "step")
    assert step_count(at) == 20


def test_a_change_that_restarts_training_asks_first():
    at = page(**MOONS, o=["adam", "sgd:lr=0.1"])
    press(at, "step", 2)
    losses = table(at)["train loss"].to_numpy()
    at.slider(key="train.test").set_value(0.3).run()  # one arrow key on the test-share slider
    questions = [w.value for w in at.warning]
    assert len(questions) == 1 and "Changing the test share restarts training from step 0" in questions[0]
    assert step_count(at) == 20 and np.array_equal(table(at)["train loss"].to_numpy(), losses)
    assert at.query_params["test"] == "0.25"  # the URL describes the run shown
    press(at, "step")  # the current run goes on meanwhile
    assert step_count(at) == 30 and len(at.warning) == 1

    press(at, "keep")  # "Keep the current run": the slider goes back, the question goes
    assert at.slider(key="train.test").value == 0.25 and not at.warning and step_count(at) == 30

    at.number_input(key="train.batch").set_value(64).run()
    at.slider(key="train.test").set_value(0.3).run()
    assert "Changing the test share, batch size restarts training" in at.warning[0].value
    press(at, "restart")
    assert not at.warning and step_count(at) == 0 and table(at)["train loss"].nunique() == 1
    assert at.query_params["test"] == "0.3" and at.query_params["batch"] == "64"
    assert "mini-batches of 64" in " ".join(c.value for c in at.caption)


def test_a_change_before_the_first_step_applies_at_once():
    at = page(**MOONS, o=["adam"])
    at.selectbox(key="train.act").set_value("relu").run()
    assert not at.warning and step_count(at) == 0 and at.query_params["act"] == "relu"
    assert "activation='relu'" in "\n".join(c.value for c in at.code)


def test_a_scheduled_lane_trains_shows_the_lr_chart_and_exports_its_callbacks():
    from optviz.datasets import DatasetSpec, make_dataset
    from optviz.lanes import parse_lane
    from optviz.mlp import Network
    from optviz.training import TrainingSession

    from .apptest_helpers import decode, plotly_figures

    lanes = ["sgd:lr=0.5,momentum=0.9,schedule=step,every=1,drop=0.5", "adam:lr=0.01"]
    at = page(**MOONS, o=lanes)
    assert not at.exception and not at.warning and not at.error
    press(at, "step", 3)  # 30 steps of 32 on 300 training samples: three epochs
    assert step_count(at) == 30 and not at.exception
    assert at.query_params["o"] == lanes
    # the page's session against the core's: the same lanes on the same data, rows of one computation
    data = make_dataset(DatasetSpec("moons", 400, 0.2, 0, 0.25))
    core = TrainingSession(data, Network(2, (16, 16), 2, "tanh"), [parse_lane(t, allow_plan=True) for t in lanes], 32)
    core.advance(10), core.advance(10), core.advance(10)
    assert_same_run(table(at)["train loss"].to_numpy(), core.latest()["train_loss"])
    charts = [f for f in plotly_figures(at) if "lr" in f["layout"]["yaxis"].get("title", {}).get("text", "")]
    assert len(charts) == 1  # the lr chart under the curves
    scheduled = charts[0]["data"][0]
    np.testing.assert_allclose(decode(scheduled["y"]), [0.5, 0.5, 0.25, 0.125])  # evaluations at 0, 10, 20, 30
    code = "\n".join(c.value for c in at.code)
    assert "keras.callbacks.LearningRateScheduler(schedule)" in code and "callbacks=callbacks" in code
    assert "def schedule(epoch, lr):" in code


def test_a_lane_retuned_mid_run_gets_a_mark_on_its_curves_and_in_the_csv():
    from optviz.training_report import history_csv

    at = page(**MOONS, o=["adam", "sgd:lr=0.1"])
    press(at, "step", 2)
    at.select_slider(key="train.lanes.0.adam.lr").set_value(0.01).run()
    press(at, "step")
    curves = json.loads(at.get("plotly_chart")[0].proto.spec)
    marks = [t for t in curves["data"] if t.get("meta") == "retune"]
    assert len(marks) == 2 and {t["x"][0] for t in marks} == {20}  # the loss and the accuracy panel
    assert "retuned at step 20: lr 0.001 → 0.01" in marks[0]["hovertemplate"]
    assert [s["x0"] for s in curves["layout"]["shapes"] if s["line"].get("dash") == "dash"] == [20, 20]
    rows = history_csv(at.session_state["train.session"]).decode().splitlines()
    marked = [row for row in rows if "lr 0.001 → 0.01" in row]
    assert len(marked) == 1 and marked[0].startswith("20,") and rows[0].endswith(",retuned")
