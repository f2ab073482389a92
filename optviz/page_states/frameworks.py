"""The framework comparison's settings: :class:`FrameworksState` and its URL table, bounds and defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lanes import Lane
from ..state import Choice, Field, Flag, Lanes, Number, PageState, Pair, Surface, lanes_of, surface_start
from ..surface_spec import SurfaceSpec

FRAMEWORKS_MAX_STEPS = 600
FRAMEWORKS_START_LIMIT = 1000.0
TF_FLAVOURS = ("current", "legacy")


@dataclass(frozen=True)
class FrameworksState(PageState):
    """The framework comparison: ``?o=adam:lr=0.05,epsilon=0.1&surface=rosenbrock&start=-1.2,1&steps=200&tf=current
    &defaults=0`` (any surface the picker offers: ``condition`` / ``f``, ``xr``, ``yr`` as on the other pages)."""

    lane: tuple[Lane, ...] = lanes_of("adam:lr=0.05,epsilon=0.1")
    surface: SurfaceSpec = field(default_factory=SurfaceSpec)
    start: tuple[float, float] = (-1.2, 1.0)
    steps: int = 200
    tf: str = "current"
    defaults: bool = False

    FIELDS = (
        Field("lane", "o", Lanes(limit=1)),
        Field("surface", "surface", Surface()),
        Field("start", "start", Pair(-FRAMEWORKS_START_LIMIT, FRAMEWORKS_START_LIMIT)),
        Field("steps", "steps", Number(1, FRAMEWORKS_MAX_STEPS, integer=True)),
        Field("tf", "tf", Choice(TF_FLAVOURS)),
        Field("defaults", "defaults", Flag()),
    )
    DERIVED_DEFAULTS = {"start": surface_start}
