"""The surface explorer's read-outs under the map: divergence notes per lane, and the exports (trajectories CSV, the
animated map as a standalone HTML page, each lane's Keras code with its lr plan written out)."""

from __future__ import annotations

import re
from collections.abc import Callable

import streamlit as st

from optviz.figures.colour_scale import clip_note, view_values
from optviz.figures.surfaces import default_window, standalone_html
from optviz.metrics import trajectories_csv
from optviz.poles import lane_pole_notes
from optviz.runner import Trajectory
from optviz.surfaces import Surface

KEY = "surfaces."


def show_divergence(labels: list[str], trajectories: list[Trajectory]) -> None:
    for number, (label, trajectory) in enumerate(zip(labels, trajectories, strict=True), 1):
        step = int(trajectory.diverged_step[0])
        if step >= 0:
            st.warning(
                f"Lane {number} ({label}) diverged at step {step}: its next point or loss was not a finite number "
                "(or left ±1e6), so its path stops at the red ✕. Try a smaller lr, or clipnorm / clipvalue.",
                icon=":material/error:",
            )
        elif trajectory.diverged.any():
            st.info(f"Lane {number} ({label}): {int(trajectory.diverged.sum())} of the noisy runs diverged.")


def show_poles(surface: Surface, labels: list[str], trajectories: list[Trajectory]) -> None:
    """A caption when a pole clips the map's colours, and a note per lane whose path jumped across one."""
    window = default_window(surface)
    window = (tuple(window[0]), tuple(window[1]))
    values = view_values(surface, window)
    note = clip_note(values)
    if note:
        st.caption(note)
    if surface.key != "custom":  # the built-in surfaces are smooth everywhere: no pole to look for
        return
    paths = [trajectory.positions[:, 0] for trajectory in trajectories]
    names = [re.sub(r"^\d+\. ", "", label) for label in labels]  # "1. Adam lr=0.05" -> "Adam lr=0.05"
    for text in lane_pole_notes(surface.value, window, values, names, paths):
        st.warning(text, icon=":material/bolt:")


def show_exports(surface: Surface, labels, trajectories, figure: Callable[[], object], lanes) -> None:
    left, right = st.columns(2)
    left.download_button(
        "Trajectories (CSV)",
        data=lambda: trajectories_csv(labels, trajectories),
        file_name=f"optviz_{surface.key}_trajectories.csv",
        mime="text/csv",
        key=KEY + "csv",
        on_click="ignore",
        icon=":material/download:",
        help="Columns step, lane, run, x, y, loss (run 0 is the bold path; the others are the noisy ensemble).",
    )
    right.download_button(
        "2-D figure (interactive HTML)",
        data=lambda: standalone_html(figure()),
        file_name=f"optviz_{surface.key}_paths.html",
        mime="text/html",
        key=KEY + "html",
        on_click="ignore",
        icon=":material/download:",
        help="A standalone page with the animated map (works offline).",
    )
    st.markdown("**Keras code per lane** (Keras 2.2 spelling, then the modern `learning_rate=` one)")
    blocks = []
    for number, lane in enumerate(lanes, 1):
        code = lane.keras_code() if lane.is_native else f"{lane.keras_code()}\n{lane.keras_code(modern=True)}"
        code += f"\n{lane.callbacks_code()}" if lane.plan is not None else ""  # its lr schedule, written out
        blocks.append(f"# lane {number}\n{code}")
    st.code("\n\n".join(blocks), language="python", wrap_lines=True)  # one element for all lanes
