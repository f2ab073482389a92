"""The surface explorer's view drawn before its controls, when the state can be told from the changed values alone.

Streamlit sends a page's elements in the order the script makes them and the browser redraws them as they come
(every 10 ms): on ``/surfaces`` about 40 control widgets used to reach the browser, and be redrawn, before the map
and loss chart could be. Every keyed widget's new value is already in ``st.session_state`` when the rerun starts,
so when a rerun changed only values that map one to one onto the page's state (the Steps slider, the start point
or a map click, the noise settings, the surface picker, one argument of the lane being edited, a lane's colour),
:func:`early_view_state` gives that state at once and the page draws the view first, then the controls.

Anything else (another optimizer or rules for a lane, an lr plan, a button, a formula the picker refuses)
gives None and the page draws in the usual order. The page checks the state its controls then return against
the one drawn; :func:`confirm_early_view` reruns the page the usual way if they ever differ.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from optviz.lanes import Lane
from optviz.page_states.explorer import ExplorerState
from pages.components.lane_editor import argument_widget_prefix, keras_lane_from_state
from pages.components.lane_list import LaneChoice
from pages.components.page_state import NEVER, remembered_widgets
from pages.components.surface_picker import formula_problem, spec_from_state

#: A changed key ending (after the page prefix) in one of these maps onto one state field.
PLAIN = ("steps", "x0", "y0", "noise", "seed", "ensemble", "tol", "log", "show_3d", "log_height")
#: Keys that change what is shown around the view, not the state (a tab or an expander opened).
AROUND = ("tab", "noise_box", "scenarios")
#: The surface picker's widgets (the spec is read from them, as the picker does).
SURFACE = ("surface", "condition", "f", "x_low", "x_high", "y_low", "y_high")
#: How many early views the controls disagreed with in this session (a session entry outside the page's prefix).
MISMATCHES = "explorer.early_view_mismatches"
_MISSING = object()


def _last_key(prefix: str) -> str:
    """Outside the page's prefix: not a widget value, never remembered or put back with them."""
    return f"_{prefix}drawn_state"


def remember_drawn(prefix: str, state: ExplorerState, choices: Sequence[LaneChoice]) -> None:
    """Keep the state and lanes the page drew this run (the base of the next run's early view)."""
    st.session_state[_last_key(prefix)] = (state, tuple(choices))


def _changed(prefix: str, skip: Sequence[str]) -> set[str]:
    """Keys under ``prefix`` (the prefix cut off) whose value differs from the snapshot taken at the end of the
    last run (see :func:`pages.components.page_state.remember_widgets`)."""
    state = st.session_state
    snapshot = remembered_widgets(prefix)
    keys = {str(k) for k in state if str(k).startswith(prefix)} | set(snapshot)
    endings = (*NEVER, *skip, "snapshot", "url_notes", "url_state")
    return {
        key[len(prefix) :]
        for key in keys
        if not key.endswith(endings) and state.get(key, _MISSING) != snapshot.get(key, _MISSING)
    }


def _lane_argument(lanes_key: str, changed: str, choices: Sequence[LaneChoice]) -> tuple[int, Lane] | None:
    """(index, new lane) when the key ``changed`` is an argument widget of the Keras lane being edited, else None."""
    shown = st.session_state.get(f"{lanes_key}.drawn")
    for index, choice in enumerate(choices):
        editor, lane = f"{lanes_key}.{choice.lane_id}", choice.lane
        if choice.lane_id == shown and not lane.is_native and changed.startswith(
            argument_widget_prefix(editor, lane.optimizer)
        ):
            new = keras_lane_from_state(editor, lane)
            return None if new is None else (index, new)
    return None


def early_view_state(
    prefix: str, lanes_key: str, skip: Sequence[str]
) -> tuple[ExplorerState, tuple[LaneChoice, ...]] | None:
    """The state and lanes this rerun will draw, told from the changed values alone (None when it cannot be).
    ``skip``: key endings that are not settings (buttons, downloads, the view's own state)."""
    last = st.session_state.get(_last_key(prefix))
    if last is None:
        return None
    state, choices = last
    changed = _changed(prefix, skip)
    choices = list(choices)
    lanes_prefix = lanes_key[len(prefix) :] + "."
    for key in changed:
        if key in PLAIN or key in AROUND or key in SURFACE or key == lanes_prefix + "shown":
            continue
        if key.startswith(lanes_prefix) and key.endswith(".colour"):
            lane_id = key[len(lanes_prefix) : -len(".colour")]
            choices = [LaneChoice(c.lane, str(st.session_state[prefix + key]), c.lane_id) if c.lane_id == lane_id
                       else c for c in choices]  # fmt: skip
            continue
        found = _lane_argument(lanes_key, prefix + key, choices)
        if found is None:
            return None
        index, lane = found
        choices[index] = LaneChoice(lane, choices[index].colour, choices[index].lane_id)
    session = st.session_state
    try:
        spec = spec_from_state(prefix) if changed & set(SURFACE) else state.surface
        if formula_problem(spec) is not None:
            return None
        state = state.replace(
            surface=spec,
            start=(float(session[prefix + "x0"]), float(session[prefix + "y0"])),
            steps=int(session[prefix + "steps"]),
            noise=float(session[prefix + "noise"]),
            seed=int(session[prefix + "seed"]),
            ensemble=int(session[prefix + "ensemble"]),
            tol=float(session.get(prefix + "tol", state.tol)),
            log=bool(session.get(prefix + "log", False)),
            lanes=tuple(choice.lane for choice in choices),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return state, tuple(choices)


def confirm_early_view(
    prefix: str,
    drawn: tuple[ExplorerState, tuple[LaneChoice, ...]],
    state: ExplorerState,
    choices: Sequence[LaneChoice],
) -> None:
    """If the controls gave another state than the one drawn early, draw again the usual way (a rerun)."""
    if drawn != (state, tuple(choices)):
        st.session_state.pop(_last_key(prefix), None)
        st.session_state[MISMATCHES] = st.session_state.get(MISMATCHES, 0) + 1  # counted for the tests
        st.rerun()
