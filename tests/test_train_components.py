"""AppTest of the /train components on a small page: a CSV round trip (upload -> training -> Keras code with L2),
a pasted table, bad tables answered with a message naming the problem, a link that needed an uploaded file, the
regression datasets (R²), and the landscape view (the grid, one path per lane from the centre)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from .apptest_helpers import decode, plotly_figures
from .conftest import ROOT

PAGE = ROOT / "tests" / "pages" / "train_components.py"


def page(**state) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    for key, value in state.items():
        at.session_state["t." + key] = value
    return at.run()


def csv_text(rows: int = 60, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 3))
    label = np.where(x[:, 0] + x[:, 1] > 0, "yes", "no")
    price = 3 * x[:, 0] - x[:, 2] + 0.1 * rng.normal(size=rows)
    lines = ["a,b,c,price,label"] + [
        f"{p:.4f},{q:.4f},{r:.4f},{v:.4f},{lab}" for (p, q, r), v, lab in zip(x, price, label, strict=True)
    ]
    return "\n".join(lines) + "\n"


def step(at: AppTest, times: int = 1) -> AppTest:
    for _ in range(times):
        at.button(key="t.step").click().run()
    return at


def uploaded(text: str, name: str = "mine.csv") -> AppTest:
    at = page(dataset="upload")
    at.file_uploader(key="t.file").set_value((name, text.encode(), "text/csv")).run()
    return at


def test_an_uploaded_csv_trains_and_exports_keras_code_with_l2():
    at = uploaded(csv_text())
    assert not at.exception and not at.error
    assert at.selectbox(key="t.target").value == "label"  # the last column
    assert at.radio(key="t.task").value == "classification"
    assert at.multiselect(key="t.features").value == ["a", "b", "c", "price"]
    assert any("mine.csv: 60 rows, 5 columns (4 numeric)" in c.value and "2 classes" in c.value for c in at.caption)
    at.select_slider(key="t.l2").set_value(0.001).run()
    before = at.dataframe[0].value["train_loss"].to_numpy()
    step(at, 3)
    assert "**Step 60** · classification" in [m.value for m in at.markdown]
    assert (at.dataframe[0].value["train_loss"].to_numpy() < before).all()
    code = at.code[0].value
    assert "input_shape=(4,)" in code and "kernel_regularizer=keras.regularizers.l2(0.001)" in code
    assert "Dense(2, activation='softmax'" in code


def test_choosing_a_numeric_target_switches_to_regression_and_r2():
    at = uploaded(csv_text())
    at.selectbox(key="t.target").set_value("price").run()
    assert at.radio(key="t.task").value == "regression"
    assert at.multiselect(key="t.features").value == ["a", "b", "c"]
    step(at)
    assert list(at.dataframe[0].value.columns) == ["train_loss", "train_r2", "test_loss", "test_r2"]
    assert "Dense(1, activation='linear'" in at.code[0].value and "loss='mean_squared_error'" in at.code[0].value


def test_a_pasted_table_is_used_and_an_uploaded_file_comes_first():
    at = page(dataset="upload", paste=csv_text(40).replace(",", "\t"))
    assert not at.error and any("the pasted table: 40 rows" in c.value for c in at.caption)
    at.file_uploader(key="t.file").set_value(("other.csv", csv_text(30, 1).encode(), "text/csv")).run()
    assert any("other.csv: 30 rows" in c.value for c in at.caption)
    assert any("remove the file to use the pasted table" in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("a,b\n1,2\n3,x\n", "the table has 2 rows; at least 10 are needed"),
        ("name,colour\nx,red\ny,blue\n", "no numeric columns"),
        ("a,b,label\n" + "1,2,same\n" * 12, "has a single class ('same')"),
        ("a,b,label\n" + "1,,p\n2,3,q\n" * 6, "column 'b' has 6 missing or non-finite values"),
        ("a,b,label\n" + "".join(f"{i},{i % 7},{i}\n" for i in range(30)), "has 30 classes; the limit is 10"),
    ],
)
def test_a_bad_table_gets_a_message_naming_the_problem(content, words):
    at = uploaded(content)
    if "classes" in words:  # a numeric target with many values is offered as regression: ask for classes
        at.radio(key="t.task").set_value("classification").run()
    assert not at.exception
    assert any(words in e.value for e in at.error), [e.value for e in at.error]


def test_a_binary_file_is_refused_in_words():
    at = page(dataset="upload")
    at.file_uploader(key="t.file").set_value(("book.csv", b"PK\x03\x04\x00\x00\xff\xfe" * 50, "text/csv")).run()
    assert not at.exception and any("not text" in e.value and "save it as CSV" in e.value for e in at.error)


def test_a_link_that_used_an_uploaded_file_says_so_and_keeps_its_columns():
    at = page(dataset="upload", target="price", task="regression", features=["a", "c"])
    assert not at.exception
    assert any("This link used an uploaded file" in i.value and "`price`" in i.value for i in at.info)
    at.file_uploader(key="t.file").set_value(("mine.csv", csv_text().encode(), "text/csv")).run()
    assert at.selectbox(key="t.target").value == "price" and at.radio(key="t.task").value == "regression"
    assert at.multiselect(key="t.features").value == ["a", "c"]
    assert not at.error and not at.info


@pytest.mark.parametrize("name", ["plane", "gauss"])
def test_regression_datasets_train_and_report_r2(name):
    at = step(page(dataset=name), 2)
    assert not at.exception and "**Step 40** · regression" in [m.value for m in at.markdown]
    frame = at.dataframe[0].value
    assert "train_r2" in frame.columns and "train_accuracy" not in frame.columns
    assert np.isfinite(frame["test_r2"].to_numpy()).all()


def landscape(at: AppTest) -> dict:
    figures = plotly_figures(at)
    assert len(figures) == 1
    return figures[0]


def test_the_landscape_view_draws_the_grid_and_one_path_per_lane_from_the_centre():
    at = step(page(dataset="moons"), 2)
    at.radio(key="t.view").set_value("landscape").run()
    assert not at.exception
    figure = landscape(at)
    contour = figure["data"][0]
    assert contour["type"] == "contour" and decode(contour["z"]).shape == (41, 41)
    paths = [t for t in figure["data"] if t.get("mode") == "lines+markers"]
    assert len(paths) == 3
    for path in paths:
        x, y = decode(path["x"]), decode(path["y"])
        assert len(x) == 3 and (x[0], y[0]) == (0.0, 0.0)  # every lane starts at the shared initial weights
    caption = " ".join(c.value for c in at.caption)
    assert "filter-normalised random directions" in caption and "keeps" in caption and "off the slice" in caption
    assert "choose PCA directions" in caption  # a few percent of each path lie on a random slice


def test_landscape_controls_pca_lane_centre_and_a_coarser_grid():
    at = step(page(dataset="moons", view="landscape", dir="pca", centre="2", res=21), 2)
    figure = landscape(at)
    assert decode(figure["data"][0]["z"]).shape == (21, 21)
    assert figure["layout"]["xaxis"]["title"]["text"].startswith("PC1")
    paths = [t for t in figure["data"] if t.get("mode") == "lines+markers"]
    assert (decode(paths[1]["x"])[-1], decode(paths[1]["y"])[-1]) == pytest.approx((0.0, 0.0), abs=1e-9)
    caption = " ".join(c.value for c in at.caption)
    assert "lane 2's weights at step 40" in caption and "choose PCA directions" not in caption


def test_pca_before_training_says_why_there_is_no_landscape():
    at = page(dataset="moons", view="landscape", dir="pca")
    assert not at.exception and not plotly_figures(at)
    assert any("No landscape yet" in i.value and "train" in i.value for i in at.info)


def test_a_centre_beyond_the_lanes_falls_back_to_the_initial_weights():
    at = page(dataset="moons", view="landscape", centre="9")
    assert at.selectbox(key="t.centre").value == "initial" and len(plotly_figures(at)) == 1


def test_a_first_table_after_built_in_data_gets_every_numeric_feature():
    # a page seeds the widgets from a link without a table: empty target and features
    at = page(dataset="upload", target="", task="classification", features=[])
    at.file_uploader(key="t.file").set_value(("mine.csv", csv_text().encode(), "text/csv")).run()
    assert at.selectbox(key="t.target").value == "label"
    assert at.multiselect(key="t.features").value == ["a", "b", "c", "price"]
