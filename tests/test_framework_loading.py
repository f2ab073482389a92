"""The background import of an optional framework: once per process, never blocking, failures as sentences."""

from __future__ import annotations

import threading

from optviz import framework_loading
from optviz.framework_loading import FAILED, LOADING, NOT_STARTED, READY, BackgroundImport, framework_loader


class Gate:
    """An importer that records its calls and waits for the test to open it (then succeeds or raises)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.opened = threading.Event()
        self.calls: list[str] = []
        self.error = error

    def __call__(self, module: str) -> None:
        self.calls.append(module)
        assert self.opened.wait(30)
        if self.error is not None:
            raise self.error


def test_start_returns_at_once_and_the_import_finishes_in_the_background():
    gate = Gate()
    loader = BackgroundImport("torch", importer=gate, modules=("json", "csv"))
    assert loader.status().state == NOT_STARTED
    assert loader.start().state == LOADING  # the importer is still blocked: start did not wait for it
    assert loader.status().state == LOADING and not loader.status().ready
    gate.opened.set()
    assert loader.wait(30).state == READY and loader.status().ready
    assert gate.calls == ["json", "csv"]


def test_concurrent_starts_import_once():
    gate = Gate()
    loader = BackgroundImport("torch", importer=gate, modules=("json",))
    threads = [threading.Thread(target=loader.start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    gate.opened.set()
    assert loader.wait(30).ready
    loader.start()
    assert gate.calls == ["json"]


def test_a_failing_import_becomes_a_sentence_not_an_exception():
    gate = Gate(ImportError("libtensorflow_cc.so.2: cannot open shared object file"))
    loader = BackgroundImport("tf_keras", importer=gate, modules=("json",))
    loader.start()
    gate.opened.set()
    status = loader.wait(30)
    assert status.state == FAILED and status.failed and not status.ready
    assert "libtensorflow_cc.so.2" in status.message and "requirements-frameworks.txt" in status.message
    assert status.message.startswith("tf.keras")


def test_a_module_that_is_not_installed_fails_before_any_thread_starts(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "tensorflow", None)  # makes `import tensorflow` fail
    gate = Gate()
    loader = BackgroundImport("tf_keras", importer=gate)
    status = loader.status()
    assert status.failed and "tensorflow is not installed" in status.message
    assert loader.start().failed and gate.calls == []


def test_one_loader_per_process_shared_by_both_tf_keras_flavours(monkeypatch):
    monkeypatch.setattr(framework_loading, "_LOADERS", {})
    assert framework_loader("tf_keras") is framework_loader("tf_keras_legacy")
    assert framework_loader("torch") is not framework_loader("tf_keras")
