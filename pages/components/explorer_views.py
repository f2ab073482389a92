"""The surface explorer's read-outs under the map: divergence notes per lane, and the exports (trajectories CSV, the
animated map as a standalone HTML page, each lane's Keras code with its lr plan written out)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from optviz.figures.surfaces import standalone_html
from optviz.metrics import trajectories_csv
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
    st.code("\n\n".join(blocks), language="python")  # one element for every lane: fewer to redraw per rerun
