"""Choosing the loss surface a page runs on: a built-in one, the rotated quadratic with its condition number κ,
or a custom f(x, y) typed by the person over a view window.

One URL format for every page (as the surface explorer writes it): ``surface=rosenbrock``,
``surface=rotated_quadratic&condition=100``, ``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-1,3``.

- :class:`~optviz.surface_spec.SurfaceSpec` (in the library, with its builder and default start) says which
  surface; pages that hold a :class:`optviz.state.PageState` read and write it through its ``Surface`` field.
- :func:`surface_picker` draws the widgets (a refused formula or window is shown next to the
  input and returned as the problem, never raised).
- :func:`build_surface` returns the :class:`optviz.surfaces.Surface`, compiled once per formula / κ.

A custom formula is worked out by :mod:`optviz.expressions` (``ast`` whitelist, then sympy in a sandboxed worker
with CPU, memory and time limits; never ``eval``). Widget keys are ``prefix + "surface"``, ``"condition"``,
``"f"``, ``"x_low"``, ``"x_high"``, ``"y_low"``, ``"y_high"``; the start point lives in ``prefix + "x0"`` /
``"y0"`` (see :func:`reset_start`).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from optviz.figures.colour_scale import view_values
from optviz.figures.surfaces import default_window, surface_image
from optviz.state import spec_from_widget_values
from optviz.surface_spec import (
    CONDITIONS,
    CUSTOM,
    DEFAULT_CONDITION,
    DEFAULT_EXPRESSION,
    DEFAULT_SURFACE,
    DEFAULT_WINDOW,
    QUADRATIC,
    SURFACE_NAMES,
    WINDOW_LIMIT,
    SurfaceSpec,
    build_surface,
    default_start,
    make_spec,
    when_warm,
)
from optviz.surface_spec import surface_problem as formula_problem
from pages.components.page_state import widget_value_map

Pair = tuple[float, float]
MAX_FORMULA = 300
__all__ = [
    "CONDITIONS",
    "CUSTOM",
    "QUADRATIC",
    "SurfaceSpec",
    "build_surface",
    "default_start",
    "formula_problem",
    "make_spec",
]


def warm_map(surface) -> None:
    """The map image and grid values of ``surface`` over its own window, into the caches the explorer's view reads
    (run by :func:`optviz.surface_spec.warm_custom` on the default custom surface: its first pick skips them)."""
    window = default_window(surface)
    window = (tuple(window[0]), tuple(window[1]))
    surface_image(surface, window)
    view_values(surface, window)


when_warm("map", warm_map)


def escape_markdown(text: str) -> str:
    """User text shown literally in st.error / st.warning (``__import__`` would otherwise turn bold)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|$~" else c for c in text)


# -- widgets -------------------------------------------------------------------------------------------------
def spec_from_state(prefix: str) -> SurfaceSpec:
    """The spec the picker's widgets hold now (for callbacks and for pages that do not draw the picker)."""
    return spec_from_widget_values(widget_value_map(prefix))


def reset_start(prefix: str) -> None:
    """Put the start widgets (``prefix + "x0"`` / ``"y0"``) at the chosen surface's default start."""
    spec = spec_from_state(prefix)
    if spec.is_custom and not (spec.x_range[0] < spec.x_range[1] and spec.y_range[0] < spec.y_range[1]):
        return  # a window being typed: keep the start until it is usable
    st.session_state[prefix + "x0"], st.session_state[prefix + "y0"] = default_start(spec)


def surface_picker(prefix: str, on_change: Callable[[], None] | None = None) -> tuple[SurfaceSpec, str | None]:
    """The surface selectbox, with the condition slider (rotated quadratic) or the formula and window (custom).

    ``on_change`` runs when another surface or window is chosen (e.g. to move the start point). Returns the spec
    and, for a refused formula or window, the reason (also shown under the input) so the page can stop."""
    state = st.session_state
    for name, default in (("surface", DEFAULT_SURFACE), ("condition", DEFAULT_CONDITION), ("f", DEFAULT_EXPRESSION)):
        state.setdefault(prefix + name, default)
    for name, value in zip(("x_low", "x_high", "y_low", "y_high"), DEFAULT_WINDOW * 2, strict=True):
        state.setdefault(prefix + name, value)
    key = st.selectbox(
        "Surface",
        list(SURFACE_NAMES),
        key=prefix + "surface",
        persist_state="session",
        format_func=SURFACE_NAMES.get,
        on_change=on_change,
    )
    if key == QUADRATIC:
        st.select_slider(
            "Condition number κ",
            CONDITIONS,
            key=prefix + "condition",
            persist_state="session",
            format_func=lambda c: f"{c:g}",
            help="Ratio of the largest to the smallest curvature. Large κ: a narrow valley where one learning "
            "rate is too big across it and too small along it.",
        )
    elif key == CUSTOM:
        from optviz.expressions import ALLOWED_TEXT

        st.text_input(
            "f(x, y) =",
            key=prefix + "f",
            persist_state="session",
            max_chars=MAX_FORMULA,
            help=f"A formula in x and y using {ALLOWED_TEXT}. Powers are written **.",
        )
        for axis in ("x", "y"):
            low, high = st.columns(2)
            low.number_input(
                f"{axis} from",
                -WINDOW_LIMIT,
                WINDOW_LIMIT,
                key=f"{prefix}{axis}_low",
                persist_state="session",
                format="%g",
                on_change=on_change,
            )
            high.number_input(
                f"{axis} to",
                -WINDOW_LIMIT,
                WINDOW_LIMIT,
                key=f"{prefix}{axis}_high",
                persist_state="session",
                format="%g",
                on_change=on_change,
            )
    spec = spec_from_state(prefix)
    problem = formula_problem(spec)
    if problem is not None:
        st.error(f"Formula not used: {escape_markdown(problem)}.")
    return spec, problem
