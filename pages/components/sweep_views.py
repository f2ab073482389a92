"""The sweep page's views: the heat map with its replayed cell, and the curves / fair-comparison view.

Each gets the page's :class:`~optviz.page_states.sweep.SweepState` and a function giving the sweep results
(cached by the page); the sentences and tables come from :mod:`optviz.sweep_report`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from optviz.figures.surfaces import plotly_json
from optviz.figures.sweep import metric_curves, paths_figure, training_curves
from optviz.figures.sweep_view import heatmap_view, replay_background, replay_view, selected_view
from optviz.lanes import PALETTE
from optviz.page_states.sweep import SweepState
from optviz.surfaces import Surface
from optviz.sweep import METRICS, SweepResult, Task, TunedOptimizer, best_index, replay
from optviz.sweep_report import (
    cell_history,
    cell_status,
    comparison_notes,
    comparison_rows,
    curve_label,
    edge_notes,
    explorer_url,
    grid_summary,
    no_value,
    scoring_note,
)
from pages.components.registry import PAGES
from pages.components.sweep_map_view import figure_view, picked_cell, share, sweep_map, with_id

NO_BAR = {"displayModeBar": False}
SURFACE_PAGE = next(p for p in PAGES if p.url_path == "surfaces")
MAP_KEY, REPLAY_KEY = "sweep.map", "sweep.replay"


def show_link(url: str, label: str) -> None:
    """A link to the surface explorer (its URL in words when that page is not installed)."""
    if SURFACE_PAGE.exists:
        st.markdown(f"[{label} ↗]({url})")
    else:
        st.caption(f"{label}: `{url}` (the surface explorer is not installed in this checkout)")


def chosen_cell(state: SweepState, result: SweepResult) -> tuple[int, int] | None:
    """The replayed cell: the last click on this grid, else the best cell (else the lowest final loss)."""
    if st.session_state.get("sweep.selection_for") != state:
        st.session_state["sweep.selection_for"], st.session_state["sweep.cell"] = state, None
    cell = picked_cell(MAP_KEY, result.values.shape)  # a click on the heat map view in this rerun
    if cell is not None:
        st.session_state["sweep.cell"] = cell
    return st.session_state.get("sweep.cell") or result.best_cell() or best_index(result.final_loss, result.final_loss)


def steps_run(state: SweepState, result: SweepResult, task: Task | None) -> int:
    """The steps each run took: the task's, or the last evaluated step of a (possibly capped) network sweep."""
    if task is not None:
        return task.steps
    return int(result.history[0][-1]) if result.history is not None else state.steps


def show_notes(result: SweepResult, steps: int, edges: list[str]) -> None:
    """How the runs were scored, and where the best sits on the edge of the grid."""
    st.caption(scoring_note(result, steps))
    for note in edges:
        st.info(note)


@st.cache_data(max_entries=12, show_spinner=False)
def heatmap_data(state: SweepState, _result: SweepResult) -> dict:
    """The heat map the browser view draws, with its name (the state fixes the grid: one per state, kept)."""
    return with_id(heatmap_view(_result), "heatmap")


def show_map(state: SweepState, result: SweepResult, task: Task | None, surface: Surface | None) -> None:
    """The heat map (click a cell) beside the replay of the chosen cell; ``task`` is None for network sweeps. What
    stays the same for the grid (the heat map, the surface image) is put in the page here, once; a click reruns only
    :func:`map_region`."""
    heatmap = share(heatmap_data(state, result), "heatmap", key=MAP_KEY + ".heatmap")
    background = None if surface is None else share(replay_background(surface), "surface", key=REPLAY_KEY + ".surface")
    map_region(state, result, task, surface, heatmap, background)


@st.fragment
def map_region(
    state: SweepState,
    result: SweepResult,
    task: Task | None,
    surface: Surface | None,
    heatmap: str,
    background: str | None,
) -> None:
    """The map's region, a fragment: the heat map view (drawn once, a click outlines the cell at once) and the replay
    redrawn in place, with its sentences and code; ``heatmap`` and ``background`` name the shared assets."""
    best, cell = result.best_cell(), chosen_cell(state, result)
    steps = steps_run(state, result, task)
    st.caption(grid_summary(result, steps))
    show_notes(result, steps, edge_notes(result))
    if best is None and cell is not None:
        if no_value(result) == "no stable setting":
            st.warning(
                "Every run that finished is unstable (its loss rises or jumps at the end): no best cell. Try "
                "smaller values or more steps. Showing the cell with the lowest final loss."
            )
        else:
            st.warning(
                f"No cell reached the tolerance in {steps} steps: try more steps or a larger tolerance. "
                "Showing the cell with the lowest final loss."
            )
    map_column, replay_column = st.columns([1.25, 1])
    with map_column:
        sweep_map(heatmap, selected_view(result, cell), key=MAP_KEY, on_pick=lambda: None)
        st.caption("Click a cell to replay it. ★ best stable cell, □ replayed cell.")
        name = f"sweep_{result.lane.optimizer}_{result.x.argument}_{result.y.argument}.csv"
        csv = lambda: pd.DataFrame(result.columns()).to_csv(index=False)  # made when the button is clicked
        st.download_button("Download the grid (CSV)", csv, file_name=name, mime="text/csv")
    with replay_column:
        if cell is None:
            st.warning("Every cell diverged: no path to replay. Try smaller learning rates.")
            return
        lane = result.cell_lane(*cell)
        mark = " (best cell)" if cell == best else ""
        if task is None:
            st.markdown(f"**Replayed:** {lane.label()} — {cell_status(result, cell, state.tol, state.steps)}{mark}")
            curves = [(lane.label(), PALETTE[0], cell_history(result, cell))]
            if best is not None and best != cell:
                curves.append((f"best: {result.cell_lane(*best).label()}", PALETTE[2], cell_history(result, best)))
            figure_view(plotly_json(training_curves(result.history[0], curves)), key=REPLAY_KEY)
        else:
            trajectory = replay(lane, task)
            status = cell_status(result, cell, state.tol, state.steps)
            if trajectory.diverged[0]:
                status = f"diverged at step {int(trajectory.diverged_step[0])}"
            st.markdown(f"**Replayed:** {lane.label()} — {status}{mark}")
            figure = replay_view(surface, [(lane.label(), PALETTE[0], trajectory)], state.start)
            figure_view(figure, key=REPLAY_KEY, background=background)
            show_link(explorer_url(state, [lane]), "Open this setting in the surface explorer")
        code = "\n\n".join(filter(None, [lane.keras_code(), lane.callbacks_code()]))  # the lr plan's callbacks too
        st.code(code, language="python", wrap_lines=True)


def show_curves(
    state: SweepState,
    tuned: Sequence[TunedOptimizer],
    task: Task | None,
    surface: Surface | None,
) -> None:
    """Metric curves over the swept argument and the table of each optimizer's best setting; in the fair
    comparison, beside each optimizer's path (or training curve) at its best lr."""
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(tuned))]
    curves = metric_curves([(curve_label(t.curve), c, t.curve) for t, c in zip(tuned, colours, strict=True)])
    table = pd.DataFrame(comparison_rows(tuned, state.metric)).set_index("optimizer")
    if tuned:
        show_notes(tuned[0].curve, steps_run(state, tuned[0].curve, task), comparison_notes(tuned))
    if state.mode != "tune":
        st.plotly_chart(curves, key="sweep.curves", config=NO_BAR)
        show_table(table)
        return
    at_best = [(t, c) for t, c in zip(tuned, colours, strict=True) if t.best_lane is not None]
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{METRICS[state.metric].label.capitalize()} against lr** (★ each optimizer's best stable lr)")
        st.plotly_chart(curves, key="sweep.curves", config=NO_BAR)
    with right:
        st.markdown("**Each optimizer at its own best lr**")
        if at_best and task is None:
            lines = [(t.best_lane.label(), c, t.curve.history[1][:, t.curve.best_cell()[1]]) for t, c in at_best]
            st.plotly_chart(training_curves(tuned[0].curve.history[0], lines), key="sweep.tuned", config=NO_BAR)
        elif at_best:
            paths = [(t.best_lane.label(), c, replay(t.best_lane, task)) for t, c in at_best]
            st.plotly_chart(paths_figure(surface, paths, state.start), key="sweep.tuned", config=NO_BAR)
    if at_best and task is not None:  # the paths may cross; their losses against step always read clearly
        st.markdown("**Their loss against step**")
        losses = [(label, colour, trajectory.losses[:, 0]) for label, colour, trajectory in paths]
        steps = np.arange(task.steps + 1)
        st.plotly_chart(training_curves(steps, losses, "loss", 380), key="sweep.tuned_losses", config=NO_BAR)
    show_table(table)
    if at_best and task is not None:
        lanes = [t.best_lane for t, _ in at_best]
        show_link(explorer_url(state, lanes), "Race the tuned optimizers in the surface explorer")


def show_table(table: pd.DataFrame) -> None:
    """The comparison table, its "Keras code" column shown under it as wrapped code (in the grid it was cut off)."""
    st.dataframe(table, width="stretch", column_order=[c for c in table.columns if c != "Keras code"])
    codes = [f"{code}  # {name}" for name, code in table["Keras code"].items() if code]
    if codes:
        st.code("\n".join(codes), language="python", wrap_lines=True)
