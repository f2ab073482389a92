"""Surface explorer: race up to six optimizers across a 2-D loss surface, side by side.

URL (every widget writes back): ``?surface=rosenbrock&start=-1.2,1&steps=300&o=adam:lr=0.01,amsgrad=1
&o=sgd:lr=0.001,momentum=0.9,nesterov=1``; ``&condition=100`` for the rotated quadratic; a custom
surface ``surface=custom&f=<formula>&xr=-2,2&yr=-1,3``; gradient noise ``noise=0.1&seed=0&ensemble=8``;
``tol=1e-4`` (metrics tolerance), ``log=1`` (log-scale loss chart).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from optviz.explain import OPTIMIZER_SUMMARIES
from optviz.explorer import lane_groups, run_group
from optviz.expressions import ALLOWED_TEXT, ExpressionError, check_window, custom_surface
from optviz.figures.surfaces import PathSet, explorer_figure, loss_figure, standalone_html, surface_3d_figure
from optviz.lanes import Lane, parse_lane
from optviz.metrics import lane_metrics, optimum_value, trajectories_csv
from optviz.runner import Trajectory
from optviz.surfaces import SURFACES, Surface, get_surface, rotated_quadratic
from pages.components.lane_list import lanes_panel, seed_lanes
from pages.components.page_state import remember_widgets, restore_widgets
from pages.components.routing import route_through_app
from pages.components.surface_picker import CONDITIONS, escape_markdown
from pages.components.url_state import UrlReader, format_number, format_pair, write_query

route_through_app()

KEY = "surfaces."
LANES_KEY = KEY + "lanes"
MAX_STEPS = 2000
MAX_ENSEMBLE = 20
MAX_NOISE = 100.0
START_LIMIT = 1e4
CUSTOM = "custom"
DEFAULT_SURFACE = "rosenbrock"
DEFAULT_STEPS = 300
DEFAULT_LANES = ("adam:lr=0.05", "sgd:lr=0.001,momentum=0.9", "rmsprop:lr=0.01")
DEFAULT_EXPRESSION = "sin(x)*y**2 + 0.1*(x**2 + y**2)"
DEFAULT_WINDOW = ((-2.0, 2.0), (-2.0, 2.0))
DEFAULT_TOLERANCE = 1e-4
TOLERANCES = (1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
SPEEDS = {"slow": 150, "normal": 60, "fast": 20}
SURFACE_NAMES = {**{key: s.name for key, s in SURFACES.items()}, CUSTOM: "Custom f(x, y)…"}
SURFACE_NAMES["rotated_quadratic"] = "Rotated quadratic (condition number κ)"


@dataclass(frozen=True)
class SurfaceSpec:
    """Which surface: a built-in key, the rotated quadratic's condition number, or a custom formula."""

    key: str
    condition: float = 20.0
    expression: str = ""
    x_range: tuple[float, float] = DEFAULT_WINDOW[0]
    y_range: tuple[float, float] = DEFAULT_WINDOW[1]


@dataclass(frozen=True)
class Settings:
    """Everything the runs depend on (the figure options are read separately)."""

    spec: SurfaceSpec
    start: tuple[float, float]
    steps: int
    noise: float
    seed: int
    ensemble: int
    lanes: tuple[Lane, ...]


@st.cache_resource(max_entries=32, show_spinner=False)
def _custom(expression: str, x_range: tuple[float, float], y_range: tuple[float, float]) -> Surface:
    return custom_surface(expression, x_range, y_range)


@st.cache_resource(max_entries=16, show_spinner=False)
def _quadratic(condition: float) -> Surface:
    return rotated_quadratic(condition)


def build_surface(spec: SurfaceSpec) -> Surface:
    """The surface of ``spec`` (compiled once per formula; ``ExpressionError`` for a bad formula)."""
    if spec.key == CUSTOM:
        return _custom(spec.expression, spec.x_range, spec.y_range)
    if spec.key == "rotated_quadratic":
        return _quadratic(spec.condition)
    return get_surface(spec.key)


@st.cache_data(max_entries=96, show_spinner=False)
def _group_runs(
    spec: SurfaceSpec,
    lanes: tuple[Lane, ...],
    start: tuple[float, float],
    steps: int,
    noise: float,
    seed: int,
    ensemble: int,
) -> list[Trajectory]:
    """One batched core call for lanes of one optimizer class (a native lane alone); cached, so a slider
    re-runs one class only."""
    surface = build_surface(spec)
    return run_group(
        list(lanes), surface.value_and_grad, start, steps, noise_sigma=noise, noise_seed=seed, ensemble=ensemble
    )


def compute(settings: Settings) -> list[Trajectory]:
    """Every lane's trajectory (``ensemble`` runs each), one core call per optimizer class."""
    results: list[Trajectory | None] = [None] * len(settings.lanes)
    for indices in lane_groups(settings.lanes):
        group = tuple(settings.lanes[i] for i in indices)
        runs = _group_runs(
            settings.spec, group, settings.start, settings.steps, settings.noise, settings.seed, settings.ensemble
        )
        for index, trajectory in zip(indices, runs, strict=True):
            results[index] = trajectory
    return results  # type: ignore[return-value]


# -- URL --------------------------------------------------------------------------------------------------
def load_url() -> tuple[list[Lane], list[str]]:
    """Seed the widgets from the query string (once per session); return the lanes and notes on bad values."""
    reader = UrlReader()
    state = st.session_state
    key = reader.text("surface", DEFAULT_SURFACE, [*SURFACES, CUSTOM])
    state[KEY + "surface"] = key
    condition = reader.number("condition", 20.0, 1.0, 1e4)
    state[KEY + "condition"] = min(CONDITIONS, key=lambda c: abs(c - condition))
    if condition not in CONDITIONS:
        reader.notes.append(f"Condition number {condition:g} is not offered; using {state[KEY + 'condition']:g}.")
    expression = reader.text("f", DEFAULT_EXPRESSION)
    x_range = reader.pair("xr", DEFAULT_WINDOW[0], -START_LIMIT, START_LIMIT, increasing=True)
    y_range = reader.pair("yr", DEFAULT_WINDOW[1], -START_LIMIT, START_LIMIT, increasing=True)
    state[KEY + "f"] = expression
    state[KEY + "x_low"], state[KEY + "x_high"] = x_range
    state[KEY + "y_low"], state[KEY + "y_high"] = y_range
    default_start = _default_start(key, expression, x_range, y_range)
    state[KEY + "x0"], state[KEY + "y0"] = reader.pair("start", default_start, -START_LIMIT, START_LIMIT)
    state[KEY + "steps"] = reader.number("steps", DEFAULT_STEPS, 1, MAX_STEPS, integer=True)
    state[KEY + "noise"] = reader.number("noise", 0.0, 0.0, MAX_NOISE)
    state[KEY + "seed"] = reader.number("seed", 0, 0, 2**31 - 1, integer=True)
    state[KEY + "ensemble"] = reader.number("ensemble", 1, 1, MAX_ENSEMBLE, integer=True)
    tolerance = reader.number("tol", DEFAULT_TOLERANCE, 1e-12, 10.0)
    state[KEY + "tol"] = min(TOLERANCES, key=lambda t: abs(t - tolerance))
    state[KEY + "log"] = reader.flag("log", False)
    lanes = reader.lanes("o", [parse_lane(text) for text in DEFAULT_LANES], allow_native=True)
    return lanes, reader.notes


def _default_start(key: str, expression: str, x_range, y_range) -> tuple[float, float]:
    if key == CUSTOM:
        return (
            float(f"{x_range[0] + 0.2 * (x_range[1] - x_range[0]):.4g}"),
            float(f"{y_range[0] + 0.8 * (y_range[1] - y_range[0]):.4g}"),
        )
    return get_surface(key).start


def write_url(settings: Settings, tolerance: float, log_scale: bool) -> None:
    """Mirror the page in the query string so the link reproduces it."""
    spec = settings.spec
    custom = spec.key == CUSTOM
    noisy = settings.noise > 0
    write_query(
        {
            "surface": spec.key,
            "condition": format_number(spec.condition) if spec.key == "rotated_quadratic" else None,
            "f": spec.expression if custom else None,
            "xr": format_pair(spec.x_range) if custom else None,
            "yr": format_pair(spec.y_range) if custom else None,
            "start": format_pair(settings.start),
            "steps": str(settings.steps),
            "noise": format_number(settings.noise) if noisy else None,
            "seed": str(settings.seed) if noisy else None,
            "ensemble": str(settings.ensemble) if noisy else None,
            "tol": format_number(tolerance) if tolerance != DEFAULT_TOLERANCE else None,
            "log": "1" if log_scale else None,
            "o": [lane.to_text() for lane in settings.lanes],
        }
    )


# -- widgets ----------------------------------------------------------------------------------------------
def reset_start() -> None:
    """A new surface (or window) starts from its default start point."""
    state = st.session_state
    key = state[KEY + "surface"]
    x_range = (state.get(KEY + "x_low", -2.0), state.get(KEY + "x_high", 2.0))
    y_range = (state.get(KEY + "y_low", -2.0), state.get(KEY + "y_high", 2.0))
    state[KEY + "x0"], state[KEY + "y0"] = _default_start(key, state.get(KEY + "f", ""), x_range, y_range)


def pick_start() -> None:
    """A click on the map starts every lane from the clicked point."""
    event = st.session_state.get(KEY + "map")
    try:
        points = event["selection"]["points"]
    except (KeyError, TypeError):
        return
    for point in points:
        if "x" in point and "y" in point:
            x, y = (min(max(float(point[c]), -START_LIMIT), START_LIMIT) for c in ("x", "y"))
            st.session_state[KEY + "x0"], st.session_state[KEY + "y0"] = float(f"{x:.4g}"), float(f"{y:.4g}")
            return


def surface_widgets() -> tuple[SurfaceSpec, str | None]:
    """Surface picker (with the condition number or the custom formula and window); a formula problem."""
    key = st.selectbox(
        "Surface", list(SURFACE_NAMES), key=KEY + "surface", format_func=SURFACE_NAMES.get, on_change=reset_start
    )
    if key == "rotated_quadratic":
        condition = st.select_slider(
            "Condition number κ",
            CONDITIONS,
            key=KEY + "condition",
            format_func=lambda c: f"{c:g}",
            help="Ratio of the largest to the smallest curvature. Large κ: a narrow valley where one learning "
            "rate is too big across it and too small along it.",
        )
        return SurfaceSpec(key, condition=float(condition)), None
    if key != CUSTOM:
        return SurfaceSpec(key), None
    expression = st.text_input(
        "f(x, y)",
        key=KEY + "f",
        max_chars=300,
        help=f"A formula in x and y using {ALLOWED_TEXT}. Powers are written **.",
    )
    cells = st.columns(4)
    x_low = cells[0].number_input(
        "x from", -START_LIMIT, START_LIMIT, key=KEY + "x_low", format="%g", on_change=reset_start
    )
    x_high = cells[1].number_input(
        "x to", -START_LIMIT, START_LIMIT, key=KEY + "x_high", format="%g", on_change=reset_start
    )
    y_low = cells[2].number_input(
        "y from", -START_LIMIT, START_LIMIT, key=KEY + "y_low", format="%g", on_change=reset_start
    )
    y_high = cells[3].number_input(
        "y to", -START_LIMIT, START_LIMIT, key=KEY + "y_high", format="%g", on_change=reset_start
    )
    spec = SurfaceSpec(CUSTOM, expression=expression, x_range=(x_low, x_high), y_range=(y_low, y_high))
    try:
        check_window(spec.x_range, spec.y_range)
        build_surface(spec)
    except ExpressionError as error:
        st.error(f"Formula not used: {escape_markdown(str(error))}.")
        return spec, str(error)
    return spec, None


def run_widgets() -> tuple[tuple[float, float], int, float, int, int]:
    """Start point, number of steps and gradient noise."""
    left, right, reset = st.columns([2, 2, 1.3], vertical_alignment="bottom")
    x0 = left.number_input("start x", -START_LIMIT, START_LIMIT, key=KEY + "x0", step=0.1, format="%g")
    y0 = right.number_input("start y", -START_LIMIT, START_LIMIT, key=KEY + "y0", step=0.1, format="%g")
    reset.button("Reset", key=KEY + "reset_start", on_click=reset_start, help="The surface's default start point.")
    st.caption("Or click on the map to start there.")
    steps = st.slider("Steps", 1, MAX_STEPS, key=KEY + "steps", help="Number of optimizer updates (up to 2000).")
    with st.expander("Gradient noise", expanded=st.session_state[KEY + "noise"] > 0):
        noise = st.number_input(
            "noise σ",
            0.0,
            MAX_NOISE,
            key=KEY + "noise",
            step=0.05,
            format="%g",
            help="Standard deviation of Gaussian noise added to every gradient (as a mini-batch would).",
        )
        seed_cell, ensemble_cell = st.columns(2)
        seed = seed_cell.number_input("seed", 0, 2**31 - 1, key=KEY + "seed", help="Noise seed of the first run.")
        ensemble = ensemble_cell.slider(
            "ensemble runs",
            1,
            MAX_ENSEMBLE,
            key=KEY + "ensemble",
            disabled=noise == 0,
            help="Runs per lane with seeds seed, seed+1, …: the first is drawn bold, the others faint.",
        )
    return (float(x0), float(y0)), int(steps), float(noise), int(seed), int(ensemble)


# -- widget state across pages ---------------------------------------------------------------------------
#: Widget keys whose value Streamlit does not let a script set (buttons, downloads, chart selections), or
#: whose widget passes its own default (setting them too would print Streamlit's "set twice" warning).
UNSETTABLE = ("reset_start", ".csv", ".html", ".map", ".metrics", ".3d", ".loss", ".speed", ".log_height")


# -- output -----------------------------------------------------------------------------------------------
def show_divergence(labels: list[str], trajectories: list[Trajectory]) -> None:
    for number, (label, trajectory) in enumerate(zip(labels, trajectories, strict=True), 1):
        step = int(trajectory.diverged_step[0])
        if step >= 0:
            st.warning(
                f"Lane {number} ({label}) diverged at step {step}: its next point or loss was not a finite number "
                "(or left ±1e6), so its path stops at the red ✕. Try a smaller lr, or clipnorm / clipvalue.",
                icon=":material/error:",
            )
        elif trajectory.diverged.any():
            st.info(f"Lane {number} ({label}): {int(trajectory.diverged.sum())} of the noisy runs diverged.")


def show_exports(surface: Surface, labels, trajectories, figure, lanes) -> None:
    left, right = st.columns(2)
    left.download_button(
        "Trajectories (CSV)",
        data=lambda: trajectories_csv(labels, trajectories),
        file_name=f"optviz_{surface.key}_trajectories.csv",
        mime="text/csv",
        key=KEY + "csv",
        on_click="ignore",
        icon=":material/download:",
        help="Columns step, lane, run, x, y, loss (run 0 is the bold path; the others are the noisy ensemble).",
    )
    right.download_button(
        "2-D figure (interactive HTML)",
        data=lambda: standalone_html(figure),
        file_name=f"optviz_{surface.key}_paths.html",
        mime="text/html",
        key=KEY + "html",
        on_click="ignore",
        icon=":material/download:",
        help="A standalone page with the animated map (works offline).",
    )
    st.markdown("**Keras code per lane** (Keras 2.2 spelling, then the modern `learning_rate=` one)")
    for number, lane in enumerate(lanes, 1):
        code = lane.keras_code() if lane.is_native else f"{lane.keras_code()}\n{lane.keras_code(modern=True)}"
        st.code(f"# lane {number}\n{code}", language="python")


def main() -> None:
    restore_widgets(KEY)
    try:
        explorer()
    finally:
        remember_widgets(KEY, skip=UNSETTABLE)


def explorer() -> None:
    st.title("Surface explorer")
    st.caption(
        "Race up to six optimizers across a 2-D loss surface. Every Keras 2.2.4 argument is a widget; "
        "press ▶ Play on the map to watch the paths, click the map to start elsewhere, share the URL."
    )
    state = st.session_state
    if KEY + "notes" not in state:
        lanes, notes = load_url()
        seed_lanes(lanes, LANES_KEY)
        state[KEY + "notes"] = notes
    if state[KEY + "notes"]:
        st.warning("Some settings in the link were not usable:\n\n" + "\n".join(f"- {n}" for n in state[KEY + "notes"]))

    controls, view = st.columns([1, 2], gap="medium")
    with controls:
        spec, problem = surface_widgets()
        start, steps, noise, seed, ensemble = run_widgets()
        st.subheader("Optimizers")
        choices = lanes_panel([], LANES_KEY, allow_native=True)
    lanes = tuple(choice.lane for choice in choices)
    settings = Settings(spec, start, steps, noise, seed, ensemble, lanes)
    tolerance = float(state.get(KEY + "tol", DEFAULT_TOLERANCE))
    log_scale = bool(state.get(KEY + "log", False))
    write_url(settings, tolerance, log_scale)
    if problem is not None:
        view.info("Fix the formula on the left to see the paths.")
        return
    surface = build_surface(spec)
    with view:
        st.markdown(f"$${surface.latex}$$")
        if surface.note:
            st.caption(escape_markdown(surface.note))  # a custom note quotes the typed formula
        trajectories = compute(settings)
        labels = [f"{n}. {lane.label()}" for n, lane in enumerate(lanes, 1)]
        paths = [
            PathSet(label, choice.colour, trajectory)
            for label, choice, trajectory in zip(labels, choices, trajectories, strict=True)
        ]
        speed = st.segmented_control(
            "Animation speed", list(SPEEDS), default="normal", key=KEY + "speed", label_visibility="collapsed"
        )
        figure = explorer_figure(surface, paths, start, frame_ms=SPEEDS.get(speed or "normal", 60))
        st.plotly_chart(
            figure,
            key=KEY + "map",
            on_select=pick_start,
            selection_mode=("points",),
            config={"displayModeBar": False},
        )
        show_divergence(labels, trajectories)
        log_scale = st.toggle("Log scale", key=KEY + "log", help="Log-scale loss axis (f − f* when f* is known).")
        figure_loss, note = loss_figure(paths, optimum_value(surface), log_scale)
        if note:
            st.caption(note)
        st.plotly_chart(figure_loss, key=KEY + "loss")
    metrics_tab, three_d_tab, export_tab = st.tabs(["Metrics", "3-D view", "Export and Keras code"])
    with metrics_tab:
        tolerance = st.select_slider(
            "Tolerance for 'steps to tolerance'",
            TOLERANCES,
            key=KEY + "tol",
            format_func=lambda t: f"{t:g}",
            help="A lane has converged at the first step where f − f* ≤ tolerance (f* = the known minimum).",
        )
        short = st.column_config.NumberColumn(format="%.4g")  # 1e-20, not 0.00000000000000000001
        st.dataframe(
            lane_metrics(labels, trajectories, surface, tolerance),
            hide_index=True,
            key=KEY + "metrics",
            column_config={"final loss": short, "distance to minimum": short, "ensemble median final loss": short},
        )
        if not surface.minima:
            st.caption("This surface has no known minimum: distance and steps to tolerance are blank.")
        for number, lane in enumerate(lanes, 1):
            st.caption(f"**{number}. {lane.display_name}**: {OPTIMIZER_SUMMARIES[lane.optimizer]}")
    with three_d_tab:
        log_height = st.toggle("Log height", value=True, key=KEY + "log_height", help="Height log10(1 + f − min f).")
        st.plotly_chart(surface_3d_figure(surface, paths, log_height=log_height), key=KEY + "3d")
    with export_tab:
        show_exports(surface, labels, trajectories, figure, lanes)
    write_url(settings, tolerance, log_scale)


main()
