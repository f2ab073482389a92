"""AppTest of issue 16 on /train: an uploaded CSV trains and exports Keras code with L2, a bad CSV gets a message
naming the problem, a link that needed an uploaded file says so, regression datasets report R² (no confusion
matrices), and the landscape view draws the grid and one path per lane from the initial weights."""

from __future__ import annotations

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
    assert not at.exception and any("Upload a CSV file or paste a table" in i.value for i in at.info)
    at.file_uploader(key="train.file").set_value(("mine.csv", csv_text(80).encode(), "text/csv")).run()
    assert not at.exception and not at.error
    press(at, "step", 3)
    session = at.session_state["train.session"]
    assert session.step == 30 and session.l2 == 0.001 and session.dataset.feature_names == ("a", "b", "c", "price")
    assert "input_shape=(4,), kernel_regularizer=keras.regularizers.l2(0.001)" in at.code[0].value
    assert at.query_params["dataset"] == "upload" and at.query_params["target"] == "label"
    assert at.query_params["features"] == ["a", "b", "c", "price"] and at.query_params["l2"] == "0.001"


def test_a_bad_csv_gets_a_message_naming_the_problem():
    at = page(dataset="upload")
    at.file_uploader(key="train.file").set_value(("few.csv", b"a,b,label\n1,2,x\n3,4,y\n", "text/csv")).run()
    assert not at.exception
    assert any("the table has 2 rows; at least 10 are needed" in e.value for e in at.error)


def test_a_link_that_used_an_uploaded_file_asks_for_it():
    at = page(dataset="upload", target="price", task="regression", features=["a", "c"])
    assert not at.exception and any("This link used an uploaded file" in i.value for i in at.info)


@pytest.mark.parametrize("name", ["plane", "gauss"])
def test_regression_datasets_report_r2_and_no_confusion_matrices(name):
    at = press(page(dataset=name), "step", 2)
    assert not at.exception
    assert list(at.dataframe[0].value.columns)[2:] == ["train loss", "train r2", "test loss", "test r2"]
    assert len(plotly_figures(at)) == 1  # the curves (R² on the right); prediction maps are pictures


def test_the_landscape_view_draws_the_grid_and_every_lanes_path_from_the_initial_weights():
    at = press(page(dataset="moons", view="landscape"), "step", 2)
    assert not at.exception
    landscape = plotly_figures(at)[1]
    assert decode(landscape["data"][0]["z"]).shape == (41, 41)
    paths = [t for t in landscape["data"] if t.get("mode") == "lines+markers"]
    assert len(paths) == 3
    for path in paths:
        assert (decode(path["x"])[0], decode(path["y"])[0]) == (0.0, 0.0)
    assert at.query_params["view"] == "landscape" and at.query_params["res"] == "41"
