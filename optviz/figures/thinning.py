"""Fewer points for long series: evenly spread indices, the first and last always kept."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def thin(count: int, limit: int, keep: Sequence[int] = ()) -> np.ndarray:
    """At most ``limit`` (+ ``keep``) evenly spread indices of ``range(count)``, first and last included."""
    if count <= limit:
        return np.arange(count)
    picked = np.round(np.linspace(0, count - 1, limit)).astype(np.int64)
    return np.unique(np.concatenate([picked, np.asarray(keep, dtype=np.int64)]))
