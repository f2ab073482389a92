"""Import an optional framework once per process in a background thread, so that no page waits for it.

TensorFlow's first import takes 5-15 s. ``framework_loader("tf_keras").start()`` begins it in a daemon thread
(once per process, thread-safe, never blocking); ``status()`` says whether it is still loading, ready, or failed
(with a sentence to show instead of a traceback). ``wait()`` is for tests and benchmarks, never for pages.

Streamlit collects garbage (``gc.collect(2)``) after every script run, a page's polls included; with torch and
TensorFlow loaded that is ~0.4-0.9 s under the GIL each time (700k objects), which starved the import itself (a
fresh server's tf.keras took minutes to join) and every page. So the thread moves what is loaded before and after
the import to the permanent generation (``gc.freeze()``, CPython's way for long-lived import-time objects:
reference counting still frees them, only the cycle collector stops scanning them).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass

from .native_lanes import FRAMEWORKS, INSTALL_HINT

NOT_STARTED, LOADING, READY, FAILED = "not started", "loading", "ready", "failed"
#: Imported after a framework's own modules, so its first use is quick too: torch.optim's first optimizer imports
#: torch._dynamo (1-3 s).
WARM_UP = {"torch": ("torch._dynamo",)}


@dataclass(frozen=True)
class LoadStatus:
    """Where a background import stands; ``message`` says why it failed (empty otherwise)."""

    state: str
    message: str = ""

    @property
    def ready(self) -> bool:
        """Whether the framework's modules are imported and usable."""
        return self.state == READY

    @property
    def failed(self) -> bool:
        """Whether the framework cannot be used here (not installed, or its import raised)."""
        return self.state == FAILED


class BackgroundImport:
    """One framework's modules, imported at most once in a daemon thread."""

    def __init__(
        self,
        framework: str,
        importer: Callable[[str], object] = importlib.import_module,
        modules: tuple[str, ...] | None = None,
    ) -> None:
        """``importer(module_name)`` imports one module and ``modules`` defaults to the framework's (both
        replaceable in tests, e.g. to make the import slow or fail)."""
        self.framework = framework
        self.modules = FRAMEWORKS[framework].modules if modules is None else modules
        self.warm_up = WARM_UP.get(framework, ()) if modules is None else ()
        self._importer = importer
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._status = LoadStatus(NOT_STARTED)
        self._started = False

    @property
    def started(self) -> bool:
        """Whether the import has begun in this process (a framework found missing never begins one)."""
        return self._started

    def start(self) -> LoadStatus:
        """Begin the import unless it has begun (returns at once); the status after starting."""
        with self._lock:
            if self._checked().state != NOT_STARTED:
                return self._status
            self._status = LoadStatus(LOADING)
            self._started = True
        threading.Thread(target=self._load, name=f"import {self.framework}", daemon=True).start()
        return LoadStatus(LOADING)

    def status(self) -> LoadStatus:
        """Where the import stands (never blocks; a framework that is not installed fails before it starts)."""
        with self._lock:
            return self._checked()

    def _checked(self) -> LoadStatus:
        """The status, failed at once (without a thread) when a module is not installed; call under the lock."""
        if self._status.state == NOT_STARTED:
            missing = [m for m in self.modules if sys.modules.get(m) is None and _find(m) is None]
            if missing:
                self._finish(LoadStatus(FAILED, self._sentence(f"{missing[0]} is not installed")))
        return self._status

    def wait(self, timeout: float | None = None) -> LoadStatus:
        """Start if needed and block until the import has finished or ``timeout`` s passed (tests, benchmarks)."""
        self.start()
        self._done.wait(timeout)
        return self.status()

    def _load(self) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        gc.freeze()  # see the module's doc: keep the collections after each script run short
        try:
            for module in (*self.modules, *self.warm_up):
                self._importer(module)
        except Exception as error:  # ImportError, or a broken install: a sentence for the page, not a traceback
            with self._lock:
                self._finish(LoadStatus(FAILED, self._sentence(f"{module}: {error}")))
            return
        gc.freeze()
        with self._lock:
            self._finish(LoadStatus(READY))

    def _finish(self, status: LoadStatus) -> None:
        self._status = status
        self._done.set()

    def _sentence(self, reason: str) -> str:
        title = FRAMEWORKS[self.framework].title
        return f"{title} is not available here ({reason}). It is optional; install it with `{INSTALL_HINT}`."


def _find(module: str):
    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):  # a parent missing, or a module stubbed out in sys.modules
        return None


_LOADERS: dict[tuple[str, ...], BackgroundImport] = {}
_LOADERS_LOCK = threading.Lock()


def framework_loader(framework: str) -> BackgroundImport:
    """The process-wide loader of ``framework``'s modules (tf.keras and its legacy flavour share one)."""
    modules = FRAMEWORKS[framework].modules
    with _LOADERS_LOCK:
        if modules not in _LOADERS:
            _LOADERS[modules] = BackgroundImport(framework)
        return _LOADERS[modules]
