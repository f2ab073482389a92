"""Nadam as in Keras 2.2.4: Adam with a Nesterov momentum schedule; no lr decay."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._base import NON_NEGATIVE, POSITIVE, UNIT_INTERVAL, Optimizer, Params, expand, zeros_like_shapes

# Keras casts 0.96 to floatx (float32 by default) before the power; TensorFlow does the same.
SCHEDULE_BASE = float(np.float32(0.96))
_ONE = np.array(1.0)  # for the float64 momentum schedule (every state holds float64 arrays)
_ONE.flags.writeable = False


class NadamState(NamedTuple):
    """``momentum_schedule``: Keras' ``m_schedule``, the product of all ``mu_t`` so far, one per run."""

    iterations: int
    first_moments: tuple[np.ndarray, ...]
    second_moments: tuple[np.ndarray, ...]
    momentum_schedule: np.ndarray
    clip_factor: np.ndarray


class Nadam(Optimizer):
    """``mu_t = beta_1 * (1 - 0.5 * 0.96**(t * schedule_decay))``; m, v as Adam, then
    ``p -= lr * ((1-mu_t) * g/(1-prod mu) + mu_{t+1} * m/(1-prod mu * mu_{t+1})) / (sqrt(v/(1-beta_2**t)) + eps)``.

    Args: lr (>0, default 0.002), beta_1 and beta_2 in [0, 1), epsilon (>=0, None = 1e-7),
    schedule_decay (>=0), clipnorm, clipvalue. No ``decay`` (a TypeError, as in Keras 2.2.4).
    """

    _bounds = {
        "lr": POSITIVE,
        "beta_1": UNIT_INTERVAL,
        "beta_2": UNIT_INTERVAL,
        "epsilon": NON_NEGATIVE,
        "schedule_decay": NON_NEGATIVE,
    }
    _config_keys = ("lr", "beta_1", "beta_2", "epsilon", "schedule_decay")
    _complemented = ("beta_1", "beta_2")
    has_decay = False

    def __init__(
        self,
        lr: Any = 0.002,
        beta_1: Any = 0.9,
        beta_2: Any = 0.999,
        epsilon: Any = None,
        schedule_decay: Any = 0.004,
        *,
        clipnorm: Any = None,
        clipvalue: Any = None,
    ) -> None:
        super().__init__(
            clipnorm, clipvalue, lr=lr, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, schedule_decay=schedule_decay
        )

    def _init_slots(self, shapes, runs):
        return NadamState(0, zeros_like_shapes(shapes), zeros_like_shapes(shapes), np.ones(runs), np.ones(runs))

    def momentum_cache(self, t: int) -> float | np.ndarray:
        """``mu_t = beta_1 * (1 - 0.5 * 0.96**(t * schedule_decay))``."""
        return self.beta_1 * (1.0 - 0.5 * SCHEDULE_BASE ** (t * self.schedule_decay))

    def _momentum_pair(self, t: int) -> tuple[float | np.ndarray, float | np.ndarray]:
        """``mu_t, mu_{t+1}``: step t's ``mu_{t+1}`` is step t+1's ``mu_t``, kept (the same numbers, computed once)."""
        last = self.__dict__.get("_last_momentum")
        mu_t = last[1] if last is not None and last[0] == t else self.momentum_cache(t)
        mu_next = self.momentum_cache(t + 1)
        self._last_momentum = (t + 1, mu_next)
        return mu_t, mu_next

    def _apply(self, params: Params, grads, state: NadamState) -> NadamState:
        t = state.iterations + 1
        mu_t, mu_next = self._momentum_pair(t)
        schedule = state.momentum_schedule * mu_t
        schedule_next = schedule * mu_next  # (m_schedule * mu_t) * mu_next, as Keras multiplies
        # 1 - s per run, expanded per tensor below (the same numbers); a 0-d 1.0 as _hypers holds scalars, for speed
        one_minus_schedule, one_minus_schedule_next = _ONE - schedule, _ONE - schedule_next
        for p, g, m, v in zip(params, grads, state.first_moments, state.second_moments, strict=True):
            hyper = self._hypers(g)
            g_prime = g / expand(one_minus_schedule, p.shape)
            m *= hyper["beta_1"]
            m += hyper["one_minus_beta_1"] * g
            m_prime = m / expand(one_minus_schedule_next, p.shape)
            v *= hyper["beta_2"]
            v += hyper["one_minus_beta_2"] * np.square(g)
            v_prime = v / (1.0 - expand(self.beta_2**t, p.shape))
            m_bar = (1.0 - expand(mu_t, p.shape)) * g_prime + expand(mu_next, p.shape) * m_prime
            p -= hyper["lr"] * m_bar / (np.sqrt(v_prime) + hyper["epsilon"])
        return NadamState(state.iterations, state.first_moments, state.second_moments, schedule, state.clip_factor)
