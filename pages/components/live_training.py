"""The live part of the training page: placeholders redrawn while a paced loop trains (see :class:`LiveView`)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import streamlit as st

from optviz.figures.live_curves import curves_svg, inline_svg
from optviz.figures.lr import lr_history_figure
from optviz.figures.training import confusion_figure, curves_figure
from optviz.training import TrainingSession
from optviz.training_report import (
    Throttle,
    decision_maps_html,
    divergence_messages,
    history_csv,
    lane_labels,
    lane_table,
    live_decision_maps_html,
    maps_signature,
    metric_columns,
    status_line,
)
from pages.components.landscape_view import LandscapeView

TICK_SECONDS = 0.07  # one chunk of training and a redraw per tick while training runs
LIVE_RUN_SECONDS = 60.0
MAP_RESOLUTION = 48
MAP_PIXELS = 220  # four lanes side by side in the main column
MAP_REFRESH_SECONDS = 0.5  # decision maps while training runs (curves and counter: every tick)
TABLE_REFRESH_SECONDS = 0.25  # the lanes table while training runs
CURVES_LABEL = "Loss and accuracy curves"
MAPS_CAPTION = (
    "Decision maps (standardised inputs): the background mixes the class colours by the predicted probabilities, "
    "the dark line is the decision boundary; dots are training points, diamonds test points."
)
REGRESSION_MAPS_CAPTION = (
    "Prediction maps (standardised inputs and target): the background is each lane's predicted target, blue below "
    "0 (the mean), orange above; dots are training points, diamonds test points, coloured by their targets."
)


def predictions_name(dataset) -> str:
    """What the "predictions" view shows for this data."""
    if dataset.is_planar:
        return "Prediction maps" if dataset.is_regression else "Decision maps"
    return "Predictions" if dataset.is_regression else "Confusion matrices"


class LiveView:
    """Placeholders, so a running loop redraws only what changed: the counter and the curves on every tick (a light
    SVG picture while running, the interactive Plotly figure once stopped), the table every
    ``TABLE_REFRESH_SECONDS``, the decision maps or confusion matrices every ``MAP_REFRESH_SECONDS``, the
    divergence messages when a lane diverges. ``key`` prefixes the element keys; ``maps`` keeps the last maps
    (in the session, so a rerun does not rebuild them). ``views`` is a container under the curves for the view
    control; a :class:`~pages.components.landscape_view.LandscapeView` given as ``landscape`` replaces the
    predictions."""

    def __init__(self, key: str, maps: Throttle) -> None:
        self.key, self.maps = key, maps
        self.status, self.errors, self.table, self.curves = st.empty(), st.empty(), st.empty(), st.empty()
        self.views = st.container()
        self.lr_chart = st.empty()  # the lr variable per lane, when some lane has an lr plan
        self.caption, self.pictures, self.footer = st.empty(), st.empty(), st.empty()
        self.landscape: LandscapeView | None = None
        self.pictures_sent: object = None
        self.table_sent = -math.inf
        self.errors_sent: list[str] | None = None
        self.footer_running: bool | None = None

    def draw_status(self, session: TrainingSession, running: bool) -> None:
        self.status.markdown(status_line(session, running))

    def draw(self, session: TrainingSession, colours: list[str], running: bool) -> None:
        """Everything that is due: see the class."""
        self.session, self.colours, self.labels = session, colours, lane_labels(session)
        self.draw_status(session, running)
        messages = divergence_messages(session)
        if messages != self.errors_sent:
            with self.errors.container():
                for message in messages:
                    st.error(message, icon=":material/warning:")
            self.errors_sent = messages
        # The table (a canvas grid, the dearest element for the browser) follows at a slower pace while running.
        if not running or time.monotonic() - self.table_sent >= TABLE_REFRESH_SECONDS:
            self.draw_table()
        names, marks = [lane.label() for lane in session.lanes], session.diverged_steps()
        retunes = session.retunes()  # a lane retuned mid-run: a mark at that step saying what changed
        if running:
            svg = curves_svg(session.history(), names, colours, marks, retunes=retunes)
            self.curves.markdown(inline_svg(svg, CURVES_LABEL), unsafe_allow_html=True)
        else:
            figure = curves_figure(session.history(), names, colours, marks, retunes=retunes)
            self.curves.plotly_chart(figure, key=self.key + "curves", width="stretch")
        if not running and any(lane.plan is not None for lane in session.lanes):  # redrawn once stopped
            lrs = lr_history_figure(session.lr_history(), names, colours)
            self.lr_chart.plotly_chart(lrs, key=self.key + "lr_chart", width="stretch")
        elif not running:
            self.lr_chart.empty()
        self.draw_pictures(running)
        if running:
            if self.footer_running is not True:
                self.footer.caption("Curves are a picture while training runs: Stop to hover, zoom and download them.")
        else:
            self.footer.download_button(
                "Download the curves (CSV)",
                history_csv(session),
                file_name="optviz_training_curves.csv",
                mime="text/csv",
                key=self.key + "csv",
            )
        self.footer_running = running

    def draw_table(self) -> None:
        number = st.column_config.NumberColumn(format="%.4f")
        self.table.dataframe(
            lane_table(self.session),
            hide_index=True,
            width="stretch",
            column_config=dict.fromkeys(metric_columns(self.session), number),
        )
        self.table_sent = time.monotonic()

    def draw_pictures(self, running: bool) -> None:
        """The landscape when chosen, else decision maps (2-D data) or confusion matrices (more inputs), re-sent
        only when they changed; a regression on more than 2 inputs has no picture but the landscape."""
        session = self.session
        now = time.monotonic()
        if self.landscape is not None:
            self.landscape.draw(session, [lane.label() for lane in session.lanes], self.colours, running)
            return
        if session.dataset.is_planar:
            signature = maps_signature(session, self.labels, self.colours, live=running)
            if self.maps.due(signature, now, running):
                draw = live_decision_maps_html if running else decision_maps_html  # SVG while running: see its doc
                self.maps.keep(signature, now, draw(session, self.labels, self.colours, MAP_RESOLUTION, MAP_PIXELS))
            if self.maps.value is self.pictures_sent:
                return
            self.caption.caption(REGRESSION_MAPS_CAPTION if session.dataset.is_regression else MAPS_CAPTION)
            self.pictures.markdown(self.maps.value, unsafe_allow_html=True)
            self.pictures_sent = self.maps.value
            return
        if session.dataset.is_regression:
            if self.pictures_sent is None:
                self.caption.caption(
                    f"A regression on {session.dataset.inputs} inputs has no map to draw: the curves show the mean "
                    "squared error and R²; the loss landscape view shows the loss around the weights."
                )
                self.pictures_sent = now
            return
        if running and self.pictures_sent is not None and now - self.pictures_sent < MAP_REFRESH_SECONDS:
            return
        self.caption.caption("Confusion matrices on the test set: true class down, predicted class across.")
        counts, marks = session.confusion_matrices("test"), session.diverged_steps()
        figure = confusion_figure(counts, self.labels, marks, session.dataset.class_names)
        if running:  # redrawn while running: a still picture of the figure
            self.pictures.plotly_chart(figure, width="stretch", config={"staticPlot": True})
        else:
            self.pictures.plotly_chart(figure, key=self.key + "confusion", width="stretch")
        self.pictures_sent = now


def train_live(
    view: LiveView, session: TrainingSession, colours: list[str], chunk: int, running: Callable[[], bool]
) -> bool:
    """While ``running()``: one chunk of steps and a redraw every ``TICK_SECONDS``, in a loop inside this run.
    Returns whether training still runs when the loop hands over (after ``LIVE_RUN_SECONDS``): then rerun.

    Not ``st.fragment(run_every=...)`` ticks: each fragment run costs a browser round trip of 150-250 ms here,
    which capped the view at 2-5 updates/s (measured with bench/bench_train_live.py). A click anywhere (Stop, a
    slider) interrupts the loop at its next redraw and reruns the page, which picks up the change and, if still
    running, resumes the loop: the page stays responsive and Stop takes effect before the next chunk. The loop
    hands over to a fresh page run every ``LIVE_RUN_SECONDS`` so no single run lives forever."""
    began = next_tick = time.monotonic()
    while running() and time.monotonic() - began < LIVE_RUN_SECONDS:
        next_tick += TICK_SECONDS
        time.sleep(max(0.0, next_tick - time.monotonic()))
        view.draw_status(session, True)  # a yield point: a pending click (Stop) interrupts here, before training
        session.advance(chunk)
        view.draw(session, colours, True)
    return running()
