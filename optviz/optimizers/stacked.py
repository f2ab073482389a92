"""Several optimizers side by side on one runs axis: one step loop for lanes of different optimizer classes.

``Stacked([Adam(lr=[0.01, 0.02]), SGD(lr=[0.1])])`` steps runs 0-1 with Adam and run 2 with SGD: each part
updates its own slice of the runs axis (views, written in place) with its own state, exactly as it would
alone, so a runner evaluates the loss and gradient once per step for every run instead of once per class.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from ._base import Optimizer, Params, _read_only_ones, copy_state


class StackedState(NamedTuple):
    """``parts``: each part's own state; ``clip_factor`` ``(R,)``: the parts' clip factors end to end."""

    iterations: int
    parts: tuple[NamedTuple, ...]
    clip_factor: np.ndarray


class Stacked(Optimizer):
    """Optimizers ``parts`` applied to consecutive slices of the runs axis; part i runs ``runs[i]`` runs.

    A part's per-run hyperparameters must have ``runs[i]`` values (or be scalars). ``lr`` is every run's lr;
    :meth:`with_lr` hands each part its slice (how lr callbacks drive the stack)."""

    def __init__(self, parts: Sequence[Optimizer], runs: Sequence[int]) -> None:
        parts, runs = tuple(parts), tuple(int(r) for r in runs)
        if not parts or len(parts) != len(runs) or min(runs) < 1:
            raise ValueError("Stacked needs one or more optimizers, each with a number of runs >= 1")
        if any(not isinstance(part, Optimizer) or isinstance(part, Stacked) for part in parts):
            raise ValueError("Stacked stacks optviz optimizers (not stacks)")
        ends = np.cumsum(runs)
        self.parts = parts
        self.slices = tuple(slice(int(end - count), int(end)) for end, count in zip(ends, runs, strict=True))
        self.runs = int(ends[-1])
        self._run_counts = runs
        #: the parts that clip: only they can have a clip factor other than 1
        self._clipping_parts = tuple(i for i, part in enumerate(parts) if part.clips)
        self._expanded = {}
        self._checked_runs = None
        self._clipping = bool(self._clipping_parts)
        self.clipnorm = self.clipvalue = None  # the parts clip, each with its own arguments
        #: every part steps through Optimizer.update_inplace's own rule (a native part has its own)
        self._plain_parts = all(type(part).update_inplace is Optimizer.update_inplace for part in parts)
        for part, count in zip(parts, runs, strict=True):
            part._check_lengths(count)

    @property
    def lr(self) -> np.ndarray:
        """Every run's lr variable ``(R,)`` (NaN for a part without one)."""
        lr = np.empty(self.runs)
        for part, where in zip(self.parts, self.slices, strict=True):
            lr[where] = getattr(part, "lr", np.nan)
        return lr

    def init(self, params: Sequence[np.ndarray]) -> StackedState:
        runs = self._runs_of(params)
        if runs != self.runs:
            raise ValueError(f"the stacked optimizers take {self.runs} runs, the params have {runs}")
        parts = tuple(part.init([p[where] for p in params]) for part, where in self._pairs())
        return StackedState(0, parts, _read_only_ones(runs))

    def update(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], state: StackedState):
        """One step: new params and a new state; the inputs are left untouched."""
        new_params = [np.array(p, dtype=np.float64) for p in params]
        copied = state._replace(parts=tuple(copy_state(part) for part in state.parts))
        return new_params, self.update_inplace(new_params, grads, copied)

    def update_inplace(self, params: Params, grads: Sequence[np.ndarray], state: StackedState) -> StackedState:
        """Every part's step on its slice of ``params`` (views: written in place)."""
        if len(grads) != len(params):
            raise ValueError(f"got {len(grads)} gradient arrays for {len(params)} params arrays")
        point = params[0] if len(params) == 1 else None
        if self._plain_parts and type(point) is np.ndarray and point.ndim and point.shape[0] == self.runs:
            # the runner's case, one (R, D) tensor whose slices have the runs each part was checked for when the
            # stack was built: each part steps without re-checking its arguments every step
            grad = grads[0]
            parts = tuple(
                [
                    part._update_checked([point[where]], [grad[where]], part_state, count)
                    for part, where, count, part_state in zip(
                        self.parts, self.slices, self._run_counts, state.parts, strict=True
                    )
                ]
            )
            if self._clipping:  # ones (every other plain part's factor) with the clipping parts' factors written in:
                clip_factor = _read_only_ones(self.runs).copy()  # cheaper than concatenating every part's
                for i in self._clipping_parts:
                    clip_factor[self.slices[i]] = parts[i].clip_factor
                return StackedState(state.iterations + 1, parts, clip_factor)
        else:
            parts = tuple(
                part.update_inplace([p[where] for p in params], [g[where] for g in grads], part_state)
                for part, where, part_state in zip(self.parts, self.slices, state.parts, strict=True)
            )
        if self._clipping:
            clip_factor = np.concatenate([part.clip_factor for part in parts])
        else:
            clip_factor = state.clip_factor
        return StackedState(state.iterations + 1, parts, clip_factor)

    def with_lr(self, lr: Any) -> Stacked:
        """A copy whose parts' lr variables are the slices of ``lr`` ``(R,)`` (or a scalar for all)."""
        lr = np.broadcast_to(np.asarray(lr, dtype=np.float64), (self.runs,))
        clone = copy.copy(self)  # the same slices, already checked: only the parts change
        clone.parts = tuple(part.with_lr(lr[where]) for part, where in self._pairs())
        return clone

    def _pairs(self) -> zip:
        return zip(self.parts, self.slices, strict=True)

    def _counts(self) -> list[int]:
        return [where.stop - where.start for where in self.slices]

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError("a Stacked optimizer has no Keras config: serialize its parts")

    def __repr__(self) -> str:
        inner = ", ".join(f"{part!r} x {count}" for part, count in zip(self.parts, self._counts(), strict=True))
        return f"Stacked({inner})"
