"""Real browser: on the live-training page Start makes the curves grow while the counter climbs, Stop halts
them, and the decision maps show one picture per lane; screenshots saved for a person to look at."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser

QUERY = (
    "dataset=moons&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10"
    "&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05"
)

#: Points on the first lane's training-loss curve in the live SVG picture shown while training runs.
LIVE_POINTS = """() => {
    const line = document.querySelector('svg[aria-label="Loss and accuracy curves"] polyline[data-points]');
    return line ? Number(line.getAttribute('data-points')) : 0;
}"""

#: Points on the first lane's training-loss curve in the interactive chart shown when stopped (not a stale copy).
CURVE_POINTS = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'));
    const trace = plots.length ? (plots[0]._fullData || [])[0] : null;
    return trace && trace.x ? trace.x.length : 0;
}"""

#: The step counter ("Step 120 · epoch ...").
STEP = """() => {
    const p = [...document.querySelectorAll('p')].find(p => /^Step \\d+ ·/.test(p.innerText));
    return p ? Number(p.innerText.match(/^Step (\\d+)/)[1]) : -1;
}"""


def test_start_grows_the_curves_and_stop_halts_them(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/train?{QUERY}")
    expect(page.get_by_role("heading", name="Live training")).to_be_visible(timeout=30_000)
    page.wait_for_function(f"() => ({STEP})() === 0 && ({CURVE_POINTS})() === 1", timeout=30_000)
    expect(page.locator("figure img")).to_have_count(4)  # one decision map per lane

    page.get_by_test_id("stBaseButton-primary").filter(has_text="Start").click()
    page.wait_for_function(f"() => ({LIVE_POINTS})() >= 4", timeout=30_000)  # the curves grow while it runs
    first, first_points = page.evaluate(STEP), page.evaluate(LIVE_POINTS)
    time.sleep(1.5)
    later, later_points = page.evaluate(STEP), page.evaluate(LIVE_POINTS)
    assert later > first > 0 and later_points > first_points
    assert "training…" in page.locator("p", has_text=re.compile(r"^Step \d+ ·")).inner_text()
    page.screenshot(path=str(screenshot_dir / "train_running.png"))

    page.get_by_test_id("stBaseButton-secondary").filter(has_text=re.compile(r"^Stop$")).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => /^Step \\d+ ·.*stopped$/.test(p.innerText))",
        timeout=30_000,
    )
    # Stop reruns the whole page: the chart is re-mounted, so wait until it is drawn again before reading it.
    page.wait_for_function(f"() => ({CURVE_POINTS})() > 0", timeout=30_000)
    stopped = page.evaluate(STEP)
    points = page.evaluate(CURVE_POINTS)
    time.sleep(1.5)
    page.wait_for_function(f"() => ({CURVE_POINTS})() > 0", timeout=30_000)
    assert page.evaluate(STEP) == stopped and page.evaluate(CURVE_POINTS) == points  # Stop halts the training
    assert stopped >= later and points >= later_points  # the interactive chart has every point the picture had
    expect(page.get_by_role("button", name="Download the curves (CSV)")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "train_stopped.png"))
    assert errors == []
