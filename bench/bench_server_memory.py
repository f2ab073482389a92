"""Server memory over many reruns: does the app's server grow without Streamlit's gc.collect(2) after every run?

``.streamlit/config.toml`` turns Streamlit's post-run full collection off (``runner.postScriptGC``: ~90 ms of CPU
per /surfaces rerun). This bench starts two servers of the app, one as configured and one with the collection
back on (``STREAMLIT_RUNNER_POST_SCRIPT_GC=true``, the baseline, same run), opens /surfaces with 6 lanes x 1000
steps in headless Chromium on each and changes the Steps slider ``--reruns`` times (one rerun each, alternating
1000 <-> 999), reading the server's resident memory (``VmRSS`` in ``/proc``) every ``--every`` reruns and the
server's CPU time over all of them.

Printed: RSS after the first rerun, after each block, the growth per 100 reruns after the first block (least-squares
slope), and CPU ms per rerun, for both servers.

Usage: python bench/bench_server_memory.py [--reruns 300] [--every 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import numpy as np
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_browser import LANES6, SURFACES_READY, idle, new_page, surfaces_url, wait  # noqa: E402

from tests.app_server import CHROME_ARGS, start_app, stop_app  # noqa: E402


def rss_mb(pid: int) -> float:
    """Resident memory of the process, MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(browser, env_gc: bool, reruns: int, every: int) -> tuple[list[tuple[int, float]], float]:
    """(reruns done, RSS MB) samples and CPU ms per rerun for one server."""
    if env_gc:
        os.environ["STREAMLIT_RUNNER_POST_SCRIPT_GC"] = "true"
    try:
        process, url = start_app(ROOT)
    finally:
        os.environ.pop("STREAMLIT_RUNNER_POST_SCRIPT_GC", None)
    try:
        page = new_page(browser)
        page.goto(url + surfaces_url(LANES6, 1000))
        wait(page, SURFACES_READY, 1000)
        slider = page.locator('input[type=range][aria-label="Steps"]')
        samples, value, began = [], 1000, cpu_seconds(process.pid)
        for done in range(1, reruns + 1):
            idle(page, pause_ms=0)  # many reruns back to back
            key, value = ("ArrowLeft", value - 1) if value == 1000 else ("ArrowRight", value + 1)
            slider.focus()
            slider.press(key)
            wait(page, SURFACES_READY, value)
            if done == 1 or done % every == 0:
                samples.append((done, rss_mb(process.pid)))
        cpu = (cpu_seconds(process.pid) - began) * 1000.0 / reruns
        page.close()
    finally:
        stop_app(process)
    return samples, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=300)
    parser.add_argument("--every", type=int, default=50)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=CHROME_ARGS)
        setups = (("as configured (no post-run GC)", False), ("baseline: gc.collect(2) after each run", True))
        rows = {label: measure(browser, gc, args.reruns, args.every) for label, gc in setups}
        browser.close()
    print(f"/surfaces 6x1000, {args.reruns} Steps changes (one rerun each); server RSS in MB")
    for label, (samples, cpu) in rows.items():
        after_first = [(n, mb) for n, mb in samples if n >= args.every]
        slope = (
            np.polyfit([n for n, _ in after_first], [mb for _, mb in after_first], 1)[0] * 100
            if len(after_first) > 1
            else float("nan")
        )
        series = " ".join(f"{n}:{mb:.0f}" for n, mb in samples)
        print(f"{label:40} | {series} | {slope:+.1f} MB per 100 reruns | server CPU {cpu:.0f} ms per rerun")


if __name__ == "__main__":
    main()
