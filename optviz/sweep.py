"""Hyperparameter sweeps: every cell of a 1-D or 2-D grid of Keras arguments run as ONE batch.

A sweep takes a base lane (an optimizer and its fixed arguments), one or two axes (a continuous
Keras argument, a range, linear or log spacing, a count) and a task (a surface, a start point, a
number of steps, optional gradient noise). Each cell's hyperparameters go to the optimizer as
per-run arrays, so a 200 x 200 grid is one call of :func:`optviz.runner.run`. The result holds
one metric value per cell, NaN where the run diverged (flagged) or never reached the tolerance.

Scores are robust (:mod:`optviz.sweep_stability`): the final loss is the mean over the last 10% of the steps,
runs whose end is rising or spiking are flagged ``unstable`` and never chosen as the best, and on a noisy task
each cell runs several noise seeds (:func:`noise_seeds`) and is scored on the mean of their loss curves.

The axis text format ``lr:1e-4:1:log:60`` (argument, low, high, ``log``/``lin``, count) is the one
the sweep page puts in its URL. An axis may also sweep an argument of the base lane's lr plan (``warmup``,
``drop``, ``factor``, ...; see :mod:`optviz.sweep_plans`): the cells' callbacks then get per-run arrays.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .callbacks import Callback
from .lanes import DISPLAY_NAMES, Lane, keras_arguments
from .metrics import nearest_minimum_distance, optimum_value
from .runner import DEFAULT_BOUND, Trajectory, run, walk
from .surfaces import Surface
from .sweep_plans import (
    PLAN_SWEEPABLE,
    check_plan_axis,
    check_plan_corners,
    grid_callbacks,
    is_plan_axis,
    lane_with_plan_values,
    plan_values,
)
from .sweep_stability import EndWindow, EndWindowTracker, end_window

#: Continuous Keras arguments a sweep axis may vary.
SWEEPABLE = ("lr", "momentum", "rho", "epsilon", "decay", "beta_1", "beta_2", "schedule_decay", "clipnorm", "clipvalue")

#: Largest number of values on one axis of a surface sweep (200 x 200 = 40,000 runs).
MAX_AXIS_COUNT = 200

SCALES = ("log", "lin")


@dataclass(frozen=True)
class Metric:
    """How a run is scored, and for which kind of task (``surface`` or ``network``)."""

    key: str
    label: str
    higher_is_better: bool = False
    task: str = "surface"


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("final_loss", "final loss"),  # the mean over the last 10% of the steps (sweep_stability)
        Metric("best_loss", "best loss"),
        Metric("steps_to_tol", "steps to reach the tolerance"),
        Metric("distance", "distance to the nearest minimum"),
        Metric("train_loss", "final training loss", task="network"),  # over the last 10% of the steps too
        Metric("train_accuracy", "final training accuracy", higher_is_better=True, task="network"),
    )
}

DEFAULT_TOLERANCE = 1e-3
#: noise seeds per cell of a noisy surface sweep, and the most runs (cells x seeds) extra seeds may add up to
NOISE_SEEDS = 4
MAX_SEEDED_RUNS = 40_000


def noise_seeds(cells: int, noise: float) -> int:
    """Seeds per cell: 1 without noise, else :data:`NOISE_SEEDS` (fewer when the grid has over 10,000 cells)."""
    if noise <= 0:
        return 1
    return max(1, min(NOISE_SEEDS, MAX_SEEDED_RUNS // max(1, cells)))


@dataclass(frozen=True)
class Axis:
    """One swept argument: ``count`` values from ``low`` to ``high`` (both included), log or linear."""

    argument: str
    low: float
    high: float
    scale: str = "log"
    count: int = 50

    def __post_init__(self) -> None:
        problem = axis_problem(self.argument, self.low, self.high, self.scale, self.count)
        if problem:
            raise ValueError(problem)

    @property
    def log(self) -> bool:
        return self.scale == "log"

    def values(self) -> np.ndarray:
        """The ``(count,)`` grid values, ends exact."""
        if self.count == 1:
            return np.array([float(self.low)])
        if self.log:
            values = np.logspace(math.log10(self.low), math.log10(self.high), self.count)
        else:
            values = np.linspace(self.low, self.high, self.count)
        values[0], values[-1] = self.low, self.high
        return values

    def to_text(self) -> str:
        """The URL form, e.g. ``lr:0.0001:1:log:60``."""
        return f"{self.argument}:{self.low:.6g}:{self.high:.6g}:{self.scale}:{self.count}"

    def capped(self, limit: int) -> Axis:
        """The same axis with at most ``limit`` values."""
        return self if self.count <= limit else Axis(self.argument, self.low, self.high, self.scale, limit)


def axis_problem(argument: str, low: float, high: float, scale: str, count: int) -> str | None:
    """A sentence saying what is wrong with an axis, or None when it is usable."""
    if argument not in SWEEPABLE and argument not in PLAN_SWEEPABLE:
        return (
            f"{argument!r} cannot be swept; choose one of {', '.join(SWEEPABLE)} or an argument of the lane's "
            f"lr plan ({', '.join(PLAN_SWEEPABLE)})"
        )
    if scale not in SCALES:
        return f"spacing must be 'log' or 'lin', got {scale!r}"
    if not (isinstance(count, int | np.integer) and not isinstance(count, bool)) or count < 1:
        return f"{argument}: the number of values must be a whole number >= 1, got {count!r}"
    try:
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        return f"{argument}: the range must be two numbers, got {low!r} and {high!r}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{argument}: the range must be finite numbers, got {low:g} to {high:g}"
    if count > 1 and low >= high:
        return f"{argument}: the minimum must be below the maximum, got {low:g} to {high:g}"
    if scale == "log" and low <= 0:
        return f"{argument}: log spacing needs positive values, got a minimum of {low:g} (use linear spacing)"
    return None


def parse_axis(text: str) -> Axis:
    """Parse ``"lr:1e-4:1:log:60"``; ``ValueError`` saying what is wrong."""
    parts = [p.strip() for p in str(text).split(":")]
    if len(parts) != 5:
        raise ValueError(f"axis {text!r} must read argument:min:max:log|lin:count, e.g. lr:1e-4:1:log:60")
    argument, low, high, scale, count = parts
    try:
        low_value, high_value = float(low), float(high)
    except ValueError:
        raise ValueError(f"axis {text!r}: min and max must be numbers") from None
    try:
        count_value = int(count)
    except ValueError:
        raise ValueError(f"axis {text!r}: the count must be a whole number") from None
    return Axis(argument, low_value, high_value, scale.lower(), count_value)


def check_axis_for(axis: Axis, lane: Lane) -> None:
    """``ValueError`` unless ``lane``'s optimizer (or its lr plan) takes ``axis.argument`` and accepts both ends of
    its range."""
    if is_plan_axis(axis.argument):
        check_plan_axis(axis, lane)
        return
    name = DISPLAY_NAMES[lane.optimizer]
    if axis.argument not in keras_arguments(lane.optimizer):
        takes = [a for a in keras_arguments(lane.optimizer) if a in SWEEPABLE]
        raise ValueError(f"{name} has no argument {axis.argument!r}; it can sweep {', '.join(takes)}")
    for value in (axis.low, axis.high):
        try:
            _with_arguments(lane, {axis.argument: value}).build()
        except ValueError as error:
            raise ValueError(
                f"{name} does not accept {axis.argument} from {axis.low:g} to {axis.high:g}: {error}"
            ) from None


@dataclass(frozen=True)
class Task:
    """A run on a 2-D surface: start point, number of steps, optional seeded gradient noise."""

    surface: Surface
    start: tuple[float, float]
    steps: int
    noise: float = 0.0
    seed: int = 0
    tolerance: float = DEFAULT_TOLERANCE

    def minimum_value(self) -> float:
        """The loss at the best known minimum (0 when the surface lists none): the target of ``steps_to_tol``."""
        value = optimum_value(self.surface)
        return 0.0 if value is None else value


@dataclass(frozen=True)
class SweepResult:
    """A metric per cell. Rows follow the Y axis (one row when there is none), columns the X axis.

    Attributes:
        values: ``(ny, nx)`` metric values; NaN where ``diverged`` or (steps metric) not reached.
        diverged: ``(ny, nx)`` True where the run left the finite world.
        final_loss: ``(ny, nx)`` mean loss over the last 10% of the steps (NaN where diverged); breaks ties.
        history: network sweeps only: ``(steps (E,), training losses (E, ny*nx))`` at each evaluation.
        unstable: ``(ny, nx)`` True where a finite run's end is rising or spiking
            (:meth:`optviz.sweep_stability.EndWindow.unstable`): it keeps its value but is never the best.
        seeds: noise seeds each cell's score averages (1 without noise).
    """

    lane: Lane
    x: Axis
    y: Axis | None
    metric: str
    values: np.ndarray
    diverged: np.ndarray
    final_loss: np.ndarray
    history: tuple[np.ndarray, np.ndarray] | None = None
    unstable: np.ndarray | None = None
    seeds: int = 1

    @property
    def unstable_cells(self) -> np.ndarray:
        """``(ny, nx)`` the unstable flags (all False for a result made without them)."""
        return np.zeros(self.values.shape, dtype=bool) if self.unstable is None else self.unstable

    @property
    def stable_values(self) -> np.ndarray:
        """``(ny, nx)`` the values the best is chosen from: NaN where diverged, not reached or unstable."""
        return np.where(self.unstable_cells, np.nan, self.values)

    @property
    def x_values(self) -> np.ndarray:
        return axis_values(self.lane, self.x)

    @property
    def y_values(self) -> np.ndarray | None:
        return None if self.y is None else axis_values(self.lane, self.y)

    @property
    def not_reached(self) -> np.ndarray:
        """``(ny, nx)`` True where the run stayed finite but the metric has no value (tolerance never reached)."""
        return np.isnan(self.values) & ~self.diverged

    def best_cell(self) -> tuple[int, int] | None:
        """``(row, column)`` of the best stable cell (ties: lower final loss, then first); None if no cell has a
        value or every one with a value is unstable."""
        return best_index(self.stable_values, self.final_loss, METRICS[self.metric].higher_is_better)

    def columns(self) -> dict[str, np.ndarray]:
        """One flat column per quantity, one entry per cell (row-major): for a CSV download or a DataFrame."""
        xs = np.tile(self.x_values, self.values.shape[0])
        table = {self.x.argument: xs}
        if self.y is not None:
            table[self.y.argument] = np.repeat(self.y_values, self.x.count)
        table[self.metric] = self.values.ravel()
        table["diverged"] = self.diverged.ravel()
        table["unstable"] = self.unstable_cells.ravel()
        if self.metric != "final_loss":
            table["final_loss"] = self.final_loss.ravel()
        return table

    def cell_lane(self, row: int, column: int) -> Lane:
        """The lane of one cell: the base lane with that cell's axis values."""
        changes = {self.x.argument: float(self.x_values[column])}
        if self.y is not None:
            changes[self.y.argument] = float(self.y_values[row])
        return _with_arguments(self.lane, changes)


def best_index(values: np.ndarray, tie_break: np.ndarray, higher_is_better: bool = False) -> tuple[int, ...] | None:
    """Index of the best finite value (ties broken by the lower ``tie_break``), None when all are NaN."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(flat)
    if not finite.any():
        return None
    score = np.where(finite, -flat if higher_is_better else flat, np.inf)
    ties = np.where(np.isfinite(tie_break.ravel()), tie_break.ravel(), np.inf)
    order = np.lexsort((np.arange(flat.size), ties, score))
    return tuple(int(i) for i in np.unravel_index(order[0], values.shape))


def axis_values(lane: Lane, axis: Axis) -> np.ndarray:
    """The values the cells of ``axis`` run with: ``axis.values()``, rounded for a plan argument counting epochs."""
    return plan_values(lane, axis.argument, axis.values()) if is_plan_axis(axis.argument) else axis.values()


def _with_arguments(lane: Lane, changes: dict[str, float]) -> Lane:
    plan_changes = {name: value for name, value in changes.items() if is_plan_axis(name)}
    config = {**dict(lane.config), **{k: v for k, v in changes.items() if k not in plan_changes}}
    for key in ("clipnorm", "clipvalue"):
        if key in config and config[key] == 0:
            config[key] = None
    return lane_with_plan_values(Lane.create(lane.optimizer, plan=lane.plan, **config), plan_changes)


def grid_hyperparameters(lane: Lane, x: Axis, y: Axis | None = None, copies: int = 1) -> dict[str, object]:
    """The optimizer's constructor arguments for the grid: per-run ``(ny*nx,)`` arrays for the swept ones.

    Run ``r`` is cell ``(r // nx, r % nx)``; ``copies`` repeats the grid (``(copies*ny*nx,)``, run ``r`` is then
    cell ``r % (ny*nx)``). ``ValueError`` when an axis does not fit the optimizer.
    """
    if getattr(lane, "is_native", False):
        raise ValueError(f"sweeps run optviz's Keras 2.2.4 rules; {lane.label()} is a native framework lane")
    if y is not None and y.argument == x.argument:
        raise ValueError(f"the X and Y axes must sweep different arguments, both are {x.argument}")
    for axis in (x, y):
        if axis is not None:
            check_axis_for(axis, lane)
    check_plan_corners(lane, x, y)
    arguments = {k: v for k, v in lane.config}
    rows = 1 if y is None else y.count
    if not is_plan_axis(x.argument):  # a plan axis goes to the callbacks (grid_callbacks)
        arguments[x.argument] = np.tile(x.values(), rows * copies)
    if y is not None and not is_plan_axis(y.argument):
        arguments[y.argument] = np.tile(np.repeat(y.values(), x.count), copies)
    return arguments


def build_grid_optimizer(lane: Lane, x: Axis, y: Axis | None = None, copies: int = 1):
    """The optimizer running every cell of the grid (``copies`` times over) as one batch."""
    cls, arguments = type(lane.build()), grid_hyperparameters(lane, x, y, copies)
    try:
        return cls(**arguments)
    except ValueError as error:  # should be caught by check_axis_for; keep the message human anyway
        raise ValueError(f"{DISPLAY_NAMES[lane.optimizer]} rejected the grid: {error}") from None


@dataclass(frozen=True)
class RunSummary:
    """What a sweep keeps of each run: enough for every metric, O(R) memory.

    With ``copies`` > 1 the R runs are ``copies`` copies of C cells (run ``r`` is cell ``r % C``; one copy per
    noise seed) and every loss statistic is of each cell's mean loss curve over its copies; else C = R.

    Attributes:
        final_positions: ``(R, D)`` point after the last step (where it stopped, for a diverged run).
        final_losses: ``(C,)`` loss there.
        best_losses: ``(C,)`` lowest finite loss seen (inf when none was finite).
        first_reached: ``(C,)`` first step whose loss was <= the target, else -1.
        diverged_step: ``(C,)`` first step at which a copy diverged (as :class:`optviz.runner.Trajectory`), else -1.
        end: the end of each cell's curve: its tail mean (the score) and stability (:mod:`optviz.sweep_stability`).
        copies: runs per cell.
    """

    final_positions: np.ndarray
    final_losses: np.ndarray
    best_losses: np.ndarray
    first_reached: np.ndarray
    diverged_step: np.ndarray
    end: EndWindow
    copies: int = 1

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_step >= 0

    @property
    def unstable(self) -> np.ndarray:
        """``(C,)`` True where a cell that did not diverge ends rising or spiking."""
        return self.end.unstable() & ~self.diverged

    @classmethod
    def of(cls, trajectory: Trajectory, target: float = -math.inf) -> RunSummary:
        """The summary of a recorded trajectory (what :func:`summarise_runs` computes without recording)."""
        losses = trajectory.losses
        with np.errstate(invalid="ignore"):
            best = np.where(np.isfinite(losses), losses, np.inf).min(axis=0)
            reached = losses <= target
        first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
        end = end_window(np.arange(losses.shape[0]), losses, trajectory.steps)
        return cls(trajectory.positions[-1], losses[-1], best, first, trajectory.diverged_step, end)


def _cell_curve(loss: np.ndarray, copies: int) -> np.ndarray:
    """``(C,)`` each cell's loss: the run's own, or the mean over its ``copies``."""
    return loss if copies == 1 else loss.reshape(copies, -1).mean(axis=0)


def summarise_runs(
    optimizer,
    value_and_grad,
    starts: np.ndarray,
    steps: int,
    *,
    noise_sigma: float = 0.0,
    noise_seed: int | np.ndarray = 0,
    bound: float = DEFAULT_BOUND,
    target: float = -math.inf,
    callbacks: list[Callback] | None = None,
    copies: int = 1,
) -> RunSummary:
    """:func:`optviz.runner.run` without the recording: the same step loop (:func:`optviz.runner.walk`), but
    only a summary per run is kept, so a 200 x 200 grid of 2,000 steps needs megabytes, not gigabytes.
    ``callbacks`` are the runs' lr callbacks (per-run arrays, as :func:`optviz.sweep_plans.grid_callbacks`);
    with ``copies`` the runs are that many copies of each cell (see :class:`RunSummary`)."""
    if not (math.isfinite(noise_sigma) and noise_sigma >= 0):
        raise ValueError(f"noise_sigma must be a number >= 0, got {noise_sigma!r}")
    runs = np.shape(np.atleast_2d(starts))[0]
    if copies < 1 or runs % copies:
        raise ValueError(f"{runs} runs are not {copies} copies of the same cells")
    cells = runs // copies
    end = EndWindowTracker(steps, cells)
    first_reached = np.full(cells, -1, dtype=np.int64)
    for position in walk(
        optimizer,
        value_and_grad,
        starts,
        steps,
        noise_sigma=noise_sigma,
        noise_seed=noise_seed,
        bound=bound,
        callbacks=callbacks,
    ):
        with np.errstate(invalid="ignore"):
            curve = _cell_curve(position.loss, copies)
            end.add(position.k, curve)
            newly_reached = (curve <= target) & (first_reached < 0)
        first_reached[newly_reached] = position.k
    window = end.result()
    marks = position.diverged_step.reshape(copies, cells)
    diverged_step = np.where(marks >= 0, marks, np.iinfo(np.int64).max).min(axis=0)
    diverged_step[diverged_step == np.iinfo(np.int64).max] = -1
    return RunSummary(
        position.point.copy(),
        np.asarray(curve, dtype=np.float64).copy(),
        window.lowest,
        first_reached,
        diverged_step,
        window,
        copies,
    )


def run_task(
    optimizer, task: Task, runs: int, callbacks: list[Callback] | None = None, copies: int = 1
) -> RunSummary:
    """Run ``runs`` copies of the task's start point (same noise in every cell, so cells compare fairly); with
    ``copies`` (seeds) > 1 the optimizer holds ``copies`` blocks of ``runs // copies`` cells, block ``s`` drawing
    the noise of seed ``task.seed + s``."""
    starts = np.broadcast_to(np.asarray(task.start, dtype=np.float64), (runs, 2))
    seeds = task.seed + np.repeat(np.arange(copies), runs // copies) if copies > 1 else task.seed
    return summarise_runs(
        optimizer,
        task.surface.value_and_grad,
        starts,
        task.steps,
        noise_sigma=task.noise,
        noise_seed=seeds,
        target=task.minimum_value() + task.tolerance,
        callbacks=callbacks,
        copies=copies,
    )


def score(summary: RunSummary, task: Task, metric: str) -> np.ndarray:
    """``(C,)`` metric per cell; NaN where the run diverged or the tolerance was never reached. The final loss is
    the mean over the last 10% of the steps (:func:`optviz.sweep_stability.window_length`)."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    if metric == "final_loss":
        values = summary.end.tail_mean.astype(np.float64, copy=True)
    elif metric == "best_loss":
        values = np.where(np.isfinite(summary.best_losses), summary.best_losses, np.nan)
    elif metric == "steps_to_tol":
        values = np.where(summary.first_reached >= 0, summary.first_reached, np.nan).astype(np.float64)
    else:
        if not task.surface.minima:
            raise ValueError(f"{task.surface.name} lists no known minimum, so the distance metric is not available")
        distances = nearest_minimum_distance(summary.final_positions, task.surface.minima)
        values = distances.reshape(summary.copies, -1).mean(axis=0)
    values[summary.diverged] = np.nan
    return values


def run_sweep(
    lane: Lane, x: Axis, y: Axis | None, task: Task | NetworkTask, metric: str, progress: Progress | None = None
) -> SweepResult:
    """Run every cell of the grid as one batch and score it (``progress(fraction)`` for network tasks)."""
    if isinstance(task, NetworkTask):
        return run_network_sweep(lane, x, y, task, metric, progress)
    if METRICS.get(metric, METRICS["final_loss"]).task != "surface":
        raise ValueError(f"{METRICS[metric].label} is a network metric; a surface sweep scores {_names('surface')}")
    rows = 1 if y is None else y.count
    seeds = noise_seeds(rows * x.count, task.noise)
    optimizer = build_grid_optimizer(lane, x, y, seeds)
    summary = run_task(optimizer, task, seeds * rows * x.count, grid_callbacks(lane, x, y, seeds), seeds)
    values = score(summary, task, metric).reshape(rows, x.count)
    diverged = summary.diverged.reshape(rows, x.count)
    final_loss = np.where(summary.diverged, np.nan, summary.end.tail_mean).reshape(rows, x.count)
    unstable = summary.unstable.reshape(rows, x.count) & np.isfinite(values)  # a cell without a value is not
    return SweepResult(lane, x, y, metric, values, diverged, final_loss, unstable=unstable, seeds=seeds)


def replay(lane: Lane, task: Task) -> Trajectory:
    """One recorded run of ``lane`` on the task (the path a clicked cell stands for)."""
    return run(
        lane.build(),
        task.surface.value_and_grad,
        [task.start],
        task.steps,
        noise_sigma=task.noise,
        noise_seed=task.seed,
        callbacks=lane.callbacks(),
    )


@dataclass(frozen=True)
class TunedOptimizer:
    """One optimizer's 1-D sweep and its best setting (None everywhere when every setting diverged)."""

    curve: SweepResult
    best_setting: float | None
    best_score: float | None
    best_lane: Lane | None


def tune(
    lanes: Sequence[Lane], axis: Axis, task: Task | NetworkTask, metric: str, progress: Progress | None = None
) -> list[TunedOptimizer]:
    """For each lane, sweep ``axis`` (one batch per lane) and keep the best setting by ``metric``."""
    tuned = []
    for index, lane in enumerate(lanes):  # a handful of optimizer classes; each one's grid is one batch
        share = None if progress is None else (lambda f, i=index: progress((i + f) / len(lanes)))
        curve = run_sweep(lane, axis, None, task, metric, share)
        best = curve.best_cell()
        if best is None:
            tuned.append(TunedOptimizer(curve, None, None, None))
            continue
        setting, value = float(curve.x_values[best[1]]), float(curve.values[best])
        tuned.append(TunedOptimizer(curve, setting, value, curve.cell_lane(*best)))
    return tuned


def tune_learning_rate(
    lanes: Sequence[Lane], lr_axis: Axis, task: Task | NetworkTask, metric: str, progress: Progress | None = None
) -> list[TunedOptimizer]:
    """The fair comparison: each optimizer at its own best lr on ``lr_axis`` (other arguments as in its lane)."""
    if lr_axis.argument != "lr":
        raise ValueError(f"the fair comparison sweeps lr, not {lr_axis.argument}")
    return tune(lanes, lr_axis, task, metric, progress)


# -- network task -------------------------------------------------------------------------------------------
#: Datasets of the training page a network sweep offers, and its grid limit (each cell trains a network).
NETWORK_DATASETS = ("moons", "circles", "xor")
MAX_NETWORK_AXIS_COUNT = 12

Progress = Callable[[float], None]


@dataclass(frozen=True)
class NetworkTask:
    """Train the training page's small MLP on a planar dataset; every cell from the same weights and batches."""

    dataset: str = "moons"
    steps: int = 300
    hidden: tuple[int, ...] = (16, 16)
    activation: str = "tanh"
    batch_size: int = 32
    samples: int = 400
    noise: float = 0.2
    seed: int = 0


def network_task_available() -> bool:
    """True when the training modules (optviz.datasets, optviz.mlp, optviz.training) are installed."""
    return all(importlib.util.find_spec(f"optviz.{name}") is not None for name in ("datasets", "mlp", "training"))


def run_network_sweep(
    lane: Lane, x: Axis, y: Axis | None, task: NetworkTask, metric: str, progress: Progress | None = None
) -> SweepResult:
    """Train one network per cell, all cells batched on the runs axis by optviz.training (one optimizer
    object with per-cell hyperparameters); report the final training loss or accuracy per cell."""
    from . import mlp
    from .datasets import DatasetSpec, make_dataset
    from .training import TrainingSession

    if METRICS.get(metric, METRICS["final_loss"]).task != "network":
        raise ValueError(f"a network sweep scores {_names('network')}, not {metric!r}")
    if task.dataset not in NETWORK_DATASETS:
        raise ValueError(f"unknown dataset {task.dataset!r}; choose one of {', '.join(NETWORK_DATASETS)}")
    for axis in (x, y):
        if axis is not None and axis.count > MAX_NETWORK_AXIS_COUNT:
            raise ValueError(
                f"a network sweep takes at most {MAX_NETWORK_AXIS_COUNT} values per axis, got {axis.count}"
            )
    grid_hyperparameters(lane, x, y)  # checks the axes against the optimizer
    rows = 1 if y is None else y.count
    probe = SweepResult(lane, x, y, metric, np.empty((rows, x.count)), np.empty((rows, x.count)), np.empty(0))
    cells = [probe.cell_lane(r, c) for r in range(rows) for c in range(x.count)]  # setup only: <= 144 lanes
    dataset = make_dataset(DatasetSpec(task.dataset, task.samples, task.noise, task.seed))
    network = mlp.Network(dataset.inputs, tuple(task.hidden), dataset.classes, task.activation)
    session = TrainingSession(dataset, network, cells, task.batch_size, task.seed)
    done, chunk = 0, max(1, task.steps // 20)
    while done < task.steps:
        session.advance(min(chunk, task.steps - done))
        done = session.step
        if progress is not None:
            progress(done / task.steps)
    diverged = np.array([step is not None for step in session.diverged_steps()])
    history = session.history()
    steps = np.unique(history["step"])
    curves = {}
    for name in dict.fromkeys(("train_loss", metric)):  # (E, cells) at every evaluation
        curves[name] = np.full((steps.size, len(cells)), np.nan)
        curves[name][np.searchsorted(steps, history["step"]), history["lane"]] = history[name]
    losses = end_window(steps, curves["train_loss"], task.steps)
    tail = end_window(steps, curves[metric], task.steps).tail_mean if metric != "train_loss" else losses.tail_mean
    values = np.where(diverged, np.nan, tail).reshape(rows, x.count)
    final_loss = np.where(diverged, np.nan, losses.tail_mean).reshape(rows, x.count)
    unstable = (losses.unstable() & ~diverged).reshape(rows, x.count) & np.isfinite(values)
    history_pair = (steps, curves["train_loss"])
    return SweepResult(
        lane, x, y, metric, values, diverged.reshape(rows, x.count), final_loss, history_pair, unstable=unstable
    )


def _names(task: str) -> str:
    return ", ".join(key for key, metric in METRICS.items() if metric.task == task)
