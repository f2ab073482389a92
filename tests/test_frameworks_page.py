"""AppTest for /frameworks: the URL drives the run, paths equal the core's, missing frameworks explain themselves,
Keras 2.2.4 is drawn while torch loads, Keras and torch while TensorFlow loads, and each joins once loaded."""

from __future__ import annotations

import importlib
import json
import re
import sys
import threading

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from optviz import framework_loading
from optviz.framework_loading import BackgroundImport
from optviz.lanes import parse_lane
from optviz.runner import run
from optviz.surfaces import get_surface

from .apptest_helpers import decode, run_page
from .conftest import ROOT

PAGE = ROOT / "pages" / "frameworks.py"
LOADING_NOTE = "loading… The first visit after a server start"


class SlowImport:
    """A framework's import as a test drives it: it waits until the test opens it, then imports or fails."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.error: Exception | None = None

    def __call__(self, module: str):
        self.opened.wait(300)
        if self.error is not None:
            raise self.error
        return importlib.import_module(module)

    def finish(self, error: Exception | None = None) -> None:
        self.error = error
        self.opened.set()


@pytest.fixture(autouse=True)
def tensorflow(monkeypatch):
    """Fresh process-wide loaders: torch's finished before the page runs (imported, or failed when not installed)
    and TensorFlow's waiting for the test (so every page run is deterministic: TensorFlow is "loading" until the
    test finishes it); released with a failure at teardown."""
    slow = SlowImport()
    loader = BackgroundImport("tf_keras", importer=slow)
    torch_loader = BackgroundImport("torch")
    monkeypatch.setattr(framework_loading, "_LOADERS", {loader.modules: loader, torch_loader.modules: torch_loader})
    torch_loader.wait(300)
    yield slow
    if not slow.opened.is_set():
        slow.finish(ImportError("the test is over"))


def figure(at, index=0):
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def page(query: dict) -> AppTest:
    return run_page(PAGE, query, timeout=120)


def test_url_sets_the_run_and_the_keras_path_equals_the_core():
    pytest.importorskip("torch")
    at = page({"o": "sgd:lr=0.0001,momentum=0.9", "surface": "rosenbrock", "start": "-1,1.5", "steps": "40"})
    assert not at.exception
    traces = {t.get("name"): t for t in figure(at)["data"]}
    expected = run(
        parse_lane("sgd:lr=0.0001,momentum=0.9").build(),
        get_surface("rosenbrock").value_and_grad,
        np.array([[-1.0, 1.5]]),
        40,
    ).positions[:, 0]
    keras = traces["Keras 2.2.4 rules (optviz)"]
    np.testing.assert_allclose(np.column_stack([decode(keras["x"]), decode(keras["y"])]), expected, rtol=1e-12)
    torch_trace = traces["torch.optim"]  # SGD momentum: the same rule in torch
    np.testing.assert_allclose(decode(torch_trace["x"]), decode(keras["x"]), atol=1e-10)
    assert at.query_params["o"] == "sgd:lr=0.0001,momentum=0.9"


def test_tampered_url_falls_back_with_notes():
    at = page({"o": "adamw:lr=1", "surface": "nowhere", "start": "nan,2", "steps": "99999"})
    assert not at.exception
    notes = " ".join(w.value for w in at.warning)
    assert "adamw" in notes and "nowhere" in notes and "start" in notes and "steps" in notes
    assert at.session_state["fw.lane.optimizer"] == "adam"


def test_show_me_loads_the_demo_setting():
    pytest.importorskip("torch")
    at = page({"steps": "20"})
    at.button(key="fw.demo.0").click().run()  # Adagrad initial accumulator
    assert not at.exception
    assert at.query_params["o"] == "adagrad:lr=0.1"
    assert at.query_params["surface"] == "bowl" and at.query_params["start"] == "0.3,0.2"


def test_without_the_frameworks_the_page_explains_how_to_install_them(monkeypatch):
    for module in ("torch", "tensorflow", "tf_keras"):
        monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    monkeypatch.setattr(framework_loading, "_LOADERS", {})  # loaders that see the stubs
    at = page({"steps": "20"})
    assert not at.exception
    messages = " ".join(i.value for i in at.info)
    assert "requirements-frameworks.txt" in messages and "torch" in messages and "tf.keras" in messages
    assert LOADING_NOTE not in messages  # not installed: said at once, nothing to wait for
    names = [t.get("name") for t in figure(at)["data"]]
    assert "Keras 2.2.4 rules (optviz)" in names and "torch.optim" not in names


def test_leaving_the_page_and_coming_back_keeps_every_setting():
    """Issue 11: /frameworks used to reset to its defaults after a visit to another page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    query = {"o": "sgd:lr=0.0001,momentum=0.9", "surface": "bowl", "start": "0.3,0.2", "steps": "30"}
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("pages/frameworks.py").run()
    at.slider(key="fw.steps").set_value(25).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/frameworks.py").run()
    assert not at.exception and not at.warning
    assert at.slider(key="fw.steps").value == 25 and at.selectbox(key="fw.surface").value == "bowl"
    assert at.query_params["o"] == "sgd:lr=0.0001,momentum=0.9" and at.query_params["start"] == "0.3,0.2"


def test_a_custom_surface_is_offered_and_a_bad_formula_is_refused_with_a_note():
    at = page({"surface": "custom", "f": "x**2 + 3*y**2", "steps": "20", "o": "sgd:lr=0.05"})
    assert not at.exception and not at.warning
    keras = next(t for t in figure(at)["data"] if t.get("name") == "Keras 2.2.4 rules (optviz)")
    assert len(decode(keras["x"])) == 21
    refused = page({"surface": "custom", "f": "__import__('os')", "steps": "20"})
    assert not refused.exception and any("`f`" in w.value for w in refused.warning)


def trace_names(at) -> list[str]:
    return [t.get("name") for t in figure(at)["data"]]


def table(at) -> dict[str, list[str]]:
    """The results table, a Markdown table (the code wraps), as {column: cells}, each cell unescaped."""
    text = next(m.value for m in at.markdown if m.value.startswith("| Framework |"))
    lines = [re.split(r"(?<!\\)\|", line)[1:-1] for line in text.splitlines()]  # split at the unescaped pipes
    cells = [[re.sub(r"\\(.)", r"\1", cell).strip() for cell in line] for line in lines]
    header, rows = cells[0], cells[2:]
    return {name: [row[index] for row in rows] for index, name in enumerate(header)}


def test_keras_and_torch_are_shown_while_tensorflow_loads_and_tf_keras_joins_when_it_has_loaded(tensorflow):
    pytest.importorskip("torch")
    pytest.importorskip("tf_keras")
    at = page({"o": "sgd:lr=0.0001,momentum=0.9", "surface": "rosenbrock", "start": "-1,1.5", "steps": "40"})
    assert not at.exception
    assert LOADING_NOTE in " ".join(i.value for i in at.info)
    names = trace_names(at)
    assert "Keras 2.2.4 rules (optviz)" in names and "torch.optim" in names
    assert "tf.keras (tf_keras.optimizers)" not in names
    rows = table(at)
    assert list(rows["Framework"]) == ["Keras 2.2.4 rules (optviz)", "tf.keras (tf_keras.optimizers)", "torch.optim"]
    assert rows["Optimizer"][1] == "loading…" and "SGD(" in rows["Optimizer"][2]
    at.run()  # still loading: the same picture (the page never waits for the import)
    assert not at.exception and "tf.keras (tf_keras.optimizers)" not in trace_names(at)

    tensorflow.finish()
    assert framework_loading.framework_loader("tf_keras").wait(300).ready
    at.run()  # what the polling fragment's rerun does in the browser
    assert not at.exception
    assert LOADING_NOTE not in " ".join(i.value for i in at.info)
    tf_trace = next(t for t in figure(at)["data"] if t.get("name") == "tf.keras (tf_keras.optimizers)")
    keras = next(t for t in figure(at)["data"] if t.get("name") == "Keras 2.2.4 rules (optviz)")
    assert len(decode(tf_trace["x"])) == 41
    # the same SGD momentum rule, with TF's float32 hyperparameters: close to Keras' path, not equal
    np.testing.assert_allclose(decode(tf_trace["x"]), decode(keras["x"]), atol=1e-5)
    assert "SGD(" in table(at)["Optimizer"][1]


def test_a_tensorflow_import_that_fails_leaves_a_note_and_the_other_frameworks(tensorflow):
    pytest.importorskip("torch")
    at = page({"o": "adam:lr=0.05", "steps": "30"})
    assert LOADING_NOTE in " ".join(i.value for i in at.info)
    tensorflow.finish(ImportError("libtensorflow_framework.so.2: cannot open shared object file"))
    assert framework_loading.framework_loader("tf_keras").wait(60).failed
    at.run()
    assert not at.exception
    messages = " ".join(i.value for i in at.info)
    assert "libtensorflow_framework.so.2" in messages and "requirements-frameworks.txt" in messages
    assert LOADING_NOTE not in messages
    assert trace_names(at)[1:3] == ["Keras 2.2.4 rules (optviz)", "torch.optim"]


def test_keras_is_drawn_while_torch_loads_and_tensorflow_starts_loading_only_after_torch(monkeypatch, tensorflow):
    pytest.importorskip("torch")
    slow_torch = SlowImport()
    torch_loader = BackgroundImport("torch", importer=slow_torch)
    tf_loader = framework_loading.framework_loader("tf_keras")
    monkeypatch.setitem(framework_loading._LOADERS, torch_loader.modules, torch_loader)
    at = page({"o": "adam:lr=0.05", "steps": "30"})
    assert not at.exception
    assert "torch.optim and TensorFlow " + LOADING_NOTE in " ".join(i.value for i in at.info)
    assert trace_names(at)[1] == "Keras 2.2.4 rules (optviz)" and "torch.optim" not in trace_names(at)
    assert list(table(at)["Optimizer"][1:]) == ["loading…", "loading…"]
    assert tf_loader.status().state == framework_loading.NOT_STARTED  # one import at a time: torch's first

    slow_torch.finish()
    assert torch_loader.wait(300).ready
    at.run()  # what the polling fragment's rerun does in the browser
    assert not at.exception
    assert "TensorFlow " + LOADING_NOTE in " ".join(i.value for i in at.info)
    assert "torch.optim" in trace_names(at)
    assert tf_loader.status().state == framework_loading.LOADING  # started after this run's charts


def test_on_a_fresh_server_the_first_import_waits_for_the_chart_and_starts_after_a_few_polls_without_word(
    monkeypatch,
):
    """The browser says when the paths chart is drawn (AppTest has no browser): until then no import starts, so the
    first chart does not share the machine with torch's import; without word it starts after a few polls."""
    from pages.components.framework_views import FALLBACK_POLLS

    torch_import = SlowImport()
    torch_loader = BackgroundImport("torch", importer=torch_import)
    tf_loader = BackgroundImport("tf_keras", importer=SlowImport())
    monkeypatch.setattr(
        framework_loading, "_LOADERS", {torch_loader.modules: torch_loader, tf_loader.modules: tf_loader}
    )
    try:
        at = page({"o": "adam:lr=0.05", "steps": "30"})
        assert not at.exception
        assert trace_names(at)[1] == "Keras 2.2.4 rules (optviz)"
        assert LOADING_NOTE in " ".join(i.value for i in at.info)
        for _ in range(FALLBACK_POLLS - 1):  # what the polling fragment's reruns do in the browser
            at.run()
            assert not torch_loader.started and not tf_loader.started
        at.run()
        assert torch_loader.started and not tf_loader.started  # torch first, TensorFlow once torch has loaded
    finally:
        torch_import.finish(ImportError("the test is over"))


def test_the_results_table_shows_every_cell_literally():
    from pages.components.framework_views import COLUMNS, markdown_table

    text = markdown_table([{"Framework": "a|b", "Optimizer": "SGD(lr=1e-3) *x* _y_ <img src=x onerror=alert(1)>"}])
    header, rule, row = text.splitlines()
    assert header.count(" | ") == rule.count(" |") - 1 == row.count(" | ") == len(COLUMNS) - 1  # the pipe is escaped
    assert "a\\|b" in row and "\\<img" in row and "\\*x\\*" in row and "\\_y\\_" in row
    assert row.endswith("| … | … | … | … | … |")  # the cells a row has not got yet
