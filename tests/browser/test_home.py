"""Real browser: the home page renders what a person sees first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser


def test_home_page_in_chromium(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url)
    expect(page.get_by_role("heading", name="optviz")).to_be_visible(timeout=30_000)
    expect(page.locator("table").get_by_text("Nadam", exact=True)).to_be_visible()
    expect(page.get_by_text("Keras 2.2.4").first).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "home.png"))
    assert errors == []
