"""A client-side step view: a map and a table of headline numbers for every recorded step, sent once; Previous,
Next, the arrow keys and the scrubber swap them in the browser without a rerun (``assets/step_view.js``).

The steps travel as an asset (:func:`pages.components.path_view.share_asset`), identical while the run is, so
Streamlit sends them once; the view's own data is only the asset's name and the step to show. The step shown is
reported back as the state value ``step`` (after the person pauses), so server-side parts can follow.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import streamlit as st

from pages.components.path_view import ASSETS, asset_name, share_asset

_HTML = """<div class="optviz-step-view" data-testid="optviz-step-view" tabindex="0">
  <div class="sv-bar">
    <button type="button" class="sv-previous">◀ Previous</button>
    <input type="range" class="sv-step" min="1" max="1" value="1" aria-label="Step k (in the browser)">
    <button type="button" class="sv-next">Next ▶</button>
    <span class="sv-label"></span>
  </div>
  <div class="sv-status" role="status">Loading the step view…</div>
  <div class="sv-body">
    <div class="sv-map"></div>
    <div class="sv-side"><p class="sv-heading"></p><table class="sv-table"><tbody class="sv-rows"></tbody></table></div>
  </div>
</div>"""

_CSS = """
.optviz-step-view .sv-bar { display: flex; align-items: center; gap: 0.5rem; margin-bottom: 0.5rem; }
.optviz-step-view .sv-bar button { font: inherit; padding: 0.2rem 0.8rem; border: 1px solid rgba(49, 51, 63, 0.2);
  border-radius: 0.5rem; background: #ffffff; cursor: pointer; }
.optviz-step-view .sv-bar button:disabled { opacity: 0.4; cursor: default; }
.optviz-step-view .sv-step { flex: 1; }
.optviz-step-view .sv-label { min-width: 10rem; text-align: right; font-variant-numeric: tabular-nums; }
.optviz-step-view .sv-body { display: flex; gap: 1rem; align-items: flex-start; }
.optviz-step-view .sv-map { flex: 3; height: 560px; min-width: 0; cursor: crosshair; }
.optviz-step-view .sv-side { flex: 2; }
.optviz-step-view .sv-heading { font-weight: 600; margin: 0 0 0.3rem 0; }
.optviz-step-view .sv-table td { padding: 0.2rem 0.6rem; border-bottom: 1px solid rgba(49, 51, 63, 0.1);
  font-variant-numeric: tabular-nums; }
.optviz-step-view .sv-status { color: rgba(49, 51, 63, 0.6); }
.optviz-step-view:focus { outline: none; }
.optviz-step-view:focus-visible { outline: 2px solid rgba(255, 75, 75, 0.5); outline-offset: 4px; }
"""

_view = st.components.v2.component(
    "optviz.step_view",
    html=_HTML,
    css=_CSS,
    js=(ASSETS / "step_view.js").read_text(encoding="utf-8"),
    isolate_styles=False,  # plotly.js styles its charts from the document's head
)


def deck_id(deck: dict) -> dict:
    """``deck`` with its content-addressed name under ``id`` (compute once, e.g. where the deck is cached)."""
    return {**deck, "id": asset_name("deck", json.dumps(deck, sort_keys=True))}


def step_view(
    deck: dict, step: int, key: str, on_step: Callable[[], None], on_pick: Callable[[], None] | None = None
) -> None:
    """Mount the view over ``deck`` (see :func:`optviz.figures.inspection_deck.step_deck`; the page calls
    :func:`pages.components.path_view.load_plotly` first) at ``step``; a deck carrying an ``id`` (see
    :func:`deck_id`) is not hashed again. ``on_step`` runs when the person has stepped (the step is then
    ``st.session_state[key]["step"]``); ``on_pick`` when they clicked the map (``st.session_state[key]["pick"]``:
    ``{"x", "y"}``)."""
    name = deck.get("id") or asset_name("deck", json.dumps(deck, sort_keys=True))
    share_asset(name, deck, key=f"{key}.deck")
    _view(
        data={"deck": name, "step": int(step)},
        key=key,
        on_step_change=on_step,
        on_pick_change=on_pick or (lambda: None),
    )
