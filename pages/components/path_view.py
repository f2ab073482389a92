"""A persistent client-side view: a map and a loss chart drawn by plotly.js in the browser, animated and scrubbed
there (Play, Pause, speed, step scrubber, a cursor on the loss chart; the paths grow with the animated step unless
"whole paths" is ticked), a click on the map sent back to Python.
When the page sends a ``scene`` (optviz.figures.surface_3d.scene_view_data) a 3-D view follows the same step
under the loss chart; its surface mesh is an asset like the map's image.

Three Streamlit custom components (``st.components.v2``, inline JS, no build step):

- ``optviz.plotly``: plotly.js from the installed ``plotly`` package (no CDN), sent on the session's first run
  and run once by the page; later runs send a stub in its place (see :func:`load_plotly`);
- ``optviz.asset``: one named value kept in the page (the surface image, the 3-D mesh), likewise sent once per
  value;
- ``optviz.path_view``: the view (``assets/path_view.js``); a rerun hands it new data, its DOM, step and
  play state stay, and plotly.js updates the charts in place.

The view draws what Python computed (plotly figure JSON and every lane's positions); nothing is computed in
the browser. Text reaches the page as data: the JS writes labels with ``textContent`` and hands figures to
plotly.js, never ``innerHTML``. Until plotly.js has arrived the view says so; the rest of the page works.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import plotly
import streamlit as st

ASSETS = Path(__file__).resolve().parents[2] / "assets"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

#: Seconds the page waits after handing the view its data, before it sends the elements that follow (the settings,
#: the tabs). Streamlit's browser side renders the element updates that have arrived together in one batch and
#: calls the view only after that batch: when the browser is behind (a surface switch: a new image, a new formula),
#: the widgets and tables sent right after the view were rendered first. Measured on /surfaces (6 lanes x 1000
#: steps, first switch to the custom surface, 8 fresh servers each, interleaved): 313-348 ms median without the
#: wait, 258 with 0.03 s, 236 (226-255) with 0.06 s. The wait sleeps (it holds no lock and no GIL). A newer input
#: arriving meanwhile is taken as before: at the run's next element for a whole-page rerun, after the run for a
#: fragment's (Streamlit does not cut a run short for a fragment); 15 Steps key presses 40 ms apart settled in the
#: same 3.1-3.5 s with and without the wait.
VIEW_HEAD_START = 0.06

#: Runs plotly.js once per page (it defines ``window.Plotly``), then tells waiting views. Given only a stub (the
#: server thinks this page runs plotly.js already) in a page without it, it asks for the source (a trigger).
_LOADER_JS = """
export default function ({ data, setTriggerValue }) {
  if (window.Plotly || window.__optvizPlotlyLoading || !data) return;
  if (data.stub) { setTriggerValue("missing", true); return; }
  window.__optvizPlotlyLoading = true;
  const script = document.createElement("script");
  script.textContent = typeof data === "string" ? data : new TextDecoder().decode(data);
  document.head.appendChild(script);
  window.dispatchEvent(new Event("optviz-asset"));
}
"""

#: Keeps ``data.value`` under ``data.name`` in the page for the views that need it, then tells them.
_ASSET_JS = """
export default function ({ data }) {
  if (!data || typeof data.name !== "string") return;
  window.__optviz = window.__optviz || { assets: {} };
  if (window.__optviz.assets[data.name] === undefined) {
    window.__optviz.assets[data.name] = data.value;
    window.dispatchEvent(new Event("optviz-asset"));
  }
}
"""

_VIEW_HTML = """<div class="optviz-path-view" data-testid="optviz-path-view">
  <div class="ov-status" role="status">Loading the interactive map…</div>
  <div class="ov-map"></div>
  <div class="ov-hover" aria-live="polite"></div>
  <div class="ov-bar">
    <button type="button" class="ov-play">▶ Play</button>
    <button type="button" class="ov-pause">❚❚ Pause</button>
    <select class="ov-speed" aria-label="Animation speed">
      <option value="slow">slow</option><option value="normal" selected>normal</option>
      <option value="fast">fast</option>
    </select>
    <input type="range" class="ov-step" min="0" max="0" value="0" aria-label="Animation step">
    <span class="ov-step-label"></span>
    <label class="ov-whole" title="Draw every path to its end while animating (off: paths grow as they are animated)">
      <input type="checkbox"> whole paths</label>
  </div>
  <div class="ov-loss"></div>
  <div class="ov-3d" hidden></div>
</div>"""


def view_js(name: str) -> str:
    """A view's JS (``assets/<name>``) with the helpers the views share (``assets/view_common.js``) in front: an
    inline component is one module and cannot import a sibling file."""
    return "\n".join((ASSETS / file).read_text(encoding="utf-8") for file in ("view_common.js", name))


_loader = st.components.v2.component("optviz.plotly", js=_LOADER_JS, isolate_styles=False)
_asset = st.components.v2.component("optviz.asset", js=_ASSET_JS, isolate_styles=False)
_view = st.components.v2.component(
    "optviz.path_view",
    html=_VIEW_HTML,
    css=(ASSETS / "path_view.css").read_text(encoding="utf-8"),
    js=view_js("path_view.js"),
    isolate_styles=False,  # plotly.js styles its charts from the document's head
)


@functools.cache
def _plotly_source() -> bytes:
    return PLOTLY_JS.read_bytes()


#: Session entry: plotly.js was sent to this browser session's page.
_SENT = "optviz.plotly_sent"


def load_plotly() -> None:
    """Put plotly.js in the page (sent once per browser session, run once per page). A page showing a view calls
    this once per run, early (e.g. under its title): the browser receives and runs plotly.js meanwhile.

    Only the session's first run (and a run the page asks for it in) carries the 3.6 MB source; later runs put a
    stub in the same place (the element stays mounted, the page keeps ``window.Plotly``). Re-sending the source
    cost every rerun 20-40 ms of server time (Streamlit hashes the message) and the browser a cached 3.6 MB message
    to handle before the view. A page that got the stub without ever running the source asks for it (a rerun)."""
    session = st.session_state
    asked = bool((session.get("optviz.plotly") or {}).get("missing"))
    data = _plotly_source() if asked or not session.get(_SENT) else {"stub": True}
    session[_SENT] = True
    _loader(data=data, key="optviz.plotly", height=0, on_missing_change=lambda: None)


def asset_name(kind: str, value: str) -> str:
    """A content-addressed name for ``value``: the same value always gets the same name."""
    return f"{kind}-{hashlib.sha1(value.encode()).hexdigest()[:16]}"


def share_asset(name: str, value: object, key: str) -> None:
    """Keep ``value`` under ``name`` in the page (its element is identical while ``name`` is, so it is sent once)."""
    _asset(data={"name": name, "value": value}, key=key, height=0)


def path_view(
    data: dict, key: str, on_pick: Callable[[], None] | None = None, assets: Mapping[str, object] | None = None
) -> None:
    """Mount the view with ``data`` (see ``assets/path_view.js``; the page calls :func:`load_plotly` first).
    Each of ``assets`` (e.g. the surface image) is sent as its own element, once while it stays the same, and the
    view's data names it under the same field. ``on_pick`` runs when the map is clicked, the clicked point then being
    ``st.session_state[key]["pick"]`` (``{"x", "y"}``). Returns :data:`VIEW_HEAD_START` seconds after the view is
    sent, so that the browser draws it before the elements that follow."""
    names = {}
    for field, value in (assets or {}).items():
        names[field] = asset_name(field, json.dumps(value, sort_keys=True))
        share_asset(names[field], value, key=f"{key}.{field}")
    _view(data={**data, **names}, key=key, on_pick_change=on_pick or (lambda: None))
    time.sleep(VIEW_HEAD_START)  # the view drawn in a browser batch of its own (see VIEW_HEAD_START)


def picked_point(key: str) -> tuple[float, float] | None:
    """The point clicked on the view ``key`` in this rerun's trigger (None when there was no click)."""
    try:
        point = st.session_state[key]["pick"]
        return float(point["x"]), float(point["y"])
    except (KeyError, TypeError, ValueError):
        return None
