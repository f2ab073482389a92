"""The step inspector's views of one step: the step controls, formulas with the numbers, a summary, the state
tables, the notes on where Keras differs. Each takes the recorded :class:`optviz.inspection.Inspection`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from optviz.explain import KERAS_NOTES, PAPER_RULES
from optviz.figures.inspection import step_figure
from optviz.figures.inspection_deck import summary_rows
from optviz.inspection import Inspection, step_table
from optviz.inspection_formulas import aligned, formula_lines, step_formulas

KEY = "inspect."


def show_formulas(inspection: Inspection, step: int) -> None:
    """The rule as Keras computes it, then with step k's numbers for each coordinate."""
    formulas = step_formulas(inspection, step)
    lines = formula_lines(inspection.optimizer, inspection.hyperparameters)
    st.markdown(f"**The update rule of {inspection.lane.display_name}, as Keras 2.2.4 computes it** (t = step)")
    st.latex(aligned([line.symbolic for line in lines]))
    st.markdown(f"**Step {step} with its numbers** (t = {formulas.values[0]['t']:.0f}, 6 significant digits)")
    if formulas.scalar:
        st.latex(aligned([numeric for _, numeric in formulas.scalar]))
    for name, lines_of_coordinate in zip(("x", "y"), formulas.coordinates, strict=True):
        st.markdown(f"**Coordinate {name}** (θ, g and every other symbol above stand for their {name} component)")
        st.latex(aligned([numeric for _, numeric in lines_of_coordinate]))


def step_summary(inspection: Inspection, step: int) -> None:
    """A few headline numbers of step k, as a compact table (the rows the browser's step view shows too)."""
    rows = summary_rows(inspection, step)
    st.markdown(
        f"**Step {step}** (t = {inspection.values(step)['t']:.0f})\n\n| quantity | value |\n|---|---|\n"
        + "\n".join(f"| {name} | {value} |" for name, value in rows)
    )


def state_table(inspection: Inspection, step: int) -> None:
    """All steps' numbers, one row per step, downloadable."""
    table = inspection.table()
    row = inspection.index(step)
    styles = pd.DataFrame("", index=table.index, columns=table.columns)
    styles.iloc[row] = "background-color: #fff3c4"
    st.markdown(f"**Every number of step {step}** (before the step: `_prev`; after it: no suffix)")
    numbers = step_table(inspection, step)
    names = {"_index": st.column_config.TextColumn("quantity", width="medium")}  # "bias_correction" whole
    st.dataframe(numbers, width="stretch", height=36 * (len(numbers) + 1) + 4, column_config=names)
    st.markdown(
        f"**All steps**, one row per step (step {step} highlighted; `name[x]`, `name[y]`: its coordinate x and "
        "coordinate y; θ is the parameter, the point on the map)"
    )
    st.dataframe(table.style.apply(lambda _: styles, axis=None).format("{:.6g}"), height=320, width="stretch")
    st.download_button(
        "Download CSV (one row per step)",
        table.to_csv().encode(),
        file_name=f"optviz_inspect_{inspection.lane.to_text().replace(':', '_')}.csv",
        mime="text/csv",
        key=KEY + "csv",
    )


def keras_notes(shown: Inspection) -> None:
    """Where Keras 2.2.4 differs from the paper and later frameworks, both rules side by side, the Keras code."""
    st.markdown(f"**{shown.lane.display_name} in Keras 2.2.4 versus the paper and later frameworks:**")
    st.markdown("\n".join(f"- {note}" for note in KERAS_NOTES[shown.optimizer]))
    source, paper_lines = PAPER_RULES[shown.optimizer]
    paper, keras = st.container(), st.container()  # one above the other: side by side they were cut off at 1024 px
    with paper:
        st.markdown(f"**The paper's rule** ({source})")
        st.latex(aligned(paper_lines))
    with keras:
        st.markdown("**Keras 2.2.4's rule** (what this page computes)")
        unclipped = {**shown.hyperparameters, "clipnorm": None, "clipvalue": None}  # the rule itself
        st.latex(aligned([line.symbolic for line in formula_lines(shown.optimizer, unclipped)]))
    st.markdown("In Keras code:")
    st.code(
        shown.lane.keras_code() + (f"\n{shown.lane.callbacks_code()}" if shown.lane.plan else ""),
        language="python",
        wrap_lines=True,
    )


def shift_step(delta: int, first: int, last: int) -> None:
    """Previous / Next: move the scrubber by ``delta`` within first..last."""
    st.session_state[KEY + "step"] = min(max(st.session_state[KEY + "step"] + delta, first), last)


def step_controls(shown: Inspection) -> int:
    """Previous / slider / Next over the steps of ``shown``; returns the step k shown."""
    state = st.session_state
    first, last = shown.first_step + 1, shown.last_step
    state[KEY + "step"] = min(max(int(state.get(KEY + "step", first)), first), last)
    back, scrub, forward = st.columns([1.4, 7, 1.4], vertical_alignment="bottom")
    back.button(
        "◀ Previous",
        key=KEY + "previous",
        on_click=shift_step,
        args=(-1, first, last),
        disabled=state[KEY + "step"] <= first,
        width="stretch",
    )
    forward.button(
        "Next ▶",
        key=KEY + "next",
        on_click=shift_step,
        args=(1, first, last),
        disabled=state[KEY + "step"] >= last,
        width="stretch",
    )
    if first == last:
        scrub.markdown(f"**Step {first}** (the only recorded step)")
        return first
    return scrub.slider(
        "Step k",
        first,
        last,
        key=KEY + "step",
        help="The k-th update: from θ_{k-1} to θ_k. Click the slider, then use the arrow keys to step.",
    )


def stepper(
    inspection: Inspection, fork_result: Inspection | None, controls=step_controls
) -> tuple[Inspection, int, bool]:
    """Which run is stepped through (original or fork) and the step k chosen: with ``controls`` (Previous / slider /
    Next drawn here), or ``None`` when the browser's step view steps (the step kept within the run's steps)."""
    st.session_state.setdefault(KEY + "view", "original")
    viewing_fork = (
        fork_result is not None
        and fork_result.steps > 0
        and st.segmented_control(
            "Step through",
            ["original", "fork"],
            key=KEY + "view",
            format_func={"original": "the original run", "fork": "the fork"}.get,
        )
        == "fork"
    )
    shown = fork_result if viewing_fork else inspection
    if viewing_fork:
        st.info(
            f"Stepping through the fork **{shown.lane.label()}**, continued from the state after step "
            f"{shown.first_step}; the grey path is the original run before the fork."
        )
    if controls is not None:
        return shown, controls(shown), viewing_fork
    first, last = shown.first_step + 1, shown.last_step
    step = min(max(int(st.session_state.get(KEY + "step", first)), first), last)
    st.session_state[KEY + "step"] = step
    return shown, step, viewing_fork


def zoomed_map(
    surface, inspection: Inspection, shown: Inspection, step: int, fork_result, viewing_fork: bool, on_pick
) -> None:
    """The server-side map framed on step k, with the step's numbers beside it."""
    map_column, side_column = st.columns([3, 2])
    with side_column:
        step_summary(shown, step)
    with map_column:
        figure = (
            step_figure(surface, shown, step, zoom=True, before=inspection.positions[: shown.first_step + 1])
            if viewing_fork
            else step_figure(surface, inspection, step, forked=fork_result, zoom=True)
        )
        st.plotly_chart(
            figure,
            key=KEY + "map",
            width="stretch",
            on_select=on_pick,
            selection_mode=("points",),
            config={"displayModeBar": False},
        )
