"""One-click examples: a button per example link that puts the link's settings into the page's widgets.

A link such as ``/surfaces?...`` is only read on a page's first run in a session (later runs keep what the
person set), so an example offered on the page itself loads its state through a button callback instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import parse_qs

import streamlit as st

from optviz.state import PageState
from pages.components.lane_list import seed_lanes
from pages.components.page_state import load_state


def load_example(
    query: str, state_class: type[PageState], prefix: str, widgets: Mapping[str, Callable], lanes_key: str | None
) -> None:
    """Button callback: the widgets (and the lane panel under ``lanes_key``) show the state of ``query``."""
    state, _ = state_class.from_query(parse_qs(query))
    load_state(state, prefix, widgets)
    if lanes_key is not None:
        seed_lanes(list(state.lanes), lanes_key)  # type: ignore[attr-defined]


def example_buttons(
    examples: Mapping[str, tuple[str, str]],
    state_class: type[PageState],
    prefix: str,
    widgets: Mapping[str, Callable],
    lanes_key: str | None = None,
) -> None:
    """A row of buttons, one per example (title -> ``(query, what it shows)``), each loading its example."""
    cells = st.columns(len(examples)) if len(examples) > 1 else [st.container()]
    for cell, (title, (query, about)) in zip(cells, examples.items(), strict=True):
        cell.button(  # no key: a button's value cannot be restored across pages
            f"Example: {title}",
            on_click=load_example,
            args=(query, state_class, prefix, widgets, lanes_key),
            help=about,
            icon=":material/play_lesson:",
        )
