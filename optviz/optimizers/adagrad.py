"""Adagrad as in Keras 2.2.4: accumulators start at 0, epsilon outside the square root."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, Optimizer, Params, zeros_like_shapes


class AdagradState(NamedTuple):
    """``accumulators``: sum of all squared gradients so far ``a`` (starts at 0)."""

    iterations: int
    accumulators: tuple[np.ndarray, ...]
    clip_factor: np.ndarray


class Adagrad(Optimizer):
    """``a += g**2``; ``p -= lr * g / (sqrt(a) + epsilon)`` (so step 1 is about ``lr * sign(g)``).

    Args: lr (>0), epsilon (>=0, None = 1e-7), decay (>=0), clipnorm, clipvalue.
    """

    _bounds = {"lr": POSITIVE, "epsilon": NON_NEGATIVE, "decay": NON_NEGATIVE}
    _config_keys = ("lr", "decay", "epsilon")

    def __init__(
        self, lr: Any = 0.01, epsilon: Any = None, decay: Any = 0.0, *, clipnorm: Any = None, clipvalue: Any = None
    ) -> None:
        super().__init__(clipnorm, clipvalue, lr=lr, epsilon=epsilon, decay=decay)

    def _init_slots(self, shapes, runs):
        return AdagradState(0, zeros_like_shapes(shapes), np.ones(runs))

    def _apply(self, params: Params, grads, state: AdagradState) -> AdagradState:
        for p, g, a in zip(params, grads, state.accumulators, strict=True):
            hyper = self._hypers(g)
            a += np.square(g)
            step = self._step_lr(state.iterations, p.shape, hyper) * g
            step /= np.sqrt(a) + hyper["epsilon"]
            p -= step
        return state
