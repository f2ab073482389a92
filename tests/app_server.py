"""Start ``streamlit run app.py`` on a free local port and wait until it answers: used by the browser tests'
fixture and by the browser benchmark (plain Python, no pytest)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Headless Chromium as the browser tests and benches run it: software rendering, no background work.
CHROME_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(root: Path = ROOT, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """The server process and its base URL, once ``/_stcore/health`` says ok (RuntimeError with its output if not)."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless", "true"]
    command += ["--server.port", str(port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    # Not a pipe: a server that logs a lot must never block on a full pipe. Lives as long as the server.
    log = tempfile.TemporaryFile()  # noqa: SIM115
    process = subprocess.Popen(
        command, cwd=root, env={**os.environ, "PYTHONPATH": str(root)}, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    log.seek(0)
    raise RuntimeError("streamlit did not start: " + log.read().decode(errors="replace")[-2000:])


def stop_app(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
