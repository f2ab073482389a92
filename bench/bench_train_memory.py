"""Browser memory while /train trains live: does the JS heap, the renderer or the DOM grow?

Starts ``streamlit run app.py``, opens ``/train`` in headless Chromium (Debian's ``chromium``, the browser tests'
flags) with two moons, a 2-16-16-2 tanh network, batch 32 and 4 lanes, presses Start and, every ``--interval``
seconds for ``--seconds`` seconds, reads the JS heap as it is (``Runtime.getHeapUsage``), then forces garbage
collection (CDP ``HeapProfiler.collectGarbage``) and reads the JS heap again, the proportional set size of the
renderer processes (``/proc/<pid>/smaps_rollup``: what the tab costs the machine, buffers outside the JS heap
included), the renderer's DOM node count (``Memory.getDOMCounters``: every live node, detached ones included),
the nodes in the document and the step counter. Then presses Stop and samples once more, and again after a
simulated critical memory pressure (Chromium then drops its caches: what remains is memory the page holds).

Printed: the table, and the growth per minute of the heap, the renderer and the DOM nodes (least-squares slope
over the samples taken after the first 20 s of training, when the page has settled).

Usage: python bench/bench_train_memory.py [--seconds 120] [--interval 10] [--query ...] [--bare]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(os.environ.get("OPTVIZ_ROOT", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_server import CHROME_ARGS, start_app, stop_app  # noqa: E402

QUERY = (
    "dataset=moons&samples=400&noise=0.2&hidden=16,16&act=tanh&batch=32&chunk=10"
    "&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05"
)
STEP = """() => {
    const p = [...document.querySelectorAll('p')].find(p => /^Step \\d+ ·/.test(p.innerText));
    return p ? Number(p.innerText.match(/^Step (\\d+)/)[1]) : -1;
}"""
STOPPED = "() => [...document.querySelectorAll('p')].some(p => /^Step \\d+ ·.*stopped$/.test(p.innerText))"
SETTLE_SECONDS = 20.0
WIDTHS = (6, 6, 11, 10, 11, 9, 7, 8)


def renderer_memory_mb(browser_cdp) -> float:
    """Proportional set size (PSS) of this browser's renderer processes, from ``/proc`` (0 if unreadable)."""
    total = 0
    for process in browser_cdp.send("SystemInfo.getProcessInfo")["processInfo"]:
        if process["type"] != "renderer":
            continue
        try:
            rollup = Path(f"/proc/{process['id']}/smaps_rollup").read_text()
        except OSError:
            continue
        total += next((int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:")), 0)
    return total / 1024


def sample(page, cdp, browser_cdp, began: float) -> dict[str, float]:
    """One reading: the heap as it is, then everything after two forced garbage collections."""
    before = cdp.send("Runtime.getHeapUsage")["usedSize"] / 1e6
    for _ in range(2):
        cdp.send("HeapProfiler.collectGarbage")
    heap = cdp.send("Runtime.getHeapUsage")
    counters = cdp.send("Memory.getDOMCounters")
    attached = page.evaluate("document.getElementsByTagName('*').length")
    return {
        "t": time.monotonic() - began,
        "step": page.evaluate(STEP),
        "heap_before_gc": before,
        "heap_mb": heap["usedSize"] / 1e6,
        "renderer_mb": renderer_memory_mb(browser_cdp),
        "nodes": counters["nodes"],
        "attached": attached,
        "detached": counters["nodes"] - attached,
        "listeners": counters["jsEventListeners"],
    }


def slope_per_minute(rows: list[dict[str, float]], name: str) -> float:
    """Least-squares growth of ``name`` per minute over the rows after the page settled."""
    settled = [r for r in rows[1:] if r["t"] - rows[0]["t"] >= SETTLE_SECONDS]
    if len(settled) < 2:
        return float("nan")
    t = np.array([r["t"] for r in settled])
    v = np.array([r[name] for r in settled])
    return float(np.polyfit(t, v, 1)[0] * 60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--query", default=QUERY, help="the /train query string (default: moons, 4 lanes)")
    parser.add_argument("--bare", action="store_true", help="launch Chromium with only --headless --no-sandbox")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is needed: apt-get update && apt-get install -y chromium")
    process, url = start_app(ROOT)
    try:
        with sync_playwright() as playwright:
            flags = ["--headless", "--no-sandbox"] if args.bare else CHROME_ARGS
            browser = playwright.chromium.launch(executable_path=chromium, args=flags)
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            cdp = page.context.new_cdp_session(page)
            browser_cdp = browser.new_browser_cdp_session()
            cdp.send("HeapProfiler.enable")
            page.goto(f"{url}/train?{args.query}")
            page.wait_for_function(f"() => ({STEP})() === 0", timeout=60_000)
            time.sleep(2.0)
            began = time.monotonic()
            rows = [sample(page, cdp, browser_cdp, began)]
            page.get_by_test_id("stBaseButton-primary").filter(has_text="Start").click()
            next_sample = began + args.interval
            while next_sample <= began + args.seconds + 1e-6:
                time.sleep(max(0.0, next_sample - time.monotonic()))
                rows.append(sample(page, cdp, browser_cdp, began))
                next_sample += args.interval
            page.get_by_test_id("stBaseButton-secondary").filter(has_text="Stop").click()
            page.wait_for_function(STOPPED, timeout=30_000)
            time.sleep(3.0)
            after_stop = sample(page, cdp, browser_cdp, began)
            # Critical memory pressure makes Chromium drop its caches: what remains is held, not cached.
            cdp.send("Memory.simulatePressureNotification", {"level": "critical"})
            time.sleep(2.0)
            after_pressure = sample(page, cdp, browser_cdp, began)
            browser.close()
    finally:
        stop_app(process)
    print(f"/train?{args.query}" + (" (bare Chromium flags)" if args.bare else ""))
    print(f"forced GC before each sample; {args.seconds:g} s of training, a sample every {args.interval:g} s")
    columns = ("t (s)", "step", "heap, no GC", "JS heap MB", "renderer MB", "DOM nodes", "in doc", "detached")
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, WIDTHS, strict=True)))
    labelled = [*((f"{r['t']:.0f}", r) for r in rows), ("Stop", after_stop), ("purged", after_pressure)]
    for label, row in labelled:
        print(
            f"{label:>6} {row['step']:>6} {row['heap_before_gc']:>11.1f} {row['heap_mb']:>10.1f} "
            f"{row['renderer_mb']:>11.1f} {row['nodes']:>9} {row['attached']:>7} {row['detached']:>8}"
        )
    heap, renderer, nodes = (slope_per_minute(rows, name) for name in ("heap_mb", "renderer_mb", "nodes"))
    print(
        f"growth after the first {SETTLE_SECONDS:g} s of training (least squares): JS heap {heap:+.2f} MB/min, "
        f"renderer {renderer:+.1f} MB/min, DOM nodes {nodes:+.0f}/min"
    )
    first, last = rows[0], rows[-1]
    print(
        f"start -> end of training: heap {first['heap_mb']:.1f} -> {last['heap_mb']:.1f} MB, renderer "
        f"{first['renderer_mb']:.0f} -> {last['renderer_mb']:.0f} MB, DOM nodes {first['nodes']} -> {last['nodes']}; "
        f"after Stop + GC: heap {after_stop['heap_mb']:.1f} MB, renderer {after_stop['renderer_mb']:.0f} MB, "
        f"{after_stop['nodes']} nodes"
    )


if __name__ == "__main__":
    main()
