"""AppTest: the app starts, routes, and the home page tells what optviz is."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from .conftest import APP


def test_home_page_runs_and_lists_the_optimizers():
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert not at.exception
    assert at.title[0].value == "optviz"
    table = at.table[0].value
    assert list(table.index) == ["SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"]
    assert "lr=1.0" in table.loc["Adadelta", "Keras 2.2.4 arguments (defaults)"]


def test_home_page_points_learners_to_the_step_inspector():
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert any("Start here" in m.value for m in at.markdown)


def test_every_count_of_the_surfaces_is_the_registrys():
    from pathlib import Path

    from optviz.surface_spec import CUSTOM, SURFACE_NAMES
    from optviz.surfaces import SURFACES

    count = len(SURFACES)
    at = AppTest.from_file(str(APP), default_timeout=30).run()
    assert any(f"({count} built in, or type your own" in c.value for c in at.caption)  # Home's page list
    assert len([key for key in SURFACE_NAMES if key != CUSTOM]) == count  # the surface picker's built-ins
    readme = (Path(APP).parent / "README.md").read_text()
    assert f"one of {count} loss surfaces" in readme
