"""Shared fixtures: the app path for AppTest, and a real headless Chromium against a running app.

Browser tests use Debian's ``chromium`` (no ``playwright install``) and one Streamlit server per
test session on a free local port.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .app_server import CHROME_ARGS, start_app, stop_app

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
SCREENSHOTS = ROOT / "tests" / "screenshots"


@pytest.fixture(autouse=True)
def _no_view_head_start(monkeypatch):
    """AppTest runs the pages in this process with no browser to draw the view first: no wait after the view (the
    browser tests' server, another process, keeps it)."""
    from pages.components import path_view

    monkeypatch.setattr(path_view, "VIEW_HEAD_START", 0.0)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is not installed: apt-get update && apt-get install -y chromium")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROME_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1600}, "accept_downloads": True}


@pytest.fixture(scope="session")
def app_url():
    """Start ``streamlit run app.py`` once for the session; yield its base URL."""
    process, url = start_app(ROOT)
    yield url
    stop_app(process)


@pytest.fixture
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


#: JS expression: no rerun under way (no element waiting to be redrawn, no running-status widget).
NO_RUN_PENDING = (
    "!document.querySelector('[data-stale=\"true\"]') && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
)


def wait_no_run_pending(page, also: str = "true", timeout: float = 30_000) -> None:
    """Wait until no rerun is under way and the JS expression ``also`` holds."""
    page.wait_for_function(f"() => {NO_RUN_PENDING} && ({also})", timeout=timeout)


BENIGN_CONSOLE_SUFFIXES = ("/_stcore/health", "/_stcore/host-config", "/host-config")


def collect_console_errors(page) -> list[str]:
    """Attach listeners; return the live list of real JS errors (Streamlit's deep-link probes filtered)."""
    errors: list[str] = []

    def on_console(message):
        if message.type == "error" and not str(message.location.get("url", "")).endswith(BENIGN_CONSOLE_SUFFIXES):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors
