"""A small page for AppTests of the /train components (data source, L2, landscape view), independent of the page."""

from __future__ import annotations

import streamlit as st

from optviz.datasets import DatasetSpec, make_dataset
from optviz.landscape_live import LiveLandscape
from optviz.lanes import parse_lane
from optviz.mlp import Network
from optviz.training import TrainingSession, keras_script
from pages.components.landscape_view import LandscapeView, landscape_controls, view_choice
from pages.components.train_data import DATA_SOURCES, UPLOAD, dataset_label, l2_widget, table_widgets

KEY = "t."
LANES = [parse_lane(text) for text in ("adam:lr=0.02", "sgd:lr=0.2,momentum=0.9", "rmsprop:lr=0.005")]

name = st.selectbox("Dataset", list(DATA_SOURCES), key=KEY + "dataset", format_func=dataset_label)
if name == UPLOAD:
    dataset = table_widgets(KEY, 0.25, 0).dataset
else:
    dataset = make_dataset(DatasetSpec(name, samples=200))
l2 = l2_widget(KEY)
if dataset is None:
    st.stop()
network = Network(dataset.inputs, (8,), dataset.outputs, "tanh", dataset.task)
structure = (dataset.spec, network)
if st.session_state.get("structure") != structure:
    st.session_state["session"] = TrainingSession(dataset, network, LANES, 16, 0, l2=l2)
    st.session_state["structure"] = structure
    st.session_state["memory"] = LiveLandscape()
session: TrainingSession = st.session_state["session"]
session.set_l2(l2)
if st.button("Step", key=KEY + "step"):
    session.advance(20)
st.markdown(f"**Step {session.step}** · {dataset.task}")
latest = session.latest(finite=True)
st.dataframe({name: latest[name] for name in session.columns[3:]})
for lane in session.lanes:
    st.code(keras_script(network, lane, 16, l2), language="python")
if view_choice(KEY) == "landscape":
    settings = landscape_controls(KEY, len(session.lanes), seed=0)
    view = LandscapeView(KEY, st.session_state["memory"], settings)
    view.draw(session, [lane.label() for lane in session.lanes], ["#1f77b4", "#ff7f0e", "#2ca02c"], running=False)
