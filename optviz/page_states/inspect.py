"""The step inspector's settings: :class:`InspectState` and its URL table, bounds and defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lanes import Lane
from ..state import Choice, Field, Lanes, Number, PageState, Pair, Surface, lanes_of, surface_start
from ..surface_spec import SurfaceSpec

INSPECT_MAX_STEPS = 500
INSPECT_START_LIMIT = 1000.0
VIEWS = ("original", "fork")


@dataclass(frozen=True)
class InspectRun:
    """What the recorded run depends on (a cache key: stepping or forking does not re-run it)."""

    surface: SurfaceSpec
    start: tuple[float, float]
    steps: int
    lane: Lane


def _forked(state: InspectState) -> bool:
    return bool(state.fork)


@dataclass(frozen=True)
class InspectState(PageState):
    """The step inspector: ``?surface=rosenbrock&start=-1.2,1&steps=100&o=adam:lr=0.05&step=12`` plus, for a fork,
    ``&fork=adam:lr=0.01&fork_step=12`` (continued from the state after ``fork_step`` updates) and ``&view=fork``
    to step through the fork."""

    surface: SurfaceSpec = field(default_factory=SurfaceSpec)
    start: tuple[float, float] = (-1.2, 1.0)
    steps: int = 100
    lane: tuple[Lane, ...] = lanes_of("adam:lr=0.05")
    step: int = 1
    fork: tuple[Lane, ...] = ()
    fork_step: int = 1
    view: str = "original"

    FIELDS = (
        Field("surface", "surface", Surface()),
        Field("start", "start", Pair(-INSPECT_START_LIMIT, INSPECT_START_LIMIT)),
        Field("steps", "steps", Number(1, INSPECT_MAX_STEPS, integer=True)),
        Field("lane", "o", Lanes(limit=1, allow_plan=True)),
        Field("step", "step", Number(1, INSPECT_MAX_STEPS, integer=True)),
        Field("fork", "fork", Lanes(limit=1, allow_plan=True), written=_forked),
        Field("fork_step", "fork_step", Number(0, INSPECT_MAX_STEPS, integer=True), written=_forked),
        Field("view", "view", Choice(VIEWS), written=lambda state: bool(state.fork) and state.view == "fork"),
    )
    DERIVED_DEFAULTS = {"start": surface_start, "fork_step": lambda values: values.get("step", 1)}

    def run(self) -> InspectRun:
        """The recorded run's settings."""
        return InspectRun(self.surface, self.start, self.steps, self.lane[0])

    def checked(self, notes: list[str]) -> InspectState:
        """The shown step and the fork step lie within the recorded steps."""
        state = self
        if state.step > state.steps:
            notes.append(f"URL parameter `step={state.step}` is past the {state.steps} recorded steps. Using 1.")
            state = state.replace(step=1)
        if state.fork_step > state.steps:
            if state.fork:
                notes.append(
                    f"URL parameter `fork_step={state.fork_step}` is past the recorded steps. Using {state.step}."
                )
            state = state.replace(fork_step=state.step)
        if not state.fork and state.view != "original":
            state = state.replace(view="original")
        return state
