"""Framework comparison: one setting run by Keras 2.2.4's rules, by tf.keras and by torch.optim.

The body is :mod:`pages.components.framework_views`. This script draws the title and the page's places first and,
on a session's first visit, an empty chart in the paths chart's place: the browser then fetches and runs plotly.js
(1-2 s on a small machine) while the server imports the page's modules and runs the comparison, instead of after.
"""

from __future__ import annotations

import plotly.graph_objects as go  # already imported by Streamlit itself
import streamlit as st

from pages.components.routing import route_through_app

FIRST_VISIT = "fw:placeholder_sent"  #: session flag: the placeholders went out (a session's first visit only)


def blank_chart(height: int) -> go.Figure:
    """An empty chart ``height`` px high: no axes, nothing drawn."""
    axis = dict(visible=False)
    return go.Figure(layout=dict(height=height, margin=dict(l=0, r=0, t=0, b=0), xaxis=axis, yaxis=axis))


first_visit = not st.session_state.get(FIRST_VISIT, False)
early = st.empty()  # an empty element takes no room; the same element on every run keeps the layout's paths
if first_visit:  # a link opened first on a fresh server runs this script alone once, without app.py, then
    early.plotly_chart(blank_chart(10))  # reruns it through app.py: in that first run this starts plotly.js' fetch
route_through_app()
early.empty()
st.title("Framework comparison")
st.caption(
    "The same optimizer setting run three ways on the same analytic gradients: Keras 2.2.4's rules (optviz), "
    "tf.keras and torch.optim. Where the rules coincide the paths lie on top of each other (to 1e-10); "
    "where they differ, the deviation plot shows by how much and from which step."
)
url_notes = st.container()
settings, results = st.columns([1, 2], gap="large")
notes = results.container()
chart = results
if first_visit:  # later runs update the drawn chart in place instead
    st.session_state[FIRST_VISIT] = True
    chart = results.empty()
    chart.plotly_chart(blank_chart(520))

from pages.components.framework_views import Places, frameworks_page  # noqa: E402  (after the placeholder)

frameworks_page(Places(url_notes, settings, notes, chart, results))
