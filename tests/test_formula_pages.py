"""AppTest, issue 11: formulas from a link that once raised a traceback (TypeError, ValueError) or showed Python's
own "Exceeds the limit (4300 digits)" text on /surfaces, /sweep and /inspect now give a surface or a refusal."""

from __future__ import annotations

from pathlib import Path

import pytest

from .apptest_helpers import run_page

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["surfaces", "sweep", "inspect"]
INTERNAL_TEXT = ("set_int_max_str_digits", "Exceeds the limit", "Traceback", "TypeError", "ValueError")


def _texts(at) -> str:
    kinds = ("error", "warning", "info", "markdown", "caption", "exception")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


@pytest.mark.parametrize("page", PAGES)
def test_a_refused_formula_in_the_link_says_why(page):
    at = run_page(ROOT / "pages" / f"{page}.py", {"surface": "custom", "f": "2**(0*x+10**5)+x**2"})
    texts = _texts(at)
    assert not at.exception, texts
    assert "the exponent 100000 is too large (powers are limited to ±64)" in texts.replace("\\", "")
    assert not any(part in texts for part in INTERNAL_TEXT), texts


@pytest.mark.parametrize("page", PAGES)
def test_a_big_constant_in_the_link_gives_a_surface(page):
    at = run_page(ROOT / "pages" / f"{page}.py", {"surface": "custom", "f": "sin(2**64)+x"})
    texts = _texts(at)
    assert not at.exception, texts
    assert "URL parameter `f` ignored" not in texts and "Formula not used" not in texts, texts
    assert at.query_params["f"] == ["sin(2**64)+x"] or at.query_params["f"] == "sin(2**64)+x"
