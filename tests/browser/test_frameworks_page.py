"""Real browser: /frameworks deep link, paths drawn three ways, 'Show me' loads a demo into the URL; on a fresh
server Keras 2.2.4 is drawn before torch and TensorFlow have loaded, and torch.optim then tf.keras join by
themselves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..app_server import start_app, stop_app
from ..conftest import ROOT, collect_console_errors

pytestmark = pytest.mark.browser


def test_frameworks_page_in_chromium(page, app_url, screenshot_dir):
    pytest.importorskip("torch")
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/frameworks?o=sgd:lr%3D0.0001,momentum%3D0.9&steps=50")
    expect(page.get_by_role("heading", name="Framework comparison")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stTopNav")).to_contain_text("Framework comparison")  # routed via app.py
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot')].some(el => (el._fullData || [])"
        ".some(t => t.name === 'torch.optim' && t.x.length === 51))",
        timeout=90_000,
    )
    page.screenshot(path=str(screenshot_dir / "frameworks.png"))
    page.get_by_role("button", name="Show me").first.click()  # Adagrad's initial accumulator on the bowl
    page.wait_for_function(
        "() => location.search.includes('adagrad') && location.search.includes('bowl')", timeout=60_000
    )
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot:not([data-stale=true])')].some(el => (el._fullData || [])"
        ".some(t => t.name === 'Keras 2.2.4 rules (optviz)' && t.x.length === 61))",
        timeout=90_000,
    )
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')", timeout=60_000)
    page.screenshot(path=str(screenshot_dir / "frameworks_demo.png"))
    assert errors == []


#: The live chart's trace names and the loading note, once a chart with the Keras 2.2.4 path of 51 points is drawn.
DRAWN = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')]
        .filter(p => !p.closest('[data-stale="true"]') && p._fullData);
    const plot = plots.find(p => p._fullData.some(t => t.name === 'Keras 2.2.4 rules (optviz)' && t.x.length === 51));
    if (!plot) return null;
    return {names: plot._fullData.map(t => t.name), note: document.body.innerText.includes('TensorFlow loading')};
}"""


def joined(name: str) -> str:
    return (
        "() => [...document.querySelectorAll('.js-plotly-plot:not([data-stale=true])')].some(el => "
        f"(el._fullData || []).some(t => t.name === '{name}' && t.x.length === 51))"
    )


def test_a_fresh_server_draws_keras_first_and_torch_then_tensorflow_join(page, screenshot_dir):
    pytest.importorskip("torch")
    pytest.importorskip("tf_keras")
    process, url = start_app(ROOT)  # its own server: neither torch nor TensorFlow imported yet
    try:
        errors = collect_console_errors(page)
        page.goto(f"{url}/frameworks?o=sgd:lr%3D0.0001,momentum%3D0.9&steps=50")
        first = page.wait_for_function(DRAWN, timeout=180_000, polling="raf").json_value()
        assert "tf.keras (tf_keras.optimizers)" not in first["names"]  # TensorFlow loads after torch
        assert first["note"]  # "… TensorFlow loading…" where its path and row will be
        page.screenshot(path=str(screenshot_dir / "frameworks_loading.png"))
        page.wait_for_function(joined("torch.optim"), timeout=300_000)  # the polling fragment reran the page
        page.wait_for_function(joined("tf.keras (tf_keras.optimizers)"), timeout=300_000)
        expect(page.get_by_text("TensorFlow loading")).to_have_count(0, timeout=60_000)
        assert errors == []
    finally:
        stop_app(process)
