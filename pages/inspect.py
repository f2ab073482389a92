"""Step inspector: step through one optimizer and see every number its Keras 2.2.4 update uses.

URL: ``?surface=rosenbrock&start=-1.2,1&steps=100&o=adam:lr=0.05&step=12`` (a custom surface:
``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-2,2``; the rotated quadratic's condition number:
``surface=rotated_quadratic&condition=100``) plus, for a fork,
``&fork=adam:lr=0.01&fork_step=12`` (the fork continues from the state after ``fork_step`` updates) and
``&view=fork`` to step through the fork instead of the original run.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from optviz.explain import KERAS_NOTES, OPTIMIZER_SUMMARIES, PAPER_RULES, READING_GUIDE
from optviz.figures.inspection import PICK_TRACE, fork_figure, loss_figure, step_figure, step_size_figure
from optviz.figures.inspection_deck import step_deck, summary_rows
from optviz.inspection import Inspection, fork, inspect_run, step_table
from optviz.inspection_formulas import aligned, formula_lines, step_formulas
from optviz.lanes import Lane, parse_lane
from optviz.surfaces import Surface
from pages.components.lane_editor import lane_editor, seed_lane_widgets
from pages.components.path_view import load_plotly, picked_point
from pages.components.routing import route_through_app
from pages.components.step_view import deck_id, step_view
from pages.components.surface_picker import (
    SurfaceSpec,
    build_surface,
    default_start,
    escape_markdown,
    read_surface,
    reset_start,
    surface_picker,
)
from pages.components.url_state import UrlReader, format_pair, write_query

route_through_app()

MAX_STEPS = 500
START_LIMIT = 1000.0
KEY = "inspect."
DEFAULT_LANE = "adam:lr=0.05"


@dataclass(frozen=True)
class Settings:
    """What the inspected run depends on; round-trips through the URL."""

    surface: SurfaceSpec  # a built-in surface, the rotated quadratic's κ or a custom formula and window
    start: tuple[float, float]
    steps: int
    lane: Lane


DEFAULTS = Settings(SurfaceSpec("rosenbrock"), (-1.2, 1.0), 100, parse_lane(DEFAULT_LANE))


def surface_of(settings: Settings) -> Surface:
    """The built-in surface, the rotated quadratic of the chosen κ, or the custom one built from the formula."""
    return build_surface(settings.surface)


@st.cache_data(max_entries=32, show_spinner=False)
def inspected(settings: Settings) -> Inspection:
    """The recorded run (cached: scrubbing only redraws)."""
    return inspect_run(settings.lane, surface_of(settings).value_and_grad, settings.start, settings.steps)


@st.cache_data(max_entries=32, show_spinner=False)
def forked(settings: Settings, fork_step: int, lane: Lane) -> tuple[Inspection, str]:
    """The run continued from ``fork_step`` with ``lane`` (cached)."""
    return fork(inspected(settings), surface_of(settings).value_and_grad, fork_step, lane)


@st.cache_data(max_entries=16, show_spinner=False)
def deck_of(settings: Settings, fork_at: int | None, fork_lane: Lane | None, viewing_fork: bool) -> dict:
    """Every step of the run shown, for the browser's step view (cached: built once per run)."""
    inspection = inspected(settings)
    result = forked(settings, fork_at, fork_lane)[0] if fork_lane is not None and fork_at is not None else None
    if viewing_fork and result is not None:
        before = inspection.positions[: result.first_step + 1]
        return deck_id(step_deck(surface_of(settings), result, before=before))
    return deck_id(step_deck(surface_of(settings), inspection, forked=result))


def load_url() -> list[str]:
    """Seed the widgets from the query parameters once per session; return notes on ignored values."""
    reader = UrlReader()
    spec = read_surface(reader, KEY)  # seeds the surface picker's widgets
    start = reader.pair("start", default_start(spec), -START_LIMIT, START_LIMIT)
    steps = reader.number("steps", DEFAULTS.steps, 1, MAX_STEPS, integer=True)
    (lane,) = reader.lanes("o", [DEFAULTS.lane], limit=1)
    step = reader.number("step", 1, 1, steps, integer=True)
    forks = reader.lanes("fork", [], limit=1) if reader.has("fork") else []
    fork_step = reader.number("fork_step", step, 0, steps, integer=True)
    view = reader.text("view", "original", choices=("original", "fork"))
    state = st.session_state
    state[KEY + "x0"], state[KEY + "y0"] = float(start[0]), float(start[1])
    state[KEY + "steps"] = steps
    state[KEY + "step"] = step
    seed_lane_widgets(lane, KEY + "lane")
    if forks:
        state[KEY + "fork_on"] = True
        state[KEY + "fork_step"] = fork_step
        state[KEY + "view"] = view
        seed_lane_widgets(forks[0], KEY + "fork")
    return reader.notes


def shift_step(delta: int, first: int, last: int) -> None:
    """Previous / Next: move the scrubber by ``delta`` within first..last."""
    st.session_state[KEY + "step"] = min(max(st.session_state[KEY + "step"] + delta, first), last)


def _start_at(x: float, y: float) -> None:
    x, y = (min(max(value, -START_LIMIT), START_LIMIT) for value in (x, y))
    st.session_state[KEY + "x0"], st.session_state[KEY + "y0"] = float(f"{x:.4g}"), float(f"{y:.4g}")
    st.session_state[KEY + "step"] = 1
    st.session_state[KEY + "view"] = "original"


def pick_start() -> None:
    """A click on the map's grid starts the run from there (step 1)."""
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


def settings_widgets() -> tuple[Settings, str | None]:
    """The sidebar: surface, start point, number of steps and the optimizer lane; and a problem with the
    custom formula, if any (the page then says so instead of running)."""
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
        steps = st.slider("Steps to record", 1, MAX_STEPS, key=KEY + "steps")
        st.header("Optimizer")
        lane = lane_editor(DEFAULTS.lane, KEY + "lane")
    settings = Settings(spec, (float(x0), float(y0)), int(steps), lane)
    return settings, problem


def step_controls(shown: Inspection) -> int:
    """Previous / slider / Next over the steps of ``shown``; returns the step k shown."""
    state = st.session_state
    first, last = shown.first_step + 1, shown.last_step
    state[KEY + "step"] = min(max(int(state.get(KEY + "step", first)), first), last)
    back, scrub, forward = st.columns([1.4, 7, 1.4], vertical_alignment="bottom")
    back.button(
        "◀ Previous",
        key=KEY + "previous",
        on_click=shift_step,
        args=(-1, first, last),
        disabled=state[KEY + "step"] <= first,
        width="stretch",
    )
    forward.button(
        "Next ▶",
        key=KEY + "next",
        on_click=shift_step,
        args=(1, first, last),
        disabled=state[KEY + "step"] >= last,
        width="stretch",
    )
    if first == last:
        scrub.markdown(f"**Step {first}** (the only recorded step)")
        return first
    return scrub.slider(
        "Step k",
        first,
        last,
        key=KEY + "step",
        help="The k-th update: from x_{k-1} to x_k. Click the slider, then use the arrow keys to step.",
    )


def show_formulas(inspection: Inspection, step: int) -> None:
    """The rule as Keras computes it, then with step k's numbers for each coordinate."""
    formulas = step_formulas(inspection, step)
    lines = formula_lines(inspection.optimizer, inspection.hyperparameters)
    st.markdown(f"**The update rule of {inspection.lane.display_name}, as Keras 2.2.4 computes it** (t = step)")
    st.latex(aligned([line.symbolic for line in lines]))
    st.markdown(f"**Step {step} with its numbers** (t = {formulas.values[0]['t']:.0f}, 6 significant digits)")
    if formulas.scalar:
        st.latex(aligned([numeric for _, numeric in formulas.scalar]))
    for name, lines_of_coordinate in zip(("x", "y"), formulas.coordinates, strict=True):
        st.markdown(f"Coordinate **{name}** (every symbol above stands for its {name} component)")
        st.latex(aligned([numeric for _, numeric in lines_of_coordinate]))


def step_summary(inspection: Inspection, step: int) -> None:
    """A few headline numbers of step k, as a compact table."""
    values = inspection.values(step)
    rows = summary_rows(inspection, step)
    st.markdown(
        f"**Step {step}** (t = {values['t']:.0f})\n\n| quantity | value |\n|---|---|\n"
        + "\n".join(f"| {name} | {value} |" for name, value in rows)
    )


def state_table(inspection: Inspection, step: int) -> None:
    """All steps' numbers, one row per step, downloadable."""
    table = inspection.table()
    row = inspection.index(step)
    styles = pd.DataFrame("", index=table.index, columns=table.columns)
    styles.iloc[row] = "background-color: #fff3c4"
    st.markdown(f"**Every number of step {step}** (before the step: `_prev`; after it: no suffix)")
    numbers = step_table(inspection, step)
    st.dataframe(numbers, width="stretch", height=36 * (len(numbers) + 1) + 4)
    st.markdown(f"**All steps**, one row per step (step {step} highlighted; `name[x]`, `name[y]`: the two coordinates)")
    st.dataframe(table.style.apply(lambda _: styles, axis=None).format("{:.6g}"), height=320, width="stretch")
    st.download_button(
        "Download CSV (one row per step)",
        table.to_csv().encode(),
        file_name=f"optviz_inspect_{inspection.lane.to_text().replace(':', '_')}.csv",
        mime="text/csv",
        key=KEY + "csv",
    )


def fork_section(settings: Settings, inspection: Inspection, step: int) -> Inspection | None:
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
        fork_lane = lane_editor(settings.lane, KEY + "fork")
    result, note = forked(settings, int(fork_step), fork_lane)
    st.info(note)
    end_original = inspection.losses[-1]
    end_fork = result.losses[-1] if result.steps else float("nan")
    cells = st.columns(2)
    cells[0].metric(f"final loss, original ({inspection.lane.label()})", f"{end_original:.4g}")
    cells[1].metric(f"final loss, fork ({fork_lane.label()})", f"{end_fork:.4g}")
    if result.diverged_step >= 0:
        st.warning(f"The fork diverged at step {result.diverged_step}.")
    paths, losses = st.columns(2)
    paths.plotly_chart(fork_figure(surface_of(settings), inspection, result), key=KEY + "fork_map")
    losses.plotly_chart(loss_figure(inspection, step, result), key=KEY + "fork_loss")
    return result


def _set_fork_step(step: int) -> None:
    st.session_state[KEY + "fork_step"] = step


def write_url(settings: Settings, step: int, fork_result: Inspection | None, viewing_fork: bool) -> None:
    """Mirror the page in the URL so it can be shared."""
    write_query(
        {
            **settings.surface.query(),
            "start": format_pair(settings.start),
            "steps": str(settings.steps),
            "o": settings.lane.to_text(),
            "step": str(step),
            "fork": fork_result.lane.to_text() if fork_result is not None else None,
            "fork_step": str(fork_result.first_step) if fork_result is not None else None,
            "view": "fork" if viewing_fork else None,
        }
    )


st.title("Step inspector")
load_plotly()  # first: the browser receives and runs plotly.js while the rest of the page is computed
st.caption(
    "Learn the rules: step through one optimizer and see every number it uses at step k (moments, "
    "accumulators, bias corrections, clipping) as arrows on the surface and as formulas with the numbers put in."
)
if KEY + "url_notes" not in st.session_state:
    st.session_state[KEY + "url_notes"] = load_url()
for note in st.session_state[KEY + "url_notes"]:
    st.warning(note)

settings, formula_problem = settings_widgets()
if formula_problem is not None:
    st.info(f"Fix the formula of the custom surface in the sidebar to continue: {escape_markdown(formula_problem)}")
    st.stop()
inspection = inspected(settings)
surface = surface_of(settings)
st.markdown(f"**{settings.lane.label()}** on **{surface.name}** — {OPTIMIZER_SUMMARIES[settings.lane.optimizer]}")
if inspection.diverged_step >= 0:
    st.warning(
        f"The run left the finite world at step {inspection.diverged_step} (a coordinate became NaN/inf or beyond "
        f"±1e6), so the recording stops there. Try a smaller lr or clipnorm."
    )
controls = st.container()
stage = st.container()  # the map and the step's numbers: in the browser (every step sent once), or zoomed here
tab_formulas, tab_table, tab_charts, tab_notes, tab_fork = st.tabs(
    ["Formulas at step k", "State over all steps", "Step sizes and loss", "Where Keras differs", "Fork"]
)
with tab_fork:
    fork_result = fork_section(settings, inspection, int(st.session_state.get(KEY + "step", 1)))
zoom = bool(st.session_state.get(KEY + "zoom", False))
with controls:
    st.session_state.setdefault(KEY + "view", "original")
    viewing_fork = (
        fork_result is not None
        and fork_result.steps > 0
        and st.segmented_control(
            "Step through",
            ["original", "fork"],
            key=KEY + "view",
            format_func={"original": "the original run", "fork": "the fork"}.get,
        )
        == "fork"
    )
    shown = fork_result if viewing_fork else inspection
    if viewing_fork:
        st.info(
            f"Stepping through the fork **{shown.lane.label()}**, continued from the state after step "
            f"{shown.first_step}; the grey path is the original run before the fork."
        )
    if zoom:
        step = step_controls(shown)
    else:  # Previous / Next / the scrubber / arrow keys step in the browser; the tabs below follow
        first, last = shown.first_step + 1, shown.last_step
        step = min(max(int(st.session_state.get(KEY + "step", first)), first), last)
        st.session_state[KEY + "step"] = step
with stage:
    if zoom:
        map_column, side_column = st.columns([3, 2])
        with side_column:
            step_summary(shown, step)
        with map_column:
            figure = (
                step_figure(surface, shown, step, zoom=zoom, before=inspection.positions[: shown.first_step + 1])
                if viewing_fork
                else step_figure(surface, inspection, step, forked=fork_result, zoom=zoom)
            )
            st.plotly_chart(
                figure,
                key=KEY + "map",
                width="stretch",
                on_select=pick_start,
                selection_mode=("points",),
                config={"displayModeBar": False},
            )
    else:
        fork_at, fork_lane = (fork_result.first_step, fork_result.lane) if fork_result is not None else (None, None)
        deck = deck_of(settings, fork_at, fork_lane, viewing_fork)
        step_view(deck, step, key=KEY + "steps_view", on_step=take_step, on_pick=pick_start_in_view)
    st.caption("Click anywhere on the map to start the run from there.")
    st.markdown(READING_GUIDE[shown.optimizer])
    st.toggle("Zoom on this step", key=KEY + "zoom", help="Frame the map around x_{k-1} and x_k.")
    st.caption(
        "Arrows start at the current point. Gradient-like arrows point downhill (−g, −m) and share one scale; "
        "the update (and SGD's velocity) is drawn at true size or magnified; the legend gives true lengths."
    )
with tab_formulas:
    if viewing_fork:
        st.caption(f"Showing the fork: {shown.lane.label()}, continued from the state after step {shown.first_step}.")
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
    st.markdown(f"**{shown.lane.display_name} in Keras 2.2.4 versus the paper and later frameworks:**")
    st.markdown("\n".join(f"- {note}" for note in KERAS_NOTES[shown.optimizer]))
    source, paper_lines = PAPER_RULES[shown.optimizer]
    paper, keras = st.columns(2)
    with paper:
        st.markdown(f"**The paper's rule** ({source})")
        st.latex(aligned(paper_lines))
    with keras:
        st.markdown("**Keras 2.2.4's rule** (what this page computes)")
        unclipped = {**shown.hyperparameters, "clipnorm": None, "clipvalue": None}  # the rule itself
        st.latex(aligned([line.symbolic for line in formula_lines(shown.optimizer, unclipped)]))
    st.markdown("In Keras code:")
    st.code(shown.lane.keras_code(), language="python")
write_url(settings, step, fork_result, viewing_fork)
