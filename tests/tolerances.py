"""How closely one computation done along two routes (another batch shape, another code path) must agree.

NumPy's vectorised loops may round differently for different array lengths, strides and CPUs (SIMD paths
for ``power``, ``sqrt``, division), so a run computed inside a batch and the same run computed alone agree
to a few ulps, not bit for bit. Exact equality is kept for the very same call repeated (purity, a seeded
run's determinism, copies of stored values) and for values that are not floating-point results.
"""

from __future__ import annotations

import numpy as np

#: A few ulps of float64 (eps = 2.2e-16), with room for rounding differences that grow over a few hundred steps.
ULPS_RTOL = 1e-12
#: The same bound in absolute terms, for values of order one that pass near zero (a path crossing an axis
#: keeps the rounding of the larger numbers it was computed from).
ULPS_ATOL = 1e-12


def assert_same_run(actual, expected, *, err_msg: str = "") -> None:
    """Assert that ``actual`` and ``expected``, one computation of values of order one along two routes,
    agree to a few ulps (NaN where both are NaN counts as equal; shapes must match)."""
    np.testing.assert_allclose(actual, expected, rtol=ULPS_RTOL, atol=ULPS_ATOL, equal_nan=True, err_msg=err_msg)
