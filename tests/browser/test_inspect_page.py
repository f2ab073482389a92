"""Real browser: on the step inspector, scrubbing and Next move the arrows; screenshot for a person to look at."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors

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


def wait_for_new_arrow(page, before):
    """Wait until the update arrow exists and starts somewhere else than ``before``; return its start."""
    page.wait_for_function(
        f"(before) => {{ const now = ({UPDATE_ARROW_START})(); "
        "return now !== null && (before === null || now[0] !== before[0] || now[1] !== before[1]); }",
        arg=before,
        timeout=20_000,
    )
    return page.evaluate(UPDATE_ARROW_START)


def test_scrubbing_moves_the_arrows(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/inspect?surface=rosenbrock&start=-1.2,1&steps=60&o=adam:lr=0.05&step=1")
    expect(page.get_by_role("heading", name="Step inspector")).to_be_visible(timeout=30_000)
    first = wait_for_new_arrow(page, None)
    assert first == pytest.approx([-1.2, 1.0])  # step 1 starts at the start point

    slider = page.locator('input[type=range][aria-label="Step k"]')
    slider.focus()
    for _ in range(4):
        slider.press("ArrowRight")
    expect(slider).to_have_value("5", timeout=10_000)
    fifth = wait_for_new_arrow(page, first)
    assert fifth != pytest.approx(first)
    assert "step=5" in page.url or page.wait_for_url("**step=5**", timeout=10_000) is None

    page.get_by_role("button", name="Next ▶").click()
    expect(slider).to_have_value("6", timeout=10_000)
    sixth = wait_for_new_arrow(page, fifth)
    assert sixth != pytest.approx(fifth)
    expect(page.get_by_text("Step 6: from x_5 to x_6")).to_be_visible()
    expect(page.locator(".katex").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "inspect.png"))
    assert errors == []
