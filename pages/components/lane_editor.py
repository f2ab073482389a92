"""The optimizer-lane widgets every page shares: an optimizer and all its Keras 2.2.4 arguments.

``lane_editor(initial, key)`` draws the widgets (seeded from ``initial`` the first time) and returns
the lane they describe. Widget keys include the optimizer name, so switching optimizer shows that
optimizer's Keras defaults and switching back restores what was set. A native "Rules" choice
(torch.optim, tf.keras) shows that framework's own arguments with its own defaults instead; their widget
keys also include the framework, so values never leak between rules.

With ``allow_plan`` a Keras 2.2.4 lane also gets an "lr schedule" choice (none, step decay, exponential,
inverse time, cosine with warmup, one-cycle, cyclic, reduce on plateau) and that plan's arguments, offered
first at :func:`optviz.lane_schedules.suggested_arguments` for the page's number of steps.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from optviz.arguments import ARGUMENT_RANGES, BOOLEAN_ARGUMENTS, ArgumentRange
from optviz.explain import OPTIMIZER_SUMMARIES, argument_help
from optviz.lane_schedules import (
    PLAN_ARGUMENT_HELP,
    PLAN_TITLES,
    TEXT_CHOICES,
    LrPlan,
    make_plan,
    offered_arguments,
    plan_arguments,
    whole_argument,
)
from optviz.lanes import DISPLAY_NAMES, Lane, lane_arguments
from optviz.native_lanes import FRAMEWORKS, INSTALL_HINT, LANE_FRAMEWORKS, framework_installed, native_range
from pages.components.framework_spinner import importing

OPTIMIZER_NAMES = list(DISPLAY_NAMES)
RULES = {"keras224": "Keras 2.2.4 (optviz)", **{key: f"{FRAMEWORKS[key].name} (native)" for key in LANE_FRAMEWORKS}}


def installed_frameworks() -> list[str]:
    """Native frameworks importable here (looked up without importing them)."""
    return [key for key in LANE_FRAMEWORKS if framework_installed(key)]


def log_options(low: float, high: float, per_decade: int = 12, include: float | None = None) -> list[float]:
    """Log-spaced slider stops from ``low`` to ``high`` (3 significant digits, distinct), plus ``include``."""
    decades = math.log10(high / low)
    values = np.logspace(math.log10(low), math.log10(high), round(decades * per_decade) + 1)
    options = sorted({float(f"{v:.3g}") for v in values} | ({float(f"{include:.6g}")} if include else set()))
    return options


def _widget_key(key: str, optimizer: str, argument: str, framework: str = "keras224") -> str:
    if framework == "keras224":
        return f"{key}.{optimizer}.{argument}"
    return f"{key}.{framework}.{optimizer}.{argument}"


def seed_lane_widgets(lane: Lane, key: str) -> None:
    """Put ``lane``'s values into the widget state (used for URL loads and 'duplicate')."""
    st.session_state[f"{key}.optimizer"] = lane.optimizer
    st.session_state[f"{key}.framework"] = lane.framework
    for argument, value in lane.arguments.items():
        st.session_state[_widget_key(key, lane.optimizer, argument, lane.framework)] = _widget_value(argument, value)
    kind, arguments = plan_arguments(lane.plan)
    st.session_state[_plan_key(key)] = kind
    for argument, value in arguments.items():
        st.session_state[_plan_key(key, kind, argument)] = _plan_widget_value(kind, argument, value)


def _plan_key(key: str, kind: str = "", argument: str = "") -> str:
    return f"{key}.lr_plan" + (f".{kind}.{argument}" if kind else "")


def _plan_widget_value(kind: str, argument: str, value):
    if argument in TEXT_CHOICES:
        return str(value)
    if value is None:  # cyclic's down=None: as many epochs as up
        return 0
    return int(value) if whole_argument(kind, argument) else float(value)


def _widget_value(argument: str, value):
    if argument in ("clipnorm", "clipvalue"):
        return 0.0 if value is None else float(value)
    return value


def lane_editor(
    initial: Lane, key: str, columns: int = 2, allow_native: bool = False, allow_plan: bool = False, steps: int = 300
) -> Lane:
    """Draw an optimizer selector and one widget per Keras argument; return the resulting lane.

    With ``allow_native``, a "Rules" choice also offers the installed frameworks (torch.optim, tf.keras):
    then the widgets are that framework's own arguments with its own defaults, run by its own update rule.
    With ``allow_plan``, a Keras 2.2.4 lane gets an "lr schedule" choice and its arguments (see the module);
    ``steps`` (the page's run length) sets the arguments first offered.
    """
    if f"{key}.optimizer" not in st.session_state:
        seed_lane_widgets(initial, key)
    framework = "keras224"
    if allow_native:
        options = ["keras224", *installed_frameworks()]
        if st.session_state.get(f"{key}.framework") not in options:
            st.session_state[f"{key}.framework"] = "keras224"
        framework = st.selectbox(
            "Rules",
            options,
            key=f"{key}.framework",
            format_func=RULES.get,
            help="Keras 2.2.4: optviz's exact Keras rules (per-run batching, clipping). Native: the framework's "
            "own optimizer with its own argument names and defaults (no clipping, as Keras' TFOptimizer). "
            + ("" if len(options) == len(RULES) else f"Install the others with {INSTALL_HINT}."),
        )
    optimizer = st.selectbox(
        "Optimizer",
        OPTIMIZER_NAMES,
        key=f"{key}.optimizer",
        format_func=DISPLAY_NAMES.get,
        help=None,
    )
    st.caption(OPTIMIZER_SUMMARIES[optimizer])
    with importing([framework]):  # a framework's first use here imports it (seconds): said where it was chosen
        defaults = lane_arguments(optimizer, framework)
    values = {}
    cells = st.columns(columns)
    for index, (argument, default) in enumerate(defaults.items()):
        widget_key = _widget_key(key, optimizer, argument, framework)
        if widget_key not in st.session_state:
            st.session_state[widget_key] = _widget_value(argument, default)
        with cells[index % columns]:
            values[argument] = _argument_widget(argument, widget_key, _bounds(framework, optimizer, argument))
    config = {k: v for k, v in values.items() if v is not None}
    try:
        lane = Lane.create(optimizer, framework, **config)
        if lane.is_native:  # the widgets are the framework's own arguments: show the call they make
            st.caption(f"Runs `{lane.keras_code()}` (the framework's own names and defaults).")
    except ValueError as error:  # widgets are bounded, so this is mostly a combination the framework refuses
        st.error(f"Invalid setting: {error}. Using the defaults.")
        lane = Lane(optimizer, framework=framework)
    if allow_plan and framework == "keras224":
        lane = lane.with_plan(plan_editor(key, float(lane.arguments["lr"]), steps, columns))
    return lane


def plan_editor(key: str, lr: float, steps: int, columns: int = 2) -> LrPlan:
    """The "lr schedule" choice and its arguments' widgets (first offered at the suggested values for ``lr`` and
    ``steps``); returns the plan, or a constant one with an error message when an argument is refused."""
    kind_key = _plan_key(key)
    if st.session_state.get(kind_key) not in PLAN_TITLES:
        st.session_state[kind_key] = "none"
    kind = st.selectbox(
        "lr schedule",
        list(PLAN_TITLES),
        key=kind_key,
        format_func=PLAN_TITLES.get,
        help="Keras' LearningRateScheduler with a schedule, or ReduceLROnPlateau watching the loss; one step is one "
        "epoch. The optimizer's own decay still applies on top. Written into the lane's URL text.",
    )
    if kind == "none":
        return LrPlan()
    arguments = {}
    cells = st.columns(columns)
    for index, (argument, first) in enumerate(offered_arguments(kind, lr, steps).items()):
        widget_key = _plan_key(key, kind, argument)
        if widget_key not in st.session_state:
            st.session_state[widget_key] = _plan_widget_value(kind, argument, first)
        with cells[index % columns]:
            arguments[argument] = _plan_widget(kind, argument, widget_key)
    try:
        return make_plan(kind, arguments)
    except ValueError as error:
        st.error(f"lr schedule refused: {error}. Running with a constant lr.")
        return LrPlan()


def _plan_widget(kind: str, argument: str, widget_key: str):
    helptext = PLAN_ARGUMENT_HELP.get(argument, "")
    label = "factor" if argument == "plateau" else argument
    if argument in TEXT_CHOICES:
        return st.selectbox(label, TEXT_CHOICES[argument], key=widget_key, help=helptext)
    if whole_argument(kind, argument):
        return st.number_input(label, min_value=0, step=1, key=widget_key, help=helptext)
    return st.number_input(label, min_value=0.0, key=widget_key, help=helptext, format="%g")


def _bounds(framework: str, optimizer: str, argument: str) -> ArgumentRange | None:
    """The widget range of an argument (None for a boolean)."""
    if framework == "keras224":
        return None if argument in BOOLEAN_ARGUMENTS else ARGUMENT_RANGES[argument]
    return native_range(framework, optimizer, argument)


def _argument_value(value, bounds: ArgumentRange | None):
    """A widget's value as the lane's argument: an optional argument at 0 is off (None)."""
    return None if bounds is not None and bounds.optional and value == 0 else value


def keras_lane_from_state(key: str, lane: Lane) -> Lane | None:
    """The Keras 2.2.4 lane the editor under ``key`` holds now for ``lane``'s optimizer (and its plan), read from
    the widgets' session values without drawing them: what :func:`lane_editor` returns for them. None when a value
    is missing or the lane would be refused (the page then draws the editor first)."""
    values = {}
    for argument in lane_arguments(lane.optimizer):
        value = st.session_state.get(_widget_key(key, lane.optimizer, argument))
        if value is None:
            return None
        values[argument] = _argument_value(value, _bounds("keras224", lane.optimizer, argument))
    try:
        built = Lane.create(lane.optimizer, **{k: v for k, v in values.items() if v is not None})
    except ValueError:
        return None
    return built.with_plan(lane.plan)


def argument_widget_prefix(key: str, optimizer: str) -> str:
    """The start of every Keras argument widget's key of the editor under ``key`` for ``optimizer``."""
    return _widget_key(key, optimizer, "")


def _argument_widget(argument: str, widget_key: str, bounds: ArgumentRange | None):
    helptext = argument_help(argument)
    if bounds is None:
        return st.checkbox(argument, key=widget_key, help=helptext)
    current = st.session_state[widget_key]
    if bounds.log:
        options = log_options(bounds.low, bounds.high, include=current)
        if current not in options:
            st.session_state[widget_key] = min(options, key=lambda v: abs(math.log(v / current)))
        return st.select_slider(
            argument, options=options, key=widget_key, format_func=lambda v: f"{v:g}", help=helptext
        )
    if bounds.optional:
        value = st.number_input(
            f"{argument} (0 = off)",
            min_value=0.0,
            max_value=bounds.high,
            step=0.1,
            key=widget_key,
            help=helptext,
            format="%g",
        )
        return _argument_value(value, bounds)
    step = 0.0001 if argument in ("beta_2", "beta2", "schedule_decay", "momentum_decay", "weight_decay") else 0.001
    st.session_state[widget_key] = min(max(float(current), bounds.low), bounds.high)
    return st.slider(
        argument, min_value=bounds.low, max_value=bounds.high, step=step, key=widget_key, help=helptext, format="%.4g"
    )
