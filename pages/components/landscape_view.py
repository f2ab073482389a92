"""The loss-landscape view of live training: the training loss on a 2-D slice of weight space around a chosen centre,
every lane's path projected on it, refreshed while training runs, and a caption saying what the projection hides.

A page calls :func:`view_choice` (the "predictions | landscape" control), then, when the landscape is shown,
:func:`landscape_controls` once per run (directions, centre, resolution) and :meth:`LandscapeView.draw` as often as
it likes (every tick of a training loop): the view redraws at most every ``REFRESH_SECONDS`` while training runs
and keeps the slice between refreshes (see :mod:`optviz.landscape_live`), so only the paths move.
Widget keys: ``prefix`` + ``view``, ``dir``, ``centre``, ``res`` (URL: ``view=landscape&dir=random&centre=initial
&res=41``; ``centre`` is ``initial`` or a lane number from 1).
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from optviz.figures.landscape import landscape_figure, projection_caption
from optviz.landscape import METHODS
from optviz.landscape_live import LandscapeSettings, LiveLandscape
from optviz.page_states.train import RESOLUTIONS
from optviz.training import TrainingSession
from pages.components.page_state import settle_widget

VIEWS = {"predictions": "Predictions", "landscape": "Loss landscape"}
METHOD_WORDS = {"random": "random (filter-normalised)", "pca": "PCA of the paths"}
DEFAULT_RESOLUTION = 41
REFRESH_SECONDS = 1.0  # while training runs; the grid is re-evaluated only when the slice must change
INITIAL = "initial"
HINT_SHARE = 0.2  # below this share of every path on a random slice, the caption suggests PCA directions


def view_choice(prefix: str, predictions: str = "Predictions") -> str:
    """The control that picks what is drawn under the curves: ``"predictions"`` (decision maps or confusion
    matrices, named by ``predictions``) or ``"landscape"``."""
    settle_widget(prefix + "view", list(VIEWS), "predictions")
    words = {**VIEWS, "predictions": predictions}
    return st.radio("View", list(VIEWS), key=prefix + "view", format_func=words.get, horizontal=True)


def centre_options(lane_count: int) -> list[str]:
    """``initial`` and the lane numbers ``1..K`` (as the URL writes them)."""
    return [INITIAL, *(str(n) for n in range(1, lane_count + 1))]


def landscape_controls(prefix: str, lane_count: int, seed: int = 0) -> LandscapeSettings:
    """Directions, centre and resolution (one row of widgets); a centre beyond the lanes falls back to the initial
    weights."""
    settle_widget(prefix + "dir", list(METHODS), "random")
    settle_widget(prefix + "centre", centre_options(lane_count), INITIAL)
    settle_widget(prefix + "res", list(RESOLUTIONS), DEFAULT_RESOLUTION)
    method_cell, centre_cell, resolution_cell = st.columns([2, 2, 2])
    method = method_cell.selectbox(
        "Directions",
        list(METHODS),
        key=prefix + "dir",
        format_func=METHOD_WORDS.get,
        help="Random: two Gaussian directions, each filter (a unit's incoming weights) scaled to the centre's "
        "(Li et al. 2018). PCA: the top two principal directions of all lanes' paths together.",
    )
    centre = centre_cell.selectbox(
        "Centre",
        centre_options(lane_count),
        key=prefix + "centre",
        format_func=lambda c: "initial weights (shared)" if c == INITIAL else f"lane {c}'s current weights",
    )
    resolution = resolution_cell.select_slider(
        "Grid", RESOLUTIONS, key=prefix + "res", format_func=lambda n: f"{n}×{n}", help="Grid points per axis."
    )
    where: str | int = INITIAL if centre == INITIAL else int(centre) - 1
    return LandscapeSettings(method, where, int(resolution), int(seed))


class LandscapeView:
    """Draws the landscape into two placeholders (figure and caption); ``memory`` keeps the slice and the grid
    between runs (keep it in the session)."""

    def __init__(self, key: str, memory: LiveLandscape, settings: LandscapeSettings) -> None:
        self.key, self.memory, self.settings = key, memory, settings
        self.figure, self.caption = st.empty(), st.empty()
        self.drawn_at = float("-inf")
        self.signature: object = None

    def draw(self, session: TrainingSession, names: list[str], colours: list[str], running: bool) -> None:
        """Redraw if anything changed, at most every ``REFRESH_SECONDS`` while training runs. ``names``: the lanes'
        labels (without numbers)."""
        now = time.monotonic()
        signature = (id(session), session.step, self.settings, tuple(names), tuple(colours), session.l2, running)
        if signature == self.signature or (running and now - self.drawn_at < REFRESH_SECONDS):
            return
        self.signature, self.drawn_at = signature, now
        try:
            landscape = self.memory.update(session, self.settings, running)
        except ValueError as error:
            self.figure.info(f"No landscape yet: {error}.", icon=":material/landscape:")
            self.caption.empty()
            return
        figure = landscape_figure(landscape, names, colours, session.diverged_steps())
        if running:  # redrawn while training runs: a still picture, one element per draw
            self.figure.plotly_chart(figure, width="stretch", config={"staticPlot": True})
        else:
            self.figure.plotly_chart(figure, key=self.key + "landscape", width="stretch")
        caption = projection_caption(landscape, names)
        kept = landscape.projection.explained
        if self.settings.method == "random" and np.nanmax(kept, initial=0.0) < HINT_SHARE:
            caption += (
                " Random directions are nearly orthogonal to every path in this many dimensions, so the paths look "
                "short here: choose PCA directions to see them spread out."
            )
        self.caption.caption(caption)
