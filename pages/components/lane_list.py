"""A list of 1..max optimizer lanes (add, remove, duplicate), each an ``lane_editor`` plus a colour.

Usage::

    choices = lanes_panel(initial=[parse_lane("adam:lr=0.01")], key="surf.lanes", allow_native=True)
    for choice in choices:
        choice.lane, choice.color   # a Lane and "#RRGGBB"

``initial`` seeds the panel on the first run of a visit only (e.g. lanes parsed from the URL); later the
widgets own the state. Each lane keeps a stable id, so removing lane 2 of 4 leaves lanes 3 and 4 untouched.
Call :func:`reset_lanes` to replace the lanes (e.g. a "load example" button) before the panel is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from optviz.lanes import DISPLAY_NAMES, PALETTE, Lane
from pages.components.lane_editor import lane_editor, seed_lane_widgets

MAX_LANES = 6


@dataclass(frozen=True)
class LaneChoice:
    """One lane of the panel: the optimizer lane and its colour (``#RRGGBB``)."""

    lane: Lane
    color: str


def _ids_key(key: str) -> str:
    return f"{key}.ids"


def _lane_key(key: str, lane_id: int) -> str:
    return f"{key}.{lane_id}"


def _color_key(key: str, lane_id: int) -> str:
    return f"{key}.{lane_id}.color"


def _free_color(key: str) -> str:
    """The first palette colour no lane uses yet (cycling when all are taken)."""
    used = {st.session_state.get(_color_key(key, i), "").upper() for i in st.session_state.get(_ids_key(key), [])}
    free = [c for c in PALETTE if c.upper() not in used]
    return free[0] if free else PALETTE[len(used) % len(PALETTE)]


def _new_lane(key: str, lane: Lane, color: str | None = None) -> None:
    """Append a lane with fresh widget keys, its widgets seeded from ``lane``."""
    lane_id = st.session_state.get(f"{key}.next_id", 0)
    st.session_state[f"{key}.next_id"] = lane_id + 1
    st.session_state[_color_key(key, lane_id)] = color or _free_color(key)
    seed_lane_widgets(lane, _lane_key(key, lane_id))
    st.session_state[f"{key}.lanes"][lane_id] = lane
    st.session_state[_ids_key(key)] = [*st.session_state.get(_ids_key(key), []), lane_id]


def reset_lanes(key: str, lanes: list[Lane], colors: list[str] | None = None) -> None:
    """Replace the panel's lanes with ``lanes`` (at least one; call before :func:`lanes_panel` draws)."""
    st.session_state[_ids_key(key)] = []
    st.session_state[f"{key}.lanes"] = {}
    for index, lane in enumerate(lanes or [Lane("adam")]):
        color = colors[index] if colors and index < len(colors) else None
        _new_lane(key, lane, color)


def _add(key: str, template: Lane) -> None:
    _new_lane(key, template)


def _duplicate(key: str, lane_id: int) -> None:
    _new_lane(key, st.session_state[f"{key}.lanes"][lane_id])


def _remove(key: str, lane_id: int) -> None:
    st.session_state[_ids_key(key)] = [i for i in st.session_state[_ids_key(key)] if i != lane_id]


_NOT_SETTABLE = (".duplicate", ".remove", ".add", ".open")


def _keep_widget_state(key: str) -> None:
    """Streamlit drops a widget's value when a run does not draw it (another page); re-store our lanes'."""
    prefixes = tuple(f"{_lane_key(key, i)}." for i in st.session_state[_ids_key(key)])
    for name in [k for k in st.session_state if str(k).startswith(prefixes) and not str(k).endswith(_NOT_SETTABLE)]:
        st.session_state[name] = st.session_state[name]


def _title(previous: Lane, lane_key: str) -> str:
    """The lane's label from last run, or just its optimizer when the selector changed since."""
    optimizer = st.session_state.get(f"{lane_key}.optimizer", previous.optimizer)
    return previous.label() if optimizer == previous.optimizer else DISPLAY_NAMES.get(optimizer, optimizer)


def lanes_panel(
    initial: list[Lane],
    key: str,
    max_lanes: int = MAX_LANES,
    allow_native: bool = False,
    new_lane: Lane | None = None,
    expanded: bool = True,
) -> list[LaneChoice]:
    """Draw 1..``max_lanes`` lane editors with colour, Duplicate and Remove, and an "Add lane" button.

    Args:
        initial: the lanes of the first run (URL lanes); empty gives one default Adam lane.
        key: prefix of every widget key of the panel (unique per page).
        max_lanes: the most lanes a person can have; extra ``initial`` lanes are dropped.
        allow_native: offer torch.optim / tf.keras rules in each lane (see ``lane_editor``).
        new_lane: the lane "Add lane" appends (default: Keras Adam).
        expanded: whether each lane's expander starts open.

    Returns:
        One ``LaneChoice(lane, color)`` per lane, in display order.
    """
    if _ids_key(key) not in st.session_state or not st.session_state[_ids_key(key)]:
        reset_lanes(key, list(initial)[:max_lanes])
    else:
        _keep_widget_state(key)
    ids = st.session_state[_ids_key(key)][:max_lanes]
    remembered = st.session_state[f"{key}.lanes"]
    choices = []
    for number, lane_id in enumerate(ids, start=1):
        lane_key = _lane_key(key, lane_id)
        previous = remembered.get(lane_id, Lane("adam"))
        with st.expander(f"Lane {number}: {_title(previous, lane_key)}", expanded=expanded, key=f"{lane_key}.open"):
            colour_cell, duplicate_cell, remove_cell = st.columns([1, 1, 1], vertical_alignment="bottom")
            color = colour_cell.color_picker(
                "Colour", key=_color_key(key, lane_id), help="The colour of this lane's path and curves."
            )
            duplicate_cell.button(
                "Duplicate",
                key=f"{lane_key}.duplicate",
                on_click=_duplicate,
                args=(key, lane_id),
                disabled=len(ids) >= max_lanes,
                help="Add a copy of this lane (then change one argument to compare).",
            )
            remove_cell.button(
                "Remove",
                key=f"{lane_key}.remove",
                on_click=_remove,
                args=(key, lane_id),
                disabled=len(ids) <= 1,
                help="Remove this lane.",
            )
            lane = lane_editor(previous, key=lane_key, allow_native=allow_native)
        remembered[lane_id] = lane
        choices.append(LaneChoice(lane, color))
    st.button(
        f"Add lane ({len(ids)}/{max_lanes})",
        key=f"{key}.add",
        on_click=_add,
        args=(key, new_lane or Lane("adam")),
        disabled=len(ids) >= max_lanes,
        help=f"Up to {max_lanes} optimizers race side by side.",
    )
    return choices
