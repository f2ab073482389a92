"""The sweep map's browser views: the heat map drawn once per grid (a click outlines the cell at once and is sent
back), and a figure drawn in place (the replay) whose background is sent once.

Two Streamlit custom components (``st.components.v2``, inline JS, no build step; plotly.js comes from
:func:`pages.components.path_view.load_plotly`, which the page calls first):

- ``optviz.sweep_map`` (``assets/sweep_map.js``): the heat map travels as an asset (:func:`share`, placed
  outside the fragment that holds the view, so a click's rerun does not send it again); the view's own data is
  the asset's name and the replayed cell's outline. A click is the trigger ``pick`` (``{"row", "column"}``);
- ``optviz.figure_view`` (``assets/figure_view.js``): one plotly figure redrawn in place with ``Plotly.react``,
  over a shared layout image (the surface).

Until plotly.js has arrived each view says so; the rest of the page works. Text reaches the page as data.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from pages.components.path_view import ASSETS, asset_name, share_asset, view_js

_MAP_HTML = """<div class="optviz-sweep-map" data-testid="optviz-sweep-map">
  <div class="sm-status" role="status">Loading the interactive heat map…</div>
  <div class="sm-map"></div>
  <div class="sm-hover" aria-live="polite"></div>
</div>"""

_FIGURE_HTML = """<div class="optviz-figure-view" data-testid="optviz-figure-view">
  <div class="fv-status" role="status">Loading the chart…</div>
  <div class="fv-chart"></div>
</div>"""

_CSS = """
.optviz-sweep-map .sm-map { height: 600px; cursor: crosshair; }
.optviz-sweep-map .sm-status, .optviz-figure-view .fv-status { color: rgba(49, 51, 63, 0.6); }
.optviz-sweep-map .sm-hover { min-height: 1.3rem; font-size: 0.85rem; color: rgba(49, 51, 63, 0.75); }
"""

_map = st.components.v2.component(
    "optviz.sweep_map",
    html=_MAP_HTML,
    css=_CSS,
    js=view_js("sweep_map.js"),
    isolate_styles=False,  # plotly.js styles its charts from the document's head
)
_figure = st.components.v2.component(
    "optviz.figure_view",
    html=_FIGURE_HTML,
    css=_CSS,
    js=(ASSETS / "figure_view.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def with_id(value: dict, kind: str) -> dict:
    """``value`` with its content-addressed name under ``id`` (compute once, where ``value`` is cached)."""
    return {**value, "id": asset_name(kind, json.dumps(value, sort_keys=True))}


def share(value: dict, kind: str, key: str) -> str:
    """Put ``value`` in the page under its name (its ``id``, see :func:`with_id`, else its hash) and return the name.
    Call it outside the fragment whose views use the name: a fragment's rerun then does not send it again."""
    name = value.get("id") or asset_name(kind, json.dumps(value, sort_keys=True))
    share_asset(name, value, key=key)
    return name


def sweep_map(heatmap: str, selected: dict, key: str, on_pick: Callable[[], None]) -> None:
    """Mount the heat map view: ``heatmap`` names a shared :func:`optviz.figures.sweep_view.heatmap_view` (see
    :func:`share`), ``selected`` is a :func:`~optviz.figures.sweep_view.selected_view`. ``on_pick`` runs when a cell
    was clicked (see :func:`picked_cell`)."""
    _map(data={"heatmap": heatmap, "selected": selected}, key=key, on_pick_change=on_pick)


def picked_cell(key: str, shape: tuple[int, int]) -> tuple[int, int] | None:
    """The ``(row, column)`` clicked on the view ``key`` in this rerun's trigger, None without a click (or with a
    cell outside ``shape``)."""
    try:
        pick = st.session_state[key]["pick"]
        row, column = int(pick["row"]), int(pick["column"])
    except (KeyError, TypeError, ValueError):
        return None
    return (row, column) if 0 <= row < shape[0] and 0 <= column < shape[1] else None


def figure_view(figure: dict, key: str, background: str | None = None) -> None:
    """Draw ``figure`` (plotly JSON) in place, over the shared layout image named ``background`` (see :func:`share`)."""
    _figure(data={"figure": figure, "background": background}, key=key)
