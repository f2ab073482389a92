"""A list of 1..6 optimizer lanes (add, duplicate, remove, a colour each) that several pages share.

``lanes_panel(initial, key)`` draws one tab per lane, each with the shared :func:`lane_editor`, a colour
picker and Duplicate / Remove buttons, plus an "Add a lane" button, and returns the lanes as
:class:`LaneChoice` records. With ``one_editor=True`` a "Lane 1 | Lane 2 | ..." picker chooses the one lane whose
editor is drawn; the others are not drawn (a page with six lanes then sends a fifth of the widgets every rerun)
and keep their lanes and colours in plain session entries, put back into the widgets when the lane is shown.
``initial`` (e.g. the lanes of a URL's ``o=`` params) seeds the panel on the
first run only; call :func:`seed_lanes` from a callback or before the panel is drawn to replace them.
Lane ids are never reused, so a removed lane's widget state cannot leak into a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from optviz.lanes import PALETTE, Lane
from pages.components.lane_editor import lane_editor, seed_lane_widgets
from pages.components.page_state import NEVER, settle_widget

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
    kept = st.session_state.get(f"{key}.colours", {})  # lanes not drawn this run keep their colour there
    used = {str(st.session_state.get(_colour_key(key, i), kept.get(i, ""))).upper() for i in ids}
    return next((c for c in PALETTE if c.upper() not in used), PALETTE[len(ids) % len(PALETTE)])


def _shown_key(key: str) -> str:
    return f"{key}.shown"


def _remember(key: str, lane_id: str, lane: Lane, colour: str) -> None:
    """Keep a lane and its colour in plain session entries (read while its widgets are not drawn)."""
    st.session_state[f"{key}.last"] = {**st.session_state.get(f"{key}.last", {}), lane_id: lane}
    st.session_state[f"{key}.colours"] = {**st.session_state.get(f"{key}.colours", {}), lane_id: colour}


def _add(key: str, lane: Lane, after: str | None = None, colour: str | None = None) -> str:
    ids = list(st.session_state.get(_ids_key(key), []))
    lane_id = _new_id(key)
    seed_lane_widgets(lane, _editor_key(key, lane_id))
    colour = colour or _free_colour(key, ids)
    st.session_state[_colour_key(key, lane_id)] = colour
    _remember(key, lane_id, lane, colour)
    ids.insert(ids.index(after) + 1 if after in ids else len(ids), lane_id)
    st.session_state[_ids_key(key)] = ids
    st.session_state[_shown_key(key)] = lane_id  # a picker shows the lane just added
    return lane_id


def seed_lanes(lanes: Sequence[Lane], key: str, colours: Sequence[str] | None = None) -> None:
    """Replace the panel's lanes by ``lanes`` (at least one: Adam if empty), coloured from ``colours`` or the
    palette. Call it before :func:`lanes_panel` draws (e.g. on a URL load) or from a widget callback."""
    st.session_state[_ids_key(key)] = []
    for index, lane in enumerate(lanes or [Lane("adam")]):
        colour = colours[index] if colours is not None and index < len(colours) else PALETTE[index % len(PALETTE)]
        _add(key, lane, colour=colour)
    st.session_state[_shown_key(key)] = lane_ids(key)[0]


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
        remaining = [i for i in ids if i != lane_id]
        st.session_state[_ids_key(key)] = remaining
        if st.session_state.get(_shown_key(key)) == lane_id:  # a picker shows the lane that took its place
            st.session_state[_shown_key(key)] = remaining[min(ids.index(lane_id), len(remaining) - 1)]


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
    one_editor: bool = False,
) -> list[LaneChoice]:
    """Draw the lanes with add / duplicate / remove and a colour; return them in order.

    Args:
        initial: lanes shown on the first run of the session (an empty list gives one Adam lane).
        key: a prefix unique on the page; all widget state lives under it.
        max_lanes: the most lanes a user may have.
        columns: argument widget columns inside each lane (see :func:`lane_editor`).
        allow_native: offer torch.optim / tf.keras rules too (see :func:`lane_editor`).
        allow_plan: offer an lr schedule per lane (see :func:`lane_editor`); the page runs the lanes' callbacks.
        steps: the page's run length, for the schedule arguments first offered.
        one_editor: one tab per lane (False) or a lane picker and only the picked lane's editor (True).
    """
    if _ids_key(key) not in st.session_state:
        seed_lanes(list(initial)[:max_lanes], key)
    ids = lane_ids(key)[:max_lanes]
    editor = {"columns": columns, "allow_native": allow_native, "allow_plan": allow_plan, "steps": steps}
    if one_editor:
        choices = _picked_lane(key, ids, max_lanes, editor)
    else:
        choices = []
        tabs = st.tabs([f"Lane {n + 1}" for n in range(len(ids))])
        for number, (tab, lane_id) in enumerate(zip(tabs, ids, strict=True), 1):
            with tab:
                choices.append(_lane_controls(key, lane_id, number, ids, max_lanes, editor))
        st.session_state[f"{key}.last"] = {choice.lane_id: choice.lane for choice in choices}
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


def _picked_lane(key: str, ids: list[str], max_lanes: int, editor: dict) -> list[LaneChoice]:
    """The lane picker and the picked lane's controls; the other lanes as last drawn (or seeded)."""
    shown_key, drawn = _shown_key(key), st.session_state.get(f"{key}.drawn")
    settle_widget(shown_key, ids, drawn if drawn in ids else ids[0])
    shown = st.segmented_control(
        "Edit lane",
        ids,
        key=shown_key,
        format_func=lambda lane_id: f"Lane {ids.index(lane_id) + 1}",
        on_change=_keep_a_lane_shown,
        args=(key,),
        help="The lane whose optimizer and arguments are shown below; the other lanes keep their settings.",
    )
    shown = shown if shown in ids else ids[0]
    last, colours = st.session_state.get(f"{key}.last", {}), st.session_state.get(f"{key}.colours", {})
    if st.session_state.get(f"{key}.drawn") != shown:  # newly shown: its widgets take its lane and colour again
        _reseed(key, shown, last.get(shown, Lane("adam")), colours.get(shown))
    st.session_state[f"{key}.drawn"] = shown
    picked = _lane_controls(key, shown, ids.index(shown) + 1, ids, max_lanes, editor)
    _remember(key, shown, picked.lane, picked.colour)
    last, colours = st.session_state[f"{key}.last"], st.session_state[f"{key}.colours"]
    others = {i: LaneChoice(last.get(i, Lane("adam")), colours.get(i, PALETTE[0]), i) for i in ids if i != shown}
    return [picked if lane_id == shown else others[lane_id] for lane_id in ids]


def _keep_a_lane_shown(key: str) -> None:
    """A second click on the picked lane would leave none picked: keep the lane that was shown."""
    if st.session_state.get(_shown_key(key)) is None:
        st.session_state[_shown_key(key)] = st.session_state.get(f"{key}.drawn")


def _reseed(key: str, lane_id: str, lane: Lane, colour: str | None) -> None:
    """Put ``lane`` and ``colour`` back into the widgets of ``lane_id``, dropping whatever they held (Streamlit 1.67
    can bring back a value seeded before a widget first existed once the widget stops being drawn)."""
    prefix = _editor_key(key, lane_id) + "."
    for name in [name for name in st.session_state if str(name).startswith(prefix) and not str(name).endswith(NEVER)]:
        del st.session_state[name]
    seed_lane_widgets(lane, _editor_key(key, lane_id))
    if colour is not None:
        st.session_state[_colour_key(key, lane_id)] = colour


def _lane_controls(key: str, lane_id: str, number: int, ids: list[str], max_lanes: int, editor: dict) -> LaneChoice:
    """One lane's colour, Duplicate and Remove buttons and its :func:`lane_editor`."""
    pick, copy, drop = st.columns(3, vertical_alignment="bottom")  # icon buttons: readable down to 900 px
    colour_key = _colour_key(key, lane_id)
    if colour_key not in st.session_state:
        st.session_state[colour_key] = _free_colour(key, ids)
    colour = pick.color_picker("Colour", key=colour_key, help=f"Colour of lane {number}'s path and curves.")
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
    lane = lane_editor(Lane("adam"), _editor_key(key, lane_id), **editor)
    return LaneChoice(lane, str(colour), lane_id)
