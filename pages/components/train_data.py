"""The data-source widgets of live training: the built-in datasets (classification and the regression ``plane`` and
``gauss``) or "Your data" (an uploaded CSV or a pasted table, a target column, the task and the feature columns),
and the L2 regularisation strength.

Widget keys are ``prefix`` + ``dataset``, ``file`` (the uploader: never set it through ``st.session_state``),
``paste``, ``target``, ``task``, ``features``, ``l2``; a page's state seeds them from the URL, which keeps
everything but the file (``dataset=upload&target=label&task=classification&features=x1&features=x2&l2=0.001``).
The table's bytes are kept in the session under ``prefix + "table"`` (not a widget), so the data stays while the
person visits other pages. Tables are read with :func:`optviz.user_data.read_table` and turned into a dataset with
:func:`optviz.user_data.table_dataset`, both cached by the content's digest; a table that cannot be used is
answered with the :class:`~optviz.user_data.TableError` message, never a traceback.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import streamlit as st

from optviz.datasets import ALL_DATASETS, REGRESSION_DATASETS, Dataset
from optviz.page_states.train import L2_CHOICES, UPLOAD
from optviz.user_data import MAX_BYTES, MAX_CLASSES, MAX_COLUMNS, MAX_ROWS, TASKS, Table, TableError, read_table
from optviz.user_data import table_dataset as make_table_dataset
from pages.components.page_state import settle_widget

#: Every data source the page offers: built-in datasets, then the person's own table.
DATA_SOURCES = {**ALL_DATASETS, UPLOAD: "Your data (CSV or pasted table)"}
TASK_WORDS = {"classification": "classification (a label column)", "regression": "regression (a numeric target)"}
EXAMPLE = "x1,x2,label\n0.1,1.2,a\n0.4,0.9,b\n..."


@dataclass(frozen=True)
class TableChoice:
    """What the "Your data" widgets chose: the dataset (None while there is no usable table), the target column,
    the task, the feature columns and the table's digest ("" without a table)."""

    dataset: Dataset | None
    target: str
    task: str
    features: tuple[str, ...]
    digest: str = ""


def dataset_label(name: str) -> str:
    """The select box's text for a data source."""
    return DATA_SOURCES.get(name, name)


def is_regression_source(name: str) -> bool:
    """Whether a built-in data source is a regression dataset."""
    return name in REGRESSION_DATASETS


# -- caches ------------------------------------------------------------------------------------------------------
@st.cache_data(max_entries=4, show_spinner=False)
def cached_table(digest: str, _data: bytes | str, source: str) -> Table:
    """The parsed table of ``_data`` (cached on its ``digest``); raises ``TableError``."""
    return read_table(_data, source)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_dataset(
    digest: str, _table: Table, target: str, task: str, features: tuple[str, ...], test: float, seed: int
) -> Dataset:
    """The dataset of a table (cached on its digest and the choices); raises ``TableError``."""
    return make_table_dataset(_table, target, task, list(features), test, seed)


def content_digest(data: bytes | str) -> str:
    """sha256 of the raw content (a cache key)."""
    return hashlib.sha256(data if isinstance(data, bytes) else data.encode()).hexdigest()


# -- the table's content -----------------------------------------------------------------------------------------
def _remember_file(prefix: str) -> None:
    """Uploader callback: keep the new file's bytes in the session (or forget them when it was removed)."""
    uploaded = st.session_state.get(prefix + "file")
    if uploaded is None:
        st.session_state.pop(prefix + "table", None)
    else:
        st.session_state[prefix + "table"] = (uploaded.name, uploaded.getvalue())


def _forget_table(prefix: str) -> None:
    st.session_state.pop(prefix + "table", None)


def _content(prefix: str) -> tuple[str, bytes | str] | None:
    """The table to use: the uploaded file (kept in the session), else the pasted text, else None."""
    kept = st.session_state.get(prefix + "table")
    if kept is not None:
        return kept
    pasted = st.session_state.get(prefix + "paste", "")
    return ("the pasted table", pasted) if pasted and pasted.strip() else None


def table_snapshot(prefix: str) -> tuple:
    """What the table widgets hold now (the kept file and the pasted text), for :func:`restore_table`."""
    return st.session_state.get(prefix + "table"), st.session_state.get(prefix + "paste", "")


def restore_table(prefix: str, snapshot: tuple) -> None:
    """Put back a :func:`table_snapshot` (from a callback: e.g. to keep the table a running training uses)."""
    kept, pasted = snapshot
    if kept is None:
        st.session_state.pop(prefix + "table", None)
    else:
        st.session_state[prefix + "table"] = kept
    st.session_state[prefix + "paste"] = pasted


def suggested_task(table: Table, target: str) -> str:
    """Classification for a column with 2 to 10 distinct values or text, regression for another numeric column."""
    if target in table.label_columns or target not in table.numeric_columns:
        return "classification"
    return "regression"


def default_target(table: Table) -> str:
    """The last column (where tables usually keep what is to be predicted)."""
    return table.columns[-1]


def _target_changed(prefix: str, tasks: dict[str, str], numeric: list[str]) -> None:
    """Target callback: the task it suggests, and every other numeric column as a feature."""
    target = st.session_state[prefix + "target"]
    st.session_state[prefix + "task"] = tasks.get(target, "classification")
    st.session_state[prefix + "features"] = [name for name in numeric if name != target]


# -- widgets -----------------------------------------------------------------------------------------------------
def table_widgets(prefix: str, test_fraction: float, seed: int) -> TableChoice:
    """The "Your data" widgets (call them where the page's data widgets are, e.g. in the sidebar): the uploader,
    the paste box, the target, task and feature choices. Shows what is wrong with a table as an error."""
    target = str(st.session_state.get(prefix + "target") or "")
    task = st.session_state.get(prefix + "task") if st.session_state.get(prefix + "task") in TASKS else TASKS[0]
    features = tuple(st.session_state.get(prefix + "features") or ())
    st.file_uploader(
        "CSV file",
        type=["csv", "tsv", "txt"],
        key=prefix + "file",
        on_change=_remember_file,
        args=(prefix,),
        help=f"Comma, tab, semicolon or space separated, with or without a header row; at most "
        f"{MAX_BYTES // 2**20} MB, {MAX_ROWS:,} rows and {MAX_COLUMNS} columns.",
    )
    st.text_area("…or paste a table", key=prefix + "paste", height=110, placeholder=EXAMPLE)
    content = _content(prefix)
    if content is None:
        if target:  # the link named columns of a table this visitor does not have
            st.info(
                f"This link used an uploaded file (target column `{target}`, {task}): upload it again, or paste it.",
                icon=":material/upload_file:",
            )
        else:
            st.caption(
                f"Numeric feature columns and a label column (classification, 2 to {MAX_CLASSES} classes) or a "
                "numeric target (regression). Features are standardised; the test share and seed below apply."
            )
        return TableChoice(None, target, task, features)
    source, data = content
    kept = st.session_state.get(prefix + "table") is not None
    if kept and st.session_state.get(prefix + "file") is None:  # uploaded before a visit to another page
        st.caption(f"Using {source}, uploaded earlier.")
        st.button(f"Forget {source}", key=prefix + "forget", on_click=_forget_table, args=(prefix,))
    elif kept and (st.session_state.get(prefix + "paste") or "").strip():
        st.caption(f"Using {source}: remove the file to use the pasted table.")
    digest = content_digest(data)
    try:
        table = cached_table(digest, data, source)
    except TableError as error:
        st.error(f"Cannot use {source}: {error}.", icon=":material/error:")
        return TableChoice(None, target, task, features)
    columns, numeric = table.columns, table.numeric_columns
    tasks = {name: suggested_task(table, name) for name in columns}
    if st.session_state.get(prefix + "table_of") != digest:  # a new table: keep the link's choices that fit it
        if st.session_state.get(prefix + "target") not in columns:
            st.session_state[prefix + "target"] = default_target(table)
            st.session_state[prefix + "task"] = tasks[st.session_state[prefix + "target"]]
        wanted = [name for name in st.session_state.get(prefix + "features") or () if name in numeric]
        fallback = [name for name in numeric if name != st.session_state[prefix + "target"]]
        st.session_state[prefix + "features"] = wanted or fallback
        st.session_state[prefix + "table_of"] = digest
    settle_widget(prefix + "target", columns, default_target(table))
    settle_widget(prefix + "task", list(TASKS), tasks[st.session_state[prefix + "target"]])
    target = st.selectbox(
        "Target column",
        columns,
        key=prefix + "target",
        on_change=_target_changed,
        args=(prefix, tasks, numeric),
        help="What the network learns to predict: a label (classification) or a number (regression).",
    )
    task = st.radio("Task", list(TASKS), key=prefix + "task", format_func=TASK_WORDS.get, horizontal=False)
    options = [name for name in numeric if name != target]
    kept = [name for name in st.session_state[prefix + "features"] if name in options]
    del st.session_state[prefix + "features"]  # see settle_widget
    st.session_state[prefix + "features"] = kept
    features = tuple(st.multiselect("Feature columns", options, key=prefix + "features"))
    summary = f"{source}: {len(table.frame):,} rows, {len(columns)} columns ({len(numeric)} numeric)."
    try:
        dataset = cached_dataset(digest, table, target, task, features, float(test_fraction), int(seed))
    except TableError as error:
        st.caption(summary)
        st.error(f"Cannot train on {source}: {error}.", icon=":material/error:")
        return TableChoice(None, target, task, features, digest)
    kind = f"{dataset.classes} classes" if not dataset.is_regression else "regression (standardised target, MSE)"
    st.caption(f"{summary} {len(features)} features, {kind}.")
    return TableChoice(dataset, target, task, features, digest)


def l2_widget(prefix: str) -> float:
    """The L2 strength (Keras' ``kernel_regularizer=l2(...)`` on every layer), shared by all lanes."""
    st.session_state.setdefault(prefix + "l2", 0.0)
    settle_widget(
        prefix + "l2", list(L2_CHOICES), min(L2_CHOICES, key=lambda c: abs(c - st.session_state[prefix + "l2"]))
    )
    return float(
        st.select_slider(
            "L2 regularisation",
            L2_CHOICES,
            key=prefix + "l2",
            format_func=lambda value: f"{value:g}",
            help="Keras' kernel_regularizer=keras.regularizers.l2(λ) on every layer: λ·Σw² of the kernels (not "
            "the biases) is added to the loss. Shared by all lanes; changing it does not restart training.",
        )
    )
