"""The sweep page's widgets: the task (surface or network) and its metric, an axis editor, the optimizers to
compare. Each returns what it reads; widget keys start with the page's prefix (``sweep.w.``)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import streamlit as st

from optviz.lanes import DISPLAY_NAMES, Lane, parse_lane
from optviz.page_states.sweep import (
    MAX_BATCH,
    MAX_LAYERS,
    MAX_UNITS,
    SWEEP_MAX_STEPS,
    SWEEP_START_LIMIT,
    axis_widget_values,
    default_axis,
    metric_keys,
)
from optviz.surface_spec import SurfaceSpec
from optviz.sweep import DEFAULT_TOLERANCE, METRICS, NETWORK_DATASETS, Axis, axis_problem, network_task_available
from pages.components.surface_picker import reset_start, spec_from_state, surface_picker

KEY = "sweep.w."
#: Streamlit keeps these widgets' values while they are not drawn (another mode or task) and across visits to
#: other pages; without it, a value set before a widget was first drawn (a seed) comes back after such a visit.
KEPT = "session"


def task_widgets() -> dict:
    """The sidebar's task, steps and metric: the :class:`SweepState` fields they set, plus ``formula_problem``."""
    st.subheader("Task")
    kind = "surface"
    if network_task_available():
        labels = {"surface": "a loss surface", "network": "a small network"}
        kind = st.radio(
            "Run each cell on",
            list(labels),
            key=KEY + "task",
            persist_state=KEPT,
            format_func=labels.get,
            horizontal=True,
        )
    steps = int(
        st.number_input("Steps", min_value=1, max_value=SWEEP_MAX_STEPS, key=KEY + "steps", persist_state=KEPT, step=50)
    )
    values: dict = {"task": kind, "steps": steps, "formula_problem": None}
    if kind == "network":
        values.update(network_widgets())
        start = (float(st.session_state.get(KEY + "x0", -1.2)), float(st.session_state.get(KEY + "y0", 1.0)))
        values.update(surface=spec_from_state(KEY), start=start)
    else:
        values.update(surface_widgets())
    st.subheader("Metric")
    options = metric_keys(kind)
    if st.session_state.get(KEY + "metric") not in options:
        st.session_state[KEY + "metric"] = options[0]
    metric = st.selectbox(
        "Score each run by", options, key=KEY + "metric", persist_state=KEPT, format_func=lambda k: METRICS[k].label
    )
    values["metric"], values["tol"] = metric, float(st.session_state.get(KEY + "tol", DEFAULT_TOLERANCE))
    if metric == "steps_to_tol":
        values["tol"] = st.number_input(
            "Tolerance (loss above the minimum)",
            min_value=1e-12,
            max_value=1e6,
            key=KEY + "tol",
            persist_state=KEPT,
            format="%g",
            help="A run counts as converged at the first step whose loss is within this of the known minimum.",
        )
    return values


def network_widgets() -> dict:
    """Dataset, layers and batch of the network each cell trains."""
    dataset = st.selectbox(
        "Dataset", NETWORK_DATASETS, key=KEY + "dataset", persist_state=KEPT, format_func=str.capitalize
    )
    left, right = st.columns(2)
    units = int(
        left.number_input("Units per layer", min_value=1, max_value=MAX_UNITS, key=KEY + "units", persist_state=KEPT)
    )
    layers = int(
        right.number_input("Hidden layers", min_value=1, max_value=MAX_LAYERS, key=KEY + "layers", persist_state=KEPT)
    )
    batch = int(
        st.number_input("Batch size", min_value=1, max_value=MAX_BATCH, key=KEY + "batch", persist_state=KEPT, step=8)
    )
    st.caption(
        f"A 2-{'-'.join([str(units)] * layers)}-2 tanh network per cell (Keras' glorot-uniform start, softmax + "
        "cross-entropy), every cell from the same weights on the same mini-batches. Large grids are capped to "
        "the server's work budget (cells × steps × batch × parameters)."
    )
    return {"dataset": dataset, "batch": batch, "hidden": (units,) * layers}


def surface_widgets() -> dict:
    """The surface picker, the start point and the gradient noise."""
    surface, problem = surface_picker(KEY, on_change=partial(reset_start, KEY))
    left, right = st.columns(2)
    limit = SWEEP_START_LIMIT
    x0 = left.number_input("start x", min_value=-limit, max_value=limit, key=KEY + "x0", format="%g", step=0.1)
    y0 = right.number_input("start y", min_value=-limit, max_value=limit, key=KEY + "y0", format="%g", step=0.1)
    noise = st.number_input(
        "Gradient noise σ",
        min_value=0.0,
        max_value=100.0,
        key=KEY + "noise",
        persist_state=KEPT,
        format="%g",
        step=0.1,
        help="Gaussian noise added to every gradient; every cell gets the same noise sequence, so they compare fairly.",
    )
    return {"surface": surface, "start": (float(x0), float(y0)), "noise": float(noise), "formula_problem": problem}


def axis_widgets(
    name: str, title: str, arguments: Sequence[str], limit: int, optional: bool = False
) -> tuple[Axis | None, str | None]:
    """One axis editor; returns ``(axis, None)`` or ``(None, problem)``; ``(None, None)`` when switched off."""
    options = (["(none)"] if optional else []) + list(arguments)
    argument_key = f"{KEY}{name}.argument"
    if st.session_state.get(argument_key) not in options:
        st.session_state[argument_key] = options[1] if optional and len(options) > 1 else options[0]
    argument = st.selectbox(title, options, key=argument_key, persist_state=KEPT)
    if argument == "(none)":
        return None, None
    prefix = f"{KEY}{name}.{argument}"
    usual = default_axis(argument, 50 if name == "y" else None).capped(limit)
    for suffix, value in axis_widget_values(prefix, usual).items():
        st.session_state.setdefault(suffix, value)  # an argument not chosen before starts from its usual range
    columns = st.columns([1, 1, 1.2, 0.8])  # "log" / "lin" whole at 1024 px
    low = columns[0].number_input("min", key=f"{prefix}.min", persist_state=KEPT, format="%g", step=None)
    high = columns[1].number_input("max", key=f"{prefix}.max", persist_state=KEPT, format="%g", step=None)
    scale = columns[2].selectbox("spacing", ["log", "lin"], key=f"{prefix}.scale", persist_state=KEPT)
    count = int(
        columns[3].number_input(
            "values", min_value=0, max_value=100_000, key=f"{prefix}.count", persist_state=KEPT, step=10
        )
    )
    if count > limit:
        st.warning(f"{argument}: {count} values is over the limit of {limit}; using {limit}.")
        count = limit
    problem = axis_problem(argument, low, high, scale, count)
    return (None, problem) if problem else (Axis(argument, float(low), float(high), scale, count), None)


def fit_counts_to(limit: int) -> None:
    """Quietly cap the axis editors' counts when the grid limit drops (a switch to the network task), and give
    them back when it rises again: the switch itself must not warn about counts typed for the other task."""
    previous, state = st.session_state.get(KEY + "count_limit"), st.session_state
    state[KEY + "count_limit"] = limit
    if previous is None or previous == limit:
        return
    uncapped = state.setdefault(KEY + "uncapped_counts", {})
    counts = [key for key in list(state.keys()) if str(key).startswith(KEY) and str(key).endswith(".count")]
    for key in counts:
        value = state[key]
        if isinstance(value, int | float) and value > limit:
            uncapped[key], state[key] = int(value), limit
        elif key in uncapped and value == previous:  # untouched since it was capped
            state[key] = min(uncapped.pop(key), limit)


def compare_widgets() -> tuple[list[Lane], list[str]]:
    """Optimizers to compare, each with optional fixed arguments (``momentum=0.9``); the lanes and problems."""
    names = st.multiselect(
        "Optimizers",
        list(DISPLAY_NAMES),
        key=KEY + "optimizers",
        persist_state=KEPT,
        format_func=DISPLAY_NAMES.get,
        max_selections=6,
    )
    lanes, problems = [], []
    columns = st.columns(3)
    for index, name in enumerate(names):
        key = f"{KEY}fixed.{name}"
        st.session_state.setdefault(key, "")
        text = columns[index % 3].text_input(
            f"{DISPLAY_NAMES[name]} fixed arguments",
            key=key,
            persist_state=KEPT,
            placeholder="e.g. momentum=0.9,nesterov=1" if name == "sgd" else "e.g. lr=0.01",
            help="Keras arguments kept fixed during the sweep, as key=value pairs; the rest are Keras defaults. "
            "An lr schedule too: schedule=step,every=100,drop=0.5 or plateau=0.5,patience=20.",
        )
        try:
            lanes.append(parse_lane(f"{name}:{text}" if text.strip() else name, allow_plan=True))
        except ValueError as error:
            problems.append(f"{DISPLAY_NAMES[name]}: {error}")
    return lanes, problems


__all__ = ["KEY", "SurfaceSpec", "axis_widgets", "compare_widgets", "fit_counts_to", "task_widgets"]
