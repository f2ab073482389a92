"""Framework comparison: one setting run by Keras 2.2.4's rules, by tf.keras and by torch.optim.

URL: ``?o=adam:lr=0.05,epsilon=0.1&surface=rosenbrock&start=-1.2,1&steps=200&tf=current&defaults=0``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from optviz.figures.frameworks import deviation_figure, paths_figure
from optviz.frameworks import DIFFERENCES, compare
from optviz.lanes import Lane, parse_lane
from optviz.native_lanes import FRAMEWORKS, framework_available
from optviz.surfaces import SURFACES, get_surface
from pages.components.lane_editor import lane_editor, seed_lane_widgets
from pages.components.routing import route_through_app

route_through_app()

MAX_STEPS = 600
DEFAULT_LANE = "adam:lr=0.05,epsilon=0.1"

st.title("Framework comparison")
st.caption(
    "The same optimizer setting run three ways on the same analytic gradients: Keras 2.2.4's rules (optviz), "
    "tf.keras and torch.optim. Where the rules coincide the paths lie on top of each other (to 1e-10); "
    "where they differ, the deviation plot shows by how much and from which step."
)


def read_url() -> list[str]:
    """Seed the widgets from the query string once per session; return notes about values that were ignored."""
    notes: list[str] = []
    if st.session_state.get("fw.seeded"):
        return notes
    st.session_state["fw.seeded"] = True
    params = st.query_params
    try:
        lane = parse_lane(params.get("o", DEFAULT_LANE))
    except ValueError as error:
        notes.append(f"Ignored o={params.get('o')!r}: {error}.")
        lane = parse_lane(DEFAULT_LANE)
    seed_lane_widgets(lane, "fw.lane")
    surface = params.get("surface", "rosenbrock")
    if surface not in SURFACES:
        notes.append(f"Unknown surface {surface!r}; showing Rosenbrock.")
        surface = "rosenbrock"
    st.session_state["fw.surface"] = surface
    start = get_surface(surface).start
    if "start" in params:
        try:
            x, y = (float(v) for v in params["start"].split(","))
            if not (np.isfinite(x) and np.isfinite(y) and abs(x) < 1e3 and abs(y) < 1e3):
                raise ValueError
            start = (x, y)
        except ValueError:
            notes.append(f"Ignored start={params['start']!r}: expected two finite numbers like -1.2,1.")
    st.session_state["fw.x0"], st.session_state["fw.y0"] = float(start[0]), float(start[1])
    steps = 200
    if "steps" in params:
        try:
            steps = int(params["steps"])
            if not 1 <= steps <= MAX_STEPS:
                notes.append(f"steps must be 1..{MAX_STEPS}; got {steps}, using {min(max(steps, 1), MAX_STEPS)}.")
                steps = min(max(steps, 1), MAX_STEPS)
        except ValueError:
            notes.append(f"Ignored steps={params['steps']!r}: not a whole number.")
            steps = 200
    st.session_state["fw.steps"] = steps
    st.session_state["fw.tf"] = "legacy" if params.get("tf") == "legacy" else "current"
    st.session_state["fw.defaults"] = params.get("defaults") == "1"
    return notes


def load_demo(index: int) -> None:
    """Button callback: put a documented difference's demo setting into the widgets."""
    difference = DIFFERENCES[index]
    seed_lane_widgets(parse_lane(difference.lane), "fw.lane")
    st.session_state["fw.surface"] = difference.surface
    st.session_state["fw.x0"], st.session_state["fw.y0"] = difference.start
    st.session_state["fw.steps"] = difference.steps
    st.session_state["fw.defaults"] = difference.framework_defaults
    st.session_state["fw.tf"] = "legacy" if difference.frameworks == ("tf_keras_legacy",) else "current"


@st.cache_data(show_spinner="Running the three frameworks (the first TensorFlow import takes a few seconds)…")
def run_comparison(
    lane_text: str,
    surface_key: str,
    start: tuple[float, float],
    steps: int,
    frameworks: tuple[str, ...],
    framework_defaults: bool,
):
    comparison = compare(
        parse_lane(lane_text), get_surface(surface_key).value_and_grad, start, steps, frameworks, framework_defaults
    )
    paths = {name: t.positions[:, 0] for name, t in comparison.trajectories.items()}
    losses = {name: t.losses[:, 0] for name, t in comparison.trajectories.items()}
    diverged = {name: int(t.diverged_step[0]) for name, t in comparison.trajectories.items()}
    deviations = {name: comparison.deviation(name) for name in frameworks}
    codes = {name: (t.code, t.dropped) for name, t in comparison.translations.items()}
    return paths, losses, diverged, deviations, codes


for note in read_url():
    st.warning(note)

settings, results = st.columns([1, 2], gap="large")
with settings:
    st.subheader("Setting")
    lane: Lane = lane_editor(parse_lane(DEFAULT_LANE), "fw.lane")
    surface_key = st.selectbox("Surface", list(SURFACES), key="fw.surface", format_func=lambda k: SURFACES[k].name)
    surface = get_surface(surface_key)
    cx, cy = st.columns(2)
    x0 = cx.number_input("start x", key="fw.x0", min_value=-1e3, max_value=1e3, format="%g")
    y0 = cy.number_input("start y", key="fw.y0", min_value=-1e3, max_value=1e3, format="%g")
    steps = st.slider("Steps", 1, MAX_STEPS, key="fw.steps")
    flavour = st.radio(
        "tf.keras flavour",
        ["current", "legacy"],
        key="fw.tf",
        horizontal=True,
        help="current: tf_keras.optimizers (what tf.keras uses today); legacy: "
        "tf_keras.optimizers.legacy (Keras-2-style OptimizerV2, with decay).",
    )
    framework_defaults = st.checkbox(
        "Each framework's own defaults for arguments left at the Keras default",
        key="fw.defaults",
        help="Off: every framework gets Keras 2.2.4's values, so only the update rules differ. "
        "On: shows the different default learning rates and epsilons too.",
    )

st.query_params.update(
    {
        "o": lane.to_text(),
        "surface": surface_key,
        "start": f"{x0:g},{y0:g}",
        "steps": str(steps),
        "tf": flavour,
        "defaults": "1" if framework_defaults else "0",
    }
)

tf_name = "tf_keras_legacy" if flavour == "legacy" else "tf_keras"
frameworks = []
for name in (tf_name, "torch"):
    available, message = framework_available(name)
    if available:
        frameworks.append(name)
    else:
        results.info(message)

with results:
    paths, losses, diverged, deviations, codes = run_comparison(
        lane.to_text(), surface_key, (float(x0), float(y0)), int(steps), tuple(frameworks), framework_defaults
    )
    labels = {name: FRAMEWORKS[name].title for name in paths}
    st.plotly_chart(paths_figure(surface, paths, labels), key="fw.paths")
    if deviations:
        st.plotly_chart(deviation_figure(deviations, labels), key="fw.deviation")

rows = []
for name, path in paths.items():
    code, dropped = codes.get(name, (lane.keras_code(), ()))
    rows.append(
        {
            "Framework": labels[name],
            "Optimizer": code,
            "Final x, y": f"{path[-1, 0]:.6g}, {path[-1, 1]:.6g}",
            "Final loss": f"{losses[name][-1]:.6g}",
            "Max |Δ| from Keras 2.2.4": "—" if name == "keras224" else f"{deviations[name].max():.2e}",
            "Diverged at step": "—" if diverged[name] < 0 else str(diverged[name]),
            "Not carried over": "; ".join(dropped) or "—",
        }
    )
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader("Documented differences")
st.caption("From the Keras 2.2.4 spec and the tf_keras 2.21 / torch sources. *Show me* loads a setting where it shows.")
for index, difference in enumerate(DIFFERENCES):
    text, button = st.columns([5, 1])
    names = ", ".join(FRAMEWORKS[f].title for f in difference.frameworks)
    text.markdown(f"**{difference.title}** — {names}  \n{difference.explanation}")
    if difference.lane is None:
        button.caption("No one-click demo")
    else:
        button.button("Show me", key=f"fw.demo.{index}", on_click=load_demo, args=(index,))
