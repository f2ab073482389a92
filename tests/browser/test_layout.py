"""Real browser, every page on small screens (1280 x 720, 1024 x 768; /surfaces also at 900 px): a screenshot each
(tests/screenshots/layout_*.png), the map and its Play / step buttons inside the window without scrolling, no
widget text clipped (a button, label, tab, table cell or code line whose text is wider than its box), and no axis
title on top of a tick label or a legend."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors, wait_no_run_pending

pytestmark = pytest.mark.browser

SIZES = [(1280, 720), (1024, 768)]
#: name -> (URL, a selector that exists once the page's main view is drawn)
PAGES = {
    "home": ("/", '[data-testid="stMain"] img'),
    "surfaces": ("/surfaces", ".optviz-path-view[data-drawn] .ov-map .main-svg"),
    "inspect": ("/inspect", ".optviz-step-view .sv-map .main-svg"),
    "sweep": ("/sweep", '[data-testid="stMain"] .js-plotly-plot .main-svg'),
    "frameworks": ("/frameworks", '[data-testid="stMain"] .js-plotly-plot .main-svg'),
    "train": ("/train", '[data-testid="stMain"] .js-plotly-plot .main-svg'),
}

#: Tabs opened in turn after the first view is checked.
TABS = {"inspect": ("State over all steps", "Where Keras differs"), "surfaces": ("Export and Keras code",)}

#: Visible elements whose text is wider than their box (text-overflow or overflow cuts it, or a code line scrolls).
CLIPPED = """() => {
    const selector = [
        'button', 'button *', '[data-testid="stWidgetLabel"]', '[data-testid="stWidgetLabel"] *',
        '[data-testid="stTab"]', '[data-testid="stTab"] *', '[data-testid="stExpander"] summary *',
        'th', 'td', '[data-testid="stCode"] pre', '[data-testid="stHeading"] *', '[data-baseweb="select"] *',
        '.ov-bar *', '.sv-bar *', '.katex-display',
    ].join(', ');
    const clipped = [];
    for (const el of document.querySelectorAll(selector)) {
        const box = el.getBoundingClientRect();
        if (box.width <= 2 || box.height <= 2 || !el.textContent.trim()) continue;  // 1 px: a screen reader's label
        if (el.closest('[data-stale="true"]') || el.closest('[role="tooltip"]')) continue;
        if (el.scrollWidth > el.clientWidth + 3 && el.clientWidth > 0) {  // 3 px: KaTeX's italic overhang
            clipped.push(`${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 40)}" `
                + `(${el.scrollWidth} px of text in ${el.clientWidth} px)`);
        }
    }
    return [...new Set(clipped)];
}"""

#: Per drawn plotly chart: an x-axis title overlapping a tick label or the legend, or the legend over tick labels.
AXIS_COLLISIONS = """() => {
    const overlap = (a, b) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5
        && b.top < a.bottom - 0.5;
    const found = [];
    for (const plot of document.querySelectorAll('.js-plotly-plot')) {
        if (plot.closest('[data-stale="true"]') || plot.getBoundingClientRect().width === 0) continue;
        const legend = plot.querySelector('g.legend');
        const legendBox = legend ? legend.getBoundingClientRect() : null;
        const ticks = [...plot.querySelectorAll('.xtick text, .ytick text')].map(t => t.getBoundingClientRect())
            .filter(b => b.width > 0);
        for (const title of plot.querySelectorAll('.g-xtitle text, .g-ytitle text')) {
            const box = title.getBoundingClientRect();
            if (box.width === 0 || !title.textContent.trim()) continue;
            const name = `"${title.textContent.trim()}"`;
            if (ticks.some(t => overlap(t, box))) found.push(`axis title ${name} on a tick label`);
            if (legendBox && overlap(legendBox, box)) found.push(`axis title ${name} under the legend`);
        }
        if (legendBox && ticks.some(t => overlap(t, legendBox))) found.push('legend over tick labels');
    }
    return found;
}"""


def settle(page) -> None:
    """Wait until no rerun is pending and every element has arrived (no stale element, no skeleton, no status)."""
    wait_no_run_pending(page, "!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=120_000)
    page.wait_for_timeout(1500)  # plotly.js relayouts once it has measured its box


def open_page(browser, app_url: str, name: str, width: int, height: int):
    """A fresh page of ``width`` x ``height`` showing page ``name``, drawn and settled."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = collect_console_errors(page)
    url, ready = PAGES[name]
    page.goto(app_url + url)
    expect(page.locator('[data-testid="stMain"] h1').first).to_be_visible(timeout=90_000)
    page.wait_for_selector(ready, timeout=120_000)
    settle(page)
    return context, page, errors


def box(page, selector: str) -> dict:
    """The viewport box of the first visible element matching ``selector``."""
    return page.evaluate(
        "(s) => { const r = [...document.querySelectorAll(s)].find(e => e.getBoundingClientRect().width > 0)"
        ".getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }",
        selector,
    )


def assert_inside(page, selector: str, width: int, height: int) -> None:
    found = box(page, selector)
    assert found["left"] >= 0 and found["right"] <= width, f"{selector} sticks out sideways: {found}"
    assert found["top"] >= 0 and found["bottom"] <= height, f"{selector} is below the fold at {height} px: {found}"


@pytest.mark.parametrize("width,height", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_fits_small_screens(browser, app_url, screenshot_dir, name, width, height):
    context, page, errors = open_page(browser, app_url, name, width, height)
    try:
        page.screenshot(path=str(screenshot_dir / f"layout_{name}_{width}x{height}.png"))
        if name == "surfaces":  # the map and Play in view without scrolling
            assert_inside(page, ".optviz-path-view .ov-map", width, height)
            assert_inside(page, ".optviz-path-view .ov-play", width, height)
        if name == "inspect":  # the map (its plot area: the long legend below it may need a scroll) and its buttons
            assert_inside(page, ".optviz-step-view .sv-map .nsewdrag", width, height)
            assert_inside(page, ".optviz-step-view .sv-next", width, height)
        clipped, collisions = page.evaluate(CLIPPED), page.evaluate(AXIS_COLLISIONS)
        assert not clipped, "clipped text:\n" + "\n".join(clipped)
        assert not collisions, "\n".join(collisions)
        for tab in TABS.get(name, ()):  # the tables and formulas of the other tabs
            page.get_by_role("tab", name=tab).click()  # a lazy tab reruns the page to make its content
            page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=30_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(screenshot_dir / f"layout_{name}_{width}x{height}_{tab.split()[0].lower()}.png"))
            clipped = page.evaluate(CLIPPED)
            assert not clipped, f"clipped text in tab {tab}:\n" + "\n".join(clipped)
        assert errors == []
    finally:
        context.close()


def test_the_explorer_lane_buttons_and_start_inputs_stay_readable_at_900_px(browser, app_url, screenshot_dir):
    context, page, errors = open_page(browser, app_url, "surfaces", 900, 800)
    try:
        page.screenshot(path=str(screenshot_dir / "layout_surfaces_900x800.png"))
        clipped = page.evaluate(CLIPPED)
        assert not clipped, "clipped text:\n" + "\n".join(clipped)
        for label in ("start x", "start y"):  # the number shows whole in its input
            field = page.get_by_label(label, exact=True)
            assert field.evaluate("el => el.scrollWidth <= el.clientWidth && el.clientWidth >= 40"), label
        widths = page.evaluate(
            "() => [...document.querySelectorAll('[class*=\"duplicate\"] button, [class*=\"remove\"] button')]"
            ".map(b => b.getBoundingClientRect().width).filter(w => w > 0)"
        )
        assert len(widths) == 2 and min(widths) >= 32, widths  # the shown lane's two buttons: targets easy to hit
        assert errors == []
    finally:
        context.close()
