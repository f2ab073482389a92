"""What a person waits for in a real browser: input -> view settled, in headless Chromium, against a floor.

The floor is a bare Streamlit page written by this bench into a temporary directory and served by its own
``streamlit run``: one slider and one small Plotly chart. Then, against the app (``tests/app_server.start_app``):

- ``/surfaces`` with 6 lanes x 1000 steps on Rosenbrock: the Steps slider (one arrow key) -> the map's bold paths
  and the loss chart both show the new step count; the first chart after opening the page (both drawn); lane 1's
  lr slider (one arrow key), start x (a typed value, Enter) and the surface picker (Rosenbrock <-> Himmelblau, then
  surfaces the server has not run yet) -> the map's paths and the loss curves both changed; the first switch to
  the custom surface on a fresh server (the page opened and idle for 3 s first, as a person reads it);
- the same page with 2 lanes x 20 steps;
- ``/inspect``: one step forward (the Next button) -> the update arrow moved;
- ``/sweep`` (60 x 50 grid): a click on a heat-map cell -> that cell's replay drawn; the first chart after opening
  the default grid (heat map and replay drawn); a 200 x 200 link opened, its batch run afresh -> heat map and replay
  drawn (multiple of the floor's first chart);
- ``/frameworks``: the first load on a fresh server -> the Keras 2.2.4 path drawn (torch and TensorFlow still
  loading in the background), then -> the torch.optim path joined, then -> the tf.keras path joined;
- ``pages``: the first chart of every page on a fresh server (median of N visits, the first one cold, as the
  floor's): Home's six scenario pictures, ``/surfaces``, ``/inspect`` and ``/sweep`` at their defaults (any chart
  with data), ``/train``'s curves, ``/train``'s Start -> the first live (SVG) curves, then ``/frameworks`` (its
  first visit starts the torch and TensorFlow imports).

"Settled" is read from plotly's own data (``_fullData``) of the live charts, with no stale element left
(see ../../shared streamlit_recipe.md §8): a rerun keeps the old chart marked ``data-stale`` until it ends.
Prints the median of N (5) and its multiple of the floor's median for the same kind of interaction.

Usage: python bench/bench_browser.py [--repeats 5] [--only surfaces,inspect,sweep,frameworks,pages] [--app-root DIR]
(``--app-root``: another checkout of the app, e.g. ``git archive <commit>`` unpacked, to measure "before")
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_surface_page import LANES as SURFACE_LANES  # noqa: E402  (this folder is on sys.path when run)

from optviz.sweep import parse_axis  # noqa: E402
from tests.app_server import start_app, stop_app  # noqa: E402

CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
TIMEOUT = 120_000

FLOOR_APP = """
import numpy as np
import plotly.graph_objects as go
import streamlit as st

steps = st.slider("Steps", 1, 1000, 300)
xs = np.arange(steps + 1)
st.plotly_chart(go.Figure(go.Scatter(x=xs, y=np.exp(-xs / 200.0), mode="lines")), key="chart")
"""

#: Live (non-stale) plotly charts, in and out of components.
LIVE = """const live = () => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(p => !p.closest('[data-stale="true"]') && p._fullData);
const last = a => (a && a.length) ? Number(a[a.length - 1]) : null;
const stale = () => document.querySelector('[data-stale="true"] .js-plotly-plot') !== null;"""

#: The floor: its chart shows ``n`` steps.
FLOOR_READY = LIVE + "\nreturn !stale() && live().some(p => p._fullData.some(t => last(t.x) === n));"

#: /surfaces: the map (the plot with the click grid, or the client-side view's map) has a bold path ending at
#: step ``n`` and another chart (the loss chart) has a curve ending at step ``n``.
SURFACES_READY = (
    LIVE
    + """
if (stale()) return false;
const plots = live();
const map = plots.find(p => p.closest('.ov-map') || p._fullData.some(t => t.meta === 'pick'));
if (!map || !map._fullData.some(t => t.mode === 'lines' && last(t.customdata) === n)) return false;
return plots.some(p => p !== map && p._fullData.some(t => t.mode === 'lines' && last(t.x) === n));"""
)

#: /inspect: where the update arrow starts (null while it is not drawn).
INSPECT_ARROW = (
    LIVE
    + """
for (const p of live()) { const t = p._fullData.find(t => t.meta === 'update'); if (t) return [t.x[0], t.y[0]]; }
return null;"""
)

#: /sweep: the replayed path's first two x values and the selected cell (null while not drawn).
SWEEP_PATH = (
    LIVE
    + """
if (stale()) return null;
let path = null, selected = null;
for (const p of live()) for (const t of p._fullData) {
    if (t.meta === 'path') path = [t.x.length, t.x[1], t.y[1]];
    if (t.meta === 'selected') selected = [t.x[0], t.y[0]];
}
return path && selected ? JSON.stringify([path, selected]) : null;"""
)

SWEEP_CELL_CENTRE = """([x, y]) => {
    const plot = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'))
        .find(p => p.closest('.optviz-sweep-map') || (p._fullData || []).some(t => t.meta === 'cells'));
    const layout = plot._fullLayout;
    const box = plot.querySelector('.nsewdrag').getBoundingClientRect();
    return [box.left + layout.xaxis.d2p(x), box.top + layout.yaxis.d2p(y)];
}"""

#: /sweep: the cell under the pointer is described (the browser view's line under the map, or plotly's hover label).
SWEEP_HOVER = """() => {
    const line = document.querySelector('.optviz-sweep-map .sm-hover');
    return (line && line.textContent.length > 0) || document.querySelector('.hoverlayer .hovertext') !== null;
}"""

#: /sweep: a heat map of ``n`` columns is drawn (plotly's own data) and a replayed path beside it, nothing stale.
SWEEP_READY = (
    LIVE
    + """
if (stale()) return false;
const plots = live();
const heat = plots.some(p => p._fullData.some(t => t.type === 'heatmap' && t.x && t.x.length === n));
return heat && plots.some(p => p._fullData.some(t => t.meta === 'path' && t.x && t.x.length > 1));"""
)

LANES6 = SURFACE_LANES  #: the six lanes bench_surface_page.py measures server-side


def surfaces_url(lanes: tuple[str, ...], steps: int) -> str:
    return f"/surfaces?surface=rosenbrock&start=-1.2,1&steps={steps}&" + "&".join(f"o={lane}" for lane in lanes)


def wait(page, body: str, arg=None, timeout: float = TIMEOUT) -> None:
    """Wait (polling every animation frame) until the JS function body returns true for ``n = arg``."""
    page.wait_for_function(f"(n) => {{ {body} }}", arg=arg, timeout=timeout, polling="raf")


Timing = tuple[float, float]  #: (page clock, driver clock) in ms: see :func:`timed`

#: The page's clock at the person's last input: a key press or a pointer press (capture phase, before any handler).
INPUT_CLOCK = """for (const type of ['keydown', 'pointerdown'])
    window.addEventListener(type, (event) => { window.__benchInputAt = event.timeStamp; }, true);"""


def new_page(browser):
    """A page of the bench's size that records its inputs' times (``INPUT_CLOCK``)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.add_init_script(INPUT_CLOCK)
    return page


def timed(page, action: Callable[[], None], body: str, arg=None, *, navigation: bool = False,
          timeout: float = TIMEOUT) -> tuple[float, float]:
    """``action``, then wait until ``body`` holds (checked every animation frame): (page clock, driver clock) in ms.

    The page clock runs from the input event (``INPUT_CLOCK``; for a ``navigation``, from its start) to the
    frame at which the view had settled: what a person waits for. The driver clock runs from this call to
    Playwright's answer, so it adds the driver's round trips and, for a click, its actionability checks (scroll
    into view, two stable frames, hit test)."""
    if not navigation:
        page.evaluate("() => { window.__benchInputAt = null; }")
    began = time.perf_counter()
    action()
    since = "0" if navigation else "window.__benchInputAt"
    handle = page.wait_for_function(
        f"(n) => {{ const done = (() => {{ {body} }})(); const since = {since};"
        " return done && since !== null && since !== undefined ? [performance.now() - since] : false; }",
        arg=arg, timeout=timeout, polling="raf",
    )  # fmt: skip
    driver = (time.perf_counter() - began) * 1000.0
    return float(handle.json_value()[0]), driver


def idle(page, pause_ms: int = 400) -> None:
    """No rerun pending (so the next key press starts from a settled page), then ``pause_ms`` more."""
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]') && "
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=TIMEOUT,
    )
    if pause_ms:
        page.wait_for_timeout(pause_ms)


def first_chart(page, url: str, ready: str, n: int, repeats: int) -> list[Timing]:
    """Navigate to ``url`` (a blank page in between) until ``ready`` holds for ``n``; ms each time."""
    times = []
    for _ in range(repeats):
        page.goto("about:blank")
        times.append(timed(page, lambda: page.goto(url), ready, n, navigation=True))
    return times


def slider_changes(page, label: str, ready: str, steps: int, repeats: int) -> list[Timing]:
    """Alternate ArrowLeft / ArrowRight on the slider ``label`` (steps -> steps-1 -> steps ...); ms each."""
    slider = page.locator(f'input[type=range][aria-label="{label}"]')
    times, value = [], steps
    for index in range(repeats):
        idle(page)
        key, value = ("ArrowLeft", value - 1) if index % 2 == 0 else ("ArrowRight", value + 1)
        slider.focus()
        times.append(timed(page, lambda key=key: slider.press(key), ready, value))
    return times


def bench_floor(browser, repeats: int) -> dict[str, list[Timing]]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "app.py").write_text(FLOOR_APP)
        process, url = start_app(Path(folder))
        try:
            page = new_page(browser)
            first = first_chart(page, url, FLOOR_READY, 300, repeats)
            change = slider_changes(page, "Steps", FLOOR_READY, 300, repeats)
            page.close()
        finally:
            stop_app(process)
    return {"first chart": first, "slider": change}


#: /frameworks: a live chart with the ``framework`` path (its title as the trace name) of ``n`` points.
def framework_drawn(title: str) -> str:
    found = f"t => t.name === '{title}' && t.x.length === n"
    return LIVE + f"\nreturn !stale() && live().some(p => p._fullData.some({found}));"


def bench_frameworks_first(browser, root: Path, repeats: int = 3) -> dict[str, list[Timing]]:
    """The first visit on a fresh server (one server per repeat), timed from the navigation: the Keras 2.2.4 path
    drawn (torch and TensorFlow load in the background), torch.optim joined, tf.keras joined."""
    marks = {"keras224": "Keras 2.2.4 rules (optviz)", "torch": "torch.optim", "tf": "tf.keras (tf_keras.optimizers)"}
    times: dict[str, list[Timing]] = {key: [] for key in marks}
    for _ in range(repeats):
        process, url = start_app(root)
        try:
            page = new_page(browser)
            link = f"{url}/frameworks?o=sgd:lr%3D0.0001,momentum%3D0.9&steps=50"
            began = time.perf_counter()
            for key, title in marks.items():  # each from the navigation's start: the first mark navigates
                go = (lambda link=link, page=page: page.goto(link)) if key == "keras224" else (lambda: None)
                since_page, _ = timed(page, go, framework_drawn(title), 51, navigation=True, timeout=300_000)
                times[key].append((since_page, (time.perf_counter() - began) * 1000.0))  # both from the navigation
            page.close()
        finally:
            stop_app(process)
    return {
        "/frameworks fresh: first chart (Keras 2.2.4)": times["keras224"],
        "/frameworks fresh: first chart + torch joined": times["torch"],
        "/frameworks fresh: first chart + tf.keras joined": times["tf"],
    }


#: Any live chart with data: a first chart (a trace with points, or a grid).
ANY_CHART = LIVE + """
return !stale() && live().some(p => p._fullData.some(t => (t.x && t.x.length > 0) || (t.z && t.z.length > 0)));"""
#: Home: ``n`` scenario pictures decoded.
HOME_PICTURES = """const images = [...document.querySelectorAll('[data-testid="stImage"] img')];
return images.length >= n && images.every(i => i.complete && i.naturalWidth > 0);"""
#: /train: the curves' Plotly chart mounted (before any step it may have no points yet).
TRAIN_CHART = LIVE + "\nreturn !stale() && live().length > 0;"
#: /train while running: the live curves drawn as inline SVG.
TRAIN_LIVE = "return document.querySelector('svg[aria-label=\"Loss and accuracy curves\"]') !== null;"

#: (row, path, ready, n) for each page's first chart.
FIRST_CHARTS = (
    ("Home (/): first chart (six scenario pictures)", "/", HOME_PICTURES, 6),
    ("/surfaces (defaults): first chart", "/surfaces", ANY_CHART, None),
    ("/inspect (defaults): first chart", "/inspect", ANY_CHART, None),
    ("/sweep (defaults): first chart", "/sweep", ANY_CHART, None),
    ("/train (defaults): first chart", "/train", TRAIN_CHART, None),
)


def bench_first_charts(browser, root: Path, repeats: int) -> dict[str, list[Timing]]:
    """Every page's first chart on one fresh server: N visits each (a blank page in between; the first is cold,
    as the floor's), then /train's Start -> the first live curves (Stop in between)."""
    results = {}
    process, url = start_app(root)
    try:
        page = new_page(browser)
        for name, path, ready, n in FIRST_CHARTS:
            results[name] = first_chart(page, url + path, ready, n, repeats)
        results["/train: Start -> first live chart"] = train_starts(page, url + "/train", repeats)
        # last: its first visit starts the torch and TensorFlow imports in the background of this server
        frameworks = first_chart(page, url + "/frameworks", ANY_CHART, None, repeats)
        results["/frameworks (defaults): first chart"] = frameworks
        page.close()
    finally:
        stop_app(process)
    return results


def train_starts(page, url: str, repeats: int) -> list[Timing]:
    """Open /train, press Start, time until the live (SVG) curves are drawn; Stop and Reset; ms each."""
    times = []
    for _ in range(repeats):
        page.goto(url)
        wait(page, TRAIN_CHART)
        idle(page)
        start = page.get_by_role("button", name="Start", exact=True)
        times.append(timed(page, start.click, TRAIN_LIVE))
        page.get_by_role("button", name="Stop", exact=True).click()
        page.wait_for_function(f"() => {{ {TRAIN_LIVE.replace('!==', '===')} }}", timeout=TIMEOUT)
        idle(page)
        page.get_by_role("button", name="Reset", exact=True).click()
        idle(page)
    return times


def bench_surfaces(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    results = {}
    big = url + surfaces_url(LANES6, 1000)
    page.goto(big)  # warm the server's caches once (a person's second visit)
    wait(page, SURFACES_READY, 1000)
    results["/surfaces 6x1000: first chart"] = first_chart(page, big, SURFACES_READY, 1000, repeats)
    results["/surfaces 6x1000: Steps slider"] = slider_changes(page, "Steps", SURFACES_READY, 1000, repeats)
    page.goto(url + surfaces_url(LANES6[:2], 20))
    wait(page, SURFACES_READY, 20)
    results["/surfaces 2x20: Steps slider"] = slider_changes(page, "Steps", SURFACES_READY, 20, repeats)
    return results


#: /surfaces: the ends of the map's paths and of the loss curves, as two strings (null while a chart is missing).
VIEW_ENDS = (
    LIVE
    + """
if (stale()) return null;
const plots = live();
const map = plots.find(p => p.closest('.ov-map') || p._fullData.some(t => t.meta === 'pick'));
const loss = plots.find(p => p !== map && p._fullData.some(t => t.mode === 'lines'));
if (!map || !loss) return null;
const ends = p => JSON.stringify(p._fullData.filter(t => t.mode === 'lines')
    .map(t => [t.name, t.x.length, last(t.x), last(t.y)]));
return [ends(map), ends(loss)];"""
)


def view_changes(page, act: Callable[[int], None], repeats: int) -> list[Timing]:
    """Time ``act(index)`` (one input on /surfaces) until the map's paths and the loss curves both changed; ms each."""
    read = f"() => {{ {VIEW_ENDS} }}"
    changed = f"const now = ({read})(); return now !== null && now[0] !== n[0] && now[1] !== n[1];"
    times = []
    for index in range(repeats):
        idle(page)
        before = page.evaluate(read)
        times.append(timed(page, lambda index=index: act(index), changed, before))
    return times


def pick_surface(page, name: str) -> Callable[[], None]:
    """Open the Surface picker; return the click on option ``name`` (the timed part)."""
    page.locator('[data-testid="stSelectbox"]').filter(has_text="Surface").first.click()
    option = page.get_by_role("option", name=name, exact=True)
    option.wait_for(timeout=TIMEOUT)
    return option.click


def bench_surfaces_inputs(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    """/surfaces 6x1000: lane 1's lr (one arrow key), start x (typed, Enter), the surface picker."""
    page.goto(url + surfaces_url(LANES6, 1000))
    wait(page, SURFACES_READY, 1000)
    results = {}
    lr = page.locator('input[type=range][aria-label="lr"]').first

    def lr_key(index: int) -> None:
        lr.focus()
        lr.press("ArrowRight" if index % 2 == 0 else "ArrowLeft")

    results["/surfaces 6x1000: lane 1 lr"] = view_changes(page, lr_key, repeats)
    start_x = page.get_by_label("start x")

    def type_start(index: int) -> None:
        start_x.fill("-1.1" if index % 2 == 0 else "-1.2")  # Streamlit commits a number input on Enter
        start_x.press("Enter")

    results["/surfaces 6x1000: start x"] = view_changes(page, type_start, repeats)
    names = ["Himmelblau", "Rosenbrock"]
    results["/surfaces 6x1000: surface picker"] = view_changes(
        page, lambda index: pick_surface(page, names[index % 2])(), repeats
    )
    fresh = ["Beale", "Booth", "Matyas", "Six-hump camel", "Ackley", "Saddle", "Cliff"][:repeats]
    results["/surfaces 6x1000: picker, surface not run yet"] = view_changes(
        page, lambda index: pick_surface(page, fresh[index])(), len(fresh)
    )
    return results


def bench_first_custom(browser, root: Path, repeats: int) -> list[Timing]:
    """The first switch to the custom surface on a fresh server (6x1000, the page idle 3 s before); ms each."""
    times = []
    for _ in range(repeats):
        process, url = start_app(root)
        try:
            page = new_page(browser)
            page.goto(url + surfaces_url(LANES6, 1000))
            wait(page, SURFACES_READY, 1000)
            idle(page)
            page.wait_for_timeout(3000)
            click = pick_surface(page, "Custom f(x, y)")
            times += view_changes(page, lambda _index, click=click: click(), 1)
            page.close()
        finally:
            stop_app(process)
    return times


def bench_inspect(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    page.goto(f"{url}/inspect?surface=rosenbrock&start=-1.2,1&steps=60&o=adam:lr=0.05&step=1")
    arrow = f"(() => {{ {INSPECT_ARROW} }})()"
    wait(page, f"return {arrow} !== null;")
    times = []
    for _ in range(repeats):
        idle(page)
        before = page.evaluate(f"() => {{ {INSPECT_ARROW} }}")
        settled = f"const now = {arrow}; return now !== null && (now[0] !== n[0] || now[1] !== n[1]);"
        next_button = page.get_by_role("button", name="Next ▶")
        times.append(timed(page, next_button.click, settled, before))
    return {"/inspect: one step (Next)": times}


def bench_sweep(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    x_spec, y_spec = "lr:1e-4:0.05:log:60", "momentum:0:0.95:lin:50"
    page.goto(f"{url}/sweep?surface=rosenbrock&start=-1.2,1&steps=120&opt=sgd:nesterov=1&x={x_spec}&y={y_spec}"
              "&metric=final_loss")  # fmt: skip
    read = f"() => {{ {SWEEP_PATH} }}"
    page.wait_for_function(f"() => ({read})() !== null", timeout=TIMEOUT)
    xs, ys = parse_axis(x_spec).values(), parse_axis(y_spec).values()
    cells = [(5, 3), (20, 30), (12, 8), (40, 10), (8, 44), (30, 25)]
    times = []
    for column, row in cells[:repeats]:
        idle(page)
        before = page.evaluate(read)
        page.mouse.move(*page.evaluate(SWEEP_CELL_CENTRE, [math.log10(xs[column]), ys[row]]))
        page.wait_for_function(SWEEP_HOVER, timeout=10_000)

        def click() -> None:
            page.mouse.down()
            page.mouse.up()

        # the replayed path and the outline both moved (a browser view outlines the cell before the replay comes)
        settled = (f"const now = ({read})(); if (now === null) return false; const [a, b] = [JSON.parse(now), "
                   "JSON.parse(n)]; return JSON.stringify(a[0]) !== JSON.stringify(b[0]) && "
                   "JSON.stringify(a[1]) !== JSON.stringify(b[1]);")  # fmt: skip
        times.append(timed(page, click, settled, before))
    return {"/sweep 60x50: cell click -> replay": times}


def bench_sweep_first(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    """Opening the page's default grid (60 x 50 on Rosenbrock, computed once and kept): heat map and replay drawn."""
    link = f"{url}/sweep?surface=rosenbrock&x=lr:1e-4:1:log:60&y=momentum:0:0.99:lin:50"
    page.goto(link)  # warm the server's cache once (a person's second visit)
    wait(page, SWEEP_READY, 60)
    return {"/sweep 60x50: first chart": first_chart(page, link, SWEEP_READY, 60, repeats)}


def bench_sweep_big(page, url: str, repeats: int) -> dict[str, list[Timing]]:
    """Opening a 200 x 200 link, each time with another step count so the batch runs afresh: navigation -> the
    heat map and the replay drawn (computing, sending and drawing the grid)."""
    times = []
    for index in range(repeats):
        link = (f"{url}/sweep?surface=rosenbrock&start=-1.2,1&steps={150 + index}&o=sgd:nesterov=1"
                "&x=lr:1e-4:0.05:log:200&y=momentum:0:0.95:lin:200&metric=final_loss")  # fmt: skip
        page.goto("about:blank")
        times.append(timed(page, lambda link=link: page.goto(link), SWEEP_READY, 200, navigation=True))
    return {"/sweep 200x200: first visit, fresh batch, drawn": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", default="surfaces,inspect,sweep,frameworks,pages")
    parser.add_argument("--fresh-repeats", type=int, default=3, help="fresh servers for /frameworks' first load")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the app checkout to measure")
    args = parser.parse_args()
    only = set(args.only.split(","))
    results: dict[str, list[Timing]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROME_ARGS)
        floor = bench_floor(browser, args.repeats)
        if "frameworks" in only:
            results.update(bench_frameworks_first(browser, args.app_root, args.fresh_repeats))
        if "pages" in only:
            results.update(bench_first_charts(browser, args.app_root, args.repeats))
        if "surfaces" in only:
            custom = bench_first_custom(browser, args.app_root, args.repeats)
            results["/surfaces 6x1000: custom surface, 1st switch"] = custom
        process, url = start_app(args.app_root)
        try:
            page = new_page(browser)
            if "surfaces" in only:
                results.update(bench_surfaces(page, url, args.repeats))
                results.update(bench_surfaces_inputs(page, url, args.repeats))
            if "inspect" in only:
                results.update(bench_inspect(page, url, args.repeats))
            if "sweep" in only:
                results.update(bench_sweep(page, url, args.repeats))
                results.update(bench_sweep_first(page, url, args.repeats))
                results.update(bench_sweep_big(page, url, args.repeats))
        finally:
            stop_app(process)
            browser.close()
    report(args, floor, results)


def report(args, floor: dict[str, list[Timing]], results: dict[str, list[Timing]]) -> None:
    """The table: page-clock median (input -> view settled), its multiple of the floor's, the driver-clock median."""
    page_ms = {name: [t[0] for t in times] for name, times in {**floor, **results}.items()}
    floor_first, floor_change = statistics.median(page_ms["first chart"]), statistics.median(page_ms["slider"])
    floor_cold = page_ms["first chart"][0]  # its first visit: the server's first script run (compare "fresh" rows)
    print(f"app: {args.app_root}; headless Chromium, median of {args.repeats} (ms); floor = bare page")
    print("page clock: from the input event (or the navigation's start) to the frame the view settled in;")
    print("driver: the same from Playwright's side (adds its round trips and, for clicks, actionability checks)")
    print(f"{'interaction':48} | {'median ms':>9} | {'x floor':>7} | {'driver':>6} | page clock, all runs")
    print("-" * 110)
    rows = [("floor: first chart", floor["first chart"], floor_first),
            ("floor: first chart, first visit (cold)", floor["first chart"][:1], floor_cold),
            ("floor: slider -> chart", floor["slider"], floor_change)]  # fmt: skip
    bases = {name: floor_cold if "fresh" in name else floor_first if "first" in name else floor_change
             for name in results}  # fmt: skip
    rows += [(name, times, bases[name]) for name, times in results.items()]
    for name, times, base in rows:
        median = statistics.median(t[0] for t in times)
        driver = statistics.median(t[1] for t in times)
        runs = " ".join(f"{t[0]:.0f}" for t in times)
        print(f"{name:48} | {median:9.0f} | {median / base:6.1f}x | {driver:6.0f} | {runs}")

if __name__ == "__main__":
    main()
