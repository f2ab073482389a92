"""Real browser, surface explorer: Play, Pause, the step scrubber and the loss cursor run in the browser (the
surface image stays drawn), a widget change keeps the step, a click on the map moves the start, the URL follows the
widgets, the trajectories CSV downloads, and text from a link never runs as HTML; screenshots in
tests/screenshots/surfaces*.png."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, quote, urlparse

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface

from ..app_server import start_app, stop_app
from ..conftest import collect_console_errors, wait_no_run_pending

pytestmark = pytest.mark.browser

STEPS = 200
LANES = ("adam:lr=0.05", "sgd:lr=0.001,momentum=0.9")
URL = "/surfaces?surface=rosenbrock&start=-1.2,1&steps=200&" + "&".join(f"o={lane}" for lane in LANES)

#: The client-side view's state from plotly's own data: animated head positions, start, image count, the
#: step shown, the loss chart's cursor and every lane's bold path (see pages/components/path_view.py).
MAP_STATE = """() => {
    const root = [...document.querySelectorAll('.optviz-path-view')].find(r => !r.closest('[data-stale="true"]'));
    if (!root || !root.dataset.drawn) return null;
    const plot = root.querySelector('.ov-map'), loss = root.querySelector('.ov-loss');
    if (!plot._fullData || !loss._fullLayout) return null;
    const animated = JSON.parse(root.dataset.animated);
    const start = plot._fullData.find(t => t.name === 'start');
    const cursor = (loss._fullLayout.shapes || []).find(s => s.name === 'cursor');
    return {
        heads: animated.map(i => [Array.from(plot._fullData[i].x || []), Array.from(plot._fullData[i].y || [])]),
        start: start ? [start.x[0], start.y[0]] : null,
        images: plot.querySelectorAll('g.imagelayer image').length,
        imageHref: (plot.querySelector('g.imagelayer image') || {getAttribute: () => ''}).getAttribute('href') || '',
        step: Number(root.dataset.step),
        steps: Number(root.dataset.steps),
        playing: root.dataset.playing === 'true',
        cursor: cursor ? Number(cursor.x0) : null,
        drawn: Number(root.dataset.drawn),
        paths: plot._fullData.filter(t => t.mode === 'lines' && t.customdata && !animated.includes(t.index))
            .map(t => [Array.from(t.customdata), Array.from(t.x), Array.from(t.y)]),
    };
}"""

#: Page coordinates of data point (x, y) on the 2-D map, from the plot's own axis mapping.
DATA_TO_PAGE = """([x, y]) => {
    const plot = document.querySelector('.optviz-path-view .ov-map');
    const layout = plot._fullLayout;
    const box = plot.querySelector('.nsewdrag').getBoundingClientRect();
    return [box.left + layout.xaxis.d2p(x), box.top + layout.yaxis.d2p(y)];
}"""


def map_state(page, timeout: float = 30_000) -> dict:
    page.wait_for_function(f"() => ({MAP_STATE})() !== null", timeout=timeout)
    return page.evaluate(MAP_STATE)


def wait_state(page, condition: str, timeout: float = 30_000) -> None:
    """Wait until the view is drawn and the JS ``condition`` on its state ``s`` holds."""
    script = f"() => {{ const s = ({MAP_STATE})(); return s !== null && ({condition}); }}"
    page.wait_for_function(script, timeout=timeout)


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def head_positions(page) -> list:
    state = page.evaluate(MAP_STATE)
    return None if state is None else state["heads"]


def test_play_scrub_and_cursor_run_in_the_browser_and_a_widget_keeps_the_step(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    before = map_state(page)
    assert before["images"] == 1 and before["imageHref"].startswith("data:image/png;base64,")
    assert before["step"] == STEPS and before["cursor"] == STEPS  # the whole paths, the cursor at the end

    # Play: the heads move frame after frame, the loss cursor follows, nothing is re-sent (no rerun)
    view = page.locator(".optviz-path-view")
    view.get_by_role("button", name="▶ Play").click()
    seen = []
    for _ in range(40):
        page.wait_for_timeout(100)
        state = page.evaluate(MAP_STATE)
        assert state is not None and state["images"] == 1, "the surface image vanished during the animation"
        assert state["cursor"] == state["step"], "the loss cursor does not follow the animated step"
        seen.append(str(state["heads"]))
        if len(set(seen)) >= 4:
            break
    page.screenshot(path=str(screenshot_dir / "surfaces_playing.png"))
    assert len(set(seen)) >= 4, "Play did not move the paths' heads"
    assert page.evaluate(MAP_STATE)["drawn"] == before["drawn"], "Play asked the server for a new view"
    view.get_by_role("button", name="❚❚ Pause").click()
    paused = page.evaluate(MAP_STATE)
    page.wait_for_timeout(600)
    assert page.evaluate(MAP_STATE)["heads"] == paused["heads"], "Pause did not stop the animation"

    # the scrubber shows any step: the bold head sits on the core's position at that step
    surface = get_surface("rosenbrock")
    core = [run(parse_lane(t).build(), surface.value_and_grad, [(-1.2, 1.0)], STEPS).positions[:, 0] for t in LANES]
    scrubber = view.locator('input[type=range][aria-label="Animation step"]')
    scrubber.fill("37")
    wait_state(page, "s.step === 37 && s.cursor === 37")
    heads = page.evaluate(MAP_STATE)["heads"]
    for lane in range(len(LANES)):  # per lane: tail, head (no ensemble without noise)
        x, y = heads[2 * lane + 1]
        np.testing.assert_allclose([x[0], y[0]], core[lane][37], rtol=1e-6, atol=1e-6)  # float32 in the browser
    expect(view.locator(".ov-step-label")).to_have_text(f"step 37 of {STEPS}")

    # a widget change (a rerun with new paths) keeps the animation's step
    steps = page.locator('input[type=range][aria-label="Steps"]')
    steps.focus()
    steps.press("ArrowLeft")
    wait_state(page, f"s.steps === {STEPS - 1}")
    kept = page.evaluate(MAP_STATE)
    assert kept["step"] == 37 and kept["cursor"] == 37 and kept["drawn"] > before["drawn"]

    # the bold paths are the core's trajectories for the same settings
    assert len(kept["paths"]) == len(LANES)
    for expected, (numbers, xs, ys) in zip(core, before["paths"], strict=True):
        assert numbers == list(range(STEPS + 1))
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected, rtol=1e-9, atol=1e-12)
    assert errors == []


def test_paths_grow_as_they_are_animated_and_whole_paths_draws_them_to_the_end(page, app_url):
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    assert [len(xs) for _, xs, _ in map_state(page)["paths"]] == [STEPS + 1] * len(LANES)  # at the end: whole
    view = page.locator(".optviz-path-view")
    view.locator('input[type=range][aria-label="Animation step"]').fill("37")
    wait_state(page, "s.step === 37 && s.paths.every(p => p[1].length === 38)")  # steps 0..37, nothing ahead
    surface = get_surface("rosenbrock")
    core = [run(parse_lane(t).build(), surface.value_and_grad, [(-1.2, 1.0)], STEPS).positions[:, 0] for t in LANES]
    for expected, (_, xs, ys) in zip(core, page.evaluate(MAP_STATE)["paths"], strict=True):
        np.testing.assert_allclose(np.column_stack([xs, ys]), expected[:38], rtol=1e-9, atol=1e-12)
    whole = view.get_by_label("whole paths")
    whole.check()  # the race's outcome, on request
    wait_state(page, f"s.step === 37 && s.paths.every(p => p[1].length === {STEPS + 1})")
    whole.uncheck()
    wait_state(page, "s.paths.every(p => p[1].length === 38)")
    view.get_by_role("button", name="▶ Play").click()  # from 37 on, the paths grow with the heads
    wait_state(page, "s.step > 60 && s.step < 200")
    view.get_by_role("button", name="❚❚ Pause").click()
    state = page.evaluate(MAP_STATE)
    assert [len(xs) for _, xs, _ in state["paths"]] == [state["step"] + 1] * len(LANES)


def test_click_moves_the_start_the_url_follows_and_the_csv_downloads(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    first = map_state(page)
    assert first["start"] == pytest.approx([-1.2, 1.0])

    # the pick grid has a node at (1, 2) on Rosenbrock's window (-2..2 x -1..3, 41 nodes a side)
    target = [1.0, 2.0]
    page.mouse.move(*page.evaluate(DATA_TO_PAGE, target))
    expect(page.locator(".optviz-path-view .ov-hover")).to_contain_text("start here", timeout=10_000)
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
    page.wait_for_function(f"() => {{ const s = ({MAP_STATE})(); return s && s.steps === {STEPS + 3}; }}")
    assert query(page)["o"] == list(LANES)
    page.screenshot(path=str(screenshot_dir / "surfaces.png"))

    # the trajectories CSV has every point of every lane, for the settings now shown (start 1,2; 203 steps)
    page.get_by_role("tab", name="Export and Keras code").click()
    for attempt in range(3):  # a click that lands while a rerun re-mounts the button is lost: click again
        try:
            with page.expect_download(timeout=15_000) as download_info:
                page.get_by_role("button", name="Trajectories (CSV)").click()
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
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


def test_a_lane_picked_in_the_lane_picker_is_edited_alone_and_the_step_is_kept(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    before = map_state(page)
    lr = page.locator('input[type=range][aria-label="lr"]')
    expect(lr).to_have_count(1)  # one lane's editor is drawn, not one per lane
    page.locator(".optviz-path-view").locator('input[type=range][aria-label="Animation step"]').fill("37")
    wait_state(page, "s.step === 37 && s.paths.every(p => p[1].length === 38)")  # the paths drawn up to step 37
    before = map_state(page)

    page.get_by_role("radio", name="Lane 2", exact=True).click()  # the lane picker (a segmented control)
    expect(page.locator('input[type=range][aria-label="momentum"]')).to_have_count(1, timeout=30_000)  # SGD's editor
    expect(lr).to_have_count(1)
    lr.focus()
    lr.press("ArrowRight")  # lane 2's lr one stop up
    old_end = before["paths"][1][1][-1]  # lane 2 at step 37
    wait_state(page, f"s.paths.length === 2 && s.paths[1][1][s.paths[1][1].length - 1] !== {old_end}")
    after = page.evaluate(MAP_STATE)
    assert after["paths"][0] == before["paths"][0], "lane 1 changed although only lane 2 was edited"
    assert after["step"] == 37 and after["cursor"] == 37  # the animation's position is kept
    page.wait_for_function("() => !location.search.includes('lr%3D0.001%2C') && !location.search.includes('lr=0.001,')")
    lanes = query(page)["o"]
    assert lanes[0] == LANES[0] and lanes[1].startswith("sgd:lr=") and lanes[1] != LANES[1]
    page.screenshot(path=str(screenshot_dir / "surfaces_lane_picker.png"))
    assert errors == []


#: Watch the element containers of the widgets labelled ``labels``: every time Streamlit marks one stale (it does so
#: while a run that will redraw it is under way), its label is recorded in ``window.__staleSeen``.
WATCH_STALE = """(labels) => {
    window.__staleSeen = [];
    const observer = new MutationObserver((changes) => {
        for (const { target } of changes)
            if (target.getAttribute('data-stale') === 'true') window.__staleSeen.push(target.dataset.watched);
    });
    for (const label of labels) {
        const input = document.querySelector(`input[aria-label="${label}"]`);
        const box = input.closest('[data-testid="stElementContainer"]');
        box.dataset.watched = label;
        observer.observe(box, {attributes: true, attributeFilter: ['data-stale']});
    }
}"""


def settled(page) -> None:
    """The lane editor and the Steps slider drawn, no run under way and no element waiting to be redrawn."""
    for label in ("lr", "Steps"):
        expect(page.locator(f'input[type=range][aria-label="{label}"]')).to_have_count(1, timeout=30_000)
    wait_no_run_pending(page)


def test_surface_and_run_settings_rerun_only_their_part_and_are_kept_across_pages(page, app_url):
    """The surface picker, the start and Steps rerun only the part of the page they change (a fragment): the lanes
    panel is not redrawn. Their values are kept on a visit to another page; a lane's widget reruns the whole page."""
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    first = map_state(page)
    settled(page)
    page.evaluate(WATCH_STALE, ["lr", "Steps"])

    steps = page.locator('input[type=range][aria-label="Steps"]')
    steps.focus()
    steps.press("ArrowLeft")
    wait_state(page, f"s.steps === {STEPS - 1}")
    page.get_by_test_id("stSelectbox").filter(has_text="Surface").click()
    page.get_by_role("option", name="Himmelblau", exact=True).click()
    wait_state(page, f"s.imageHref !== {first['imageHref']!r}")
    page.wait_for_function("() => location.search.includes('surface=himmelblau')")
    settled(page)
    seen = page.evaluate("window.__staleSeen")
    assert "Steps" in seen, "the Steps slider was not redrawn by its own change"
    assert "lr" not in seen, "a surface or Steps change redrew the lanes panel (a whole-page rerun)"
    assert query(page)["steps"] == [str(STEPS - 1)] and query(page)["start"] == ["0,0"]  # the picker's reset

    page.get_by_test_id("stTopNav").get_by_role("link", name="Home").click()  # another page, then back
    expect(page.get_by_role("heading", name="Surface explorer")).to_have_count(0, timeout=30_000)
    page.wait_for_function(  # Home settled (its pictures loaded: leaving earlier cancels them, a 404 in the console)
        "() => { const images = [...document.querySelectorAll('[data-testid=\"stImage\"] img')];"
        " return images.length > 0 && images.every(i => i.complete && i.naturalWidth > 0); }"
    )
    page.get_by_test_id("stTopNav").get_by_role("link", name="Surface explorer").click()
    wait_state(page, f"s.steps === {STEPS - 1} && s.imageHref !== {first['imageHref']!r}")
    expect(page.get_by_role("combobox", name="Surface")).to_have_value("Himmelblau")
    assert query(page)["surface"] == ["himmelblau"] and query(page)["o"] == list(LANES)

    settled(page)
    page.evaluate(WATCH_STALE, ["lr", "Steps"])
    drawn = page.evaluate(MAP_STATE)["drawn"]
    lr = page.locator('input[type=range][aria-label="lr"]')
    lr.focus()
    lr.press("ArrowRight")  # a lane's argument: the whole page reruns (the lanes panel with it)
    wait_state(page, f"s.drawn > {drawn}")
    settled(page)
    assert "lr" in page.evaluate("window.__staleSeen")
    assert query(page)["o"][0] != LANES[0] and query(page)["steps"] == [str(STEPS - 1)]
    assert errors == []


def test_a_framework_first_met_in_a_link_or_the_rules_loads_under_a_spinner_that_says_so(page):
    """On a fresh server a link's tf.keras lane imports TensorFlow (seconds) under a spinner naming it, instead of a
    blank page; then torch.optim chosen as lane 1's rules imports torch under its own spinner, where it was chosen."""
    errors = collect_console_errors(page)
    process, url = start_app()  # a server of its own: neither framework imported yet
    try:
        page.goto(url + "/surfaces?steps=200&o=adam:lr=0.05&o=tf.adam:learning_rate=0.01")
        expect(page.get_by_test_id("stSpinner")).to_contain_text("Loading tf.keras", timeout=30_000)
        first = map_state(page, timeout=120_000)
        assert len(first["paths"]) == 2  # the tf.keras lane runs too
        expect(page.get_by_test_id("stSpinner")).to_have_count(0)

        page.get_by_role("combobox", name="Rules").click()
        page.get_by_role("option", name="torch.optim (native)", exact=True).click()
        expect(page.get_by_test_id("stSpinner")).to_contain_text("Loading torch.optim", timeout=30_000)
        expect(page.get_by_text("the framework's own names and defaults")).to_be_visible(timeout=120_000)
        wait_state(page, f"s.drawn > {first['drawn']}", timeout=60_000)
        page.wait_for_function("() => new URLSearchParams(location.search).getAll('o')[0].startsWith('torch.adam')")
        expect(page.get_by_test_id("stSpinner")).to_have_count(0)
        assert errors == []
    finally:
        stop_app(process)


PAYLOAD = '<img src=x onerror="window.__optvizXss = 1; alert(1)">'


def test_text_from_a_link_or_a_formula_never_runs_as_html(page, app_url):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    flag = "() => window.__optvizXss === undefined"
    # a formula carrying HTML (refused), and a valid formula with HTML in other URL values (lane, start, range)
    page.goto(f"{app_url}/surfaces?surface=custom&steps=20&f={quote(PAYLOAD)}&o={quote(PAYLOAD)}")
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    note = page.get_by_test_id("stAlert").filter(has_text="URL parameter")  # the link's values are quoted as text
    expect(note.locator("code").filter(has_text="onerror").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.evaluate(flag) and dialogs == []
    url = f"/surfaces?surface=custom&f=x**2%2By**2&steps=20&o=adam&o={quote(PAYLOAD)}&start={quote(PAYLOAD)}"
    page.goto(app_url + url + f"&xr={quote(PAYLOAD)}")
    wait_state(page, "s.steps === 20")
    # the person types it as a formula too
    formula = page.locator('input[aria-label="f(x, y) ="]')
    formula.fill(PAYLOAD)
    formula.press("Enter")
    expect(page.get_by_text("Fix the formula on the left").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(1000)
    assert page.evaluate(flag) and dialogs == []
    assert page.locator("img[src=x]").count() == 0  # the payload never became an element


def test_the_page_works_while_plotly_js_has_not_arrived(page, app_url):
    page.add_init_script("window.__optvizPlotlyLoading = true;")  # the loader then never runs plotly.js
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    expect(page.locator(".optviz-path-view .ov-status")).to_have_text("Loading the interactive map…", timeout=30_000)
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)  # the metrics are there
    steps = page.locator('input[type=range][aria-label="Steps"]')
    steps.focus()
    steps.press("ArrowRight")  # and the widgets still work
    page.wait_for_function(f"() => location.search.includes('steps={STEPS + 1}')", timeout=30_000)
    expect(page.locator(".optviz-path-view .ov-status")).to_have_text("Loading the interactive map…")
    assert page.locator('[data-testid="stException"]').count() == 0 and errors == []


#: The 3-D view's state from plotly's own data: the step it shows, each lane's head (x, y, z) and line length.
SCENE_STATE = """() => {
    const root = [...document.querySelectorAll('.optviz-path-view')].find(r => !r.closest('[data-stale="true"]'));
    if (!root || root.dataset.scene !== 'on') return null;
    const plot = root.querySelector('.ov-3d');
    if (!plot._fullData || plot._fullData.length < 2) return null;
    const heads = plot._fullData.filter(t => (t.name || '').endsWith(': now'));
    const lines = plot._fullData.filter(t => t.type === 'scatter3d' && t.mode === 'lines');
    return {
        step: Number(root.dataset.sceneStep),
        heads: heads.map(t => [t.x[0], t.y[0], t.z[0]]),
        lengths: lines.map(t => t.x.length),
        surface: plot._fullData[0].type,
        box: plot.getBoundingClientRect().height,
    };
}"""


def scene_state(page, condition: str = "true", timeout: float = 30_000) -> dict:
    """Wait until the 3-D view is drawn and the JS ``condition`` on its state ``s`` holds; return the state."""
    script = f"() => {{ const s = ({SCENE_STATE})(); return s !== null && ({condition}); }}"
    page.wait_for_function(script, timeout=timeout)
    return page.evaluate(SCENE_STATE)


def show_3d(page) -> None:
    page.get_by_role("tab", name="3-D view").click()
    page.get_by_text("Show 3-D view").click()


def test_the_3d_view_follows_play_and_the_scrubber(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(app_url + URL)
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    map_state(page)
    assert page.locator(".optviz-path-view .ov-3d").is_hidden()  # off: nothing drawn
    show_3d(page)
    surface = get_surface("rosenbrock")
    core = [run(parse_lane(t).build(), surface.value_and_grad, [(-1.2, 1.0)], STEPS).positions[:, 0] for t in LANES]
    whole = scene_state(page, f"s.step === {STEPS}")
    assert whole["surface"] == "surface" and len(whole["heads"]) == len(LANES)
    for lane, head in enumerate(whole["heads"]):  # the heads at the last step, float32 in the browser
        np.testing.assert_allclose(head[:2], core[lane][STEPS], rtol=1e-6, atol=1e-6)

    # the scrubber: the heads sit on the core's positions at that step and the lines end there
    view = page.locator(".optviz-path-view")
    view.locator('input[type=range][aria-label="Animation step"]').fill("37")
    scrubbed = scene_state(page, "s.step === 37")
    for lane, head in enumerate(scrubbed["heads"]):
        np.testing.assert_allclose(head[:2], core[lane][37], rtol=1e-6, atol=1e-6)
    assert all(short < long for short, long in zip(scrubbed["lengths"], whole["lengths"], strict=True))

    # Play moves the 3-D heads with the map's (no rerun); Pause stops them where the step is
    view.get_by_role("button", name="▶ Play").click()
    seen = []
    for _ in range(60):
        page.wait_for_timeout(100)
        seen.append(str(page.evaluate(SCENE_STATE)["heads"]))
        if len(set(seen)) >= 4:
            break
    assert len(set(seen)) >= 4, "Play did not move the 3-D heads"
    view.get_by_role("button", name="❚❚ Pause").click()
    paused = scene_state(page, "s.step > 0")
    page.wait_for_timeout(600)
    still = page.evaluate(SCENE_STATE)
    assert still["heads"] == paused["heads"] and still["step"] == paused["step"]
    for lane, head in enumerate(still["heads"]):
        np.testing.assert_allclose(head[:2], core[lane][still["step"]], rtol=1e-6, atol=1e-6)

    # switched off: the view is gone again
    page.get_by_text("Show 3-D view").click()
    page.wait_for_function("() => document.querySelector('.optviz-path-view')?.dataset.scene === 'off'")
    assert page.locator(".optviz-path-view .ov-3d").is_hidden()
    assert errors == []


@pytest.mark.parametrize("surface", ["rosenbrock", "beale"])
def test_the_3d_view_shows_the_default_lanes_in_its_box(page, app_url, screenshot_dir, surface):
    """Screenshots of the 3-D view (default lanes) in tests/screenshots/surfaces_3d_*.png; the scene's canvas
    fits its box."""
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/surfaces?surface={surface}")
    expect(page.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=30_000)
    map_state(page)
    show_3d(page)
    state = scene_state(page, "s.heads.length === 3")
    scene = page.locator(".optviz-path-view .ov-3d")
    scene.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)  # WebGL draws after plotly's data is in place
    scene.screenshot(path=str(screenshot_dir / f"surfaces_3d_{surface}.png"))
    # nothing clipped: the scene's left, right and bottom edges are background (the legend runs along the top)
    pixels = np.asarray(Image.open(screenshot_dir / f"surfaces_3d_{surface}.png").convert("L"), dtype=float)
    edges = np.concatenate([pixels[40:, :3].ravel(), pixels[40:, -3:].ravel(), pixels[-3:, :].ravel()])
    assert edges.min() > 235, "the 3-D scene touches the edge of its box"
    assert (pixels < 200).mean() > 0.05  # and a scene is drawn (not a blank box)
    assert state["box"] > 400 and errors == []
