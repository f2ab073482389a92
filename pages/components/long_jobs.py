"""Long computations on a page: a progress bar, a Cancel button, and results kept across sessions.

:func:`long_job` returns the result finished by any session for the same key (so the same URL computes once),
else runs ``compute(progress)`` under a progress bar with a Cancel button. Any click makes Streamlit stop the
running script at its next ``st.*`` call (the bar's next update) and run it again, so Cancel needs no handler:
the interrupted computation stores nothing, and the next run sees the button pressed, remembers the key as
cancelled and shows "Cancelled" (with a button to run it after all) instead of starting over.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st

T = TypeVar("T")
CANCEL, CANCELLED, RESUME = "jobs.cancel", "jobs.cancelled", "jobs.resume"


@st.cache_data(max_entries=16, ttl=3600, show_spinner=False)
def _finished(key: Hashable, _result: Any = None) -> Any:
    """The result some session finished for ``key``: called with ``_result`` to keep it, without it to look it up
    (``LookupError`` when there is none; Streamlit caches no exception). Bounded: 16 results, one hour each."""
    if _result is None:
        raise LookupError("not computed yet")
    return _result


def finished(key: Hashable) -> Any | None:
    """The kept result for ``key``, or None."""
    try:
        return _finished(key)
    except LookupError:
        return None


def long_job(key: Hashable, compute: Callable[[Callable[[float], None]], T], text: str) -> T:
    """``compute(progress)`` for ``key`` once across sessions, under a progress bar with a Cancel button;
    stops the page (``st.stop``) while the job is cancelled."""
    kept = finished(key)
    if kept is not None:
        return kept
    session = st.session_state
    if session.get(CANCEL):  # the Cancel button of the run this one interrupted
        session[CANCELLED] = key
    if session.get(CANCELLED) == key and not session.get(RESUME):
        st.info("Cancelled: the computation was stopped before it finished, so there is nothing to show.")
        st.button("Run it after all", key=RESUME)
        st.stop()
    session.pop(CANCELLED, None)
    cancel = st.empty()
    cancel.button("Cancel", key=CANCEL, icon=":material/stop:", help="Stop this computation.")
    bar = st.progress(0.0, text=text)
    result = compute(lambda fraction: bar.progress(min(1.0, max(0.0, fraction)), text=text))
    bar.empty()
    cancel.empty()
    return _finished(key, result)
