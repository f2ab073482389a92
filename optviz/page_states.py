"""Every page's settings as one :class:`~optviz.state.PageState`: its fields, URL keys, bounds and defaults in one
table each, so a link round-trips without running the page (``from_query(to_query(s)) == s``). UI-free."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .lanes import Lane, parse_lane
from .state import Field, Flag, Lanes, Number, PageState, Pair, Surface
from .surface_spec import SurfaceSpec, default_start

START_LIMIT = 1e4


def _lanes(*texts: str) -> tuple[Lane, ...]:
    return tuple(parse_lane(text, allow_native=True) for text in texts)


def _surface_start(values: Any) -> tuple[float, float]:
    """The default start: the chosen surface's own."""
    return default_start(values.get("surface", SurfaceSpec()))


# -- surface explorer ---------------------------------------------------------------------------------------------
EXPLORER_MAX_STEPS = 2000
EXPLORER_MAX_ENSEMBLE = 20
EXPLORER_MAX_NOISE = 100.0
TOLERANCES = (1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
EXPLORER_LANES = _lanes("adam:lr=0.05", "sgd:lr=0.001,momentum=0.9", "rmsprop:lr=0.01")


def _noisy(state: ExplorerState) -> bool:
    return state.noise > 0


@dataclass(frozen=True)
class ExplorerState(PageState):
    """The surface explorer: ``?surface=rosenbrock&start=-1.2,1&steps=300&o=adam:lr=0.01&o=sgd:lr=0.001,momentum=0.9``
    (+ ``condition`` / ``f``, ``xr``, ``yr`` for the surface; ``noise``, ``seed``, ``ensemble``; ``tol``; ``log``)."""

    surface: SurfaceSpec = field(default_factory=SurfaceSpec)
    start: tuple[float, float] = (-1.2, 1.0)
    steps: int = 300
    noise: float = 0.0
    seed: int = 0
    ensemble: int = 1
    tol: float = 1e-4
    log: bool = False
    lanes: tuple[Lane, ...] = EXPLORER_LANES

    FIELDS = (
        Field("surface", "surface", Surface()),
        Field("start", "start", Pair(-START_LIMIT, START_LIMIT)),
        Field("steps", "steps", Number(1, EXPLORER_MAX_STEPS, integer=True)),
        Field("noise", "noise", Number(0.0, EXPLORER_MAX_NOISE), written=_noisy),
        Field("seed", "seed", Number(0, 2**31 - 1, integer=True), written=_noisy),
        Field("ensemble", "ensemble", Number(1, EXPLORER_MAX_ENSEMBLE, integer=True), written=_noisy),
        Field("tol", "tol", Number(1e-12, 10.0, choices=TOLERANCES), omit_default=True),
        Field("log", "log", Flag(), written=lambda state: state.log),
        Field("lanes", "o", Lanes(limit=6, allow_native=True)),
    )
    DERIVED_DEFAULTS = {"start": _surface_start}
