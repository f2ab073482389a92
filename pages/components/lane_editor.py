"""The optimizer-lane widgets every page shares: an optimizer and all its Keras 2.2.4 arguments.

``lane_editor(initial, key)`` draws the widgets (seeded from ``initial`` the first time) and returns
the lane they describe. Widget keys include the optimizer name, so switching optimizer shows that
optimizer's Keras defaults and switching back restores what was set. A native "Rules" choice
(torch.optim, tf.keras) shows that framework's own arguments with its own defaults instead; their widget
keys also include the framework, so values never leak between rules.
"""

from __future__ import annotations

import math

import numpy as np
import streamlit as st

from optviz.arguments import ARGUMENT_RANGES, BOOLEAN_ARGUMENTS, ArgumentRange
from optviz.explain import OPTIMIZER_SUMMARIES, argument_help
from optviz.lanes import DISPLAY_NAMES, Lane, lane_arguments
from optviz.native_lanes import FRAMEWORKS, INSTALL_HINT, LANE_FRAMEWORKS, framework_installed, native_range

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


def _widget_value(argument: str, value):
    if argument in ("clipnorm", "clipvalue"):
        return 0.0 if value is None else float(value)
    return value


def lane_editor(initial: Lane, key: str, columns: int = 2, allow_native: bool = False) -> Lane:
    """Draw an optimizer selector and one widget per Keras argument; return the resulting lane.

    With ``allow_native``, a "Rules" choice also offers the installed frameworks (torch.optim, tf.keras):
    then the widgets are that framework's own arguments with its own defaults, run by its own update rule.
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
        return lane
    except ValueError as error:  # widgets are bounded, so this is mostly a combination the framework refuses
        st.error(f"Invalid setting: {error}. Using the defaults.")
        return Lane(optimizer, framework=framework)


def _bounds(framework: str, optimizer: str, argument: str) -> ArgumentRange | None:
    """The widget range of an argument (None for a boolean)."""
    if framework == "keras224":
        return None if argument in BOOLEAN_ARGUMENTS else ARGUMENT_RANGES[argument]
    return native_range(framework, optimizer, argument)


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
        return None if value == 0 else value
    step = 0.0001 if argument in ("beta_2", "beta2", "schedule_decay", "momentum_decay", "weight_decay") else 0.001
    st.session_state[widget_key] = min(max(float(current), bounds.low), bounds.high)
    return st.slider(
        argument, min_value=bounds.low, max_value=bounds.high, step=step, key=widget_key, help=helptext, format="%.4g"
    )
