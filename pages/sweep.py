"""Hyperparameter sweeps: heat maps of a metric over two Keras arguments, click a cell to replay it,
metric curves over one argument for several optimizers, and a fair comparison at each one's best lr.

Every setting lives in one :class:`optviz.page_states.sweep.SweepState` (its table lists the URL keys):
``?mode=map&surface=rosenbrock&start=-1.2,1&steps=300&o=sgd:nesterov=1&x=lr:1e-4:1:log:60
&y=momentum:0:0.99:lin:50&metric=final_loss`` (``o`` repeats in the curves and fair modes; old links' ``opt``
still works); the surface as the surface explorer writes it: ``surface=rotated_quadratic&condition=100`` or
``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-2,2``; gradient noise ``noise=0.1``; a small network per cell:
``task=network&dataset=moons&batch=32&hidden=16,16`` (bounded by a work budget, with progress and Cancel).
"""

from __future__ import annotations

import streamlit as st

from optviz.lanes import Lane
from optviz.page_states.sweep import SweepState, sweepable
from optviz.state import start_widget_values, surface_widget_values
from optviz.surface_spec import SurfaceSpec
from optviz.sweep import SWEEPABLE, SweepResult, Task, TunedOptimizer, run_sweep, tune
from optviz.sweep_budget import bounded_network_task, cap_message
from optviz.sweep_plans import plan_axes
from optviz.sweep_report import lanes_taking
from pages.components.lane_editor import lane_editor
from pages.components.long_jobs import long_job
from pages.components.page_state import kept_across_pages, seed_from_url, show_url_notes, url_state, write_url
from pages.components.path_view import load_plotly
from pages.components.routing import route_through_app
from pages.components.surface_picker import build_surface, escape_markdown
from pages.components.sweep_views import show_curves, show_map
from pages.components.sweep_widgets import KEPT, KEY, axis_widgets, compare_widgets, fit_counts_to, task_widgets

route_through_app()

MODES = {
    "map": "Map: two arguments",
    "curves": "Curves: one argument, several optimizers",
    "tune": "Fair comparison: each at its best lr",
}
WIDGETS = {
    "surface": surface_widget_values,
    "start": start_widget_values,
    "hidden": lambda hidden: {"units": hidden[0], "layers": len(hidden)},
    "lanes": lambda lanes: {},  # the lane editor and the comparison are seeded from url_state
    "x": lambda axis: {},
    "y": lambda axis: {},
}


def surface_task(state: SweepState) -> Task:
    """The surface task of ``state`` (its surface compiled once per formula / κ)."""
    return Task(build_surface(state.surface), state.start, state.steps, state.noise, 0, state.tol)


@st.cache_data(max_entries=12, show_spinner="Running every cell of the grid in one batch…")
def surface_map(state: SweepState) -> SweepResult:
    """The map's grid on the surface, cached across sessions."""
    return run_sweep(state.lanes[0], state.x, state.y, surface_task(state), state.metric)


@st.cache_data(max_entries=12, show_spinner="Sweeping each optimizer…")
def surface_curves(state: SweepState, lanes: tuple[Lane, ...]) -> list[TunedOptimizer]:
    """One 1-D sweep per lane on the surface, cached across sessions."""
    return tune(lanes, state.x, surface_task(state), state.metric)


def network_results(state: SweepState, lanes: tuple[Lane, ...]) -> SweepResult | list[TunedOptimizer]:
    """Network sweeps within the work budget (a note says what was capped), with progress and Cancel, kept
    across sessions: the same settings train once."""
    cells = state.x.count * (state.y.count if state.is_map else len(lanes))
    task, capped = bounded_network_task(state.network_task(), cells)
    if capped:
        st.info(cap_message(capped, cells))
    text = f"Training {cells:,} networks ({task.steps:,} steps each) in one batch…"
    if state.is_map:
        compute = lambda progress: run_sweep(lanes[0], state.x, state.y, task, state.metric, progress)
        return long_job(("map", state, task), compute, text)
    return long_job(("tune", state, task, lanes), lambda p: tune(lanes, state.x, task, state.metric, p), text)


def mode_widgets(mode: str, start: SweepState, limit: int, steps: int) -> tuple[list[Lane], list, list[str]]:
    """The optimizer(s) and axes of ``mode``: the lanes, ``[x, y]`` and the problems found."""
    # What the link asked for, put into the widgets about to be drawn (Streamlit would keep a value set for a
    # widget not drawn in that run and show it again after a visit to another page).
    drawn = {"map": ("x.", "y."), "curves": ("curve.", "optimizers", "fixed."), "tune": ("lr.", "optimizers", "fixed.")}
    for suffix, value in start.editor_widget_values().items():
        if suffix.startswith(drawn[mode]):
            capped = min(value, limit) if suffix.endswith(".count") else value  # the state may be the other task's
            st.session_state.setdefault(KEY + suffix, capped)
    if mode != "map":
        lanes, problems = compare_widgets()
        if mode == "curves":
            planned = [name for lane in lanes for name in plan_axes(lane)]  # a fixed schedule's arguments too
            x, problem = axis_widgets("curve", "Swept argument", list(dict.fromkeys([*SWEEPABLE, *planned])), limit)
        else:
            x, problem = axis_widgets("lr", "Learning-rate grid", ["lr"], limit)
        problems += [problem] if problem else []
        return lanes, [x, None], problems + ([] if lanes else ["Choose at least one optimizer."])
    optimizer_column, axes_column = st.columns([1, 1])
    with optimizer_column:
        heading = st.empty()
        lane = lane_editor(start.lanes[0], key=KEY + "base", allow_plan=True, steps=steps)
    with axes_column:
        x, x_problem = axis_widgets("x", "X axis", sweepable(lane.optimizer, lane), limit)
        others = [a for a in sweepable(lane.optimizer, lane) if x is None or a != x.argument]
        y, y_problem = axis_widgets("y", "Y axis", others, limit, optional=True)
        if y is None and not y_problem:
            st.caption("With no Y axis the sweep draws the metric against X (a 1-D sweep).")
    swept = [f"`{a.argument}`" for a in (x, y) if a is not None]
    verb = "is" if len(swept) == 1 else "are"
    note = f": {' and '.join(swept)} {verb} set by the axes (their widgets here are ignored)" if swept else ""
    heading.markdown(f"**Optimizer**{note}")
    return [lane], [x, y], [p for p in (x_problem, y_problem) if p]


def show(state: SweepState) -> None:
    """Run the sweep the state describes (cached) and draw it."""
    lanes, skipped = lanes_taking(state.x, state.swept_lanes)
    for message in skipped if state.mode != "map" else []:
        st.info(f"Skipped: {message}.")
    if state.mode == "map" and skipped:
        raise ValueError(skipped[0])
    if not lanes:
        st.warning("None of the chosen optimizers takes this argument.")
        return
    if state.task == "network":
        results = network_results(state, tuple(lanes))
        task = surface = None
    else:
        task = surface_task(state)
        surface = task.surface
        if state.metric == "distance" and not surface.minima:
            st.error(f"{surface.name} lists no known minimum, so the distance metric is not available.")
            return
        results = surface_map(state) if state.is_map else surface_curves(state, tuple(lanes))
    if state.is_map:
        show_map(state, results, task, surface)
    else:
        show_curves(state, results, task, surface)


def sweep_page() -> None:
    st.title("Hyperparameter sweeps")
    load_plotly()  # first: the browser receives and runs plotly.js while the sweep is computed
    st.caption(
        "Thousands of settings at once, each a full run on the surface: see where an optimizer converges, crawls "
        "or blows up. Every cell of the grid runs in one vectorised batch. Click a cell to replay its path."
    )
    show_url_notes(seed_from_url(SweepState, KEY, WIDGETS))
    start = url_state(KEY)
    with st.sidebar:
        chosen = task_widgets()
    problem = chosen.pop("formula_problem")
    if problem is not None:
        st.info(f"Fix the custom surface in the sidebar to run the sweep: {escape_markdown(problem)}")
        return
    mode = st.radio("Mode", list(MODES), key=KEY + "mode", persist_state=KEPT, format_func=MODES.get, horizontal=True)
    limit = SweepState(task=chosen["task"]).axis_limit
    fit_counts_to(limit)
    lanes, (x, y), problems = mode_widgets(mode, start, limit, chosen["steps"])
    for message in problems:
        st.error(message)
    if problems or x is None:
        return
    if chosen["task"] == "network":  # the surface widgets are not drawn: the URL keeps the network's settings only
        chosen.update(surface=SurfaceSpec(), start=SweepState().start, noise=0.0)
    if chosen["metric"] != "steps_to_tol":
        chosen["tol"] = SweepState.tol
    state = SweepState(mode=mode, lanes=tuple(lanes), x=x, y=y, **chosen)
    write_url(state)
    try:
        show(state)
    except ValueError as error:
        st.error(str(error))


with kept_across_pages(KEY):
    sweep_page()
