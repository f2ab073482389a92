"""Keep a page's widget values while the person visits other pages.

Streamlit (checked on 1.67) deletes a widget's state at the end of any run that does not draw it, so
after a visit to another page every keyed widget starts from scratch (and code that reads
``st.session_state[key]`` before drawing the widget raises ``KeyError``). A page calls
:func:`restore_widgets` first and :func:`remember_widgets` last (e.g. in ``try/finally``): the values
are copied into one plain session entry, which Streamlit keeps, and put back when missing.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

#: Keys of widgets whose value a script may not set (buttons, downloads, chart selections): never restored.
NEVER = (".duplicate", ".remove", ".add", ".snapshot")


def _snapshot_key(prefix: str) -> str:
    return f"{prefix}snapshot"


def restore_widgets(prefix: str) -> None:
    """Put back the values remembered for widget keys starting with ``prefix`` that Streamlit dropped."""
    for name, value in st.session_state.get(_snapshot_key(prefix), {}).items():
        if name not in st.session_state:
            st.session_state[name] = value


def remember_widgets(prefix: str, skip: Iterable[str] = ()) -> None:
    """Remember the values of keys starting with ``prefix``, except keys ending with one of ``skip`` or
    :data:`NEVER` (buttons and the like, and widgets that pass their own default value)."""
    endings = (*NEVER, *skip)
    st.session_state[_snapshot_key(prefix)] = {
        name: st.session_state[name]
        for name in list(st.session_state.keys())
        if str(name).startswith(prefix) and not str(name).endswith(endings)
    }
