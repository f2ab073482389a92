"""Step-by-step inspection of one optimizer on a 2-D surface: every number the update rule uses.

``inspect_run`` runs one lane for T steps and records, for each step k (the k-th update, from
``θ_{k-1}`` to ``θ_k``; θ is the parameter, the point on the map, whose coordinates are x and y), the raw
and clipped gradient, the update, the state the core keeps (moments, accumulators, Nadam's momentum schedule)
before and after the step, and the scalars Keras derives from the counter (decayed lr, bias corrections,
``mu_t``). Everything is read from the core's state records and public helpers (``decayed_lr``,
``bias_correction``, ``bias_corrected_lr``, ``momentum_cache``, ``clip_gradients``); the steps are the runner's
own loop (``runner.walk``, with its divergence rule), keeping every state. Only the intermediates Keras never
stores are derived here, for display: Adadelta's lr-free update (from the core's step), Nadam's g', m', v' and
m-bar, and each optimizer's per-coordinate multiplier. The formula templates (``optviz.inspection_formulas``)
show the numbers as Keras 2.2.4 combines them; the tests check that this arithmetic lands on the core's next
position.

``fork`` continues a recorded run from step k with other hyperparameters, adopting its state.

A lane with an lr plan (``Lane.plan``) runs its Keras callbacks as :func:`optviz.runner.walk` does (step t is
epoch t - 1: the lr variable is set before the update, the plateau rule reads the loss at θ_{t-1} after it);
then every step also records ``lr`` (the lr variable of the step) and ``epoch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from .explain import OPTIMIZER_QUANTITY_HELP, QUANTITY_HELP
from .lanes import Lane
from .optimizers import Optimizer, clip_gradients
from .optimizers.nadam import SCHEDULE_BASE
from .runner import walk

#: ``value_and_grad(points (R, 2)) -> (values (R,), grads (R, 2))``
ValueAndGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

#: The state slots each optimizer keeps, as ``quantity name -> state field`` (after the step; the
#: value before the step is recorded as ``<name>_prev``).
STATE_SLOTS: dict[str, dict[str, str]] = {
    "sgd": {"v": "moments"},
    "rmsprop": {"a": "accumulators"},
    "adagrad": {"a": "accumulators"},
    "adadelta": {"a": "accumulators", "d": "delta_accumulators"},
    "adam": {"m": "first_moments", "v": "second_moments", "vhat": "max_second_moments"},
    "adamax": {"m": "first_moments", "u": "infinity_norms"},
    "nadam": {"m": "first_moments", "v": "second_moments"},
}

#: Quantities every optimizer records (positions, gradients, clipping, the step, the counter, the lr).
SHARED_QUANTITIES = frozenset(
    {"x_prev", "x", "loss_prev", "loss", "g_raw", "grad_norm", "norm_factor", "g_normclip", "g", "clip_factor"}
    | {"update", "step_length", "iterations", "t", "lr_eff", "effective_lr", "step_multiplier", "lr", "epoch"}
)

#: Which recorded quantity is the optimizer's momentum (drawn as an arrow), and in which units.
MOMENTUM = {
    "sgd": ("v", "displacement"),
    "adam": ("m", "gradient"),
    "adamax": ("m", "gradient"),
    "nadam": ("m", "gradient"),
}


@dataclass(frozen=True)
class Quantity:
    """How a recorded quantity is called and explained (``symbol`` is LaTeX)."""

    symbol: str
    description: str


#: Every quantity the inspection can record (symbols and meanings live in ``optviz.explain``).
QUANTITIES: dict[str, Quantity] = {name: Quantity(*help) for name, help in QUANTITY_HELP.items()}
OPTIMIZER_QUANTITIES: dict[str, dict[str, Quantity]] = {
    optimizer: {name: Quantity(*help) for name, help in table.items()}
    for optimizer, table in OPTIMIZER_QUANTITY_HELP.items()
}


#: How a quantity's name reads in tables: the parameter is θ (the map's axes are x and y); others as recorded.
SHOWN_NAMES = {"x_prev": "θ_prev", "x": "θ"}
#: The column titles of a per-coordinate quantity's two values.
COORDINATE_LABELS = ("coordinate x", "coordinate y")


def shown_name(name: str) -> str:
    """The name of recorded quantity ``name`` in tables and CSV (``x`` is the parameter θ, ``x_prev`` θ_prev)."""
    return SHOWN_NAMES.get(name, name)


def describe(optimizer: str, name: str) -> Quantity:
    """The symbol and meaning of quantity ``name`` for ``optimizer`` (per-optimizer meanings first)."""
    return OPTIMIZER_QUANTITIES.get(optimizer, {}).get(name) or QUANTITIES[name]


@dataclass(frozen=True)
class Inspection:
    """One optimizer's run, step by step. T recorded steps, D = 2 coordinates.

    Step k (1..T) is the k-th update; arrays are indexed by ``k - 1 - first_step`` (use ``index``).

    Attributes:
        lane: the optimizer and its Keras arguments.
        first_step: steps already taken before this recording (0, or the fork step).
        positions: ``(T+1, D)``; entry j is the point after ``first_step + j`` updates.
        losses: ``(T+1,)`` loss at each position.
        quantities: name -> ``(T,)`` (one number per step) or ``(T, D)`` (per coordinate).
        states: ``T+1`` state records of the core (entry j: after ``first_step + j`` updates).
        hyperparameters: every Keras argument of the lane, defaults filled in (epsilon resolved).
        diverged_step: the step whose position left the finite world (recording stops there), else -1.
        requested_steps: how many steps were asked for (more than recorded when the run diverged).
    """

    lane: Lane
    first_step: int
    positions: np.ndarray
    losses: np.ndarray
    quantities: dict[str, np.ndarray] = field(repr=False)
    states: tuple[NamedTuple, ...] = field(repr=False)
    hyperparameters: dict[str, Any] = field(repr=False)
    diverged_step: int = -1
    requested_steps: int = 0

    @property
    def optimizer(self) -> str:
        return self.lane.optimizer

    @property
    def steps(self) -> int:
        """Number of recorded steps T."""
        return self.positions.shape[0] - 1

    @property
    def last_step(self) -> int:
        """The number of the last recorded step (``first_step + T``)."""
        return self.first_step + self.steps

    def index(self, step: int) -> int:
        """Array index of step ``step`` (``first_step + 1 .. last_step``); ``ValueError`` outside."""
        if not self.first_step < step <= self.last_step:
            raise ValueError(f"step must be in {self.first_step + 1}..{self.last_step}, got {step}")
        return step - 1 - self.first_step

    def values(self, step: int, coordinate: int | None = None) -> dict[str, float]:
        """All numbers of step ``step``: hyperparameters, per-step scalars and, with ``coordinate``,
        that coordinate's per-coordinate quantities (keys as in ``quantities``)."""
        i = self.index(step)
        values = {k: float(v) for k, v in self.hyperparameters.items() if isinstance(v, int | float) and v is not None}
        for name, series in self.quantities.items():
            if series.ndim == 1:
                values[name] = float(series[i])
            elif coordinate is not None:
                values[name] = float(series[i, coordinate])
        return values

    def momentum(self) -> tuple[str, str] | None:
        """``(quantity name, units)`` of the optimizer's momentum, or None if it keeps none."""
        return MOMENTUM.get(self.optimizer)

    def table(self, coordinate_names: tuple[str, str] = ("x", "y")) -> pd.DataFrame:
        """The whole recorded state, one row per step; per-coordinate quantities get one column per coordinate
        (``θ[x]``, ``g[y]``; see :func:`shown_name`)."""
        columns: dict[str, np.ndarray] = {"step": np.arange(self.first_step + 1, self.last_step + 1)}
        for name, series in self.quantities.items():
            if series.ndim == 1:
                columns[shown_name(name)] = series
            else:
                for c, label in enumerate(coordinate_names):
                    columns[f"{shown_name(name)}[{label}]"] = series[:, c]
        return pd.DataFrame(columns).set_index("step")


def step_table(inspection: Inspection, step: int, digits: int = 6) -> pd.DataFrame:
    """Every number recorded at step ``step``, one row per quantity: its meaning, then the value
    (one number per step) or its coordinate x and y values (per coordinate), as text with ``digits`` digits; rows
    named as :func:`shown_name` writes them."""
    i = inspection.index(step)
    rows = []
    shared = [name for name in inspection.quantities if name in SHARED_QUANTITIES]
    own = [name for name in inspection.quantities if name not in SHARED_QUANTITIES]
    for name in own + shared:  # the optimizer's own state first: that is what students ask about
        series = inspection.quantities[name]
        meaning = describe(inspection.optimizer, name).description
        if series.ndim == 1:
            rows.append((shown_name(name), meaning, f"{series[i]:.{digits}g}", "", ""))
        else:
            values = f"{series[i, 0]:.{digits}g}", f"{series[i, 1]:.{digits}g}"
            rows.append((shown_name(name), meaning, "", *values))
    return pd.DataFrame(rows, columns=["quantity", "meaning", "value", *COORDINATE_LABELS]).set_index("quantity")


def inspect_run(lane: Lane, value_and_grad: ValueAndGrad, start: tuple[float, float], steps: int) -> Inspection:
    """Run ``lane`` for ``steps`` updates from ``start`` and record every step (see ``Inspection``)."""
    optimizer = lane.build()
    position = np.array(start, dtype=np.float64).reshape(1, -1)
    return _record(lane, optimizer, value_and_grad, position, optimizer.init([position]), 0, steps)


def fork(
    original: Inspection, value_and_grad: ValueAndGrad, step: int, lane: Lane, steps: int | None = None
) -> tuple[Inspection, str]:
    """Continue ``original`` from the state after ``step`` updates with ``lane``'s hyperparameters.

    The fork adopts the position, the iterations counter and the moments/accumulators of the original
    (so bias corrections and decay carry on). Switching to another optimizer cannot adopt its state:
    that optimizer starts fresh at the fork point. Returns ``(fork, note)``; the note explains what
    was adopted. ``steps`` defaults to running until the original's last requested step.
    """
    if not original.first_step <= step <= original.last_step:
        raise ValueError(f"fork step must be in {original.first_step}..{original.last_step}, got {step}")
    j = step - original.first_step
    position = original.positions[j].reshape(1, -1).copy()
    state = original.states[j]
    optimizer = lane.build()
    if steps is None:
        steps = max(original.first_step + original.requested_steps - step, 0)
    if lane.optimizer != original.optimizer:
        note = (
            f"{lane.display_name} cannot take over {original.lane.display_name}'s state: "
            f"it starts fresh (zero state, t = 1) at the point reached after step {step}."
        )
        state = optimizer.init([position])
        first = step
    else:
        state, note = adopt_state(state, original.lane, lane, optimizer)
        first = step
    if lane.plan is not None:
        note += f" Its lr plan ({lane.plan.label()}) goes on from epoch {step}" + (
            ", its plateau rule watching the loss afresh." if lane.plan.plateau is not None else "."
        )
    return _record(lane, optimizer, value_and_grad, position, state, first, steps), note


def adopt_state(state: NamedTuple, old: Lane, new: Lane, optimizer: Optimizer) -> tuple[NamedTuple, str]:
    """The state of ``old`` made usable by ``new`` (same optimizer, see ``Optimizer.adopt_state``), and a note
    saying what was kept: AMSGrad's ``vhat`` appears as zeros (so it tracks the max of v from now on) or is
    dropped."""
    note = f"The fork keeps the state after step {state.iterations} (position, moments, counter t)."
    if new.optimizer == "adam":
        had, has = old.arguments["amsgrad"], new.arguments["amsgrad"]
        if has and not had:
            note += " AMSGrad's running max of v starts at 0 at the fork."
        elif had and not has:
            note += " AMSGrad's running max of v is dropped."
    return optimizer.adopt_state(state), note


def _record(
    lane: Lane,
    optimizer: Optimizer,
    value_and_grad: ValueAndGrad,
    position: np.ndarray,
    state: NamedTuple,
    first_step: int,
    steps: int,
) -> Inspection:
    """Walk the runner's step loop (one run, R = 1) from ``position`` and ``state``, keeping every state,
    and read what each step did; recording stops where the runner marks the run diverged."""
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps}")
    name = lane.optimizer
    records: dict[str, list] = {}
    positions: list[np.ndarray] = []
    losses: list[float] = []
    states: list[NamedTuple] = []
    diverged = -1
    before = None  # (point (1, D), gradient (1, D), state, lr variable) of the previous position
    callbacks = lane.callbacks()  # the lane's lr plan: epochs go on from the fork step
    for here in walk(
        optimizer,
        value_and_grad,
        position,
        int(steps),
        state=state,
        keep_states=True,
        callbacks=callbacks,
        initial_epoch=first_step,
    ):
        point, loss = here.point.copy(), float(here.loss[0])
        if here.escaped is not None:  # the runner froze the run where it was: show where the update sent it
            point = here.escaped.copy()
            with np.errstate(all="ignore"):
                loss = float(value_and_grad(point)[0][0])
        if before is not None:
            stepper = optimizer.with_lr(before[3]) if callbacks else optimizer  # the lr the step used
            row = _step_quantities(name, stepper, before[2], here.state, before[0], point, before[1])
            row["loss_prev"], row["loss"] = losses[-1], loss
            if callbacks:
                row["lr"], row["epoch"] = float(before[3][0]), float(first_step + here.k - 1)
            for key, value in row.items():
                records.setdefault(key, []).append(value)
        positions.append(point[0])
        losses.append(loss)
        states.append(here.state)
        if here.diverged_step[0] >= 0:
            diverged = first_step + here.k
            break
        before = (point, here.grad.copy(), here.state, here.lr)
    dims = positions[0].shape[0]
    quantities = {
        key: np.asarray(values, dtype=np.float64).reshape(len(values), *(() if np.ndim(values[0]) == 0 else (dims,)))
        for key, values in records.items()
    }
    hyperparameters = dict(lane.arguments)
    if lane.plan is not None:  # text is skipped by Inspection.values: the formulas read it
        hyperparameters["lr_plan"] = lane.plan.to_text()
        hyperparameters["initial_lr"] = float(lane.arguments["lr"])
    if name == "nadam":
        hyperparameters["schedule_base"] = SCHEDULE_BASE  # Keras' 0.96, rounded to float32
    return Inspection(
        lane=lane,
        first_step=first_step,
        positions=np.array(positions),
        losses=np.array(losses),
        quantities=quantities,
        states=tuple(states),
        hyperparameters=hyperparameters,
        diverged_step=diverged,
        requested_steps=int(steps),
    )


def _per_run(value: Any) -> float:
    """A per-run value of the single run as a float."""
    return float(np.asarray(value, dtype=np.float64).reshape(-1)[0])


def _step_quantities(
    name: str,
    optimizer: Optimizer,
    before: NamedTuple,
    after: NamedTuple,
    position: np.ndarray,
    new_position: np.ndarray,
    raw_grad: np.ndarray,
) -> dict[str, Any]:
    """What step t did, read from the core's state records and helpers (``position``: (1, D))."""
    iterations = before.iterations
    t = iterations + 1
    norm_clipped, norm_factor = clip_gradients([raw_grad], optimizer.clipnorm, None, 1)
    clipped, _ = clip_gradients([raw_grad], optimizer.clipnorm, optimizer.clipvalue, 1)
    g = clipped[0][0]
    update = new_position[0] - position[0]
    row: dict[str, Any] = {
        "x_prev": position[0].copy(),
        "x": new_position[0].copy(),
        "g_raw": raw_grad[0].copy(),
        "grad_norm": float(np.sqrt(np.sum(raw_grad[0] ** 2))),
        "g": g.copy(),
        "clip_factor": _per_run(after.clip_factor),
        "update": update,
        "step_length": float(np.sqrt(np.sum(update**2))),
        "iterations": float(iterations),
        "t": float(t),
        "lr_eff": _per_run(optimizer.decayed_lr(iterations)),
    }
    if optimizer.clipnorm is not None:
        row["norm_factor"] = _per_run(norm_factor)
        row["g_normclip"] = norm_clipped[0][0].copy()
    for quantity, slot in STATE_SLOTS[name].items():
        old, new = getattr(before, slot), getattr(after, slot)
        if new is None:
            continue
        row[f"{quantity}_prev"] = np.array(old[0][0] if old is not None else np.zeros_like(g))
        row[quantity] = np.array(new[0][0])
    epsilon = getattr(optimizer, "epsilon", 0.0)
    lr_eff = row["lr_eff"]
    if name == "sgd":
        multiplier = np.full_like(g, lr_eff)
    elif name in ("rmsprop", "adagrad"):
        multiplier = lr_eff / (np.sqrt(row["a"]) + epsilon)
    elif name == "adadelta":
        row["u"] = -update / lr_eff  # the core's lr-free update, recovered from its step
        multiplier = lr_eff * np.sqrt(row["d_prev"] + epsilon) / np.sqrt(row["a"] + epsilon)
    elif name == "adam":
        row["bias_correction"] = _per_run(optimizer.bias_correction(iterations))
        row["lr_t"] = _per_run(optimizer.bias_corrected_lr(iterations))
        second = row["vhat"] if "vhat" in row else row["v"]
        multiplier = row["lr_t"] / (np.sqrt(second) + epsilon)
    elif name == "adamax":
        row["lr_t"] = _per_run(optimizer.bias_corrected_lr(iterations))
        multiplier = row["lr_t"] / (row["u"] + epsilon)
    elif name == "nadam":
        row.update(_nadam_quantities(optimizer, before, after, t, g, row))
        multiplier = row["lr_eff"] / (np.sqrt(row["v_prime"]) + epsilon)
    else:  # pragma: no cover - every Keras optimizer is listed above
        raise ValueError(f"no inspection for optimizer {name!r}")
    row["step_multiplier"] = np.asarray(multiplier, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        row["effective_lr"] = np.where(g != 0, np.abs(update) / np.abs(g), np.nan)
    return row


def _nadam_quantities(
    optimizer: Optimizer, before: NamedTuple, after: NamedTuple, t: int, g: np.ndarray, row: dict[str, Any]
) -> dict[str, Any]:
    """Nadam's schedule from ``momentum_cache`` and the state's ``momentum_schedule``, and the
    bias-corrected terms Keras combines (for display)."""
    mu_t, mu_next = _per_run(optimizer.momentum_cache(t)), _per_run(optimizer.momentum_cache(t + 1))
    schedule_prev, schedule = _per_run(before.momentum_schedule), _per_run(after.momentum_schedule)
    schedule_next = schedule_prev * mu_t * mu_next
    beta_2 = _per_run(optimizer.beta_2)
    g_prime = g / (1.0 - schedule)
    m_prime = row["m"] / (1.0 - schedule_next)
    v_prime = row["v"] / (1.0 - beta_2**t)
    return {
        "mu_t": mu_t,
        "mu_next": mu_next,
        "schedule_prev": schedule_prev,
        "schedule": schedule,
        "schedule_next": schedule_next,
        "g_prime": g_prime,
        "m_prime": m_prime,
        "v_prime": v_prime,
        "m_bar": (1.0 - mu_t) * g_prime + mu_next * m_prime,
    }
