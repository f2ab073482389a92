"""Framework comparison: one setting run by Keras 2.2.4's rules, by tf.keras and by torch.optim.

The body is :mod:`pages.components.framework_views`. This script draws the title and the page's places first and,
on a session's first visit, an empty chart in the paths chart's place: the browser then fetches and runs plotly.js
(1-2 s on a small machine) while the server imports the page's modules and runs the comparison, instead of after.
"""

from __future__ import annotations

import plotly.graph_objects as go  # already imported by Streamlit itself
import streamlit as st

from pages.components.routing import route_through_app

route_through_app()
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
if not st.session_state.get("fw:placeholder_sent", False):  # later runs update the drawn chart in place instead
    st.session_state["fw:placeholder_sent"] = True
    chart = results.empty()
    chart.plotly_chart(go.Figure(layout=dict(height=520, xaxis=dict(visible=False), yaxis=dict(visible=False))))

from pages.components.framework_views import Places, frameworks_page  # noqa: E402  (after the placeholder)

frameworks_page(Places(url_notes, settings, notes, chart, results))
