"""Real browser: clicking a heat-map cell on the sweep page replays that cell's path, the heat map staying drawn in
its browser view (outlined at once, never redrawn: only the map region reruns); markup in a link stays text; a long
network sweep is capped and cancels; screenshots to look at."""

from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pytest
from playwright.sync_api import expect
from streamlit.proto.BackMsg_pb2 import BackMsg

from optviz import optimizers
from optviz.runner import run
from optviz.surfaces import get_surface
from optviz.sweep import parse_axis

from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser

X, Y, STEPS = "lr:1e-4:0.05:log:12", "momentum:0:0.95:lin:8", 120
URL = f"/sweep?surface=rosenbrock&start=-1.2,1&steps={STEPS}&opt=sgd:nesterov=1&x={X}&y={Y}&metric=final_loss"

#: ``{path: [xs, ys], selected: [x, y]}`` from plotly's own data of the live (non-stale) charts.
STATE = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'));
    const out = {};
    for (const plot of plots) {
        for (const trace of plot._fullData || []) {
            if (trace.meta === 'path') out.path = [Array.from(trace.x), Array.from(trace.y)];
            if (trace.meta === 'selected') out.selected = [trace.x[0], trace.y[0]];
        }
    }
    return out;
}"""

#: Page coordinates of the centre of heat-map cell (row, column), from the plot's own axis mapping.
CELL_CENTRE = """([x, y]) => {
    const plot = document.querySelector('.optviz-sweep-map .js-plotly-plot');
    const layout = plot._fullLayout;
    const box = plot.querySelector('.nsewdrag').getBoundingClientRect();
    return [box.left + layout.xaxis.d2p(x), box.top + layout.yaxis.d2p(y)];
}"""


#: The heat map view: how often it drew a heat map, and its plot element (tagged to tell a re-mounted one).
MAP_STATE = """() => {
    const view = document.querySelector('.optviz-sweep-map');
    const plot = view && view.querySelector('.js-plotly-plot');
    if (plot && !plot.__tagged) plot.__tagged = Math.random();
    return view && plot ? {drawn: view.dataset.drawn, cell: view.dataset.cell, tag: plot.__tagged} : null;
}"""


def click_cell(page, lr: float, momentum: float) -> None:
    """Point at a cell, wait for its line under the map (as a person would), then click."""
    page.mouse.move(*page.evaluate(CELL_CENTRE, [math.log10(lr), momentum]))
    expect(page.locator(".optviz-sweep-map .sm-hover")).to_contain_text(f"lr = {lr:.4g}", timeout=10_000)
    page.mouse.down()
    page.mouse.up()


def wait_for_path(page, before):
    page.wait_for_function(
        f"(before) => {{ const s = ({STATE})(); return s.path && s.selected && "
        "(before === null || s.path[0].length !== before[0].length || s.path[0][1] !== before[0][1]); }",
        arg=before,
        timeout=30_000,
    )
    return page.evaluate(STATE)


def reruns(frames: list) -> list[str]:
    """The fragment id of every rerun the browser asked for in ``frames`` (sent websocket frames; "" = the page)."""
    messages = [BackMsg.FromString(frame if isinstance(frame, bytes) else frame.encode()) for frame in frames]
    return [m.rerun_script.fragment_id for m in messages if m.WhichOneof("type") == "rerun_script"]


def test_clicking_a_cell_replays_its_path(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    sent = []  # messages from the browser to the server
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Hyperparameter sweeps")).to_be_visible(timeout=30_000)
    first = wait_for_path(page, None)
    page.wait_for_timeout(1000)  # the first run's late messages (plotly.js arriving) have been drawn
    map_before = page.evaluate(MAP_STATE)

    x_axis, y_axis = parse_axis(X), parse_axis(Y)
    row, column = 2, 3  # lr ~ 5.4e-4, momentum ~ 0.27: a slow but finite run, not the best cell
    target = (math.log10(x_axis.values()[column]), y_axis.values()[row])
    assert first["selected"] != pytest.approx(list(target))
    sent.clear()
    click_cell(page, x_axis.values()[column], y_axis.values()[row])
    second = wait_for_path(page, first["path"])
    asked = reruns(sent)
    assert asked and all(asked), f"a click reran the whole page, not only the map's fragment: {asked}"

    assert second["selected"] == pytest.approx(list(target))
    map_after = page.evaluate(MAP_STATE)  # the same heat map, drawn once: only the outline moved
    assert map_after == {**map_before, "cell": f"{row},{column}"}
    expected = run(
        optimizers.SGD(lr=x_axis.values()[column], momentum=y_axis.values()[row], nesterov=True),
        get_surface("rosenbrock").value_and_grad,
        [(-1.2, 1.0)],
        STEPS,
    ).positions[:, 0]
    np.testing.assert_allclose(np.array(second["path"]).T, expected, rtol=1e-9, atol=1e-12)
    expect(page.locator("p", has_text="Replayed:")).to_contain_text("SGD lr=0.0005446, momentum=0.2714")
    expect(page.locator("code", has_text="keras.optimizers.SGD(lr=0.000544606, momentum=0.271429")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "sweep.png"))

    # hovering a cell shows both argument values and its metric (here: a diverged cell)
    page.mouse.move(*page.evaluate(CELL_CENTRE, [math.log10(x_axis.values()[11]), y_axis.values()[0]]))
    hover = page.locator(".optviz-sweep-map .sm-hover")
    expect(hover).to_contain_text("lr = 0.05,", timeout=10_000)
    expect(hover).to_contain_text("momentum = 0 ")
    expect(hover).to_contain_text("final loss: diverged")

    # a second click picks another cell
    other = (math.log10(x_axis.values()[1]), y_axis.values()[6])
    click_cell(page, x_axis.values()[1], y_axis.values()[6])
    third = wait_for_path(page, second["path"])
    assert third["selected"] == pytest.approx(list(other))
    assert len(third["path"][0]) == STEPS + 1
    assert errors == []


#: Issue 11: this link trained for 5-13 minutes; now it is capped to the work budget, shows progress and cancels.
LONG = "/sweep?task=network&x=lr:1e-4:1:log:12&y=momentum:0:0.99:lin:12&steps=2000&batch=1024&hidden=64,64,64"


def test_a_long_network_sweep_is_capped_shows_progress_and_cancels(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + LONG)
    expect(page.get_by_text("steps reduced from 2,000 to 50")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(screenshot_dir / "sweep_network_running.png"))
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("Cancelled: the computation was stopped")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(screenshot_dir / "sweep_network_cancelled.png"))
    expect(page.get_by_role("button", name="Run it after all")).to_be_visible()
    expect(page.get_by_test_id("stProgress")).to_have_count(0)
    assert page.locator(".js-plotly-plot").count() == 0  # nothing half-computed is drawn
    # another mode is another job: it starts with its own progress bar and cancels the same way
    page.get_by_text("Curves: one argument, several optimizers").click()
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=60_000)
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("Cancelled: the computation was stopped")).to_be_visible(timeout=60_000)
    # "Run it after all" starts it again (without the cancelled message), and it cancels again
    page.get_by_role("button", name="Run it after all").click()
    expect(page.get_by_test_id("stProgress")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("Cancelled: the computation was stopped")).to_have_count(0)
    page.get_by_role("button", name="Cancel", exact=True).click()
    expect(page.get_by_text("Cancelled: the computation was stopped")).to_be_visible(timeout=60_000)
    assert errors == []


#: Issue 13: user text (a formula, a URL value) reaches the browser as data, never as HTML.
ATTACK = "<img src=x onerror=window.__xss=1>"


def test_markup_in_a_formula_or_a_url_value_never_runs(page, app_url):
    errors = collect_console_errors(page)
    query = (f"surface=custom&f={quote(ATTACK)}&xr=-2,2&yr=-2,2&o={quote('sgd:lr=' + ATTACK)}"
             f"&x={quote('lr:1e-3:0.1:log:4')}&y={quote('momentum:0:' + ATTACK)}&steps=20")  # fmt: skip
    page.goto(f"{app_url}/sweep?{query}")
    expect(page.get_by_role("heading", name="Hyperparameter sweeps")).to_be_visible(timeout=30_000)
    drawn = "() => document.querySelector('.optviz-sweep-map .js-plotly-plot')?._fullData"
    page.wait_for_function(drawn, timeout=60_000)  # the page fell back to defaults and drew the heat map
    expect(page.locator("code", has_text=ATTACK).first).to_be_visible()  # the notes quote what was refused, as text
    assert page.evaluate("() => window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    assert errors == []
