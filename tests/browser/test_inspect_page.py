"""Real browser: on the step inspector, scrubbing, Next and the arrow keys move the arrows and swap the step's numbers
in the browser (no message to the server until the person pauses), the formulas follow, a click on the map starts
the run there; screenshot saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from optviz.inspection_formulas import theta

from ..conftest import collect_console_errors, wait_no_run_pending

pytestmark = pytest.mark.browser

#: Start of the update arrow on the map (trace tagged meta="update"), read from plotly's own data.
UPDATE_ARROW_START = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'));
    for (const plot of plots) {
        const trace = (plot._fullData || []).find(t => t.meta === 'update');
        if (trace) return [trace.x[0], trace.y[0]];
    }
    return null;
}"""


#: Page pixel of a data point on the step map, from plotly's axes.
DATA_TO_PIXEL = """([x, y]) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')]
        .find(p => !p.closest('[data-stale="true"]') && (p._fullData || []).some(t => t.meta === 'update'));
    if (!plot || !plot._fullLayout) return null;  // a rerun is replacing the view: ask again
    const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis, box = plot.getBoundingClientRect();
    return [box.left + xa._offset + xa.d2p(x), box.top + ya._offset + ya.d2p(y)];
}"""


def settle(page) -> None:
    """Wait until no rerun is pending (no stale element, no running status) so a click reaches the new chart."""
    wait_no_run_pending(page)
    page.wait_for_timeout(500)


def wait_for_new_arrow(page, before, timeout: int = 30_000):
    """Wait until the update arrow exists and starts somewhere else than ``before``; return its start."""
    page.wait_for_function(
        f"(before) => {{ const now = ({UPDATE_ARROW_START})(); "
        "return now !== null && (before === null || now[0] !== before[0] || now[1] !== before[1]); }",
        arg=before,
        timeout=timeout,
    )
    return page.evaluate(UPDATE_ARROW_START)


def test_scrubbing_next_and_clicking_move_the_arrows(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    sent = []  # messages from the browser to the server (a rerun starts with one)
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(frame)))
    page.goto(f"{app_url}/inspect?surface=rosenbrock&start=-1.2,1&steps=60&o=adam:lr=0.05&step=1")
    expect(page.get_by_role("heading", name="Step inspector")).to_be_visible(timeout=30_000)
    first = wait_for_new_arrow(page, None, timeout=60_000)  # the first run imports and computes everything
    assert first == pytest.approx([-1.2, 1.0])  # step 1 starts at the start point

    slider = page.locator('input[type=range][aria-label="Step k (in the browser)"]')
    settle(page)
    numbers = page.locator(".optviz-step-view .sv-rows")
    before_numbers = numbers.inner_text()
    slider.focus()
    sent.clear()
    for _ in range(4):
        slider.press("ArrowRight")
    expect(slider).to_have_value("5", timeout=10_000)
    fifth = wait_for_new_arrow(page, first, timeout=10_000)
    assert fifth != pytest.approx(first) and numbers.inner_text() != before_numbers
    assert sent == [], "stepping in the browser asked the server"  # the step is reported once the person pauses
    page.wait_for_url("**step=5**", timeout=30_000)  # ... then the URL and the formulas follow
    expect(page.get_by_text("Step 5 with its numbers")).to_be_visible(timeout=30_000)
    scrubbed = 5

    settle(page)
    sent.clear()
    page.get_by_role("button", name="Next ▶").click()
    expect(slider).to_have_value(str(scrubbed + 1), timeout=10_000)
    sixth = wait_for_new_arrow(page, fifth)
    assert sixth != pytest.approx(fifth) and sent == []
    expect(page.get_by_text(f"Step {scrubbed + 1}: from {theta(scrubbed)} to {theta(scrubbed + 1)}")).to_be_visible()
    page.locator(".optviz-step-view").press("ArrowLeft")  # the arrow keys step too
    expect(slider).to_have_value(str(scrubbed), timeout=10_000)
    expect(page.locator(".katex").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "inspect.png"))

    # a click on the map starts the run there: step 1's arrows now leave from the clicked point
    picked = None
    for _ in range(5):  # a click that lands while a rerun replaces the view is lost: click again
        settle(page)
        point = page.evaluate(DATA_TO_PIXEL, [0.5, 2.0])
        if point is None:  # the view is being re-mounted right now
            page.wait_for_timeout(500)
            continue
        page.mouse.click(*point)
        try:  # the arrow that starts at the clicked point (another rerun may move the arrow meanwhile)
            page.wait_for_function(
                f"() => {{ const now = ({UPDATE_ARROW_START})(); "
                "return now !== null && Math.abs(now[0] - 0.5) < 0.1 && Math.abs(now[1] - 2.0) < 0.1; }",
                timeout=10_000,
            )
        except PlaywrightTimeoutError:
            continue
        picked = page.evaluate(UPDATE_ARROW_START)
        break
    assert picked == pytest.approx([0.5, 2.0], abs=0.1)
    expect(slider).to_have_value("1", timeout=10_000)
    assert float(page.locator('input[aria-label="start x"]').input_value()) == pytest.approx(picked[0], abs=1e-3)
    assert errors == []
