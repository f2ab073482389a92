"""Adamax as in Keras 2.2.4: infinity-norm Adam, with epsilon added to u."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, expand, zeros_like_shapes


class AdamaxState(NamedTuple):
    """``first_moments`` m; ``infinity_norms`` u, the decayed running max of ``|g|``."""

    iterations: int
    first_moments: tuple[np.ndarray, ...]
    infinity_norms: tuple[np.ndarray, ...]
    clip_factor: np.ndarray


class Adamax(Optimizer):
    """``m = beta_1*m + (1-beta_1)*g``; ``u = max(beta_2*u, |g|)``;
    ``p -= lr / (1 - beta_1**t) * m / (u + epsilon)``, t = iterations + 1.

    Args: lr (>0), beta_1 and beta_2 in [0, 1), epsilon (>=0, None = 1e-7), decay (>=0), clipnorm, clipvalue.
    """

    _bounds = {
        "lr": POSITIVE,
        "beta_1": UNIT_INTERVAL,
        "beta_2": UNIT_INTERVAL,
        "epsilon": NON_NEGATIVE,
        "decay": NON_NEGATIVE,
    }
    _config_keys = ("lr", "beta_1", "beta_2", "decay", "epsilon")
    _complemented = ("beta_1", "beta_2")

    def __init__(
        self,
        lr: Any = 0.002,
        beta_1: Any = 0.9,
        beta_2: Any = 0.999,
        epsilon: Any = None,
        decay: Any = 0.0,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(clipnorm, clipvalue, lr=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, decay=decay)

    def _init_slots(self, shapes, runs):
        return AdamaxState(0, zeros_like_shapes(shapes), zeros_like_shapes(shapes), np.ones(runs))

    def bias_corrected_lr(self, iterations: int, shape: tuple[int, ...] | None = None) -> float | np.ndarray:
        """``lr_t = decayed lr / (1 - beta_1**t)``, t = iterations + 1."""
        correction = 1.0 - self.beta_1 ** (iterations + 1)
        return self.decayed_lr(iterations, shape) / (correction if shape is None else expand(correction, shape))

    def _apply(self, params: Params, grads, state: AdamaxState) -> AdamaxState:
        for p, g, m, u in zip(params, grads, state.first_moments, state.infinity_norms, strict=True):
            hyper = self._hypers(g)
            m *= hyper["beta_1"]
            m += hyper["one_minus_beta_1"] * g
            u *= hyper["beta_2"]
            np.maximum(u, np.abs(g), out=u)
            step = self.bias_corrected_lr(state.iterations, p.shape) * m
            step /= u + hyper["epsilon"]
            p -= step
        return state
