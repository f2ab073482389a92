"""A user's table as a dataset: separators, headers, label and target columns, standardisation, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import mlp
from optviz.lanes import parse_lane
from optviz.training import TrainingSession, keras_script
from optviz.user_data import MAX_ROWS, TableError, read_table, table_dataset


def iris_like(rows=60, separator=",", seed=0):
    """Two numeric features, a text label of three species and a numeric target that is a linear function."""
    rng = np.random.default_rng(seed)
    species = np.array(["setosa", "versicolor", "virginica"])[np.arange(rows) % 3]
    length = rng.normal(5.0, 1.0, rows) + np.arange(rows) % 3
    width = rng.normal(3.0, 0.5, rows)
    price = 2 * length - width + 10
    lines = [separator.join(["length", "width", "species", "price"])]
    rows = zip(length, width, species, price, strict=True)
    lines += [separator.join([f"{a:.6f}", f"{b:.6f}", s, f"{c:.6f}"]) for a, b, s, c in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("separator", [",", "\t", ";"])
def test_comma_tab_and_semicolon_tables_read_the_same(separator):
    text = iris_like(separator=separator)
    if separator == ";":
        text = text.replace(".", ",")  # a semicolon table from a locale with decimal commas
    table = read_table(text.encode())
    assert table.columns == ["length", "width", "species", "price"]
    assert table.numeric_columns == ["length", "width", "price"]
    assert table.label_columns == ["species"]
    reference = read_table(iris_like())
    assert np.allclose(table.frame["length"], reference.frame["length"], rtol=1e-12)


def test_a_pasted_table_without_header_gets_column_names():
    table = read_table("1\t2\t0\n3\t4\t1\n5\t6\t0\n")
    assert table.columns == ["column 1", "column 2", "column 3"] and len(table.frame) == 3
    spaced = read_table("x y label\n1 2 a\n3 4 b\n")
    assert spaced.columns == ["x", "y", "label"] and spaced.separator == " "


def test_classification_dataset_from_a_text_label():
    table = read_table(iris_like(rows=60))
    data = table_dataset(table, "species", "classification", ["length", "width"], test_fraction=0.25, seed=3)
    assert data.task == "classification" and data.classes == 3 and data.outputs == 3
    assert data.labels == ("setosa", "versicolor", "virginica") and data.class_names == list(data.labels)
    assert data.feature_names == ("length", "width") and data.inputs == 2
    assert len(data.y_train) == 45 and len(data.y_test) == 15
    assert np.allclose(data.x_train.mean(axis=0), 0.0, atol=1e-12) and np.allclose(data.x_train.std(axis=0), 1.0)
    # every row lands in train or test with its own label: rebuild the raw rows from the standardised ones
    raw = np.concatenate([data.x_train, data.x_test]) * data.scale + data.mean
    labels = np.array(data.labels)[np.concatenate([data.y_train, data.y_test])]
    frame = table.frame.set_index(table.frame["length"].round(6))
    assert np.array_equal(frame.loc[raw[:, 0].round(6), "species"].to_numpy(), labels)
    again = table_dataset(table, "species", "classification", ["length", "width"], test_fraction=0.25, seed=3)
    other = table_dataset(table, "species", "classification", ["length", "width"], test_fraction=0.25, seed=4)
    assert np.array_equal(again.x_train, data.x_train) and not np.array_equal(other.x_train, data.x_train)


def test_regression_dataset_standardises_the_target_and_defaults_to_all_numeric_features():
    table = read_table(iris_like(rows=80))
    data = table_dataset(table, "price", "regression")
    assert data.task == "regression" and data.outputs == 1 and data.feature_names == ("length", "width")
    assert abs(data.y_train.mean()) < 1e-12 and data.y_train.std() == pytest.approx(1.0)
    raw = data.x_train * data.scale + data.mean
    assert np.allclose(data.target_in_units(data.y_train), 2 * raw[:, 0] - raw[:, 1] + 10, atol=1e-5)
    assert data.spec.target == "price" and data.spec.digest == table.digest


def test_csv_round_trip_trains_and_exports_code():
    data = table_dataset(read_table(iris_like(rows=90).encode()), "price", "regression")
    network = mlp.Network(data.inputs, (8,), data.outputs, "tanh", data.task)
    training = TrainingSession(data, network, [parse_lane("adam:lr=0.02")], l2=0.0001)
    training.advance(300)
    assert training.latest()["test_r2"][0] > 0.95  # the target is linear in the features
    assert "loss='mean_squared_error'" in keras_script(network, training.lanes[0], 32, l2=0.0001)


BAD_TABLES = [
    (b"", "the table is empty"),
    (b"   \n\n", "the table is empty"),
    (b"a,b\n", "header but no data rows"),
    (b"name,city\nann,paris\nbob,rome\n", "no numeric columns"),
    (b"only\n1\n2\n", "single column"),
    (b"\x00\x01\x02\xff\xfe" * 10, "not text"),
    (("," * (101 - 1) + "\n" + ",".join("1" * 101) + "\n").encode(), "101 columns; the limit is 100"),
    (b'x,y\n1,2\n3,4,5,6\n"unclosed,7\n', "could not read the table"),
]


@pytest.mark.parametrize(("data", "message"), BAD_TABLES)
def test_unreadable_tables_say_what_is_wrong(data, message):
    with pytest.raises(TableError, match=message):
        read_table(data)


def test_too_many_rows_names_the_limit():
    text = "x,y\n" + "1,0\n" * (MAX_ROWS + 5)
    with pytest.raises(TableError, match="more than 20,000 rows; the limit is 20,000"):
        read_table(text)
    assert len(read_table("x,y\n" + "1,0\n" * MAX_ROWS).frame) == MAX_ROWS


def test_bad_choices_say_what_is_wrong():
    table = read_table(iris_like(rows=40))
    cases = [
        (dict(target="colour"), "no column 'colour'; the columns are 'length', 'width', 'species', 'price'"),
        (dict(target="species", features=["species"]), "feature column 'species' is not numeric \\(e.g. 'setosa'\\)"),
        (dict(target="price", features=["price", "width"]), "cannot be both the label and a feature"),
        (dict(target="species", task="regression"), "target column 'species' is not numeric"),
        (dict(target="price"), "label column 'price' has 40 classes; the limit is 10; choose regression"),
        (dict(target="species", features=[]), "no feature columns"),
        (dict(target="species", task="ranking"), "unknown task 'ranking'"),
        (dict(target="species", test_fraction=0.9), r"test fraction must be in \[0.1, 0.5\]"),
    ]
    for arguments, message in cases:
        with pytest.raises(TableError, match=message):
            table_dataset(table, **arguments)


def test_missing_values_name_the_column_and_rows():
    text = "a,b,label\n" + "".join(f"{i},{'' if i in (3, 7) else i},{i % 2}\n" for i in range(20))
    table = read_table(text)
    with pytest.raises(TableError, match=r"column 'b' has 2 missing or non-finite values \(data rows 4, 8\)"):
        table_dataset(table, "label")
    assert table_dataset(table, "label", features=["a"]).inputs == 1  # an unused column may have gaps
    with pytest.raises(TableError, match="column 'a' has 1 missing"):
        table_dataset(read_table("a,label\n" + "1,0\n" * 10 + "inf,1\n"), "label")


def test_a_single_class_and_a_constant_target_are_refused():
    table = read_table("a,label,flat\n" + "".join(f"{i},yes,5\n" for i in range(12)))
    with pytest.raises(TableError, match="label column 'label' has a single class \\('yes'\\)"):
        table_dataset(table, "label")
    with pytest.raises(TableError, match="target column 'flat' is constant \\(5\\)"):
        table_dataset(table, "flat", "regression", ["a"])
    with pytest.raises(TableError, match="the table has 3 rows; at least 10"):
        table_dataset(read_table("a,label\n1,0\n2,1\n3,0\n"), "label")
    assert issubclass(TableError, ValueError)
