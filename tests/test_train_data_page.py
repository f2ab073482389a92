"""AppTest of issue 16 on the real /train page: an uploaded CSV trains and exports Keras code with L2, a bad CSV
gets a message naming the problem, a link that needed an uploaded file says so, the regression datasets show MSE and
R² (no confusion matrices, no accuracy), the landscape view draws the grid and one path per lane from the initial
weights, and every new setting reaches the URL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from .apptest_helpers import decode, plotly_figures, run_page
from .conftest import ROOT
from .test_train_components import csv_text

PAGE = ROOT / "pages" / "train.py"
LANES = ["adam:lr=0.01", "sgd:lr=0.1,momentum=0.9", "rmsprop"]


def page(**query) -> AppTest:
    return run_page(PAGE, {"hidden": "8", "o": LANES, **query})


def press(at: AppTest, label: str, times: int = 1) -> AppTest:
    for _ in range(times):
        at.button(key=f"train.{label}").click().run()
    return at


def test_an_uploaded_csv_trains_and_its_keras_code_has_the_l2_penalty():
    at = page(dataset="upload", l2="0.001")
    assert not at.exception and not at.get("plotly_chart")
    assert any("Upload a CSV file or paste a table" in i.value for i in at.info)
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["lane", "status", "train loss", "test loss", "train accuracy", "test accuracy"]
    confusion = plotly_figures(at)[1]
    assert [trace["x"] for trace in confusion["data"]] == [["no", "yes"]] * 3  # the table's label values
    before = frame["train loss"].to_numpy()
    press(at, "step", 3)
    assert (at.dataframe[0].value["train loss"].to_numpy() < before).all()
    session = at.session_state["train.session"]
    assert session.step == 30 and session.l2 == 0.001 and session.dataset.feature_names == ("a", "b", "c", "price")
    code = at.code[0].value
    penalty = "kernel_regularizer=keras.regularizers.l2(0.001)"
    assert f"keras.layers.Dense(8, activation='tanh', input_shape=(4,), {penalty})" in code
    assert f"keras.layers.Dense(2, activation='softmax', {penalty})" in code
    query = {key: at.query_params[key] for key in ("dataset", "target", "task", "features", "l2")}
    assert query == dict(
        dataset="upload", target="label", task="classification", features=["a", "b", "c", "price"], l2="0.001"
    )


def test_changing_the_target_after_a_step_asks_before_restarting():
    at = page(dataset="upload")
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    press(at, "step")
    at.selectbox(key="train.target").set_value("price").run()
    assert any("Changing the target column, task, feature columns restarts" in w.value for w in at.warning)
    press(at, "restart")
    session = at.session_state["train.session"]
    assert session.step == 0 and session.network.is_regression and at.query_params["task"] == "regression"
    assert list(at.dataframe[0].value.columns)[2:] == ["train MSE", "test MSE", "train R²", "test R²"]
    assert len(plotly_figures(at)) == 1  # the curves: 3 inputs, no map, no confusion matrix
    assert any("A regression on 3 inputs has no map to draw" in c.value for c in at.caption)


def test_a_bad_csv_gets_a_message_naming_the_problem():
    at = page(dataset="upload")
    rows = "a,b,label\n" + "1,,p\n2,3,q\n" * 6
    at.file_uploader(key="train.file").set_value(("holes.csv", rows.encode(), "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Cannot train on holes.csv: column 'b' has 6 missing or non-finite values (data rows 1, 3, 5, 7, 9, ...): "
        "fill or drop them."
    ]


def test_a_link_that_used_an_uploaded_file_asks_for_it_and_keeps_its_settings():
    at = page(dataset="upload", target="price", task="regression", features=["a", "c"], l2="0.01")
    assert not at.exception and not at.warning
    assert any("This link used an uploaded file" in i.value for i in at.info)
    assert at.query_params["target"] == "price"  # the link is left as it was until the file is back
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    session = at.session_state["train.session"]
    assert session.network.is_regression and session.dataset.feature_names == ("a", "c") and session.l2 == 0.01


@pytest.mark.parametrize("name", ["plane", "gauss"])
def test_regression_datasets_show_mse_and_r2_and_no_confusion_matrices(name):
    at = press(page(dataset=name), "step", 3)
    assert not at.exception and not at.error
    frame = at.dataframe[0].value
    assert list(frame.columns)[2:] == ["train MSE", "test MSE", "train R²", "test R²"]
    assert (frame["train R²"] > -1).all() and np.isfinite(frame["test MSE"]).all()
    curves = plotly_figures(at)[0]
    assert "R²" in json.dumps(curves["layout"], ensure_ascii=False) and "Mean squared error" in json.dumps(curves)
    assert not [f for f in plotly_figures(at)[1:] if any(t["type"] == "heatmap" for t in f["data"])]
    maps = [m.value for m in at.markdown if "<img" in m.value]
    assert len(maps) == 1 and maps[0].count("<img") == 3  # a prediction map per lane
    assert any("Prediction maps" in c.value for c in at.caption)
    csv = at.get("download_button")[0].proto
    assert csv.label == "Download the curves (CSV)"
    assert at.radio(key="train.view").options == ["Prediction maps", "Loss landscape"]


def test_the_landscape_view_draws_the_grid_and_every_lanes_path_from_the_initial_weights():
    at = press(page(dataset="moons", view="landscape"), "step", 2)
    assert not at.exception
    figures = plotly_figures(at)
    assert len(figures) == 2  # the curves and the landscape (no decision maps)
    assert not [m for m in at.markdown if "<img" in m.value]
    landscape = figures[1]
    assert decode(landscape["data"][0]["z"]).shape == (41, 41)
    paths = [t for t in landscape["data"] if t.get("mode") == "lines+markers"]
    assert [p["name"].split(" (")[0] for p in paths] == [
        "1. Adam lr=0.01",
        "2. SGD lr=0.1, momentum=0.9",
        "3. RMSprop lr=0.001",
    ]
    for path in paths:
        assert len(decode(path["x"])) == 3 and (decode(path["x"])[0], decode(path["y"])[0]) == (0.0, 0.0)
    assert any("what" in c.value or "off the slice" in c.value for c in at.caption)
    query = {key: at.query_params[key] for key in ("view", "dir", "centre", "res")}
    assert query == dict(view="landscape", dir="random", centre="initial", res="41")


def test_landscape_settings_from_a_link_and_back_to_the_predictions():
    at = press(page(dataset="moons", view="landscape", dir="pca", centre="3", res="21"), "step", 2)
    landscape = plotly_figures(at)[1]
    assert decode(landscape["data"][0]["z"]).shape == (21, 21)
    assert landscape["layout"]["xaxis"]["title"]["text"].startswith("PC1")
    at.radio(key="train.view").set_value("predictions").run()
    assert not at.exception and len(plotly_figures(at)) == 1
    assert "view" not in at.query_params and "dir" not in at.query_params
    at.radio(key="train.view").set_value("landscape").run()  # the controls were dropped meanwhile: defaults again
    assert not at.exception and len(plotly_figures(at)) == 2


def test_an_uploaded_table_stays_while_the_person_visits_home_and_can_be_forgotten():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for name, value in {"dataset": "upload", "hidden": "8", "o": LANES}.items():
        at.query_params[name] = value
    at.switch_page("pages/train.py").run()
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    at.selectbox(key="train.target").set_value("price").run()
    press(at, "step", 2)
    at.radio(key="train.view").set_value("landscape").run()
    at.selectbox(key="train.dir").set_value("pca").run()
    session = at.session_state["train.session"]
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/train.py").run()
    assert not at.exception and at.session_state["train.session"] is session and session.step == 20
    assert at.selectbox(key="train.target").value == "price" and at.radio(key="train.task").value == "regression"
    assert any("Using mine.csv, uploaded earlier." in c.value for c in at.caption)
    assert at.radio(key="train.view").value == "landscape" and at.selectbox(key="train.dir").value == "pca"
    at.button(key="train.forget").click().run()  # the current run goes on until the person restarts it
    assert any("Changing the table" in w.value and "restarts training" in w.value for w in at.warning)
    press(at, "restart")
    assert not at.exception and any("Upload a CSV file or paste a table" in i.value for i in at.info)
    assert "train.session" not in at.session_state


def test_keeping_the_current_run_after_a_new_file_puts_the_old_table_back():
    at = page(dataset="upload")
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    press(at, "step")
    session = at.session_state["train.session"]
    at.file_uploader(key="train.file").set_value(("other.csv", csv_text(60, 3).encode(), "text/csv")).run()
    assert any("Changing the table restarts training" in w.value for w in at.warning)
    press(at, "keep")
    assert not at.warning and at.session_state["train.session"] is session and session.step == 10
    assert any("mine.csv: 80 rows" in c.value for c in at.caption)
