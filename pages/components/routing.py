"""Make deep links go through app.py's router.

Streamlit (checked on 1.67) keeps its old multipage mode for an app with a ``pages/`` folder until some
session has called ``st.navigation``: a shared link such as ``/frameworks?...`` opened first after the
server starts runs ``pages/frameworks.py`` on its own, without app.py's navigation and page config.
Each page calls ``route_through_app()`` first: it switches that mode off and reruns, so app.py routes.
"""

from __future__ import annotations

import streamlit as st


def route_through_app() -> None:
    """If this page was started by Streamlit's old multipage mode, rerun it through app.py."""
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without this internal: nothing to fix
        return
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
