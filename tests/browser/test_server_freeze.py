"""Real browser, issue 11: a link whose formula once froze the whole server (an exact 9**387420489 computed by
sympy in C, holding the GIL, >200 s) is refused while the server keeps answering: ``/_stcore/health`` within
1 s throughout and another visitor's /surfaces chart loads meanwhile. Runs its own server, so a freeze could
not spill into other tests. Screenshot in tests/screenshots/server_freeze.png."""

from __future__ import annotations

import threading
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from ..app_server import ROOT, start_app, stop_app
from ..conftest import collect_console_errors

pytestmark = pytest.mark.browser

FREEZING = "/surfaces?surface=custom&f=9**(x/x*9**9)%2Bx**2"
POLL_SECONDS = 15.0
HEALTH_WITHIN = 1.0  # seconds, for every single health request


@pytest.fixture(scope="module")
def own_server():
    process, url = start_app(ROOT)
    yield url
    stop_app(process)


class HealthPoller(threading.Thread):
    """GET /_stcore/health every 0.1 s; remembers how long each answer took (inf for no answer or not ok)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.latencies, self.times, self.done = url + "/_stcore/health", [], [], threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            began = time.perf_counter()
            try:
                with urllib.request.urlopen(self.url, timeout=10) as response:
                    ok = response.read() == b"ok"
            except OSError:
                ok = False
            self.latencies.append(time.perf_counter() - began if ok else float("inf"))
            self.times.append(began)
            self.done.wait(0.1)


def test_the_freezing_link_is_refused_while_the_server_keeps_answering(own_server, browser, screenshot_dir):
    poller = HealthPoller(own_server)
    poller.start()
    began = time.perf_counter()
    marks = {}
    attacker = browser.new_context(viewport={"width": 1400, "height": 1600})
    visitor = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        page = attacker.new_page()
        errors = collect_console_errors(page)
        page.goto(own_server + FREEZING)
        marks["freezing link opened"] = time.perf_counter()

        # meanwhile another visitor's surface explorer loads and draws its chart
        other = visitor.new_page()
        other.goto(own_server + "/surfaces")
        expect(other.get_by_role("heading", name="Surface explorer")).to_be_visible(timeout=60_000)
        expect(other.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
        marks["other chart visible"] = time.perf_counter()

        refusal = page.get_by_test_id("stAlert").filter(has_text="Formula not used")
        expect(refusal).to_contain_text(
            "the exponent 3.8742e+08 is too large (powers are limited to ±64)", timeout=60_000
        )
        marks["refusal shown"] = time.perf_counter()
        expect(page.get_by_test_id("stException")).to_have_count(0)
        # the rest of the page is drawn and says what to do
        expect(page.get_by_text("Fix the formula on the left to see the paths.")).to_be_visible()
        expect(page.get_by_role("heading", name="Optimizers")).to_be_visible()
        page.screenshot(path=str(screenshot_dir / "server_freeze.png"))

        # keep polling for the whole window, and check the server once more at the end
        remaining = POLL_SECONDS - (time.perf_counter() - began)
        if remaining > 0:
            time.sleep(remaining)
        other.reload()
        expect(other.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
        assert errors == []
    finally:
        poller.done.set()
        poller.join()
        attacker.close()
        visitor.close()
    latencies = poller.latencies
    slow = sorted(zip(latencies, poller.times, strict=True))[-5:]
    print("slowest health answers (s, at s):", [(round(a, 2), round(t - began, 1)) for a, t in slow])
    print("page events at s:", {name: round(t - began, 1) for name, t in marks.items()})
    assert len(latencies) >= 20, latencies
    slowest = max(latencies)
    assert slowest < HEALTH_WITHIN, f"/_stcore/health took {slowest:.2f} s at worst ({len(latencies)} requests)"
