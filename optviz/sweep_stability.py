"""A robust score for a sweep's runs and a flag for runs that have not settled. UI-free.

A single run's last loss is a lucky draw when the run oscillates: on Rosenbrock, RMSprop at lr≈0.84 jumps to
losses of 1000 and back, and its last loss may happen to be low. So a sweep scores each run by its **tail
mean**, the mean loss over the last ``N`` steps (``N`` = 10% of the steps, at least 1; :func:`window_length`),
and flags a finite run **unstable** when its end is not settled (:meth:`EndWindow.unstable`):

- **rising**: the mean excess loss of the last ``N`` steps is more than :data:`RISE_MARGIN` (25%) above that of
  the ``N`` steps before; or
- **spiking**: within the last ``2N`` steps the loss climbed above its lowest value so far in that window by more
  than :data:`SPIKE_FACTOR` (10) times the tail's mean excess.

"Excess" is the loss minus the lowest loss the run ever reached, so the rule does not depend on where the
surface's minimum value lies. Changes smaller than :data:`SETTLED` (a billionth) of the run's initial excess
count as settled (a run converged to rounding noise is stable). A run that decreases (even in damped ripples)
or sits at a noise floor is stable; one that jumps far above its final level shortly before the end is not.
Unstable runs keep their value but are never chosen as the best.

The statistics come either from a recorded curve (:func:`end_window`) or step by step without recording
(:class:`EndWindowTracker`, for grids too large to record); both give the same numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: fraction of the steps the tail mean covers
WINDOW_FRACTION = 0.1
#: the last N steps' mean excess may exceed the N steps before by this fraction before the run counts as rising
RISE_MARGIN = 0.25
#: a rise within the last 2N steps above this many times the tail's mean excess counts as a spike
SPIKE_FACTOR = 10.0
#: changes below this fraction of the run's initial excess loss are rounding noise
SETTLED = 1e-9


def window_length(steps: int) -> int:
    """``N``: the number of last steps the tail mean covers, 10% of ``steps`` rounded up, at least 1."""
    return max(1, math.ceil(WINDOW_FRACTION * int(steps)))


@dataclass(frozen=True)
class EndWindow:
    """What the end of each run looked like, ``(C,)`` per quantity (C runs or cells).

    Attributes:
        tail_mean: mean loss over the last ``N`` steps (the score).
        before_mean: mean loss over the ``N`` steps before those.
        max_rise: largest rise, within the last ``2N`` steps, above the lowest loss earlier in that window.
        lowest: lowest finite loss of the whole run (inf when none was finite).
        initial: loss at step 0.
    """

    tail_mean: np.ndarray
    before_mean: np.ndarray
    max_rise: np.ndarray
    lowest: np.ndarray
    initial: np.ndarray

    def unstable(self) -> np.ndarray:
        """``(C,)`` True where a finite run is rising or spiking at its end (see the module's docstring)."""
        with np.errstate(invalid="ignore", over="ignore"):
            tail = self.tail_mean - self.lowest
            before = self.before_mean - self.lowest
            settled = SETTLED * (np.abs(self.initial - self.lowest) + np.abs(self.lowest))
            rising = tail > (1 + RISE_MARGIN) * before + settled
            spiking = self.max_rise > SPIKE_FACTOR * tail + settled
            finite = np.isfinite(self.tail_mean) & np.isfinite(self.before_mean) & np.isfinite(self.max_rise)
        return finite & (rising | spiking)


def _blocks(steps: np.ndarray, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the tail block (the last N steps) and the block before it, for recorded ``steps``."""
    n = window_length(total)
    tail = steps > total - n
    return tail, (steps > total - 2 * n) & ~tail


def end_window(steps: np.ndarray, curve: np.ndarray, total: int) -> EndWindow:
    """The :class:`EndWindow` of recorded losses ``curve (E, C)`` at ``steps (E,)`` (step 0 first) of a ``total``
    step run; a block with no recorded step borrows the nearest one (sparse evaluations of a network sweep)."""
    steps, curve = np.asarray(steps), np.asarray(curve, dtype=np.float64)
    tail, before = _blocks(steps, total)
    if not tail.any():
        tail = steps == steps.max()
    if not before.any():
        before = steps == steps[~tail].max() if (~tail).any() else tail
    window = curve[tail | before]
    with np.errstate(invalid="ignore"):
        rise = (window - np.minimum.accumulate(window, axis=0)).max(axis=0)
        lowest = np.where(np.isfinite(curve), curve, np.inf).min(axis=0)
    return EndWindow(curve[tail].mean(axis=0), curve[before].mean(axis=0), rise, lowest, curve[0])


class EndWindowTracker:
    """:func:`end_window` step by step for ``runs`` runs of ``total`` steps, keeping O(runs) numbers: call
    :meth:`add` with every step's losses ``(runs,)``, k = 0..total, then :meth:`result`."""

    def __init__(self, total: int, runs: int) -> None:
        self.total, n = int(total), window_length(total)
        self.tail_from, self.before_from = self.total - n + 1, self.total - 2 * n + 1
        self.sums = np.zeros((2, runs))
        self.lowest = np.full(runs, np.inf)
        self.window_low = np.full(runs, np.inf)
        self.rise = np.zeros(runs)
        self.initial: np.ndarray | None = None

    def add(self, k: int, losses: np.ndarray) -> None:
        """Take the losses at step ``k``."""
        with np.errstate(invalid="ignore"):
            if k == 0:
                self.initial = np.array(losses, dtype=np.float64)
            np.fmin(self.lowest, np.where(np.isfinite(losses), losses, np.inf), out=self.lowest)
            if k < self.before_from:
                return
            self.sums[0 if k >= self.tail_from else 1] += losses
            np.minimum(self.window_low, losses, out=self.window_low)
            np.maximum(self.rise, losses - self.window_low, out=self.rise)

    def result(self) -> EndWindow:
        """The statistics of every run so far (call after step ``total``)."""
        n = window_length(self.total)
        before = self.sums[1] / (self.tail_from - self.before_from)
        return EndWindow(self.sums[0] / n, before, self.rise.copy(), self.lowest.copy(), self.initial)
