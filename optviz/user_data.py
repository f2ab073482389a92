"""A user's own table (an uploaded CSV or a pasted table) as a training ``Dataset``.

``read_table`` parses bytes or text: comma, tab, semicolon (with decimal commas) or whitespace separated, a header
row or none (columns are then named ``column 1``, ``column 2``, ...). ``table_dataset`` takes the caller's choice of
a label column (classification, 2 to 10 classes; labels may be text) or a numeric target (regression, mean squared
error on the standardised target) and numeric feature columns, standardises the features with the training
statistics and splits train/test with a seeded shuffle. Anything wrong raises ``TableError`` (a ``ValueError``)
whose message names the problem and, where there is one, the column and the limit.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .datasets import TEST_FRACTION_RANGE, Dataset, split_and_standardise

MAX_BYTES = 16 * 2**20
MAX_ROWS = 20_000
MAX_COLUMNS = 100
MIN_ROWS = 10
MAX_CLASSES = 10
TASKS = ("classification", "regression")
SEPARATORS = {",": "comma", "\t": "tab", ";": "semicolon", " ": "whitespace"}


class TableError(ValueError):
    """A table that cannot become a dataset; the message says why, for a person."""


@dataclass(frozen=True, eq=False)
class Table:
    """A parsed table: the frame, where it came from and how it was read.

    ``digest`` (sha256 of the text) identifies the content, e.g. to cache on or to tell whether a shared link
    needs a file the visitor does not have.
    """

    frame: pd.DataFrame
    source: str
    digest: str
    separator: str

    @property
    def columns(self) -> list[str]:
        return [str(c) for c in self.frame.columns]

    @property
    def numeric_columns(self) -> list[str]:
        """Columns whose values are all numbers (missing values allowed here; checked once chosen)."""
        return [str(c) for c in self.frame.columns if pd.api.types.is_numeric_dtype(self.frame[c])]

    @property
    def label_columns(self) -> list[str]:
        """Columns that could be a classification label: 2 to 10 distinct values."""
        return [str(c) for c in self.frame.columns if 2 <= self.frame[c].nunique() <= MAX_CLASSES]

    def summary(self) -> pd.DataFrame:
        """One row per column: name, numeric or text, distinct values, missing values (for a column picker)."""
        return pd.DataFrame(
            {
                "column": self.columns,
                "kind": ["numeric" if c in self.numeric_columns else "text" for c in self.columns],
                "distinct": [int(self.frame[c].nunique()) for c in self.frame.columns],
                "missing": [int(self.frame[c].isna().sum()) for c in self.frame.columns],
            }
        )


@dataclass(frozen=True)
class TableSpec:
    """What turns a table into a dataset; the ``spec`` of a ``Dataset`` made by ``table_dataset``."""

    source: str
    digest: str
    target: str
    task: str
    features: tuple[str, ...]
    test_fraction: float
    seed: int


def read_table(data: bytes | str, source: str = "table") -> Table:
    """Parse an uploaded CSV (``bytes``) or a pasted table (``str``); raises ``TableError`` if it cannot."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise TableError(f"the file is {len(data) / 2**20:.1f} MB; the limit is {MAX_BYTES // 2**20} MB")
        text = _decode(data)
    else:
        text = data
    text = text.strip("\ufeff").strip()
    if not text:
        raise TableError("the table is empty")
    lines = text.splitlines()
    separator = _separator(lines[:50])
    options = {"sep": r"\s+" if separator == " " else separator, "skipinitialspace": True}
    if separator == ";":
        options["decimal"] = ","  # semicolon-separated tables come from locales with decimal commas
    try:
        frame = pd.read_csv(io.StringIO(text), nrows=MAX_ROWS + 1, **options)
        if len(frame.columns) and all(_is_number(name) for name in frame.columns):  # no header row
            frame = pd.read_csv(io.StringIO(text), nrows=MAX_ROWS + 1, header=None, **options)
            frame.columns = [f"column {i + 1}" for i in range(len(frame.columns))]
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, csv.Error) as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise TableError(f"could not read the table as {SEPARATORS[separator]}-separated values: {reason}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise TableError("the table has a header but no data rows")
    if len(frame) > MAX_ROWS:
        raise TableError(f"the table has more than {MAX_ROWS:,} rows; the limit is {MAX_ROWS:,}")
    if len(frame.columns) > MAX_COLUMNS:
        raise TableError(f"the table has {len(frame.columns)} columns; the limit is {MAX_COLUMNS}")
    if len(frame.columns) < 2:
        raise TableError("the table has a single column: it needs feature columns and a label or target column")
    if not any(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        raise TableError("no numeric columns: the features must be numbers")
    digest = hashlib.sha256(text.encode()).hexdigest()
    return Table(frame, source, digest, separator)


def table_dataset(
    table: Table,
    target: str,
    task: str = "classification",
    features: Sequence[str] | None = None,
    test_fraction: float = 0.25,
    seed: int = 0,
) -> Dataset:
    """The dataset for a ``target`` column and numeric ``features`` (default: every other numeric column).

    Classification labels become classes ``0..C-1`` in sorted order (their values are ``Dataset.labels``);
    a regression target and the features are standardised with the training split's statistics.
    """
    frame = table.frame
    if task not in TASKS:
        raise TableError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    if target not in table.columns:
        raise TableError(f"no column {target!r}; the columns are {_listing(table.columns)}")
    if features is None:
        features = [c for c in table.numeric_columns if c != target]
    features = list(dict.fromkeys(features))
    for name in features:
        if name not in table.columns:
            raise TableError(f"no column {name!r}; the columns are {_listing(table.columns)}")
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise TableError(f"feature column {name!r} is not numeric (e.g. {_example_text(frame[name])!r})")
    if target in features:
        raise TableError(f"column {target!r} cannot be both the {_target_word(task)} and a feature")
    if not features:
        raise TableError(f"no feature columns: choose at least one numeric column besides {target!r}")
    if not TEST_FRACTION_RANGE[0] <= test_fraction <= TEST_FRACTION_RANGE[1]:
        low, high = TEST_FRACTION_RANGE
        raise TableError(f"test fraction must be in [{low:g}, {high:g}], got {test_fraction:g}")
    if len(frame) < MIN_ROWS:
        raise TableError(f"the table has {len(frame)} rows; at least {MIN_ROWS} are needed for a train/test split")
    for name in [*features, target]:
        _check_complete(frame[name], name)
    x = frame[features].to_numpy(dtype=np.float64)
    spec = TableSpec(table.source, table.digest, target, task, tuple(features), float(test_fraction), int(seed))
    order = np.random.default_rng(seed).permutation(len(frame))
    column = frame[target]
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(column):
            raise TableError(
                f"target column {target!r} is not numeric (e.g. {_example_text(column)!r}): regression needs "
                "numbers; choose classification for a label"
            )
        y = column.to_numpy(dtype=np.float64)
        if np.ptp(y) == 0:
            raise TableError(f"target column {target!r} is constant ({y[0]:g}): there is nothing to learn")
        return split_and_standardise(spec, x, y, order, test_fraction, 0, "regression", feature_names=tuple(features))
    values = np.unique(column.to_numpy())
    if len(values) < 2:
        raise TableError(f"label column {target!r} has a single class ({values[0]!r}): classification needs 2 to 10")
    if len(values) > MAX_CLASSES:
        advice = "; choose regression for a numeric target" if pd.api.types.is_numeric_dtype(column) else ""
        raise TableError(f"label column {target!r} has {len(values)} classes; the limit is {MAX_CLASSES}{advice}")
    y = np.searchsorted(values, column.to_numpy())
    labels = tuple(f"{v:g}" if isinstance(v, float) else str(v) for v in values.tolist())
    return split_and_standardise(
        spec, x, y, order, test_fraction, len(values), "classification", feature_names=tuple(features), labels=labels
    )


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in data[:4096]:
            raise TableError("the file is not text (binary data, e.g. a spreadsheet): save it as CSV") from None
        return data.decode("latin-1")


def _separator(lines: list[str]) -> str:
    """The separator of the first lines: csv.Sniffer limited to comma, tab and semicolon, then whitespace."""
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        pass
    for candidate in ("\t", ";", ","):  # the same count on every line
        counts = {line.count(candidate) for line in lines if line.strip()}
        if len(counts) == 1 and counts.pop() > 0:
            return candidate
    return " " if all(len(line.split()) > 1 for line in lines if line.strip()) else ","


def _is_number(name: object) -> bool:
    try:
        float(str(name).replace(",", "."))
    except ValueError:
        return False
    return True


def _check_complete(column: pd.Series, name: str) -> None:
    missing = column.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(column):
        missing = missing | ~np.isfinite(column.to_numpy(dtype=np.float64))
    if missing.any():
        rows = np.flatnonzero(missing) + 1
        shown = ", ".join(map(str, rows[:5])) + (", ..." if len(rows) > 5 else "")
        raise TableError(
            f"column {name!r} has {len(rows)} missing or non-finite values (data rows {shown}): fill or drop them"
        )


def _example_text(column: pd.Series) -> str:
    """A value of ``column`` that is not a number, to show in a message."""
    for value in column.dropna().tolist():
        if not _is_number(value):
            return str(value)[:30]
    return str(column.iloc[0])[:30]


def _target_word(task: str) -> str:
    return "target" if task == "regression" else "label"


def _listing(names: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(n) for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")
