"""The sweep page's views: the heat map with its replayed cell, and the curves / fair-comparison view.

Each gets the page's :class:`~optviz.page_states.sweep.SweepState` and a function giving the sweep results
(cached by the page); the sentences and tables come from :mod:`optviz.sweep_report`."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import streamlit as st

from optviz.figures.sweep import CLICK_TRACE, metric_curves, paths_figure, sweep_heatmap, training_curves
from optviz.lanes import PALETTE
from optviz.page_states.sweep import SweepState
from optviz.surfaces import Surface
from optviz.sweep import METRICS, SweepResult, Task, TunedOptimizer, best_index, replay
from optviz.sweep_report import cell_history, cell_status, comparison_rows, explorer_url, grid_summary
from pages.components.registry import PAGES

NO_BAR = {"displayModeBar": False}
SURFACE_PAGE = next(p for p in PAGES if p.url_path == "surfaces")


def show_link(url: str, label: str) -> None:
    """A link to the surface explorer (its URL in words when that page is not installed)."""
    if SURFACE_PAGE.exists:
        st.markdown(f"[{label} ↗]({url})")
    else:
        st.caption(f"{label}: `{url}` (the surface explorer is not installed in this checkout)")


def clicked_cell(shape: tuple[int, int]) -> tuple[int, int] | None:
    """The cell a new click on the heat map picked (``point_index`` of the transparent layer), else None."""
    try:
        points = list(st.session_state["sweep.heatmap"]["selection"]["points"])
    except (KeyError, TypeError):
        return None
    if points == st.session_state.get("sweep.last_click"):
        return None  # the same event seen again on a later rerun
    st.session_state["sweep.last_click"] = points
    for point in points:
        if point.get("curve_number") == CLICK_TRACE:
            index = int(point.get("point_index", point.get("point_number", -1)))
            if 0 <= index < shape[0] * shape[1]:
                return divmod(index, shape[1])
    return None


def chosen_cell(state: SweepState, result: SweepResult) -> tuple[int, int] | None:
    """The replayed cell: the last click on this grid, else the best cell (else the lowest final loss)."""
    if st.session_state.get("sweep.selection_for") != state:
        st.session_state["sweep.selection_for"], st.session_state["sweep.cell"] = state, None
    cell = clicked_cell(result.values.shape)
    if cell is not None:
        st.session_state["sweep.cell"] = cell
    return st.session_state.get("sweep.cell") or result.best_cell() or best_index(result.final_loss, result.final_loss)


def show_map(state: SweepState, result: SweepResult, task: Task | None, surface: Surface | None) -> None:
    """The heat map (click a cell) beside the replay of the chosen cell; ``task`` is None for network sweeps."""
    best, cell = result.best_cell(), chosen_cell(state, result)
    st.caption(grid_summary(result, state.steps if task is None else task.steps))
    if best is None and cell is not None:
        st.warning(
            f"No cell reached the tolerance in {state.steps} steps: try more steps or a larger tolerance. "
            "Showing the cell with the lowest final loss."
        )
    map_column, replay_column = st.columns([1.25, 1])
    with map_column:
        figure = sweep_heatmap(result, cell)
        st.plotly_chart(figure, key="sweep.heatmap", on_select="rerun", selection_mode=("points",), config=NO_BAR)
        st.caption("Click a cell to replay it. ★ best cell, □ replayed cell.")
        name = f"sweep_{result.lane.optimizer}_{result.x.argument}_{result.y.argument}.csv"
        csv = pd.DataFrame(result.columns()).to_csv(index=False)
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
            st.plotly_chart(training_curves(result.history[0], curves), key="sweep.replay", config=NO_BAR)
        else:
            trajectory = replay(lane, task)
            status = cell_status(result, cell, state.tol, state.steps)
            if trajectory.diverged[0]:
                status = f"diverged at step {int(trajectory.diverged_step[0])}"
            st.markdown(f"**Replayed:** {lane.label()} — {status}{mark}")
            figure = paths_figure(surface, [(lane.label(), PALETTE[0], trajectory)], state.start)
            st.plotly_chart(figure, key="sweep.replay", config=NO_BAR)
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
    curves = metric_curves([(t.curve.lane.label(), c, t.curve) for t, c in zip(tuned, colours, strict=True)])
    table = pd.DataFrame(comparison_rows(tuned, state.metric)).set_index("optimizer")
    if state.mode != "tune":
        st.plotly_chart(curves, key="sweep.curves", config=NO_BAR)
        show_table(table)
        return
    at_best = [(t, c) for t, c in zip(tuned, colours, strict=True) if t.best_lane is not None]
    left, right = st.columns([1, 1])
    with left:
        st.markdown(f"**{METRICS[state.metric].label.capitalize()} against lr** (★ each optimizer's best)")
        st.plotly_chart(curves, key="sweep.curves", config=NO_BAR)
    with right:
        st.markdown("**Each optimizer at its own best lr**")
        if at_best and task is None:
            lines = [(t.best_lane.label(), c, t.curve.history[1][:, t.curve.best_cell()[1]]) for t, c in at_best]
            st.plotly_chart(training_curves(tuned[0].curve.history[0], lines), key="sweep.tuned", config=NO_BAR)
        elif at_best:
            paths = [(t.best_lane.label(), c, replay(t.best_lane, task)) for t, c in at_best]
            st.plotly_chart(paths_figure(surface, paths, state.start), key="sweep.tuned", config=NO_BAR)
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
