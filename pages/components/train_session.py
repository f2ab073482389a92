"""/train's session controls: the one TrainingSession per browser session kept in session state, Start / Stop /
Step / Reset, and a held restart (a change of data, network or batch size after step 0 waits until the person
chooses "Restart from step 0" or "Keep the current run")."""

from __future__ import annotations

import streamlit as st

from optviz.datasets import Dataset
from optviz.mlp import Network
from optviz.page_states.train import TrainState
from optviz.state import widget_values
from optviz.training import TrainingSession
from pages.components.train_data import restore_table, table_snapshot

KEY = "train."
SESSION, RUNNING, APPLIED, MAPS = KEY + "session", KEY + "running", KEY + "applied", KEY + "maps"
LANES, LANDSCAPE, APPLIED_TABLE = KEY + "lanes", KEY + "landscape_memory", KEY + "applied_table"


def hidden_widgets(hidden: tuple[int, ...]) -> dict[str, int]:
    """The widget values (suffix -> value) of the hidden layers: their count and each one's units."""
    return {"layers": len(hidden), **{f"units.{index}": units for index, units in enumerate(hidden)}}


WIDGETS = {"hidden": hidden_widgets, "lanes": lambda lanes: {}, "features": lambda names: {"features": list(names)}}
#: Settings a running training takes at once: "Keep the current run" leaves them as they are.
LIVE_SETTINGS = ("chunk", "l2", "view", "dir", "centre", "res")


def set_running(running: bool) -> None:
    st.session_state[RUNNING] = running


def step_training(chunk: int) -> None:
    st.session_state[RUNNING] = False
    st.session_state[SESSION].advance(chunk)


def reset_training() -> None:
    st.session_state[RUNNING] = False
    st.session_state.pop(SESSION, None)


def restart_training() -> None:
    """Accept the held change: the next run starts a new session from step 0 (still training if it was)."""
    st.session_state.pop(SESSION, None)


def keep_current_run() -> None:
    """Drop the held change: the widgets go back to the settings the current session runs."""
    applied: TrainState = st.session_state[APPLIED]
    for suffix, value in widget_values(applied, WIDGETS).items():
        if suffix not in LIVE_SETTINGS:
            st.session_state[KEY + suffix] = value
    if applied.is_upload:  # and the table the run trains on
        restore_table(KEY, st.session_state[APPLIED_TABLE])


def held_changes(wanted: TrainState) -> list[str]:
    """The settings changed in the widgets that would restart training past step 0 (held until the person
    chooses), or nothing when the change can apply at once."""
    session, applied = st.session_state.get(SESSION), st.session_state.get(APPLIED)
    if session is None or applied is None or session.step == 0:
        return []
    return wanted.structure_changes(applied)


def ask_before_restart(changes: list[str], step: int) -> None:
    with st.container(border=True):
        st.warning(
            f"Changing the {', '.join(changes)} restarts training from step 0 (it is at step {step}). "
            "Until you choose, the current run goes on with its settings.",
            icon=":material/restart_alt:",
        )
        restart, keep = st.columns(2)
        restart.button(
            "Restart from step 0", key=KEY + "restart", on_click=restart_training, type="primary", width="stretch"
        )
        keep.button("Keep the current run", key=KEY + "keep", on_click=keep_current_run, width="stretch")


def current_session(state: TrainState, dataset: Dataset, network: Network, keys: list[str]) -> TrainingSession:
    """The session for ``state``: kept (lanes reconfigured in place) unless data, network or batch changed."""
    session, applied = st.session_state.get(SESSION), st.session_state.get(APPLIED)
    if session is not None and applied is not None and applied.structure() == state.structure():
        session.configure(state.lanes, keys)
        session.set_l2(state.l2)
    else:
        session = TrainingSession(dataset, network, state.lanes, state.batch, state.seed, keys, state.l2)
        st.session_state[SESSION] = session
        st.session_state[APPLIED_TABLE] = table_snapshot(KEY)
    st.session_state[APPLIED] = state
    return session
