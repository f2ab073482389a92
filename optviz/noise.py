"""Seeded Gaussian noise whose values depend only on (seed, step, coordinate).

A run's noise is the same whatever other runs share the batch, so an ensemble member or a lane
can be re-run alone and reproduce itself. Counter-based (SplitMix64 + Box-Muller), vectorised
over runs: no per-run generator objects.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
_TWO_TO_MINUS_53 = 2.0**-53


def _splitmix64(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


def run_keys(seeds: int | np.ndarray, runs: int) -> np.ndarray:
    """One 64-bit key per run from an integer seed or a per-run array of seeds, shape ``(R,)``."""
    seeds = np.broadcast_to(np.asarray(seeds, dtype=np.int64), (runs,))
    return _splitmix64(seeds.astype(np.uint64))


def gaussian(keys: np.ndarray, step: int, dims: int) -> np.ndarray:
    """Standard normal draws ``(R, dims)`` for ``step``; a pure function of ``(keys[r], step)``."""
    counters = np.uint64(step * 2 * dims) + np.arange(2 * dims, dtype=np.uint64)
    with np.errstate(over="ignore"):
        bits = _splitmix64(keys[:, None] ^ _splitmix64(counters)[None, :])
    uniform = ((bits >> np.uint64(11)).astype(np.float64) + 1.0) * _TWO_TO_MINUS_53  # in (0, 1]
    radius = np.sqrt(-2.0 * np.log(uniform[:, :dims]))
    return radius * np.cos(2.0 * np.pi * uniform[:, dims:])
