"""Adam and AMSGrad as in Keras 2.2.4: bias correction folded into lr, "epsilon hat"."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, expand, scratch, zeros_like_shapes


class AdamState(NamedTuple):
    """``first_moments`` m, ``second_moments`` v, ``max_second_moments`` vhat (AMSGrad only, else None)."""

    iterations: int
    first_moments: tuple[np.ndarray, ...]
    second_moments: tuple[np.ndarray, ...]
    max_second_moments: tuple[np.ndarray, ...] | None
    clip_factor: np.ndarray


class Adam(Optimizer):
    """``lr_t = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``; ``m, v`` moving averages of g, g**2;
    ``p -= lr_t * m / (sqrt(v) + epsilon)`` (``amsgrad``: ``sqrt(max(vhat, v))``), t = iterations + 1.

    Args: lr (>0), beta_1 and beta_2 in [0, 1), epsilon (>=0, None = 1e-7), decay (>=0), amsgrad (bool),
    clipnorm, clipvalue.
    """

    _bounds = {
        "lr": POSITIVE,
        "beta_1": UNIT_INTERVAL,
        "beta_2": UNIT_INTERVAL,
        "epsilon": NON_NEGATIVE,
        "decay": NON_NEGATIVE,
    }
    _config_keys = ("lr", "beta_1", "beta_2", "decay", "epsilon", "amsgrad")
    _complemented = ("beta_1", "beta_2")

    def __init__(
        self,
        lr: Any = 0.001,
        beta_1: Any = 0.9,
        beta_2: Any = 0.999,
        epsilon: Any = None,
        decay: Any = 0.0,
        amsgrad: bool = False,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(
            clipnorm,
            clipvalue,
            lr=lr,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            decay=decay,
            amsgrad=bool(amsgrad),
        )

    def _init_slots(self, shapes, runs):
        vhat = zeros_like_shapes(shapes) if self.amsgrad else None
        return AdamState(0, zeros_like_shapes(shapes), zeros_like_shapes(shapes), vhat, np.ones(runs))

    def adopt_state(self, state: AdamState) -> AdamState:
        """A state of an Adam with the other ``amsgrad`` setting, fitted to this one: AMSGrad's running max
        of v starts at zeros (so it tracks the max of v from now on), or is dropped."""
        if self.amsgrad and state.max_second_moments is None:
            return state._replace(max_second_moments=tuple(np.zeros_like(v) for v in state.second_moments))
        if not self.amsgrad and state.max_second_moments is not None:
            return state._replace(max_second_moments=None)
        return state

    def bias_correction(self, iterations: int) -> float | np.ndarray:
        """``sqrt(1 - beta_2**t) / (1 - beta_1**t)`` with t = iterations + 1, per run."""
        t = iterations + 1
        return np.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)

    def bias_corrected_lr(self, iterations: int) -> float | np.ndarray:
        """``lr_t``: the decayed lr times the bias correction, per run."""
        return self.decayed_lr(iterations) * self.bias_correction(iterations)

    def _apply(self, params: Params, grads, state: AdamState) -> AdamState:
        correction = self.bias_correction(state.iterations)
        vhats = state.max_second_moments or (None,) * len(params)
        for p, g, m, v, vhat in zip(params, grads, state.first_moments, state.second_moments, vhats, strict=True):
            hyper = self._hypers(g)
            step, denominator = scratch(p.shape, 0), scratch(p.shape, 1)
            m *= hyper["beta_1"]
            np.multiply(g, hyper["one_minus_beta_1"], out=step)
            m += step
            v *= hyper["beta_2"]
            np.square(g, out=step)
            step *= hyper["one_minus_beta_2"]
            v += step
            if vhat is not None:
                np.maximum(vhat, v, out=vhat)
            np.sqrt(v if vhat is None else vhat, out=denominator)
            denominator += hyper["epsilon"]
            lr = self._step_lr(state.iterations, p.shape, hyper)
            np.multiply(lr, expand(correction, p.shape), out=step)
            step *= m  # (lr_t * m) / denominator, in Keras' order
            step /= denominator
            p -= step
        return state
