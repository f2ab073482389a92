"""Home: what optviz is, one-click scenarios with a picture each, what each page does, and the optimizers."""

import pandas as pd
import streamlit as st

from optviz.explain import OPTIMIZER_SUMMARIES
from optviz.figures.thumbnails import paths_thumbnail
from optviz.lanes import DISPLAY_NAMES, PALETTE, keras_arguments
from optviz.scenarios import SCENARIOS, get_scenario, run_scenario
from optviz.surface_spec import build_surface
from pages.components.registry import available_pages
from pages.components.routing import route_through_app

route_through_app()

st.title("optviz")
st.markdown(
    "**See how deep-learning optimizers behave.** optviz runs the optimizers of the classic Keras 2.2 API "
    "(exactly as Keras 2.2.4 computes them, checked against real TensorFlow trajectories) on loss "
    "surfaces and small networks, so you can **tune hyperparameters visually**, **learn what each "
    "optimizer does**, and **compare optimizers side by side**."
)

pages = available_pages()
inspector = next((p for p in pages if p.url_path == "inspect"), None)
if inspector is not None:
    with st.container(border=True):
        st.markdown(
            "**New to optimizers? Start here.** The step inspector walks one optimizer through a "
            "loss surface step by step and shows every number it uses: moments, accumulators, bias "
            "corrections and clipping, as arrows and as the formulas with the numbers put in."
        )
        st.page_link(inspector.path, label="Learn in the step inspector", icon=":material/school:")


@st.cache_data(max_entries=len(SCENARIOS), show_spinner=False)
def thumbnail(key: str) -> bytes:
    """The scenario's surface with its lanes' paths (computed by the core once per server)."""
    scenario = get_scenario(key)
    trajectories = run_scenario(scenario)
    surface = build_surface(scenario.state().surface)
    return paths_thumbnail(surface, trajectories, PALETTE[: len(trajectories)])


st.subheader("Scenarios: one click, something to see")
columns = st.columns(3)
for index, scenario in enumerate(SCENARIOS):
    with columns[index % 3].container(border=True):
        st.image(thumbnail(scenario.key), width="stretch")
        st.markdown(f"**[{scenario.title}]({scenario.url})**")
        st.caption(scenario.lesson)

st.subheader("Pages")
if not pages:
    st.info("No pages are installed yet in this checkout.")
for page in pages:
    st.page_link(page.path, label=page.title, icon=page.icon)
    st.caption(page.description)

st.subheader("Optimizers")
st.markdown("Every argument of Keras 2.2.4, including `clipnorm` and `clipvalue` on each one:")
rows = []
for name, display in DISPLAY_NAMES.items():
    arguments = ", ".join(f"{k}={v!r}" if v is not None else k for k, v in keras_arguments(name).items())
    rows.append(
        {"Optimizer": display, "Keras 2.2.4 arguments (defaults)": arguments, "What it does": OPTIMIZER_SUMMARIES[name]}
    )
st.table(pd.DataFrame(rows).set_index("Optimizer"))

st.subheader("Use it from a notebook")
st.code(
    """from optviz import optimizers
from optviz.runner import run
from optviz.surfaces import get_surface

surface = get_surface("rosenbrock")
opt = optimizers.Adam(lr=[0.001, 0.01, 0.1])      # three runs, one lr each
trajectory = run(opt, surface.value_and_grad, [surface.start] * 3, steps=500)
trajectory.losses[-1]                              # final loss of each run""",
    language="python",
)
