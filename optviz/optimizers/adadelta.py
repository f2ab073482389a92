"""Adadelta as in Keras 2.2.4: lr (default 1.0) scales the step; epsilon inside both roots."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, zeros_like_shapes


class AdadeltaState(NamedTuple):
    """``accumulators``: average of squared gradients ``a``; ``delta_accumulators``: of squared updates ``d``."""

    iterations: int
    accumulators: tuple[np.ndarray, ...]
    delta_accumulators: tuple[np.ndarray, ...]
    clip_factor: np.ndarray


class Adadelta(Optimizer):
    """``a = rho*a + (1-rho)*g**2``; ``u = g * sqrt(d + eps) / sqrt(a + eps)`` (old d);
    ``p -= lr * u``; then ``d = rho*d + (1-rho)*u**2``.

    Args: lr (>0, default 1.0), rho in [0, 1), epsilon (>=0, None = 1e-7), decay (>=0), clipnorm, clipvalue.
    """

    _bounds = {"lr": POSITIVE, "rho": UNIT_INTERVAL, "epsilon": NON_NEGATIVE, "decay": NON_NEGATIVE}
    _config_keys = ("lr", "rho", "decay", "epsilon")
    _complemented = ("rho",)

    def __init__(
        self,
        lr: Any = 1.0,
        rho: Any = 0.95,
        epsilon: Any = None,
        decay: Any = 0.0,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(clipnorm, clipvalue, lr=lr, rho=rho, epsilon=epsilon, decay=decay)

    def _init_slots(self, shapes, runs):
        return AdadeltaState(0, zeros_like_shapes(shapes), zeros_like_shapes(shapes), np.ones(runs))

    def _apply(self, params: Params, grads, state: AdadeltaState) -> AdadeltaState:
        for p, g, a, d in zip(params, grads, state.accumulators, state.delta_accumulators, strict=True):
            hyper = self._hypers(g)
            rho, epsilon = hyper["rho"], hyper["epsilon"]
            a *= rho
            a += hyper["one_minus_rho"] * np.square(g)
            update = g * np.sqrt(d + epsilon)
            update /= np.sqrt(a + epsilon)
            p -= self._step_lr(state.iterations, p.shape, hyper) * update
            d *= rho
            d += hyper["one_minus_rho"] * np.square(update)
        return state
