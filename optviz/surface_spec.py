"""Which loss surface a page runs on, as data: a built-in key, the rotated quadratic's condition number κ, or a
custom f(x, y) over a view window. One spec, one URL form, one builder and one default start for every page.

URL form (as the surface explorer has always written it): ``surface=rosenbrock``,
``surface=rotated_quadratic&condition=100``, ``surface=custom&f=x**2+3*y**2&xr=-2,2&yr=-1,3``.
A custom formula is worked out by :mod:`optviz.expressions` (a sandboxed worker; the server never runs sympy).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .surfaces import SURFACES, Surface, get_surface, rotated_quadratic, window_start

Pair = tuple[float, float]

CUSTOM = "custom"
QUADRATIC = "rotated_quadratic"
DEFAULT_SURFACE = "rosenbrock"
DEFAULT_EXPRESSION = "sin(x)*y**2 + 0.1*(x**2 + y**2)"
DEFAULT_WINDOW: Pair = (-2.0, 2.0)
DEFAULT_CONDITION = 20.0
CONDITIONS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 10000.0)
WINDOW_LIMIT = 1e4
SURFACE_NAMES = {
    **{key: surface.name for key, surface in SURFACES.items()},
    QUADRATIC: "Rotated quadratic (condition number κ)",
    CUSTOM: "Custom f(x, y)",
}


@dataclass(frozen=True)
class SurfaceSpec:
    """Which surface. Only the fields that matter for ``key`` differ from their defaults (see :func:`make_spec`),
    so equal surfaces compare (and cache) equal."""

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
            "condition": f"{self.condition:.10g}" if self.key == QUADRATIC else None,
            "f": self.expression if self.is_custom else None,
            "xr": _format_pair(self.x_range) if self.is_custom else None,
            "yr": _format_pair(self.y_range) if self.is_custom else None,
        }

    def query_items(self) -> list[tuple[str, str]]:
        """:meth:`query` without the absent keys, in order (for ``urlencode``)."""
        return [(name, value) for name, value in self.query().items() if value is not None]


def make_spec(
    key: str,
    condition: float = DEFAULT_CONDITION,
    expression: str = DEFAULT_EXPRESSION,
    x_range: Pair = DEFAULT_WINDOW,
    y_range: Pair = DEFAULT_WINDOW,
) -> SurfaceSpec:
    """A normalised spec: fields that do not matter for ``key`` keep their defaults; ``ValueError`` for an
    unknown key."""
    if key == CUSTOM:
        return SurfaceSpec(CUSTOM, expression=str(expression), x_range=_pair(x_range), y_range=_pair(y_range))
    if key == QUADRATIC:
        return SurfaceSpec(QUADRATIC, condition=nearest_condition(condition))
    if key not in SURFACES:
        raise ValueError(f"unknown surface {key!r}; choose one of {', '.join(SURFACE_NAMES)}")
    return SurfaceSpec(key)


def nearest_condition(condition: float) -> float:
    """The offered condition number closest to ``condition``."""
    return min(CONDITIONS, key=lambda c: abs(c - float(condition)))


@functools.lru_cache(maxsize=48)
def build_surface(spec: SurfaceSpec) -> Surface:
    """The surface of ``spec``, built once per spec in this process (48 kept). ``ValueError``
    (``ExpressionError``) saying why a custom formula or window is refused."""
    if spec.is_custom:
        from .expressions import custom_surface  # the formula sandbox starts only for custom surfaces

        return custom_surface(spec.expression, spec.x_range, spec.y_range)
    if spec.key == QUADRATIC:
        return rotated_quadratic(spec.condition)
    return get_surface(spec.key)


_warming = threading.Lock()
_warm_started = False
#: What else to prepare for the default custom surface once it is built (name -> work), see :func:`when_warm`.
_WARM_WORK: dict[str, Callable[[Surface], object]] = {}


def when_warm(name: str, work: Callable[[Surface], object]) -> None:
    """Have :func:`warm_custom`'s thread also run ``work(surface)`` on the default custom surface once built: what
    the first pick of "custom" would otherwise compute while the person waits and that depends on the surface
    alone (a page's map image and grid, cached where the page finds them). One ``work`` per ``name``."""
    _WARM_WORK[name] = work


def warm_custom(delay: float = 2.0) -> threading.Thread | None:
    """Build the default custom surface in a background thread, once per process, so that a person's first pick of
    "custom" finds it built: the formula worker starts at once (it imports sympy in its own process, at a lower
    priority than the server's threads), the surface is built ``delay`` seconds from now (after the page's first
    render), then the work registered with :func:`when_warm` runs on it. Returns the thread when this call
    started it (None when an earlier call did). A failure there only means the first pick builds the surface (or
    its views) instead."""
    global _warm_started
    with _warming:
        if _warm_started:
            return None
        _warm_started = True
    thread = threading.Thread(target=_warm, args=(make_spec(CUSTOM), delay), name="optviz-warm-custom", daemon=True)
    thread.start()
    return thread


def _warm(spec: SurfaceSpec, delay: float) -> None:
    began = time.monotonic()
    with contextlib.suppress(Exception):  # no worker here: the build below says so, or works in-process
        from .expressions import start_worker

        start_worker()
    time.sleep(max(0.0, delay - (time.monotonic() - began)))
    _build_quietly(spec)


def _build_quietly(spec: SurfaceSpec) -> None:
    with contextlib.suppress(Exception):  # a warm-up: the page reports any problem when it builds the surface itself
        surface = build_surface(spec)
        for work in list(_WARM_WORK.values()):
            work(surface)


@functools.lru_cache(maxsize=64)
def surface_problem(spec: SurfaceSpec) -> str | None:
    """Why the custom formula or window of ``spec`` is refused (None when usable, or not custom)."""
    if not spec.is_custom:
        return None
    try:
        build_surface(spec)
    except ValueError as error:
        return str(error)
    return None


def default_start(spec: SurfaceSpec) -> Pair:
    """Where runs start by default, without compiling a custom formula: the built-in surface's own start, or the
    upper-left part of a custom window."""
    if spec.is_custom:
        return window_start(spec.x_range, spec.y_range)
    if spec.key == QUADRATIC:
        start = rotated_quadratic(spec.condition).start
    else:
        start = get_surface(spec.key).start
    return float(start[0]), float(start[1])


def _pair(values) -> Pair:
    low, high = values
    return float(low), float(high)


def _format_pair(pair: Pair) -> str:
    return ",".join(f"{float(v):.10g}" for v in pair)
