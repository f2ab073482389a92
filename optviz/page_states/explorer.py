"""The surface explorer's settings: :class:`ExplorerState` and its URL table, bounds and defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lanes import Lane
from ..state import START_LIMIT, Field, Flag, Lanes, Number, PageState, Pair, Surface, lanes_of, surface_start
from ..surface_spec import SurfaceSpec

EXPLORER_MAX_STEPS = 2000
EXPLORER_MAX_ENSEMBLE = 20
EXPLORER_MAX_NOISE = 100.0
TOLERANCES = (1e-8, 1e-6, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
EXPLORER_LANES = lanes_of("adam:lr=0.05", "sgd:lr=0.001,momentum=0.9", "rmsprop:lr=0.01")


def _noisy(state: ExplorerState) -> bool:
    return state.noise > 0


@dataclass(frozen=True)
class ExplorerState(PageState):
    """The surface explorer: ``?surface=rosenbrock&start=-1.2,1&steps=300&o=adam:lr=0.01&o=sgd:lr=0.001,momentum=0.9``
    (+ ``condition`` / ``f``, ``xr``, ``yr`` for the surface; ``noise``, ``seed``, ``ensemble``; ``tol``; ``log``).
    A lane may carry an lr plan: ``o=sgd:lr=0.5,schedule=step,every=100,drop=0.5``, ``o=adam:plateau=0.5``."""

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
        Field("lanes", "o", Lanes(limit=6, allow_native=True, allow_plan=True)),
    )
    DERIVED_DEFAULTS = {"start": surface_start}
