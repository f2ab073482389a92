"""Live-training page in a real browser: updates per second while training runs, and how fast Stop takes hold.

Starts ``streamlit run app.py``, opens ``/train`` in headless Chromium (Debian's ``chromium``) with two moons,
a 2-16-16-2 tanh network, batch 32 and 4 lanes, presses Start and records, inside the page, every change of
the step counter ("Step 120 · ...") and of the first lane's loss curve. Then presses Stop and records the time
until the counter stops moving and until the page says "stopped".

Printed per setup, best of N: counter updates per second, chart updates per second (the curve itself redrawn),
the ratio to the 10 updates/s target and to the fragment's own tick ceiling (1 / TICK_SECONDS, the baseline:
what an empty tick could reach), and the Stop latency (last counter change after the click; "stopped" shown).

Usage: python bench/bench_train_live.py [--seconds 6] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(os.environ.get("OPTVIZ_ROOT", Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_server import start_app, stop_app  # noqa: E402


def _tick_seconds() -> float:
    """The page's tick, read from its live view's source (importing it needs a Streamlit session)."""
    source = (ROOT / "pages" / "components" / "live_training.py").read_text()
    return float(re.search(r"^TICK_SECONDS = ([0-9.]+)", source, re.M).group(1))


TICK_SECONDS = _tick_seconds()

BASE = "dataset=moons&samples=400&noise=0.2&hidden=16,16&act=tanh&batch=32"
SETUPS = {
    "4 lanes, 1 step per update": BASE
    + "&chunk=1&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05",
    "4 lanes, 10 steps per update": BASE
    + "&chunk=10&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05",
    "6 lanes, 10 steps per update": BASE
    + "&chunk=10&o=adam&o=sgd:lr=0.1,momentum=0.9&o=rmsprop&o=adagrad:lr=0.05&o=nadam&o=adamax",
}

#: Installed in the page: a log of (time, step) for every counter change and of (time, points of the first curve)
#: for every new live curves picture, sampled on every animation frame.
RECORDER = """() => {
    window.__log = {steps: [], curves: [], busy: []};
    new PerformanceObserver(list => {
        for (const task of list.getEntries()) window.__log.busy.push([task.startTime, task.duration]);
    }).observe({type: 'longtask'});
    let lastSource = null;
    const read = () => {
        const p = [...document.querySelectorAll('p')].find(p => /^Step \\d+ ·/.test(p.innerText));
        const step = p ? Number(p.innerText.match(/^Step (\\d+)/)[1]) : -1;
        const log = window.__log, now = performance.now();
        // progress only: a redraw that briefly hides the counter is not a step
        if (!log.steps.length || step > log.steps[log.steps.length - 1][1]) log.steps.push([now, step]);
        const line = document.querySelector('svg[aria-label="Loss and accuracy curves"] polyline[data-points]');
        if (line && line.getAttribute('points') !== lastSource) {  // the first curve redrawn
            lastSource = line.getAttribute('points');
            log.curves.push([now, Number(line.getAttribute('data-points'))]);
        }
        requestAnimationFrame(read);
    };
    requestAnimationFrame(read);
}"""


def rate(events: list, since: float, until: float) -> float:
    inside = [t for t, _ in events if since <= t <= until]
    return (len(inside) - 1) / ((inside[-1] - inside[0]) / 1000) if len(inside) > 2 else 0.0


def measure(page, url: str, query: str, seconds: float) -> dict[str, float]:
    page.goto(f"{url}/train?{query}")
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => /^Step 0 ·/.test(p.innerText))", timeout=60_000
    )
    page.evaluate(RECORDER)
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Start").click()
    page.wait_for_function("() => window.__log.steps.some(([, s]) => s > 0)", timeout=30_000)
    began = page.evaluate("performance.now()")
    time.sleep(seconds)
    ended = page.evaluate("performance.now()")
    stop_button = page.get_by_test_id("stBaseButton-secondary").filter(has_text="Stop")
    stop_button.evaluate("b => { window.__stopClick = performance.now(); b.click(); }")
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => /^Step \\d+ ·.*stopped$/.test(p.innerText))",
        timeout=30_000,
    )
    stopped_shown = page.evaluate("performance.now()")
    time.sleep(2.0)
    log = page.evaluate("window.__log")
    clicked = page.evaluate("window.__stopClick")
    last_change = max(t for t, _ in log["steps"])
    return {
        "counter": rate(log["steps"], began, ended),
        "chart": rate(log["curves"], began, ended),
        "stop_last_change": max(0.0, last_change - clicked) / 1000,
        "stop_shown": (stopped_shown - clicked) / 1000,
        "busy": sum(d for t, d in log["busy"] if began <= t <= ended) / (ended - began),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", default="", help="run only the setups whose name contains this")
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if chromium is None:
        sys.exit("Debian's chromium is needed: apt-get update && apt-get install -y chromium")
    ceiling = 1 / TICK_SECONDS
    process, url = start_app(ROOT)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 1600})
            print(
                f"/train, two moons (400 samples), 2-16-16-2 tanh, batch 32; tick {TICK_SECONDS} s "
                f"(ceiling {ceiling:.0f}/s); {args.seconds:g} s of training, best of {args.repeats}"
            )
            print(
                f"{'setup':<30} {'counter/s':>9} {'chart/s':>8} {'vs 10/s':>8} {'vs ceiling':>10} "
                f"{'Stop: last step':>15} {'Stop: shown':>11} {'browser busy':>12}"
            )
            for name, query in SETUPS.items():
                if args.only not in name:
                    continue
                runs = [measure(page, url, query, args.seconds) for _ in range(args.repeats)]
                best = max(runs, key=lambda r: r["counter"])
                worst_stop = max(r["stop_last_change"] for r in runs)
                worst_shown = max(r["stop_shown"] for r in runs)
                print(
                    f"{name:<30} {best['counter']:>9.1f} {best['chart']:>8.1f} {best['counter'] / 10:>7.2f}x "
                    f"{best['counter'] / ceiling:>9.2f}x {worst_stop:>14.2f}s {worst_shown:>10.2f}s "
                    f"{best['busy']:>11.0%}"
                )
            browser.close()
    finally:
        stop_app(process)


if __name__ == "__main__":
    main()
