"""Surface explorer: race up to six optimizers across a 2-D loss surface, side by side.

Every setting lives in one :class:`optviz.page_states.ExplorerState` (its table lists the URL keys:
``?surface=rosenbrock&start=-1.2,1&steps=300&o=adam:lr=0.01,amsgrad=1&o=sgd:lr=0.001,momentum=0.9``, plus
``condition`` / ``f``, ``xr``, ``yr``, ``noise``, ``seed``, ``ensemble``, ``tol``, ``log``). The page reads its
widgets into that state, runs :func:`optviz.explorer.run_explorer` (the lanes not cached run together in one step
loop) and draws. The surface, start and run settings, the view and the tabs under it are one fragment
(:func:`explorer_view`): changing them reruns that part only, and the lanes panel (~25 widgets) is neither rerun
nor redrawn; a lane's widgets rerun the whole page. When the values a rerun changed tell the state at once
(pages/components/explorer_early.py), the view is drawn first and the controls after it, so the browser redraws the
map before the widgets; only the open tab under the view is made.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from optviz.explain import OPTIMIZER_SUMMARIES
from optviz.explorer import EXPLORER_RUNS, run_explorer
from optviz.figures.lr import lr_figure
from optviz.figures.surface_3d import scene_view_data
from optviz.figures.surfaces import (
    PathSet,
    explorer_figure,
    explorer_view_data,
    loss_chart,
)
from optviz.metrics import lane_metrics, optimum_value, readable
from optviz.page_states.explorer import (
    EXPLORER_MAX_ENSEMBLE,
    EXPLORER_MAX_NOISE,
    EXPLORER_MAX_STEPS,
    START_LIMIT,
    TOLERANCES,
    ExplorerState,
)
from optviz.runner import Trajectory
from optviz.scenarios import SCENARIOS
from optviz.state import clicked_start, start_widget_values, surface_widget_values
from optviz.surface_spec import warm_custom
from optviz.surfaces import Surface
from pages.components.explorer_early import confirm_early_view, early_view_state, remember_drawn
from pages.components.explorer_views import show_divergence, show_exports, show_poles
from pages.components.lane_list import LaneChoice, lanes_panel
from pages.components.page_state import kept_across_pages, seed_from_url, show_url_notes, url_state, write_url
from pages.components.path_view import load_plotly, path_view, picked_point
from pages.components.routing import route_through_app
from pages.components.surface_picker import build_surface, escape_markdown, reset_start, surface_picker

route_through_app()

KEY = "surfaces."
LANES_KEY = KEY + "lanes"
WIDGETS = {"surface": surface_widget_values, "start": start_widget_values, "lanes": lambda lanes: {}}
#: Widget keys whose value Streamlit does not let a script set (buttons, downloads, chart selections), or
#: whose widget passes its own default (setting them too would print Streamlit's "set twice" warning).
UNSETTABLE = (
    "reset_start", ".csv", ".html", ".map", ".map.surface", ".map.scene_mesh", ".metrics", ".lr_chart"
)
#: The metrics table's long headers shortened (their full meaning in the header's help): the table fits 1024 px.
METRIC_COLUMNS = {  # plain Column: the table's own 4-digit format stays (a NumberColumn would replace it)
    "distance to minimum": st.column_config.Column("distance", help="Distance to the nearest known minimum."),
    "ensemble median final loss": st.column_config.Column(
        "ensemble median", help="Median final loss over the ensemble's runs that did not diverge."
    ),
    "ensemble diverged": st.column_config.Column("diverged runs", help="Ensemble runs that diverged."),
}
#: Whether this run drew the view before the controls (see pages/components/explorer_early.py); outside ``KEY``.
VIEW_FIRST = "explorer.view_first"
#: The tabs under the view; only the open one's content is made.
TABS = ("Metrics", "3-D view", "Export and Keras code")


def compute(state: ExplorerState) -> list[Trajectory]:
    """Every lane's trajectory through the tested :func:`run_explorer`: each group of lanes (one optimizer class)
    kept in the shared, bounded ``EXPLORER_RUNS``, the groups not kept run together in one step loop."""
    return run_explorer(state, cache=EXPLORER_RUNS)


def pick_start() -> None:
    """A click on the map starts every lane from the clicked point."""
    point = picked_point(KEY + "map")
    if point is not None:
        st.session_state[KEY + "x0"], st.session_state[KEY + "y0"] = clicked_start(point, START_LIMIT)


def run_widgets() -> tuple[tuple[float, float], int, float, int, int]:
    """Start point, number of steps and gradient noise."""
    left, right, reset = st.columns([2, 2, 1], vertical_alignment="bottom")
    x0 = left.number_input("start x", -START_LIMIT, START_LIMIT, key=KEY + "x0", step=0.1, format="%g")
    y0 = right.number_input("start y", -START_LIMIT, START_LIMIT, key=KEY + "y0", step=0.1, format="%g")
    reset.button(  # an icon: never cut to "R…" in a narrow column
        "", icon=":material/restart_alt:", key=KEY + "reset_start", on_click=reset_start, args=(KEY,),
        help="Reset: back to the surface's default start.", width="stretch",
    )
    st.caption("Or click on the map to start there.")
    steps = st.slider("Steps", 1, EXPLORER_MAX_STEPS, key=KEY + "steps", help="Number of optimizer updates.")
    session = st.session_state
    noise, seed, ensemble = session[KEY + "noise"], session[KEY + "seed"], session[KEY + "ensemble"]
    box = st.expander(  # made only while open (a click reruns the page); closed, the values are kept
        "Gradient noise", expanded=noise > 0, key=KEY + "noise_box", on_change="rerun"
    )
    if box.open:
        with box:
            noise = st.number_input(
                "noise σ",
                0.0,
                EXPLORER_MAX_NOISE,
                key=KEY + "noise",
                step=0.05,
                format="%g",
                help="Standard deviation of Gaussian noise added to every gradient (as a mini-batch would).",
            )
            seed_cell, ensemble_cell = st.columns(2)
            seed = seed_cell.number_input(
                "seed", 0, 2**31 - 1, key=KEY + "seed", help="Noise seed of the first run."
            )
            ensemble = ensemble_cell.slider(
                "ensemble runs",
                1,
                EXPLORER_MAX_ENSEMBLE,
                key=KEY + "ensemble",
                disabled=noise == 0,
                help="Runs per lane with seeds seed, seed+1, …: the first is drawn bold, the others faint.",
            )
    return (float(x0), float(y0)), int(steps), float(noise), int(seed), int(ensemble)


def explorer() -> None:
    head, scenarios = st.columns([1, 2], vertical_alignment="center")  # a compact head: the map and Play fit on
    head.title(  # a 1280 x 720 screen (the page's caption is the title's help)
        "Surface explorer",
        help="Race up to six optimizers across a 2-D loss surface. Every Keras 2.2.4 argument is a widget; "
        "press ▶ Play on the map to watch the paths, click the map to start elsewhere, share the URL.",
    )
    load_plotly()  # first: the browser receives and runs plotly.js while the rest of the page is computed
    show_url_notes(seed_from_url(ExplorerState, KEY, WIDGETS))
    warm_custom()  # the formula worker starts in the background, before "custom" is first picked
    box = scenarios.expander("Scenarios: one click, something to see", key=KEY + "scenarios", on_change="rerun")
    if box.open:  # made only while open
        box.markdown("\n".join(f"- [{s.title}]({s.url}): {s.lesson}" for s in SCENARIOS))
    controls, view = st.columns([1, 2], gap="medium")
    settings_box, lanes_box = controls.container(), controls.container()
    tabs_box = st.container()
    early = early_view_state(KEY, LANES_KEY, UNSETTABLE)  # the view first when the changed values tell the state
    if early is None:  # the usual order: the lanes, then the settings and the view
        explorer_view(settings_box, view, tabs_box, draw_lanes(lanes_box))
        return
    explorer_view(settings_box, view, tabs_box, early[1])  # draws the view first (with the lanes told)
    choices = draw_lanes(lanes_box)
    confirm_early_view(KEY, early, early[0].replace(lanes=tuple(c.lane for c in choices)), choices)


def draw_lanes(box) -> tuple[LaneChoice, ...]:
    """The lanes panel (its widgets rerun the whole page: a lane changes every view)."""
    with box:
        st.subheader("Optimizers")
        steps = int(st.session_state.get(KEY + "steps", ExplorerState.steps))  # offered schedule arguments
        return tuple(lanes_panel(url_state(KEY).lanes, LANES_KEY, allow_native=True, allow_plan=True, steps=steps,
                                 one_editor=True))


@st.fragment(key="surfaces.view")
def explorer_view(settings_box, view, tabs_box, choices: tuple[LaneChoice, ...]) -> None:
    """The surface, start and steps settings, the view and the tabs under it: a fragment, so that a change of
    its own widgets reruns only this part (the lanes panel, ~25 widgets, is neither rerun nor redrawn).

    ``choices``: the lanes of the page's last full run (a fragment rerun reuses them: lanes change only in full
    runs). Keeps its widget values across pages itself, since a fragment rerun skips the page's own keeping."""
    with kept_across_pages(KEY, skip=UNSETTABLE):
        early = early_view_state(KEY, LANES_KEY, UNSETTABLE)
        st.session_state[VIEW_FIRST] = early is not None
        if early is not None:
            with view:
                drawn = draw_view(early[0], build_surface(early[0].surface), early[1])
        with settings_box:
            spec, problem = surface_picker(KEY, on_change=partial(reset_start, KEY))
            start, steps, noise, seed, ensemble = run_widgets()
        session = st.session_state
        state = ExplorerState(
            surface=spec,
            start=start,
            steps=steps,
            noise=noise,
            seed=seed,
            ensemble=ensemble,
            tol=float(session.get(KEY + "tol", ExplorerState.tol)),
            log=bool(session.get(KEY + "log", False)),
            lanes=tuple(choice.lane for choice in choices),
        )
        write_url(state)
        if early is not None:
            confirm_early_view(KEY, early, state, choices)  # the settings agree with what was drawn (else a rerun)
        if problem is not None:
            view.info("Fix the formula on the left to see the paths.")
            return
        remember_drawn(KEY, state, choices)
        surface = build_surface(spec)
        if early is None:
            with view:
                drawn = draw_view(state, surface, choices)
        paths, trajectories = drawn
        with tabs_box:
            draw_tabs(state, surface, paths, trajectories)


def draw_view(state: ExplorerState, surface: Surface, choices) -> tuple[list[PathSet], list[Trajectory]]:
    """The formula, the map and the loss chart (one client-side view), and divergence notes."""
    formula, toggle = st.columns([3, 1], vertical_alignment="center")  # one row: the map starts higher
    trajectories = compute(state)
    labels = [f"{n}. {choice.lane.label()}" for n, choice in enumerate(choices, 1)]
    paths = [PathSet(label, c.colour, t) for label, c, t in zip(labels, choices, trajectories, strict=True)]
    log_scale = bool(st.session_state.get(KEY + "log", False))
    figure_loss, note = loss_chart(paths, optimum_value(surface), log_scale)
    data = explorer_view_data(surface, paths, state.start, figure_loss)
    assets = {"surface": data.pop("surface")}  # the image: sent once per surface
    if st.session_state.get(KEY + "show_3d"):  # switched on in the 3-D tab; nothing built while off
        log_height = bool(st.session_state.get(KEY + "log_height", True))
        data["scene"] = scene_view_data(surface, paths, log_height=log_height)
        assets["scene_mesh"] = data["scene"].pop("mesh")  # the 3-D surface: sent once per surface and scale
    path_view(data, KEY + "map", on_pick=pick_start, assets=assets)
    formula.markdown(f"$${surface.latex}$$")  # after the view, above it: the browser draws the map first
    if surface.note:
        formula.caption(escape_markdown(surface.note))  # a custom note quotes the typed formula
    toggle.toggle("Log scale", key=KEY + "log", help="Log-scale loss axis (f − f* when f* is known).")
    if note:
        st.caption(note)
    show_divergence(labels, trajectories)
    show_poles(surface, labels, trajectories)
    if any(lane.plan is not None for lane in state.lanes):  # the lr plans at work, under the loss
        st.plotly_chart(lr_figure(paths), key=KEY + "lr_chart")
    return paths, trajectories


def draw_tabs(state: ExplorerState, surface: Surface, paths: list[PathSet], trajectories: list[Trajectory]) -> None:
    """Metrics, the 3-D switch and the exports, each in its tab; the URL follows the tolerance chosen there.

    Only the open tab's content is made (opening a tab reruns the page), so a slider change does not rebuild the
    hidden tabs' code, downloads and switches: fewer elements for the browser to redraw on every rerun."""
    labels = [path.label for path in paths]
    metrics_tab, three_d_tab, export_tab = st.tabs(TABS, key=KEY + "tab", on_change="rerun")
    tolerance = float(st.session_state.get(KEY + "tol", ExplorerState.tol))  # kept while its tab is closed
    if metrics_tab.open:
        with metrics_tab:
            tolerance = draw_metrics(state, surface, labels, trajectories)
    if three_d_tab.open:  # the scene is drawn in the view above (draw_view reads these toggles), only when on
        with three_d_tab:
            help_text = "The surface in 3-D with every lane's path just above it, following ▶ Play and the scrubber."
            if st.toggle("Show 3-D view", key=KEY + "show_3d", help=help_text):
                if KEY + "log_height" not in st.session_state:  # on at first; remembered while the tab is closed
                    st.session_state[KEY + "log_height"] = True
                st.toggle("Log height", key=KEY + "log_height", help="Height log10(1 + f − min f).")
                st.caption("The 3-D view is under the loss chart: drag to turn it, scroll to zoom.")
    if export_tab.open:
        with export_tab:
            figure = partial(explorer_figure, surface, paths, state.start)
            show_exports(surface, labels, trajectories, figure, state.lanes)
    write_url(state.replace(tol=float(tolerance)))


def draw_metrics(state: ExplorerState, surface: Surface, labels: list[str], trajectories: list[Trajectory]) -> float:
    """The tolerance, the metrics table and one caption on every lane's optimizer; returns the tolerance."""
    tolerance = st.select_slider(
        "Tolerance for 'steps to tolerance'",
        TOLERANCES,
        key=KEY + "tol",
        format_func=lambda t: f"{t:g}",
        help="A lane has converged at the first step where f − f* ≤ tolerance (f* = the known minimum).",
    )
    table = lane_metrics(labels, trajectories, surface, tolerance)
    st.dataframe(  # 4 significant digits; a diverged lane's loss and distance, and empty cells, read "—"
        readable(table),
        hide_index=True,
        key=KEY + "metrics",
        column_config=METRIC_COLUMNS,
    )
    if not surface.minima:
        st.caption("This surface has no known minimum: distance and steps to tolerance are blank.")
    summaries = (f"**{n}. {lane.display_name}**: {OPTIMIZER_SUMMARIES[lane.optimizer]}" for n, lane in
                 enumerate(state.lanes, 1))  # fmt: skip
    st.caption("\n\n".join(summaries))  # one element for every lane: fewer to redraw per rerun
    return float(tolerance)


with kept_across_pages(KEY, skip=UNSETTABLE):
    explorer()
