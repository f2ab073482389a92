"""SGD with momentum, Nesterov momentum and lr decay, as in Keras 2.2.4."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, zeros_like_shapes


class SGDState(NamedTuple):
    """``moments`` are Keras' velocity ``v`` (one array per params tensor)."""

    iterations: int
    moments: tuple[np.ndarray, ...]
    clip_factor: np.ndarray


class SGD(Optimizer):
    """``v = momentum * v - lr * g``; ``p += v`` or, with ``nesterov``, ``p += momentum * v - lr * g``.

    Args: lr (>0), momentum in [0, 1), decay (>=0, ``lr / (1 + decay * iterations)``),
    nesterov (bool), clipnorm, clipvalue.
    """

    _bounds = {"lr": POSITIVE, "momentum": UNIT_INTERVAL, "decay": NON_NEGATIVE}
    _config_keys = ("lr", "momentum", "decay", "nesterov")

    def __init__(
        self,
        lr: Any = 0.01,
        momentum: Any = 0.0,
        decay: Any = 0.0,
        nesterov: bool = False,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(clipnorm, clipvalue, lr=lr, momentum=momentum, decay=decay, nesterov=bool(nesterov))

    def _init_slots(self, shapes, runs):
        return SGDState(0, zeros_like_shapes(shapes), np.ones(runs))

    def _apply(self, params: Params, grads, state: SGDState) -> SGDState:
        for p, g, v in zip(params, grads, state.moments, strict=True):
            hyper = self._hypers(g)
            momentum = hyper["momentum"]
            lr_g = self._step_lr(state.iterations, p.shape, hyper) * g
            v *= momentum
            v -= lr_g
            if self.nesterov:
                p += momentum * v
                p -= lr_g
            else:
                p += v
        return state
