"""Choosing the loss surface a page runs on: a built-in one, the rotated quadratic with its condition number κ,
or a custom f(x, y) typed by the person over a view window.

One URL format for every page (as the surface explorer writes it): ``surface=rosenbrock``,
``surface=rotated_quadratic&condition=100``, ``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-1,3``.

- :class:`SurfaceSpec` says which surface (hashable, so cached computations can key on it);
  :meth:`SurfaceSpec.query` gives its URL parameters.
- :func:`read_surface` reads those parameters (a tampered value falls back to the default with a note) and seeds
  the widgets; :func:`surface_picker` draws the widgets (a refused formula or window is shown next to the
  input and returned as the problem, never raised).
- :func:`build_surface` returns the :class:`optviz.surfaces.Surface`, compiled once per formula / κ.

A custom formula is parsed by :mod:`optviz.expressions` (``ast`` whitelist, then sympy; never ``eval``); sympy is
imported only when a custom surface is asked for. Widget keys are ``prefix + "surface"``, ``"condition"``,
``"f"``, ``"x_low"``, ``"x_high"``, ``"y_low"``, ``"y_high"``; the start point lives in ``prefix + "x0"`` /
``"y0"`` (see :func:`reset_start`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from optviz.surfaces import SURFACES, Surface, get_surface, rotated_quadratic
from pages.components.url_state import UrlReader, format_number, format_pair

Pair = tuple[float, float]

CUSTOM = "custom"
QUADRATIC = "rotated_quadratic"
DEFAULT_SURFACE = "rosenbrock"
DEFAULT_EXPRESSION = "sin(x)*y**2 + 0.1*(x**2 + y**2)"
DEFAULT_WINDOW: Pair = (-2.0, 2.0)
DEFAULT_CONDITION = 20.0
CONDITIONS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 10000.0)
WINDOW_LIMIT = 1e4
MAX_FORMULA = 300
SURFACE_NAMES = {
    **{key: surface.name for key, surface in SURFACES.items()},
    QUADRATIC: "Rotated quadratic (condition number κ)",
    CUSTOM: "Custom f(x, y)",
}


@dataclass(frozen=True)
class SurfaceSpec:
    """Which surface: a built-in key, the rotated quadratic's condition number, or a custom formula and window.
    Only the fields that matter for ``key`` differ from their defaults (so equal surfaces compare equal)."""

    key: str = DEFAULT_SURFACE
    condition: float = DEFAULT_CONDITION
    expression: str = ""
    x_range: Pair = DEFAULT_WINDOW
    y_range: Pair = DEFAULT_WINDOW

    @property
    def is_custom(self) -> bool:
        return self.key == CUSTOM

    def query(self) -> dict[str, str | None]:
        """The URL parameters of this surface (None: absent)."""
        return {
            "surface": self.key,
            "condition": format_number(self.condition) if self.key == QUADRATIC else None,
            "f": self.expression if self.is_custom else None,
            "xr": format_pair(self.x_range) if self.is_custom else None,
            "yr": format_pair(self.y_range) if self.is_custom else None,
        }

    def query_items(self) -> list[tuple[str, str]]:
        """:meth:`query` without the absent keys, in order (for ``urlencode``)."""
        return [(name, value) for name, value in self.query().items() if value is not None]


def make_spec(key: str, condition: float, expression: str, x_range: Pair, y_range: Pair) -> SurfaceSpec:
    """A normalised spec: fields that do not matter for ``key`` keep their defaults."""
    if key == CUSTOM:
        return SurfaceSpec(CUSTOM, expression=expression, x_range=_pair(x_range), y_range=_pair(y_range))
    if key == QUADRATIC:
        return SurfaceSpec(QUADRATIC, condition=float(condition))
    return SurfaceSpec(key)


def _pair(values) -> Pair:
    low, high = values
    return float(low), float(high)


# -- building ----------------------------------------------------------------------------------------------
@st.cache_resource(max_entries=32, show_spinner=False)
def custom(expression: str, x_range: Pair, y_range: Pair) -> Surface:
    """The custom surface (compiled once per formula and window); ``ExpressionError`` (a ``ValueError``) saying
    why a formula is refused. sympy is imported here, only when a custom surface is asked for."""
    from optviz.expressions import custom_surface

    return custom_surface(expression, x_range, y_range)


@st.cache_resource(max_entries=16, show_spinner=False)
def quadratic(condition: float) -> Surface:
    """The rotated quadratic with condition number ``condition``."""
    return rotated_quadratic(condition)


def build_surface(spec: SurfaceSpec) -> Surface:
    """The surface of ``spec``; ``ValueError`` (``ExpressionError``) for a refused formula or window."""
    if spec.is_custom:
        return custom(spec.expression, spec.x_range, spec.y_range)
    if spec.key == QUADRATIC:
        return quadratic(spec.condition)
    return get_surface(spec.key)


def default_start(spec: SurfaceSpec) -> Pair:
    """Where runs start by default: the surface's own start; for a custom formula the upper-left part of its window
    (as ``optviz.expressions.custom_surface`` places it, without compiling the formula)."""
    if spec.is_custom:
        (x_low, x_high), (y_low, y_high) = spec.x_range, spec.y_range
        return float(f"{x_low + 0.2 * (x_high - x_low):.4g}"), float(f"{y_low + 0.8 * (y_high - y_low):.4g}")
    start = build_surface(spec).start
    return float(start[0]), float(start[1])


def escape_markdown(text: str) -> str:
    """User text shown literally in st.error / st.warning (``__import__`` would otherwise turn bold)."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+-.!|$~" else c for c in text)


# -- URL -----------------------------------------------------------------------------------------------------
def read_surface(reader: UrlReader, prefix: str) -> SurfaceSpec:
    """Read ``surface``, ``condition``, ``f``, ``xr``, ``yr`` with ``reader`` (unusable values fall back to the
    defaults, noted in ``reader.notes``), seed the picker's widgets under ``prefix`` and return the spec."""
    key = reader.text("surface", DEFAULT_SURFACE, choices=list(SURFACE_NAMES))
    condition, expression, x_range, y_range = DEFAULT_CONDITION, DEFAULT_EXPRESSION, DEFAULT_WINDOW, DEFAULT_WINDOW
    if key == QUADRATIC:
        asked = reader.number("condition", DEFAULT_CONDITION, 1.0, 1e4)
        condition = min(CONDITIONS, key=lambda c: abs(c - asked))
        if asked != condition:
            reader.notes.append(f"Condition number {asked:g} is not offered; using {condition:g}.")
    if key == CUSTOM:
        x_range = reader.pair("xr", DEFAULT_WINDOW, -WINDOW_LIMIT, WINDOW_LIMIT, increasing=True)
        y_range = reader.pair("yr", DEFAULT_WINDOW, -WINDOW_LIMIT, WINDOW_LIMIT, increasing=True)
        raw = reader.text("f", DEFAULT_EXPRESSION)
        problem = formula_problem(make_spec(CUSTOM, condition, raw, x_range, y_range))
        if problem is None:
            expression = raw
        else:
            shown = raw if len(raw) <= 60 else raw[:59] + "…"
            reader.notes.append(
                f"URL parameter `f` ignored (`{shown.replace('`', chr(39))}`): {escape_markdown(problem)}. "
                f"Using `{DEFAULT_EXPRESSION}`."
            )
    state = st.session_state
    state[prefix + "surface"] = key
    state[prefix + "condition"] = condition
    state[prefix + "f"] = expression
    state[prefix + "x_low"], state[prefix + "x_high"] = x_range
    state[prefix + "y_low"], state[prefix + "y_high"] = y_range
    return make_spec(key, condition, expression, x_range, y_range)


def formula_problem(spec: SurfaceSpec) -> str | None:
    """Why the custom formula or window of ``spec`` is refused (None when usable, or not custom)."""
    if not spec.is_custom:
        return None
    try:
        build_surface(spec)
    except ValueError as error:
        return str(error)
    return None


# -- widgets -------------------------------------------------------------------------------------------------
def spec_from_state(prefix: str) -> SurfaceSpec:
    """The spec the picker's widgets hold now (for callbacks and for pages that do not draw the picker)."""
    state = st.session_state
    key = state.get(prefix + "surface", DEFAULT_SURFACE)
    x_range = (state.get(prefix + "x_low", DEFAULT_WINDOW[0]), state.get(prefix + "x_high", DEFAULT_WINDOW[1]))
    y_range = (state.get(prefix + "y_low", DEFAULT_WINDOW[0]), state.get(prefix + "y_high", DEFAULT_WINDOW[1]))
    expression = state.get(prefix + "f", DEFAULT_EXPRESSION)
    return make_spec(key, state.get(prefix + "condition", DEFAULT_CONDITION), expression, x_range, y_range)


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
        "Surface", list(SURFACE_NAMES), key=prefix + "surface", format_func=SURFACE_NAMES.get, on_change=on_change
    )
    if key == QUADRATIC:
        st.select_slider(
            "Condition number κ",
            CONDITIONS,
            key=prefix + "condition",
            format_func=lambda c: f"{c:g}",
            help="Ratio of the largest to the smallest curvature. Large κ: a narrow valley where one learning "
            "rate is too big across it and too small along it.",
        )
    elif key == CUSTOM:
        from optviz.expressions import ALLOWED_TEXT

        st.text_input(
            "f(x, y) =",
            key=prefix + "f",
            max_chars=MAX_FORMULA,
            help=f"A formula in x and y using {ALLOWED_TEXT}. Powers are written **.",
        )
        for axis in ("x", "y"):
            low, high = st.columns(2)
            low.number_input(
                f"{axis} from", -WINDOW_LIMIT, WINDOW_LIMIT, key=f"{prefix}{axis}_low", format="%g", on_change=on_change
            )
            high.number_input(
                f"{axis} to", -WINDOW_LIMIT, WINDOW_LIMIT, key=f"{prefix}{axis}_high", format="%g", on_change=on_change
            )
    spec = spec_from_state(prefix)
    problem = formula_problem(spec)
    if problem is not None:
        st.error(f"Formula not used: {escape_markdown(problem)}.")
    return spec, problem
