"""Real browser: /frameworks deep link, paths drawn three ways, 'Show me' loads a demo into the URL."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser


def test_frameworks_page_in_chromium(page, app_url, screenshot_dir):
    pytest.importorskip("torch")
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/frameworks?o=sgd:lr%3D0.0001,momentum%3D0.9&steps=50")
    expect(page.get_by_role("heading", name="Framework comparison")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stTopNav")).to_contain_text("Framework comparison")  # routed via app.py
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(el => (el._fullData || [])"
        ".some(t => t.name === 'torch.optim' && t.x.length === 51))",
        timeout=90_000,
    )
    page.screenshot(path=str(screenshot_dir / "frameworks.png"))
    page.get_by_role("button", name="Show me").first.click()  # Adagrad's initial accumulator on the bowl
    page.wait_for_function(
        "() => location.search.includes('adagrad') && location.search.includes('bowl')", timeout=60_000
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot:not([data-stale=true])')].some(el => (el._fullData || [])"
        ".some(t => t.name === 'Keras 2.2.4 rules (optviz)' && t.x.length === 61))",
        timeout=90_000,
    )
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')", timeout=60_000)
    page.screenshot(path=str(screenshot_dir / "frameworks_demo.png"))
    assert errors == []
