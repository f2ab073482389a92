"""Real browser, surface explorer: Play animates the paths while the surface image stays drawn, a click on
the map moves the start, the URL follows the widgets, and the trajectories CSV downloads; screenshots in
tests/screenshots/surfaces*.png."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import expect

from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface

from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser

STEPS = 200
LANES = ("adam:lr=0.05", "sgd:lr=0.001,momentum=0.9")
URL = "/surfaces?surface=rosenbrock&start=-1.2,1&steps=200&" + "&".join(f"o={lane}" for lane in LANES)

#: The 2-D map's state from plotly's own data: animated head positions, start, image count, frames.
MAP_STATE = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'));
    const plot = plots.find(p => (p._fullData || []).some(t => t.meta === 'pick'));
    if (!plot || !plot._transitionData || !plot._transitionData._frames.length) return null;
    const frames = plot._transitionData._frames;
    const animated = frames[0].traces;
    const start = plot._fullData.find(t => t.name === 'start');
    return {
        heads: animated.map(i => [Array.from(plot._fullData[i].x || []), Array.from(plot._fullData[i].y || [])]),
        start: start ? [start.x[0], start.y[0]] : null,
        images: plot.querySelectorAll('g.imagelayer image').length,
        imageHref: (plot.querySelector('g.imagelayer image') || {getAttribute: () => ''}).getAttribute('href') || '',
        frames: frames.length,
        lastFrame: frames[frames.length - 1].name,
        paths: plot._fullData.filter(t => t.mode === 'lines' && t.customdata && !animated.includes(t.index))
            .map(t => [Array.from(t.customdata), Array.from(t.x), Array.from(t.y)]),
    };
}"""

#: Page coordinates of data point (x, y) on the 2-D map, from the plot's own axis mapping.
DATA_TO_PAGE = """([x, y]) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')]
        .filter(p => !p.closest('[data-stale="true"]'))
        .find(p => (p._fullData || []).some(t => t.meta === 'pick'));
    const layout = plot._fullLayout;
    const box = plot.querySelector('.nsewdrag').getBoundingClientRect();
    return [box.left + layout.xaxis.d2p(x), box.top + layout.yaxis.d2p(y)];
}"""


def map_state(page, timeout: float = 30_000) -> dict:
    page.wait_for_function(f"() => ({MAP_STATE})() !== null", timeout=timeout)
    return page.evaluate(MAP_STATE)


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def head_positions(page) -> list:
    state = page.evaluate(MAP_STATE)
    return None if state is None else state["heads"]


def test_play_animates_the_paths_and_the_surface_image_stays(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    before = map_state(page)
    assert before["images"] == 1 and before["imageHref"].startswith("data:image/png;base64,")
    assert 2 <= before["frames"] <= 150 and before["lastFrame"] == str(STEPS)

    # Play: the heads move, frame after frame
    page.locator("g.updatemenu-button", has_text="Play").click()
    seen = []
    for _ in range(30):
        page.wait_for_timeout(100)
        state = page.evaluate(MAP_STATE)
        assert state is not None and state["images"] == 1, "the surface image vanished during the animation"
        seen.append(str(state["heads"]))
        if len(set(seen)) >= 4:
            break
    page.screenshot(path=str(screenshot_dir / "surfaces_playing.png"))
    assert len(set(seen)) >= 4, "Play did not move the paths' heads"
    assert page.evaluate(MAP_STATE)["images"] == 1
    page.locator("g.updatemenu-button", has_text="Pause").click()
    page.wait_for_timeout(300)
    paused = head_positions(page)
    page.wait_for_timeout(600)
    assert head_positions(page) == paused, "Pause did not stop the animation"
    # plotly.js rejects the interrupted Play promise and its own button handler does not catch it: the page
    # logs "API call to Plotly.animate rejected" and an unhandled rejection 'undefined' (harmless, not ours)
    errors[:] = [error for error in errors if error != "undefined"]

    # the bold paths are the core's trajectories for the same settings
    surface = get_surface("rosenbrock")
    assert len(before["paths"]) == len(LANES)
    for text, (steps, xs, ys) in zip(LANES, before["paths"], strict=True):
        expected = run(parse_lane(text).build(), surface.value_and_grad, [(-1.2, 1.0)], STEPS).positions[:, 0]
        assert steps == list(range(STEPS + 1))
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected, rtol=1e-9, atol=1e-12)
    assert errors == []


def test_click_moves_the_start_the_url_follows_and_the_csv_downloads(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    first = map_state(page)
    assert first["start"] == pytest.approx([-1.2, 1.0])

    # the pick grid has a node at (1, 2) on Rosenbrock's window (-2..2 x -1..3, 41 nodes a side)
    target = [1.0, 2.0]
    page.mouse.move(*page.evaluate(DATA_TO_PAGE, target))
    expect(page.locator(".hoverlayer .hovertext").first).to_contain_text("start here", timeout=10_000)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_function(
        f"() => {{ const s = ({MAP_STATE})(); return s && s.start && Math.abs(s.start[0] - 1) < 1e-9 "
        "&& Math.abs(s.start[1] - 2) < 1e-9; }",
        timeout=30_000,
    )
    page.wait_for_function("() => /[?&]start=1(,|%2C)2(&|$)/.test(location.search)", timeout=10_000)
    assert query(page)["start"] == ["1,2"]
    expect(page.get_by_label("start x")).to_have_value("1")
    expect(page.get_by_label("start y")).to_have_value("2")

    # the steps slider writes the URL too
    steps = page.locator('input[type=range][aria-label="Steps"]')
    steps.focus()
    for _ in range(3):
        steps.press("ArrowRight")
    expect(steps).to_have_value(str(STEPS + 3), timeout=10_000)
    page.wait_for_function(f"() => location.search.includes('steps={STEPS + 3}')", timeout=30_000)
    page.wait_for_function(f"() => {{ const s = ({MAP_STATE})(); return s && s.lastFrame === '{STEPS + 3}'; }}")
    assert query(page)["o"] == list(LANES)
    page.screenshot(path=str(screenshot_dir / "surfaces.png"))

    # the trajectories CSV has every point of every lane, for the settings now shown (start 1,2; 203 steps)
    page.get_by_role("tab", name="Export and Keras code").click()
    with page.expect_download(timeout=30_000) as download_info:
        page.get_by_role("button", name="Trajectories (CSV)").click()
    with open(download_info.value.path(), encoding="utf-8") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert {"step", "lane", "x", "y", "loss"} <= set(rows[0])
    assert len(rows) == len(LANES) * (STEPS + 4)
    first_lane = [row for row in rows if row["lane"] == rows[0]["lane"]]
    expected = run(parse_lane(LANES[0]).build(), get_surface("rosenbrock").value_and_grad, [(1.0, 2.0)], STEPS + 3)
    np.testing.assert_allclose(
        [[float(row["x"]), float(row["y"]), float(row["loss"])] for row in first_lane],
        np.column_stack([expected.positions[:, 0], expected.losses[:, 0]]),
        rtol=1e-9,
        atol=1e-12,
    )
    assert errors == []
