"""RMSprop as in Keras 2.2.4: no momentum, epsilon outside the square root."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, zeros_like_shapes


class RMSpropState(NamedTuple):
    """``accumulators``: running average of squared gradients ``a``."""

    iterations: int
    accumulators: tuple[np.ndarray, ...]
    clip_factor: np.ndarray


class RMSprop(Optimizer):
    """``a = rho * a + (1 - rho) * g**2``; ``p -= lr * g / (sqrt(a) + epsilon)``.

    Args: lr (>0), rho in [0, 1), epsilon (>=0, None = 1e-7), decay (>=0), clipnorm, clipvalue.
    """

    _bounds = {"lr": POSITIVE, "rho": UNIT_INTERVAL, "epsilon": NON_NEGATIVE, "decay": NON_NEGATIVE}
    _config_keys = ("lr", "rho", "decay", "epsilon")
    _complemented = ("rho",)

    def __init__(
        self,
        lr: Any = 0.001,
        rho: Any = 0.9,
        epsilon: Any = None,
        decay: Any = 0.0,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(clipnorm, clipvalue, lr=lr, rho=rho, epsilon=epsilon, decay=decay)

    def _init_slots(self, shapes, runs):
        return RMSpropState(0, zeros_like_shapes(shapes), np.ones(runs))

    def _apply(self, params: Params, grads, state: RMSpropState) -> RMSpropState:
        for p, g, a in zip(params, grads, state.accumulators, strict=True):
            hyper = self._hypers(g)
            a *= hyper["rho"]
            a += hyper["one_minus_rho"] * np.square(g)
            step = self._step_lr(state.iterations, p.shape, hyper) * g
            step /= np.sqrt(a) + hyper["epsilon"]
            p -= step
        return state
