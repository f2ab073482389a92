"""Step inspector: step through one optimizer and see every number its Keras 2.2.4 update uses.

Every setting lives in one :class:`optviz.page_states.inspect.InspectState` (its table lists the URL keys:
``?surface=rosenbrock&start=-1.2,1&steps=100&o=adam:lr=0.05&step=12``, a fork ``&fork=adam:lr=0.01&fork_step=12``
and ``&view=fork``). The page reads its widgets into that state, records the run with
:func:`optviz.inspection.inspect_run` (cached) and draws the step k chosen.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from optviz.explain import OPTIMIZER_SUMMARIES, READING_GUIDE
from optviz.figures.inspection import PICK_TRACE, fork_figure, loss_figure, step_size_figure
from optviz.figures.inspection_deck import step_deck
from optviz.inspection import Inspection, fork, inspect_run
from optviz.lanes import Lane
from optviz.page_states.inspect import INSPECT_MAX_STEPS, INSPECT_START_LIMIT, InspectRun, InspectState
from optviz.state import clicked_start, start_widget_values, surface_widget_values
from pages.components.inspect_views import (
    keras_notes,
    show_formulas,
    state_table,
    step_controls,
    stepper,
    zoomed_map,
)
from pages.components.lane_editor import lane_editor
from pages.components.page_state import kept_across_pages, seed_from_url, show_url_notes, url_state, write_url
from pages.components.path_view import load_plotly, picked_point
from pages.components.routing import route_through_app
from pages.components.step_view import deck_id, step_view
from pages.components.surface_picker import build_surface, escape_markdown, reset_start, surface_picker

route_through_app()

KEY = "inspect."
START_LIMIT = INSPECT_START_LIMIT
WIDGETS = {
    "surface": surface_widget_values,
    "start": start_widget_values,
    "lane": lambda lanes: {},  # the lane editors seed themselves from the URL state
    "fork": lambda lanes: {"fork_on": bool(lanes)},
}
UNSETTABLE = (".previous", ".next", ".fork_here", ".csv", ".map", ".fork_map", ".fork_loss", ".sizes", ".loss")
UNSETTABLE += (".steps_view", ".steps_view.deck", ".plotly")  # the browser views and their assets


@st.cache_data(max_entries=32, show_spinner=False)
def inspected(run: InspectRun) -> Inspection:
    """The recorded run (cached: scrubbing only redraws)."""
    return inspect_run(run.lane, build_surface(run.surface).value_and_grad, run.start, run.steps)


@st.cache_data(max_entries=32, show_spinner=False)
def forked(run: InspectRun, fork_step: int, lane: Lane) -> tuple[Inspection, str]:
    """The run continued from ``fork_step`` with ``lane`` (cached)."""
    return fork(inspected(run), build_surface(run.surface).value_and_grad, fork_step, lane)


@st.cache_data(max_entries=16, show_spinner=False)
def deck_of(run: InspectRun, fork_at: int | None, fork_lane: Lane | None, viewing_fork: bool) -> dict:
    """Every step of the run shown, for the browser's step view (built once per run and fork)."""
    inspection, surface = inspected(run), build_surface(run.surface)
    result = forked(run, fork_at, fork_lane)[0] if fork_lane is not None and fork_at is not None else None
    if viewing_fork and result is not None:
        return deck_id(step_deck(surface, result, before=inspection.positions[: result.first_step + 1]))
    return deck_id(step_deck(surface, inspection, forked=result))


def _start_at(x: float, y: float) -> None:
    st.session_state[KEY + "x0"], st.session_state[KEY + "y0"] = clicked_start((x, y), START_LIMIT)
    st.session_state[KEY + "step"] = 1
    st.session_state[KEY + "view"] = "original"


def pick_start() -> None:
    """A click on the zoomed map's grid starts the run from there (step 1)."""
    event = st.session_state.get(KEY + "map")
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points:
        if point.get("curve_number") == PICK_TRACE and "x" in point and "y" in point:
            _start_at(float(point["x"]), float(point["y"]))
            return


def pick_start_in_view() -> None:
    """A click on the browser's step view starts the run from there (step 1)."""
    point = picked_point(KEY + "steps_view")
    if point is not None:
        _start_at(*point)


def take_step() -> None:
    """The browser's step view stepped: the formulas and tables follow."""
    with contextlib.suppress(KeyError, TypeError, ValueError):
        st.session_state[KEY + "step"] = int(st.session_state[KEY + "steps_view"]["step"])


def start_at_surface_default() -> None:
    """A new surface (or custom window) starts at its own default start point, from step 1."""
    reset_start(KEY)
    st.session_state[KEY + "step"] = 1


def settings_widgets() -> tuple[InspectState, str | None]:
    """The sidebar: surface, start point, number of steps and the optimizer lane; and a problem with the custom
    formula, if any (the page then says so instead of running)."""
    with st.sidebar:
        st.header("Run")
        spec, problem = surface_picker(KEY, on_change=start_at_surface_default)
        if problem is None:
            surface = build_surface(spec)
            st.caption(f"${surface.latex}$")
            if surface.note:
                st.caption(escape_markdown(surface.note) if spec.is_custom else surface.note)  # custom: typed text
        left, right = st.columns(2)
        x0 = left.number_input("start x", -START_LIMIT, START_LIMIT, key=KEY + "x0", step=0.1, format="%g")
        y0 = right.number_input("start y", -START_LIMIT, START_LIMIT, key=KEY + "y0", step=0.1, format="%g")
        steps = st.slider("Steps to record", 1, INSPECT_MAX_STEPS, key=KEY + "steps")
        st.header("Optimizer")
        lane = lane_editor(url_state(KEY).lane[0], KEY + "lane", allow_plan=True, steps=int(steps))
    state = InspectState(surface=spec, start=(float(x0), float(y0)), steps=int(steps), lane=(lane,))
    return state.replace(fork=url_state(KEY).fork), problem


def fork_section(settings: InspectState, inspection: Inspection, step: int) -> Inspection | None:
    """Fork from step k with other hyperparameters; returns the fork when on."""
    state = st.session_state
    on = st.toggle("Fork: continue from a step with other settings", key=KEY + "fork_on")
    if not on:
        st.caption("Turn this on, pick a step, change any argument: the fork keeps the state reached so far.")
        return None
    if KEY + "fork_step" not in state:
        state[KEY + "fork_step"] = step
    state[KEY + "fork_step"] = min(int(state[KEY + "fork_step"]), inspection.last_step)
    left, right = st.columns([1, 2])
    with left:
        fork_step = st.number_input(
            "Fork after step", 0, inspection.last_step, key=KEY + "fork_step", help="0 = from the start"
        )
        st.button("Fork at the current step k", key=KEY + "fork_here", on_click=_set_fork_step, args=(step,))
    with right:
        initial = settings.fork[0] if settings.fork else settings.lane[0]
        fork_lane = lane_editor(initial, KEY + "fork", allow_plan=True, steps=settings.steps)
    result, note = forked(settings.run(), int(fork_step), fork_lane)
    st.info(note)
    end_original = inspection.losses[-1]
    end_fork = result.losses[-1] if result.steps else float("nan")
    cells = st.columns(2)
    cells[0].metric(f"final loss, original ({inspection.lane.label()})", f"{end_original:.4g}")
    cells[1].metric(f"final loss, fork ({fork_lane.label()})", f"{end_fork:.4g}")
    if result.diverged_step >= 0:
        st.warning(f"The fork diverged at step {result.diverged_step}.")
    paths, losses = st.columns(2)
    paths.plotly_chart(fork_figure(build_surface(settings.surface), inspection, result), key=KEY + "fork_map")
    losses.plotly_chart(loss_figure(inspection, step, result), key=KEY + "fork_loss")
    return result


def _set_fork_step(step: int) -> None:
    st.session_state[KEY + "fork_step"] = step


def inspector() -> None:
    st.title(  # the page's caption is the title's help: the map fits on a 1280 x 720 screen
        "Step inspector",
        help="Learn the rules: step through one optimizer and see every number it uses at step k (moments, "
        "accumulators, bias corrections, clipping) as arrows on the surface and as formulas with the numbers put in.",
    )
    load_plotly()  # first: the browser receives and runs plotly.js while the rest of the page is computed
    show_url_notes(seed_from_url(InspectState, KEY, WIDGETS))
    settings, formula_problem = settings_widgets()
    if formula_problem is not None:
        st.info(f"Fix the formula of the custom surface in the sidebar to continue: {escape_markdown(formula_problem)}")
        return
    inspection = inspected(settings.run())
    surface = build_surface(settings.surface)
    lane = settings.lane[0]
    st.markdown(f"**{lane.label()}** on **{surface.name}** — {OPTIMIZER_SUMMARIES[lane.optimizer]}")
    if inspection.diverged_step >= 0:
        st.warning(
            f"The run left the finite world at step {inspection.diverged_step} (a coordinate became NaN/inf or "
            "beyond ±1e6), so the recording stops there. Try a smaller lr or clipnorm."
        )
    if inspection.steps == 0:  # the start itself is outside the finite world (as the runner counts it): no step
        return
    controls = st.container()
    stage = st.container()  # the map and the step's numbers: in the browser (every step sent once), or zoomed here
    tab_formulas, tab_table, tab_charts, tab_notes, tab_fork = st.tabs(
        ["Formulas at step k", "State over all steps", "Step sizes and loss", "Where Keras differs", "Fork"]
    )
    with tab_fork:
        fork_result = fork_section(settings, inspection, int(st.session_state.get(KEY + "step", 1)))
    zoom = bool(st.session_state.get(KEY + "zoom", False))
    with controls:
        shown, step, viewing_fork = stepper(inspection, fork_result, step_controls if zoom else None)
    with stage:
        if zoom:
            zoomed_map(surface, inspection, shown, step, fork_result, viewing_fork, on_pick=pick_start)
        else:  # Previous / Next / the scrubber / arrow keys step in the browser; the tabs below follow
            fork_at, fork_lane = (fork_result.first_step, fork_result.lane) if fork_result is not None else (None, None)
            deck = deck_of(settings.run(), fork_at, fork_lane, viewing_fork)
            step_view(deck, step, key=KEY + "steps_view", on_step=take_step, on_pick=pick_start_in_view)
        st.caption("Click anywhere on the map to start the run from there.")
        st.markdown(READING_GUIDE[shown.optimizer])
        st.toggle(
            "Zoom on this step", key=KEY + "zoom", help="Frame the map around θ_{k-1} and θ_k."
        )
        st.caption(
            "Arrows start at the current point. Gradient-like arrows point downhill (−g, −m) and share one scale; "
            "the update (and SGD's velocity) is drawn at true size or magnified; the legend gives true lengths."
        )
    with tab_formulas:
        if viewing_fork:
            st.caption(f"Showing the fork: {shown.lane.label()}, continued after step {shown.first_step}.")
        show_formulas(shown, step)
    with tab_table:
        state_table(shown, step)
    with tab_charts:
        left, right = st.columns(2)
        left.plotly_chart(step_size_figure(shown, step), key=KEY + "sizes", width="stretch")
        left.caption(
            "Effective step size per coordinate: how far the step went per unit of gradient (solid), and the "
            "optimizer's own multiplier (dotted), e.g. η_t / (√v + ε) for Adam."
        )
        right.plotly_chart(loss_figure(inspection, step, fork_result), key=KEY + "loss", width="stretch")
    with tab_notes:
        keras_notes(shown)
    write_url(
        settings.replace(
            step=step,
            fork=(fork_result.lane,) if fork_result is not None else (),
            fork_step=fork_result.first_step if fork_result is not None else step,
            view="fork" if viewing_fork else "original",
        )
    )


with kept_across_pages(KEY, skip=UNSETTABLE):
    inspector()
