"""The framework comparison's page body (pages/frameworks.py draws the title and the empty places first).

Every setting lives in one :class:`optviz.page_states.frameworks.FrameworksState` (its table lists the URL keys:
``?o=adam:lr=0.05,epsilon=0.1&surface=rosenbrock&start=-1.2,1&steps=200&tf=current&defaults=0``).
"""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from optviz.figures.frameworks import deviation_figure, paths_figure
from optviz.framework_loading import FAILED, READY, framework_loader
from optviz.frameworks import DIFFERENCES, compare
from optviz.lanes import Lane, parse_lane
from optviz.native_lanes import FRAMEWORKS
from optviz.page_states.frameworks import FRAMEWORKS_MAX_STEPS, FRAMEWORKS_START_LIMIT, FrameworksState
from optviz.state import start_widget_values, surface_widget_values
from optviz.surface_spec import SurfaceSpec, make_spec
from pages.components.lane_editor import lane_editor, seed_lane_widgets
from pages.components.page_state import kept_across_pages, seed_from_url, show_url_notes, url_state, write_url
from pages.components.surface_picker import build_surface, escape_markdown, reset_start, surface_picker


class Places(NamedTuple):
    """Where the page body draws: the URL notes, the settings column, the notes above the chart, the paths chart's
    place (an ``st.empty`` holding a placeholder on a first visit) and the results column."""

    url_notes: DeltaGenerator
    settings: DeltaGenerator
    notes: DeltaGenerator
    chart: DeltaGenerator
    results: DeltaGenerator


KEY = "fw."
LIMIT = FRAMEWORKS_START_LIMIT
WIDGETS = {"surface": surface_widget_values, "start": start_widget_values, "lane": lambda lanes: {}}
COLUMNS = ("Framework", "Optimizer", "Final x, y", "Final loss", "Max |Δ| vs Keras 2.2.4", "Diverged at step",
           "Not carried over")  # fmt: skip
POLL_SECONDS = 1.0  # how often the page asks whether torch or TensorFlow has finished loading (only while one loads)
DRAWN = "fw:drawn"  #: session flag: this browser has drawn the page's chart, so the imports may start
FALLBACK_POLLS = 10  #: polls (~1 s each) after which the imports start anyway without word from the browser

#: Tells Python once that the page's paths chart is drawn (plotly's own data is in the page), so that the framework
#: imports start then and not while the browser fetches and runs plotly.js for that first chart (on two cores the
#: import slowed it down by seconds).
_DRAWN_JS = """
export default function ({ parentElement, setTriggerValue }) {
  if (parentElement.__optvizWatching) return;
  parentElement.__optvizWatching = true;
  const timer = setInterval(() => {
    const chart = document.querySelector('.st-key-fw-paths .js-plotly-plot');
    if (chart && chart._fullData) { clearInterval(timer); setTriggerValue("drawn", true); }
  }, 50);
  return () => clearInterval(timer);
}
"""
_chart_drawn = st.components.v2.component("optviz.chart_drawn", js=_DRAWN_JS)


def load_demo(index: int) -> None:
    """Button callback: put a documented difference's demo setting into the widgets."""
    difference = DIFFERENCES[index]
    seed_lane_widgets(parse_lane(difference.lane), KEY + "lane")
    for suffix, value in surface_widget_values(make_spec(difference.surface)).items():
        st.session_state[KEY + suffix] = value
    st.session_state[KEY + "x0"], st.session_state[KEY + "y0"] = difference.start
    st.session_state[KEY + "steps"] = difference.steps
    st.session_state[KEY + "defaults"] = difference.framework_defaults
    st.session_state[KEY + "tf"] = "legacy" if difference.frameworks == ("tf_keras_legacy",) else "current"


@st.cache_data(max_entries=32, show_spinner="Running the frameworks…")
def run_comparison(
    lane_text: str,
    spec: SurfaceSpec,
    start: tuple[float, float],
    steps: int,
    frameworks: tuple[str, ...],
    framework_defaults: bool,
):
    """The paths, losses, divergence steps, deviations and code of each framework (cached across sessions)."""
    value_and_grad = build_surface(spec).value_and_grad
    comparison = compare(parse_lane(lane_text), value_and_grad, start, steps, frameworks, framework_defaults)
    paths = {name: t.positions[:, 0] for name, t in comparison.trajectories.items()}
    losses = {name: t.losses[:, 0] for name, t in comparison.trajectories.items()}
    diverged = {name: int(t.diverged_step[0]) for name, t in comparison.trajectories.items()}
    deviations = {name: comparison.deviation(name) for name in frameworks}
    codes = {name: (t.code, t.dropped) for name, t in comparison.translations.items()}
    return paths, losses, diverged, deviations, codes


def frameworks_page(places: Places) -> None:
    """The settings, the comparison and the documented differences, each setting kept across page visits."""
    skip = (*(f".demo.{i}" for i in range(len(DIFFERENCES))), ".paths", ".deviation", ".drawn")
    with kept_across_pages(KEY, skip=skip):
        comparison_page(places)


def comparison_page(places: Places) -> None:
    """The URL notes, the setting widgets, then the comparison (or why the custom formula cannot be compared)."""
    with places.url_notes:
        show_url_notes(seed_from_url(FrameworksState, KEY, WIDGETS))
    with places.settings:
        state, problem = setting_widgets()
    write_url(state)
    if problem is not None:
        places.chart.empty()
        places.notes.info(f"Fix the formula of the custom surface to compare: {escape_markdown(problem)}")
        return
    compare_and_draw(state, places)
    differences()


def setting_widgets() -> tuple[FrameworksState, str | None]:
    """The lane, surface, start, steps and the framework options; a problem with a custom formula, if any."""
    st.subheader("Setting")
    lane: Lane = lane_editor(url_state(KEY).lane[0], KEY + "lane")
    spec, problem = surface_picker(KEY, on_change=lambda: reset_start(KEY))
    cx, cy = st.columns(2)
    x0 = cx.number_input("start x", key=KEY + "x0", min_value=-LIMIT, max_value=LIMIT, format="%g")
    y0 = cy.number_input("start y", key=KEY + "y0", min_value=-LIMIT, max_value=LIMIT, format="%g")
    steps = st.slider("Steps", 1, FRAMEWORKS_MAX_STEPS, key=KEY + "steps")
    flavour = st.radio(
        "tf.keras flavour",
        ["current", "legacy"],
        key=KEY + "tf",
        horizontal=True,
        help="current: tf_keras.optimizers (what tf.keras uses today); legacy: "
        "tf_keras.optimizers.legacy (Keras-2-style OptimizerV2, with decay).",
    )
    framework_defaults = st.checkbox(
        "Each framework's own defaults",
        key=KEY + "defaults",
        help="For the arguments left at the Keras default. "
        "Off: every framework gets Keras 2.2.4's values, so only the update rules differ. "
        "On: shows the different default learning rates and epsilons too.",
    )

    start = (float(x0), float(y0))
    state = FrameworksState((lane,), spec, start, int(steps), flavour, bool(framework_defaults))
    return state, problem


def compare_and_draw(state: FrameworksState, places: Places) -> None:
    """Run the comparison with the frameworks loaded so far and draw the paths, deviations and the table.

    torch and then TensorFlow are imported in the background (their first imports take seconds each): Keras 2.2.4
    is drawn at once, with a note and a table row in the place of each framework still loading, and a small
    fragment reruns the page whenever one has finished loading (then stops polling). On a fresh server the first
    import starts once this browser has drawn the paths chart (:func:`imports_may_start`).
    """
    lane = state.lane[0]
    tf_name = "tf_keras_legacy" if state.tf == "legacy" else "tf_keras"
    statuses = {name: framework_loader(name).status() for name in (tf_name, "torch")}
    frameworks = tuple(name for name, status in statuses.items() if status.ready)
    loading = tuple(name for name, status in statuses.items() if not (status.ready or status.failed))
    with places.notes:
        for status in statuses.values():
            if status.failed:
                st.info(status.message)
        if loading:
            frameworks_joining(loading, tf_name)
    with places.results:
        paths, losses, diverged, deviations, codes = run_comparison(
            lane.to_text(), state.surface, state.start, state.steps, frameworks, state.defaults
        )
    labels = {name: FRAMEWORKS[name].title for name in paths}
    places.chart.plotly_chart(paths_figure(build_surface(state.surface), paths, labels), key=KEY + "paths")
    if deviations:
        places.results.plotly_chart(deviation_figure(deviations, labels), key=KEY + "deviation")
    load_in_background(tf_name)
    by_framework = {}
    for name, path in paths.items():
        code, dropped = codes.get(name, (lane.keras_code(), ()))
        by_framework[name] = {
            "Framework": labels[name],
            "Optimizer": code,
            "Final x, y": f"{path[-1, 0]:.6g}, {path[-1, 1]:.6g}",
            "Final loss": f"{losses[name][-1]:.6g}",
            "Max |Δ| vs Keras 2.2.4": "—" if name == "keras224" else f"{deviations[name].max():.2e}",
            "Diverged at step": "—" if diverged[name] < 0 else str(diverged[name]),
            "Not carried over": "; ".join(dropped) or "—",
        }
    by_framework.update({name: {"Framework": FRAMEWORKS[name].title, "Optimizer": "loading…"} for name in loading})
    rows = [by_framework[name] for name in ("keras224", tf_name, "torch") if name in by_framework]
    st.markdown(markdown_table(rows))  # wraps the code, nothing is cut off; no pandas or Arrow on a first visit


def markdown_table(rows: list[dict[str, str]]) -> str:
    """``rows`` as a Markdown table of :data:`COLUMNS`, every cell shown literally ("…" where a row has none)."""

    def line(cells) -> str:
        return "| " + " | ".join(escape_markdown(" ".join(str(cell).split())) for cell in cells) + " |"

    body = [line(row.get(column, "…") for column in COLUMNS) for row in rows]
    return "\n".join([line(COLUMNS), "|" + " --- |" * len(COLUMNS), *body])


def imports_may_start() -> bool:
    """Whether the framework imports may start: this browser has drawn the paths chart (:func:`wait_for_chart`), or
    an import has begun in this process already (the first chart after a server start goes first)."""
    return st.session_state.get(DRAWN, False) or any(framework_loader(name).started for name in ("torch", "tf_keras"))


def load_in_background(tf_name: str) -> None:
    """Start torch's import, and TensorFlow's once torch's has finished (after this run's charts: an import running
    alongside would slow both down on a small machine), unless none may start yet. Never blocks."""
    if not imports_may_start():
        return
    torch = framework_loader("torch").start()
    if torch.ready or torch.failed:
        framework_loader(tf_name).start()


def wait_for_chart(tf_name: str) -> None:
    """Start the imports once the browser says the paths chart is drawn, or after :data:`FALLBACK_POLLS` polls
    without word (its JavaScript blocked or slow)."""
    polls = st.session_state[DRAWN + ".polls"] = st.session_state.get(DRAWN + ".polls", 0) + 1
    drawn = _chart_drawn(key=KEY + "drawn", on_drawn_change=lambda: None, height=0).drawn
    if drawn or polls > FALLBACK_POLLS:
        st.session_state[DRAWN] = True
        load_in_background(tf_name)


@st.fragment(run_every=POLL_SECONDS)
def frameworks_joining(loading: tuple[str, ...], tf_name: str) -> None:
    """The note while ``loading`` frameworks import; reruns the whole page as soon as one has finished."""
    if any(framework_loader(name).status().state in (READY, FAILED) for name in loading):
        st.rerun()  # the full rerun draws the framework (or says why it cannot); polling stops when none is left
    if not imports_may_start():
        wait_for_chart(tf_name)
    names = [FRAMEWORKS[name].name for name in loading if name == "torch"]  # in the order they are imported
    names += ["TensorFlow" for name in loading if name != "torch"]
    them, each = ("them", "each joins") if len(names) > 1 else ("it", "it joins")
    st.info(
        f"{' and '.join(names)} loading… The first visit after a server start imports {them} in the background "
        f"(several seconds); {each} the paths, the deviations and the table by itself.",
        icon=":material/hourglass_top:",
    )


def differences() -> None:
    """The documented differences as one list, and a one-click demo button for each that has one (few elements: the
    browser draws them before it gets to the charts on a first visit)."""
    st.subheader("Documented differences")
    st.caption("From the Keras 2.2.4 spec and the tf_keras 2.21 / torch sources. *Show me* loads a setting.")
    items = []
    for difference in DIFFERENCES:
        names = ", ".join(FRAMEWORKS[f].title for f in difference.frameworks)
        demo = "" if difference.lane is not None else " *No one-click demo.*"
        items.append(f"- **{difference.title}** — {names}: {difference.explanation}{demo}")
    st.markdown("\n".join(items))
    with st.container(horizontal=True):
        for index, difference in enumerate(DIFFERENCES):
            if difference.lane is not None:
                label = f"Show me: {difference.title}"
                st.button(label, key=f"{KEY}demo.{index}", on_click=load_demo, args=(index,))
