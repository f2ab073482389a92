"""The sweep page's settings: :class:`SweepState`, its URL table, the axis and hidden-layer codecs and the checks
that tie fields together (the metric follows the task, an axis fits the optimizer and the grid limit).

``?mode=map&surface=rosenbrock&start=-1.2,1&steps=300&o=sgd:nesterov=1&x=lr:1e-4:1:log:60&y=momentum:0:0.99:lin:50
&metric=final_loss`` (``o`` repeats in the curves and fair modes; older links wrote ``opt``, still read);
``task=network&dataset=moons&batch=32&hidden=16,16`` trains a small network per cell. An X axis without a Y axis
is a 1-D sweep. UI-free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..lanes import Lane, keras_arguments
from ..state import (
    Choice,
    Codec,
    Field,
    Lanes,
    Number,
    PageState,
    Pair,
    Surface,
    lanes_of,
    query_lists,
    short,
    surface_start,
)
from ..surface_spec import SurfaceSpec
from ..sweep import (
    DEFAULT_TOLERANCE,
    MAX_AXIS_COUNT,
    MAX_NETWORK_AXIS_COUNT,
    METRICS,
    NETWORK_DATASETS,
    SWEEPABLE,
    Axis,
    NetworkTask,
    check_axis_for,
    network_task_available,
    parse_axis,
)
from ..sweep_plans import check_plan_corners, plan_axes

MODES = ("map", "curves", "tune")
TASKS = ("surface", "network")
SWEEP_MAX_STEPS = 2000
SWEEP_START_LIMIT = 1e3
MAX_BATCH = 1024
MAX_UNITS = 64
MAX_LAYERS = 3
DEFAULT_COMPARE = lanes_of("sgd:momentum=0.9", "rmsprop", "adam", "nadam")
DEFAULT_LANE = lanes_of("sgd")
#: argument -> (low, high, spacing) an axis editor starts from.
DEFAULT_RANGES = {
    "lr": (1e-4, 10.0, "log"),  # see LR_RANGES: the default grids of the lr
    "momentum": (0.0, 0.99, "lin"),
    "rho": (0.0, 0.99, "lin"),
    "epsilon": (1e-10, 1.0, "log"),
    "decay": (0.0, 1.0, "lin"),
    "beta_1": (0.0, 0.99, "lin"),
    "beta_2": (0.9, 0.9999, "lin"),
    "schedule_decay": (0.0, 0.1, "lin"),
    "clipnorm": (0.01, 100.0, "log"),
    "clipvalue": (0.01, 100.0, "log"),
    # the arguments of a lane's lr plan (schedules, plateau rule); epochs are counted for 300 steps
    "every": (10.0, 150.0, "lin"),
    "drop": (0.1, 1.0, "lin"),
    "gamma": (0.98, 1.0, "lin"),
    "rate": (0.001, 1.0, "log"),
    "total": (100.0, 2000.0, "lin"),
    "warmup": (0.0, 90.0, "lin"),
    "start_factor": (0.01, 1.0, "log"),
    "min_lr": (0.0, 0.001, "lin"),
    "pct_start": (0.1, 0.9, "lin"),
    "div_factor": (1.0, 100.0, "log"),
    "final_div_factor": (1.0, 1e4, "log"),
    "max_lr": (0.001, 1.0, "log"),
    "up": (5.0, 150.0, "lin"),
    "down": (5.0, 150.0, "lin"),
    "factor": (0.1, 0.9, "lin"),
    "patience": (1.0, 50.0, "lin"),
    "cooldown": (0.0, 20.0, "lin"),
    "min_delta": (0.0, 0.01, "lin"),
}
#: The lr range of an optimizer's default grid (others: DEFAULT_LR_RANGE), the same in every mode: SGD's step
#: scales with the gradient (it blows up on Rosenbrock above lr ~ 0.006), Adadelta's lr multiplies a step of ~1.
LR_RANGES = {"sgd": (1e-4, 1.0), "adadelta": (1e-2, 100.0)}
DEFAULT_LR_RANGE = (1e-4, 10.0)
LR_VALUES_PER_DECADE = 10


def default_lr_axis(optimizers: Iterable[str] = ()) -> Axis:
    """The default lr grid of these optimizers, in every mode: the union of their ranges, 10 values a decade
    (``lr:1e-4:10:log:51`` for the default comparison, ``lr:1e-4:1:log:41`` for SGD)."""
    ranges = [LR_RANGES.get(name, DEFAULT_LR_RANGE) for name in optimizers] or [DEFAULT_LR_RANGE]
    low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
    return Axis("lr", low, high, "log", round(LR_VALUES_PER_DECADE * math.log10(high / low)) + 1)


def default_axis(argument: str, count: int | None = None) -> Axis:
    """The axis an editor shows for ``argument`` before anything is typed (see :data:`DEFAULT_RANGES`; the lr
    the grid of :func:`default_lr_axis`); ``count`` values (40 unless given; the lr 10 a decade)."""
    if argument == "lr" and count is None:
        return default_lr_axis()
    low, high, scale = DEFAULT_RANGES[argument]
    return Axis(argument, low, high, scale, 40 if count is None else count)


def sweepable(optimizer: str, lane: Lane | None = None) -> list[str]:
    """The Keras arguments of ``optimizer`` an axis may sweep, in Keras' order, then those of ``lane``'s lr plan."""
    return [a for a in keras_arguments(optimizer) if a in SWEEPABLE] + ([] if lane is None else plan_axes(lane))


def metric_keys(task: str) -> list[str]:
    """The metrics that score a ``task`` ("surface" or "network"), the default first."""
    return [key for key, metric in METRICS.items() if metric.task == task]


@dataclass(frozen=True)
class AxisCodec(Codec):
    """A sweep axis written ``lr:1e-4:1:log:60``; with ``optional``, ``none`` is no axis (a 1-D sweep).

    Any count is read (a grid limit depends on the task; :meth:`SweepState.checked` caps it with a note)."""

    optional: bool = False

    def decode(self, raw: list[str]) -> Axis | None:
        if self.optional and raw[-1].strip().lower() == "none":
            return None
        return parse_axis(raw[-1])

    def encode(self, value: Any) -> list[str]:
        return [] if value is None else [value.to_text()]


@dataclass(frozen=True)
class Hidden(Codec):
    """Hidden layers written ``16,16``: 1 to ``layers`` equal widths of 1 to ``units`` (the page's widgets)."""

    units: int = MAX_UNITS
    layers: int = MAX_LAYERS

    def decode(self, raw: list[str]) -> tuple[int, ...]:
        why = f"expected 1 to {self.layers} equal widths of 1 to {self.units}, e.g. 16,16"
        try:
            widths = tuple(int(v) for v in raw[-1].split(","))
        except ValueError:
            raise ValueError(why) from None
        if not (1 <= len(widths) <= self.layers and len(set(widths)) == 1 and 1 <= widths[0] <= self.units):
            raise ValueError(why)
        return widths

    def encode(self, value: Any) -> list[str]:
        return [",".join(str(int(v)) for v in value)]


def _network(state: SweepState) -> bool:
    return state.task == "network"


def _surface(state: SweepState) -> bool:
    return state.task == "surface"


def _default_lanes(values: dict[str, Any]) -> tuple[Lane, ...]:
    return DEFAULT_LANE if values.get("mode", "map") == "map" else DEFAULT_COMPARE


def _limit(values: dict[str, Any]) -> int:
    return MAX_NETWORK_AXIS_COUNT if values.get("task") == "network" else MAX_AXIS_COUNT


def lanes_lr_axis(lanes: Iterable[Lane]) -> Axis:
    """The default lr grid of these lanes' optimizers (:func:`default_lr_axis`)."""
    return default_lr_axis(lane.optimizer for lane in lanes)


#: the default grids of the default lanes: the map's SGD, and the comparison's four optimizers (curves and fair)
MAP_X = lanes_lr_axis(DEFAULT_LANE)
CURVE_X = TUNE_X = lanes_lr_axis(DEFAULT_COMPARE)


def _default_x(values: dict[str, Any]) -> Axis:
    """The lr grid of the swept lanes, the same in every mode (the map sweeps its first lane only)."""
    lanes = values.get("lanes") or _default_lanes(values)
    swept = lanes[:1] if values.get("mode", "map") == "map" else lanes
    return lanes_lr_axis(swept).capped(_limit(values))


def _default_y(values: dict[str, Any]) -> Axis | None:
    """The base lane's second sweepable argument (SGD: momentum, Adam: beta_1), None if it has one only."""
    lanes = values.get("lanes") or DEFAULT_LANE
    arguments = [a for a in sweepable(lanes[0].optimizer) if a != values.get("x", MAP_X).argument]
    if values.get("mode", "map") != "map" or not arguments:
        return None
    argument = "momentum" if "momentum" in arguments else arguments[0]
    return default_axis(argument, 50).capped(_limit(values))


@dataclass(frozen=True)
class SweepState(PageState):
    """Everything a sweep depends on; ``lanes[0]`` is the map's optimizer, all lanes are compared otherwise."""

    mode: str = "map"
    task: str = "surface"
    dataset: str = "moons"
    batch: int = 32
    hidden: tuple[int, ...] = (16, 16)
    surface: SurfaceSpec = field(default_factory=SurfaceSpec)
    start: tuple[float, float] = (-1.2, 1.0)
    steps: int = 300
    noise: float = 0.0
    metric: str = "final_loss"
    tol: float = DEFAULT_TOLERANCE
    lanes: tuple[Lane, ...] = DEFAULT_LANE
    x: Axis = MAP_X
    y: Axis | None = field(default_factory=lambda: default_axis("momentum", 50))

    FIELDS = (
        Field("mode", "mode", Choice(MODES)),
        Field("task", "task", Choice(TASKS), omit_default=True),
        Field("dataset", "dataset", Choice(NETWORK_DATASETS), written=_network),
        Field("batch", "batch", Number(1, MAX_BATCH, integer=True), written=_network),
        Field("hidden", "hidden", Hidden(), written=_network),
        Field("surface", "surface", Surface(), written=_surface),
        Field("start", "start", Pair(-SWEEP_START_LIMIT, SWEEP_START_LIMIT), written=_surface),
        Field("steps", "steps", Number(1, SWEEP_MAX_STEPS, integer=True)),
        Field("noise", "noise", Number(0.0, 100.0), written=lambda s: _surface(s) and s.noise > 0),
        Field("metric", "metric", Choice(tuple(METRICS))),
        Field("tol", "tol", Number(1e-12, 1e6), written=lambda s: s.metric == "steps_to_tol"),
        Field("lanes", "o", Lanes(limit=6, allow_plan=True), aliases=("opt",)),
        Field("x", "x", AxisCodec()),
        Field("y", "y", AxisCodec(optional=True)),
    )
    DERIVED_DEFAULTS = {
        "start": surface_start,
        "metric": lambda values: metric_keys(values.get("task", "surface"))[0],
        "lanes": _default_lanes,
        "x": _default_x,
        "y": _default_y,
    }

    @classmethod
    def from_query(cls, params: Any) -> tuple[SweepState, list[str]]:
        """As :meth:`PageState.from_query`; an X axis without a Y axis is a 1-D sweep (no Y axis)."""
        params = query_lists(params)
        if params.get("x") and not params.get("y"):
            params["y"] = ["none"]
        return super().from_query(params)

    @property
    def axis_limit(self) -> int:
        """Most values per axis: every cell of a network sweep trains a network."""
        return MAX_NETWORK_AXIS_COUNT if self.task == "network" else MAX_AXIS_COUNT

    def checked(self, notes: list[str]) -> SweepState:
        """The task is available, the metric scores the task, the axes fit the grid limit and the optimizer."""
        state = self
        if state.task == "network" and not network_task_available():
            notes.append("The network task needs the training modules, which are not installed; showing a surface.")
            state = state.replace(task="surface")
        valid = metric_keys(state.task)
        if state.metric not in valid:
            notes.append(
                f"URL parameter `metric={state.metric}` ignored: a {state.task} sweep scores {', '.join(valid)}. "
                f"Using {valid[0]}."
            )
            state = state.replace(metric=valid[0])
        for name in ("x", "y"):
            axis = getattr(state, name)
            if axis is not None and axis.count > state.axis_limit:
                notes.append(
                    f"URL parameter `{name}`: {axis.count} values is over the limit of {state.axis_limit}; "
                    f"capped to {state.axis_limit}."
                )
                state = state.replace(**{name: axis.capped(state.axis_limit)})
        if state.mode == "tune" and state.x.argument != "lr":
            notes.append(f"URL parameter `x={state.x.to_text()}` ignored: the fair comparison sweeps lr.")
            state = state.replace(x=lanes_lr_axis(state.lanes).capped(state.axis_limit))
        return state._axes_fit_the_optimizer(notes) if state.mode == "map" else state

    def _axes_fit_the_optimizer(self, notes: list[str]) -> SweepState:
        state, lane = self, self.lanes[0]
        for name in ("x", "y"):
            axis = getattr(state, name)
            if axis is None:
                continue
            try:
                check_axis_for(axis, lane)
                if name == "y" and axis.argument == state.x.argument:
                    raise ValueError(f"the X and Y axes must sweep different arguments, both are {axis.argument}")
                if name == "y":
                    check_plan_corners(lane, state.x, axis)
            except ValueError as error:
                notes.append(f"URL parameter `{name}={short(axis.to_text())}` ignored: {error}.")
                state = state.replace(**{name: lanes_lr_axis([lane]).capped(state.axis_limit) if name == "x" else None})
        return state

    @property
    def swept_lanes(self) -> tuple[Lane, ...]:
        """The lanes the sweep runs: the base lane of the map, every lane of the other modes."""
        return self.lanes[:1] if self.mode == "map" else self.lanes

    @property
    def is_map(self) -> bool:
        """A 2-D map (a map with a Y axis); a map without one draws curves like the other modes."""
        return self.mode == "map" and self.y is not None

    def network_task(self) -> NetworkTask:
        """The network each cell trains (the network task's settings; the surface fields are not used)."""
        return NetworkTask(self.dataset, self.steps, tuple(self.hidden), "tanh", self.batch)

    def editor_axes(self) -> dict[str, Axis | None]:
        """The axis each editor starts from: ``x`` / ``y`` (map), ``curve`` (curves), ``lr`` (fair comparison)."""
        compared = lanes_lr_axis(self.lanes if self.mode != "map" else DEFAULT_COMPARE)
        axes = {
            "x": self.x if self.mode == "map" else lanes_lr_axis(self.lanes[:1]),
            "y": self.y if self.mode == "map" else default_axis("momentum", 50),
            "curve": self.x if self.mode == "curves" else compared,
            "lr": self.x if self.mode == "tune" else compared,
        }
        return {name: None if axis is None else axis.capped(self.axis_limit) for name, axis in axes.items()}

    def editor_widget_values(self) -> dict[str, Any]:
        """The axis editors' and the comparison's widget values (key suffixes) that show this state."""
        values: dict[str, Any] = {}
        for name, axis in self.editor_axes().items():
            values[f"{name}.argument"] = "(none)" if axis is None else axis.argument
            if axis is not None:
                values.update(axis_widget_values(f"{name}.{axis.argument}", axis))
        compared = self.lanes if self.mode != "map" else DEFAULT_COMPARE
        values["optimizers"] = list(dict.fromkeys(lane.optimizer for lane in compared))
        for lane in reversed(compared):  # the first lane of an optimizer wins
            values[f"fixed.{lane.optimizer}"] = lane.to_text().partition(":")[2]
        return values


def axis_widget_values(prefix: str, axis: Axis) -> dict[str, Any]:
    """An axis editor's widget values (suffixes ``prefix.min``, ``.max``, ``.scale``, ``.count``)."""
    return {
        f"{prefix}.min": float(axis.low),
        f"{prefix}.max": float(axis.high),
        f"{prefix}.scale": axis.scale,
        f"{prefix}.count": int(axis.count),
    }
