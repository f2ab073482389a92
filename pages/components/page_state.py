"""One state object per page, seeded from the URL once, kept while the person visits other pages, written back.

A page's settings are a :class:`optviz.state.PageState` (a table of fields, UI-free). Here is the Streamlit side:
:func:`seed_from_url` puts the URL's values into the page's widgets on its first run in a session,
:func:`write_url` writes the state back, and :func:`kept_across_pages` keeps the widget values across visits.

Why the last one is needed:
Streamlit (checked on 1.67) deletes a widget's state at the end of any run that does not draw it, so
after a visit to another page every keyed widget starts from scratch (and code that reads
``st.session_state[key]`` before drawing the widget raises ``KeyError``). A page calls
:func:`restore_widgets` first and :func:`remember_widgets` last (e.g. in ``try/finally``): the values
are copied into one plain session entry, which Streamlit keeps, and put back when missing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar

import streamlit as st

from optviz.state import PageState, query_lists, widget_values
from pages.components.framework_spinner import importing, linked_frameworks

S = TypeVar("S", bound=PageState)

#: Keys of widgets whose value a script may not set (buttons, downloads, chart selections): never restored.
NEVER = (".duplicate", ".remove", ".add", ".snapshot")


def _snapshot_key(prefix: str) -> str:
    return f"{prefix}snapshot"


def restore_widgets(prefix: str) -> None:
    """Put back the values remembered for widget keys starting with ``prefix`` that Streamlit dropped."""
    for name, value in remembered_widgets(prefix).items():
        if name not in st.session_state:
            st.session_state[name] = value


def remembered_widgets(prefix: str) -> dict:
    """The widget values remembered at the end of the page's last run (see :func:`remember_widgets`)."""
    return st.session_state.get(_snapshot_key(prefix), {})


def remember_widgets(prefix: str, skip: Iterable[str] = ()) -> None:
    """Remember the values of keys starting with ``prefix``, except keys ending with one of ``skip`` or
    :data:`NEVER` (buttons and the like, and widgets that pass their own default value)."""
    endings = (*NEVER, *skip)
    st.session_state[_snapshot_key(prefix)] = {
        name: st.session_state[name]
        for name in list(st.session_state.keys())
        if str(name).startswith(prefix) and not str(name).endswith(endings)
    }


# -- one state object per page -----------------------------------------------------------------------------------
def seed_from_url(state_class: type[S], prefix: str, widgets: Mapping[str, Callable] | None = None) -> list[str]:
    """On the page's first run in this session, read the URL into ``state_class`` and put its values into the
    widgets under ``prefix`` (see :func:`optviz.state.widget_values`); later runs keep the widgets' values.
    Returns the notes on unusable URL values (kept for the session, so the page can show them every run)."""
    notes_key = prefix + "url_notes"
    if notes_key not in st.session_state:
        with importing(linked_frameworks(st.query_params)):  # a link's native lane imports its framework
            state, notes = state_class.from_query(st.query_params)
        for suffix, value in widget_values(state, widgets or {}).items():
            st.session_state[prefix + suffix] = value
        st.session_state[notes_key] = notes
        st.session_state[prefix + "url_state"] = state
    return st.session_state[notes_key]


def url_state(prefix: str) -> PageState | None:
    """The state read from the URL on the page's first run (None before it): e.g. its lanes, to seed a panel."""
    return st.session_state.get(prefix + "url_state")


def widget_value_map(prefix: str) -> dict[str, object]:
    """The values of the widgets under ``prefix``, keyed by their suffix."""
    return {str(k)[len(prefix) :]: v for k, v in st.session_state.items() if str(k).startswith(prefix)}


def write_url(state: PageState) -> None:
    """Put ``state`` in the query string (only when it changed), so the browser URL reproduces the page."""
    wanted = state.to_query()
    if query_lists(st.query_params) != wanted:
        st.query_params.from_dict(wanted)


def show_url_notes(notes: list[str]) -> None:
    """One warning listing what the link held that could not be used (nothing when every value was usable)."""
    if notes:
        st.warning("Some settings in the link were not usable:\n\n" + "\n".join(f"- {note}" for note in notes))


@contextmanager
def kept_across_pages(prefix: str, skip: Iterable[str] = ()) -> Iterator[None]:
    """Run a page's body with its widget values restored on entry and remembered on exit (see the module)."""
    restore_widgets(prefix)
    try:
        yield
    finally:
        remember_widgets(prefix, skip)


def settle_widget(key: str, allowed: list, fallback) -> None:
    """Put the widget ``key``'s value back (``fallback`` when it is not one of ``allowed``, e.g. from a link) just
    before the widget is drawn. Re-set, not only checked: a value seeded into a key before its widget first existed
    stays behind in Streamlit (1.67) under the key and comes back whenever the widget is not drawn for a run (a
    visit to another page), so the seeded value is deleted and written again while the widget is drawn."""
    value = st.session_state.get(key)
    if key in st.session_state:
        del st.session_state[key]
    st.session_state[key] = value if value in allowed else fallback
