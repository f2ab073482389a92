"""Real browser, issue 16 on /train: a CSV set on the uploader trains and its Keras code has the L2 penalty, a bad CSV
gets a message naming the problem, and the landscape view draws the loss grid with one path per lane from the
initial weights (screenshots saved for a person to look at)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import collect_console_errors
from ..test_train_components import csv_text

pytestmark = pytest.mark.browser

LANES = "&o=adam:lr=0.01&o=sgd:lr=0.1,momentum=0.9&o=rmsprop"

#: The step counter ("Step 120 · epoch ...").
STEP = """() => {
    const p = [...document.querySelectorAll('p')].find(p => /^Step \\d+ ·/.test(p.innerText));
    return p ? Number(p.innerText.match(/^Step (\\d+)/)[1]) : -1;
}"""

#: The landscape chart (not a stale copy): its grid size and its paths' first points.
LANDSCAPE = """() => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')].filter(p => !p.closest('[data-stale="true"]'));
    const plot = plots.find(p => (p._fullData || []).some(t => t.type === 'contour'));
    if (!plot) return null;
    const contour = plot._fullData.find(t => t.type === 'contour');
    const paths = plot._fullData.filter(t => t.mode === 'lines+markers');
    return {rows: contour.z.length, columns: contour.z[0].length,
            paths: paths.map(t => ({points: t.x.length, x0: t.x[0], y0: t.y[0]}))};
}"""


def landscape_when(page, condition: str) -> dict:
    """The landscape chart's summary once ``condition`` (JS on ``d``, the summary) holds for a drawn chart."""
    check = f"() => {{ const d = ({LANDSCAPE})(); return d && d.paths.length && ({condition}) ? d : null; }}"
    return page.wait_for_function(check, timeout=30_000).json_value()


def step(page, times: int = 1) -> None:
    for _ in range(times):
        before = page.evaluate(STEP)
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(f"() => ({STEP})() > {before}", timeout=30_000)


def test_an_uploaded_csv_trains_and_exports_keras_code(page, app_url, tmp_path, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/train?dataset=upload&hidden=8&l2=0.001{LANES}")
    expect(page.get_by_text("Upload a CSV file or paste a table")).to_be_visible(timeout=30_000)
    table = tmp_path / "mine.csv"
    table.write_text(csv_text(120))
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(table))
    page.wait_for_function(f"() => ({STEP})() === 0", timeout=30_000)
    expect(page.get_by_text("mine.csv: 120 rows, 5 columns (4 numeric)")).to_be_visible()
    step(page, 2)
    page.get_by_text("Keras code for each lane").click()
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_contain_text("input_shape=(4,), kernel_regularizer=keras.regularizers.l2(0.001)")
    expect(code).to_contain_text("Dense(2, activation='softmax'")
    assert re.search(r"dataset=upload&target=label&task=classification&features=a&features=b", page.url)
    page.screenshot(path=str(screenshot_dir / "train_uploaded_csv.png"))
    assert errors == []


def test_a_bad_csv_gets_a_message_naming_the_problem(page, app_url, tmp_path):
    page.goto(f"{app_url}/train?dataset=upload{LANES}")
    bad = tmp_path / "two_rows.csv"
    bad.write_text("a,b,label\n1,2,x\n3,4,y\n")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    message = page.get_by_text("Cannot train on two_rows.csv: the table has 2 rows; at least 10 are needed")
    expect(message).to_be_visible(timeout=30_000)


def test_the_landscape_view_draws_the_grid_and_one_path_per_lane(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/train?dataset=moons&hidden=16,16&view=landscape{LANES}")
    page.wait_for_function(f"() => ({LANDSCAPE})() !== null", timeout=30_000)
    step(page, 3)
    drawn = landscape_when(page, "d.paths.every(p => p.points === 4)")
    assert (drawn["rows"], drawn["columns"]) == (41, 41)
    assert [(p["x0"], p["y0"]) for p in drawn["paths"]] == [(0, 0)] * 3
    expect(page.get_by_text(re.compile("the slice keeps .* of its path's variance"))).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "train_landscape.png"))
    assert errors == []


def test_the_landscape_follows_training_while_it_runs(page, app_url, screenshot_dir):
    errors = collect_console_errors(page)
    page.goto(f"{app_url}/train?dataset=moons&hidden=16,16&chunk=10&view=landscape{LANES}")
    page.wait_for_function(f"() => ({LANDSCAPE})() !== null", timeout=30_000)
    page.get_by_test_id("stBaseButton-primary").filter(has_text="Start").click()
    first = landscape_when(page, "d.paths[0].points >= 4")  # redrawn while training runs: the paths grow
    landscape_when(page, f"d.paths[0].points > {first['paths'][0]['points']}")
    page.screenshot(path=str(screenshot_dir / "train_landscape_running.png"))
    page.get_by_test_id("stBaseButton-secondary").filter(has_text=re.compile(r"^Stop$")).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('p')].some(p => /^Step \\d+ ·.*stopped$/.test(p.innerText))",
        timeout=30_000,
    )
    drawn = landscape_when(page, "true")
    assert len(drawn["paths"]) == 3 and all((p["x0"], p["y0"]) == (0, 0) for p in drawn["paths"])
    assert errors == []
