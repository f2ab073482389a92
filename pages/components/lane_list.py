"""A list of 1..6 optimizer lanes (add, duplicate, remove, a colour each) that several pages share.

``lanes_panel(initial, key)`` draws one tab per lane, each with the shared :func:`lane_editor`, a colour
picker and Duplicate / Remove buttons, plus an "Add a lane" button, and returns the lanes as
:class:`LaneChoice` records. ``initial`` (e.g. the lanes of a URL's ``o=`` params) seeds the panel on the
first run only; call :func:`seed_lanes` from a callback or before the panel is drawn to replace them.
Lane ids are never reused, so a removed lane's widget state cannot leak into a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from optviz.lanes import PALETTE, Lane
from pages.components.lane_editor import lane_editor, seed_lane_widgets

MAX_LANES = 6


@dataclass(frozen=True)
class LaneChoice:
    """One lane of the panel: the optimizer lane, its colour (``#RRGGBB``) and its stable widget id."""

    lane: Lane
    colour: str
    lane_id: str


def _ids_key(key: str) -> str:
    return f"{key}.ids"


def _colour_key(key: str, lane_id: str) -> str:
    return f"{key}.{lane_id}.colour"


def _editor_key(key: str, lane_id: str) -> str:
    return f"{key}.{lane_id}"


def _new_id(key: str) -> str:
    counter = f"{key}.next"
    lane_id = str(st.session_state.get(counter, 0))
    st.session_state[counter] = int(lane_id) + 1
    return lane_id


def _free_colour(key: str, ids: Sequence[str]) -> str:
    used = {str(st.session_state.get(_colour_key(key, i), "")).upper() for i in ids}
    return next((c for c in PALETTE if c.upper() not in used), PALETTE[len(ids) % len(PALETTE)])


def _add(key: str, lane: Lane, after: str | None = None, colour: str | None = None) -> None:
    ids = list(st.session_state.get(_ids_key(key), []))
    lane_id = _new_id(key)
    seed_lane_widgets(lane, _editor_key(key, lane_id))
    st.session_state[_colour_key(key, lane_id)] = colour or _free_colour(key, ids)
    ids.insert(ids.index(after) + 1 if after in ids else len(ids), lane_id)
    st.session_state[_ids_key(key)] = ids


def seed_lanes(lanes: Sequence[Lane], key: str, colours: Sequence[str] | None = None) -> None:
    """Replace the panel's lanes by ``lanes`` (at least one: Adam if empty), coloured from ``colours`` or the
    palette. Call it before :func:`lanes_panel` draws (e.g. on a URL load) or from a widget callback."""
    st.session_state[_ids_key(key)] = []
    for index, lane in enumerate(lanes or [Lane("adam")]):
        colour = colours[index] if colours is not None and index < len(colours) else PALETTE[index % len(PALETTE)]
        _add(key, lane, colour=colour)


def lane_ids(key: str) -> list[str]:
    """The ids of the panel's lanes in display order (empty before the first draw)."""
    return list(st.session_state.get(_ids_key(key), []))


def _duplicate(key: str, lane_id: str, max_lanes: int) -> None:
    lane = st.session_state.get(f"{key}.last", {}).get(lane_id)
    if lane is not None and len(lane_ids(key)) < max_lanes:
        _add(key, lane, after=lane_id)


def _remove(key: str, lane_id: str) -> None:
    ids = lane_ids(key)
    if len(ids) > 1:
        st.session_state[_ids_key(key)] = [i for i in ids if i != lane_id]


def _add_default(key: str, max_lanes: int) -> None:
    if len(lane_ids(key)) < max_lanes:
        _add(key, Lane("adam"))


def lanes_panel(
    initial: Sequence[Lane],
    key: str,
    max_lanes: int = MAX_LANES,
    *,
    columns: int = 2,
    allow_native: bool = False,
    allow_plan: bool = False,
    steps: int = 300,
) -> list[LaneChoice]:
    """Draw the lanes (one tab each) with add / duplicate / remove and a colour; return them in order.

    Args:
        initial: lanes shown on the first run of the session (an empty list gives one Adam lane).
        key: a prefix unique on the page; all widget state lives under it.
        max_lanes: the most lanes a user may have.
        columns: argument widget columns inside each lane (see :func:`lane_editor`).
        allow_native: offer torch.optim / tf.keras rules too (see :func:`lane_editor`).
        allow_plan: offer an lr schedule per lane (see :func:`lane_editor`); the page runs the lanes' callbacks.
        steps: the page's run length, for the schedule arguments first offered.
    """
    if _ids_key(key) not in st.session_state:
        seed_lanes(list(initial)[:max_lanes], key)
    ids = lane_ids(key)[:max_lanes]
    tabs = st.tabs([f"Lane {n + 1}" for n in range(len(ids))])
    choices, last = [], {}
    for number, (tab, lane_id) in enumerate(zip(tabs, ids, strict=True)):
        with tab:
            pick, copy, drop = st.columns(3, vertical_alignment="bottom")  # icon buttons: readable down to 900 px
            colour_key = _colour_key(key, lane_id)
            if colour_key not in st.session_state:
                st.session_state[colour_key] = _free_colour(key, ids)
            colour = pick.color_picker("Colour", key=colour_key, help=f"Colour of lane {number + 1}'s path and curves.")
            copy.button(
                "",
                icon=":material/content_copy:",
                width="stretch",
                key=f"{key}.{lane_id}.duplicate",
                on_click=_duplicate,
                args=(key, lane_id, max_lanes),
                disabled=len(ids) >= max_lanes,
                help=f"Duplicate: add a copy of this lane (up to {max_lanes} lanes).",
            )
            drop.button(
                "",
                icon=":material/delete:",
                width="stretch",
                key=f"{key}.{lane_id}.remove",
                on_click=_remove,
                args=(key, lane_id),
                disabled=len(ids) <= 1,
                help="Remove: delete this lane (one lane always stays).",
            )
            lane = lane_editor(
                Lane("adam"),
                _editor_key(key, lane_id),
                columns=columns,
                allow_native=allow_native,
                allow_plan=allow_plan,
                steps=steps,
            )
        last[lane_id] = lane
        choices.append(LaneChoice(lane, str(colour), lane_id))
    st.session_state[f"{key}.last"] = last
    st.button(
        "Add a lane",
        key=f"{key}.add",
        on_click=_add_default,
        args=(key, max_lanes),
        disabled=len(ids) >= max_lanes,
        icon=":material/add:",
        help=f"Add an Adam lane with the Keras defaults (up to {max_lanes} lanes).",
    )
    return choices
