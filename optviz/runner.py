"""Run an optimizer for T steps on a batched 2-D (or D-dimensional) problem and record everything.

One loop over steps; every step is vectorised over the R runs. A run that leaves the finite world
(NaN/inf, or beyond ``bound``) is marked diverged at that step and stops moving; the others go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .callbacks import Callback, LrCallbacks, lr_variable
from .noise import gaussian, run_keys
from .optimizers import Optimizer

#: ``value_and_grad(points (R, D)) -> (values (R,), grads (R, D))``
ValueAndGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

DEFAULT_BOUND = 1e6
#: how many gradient numbers :func:`run` holds before it takes their norms
_NORM_BLOCK = 16384


@dataclass(frozen=True)
class Trajectory:
    """What a run recorded. T steps, R runs, D coordinates.

    Attributes:
        positions: ``(T+1, R, D)``; entry k is the point after k updates (0 = start).
        losses: ``(T+1, R)`` loss at each position.
        grad_norms: ``(T+1, R)`` norm of the gradient the optimizer was given at each position
            (noise included, before clipping).
        clip_factors: ``(T, R)`` clip factor of each step (1 where clipping did not fire).
        diverged_step: ``(R,)`` first step whose position or loss was not finite or out of bound, else -1.
        lrs: ``(T, R)`` the lr variable of every run during update k (before the optimizer's own
            ``decay``): set by lr callbacks, else the optimizer's constant lr (NaN for a native optimizer).
    """

    positions: np.ndarray
    losses: np.ndarray
    grad_norms: np.ndarray
    clip_factors: np.ndarray
    diverged_step: np.ndarray
    lrs: np.ndarray | None = None

    @property
    def diverged(self) -> np.ndarray:
        """``(R,)`` True where the run diverged."""
        return self.diverged_step >= 0

    @property
    def steps(self) -> int:
        return self.positions.shape[0] - 1

    @property
    def clipped(self) -> np.ndarray:
        """``(T, R)`` True where clipping changed the gradient."""
        return self.clip_factors < 1.0

    def prefix(self, steps: int) -> Trajectory:
        """The first ``steps`` updates (views, no copy): what a run of ``steps`` steps records, since a step
        depends only on the steps before it (the noise too: it depends on seed, step and coordinate)."""
        if not 0 <= steps <= self.steps:
            raise ValueError(f"steps must be in 0..{self.steps}, got {steps}")
        diverged = np.where(self.diverged_step <= steps, self.diverged_step, -1)
        end = steps + 1
        lrs = None if self.lrs is None else self.lrs[:steps]
        return Trajectory(
            self.positions[:end], self.losses[:end], self.grad_norms[:end], self.clip_factors[:steps], diverged, lrs
        )


class Position(NamedTuple):
    """What :func:`walk` yields at position k: the point, its loss and gradient, the optimizer state.

    ``diverged_step (R,)`` is updated in place as runs diverge (-1 while a run is alive). ``point`` is a
    buffer the walk reuses: copy it to keep it. ``lr (R,)`` is the lr variable of update k (see callbacks).
    ``escaped`` is None unless the update to this position sent some run out of bounds; then it holds the
    ``(R, D)`` points that update produced (``point`` keeps those runs frozen where they were).
    """

    k: int
    point: np.ndarray
    loss: np.ndarray
    grad: np.ndarray
    state: NamedTuple
    diverged_step: np.ndarray
    lr: np.ndarray | None = None
    escaped: np.ndarray | None = None


def _checked(starts, steps, noise_sigma) -> tuple[np.ndarray, int, np.ndarray]:
    starts = np.array(starts, dtype=np.float64, ndmin=2)
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (R, D), got {starts.shape}")
    if int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps}")
    runs = starts.shape[0]
    sigma = np.asarray(noise_sigma, dtype=np.float64)
    if sigma.ndim > 1 or (sigma.ndim == 1 and sigma.shape[0] != runs) or not np.all(sigma >= 0):
        raise ValueError(f"noise_sigma must be >= 0, as a scalar or one value per run ({runs}), got {noise_sigma!r}")
    return starts, int(steps), sigma


def walk(
    optimizer: Optimizer,
    value_and_grad: ValueAndGrad,
    starts: np.ndarray,
    steps: int,
    *,
    noise_sigma: float | np.ndarray = 0.0,
    noise_seed: int | np.ndarray = 0,
    bound: float = DEFAULT_BOUND,
    positions: np.ndarray | None = None,
    callbacks: Sequence[Callback] | None = None,
    state: NamedTuple | None = None,
    keep_states: bool = False,
    initial_epoch: int = 0,
) -> Iterator[Position]:
    """Step ``optimizer`` from ``starts (R, D)``, yielding every position k = 0..T before stepping on.

    The one loop over steps: :func:`run` records from it, sweeps summarise from it. A run whose loss is
    not finite, or whose point is not finite or beyond ``±bound``, is marked diverged at that step and
    stops moving; the others go on. ``positions`` (``(T+1, R, D)``), if given, receives every point
    in place (no copies); otherwise two buffers are reused. ``callbacks`` (Keras' lr callbacks) set the
    lr variable before update k and read the loss at position k after it; ``Position.lr`` is that variable.
    ``state`` continues from a state of this optimizer (a fork) instead of a fresh one. With ``keep_states``
    each step works on a copy of the state (``optimizer.update``), so every yielded state stays valid.
    ``initial_epoch`` (Keras' ``fit(initial_epoch=...)``) is the epoch the callbacks see at update 0 (a fork
    from step k goes on with the schedule at epoch k).
    """
    starts, steps, sigma = _checked(starts, steps, noise_sigma)
    runs, dims = starts.shape
    control = LrCallbacks.of(callbacks)
    lr = lr_variable(optimizer, runs)
    if control is not None:
        if not hasattr(optimizer, "lr"):
            raise ValueError(f"lr callbacks need one of optviz's Keras 2.2.4 optimizers, got {optimizer!r}")
        callback_states = control.init(lr)
    stepper = optimizer
    noisy = bool(np.any(sigma > 0))
    sigma_column = sigma[:, None] if sigma.ndim == 1 else float(sigma)
    keys = run_keys(noise_seed, runs) if noisy else None
    buffers = positions if positions is not None else np.empty((2, runs, dims))
    slot = (lambda k: k) if positions is not None else (lambda k: k % 2)
    buffers[0] = starts
    diverged_step = np.full(runs, -1, dtype=np.int64)
    dead = np.zeros(runs, dtype=bool)
    any_dead = False
    state = optimizer.init([buffers[0]]) if state is None else state
    escaped = None
    here, loss, grad = buffers[0], None, None  # the previous position's, which the update to the next one reads
    for k in range(steps + 1):
        # One errstate context a step (entering one costs as much as a few array operations): the update to
        # position k (after position k - 1 was yielded), then the loss and gradient there.
        with np.errstate(all="ignore"):
            if k:
                following = buffers[slot(k)]
                escaped = None
                if keep_states:
                    moved, state = stepper.update([here], [grad], state)
                    following[...] = moved[0]
                else:
                    following[...] = here
                    state = stepper.update_inplace([following], [grad], state)
                if control is not None:
                    epoch = initial_epoch + k - 1
                    lr, callback_states = control.on_epoch_end(epoch, lr, {"loss": loss}, callback_states)
                if any_dead:
                    following[dead] = here[dead]
                if not np.abs(following).max() <= bound:  # NaN fails too; then check run by run
                    out = ~(np.abs(following) <= bound).all(axis=1)
                    if out.any():
                        diverged_step[out] = k
                        escaped = following.copy()
                        following[out] = here[out]
                        dead |= out
                        any_dead = True
                here = following
            loss, grad = value_and_grad(here)
            if noisy:
                grad = grad + sigma_column * gaussian(keys, k, dims)
            if not math.isfinite(loss.sum()):  # one fast check; per-run work only when it fails
                newly = ~np.isfinite(loss) & ~dead
                if newly.any():
                    diverged_step[newly] = k
                    dead |= newly
                    any_dead = True
        if control is not None and k < steps:
            lr, callback_states = control.on_epoch_begin(initial_epoch + k, lr, callback_states)
            stepper = optimizer.with_lr(lr)
        yield Position(k, here, loss, grad, state, diverged_step, lr, escaped)


def run(
    optimizer: Optimizer,
    value_and_grad: ValueAndGrad,
    starts: np.ndarray,
    steps: int,
    *,
    noise_sigma: float | np.ndarray = 0.0,
    noise_seed: int | np.ndarray = 0,
    bound: float = DEFAULT_BOUND,
    callbacks: Sequence[Callback] | None = None,
) -> Trajectory:
    """Run ``optimizer`` for ``steps`` updates from ``starts (R, D)`` and record everything.

    Args:
        optimizer: any optviz optimizer; per-run hyperparameters must have length R.
        value_and_grad: batched loss and gradient.
        starts: ``(R, D)`` start points.
        steps: number of updates T >= 0.
        noise_sigma: std of Gaussian noise added to the gradient, scalar or ``(R,)``.
        noise_seed: int or ``(R,)`` ints; run r's noise depends only on its own seed.
        bound: a coordinate beyond ``±bound`` counts as diverged.
        callbacks: ``[LearningRateScheduler(...), ReduceLROnPlateau(...)]`` (:mod:`optviz.callbacks`): one
            step is one epoch; the monitored ``'loss'`` is the loss where the step's gradient was taken.
    """
    starts, steps, _ = _checked(starts, steps, noise_sigma)
    runs, dims = starts.shape
    positions = np.empty((steps + 1, runs, dims))
    losses = np.empty((steps + 1, runs))
    grad_norms = np.empty((steps + 1, runs))
    clipping = bool(getattr(optimizer, "clips", False)) or any(  # a stack clips through its parts
        getattr(optimizer, name, None) is not None for name in ("clipnorm", "clipvalue")
    )
    clip_factors = np.empty((steps, runs)) if clipping else np.broadcast_to(1.0, (steps, runs))
    diverged_step = np.full(runs, -1, dtype=np.int64)
    lrs = np.empty((steps, runs)) if callbacks else None
    # gradients are kept a block of steps at a time (in their own dtype) and their norms taken per block: one
    # squared_norm call for many steps instead of one a step (the same row-wise arithmetic, so the same numbers)
    block = np.empty((max(1, min(steps + 1, _NORM_BLOCK // (runs * dims or 1))), runs, dims))
    first = 0  # block row 0 holds the gradient at position first
    for position in walk(
        optimizer,
        value_and_grad,
        starts,
        steps,
        noise_sigma=noise_sigma,
        noise_seed=noise_seed,
        bound=bound,
        positions=positions,
        callbacks=callbacks,
    ):
        k = position.k
        if lrs is not None and k < steps:
            lrs[k] = position.lr
        losses[k] = position.loss
        grad, row = position.grad, k - first
        if row == len(block) or grad.dtype is not block.dtype:  # full, or another dtype: norms of the rows so far
            _block_norms(block, first, k, grad_norms)
            block = block if grad.dtype is block.dtype else np.empty(block.shape, grad.dtype)
            first, row = k, 0
        block[row] = grad
        if clipping and k > 0:
            clip_factors[k - 1] = position.state.clip_factor
        diverged_step = position.diverged_step
    _block_norms(block, first, steps + 1, grad_norms)
    np.sqrt(grad_norms, out=grad_norms)
    if lrs is None:  # the constant lr, without copies
        lrs = np.broadcast_to(lr_variable(optimizer, runs), (steps, runs))
    return Trajectory(positions, losses, grad_norms, clip_factors, diverged_step.copy(), lrs)


def _block_norms(block: np.ndarray, first: int, stop: int, out: np.ndarray) -> None:
    """Squared norms of the gradients at positions ``first..stop-1`` (block rows 0..) into ``out[first:stop]``."""
    if stop > first:
        squared_norm(block[: stop - first].reshape(-1, block.shape[2]), out=out[first:stop].reshape(-1))


def squared_norm(vectors: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Row-wise ``sum(v**2)`` of ``(R, D)`` into ``out (R,)``, summing columns: NumPy's reductions
    and einsum over a tiny inner axis are 4-8x slower than this for D = 2."""
    np.multiply(vectors[:, 0], vectors[:, 0], out=out)
    for column in range(1, vectors.shape[1]):
        out += vectors[:, column] * vectors[:, column]
    return out
