"""Hyperparameter sweeps: heat maps of a metric over two Keras arguments, click a cell to replay it,
metric curves over one argument for several optimizers, and a fair comparison at each one's best lr.

URL: ``?mode=map&surface=rosenbrock&start=-1.2,1&steps=300&opt=sgd:nesterov=1&x=lr:1e-4:1:log:60
&y=momentum:0:0.99:lin:50&metric=final_loss`` (``opt`` repeats in the curves and fair modes); the surface as
the surface explorer writes it: ``surface=rotated_quadratic&condition=100`` or a custom formula
``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-2,2``; gradient noise ``noise=0.1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from optviz.figures.sweep import (
    CLICK_TRACE,
    format_value,
    metric_curves,
    paths_figure,
    sweep_heatmap,
    training_curves,
)
from optviz.lanes import DISPLAY_NAMES, PALETTE, Lane, keras_arguments, parse_lane
from optviz.sweep import (
    DEFAULT_TOLERANCE,
    MAX_AXIS_COUNT,
    MAX_NETWORK_AXIS_COUNT,
    METRICS,
    NETWORK_DATASETS,
    SWEEPABLE,
    Axis,
    NetworkTask,
    Task,
    axis_problem,
    best_index,
    check_axis_for,
    network_task_available,
    parse_axis,
    replay,
    run_sweep,
    tune,
    tune_learning_rate,
)
from pages.components.lane_editor import lane_editor
from pages.components.registry import PAGES
from pages.components.routing import route_through_app
from pages.components.surface_picker import (
    SurfaceSpec,
    build_surface,
    default_start,
    escape_markdown,
    read_surface,
    reset_start,
    spec_from_state,
    surface_picker,
)
from pages.components.url_state import UrlReader

MODES = {
    "map": "Map: two arguments",
    "curves": "Curves: one argument, several optimizers",
    "tune": "Fair comparison: each at its best lr",
}
MAX_STEPS = 2000
DEFAULT_LANE = "sgd"
DEFAULT_COMPARE = ("sgd:momentum=0.9", "rmsprop", "adam", "nadam")
DEFAULT_RANGES = {  # argument -> (low, high, scale)
    "lr": (1e-4, 1.0, "log"),
    "momentum": (0.0, 0.99, "lin"),
    "rho": (0.0, 0.99, "lin"),
    "epsilon": (1e-10, 1.0, "log"),
    "decay": (0.0, 1.0, "lin"),
    "beta_1": (0.0, 0.99, "lin"),
    "beta_2": (0.9, 0.9999, "lin"),
    "schedule_decay": (0.0, 0.1, "lin"),
    "clipnorm": (0.01, 100.0, "log"),
    "clipvalue": (0.01, 100.0, "log"),
}
KEY = "sweep.w."  # widget keys kept across mode switches

route_through_app()
st.title("Hyperparameter sweeps")
st.caption(
    "Thousands of settings at once, each a full run on the surface: see where an optimizer converges, crawls or "
    "blows up. Every cell of the grid runs in one vectorised batch. Click a cell to replay its path."
)


@dataclass(frozen=True)
class Settings:
    """Everything a sweep depends on; round-trips through the URL."""

    mode: str
    surface: SurfaceSpec
    start: tuple[float, float]
    steps: int
    noise: float
    metric: str
    tolerance: float
    lanes: tuple[Lane, ...]
    x: Axis
    y: Axis | None
    network: NetworkTask | None = None

    def task(self) -> Task | NetworkTask:
        if self.network is not None:
            return self.network
        return Task(build_surface(self.surface), self.start, self.steps, self.noise, 0, self.tolerance)

    def query(self) -> dict[str, str | list[str]]:
        params: dict[str, str | list[str]] = {"mode": self.mode}
        if self.network is not None:
            params["task"] = "network"
            params["dataset"] = self.network.dataset
            params["batch"] = str(self.network.batch_size)
            params["hidden"] = ",".join(map(str, self.network.hidden))
        else:
            params.update(self.surface.query_items())
            params["start"] = f"{self.start[0]:g},{self.start[1]:g}"
        params.update({"steps": str(self.steps), "opt": [lane.to_text() for lane in self.lanes], "x": self.x.to_text()})
        params["metric"] = self.metric
        if self.y is not None:
            params["y"] = self.y.to_text()
        if self.noise and self.network is None:
            params["noise"] = f"{self.noise:g}"
        if self.metric == "steps_to_tol":
            params["tol"] = f"{self.tolerance:g}"
        return params


# -- widget state ---------------------------------------------------------------------------------------
def keep_widget_state() -> None:
    """Streamlit forgets a widget's value when it is not drawn in a run; re-store ours so mode switches keep them."""
    for key in [k for k in st.session_state if str(k).startswith(KEY)]:
        st.session_state[key] = st.session_state[key]


def seed_axis(name: str, axis: Axis) -> None:
    st.session_state[f"{KEY}{name}.argument"] = axis.argument
    st.session_state[f"{KEY}{name}.{axis.argument}.min"] = float(axis.low)
    st.session_state[f"{KEY}{name}.{axis.argument}.max"] = float(axis.high)
    st.session_state[f"{KEY}{name}.{axis.argument}.scale"] = axis.scale
    st.session_state[f"{KEY}{name}.{axis.argument}.count"] = int(axis.count)


def read_url() -> list[str]:
    """Seed the widgets from the query string (first run of a visit); return notes about what was ignored."""
    if f"{KEY}mode" in st.session_state:
        return []
    notes: list[str] = []
    params = st.query_params
    mode = params.get("mode", "map")
    if mode not in MODES:
        notes.append(f"Ignored mode={mode!r}: choose one of {', '.join(MODES)}.")
        mode = "map"
    st.session_state[f"{KEY}mode"] = mode
    read_network_params(params, notes)
    reader = UrlReader(params)
    start = default_start(read_surface(reader, KEY))
    notes += reader.notes
    if "start" in params:
        try:
            x0, y0 = (float(v) for v in params["start"].split(","))
            if not (math.isfinite(x0) and math.isfinite(y0) and abs(x0) <= 1e3 and abs(y0) <= 1e3):
                raise ValueError
            start = (x0, y0)
        except ValueError:
            notes.append(f"Ignored start={params['start']!r}: expected two finite numbers like -1.2,1.")
    st.session_state[f"{KEY}x0"], st.session_state[f"{KEY}y0"] = float(start[0]), float(start[1])
    steps = 300
    if "steps" in params:
        try:
            steps = int(params["steps"])
            if not 1 <= steps <= MAX_STEPS:
                notes.append(f"steps={steps} is outside 1 to {MAX_STEPS}; capped.")
                steps = min(max(steps, 1), MAX_STEPS)
        except ValueError:
            notes.append(f"Ignored steps={params['steps']!r}: expected a whole number.")
            steps = 300
    st.session_state[f"{KEY}steps"] = steps
    noise = _read_float(params, "noise", 0.0, 0.0, 100.0, notes)
    st.session_state[f"{KEY}noise"] = noise
    kind = st.session_state[f"{KEY}task"]
    valid = [key for key, value in METRICS.items() if value.task == kind]
    metric = params.get("metric", valid[0])
    if metric not in valid:
        notes.append(f"Ignored metric={metric!r}: choose one of {', '.join(valid)}.")
        metric = valid[0]
    st.session_state[f"{KEY}metric"] = metric
    st.session_state[f"{KEY}tol"] = _read_float(params, "tol", DEFAULT_TOLERANCE, 1e-12, 1e6, notes)
    lanes = []
    for text in params.get_all("opt"):
        try:
            lanes.append(parse_lane(text))
        except ValueError as error:
            notes.append(f"Ignored opt={text!r}: {error}.")
    base = lanes[0] if lanes else parse_lane(DEFAULT_LANE)
    st.session_state["sweep.base_lane"] = base
    compare = lanes if (lanes and mode != "map") else [parse_lane(t) for t in DEFAULT_COMPARE]
    seed_compare(compare)
    default_x = Axis("lr", 1e-4, 1.0, "log", 60)
    default_y = Axis("momentum", 0.0, 0.99, "lin", 50) if "momentum" in keras_arguments(base.optimizer) else None
    x = _read_axis(params, "x", default_x, notes)
    y = _read_axis(params, "y", default_y if "x" not in params else None, notes)
    checked = [base] if mode == "map" else []
    for name, axis in (("x", x), ("y", y)):
        for lane in checked:
            try:
                if axis is not None:
                    check_axis_for(axis, lane)
            except ValueError as error:
                notes.append(f"Ignored {name}={params.get(name)!r}: {error}.")
                x, y = (default_x, y) if name == "x" else (x, None)
    seed_axis("x", x)
    seed_axis("curve", x if mode == "curves" else Axis("lr", 1e-4, 1.0, "log", 40))
    seed_axis("lr", x if (mode == "tune" and x.argument == "lr") else Axis("lr", 1e-5, 10.0, "log", 40))
    if y is not None:
        seed_axis("y", y)
    else:
        st.session_state[f"{KEY}y.argument"] = "(none)" if mode == "map" and "x" in params else "momentum"
    return notes


def read_network_params(params, notes: list[str]) -> None:
    """``task=network&dataset=moons&batch=32&hidden=16,16`` into the network widgets."""
    kind = params.get("task", "surface")
    if kind == "network" and not network_task_available():
        notes.append("The network task needs the training modules, which are not installed; showing a surface.")
        kind = "surface"
    elif kind not in ("surface", "network"):
        notes.append(f"Ignored task={kind!r}: choose surface or network.")
        kind = "surface"
    st.session_state[f"{KEY}task"] = kind
    dataset = params.get("dataset", "moons")
    if dataset not in NETWORK_DATASETS:
        notes.append(f"Ignored dataset={dataset!r}: choose one of {', '.join(NETWORK_DATASETS)}.")
        dataset = "moons"
    st.session_state[f"{KEY}dataset"] = dataset
    st.session_state[f"{KEY}batch"] = int(_read_float(params, "batch", 32, 1, 1024, notes))
    units, layers = 16, 2
    if "hidden" in params:
        try:
            widths = [int(v) for v in params["hidden"].split(",")]
            if not (1 <= len(widths) <= 3 and len(set(widths)) == 1 and 1 <= widths[0] <= 64):
                raise ValueError
            units, layers = widths[0], len(widths)
        except ValueError:
            notes.append(f"Ignored hidden={params['hidden']!r}: expected 1 to 3 equal widths of 1 to 64, e.g. 16,16.")
    st.session_state[f"{KEY}units"], st.session_state[f"{KEY}layers"] = units, layers


def _read_float(params, name: str, default: float, low: float, high: float, notes: list[str]) -> float:
    if name not in params:
        return default
    try:
        value = float(params[name])
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError
        return value
    except ValueError:
        notes.append(f"Ignored {name}={params[name]!r}: expected a number from {low:g} to {high:g}.")
        return default


def _read_axis(params, name: str, default: Axis | None, notes: list[str]) -> Axis | None:
    if name not in params:
        return default
    text = params[name]
    try:
        fields = text.split(":")
        if len(fields) == 5 and fields[4].strip().lstrip("-").isdigit() and int(fields[4]) > MAX_AXIS_COUNT:
            notes.append(f"{name}={text!r} asks for {int(fields[4])} values; capped to {MAX_AXIS_COUNT}.")
            fields[4] = str(MAX_AXIS_COUNT)
        return parse_axis(":".join(fields))
    except ValueError as error:
        notes.append(f"Ignored {name}={text!r}: {error}.")
        return default


def seed_compare(lanes: list[Lane]) -> None:
    names = list(dict.fromkeys(lane.optimizer for lane in lanes))
    st.session_state[f"{KEY}optimizers"] = names
    for lane in lanes:
        st.session_state.setdefault(f"{KEY}fixed.{lane.optimizer}", lane.to_text().partition(":")[2])


# -- widgets --------------------------------------------------------------------------------------------
def start_at_surface_default() -> None:
    """A new surface (or custom window) starts from its own default start point."""
    reset_start(KEY)


def network_widgets(steps: int) -> NetworkTask:
    dataset = st.selectbox("Dataset", NETWORK_DATASETS, key=f"{KEY}dataset", format_func=str.capitalize)
    left, right = st.columns(2)
    units = int(left.number_input("Units per layer", min_value=1, max_value=64, key=f"{KEY}units"))
    layers = int(right.number_input("Hidden layers", min_value=1, max_value=3, key=f"{KEY}layers"))
    batch = int(st.number_input("Batch size", min_value=1, max_value=1024, key=f"{KEY}batch", step=8))
    st.caption(
        f"A 2-{'-'.join([str(units)] * layers)}-2 tanh network per cell (Keras' glorot-uniform start, "
        f"softmax + cross-entropy), every cell from the same weights on the same mini-batches. "
        f"At most {MAX_NETWORK_AXIS_COUNT} values per axis."
    )
    return NetworkTask(dataset, steps, (units,) * layers, "tanh", batch)


TaskChoice = tuple[SurfaceSpec, tuple[float, float], int, float, str, float, NetworkTask | None, str | None]


def task_widgets() -> TaskChoice:
    """The sidebar's task and metric; the last item is why a custom formula is refused (None when usable)."""
    st.subheader("Task")
    if network_task_available():
        kind = st.radio(
            "Run each cell on",
            ["surface", "network"],
            key=f"{KEY}task",
            format_func={"surface": "a loss surface", "network": "a small network"}.get,
            horizontal=True,
        )
    else:
        kind = "surface"
    steps = int(st.number_input("Steps", min_value=1, max_value=MAX_STEPS, key=f"{KEY}steps", step=50))
    network = network_widgets(steps) if kind == "network" else None
    metric_options = [key for key, metric in METRICS.items() if metric.task == kind]
    if st.session_state.get(f"{KEY}metric") not in metric_options:
        st.session_state[f"{KEY}metric"] = metric_options[0]
    if network is not None:
        st.subheader("Metric")
        metric = st.selectbox(
            "Score each run by", metric_options, key=f"{KEY}metric", format_func=lambda k: METRICS[k].label
        )
        surface = spec_from_state(KEY)
        start = (float(st.session_state.get(f"{KEY}x0", 0.0)), float(st.session_state.get(f"{KEY}y0", 0.0)))
        return surface, start, steps, 0.0, metric, DEFAULT_TOLERANCE, network, None
    surface, formula_problem = surface_picker(KEY, on_change=start_at_surface_default)
    left, right = st.columns(2)
    x0 = left.number_input("start x", min_value=-1e3, max_value=1e3, key=f"{KEY}x0", format="%g", step=0.1)
    y0 = right.number_input("start y", min_value=-1e3, max_value=1e3, key=f"{KEY}y0", format="%g", step=0.1)
    noise = st.number_input(
        "Gradient noise σ",
        min_value=0.0,
        max_value=100.0,
        key=f"{KEY}noise",
        format="%g",
        step=0.1,
        help="Gaussian noise added to every gradient; every cell gets the same noise sequence, so they compare fairly.",
    )
    st.subheader("Metric")
    metric = st.selectbox(
        "Score each run by", metric_options, key=f"{KEY}metric", format_func=lambda k: METRICS[k].label
    )
    tolerance = DEFAULT_TOLERANCE
    if metric == "steps_to_tol":
        tolerance = st.number_input(
            "Tolerance (loss above the minimum)",
            min_value=1e-12,
            max_value=1e6,
            key=f"{KEY}tol",
            format="%g",
            help="A run counts as converged at the first step whose loss is within this of the known minimum.",
        )
    return surface, (float(x0), float(y0)), steps, float(noise), metric, float(tolerance), None, formula_problem


def axis_widgets(
    name: str, title: str, arguments: list[str], optional: bool = False, limit: int = MAX_AXIS_COUNT
) -> tuple[Axis | None, str | None]:
    """One axis editor; returns ``(axis, None)`` or ``(None, problem)``; ``(None, None)`` when switched off."""
    options = (["(none)"] if optional else []) + arguments
    argument_key = f"{KEY}{name}.argument"
    if st.session_state.get(argument_key) not in options:
        st.session_state[argument_key] = options[1] if optional and len(options) > 1 else options[0]
    argument = st.selectbox(title, options, key=argument_key)
    if argument == "(none)":
        return None, None
    low, high, scale = DEFAULT_RANGES[argument]
    prefix = f"{KEY}{name}.{argument}"
    st.session_state.setdefault(f"{prefix}.min", float(low))
    st.session_state.setdefault(f"{prefix}.max", float(high))
    st.session_state.setdefault(f"{prefix}.scale", scale)
    st.session_state.setdefault(f"{prefix}.count", 40 if name != "y" else 50)
    columns = st.columns([1, 1, 0.8, 0.8])
    low = columns[0].number_input("min", key=f"{prefix}.min", format="%g", step=None)
    high = columns[1].number_input("max", key=f"{prefix}.max", format="%g", step=None)
    scale = columns[2].selectbox("spacing", ["log", "lin"], key=f"{prefix}.scale")
    count = int(columns[3].number_input("values", min_value=0, max_value=100_000, key=f"{prefix}.count", step=10))
    if count > limit:
        st.warning(f"{argument}: {count} values is over the limit of {limit}; using {limit}.")
        count = limit
    problem = axis_problem(argument, low, high, scale, count)
    if problem:
        return None, problem
    return Axis(argument, float(low), float(high), scale, count), None


def sweepable(optimizer: str) -> list[str]:
    return [a for a in keras_arguments(optimizer) if a in SWEEPABLE]


def compare_widgets() -> tuple[list[Lane], list[str]]:
    """Optimizers to compare, each with optional fixed arguments (``momentum=0.9``)."""
    names = st.multiselect(
        "Optimizers", list(DISPLAY_NAMES), key=f"{KEY}optimizers", format_func=DISPLAY_NAMES.get, max_selections=6
    )
    lanes, problems = [], []
    columns = st.columns(3)
    for index, name in enumerate(names):
        key = f"{KEY}fixed.{name}"
        st.session_state.setdefault(key, "")
        text = columns[index % 3].text_input(
            f"{DISPLAY_NAMES[name]} fixed arguments",
            key=key,
            placeholder="e.g. momentum=0.9,nesterov=1" if name == "sgd" else "e.g. lr=0.01",
            help="Keras arguments kept fixed during the sweep, as key=value pairs; the rest are Keras defaults.",
        )
        try:
            lanes.append(parse_lane(f"{name}:{text}" if text.strip() else name))
        except ValueError as error:
            problems.append(f"{DISPLAY_NAMES[name]}: {error}")
    return lanes, problems


# -- cached computations ----------------------------------------------------------------------------------
@st.cache_data(max_entries=12, show_spinner="Running every cell of the grid in one batch…")
def compute_sweep(settings: Settings):
    return run_sweep(settings.lanes[0], settings.x, settings.y, settings.task(), settings.metric)


@st.cache_data(max_entries=12, show_spinner="Sweeping each optimizer…")
def compute_tuning(settings: Settings, lanes: tuple[Lane, ...], x: Axis):
    return tune_or_sweep(settings, lanes, x, None)


def tune_or_sweep(settings: Settings, lanes: tuple[Lane, ...], x: Axis, progress):
    if x.argument == "lr":
        return tune_learning_rate(lanes, x, settings.task(), settings.metric, progress)
    return tune(lanes, x, settings.task(), settings.metric, progress)


def trained(key, networks: int, steps: int, compute):
    """Network sweeps: run ``compute(progress)`` under a progress bar, remembering the last few results in
    the session (``st.cache_data`` would record the bar's updates and fail to replay them)."""
    memo = st.session_state.setdefault("sweep.trained", {})
    if key not in memo:
        text = f"Training {networks:,} networks ({steps} steps each) in one batch…"
        bar = st.progress(0.0, text=text)
        try:
            memo[key] = compute(lambda fraction: bar.progress(min(1.0, fraction), text=text))
        finally:
            bar.empty()
        while len(memo) > 4:
            memo.pop(next(iter(memo)))
    return memo[key]


def explorer_url(settings: Settings, lanes: list[Lane]) -> str:
    """The surface explorer's URL for these lanes on this task (its ``o=`` lane format)."""
    query = [*settings.surface.query_items(), ("start", f"{settings.start[0]:g},{settings.start[1]:g}")]
    query += [("steps", str(settings.steps))] + [("o", lane.to_text()) for lane in lanes]
    return "/surfaces?" + urlencode(query, safe=":,=")


SURFACE_PAGE = next(p for p in PAGES if p.url_path == "surfaces")


def show_link(url: str, label: str) -> None:
    if SURFACE_PAGE.exists:
        st.markdown(f"[{label} ↗]({url})")
    else:
        st.caption(f"{label}: `{url}` (the surface explorer is not installed in this checkout)")


# -- views --------------------------------------------------------------------------------------------------
def clicked_cell(shape: tuple[int, int]) -> tuple[int, int] | None:
    """The cell a new click on the heat map picked (``point_index`` of the transparent layer), else None."""
    state = st.session_state.get("sweep.heatmap")
    try:
        points = list(state["selection"]["points"])
    except (KeyError, TypeError):
        return None
    if points == st.session_state.get("sweep.last_click"):
        return None  # the same event seen again on a later rerun
    st.session_state["sweep.last_click"] = points
    for point in points:
        if point.get("curve_number") == CLICK_TRACE:
            index = int(point.get("point_index", point.get("point_number", -1)))
            if 0 <= index < shape[0] * shape[1]:
                return divmod(index, shape[1])
    return None


def show_map(settings: Settings) -> None:
    lane = settings.lanes[0]
    if settings.network is None:
        result = compute_sweep(settings)
    else:
        lane, cells = settings.lanes[0], settings.x.count * settings.y.count
        compute = lambda progress: run_sweep(lane, settings.x, settings.y, settings.network, settings.metric, progress)
        result = trained(("map", settings), cells, settings.steps, compute)
    grid = f"{settings.x.count} × {settings.y.count} = {result.values.size:,} runs of {settings.steps} steps"
    best = result.best_cell()
    if st.session_state.get("sweep.selection_for") != settings:
        st.session_state["sweep.selection_for"] = settings
        st.session_state["sweep.cell"] = None  # a new grid starts at its best cell
    cell = clicked_cell(result.values.shape)
    if cell is not None:
        st.session_state["sweep.cell"] = cell
    lowest_loss = best_index(result.final_loss, result.final_loss)  # when no cell has a metric value
    cell = st.session_state.get("sweep.cell") or best or lowest_loss
    diverged = int(result.diverged.sum())
    st.caption(f"{grid}; {diverged:,} diverged ({100 * diverged / result.values.size:.0f}%).")
    if best is None and lowest_loss is not None:
        st.warning(
            f"No cell reached the tolerance in {settings.steps} steps: try more steps or a larger tolerance. "
            "Showing the cell with the lowest final loss."
        )
    map_column, replay_column = st.columns([1.25, 1])
    with map_column:
        st.plotly_chart(
            sweep_heatmap(result, cell),
            key="sweep.heatmap",
            on_select="rerun",
            selection_mode=("points",),
            config={"displayModeBar": False},
        )
        st.caption("Click a cell to replay it. ★ best cell, □ replayed cell.")
        st.download_button(
            "Download the grid (CSV)",
            pd.DataFrame(result.columns()).to_csv(index=False),
            file_name=f"sweep_{lane.optimizer}_{settings.x.argument}_{settings.y.argument}.csv",
            mime="text/csv",
        )
    with replay_column:
        if cell is None:
            st.warning("Every cell diverged: no path to replay. Try smaller learning rates.")
            return
        cell_lane = result.cell_lane(*cell)
        if settings.network is not None:
            show_training_replay(result, cell, best)
            return
        trajectory = replay(cell_lane, settings.task())
        value = result.values[cell]
        if trajectory.diverged[0]:
            status = f"diverged at step {int(trajectory.diverged_step[0])}"
        elif result.not_reached[cell]:
            status = f"never within {settings.tolerance:g} of the minimum in {settings.steps} steps"
        else:
            status = f"{METRICS[settings.metric].label} {format_value(value)}"
        st.markdown(f"**Replayed:** {cell_lane.label()} — {status}" + (" (best cell)" if cell == best else ""))
        path = [(cell_lane.label(), PALETTE[0], trajectory)]
        st.plotly_chart(
            paths_figure(build_surface(settings.surface), path, settings.start),
            key="sweep.replay",
            config={"displayModeBar": False},
        )
        show_link(explorer_url(settings, [cell_lane]), "Open this setting in the surface explorer")
        st.code(cell_lane.keras_code(), language="python", wrap_lines=True)


def show_training_replay(result, cell: tuple[int, int], best: tuple[int, int] | None) -> None:
    """Network sweeps: the clicked cell's training loss against step, next to the best cell's."""
    cell_lane = result.cell_lane(*cell)
    value = result.values[cell]
    status = "diverged" if result.diverged[cell] else f"{METRICS[result.metric].label} {format_value(value)}"
    st.markdown(f"**Replayed:** {cell_lane.label()} — {status}" + (" (best cell)" if cell == best else ""))
    steps, losses = result.history
    columns = result.values.shape[1]
    curves = [(cell_lane.label(), PALETTE[0], losses[:, cell[0] * columns + cell[1]])]
    if best is not None and best != cell:
        curves.append((f"best: {result.cell_lane(*best).label()}", PALETTE[2], losses[:, best[0] * columns + best[1]]))
    st.plotly_chart(training_curves(steps, curves), key="sweep.replay", config={"displayModeBar": False})
    st.code(cell_lane.keras_code(), language="python", wrap_lines=True)


def no_value(curve) -> str:
    """Why a 1-D sweep has no best setting."""
    return "all diverged" if curve.diverged.all() else "tolerance never reached"


def edge_note(entry) -> str:
    """Warn when the best setting sits at an end of the grid: the true best may lie outside it."""
    best = entry.curve.best_cell()
    if best is None or entry.curve.x.count < 3:
        return ""
    if best[1] == 0:
        return "best at the low end: extend the range down"
    if best[1] == entry.curve.x.count - 1:
        return "best at the high end: extend the range up"
    return ""


def show_curves(settings: Settings, tuned_view: bool) -> None:
    usable, skipped = [], []
    for lane in settings.lanes:
        try:
            check_axis_for(settings.x, lane)
            usable.append(lane)
        except ValueError as error:
            skipped.append(str(error))
    for message in skipped:
        st.info(f"Skipped: {message}.")
    if not usable:
        st.warning("None of the chosen optimizers takes this argument.")
        return
    if settings.network is None:
        tuned = compute_tuning(settings, tuple(usable), settings.x)
    else:
        compute = lambda progress: tune_or_sweep(settings, tuple(usable), settings.x, progress)
        tuned = trained(("tune", settings, tuple(usable)), len(usable) * settings.x.count, settings.steps, compute)

    labels = [t.curve.lane.label() for t in tuned]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(tuned))]
    metric = METRICS[settings.metric]
    best_name = f"best {settings.x.argument}"
    rows = [
        {
            "optimizer": label,
            best_name: format_value(t.best_setting) if t.best_setting is not None else "—",
            metric.label: format_value(t.best_score) if t.best_score is not None else no_value(t.curve),
            "diverged settings": f"{int(t.curve.diverged.sum())} of {t.curve.values.size}",
            "note": edge_note(t),
            "Keras code": t.best_lane.keras_code() if t.best_lane else "",
        }
        for label, t in zip(labels, tuned, strict=True)
    ]
    curves = metric_curves([(label, colour, t.curve) for label, colour, t in zip(labels, colours, tuned, strict=True)])
    if not tuned_view:
        st.plotly_chart(curves, key="sweep.curves", config={"displayModeBar": False})
        st.dataframe(pd.DataFrame(rows).set_index("optimizer"), width="stretch")
        return
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{metric.label.capitalize()} against lr** (★ each optimizer's best)")
        st.plotly_chart(curves, key="sweep.curves", config={"displayModeBar": False})
    with right:
        st.markdown("**Each optimizer at its own best lr**")
        if settings.network is not None:
            curves_at_best = [
                (t.best_lane.label(), colour, t.curve.history[1][:, t.curve.best_cell()[1]])
                for t, colour in zip(tuned, colours, strict=True)
                if t.best_lane is not None
            ]
            if curves_at_best:
                steps = tuned[0].curve.history[0]
                st.plotly_chart(
                    training_curves(steps, curves_at_best), key="sweep.tuned", config={"displayModeBar": False}
                )
            st.dataframe(pd.DataFrame(rows).set_index("optimizer"), width="stretch")
            return
        paths = [
            (t.best_lane.label(), colour, replay(t.best_lane, settings.task()))
            for t, colour in zip(tuned, colours, strict=True)
            if t.best_lane is not None
        ]
        if paths:
            st.plotly_chart(
                paths_figure(build_surface(settings.surface), paths, settings.start),
                key="sweep.tuned",
                config={"displayModeBar": False},
            )
    st.dataframe(pd.DataFrame(rows).set_index("optimizer"), width="stretch")
    best_lanes = [t.best_lane for t in tuned if t.best_lane is not None]
    if best_lanes:
        show_link(explorer_url(settings, best_lanes), "Race the tuned optimizers in the surface explorer")


# -- page -----------------------------------------------------------------------------------------------------
keep_widget_state()
url_notes = read_url()
if url_notes:
    st.session_state["sweep.notes"] = url_notes
for note in st.session_state.get("sweep.notes", []):
    st.warning(f"From the link: {note}")

with st.sidebar:
    surface, start, steps, noise, metric, tolerance, network, formula_problem = task_widgets()
if formula_problem is not None:
    st.info(f"Fix the custom surface in the sidebar to run the sweep: {escape_markdown(formula_problem)}")
    st.stop()
limit = MAX_AXIS_COUNT if network is None else MAX_NETWORK_AXIS_COUNT

mode = st.radio("Mode", list(MODES), key=f"{KEY}mode", format_func=MODES.get, horizontal=True)
problems: list[str] = []
x_axis = y_axis = None
if mode == "map":
    optimizer_column, axes_column = st.columns([1, 1])
    with optimizer_column:
        heading = st.empty()
        lane = lane_editor(st.session_state["sweep.base_lane"], key=f"{KEY}base")
        st.session_state["sweep.base_lane"] = lane
    lanes = [lane]
    with axes_column:
        arguments = sweepable(lane.optimizer)
        x_axis, problem = axis_widgets("x", "X axis", arguments, limit=limit)
        problems += [problem] if problem else []
        y_axis, problem = axis_widgets(
            "y", "Y axis", [a for a in arguments if x_axis is None or a != x_axis.argument], optional=True, limit=limit
        )
        problems += [problem] if problem else []
        if y_axis is None and not problem:
            st.caption("With no Y axis the sweep draws the metric against X (a 1-D sweep).")
    swept = [f"`{a.argument}`" for a in (x_axis, y_axis) if a is not None]
    verb = "is" if len(swept) == 1 else "are"
    note = f": {' and '.join(swept)} {verb} set by the axes (their widgets here are ignored)" if swept else ""
    heading.markdown(f"**Optimizer**{note}")
else:
    lanes, problems = compare_widgets()
    if mode == "curves":
        x_axis, problem = axis_widgets("curve", "Swept argument", list(SWEEPABLE), limit=limit)
    else:
        x_axis, problem = axis_widgets("lr", "Learning-rate grid", ["lr"], limit=limit)
    problems += [problem] if problem else []
    if not lanes:
        problems.append("Choose at least one optimizer.")

for problem in problems:
    st.error(problem)
if problems or x_axis is None:
    st.stop()

settings = Settings(mode, surface, start, steps, noise, metric, tolerance, tuple(lanes), x_axis, y_axis, network)
if network is None and metric == "distance" and not build_surface(surface).minima:
    st.error(f"{build_surface(surface).name} lists no known minimum, so the distance metric is not available.")
    st.stop()
if st.session_state.get("sweep.query") != settings.query():
    st.session_state["sweep.query"] = settings.query()
    st.query_params.from_dict(settings.query())

try:
    if mode == "map" and y_axis is not None:
        check_axis_for(x_axis, lanes[0])
        check_axis_for(y_axis, lanes[0])
        show_map(settings)
    else:
        if mode == "map":
            check_axis_for(x_axis, lanes[0])
        show_curves(settings, tuned_view=mode == "tune")
except ValueError as error:
    st.error(str(error))
