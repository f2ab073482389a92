"""2-D loss surfaces with analytic, batched gradients: ``value_and_grad(points (R, 2))``.

The classic optimisation test functions plus teaching cases (saddles, a plateau, a cliff). Every
gradient is written out by hand (checked against finite differences in tests/test_surfaces.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

ValueAndGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]

_FLOAT64 = np.dtype(np.float64)


def _numbers(*values: float) -> tuple[tuple[float, ...], tuple[np.ndarray, ...]]:
    """A formula's constants as written and as read-only 0-d float64 arrays: index with ``points.dtype is _FLOAT64``.

    NumPy combines a 0-d float64 array with a small float64 array about twice as fast as a Python number, and it is the
    same double, so the same bits; other dtypes keep the Python numbers (whose weak typing keeps float32 in float32).
    """
    arrays = tuple(np.array(value, dtype=np.float64) for value in values)
    for array in arrays:
        array.flags.writeable = False
    return values, arrays


@dataclass(frozen=True)
class Surface:
    """A named 2-D loss surface.

    Attributes:
        key: URL/code name, e.g. ``"rosenbrock"``.
        name: display name.
        latex: the formula in LaTeX.
        value_and_grad: ``points (R, 2) -> (values (R,), grads (R, 2))``.
        x_range, y_range: default view window.
        start: default start point.
        minima: known global minima (may be empty, e.g. for a saddle).
        note: one sentence on what the surface teaches.
    """

    key: str
    name: str
    latex: str
    value_and_grad: ValueAndGrad = field(repr=False)
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...] = ()
    note: str = ""

    def value(self, points: np.ndarray) -> np.ndarray:
        """Loss at ``points (R, 2)`` (without the gradient when ``value_and_grad`` has a ``value_only``, as a
        compiled custom formula does: maps and a path's segments need f alone)."""
        points = np.asarray(points, dtype=np.float64)
        value_only = getattr(self.value_and_grad, "value_only", None)
        if value_only is not None:
            return value_only(points)
        return self.value_and_grad(points)[0]

    def grid(self, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``xs (n,), ys (n,), values (n, n)`` over the view window (rows follow y)."""
        xs = np.linspace(*self.x_range, resolution)
        ys = np.linspace(*self.y_range, resolution)
        gx, gy = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            values = self.value(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
        return xs, ys, values


_ROSENBROCK = _numbers(1.0, 200.0, 0.5, -2.0, 2.0)


def _rosenbrock(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    one, two_hundred, half, minus_two, two = _ROSENBROCK[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    one_minus_x = one - x
    valley = y - x * x
    grads = np.empty_like(points)
    grad_x, grad_y = grads[:, 0], grads[:, 1]
    np.multiply(valley, two_hundred, out=grad_y)
    values = valley * grad_y  # 200 valley^2, halved below
    values *= half
    values += one_minus_x * one_minus_x
    np.multiply(x, grad_y, out=grad_x)  # 200 x valley
    grad_x *= minus_two
    one_minus_x *= two
    grad_x -= one_minus_x
    return values, grads


def _bowl(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.einsum("ij,ij->i", points, points), 2.0 * points


def _stack(values: np.ndarray, grad_x: np.ndarray, grad_y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``values`` and the ``(R, 2)`` gradient ``np.column_stack([grad_x, grad_y])``, for two ``(R,)`` columns written
    into one new array: column_stack's generic path costs as much as a few of the runner's array operations."""
    if grad_x.ndim == 1 and grad_x.shape == grad_y.shape:
        grads = np.empty((grad_x.shape[0], 2), np.result_type(grad_x, grad_y))
        grads[:, 0] = grad_x
        grads[:, 1] = grad_y
        return values, grads
    return values, np.column_stack([grad_x, grad_y])


_BEALE = _numbers(1.5, 2.25, 2.625, 1, 2, 4, 6)


def _beale(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c1, c2, c3, one, two, four, six = _BEALE[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    xy, y3 = x * y, y**3  # each computed once where the formulas below repeat it (x * y * y is (x * y) * y)
    r1, r2, r3 = c1 - x + xy, c2 - x + xy * y, c3 - x + x * y3
    two_r1 = two * r1
    grad_x = two_r1 * (y - one) + two * r2 * (y * y - one) + two * r3 * (y3 - one)
    grad_y = two_r1 * x + four * r2 * x * y + six * r3 * x * y * y
    return _stack(r1 * r1 + r2 * r2 + r3 * r3, grad_x, grad_y)


_HIMMELBLAU = _numbers(11, 7, 4, 2)


def _himmelblau(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    eleven, seven, four, two = _HIMMELBLAU[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    a, b = x * x + y - eleven, x + y * y - seven
    return _stack(a * a + b * b, four * x * a + two * b, two * a + four * y * b)


_BOOTH = _numbers(2, 7, 5, 4)


def _booth(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    two, seven, five, four = _BOOTH[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    a, b = x + two * y - seven, two * x + y - five
    return _stack(a * a + b * b, two * a + four * b, four * a + two * b)


_MATYAS = _numbers(0.26, 0.48, 0.52)


def _matyas(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c1, c2, c3 = _MATYAS[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    return _stack(c1 * (x * x + y * y) - c2 * x * y, c3 * x - c2 * y, c3 * y - c2 * x)


_SIX_HUMP_CAMEL = _numbers(4, 2.1, 3, -4, 8, 8.4, 2, 16)


def _six_hump_camel(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    four, c1, three, minus_four, eight, c2, two, sixteen = _SIX_HUMP_CAMEL[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    x2, y2 = x * x, y * y
    values = (four - c1 * x2 + x2 * x2 / three) * x2 + x * y + (minus_four + four * y2) * y2
    return _stack(values, eight * x - c2 * x2 * x + two * x2 * x2 * x + y, x - eight * y + sixteen * y2 * y)


_RASTRIGIN = _numbers(2 * np.pi, 20, 10, 2, 10 * (2 * np.pi))  # tau and 10 tau as Python computes them


def _rastrigin(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tau, twenty, ten, two, ten_tau = _RASTRIGIN[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    values = twenty + x * x - ten * np.cos(tau * x) + y * y - ten * np.cos(tau * y)
    return _stack(values, two * x + ten_tau * np.sin(tau * x), two * y + ten_tau * np.sin(tau * y))


_ACKLEY = _numbers(2 * np.pi, 0.5, -0.2, -20, np.e, 20, 2, np.pi)


def _ackley(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tau, half, c1, minus_twenty, e, twenty, two, pi = _ACKLEY[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    radius = np.sqrt(half * (x * x + y * y))
    envelope = np.exp(c1 * radius)
    ripple = np.exp(half * (np.cos(tau * x) + np.cos(tau * y)))
    values = minus_twenty * envelope - ripple + e + twenty
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(radius > 0, two * envelope / radius, 0.0)  # the cone's tip: take the 0 subgradient
    return _stack(values, scale * x + pi * np.sin(tau * x) * ripple, scale * y + pi * np.sin(tau * y) * ripple)


_STYBLINSKI_TANG = _numbers(0.5, 16, 5, 2, 2.5)


def _styblinski_tang(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    half, sixteen, five, two, c1 = _STYBLINSKI_TANG[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    values = half * (x**4 - sixteen * x * x + five * x + y**4 - sixteen * y * y + five * y)
    return _stack(values, two * x**3 - sixteen * x + c1, two * y**3 - sixteen * y + c1)


_SADDLE = _numbers(2, -2)


def _saddle(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    two, minus_two = _SADDLE[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    return _stack(x * x - y * y, two * x, minus_two * y)


_MONKEY_SADDLE = _numbers(3, -6)


def _monkey_saddle(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    three, minus_six = _MONKEY_SADDLE[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    return _stack(x**3 - three * x * y * y, three * x * x - three * y * y, minus_six * x * y)


_PLATEAU = _numbers(1, 2)


def _plateau(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    one, two = _PLATEAU[points.dtype is _FLOAT64]
    x, y = points[:, 0], points[:, 1]
    well = np.exp(-(x * x + y * y))
    return _stack(one - well, two * x * well, two * y * well)


CLIFF_HEIGHT, CLIFF_STEEPNESS, CLIFF_AT = 20.0, 50.0, 0.5


def _cliff(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = points[:, 0], points[:, 1]
    wall = 0.5 * (1 + np.tanh(0.5 * CLIFF_STEEPNESS * (x - CLIFF_AT)))  # a logistic step, overflow-free
    values = 0.5 * (x * x + y * y) + CLIFF_HEIGHT * wall
    return _stack(values, x + CLIFF_HEIGHT * CLIFF_STEEPNESS * wall * (1 - wall), y)


def _cliff_minimum() -> float:
    """The foot of the cliff leans the bowl's minimum a hair left of 0: solve grad_x = 0 by Newton."""
    x = 0.0
    for _ in range(20):
        wall = 0.5 * (1 + np.tanh(0.5 * CLIFF_STEEPNESS * (x - CLIFF_AT)))
        slope = CLIFF_HEIGHT * CLIFF_STEEPNESS * wall * (1 - wall)
        x -= (x + slope) / (1 + slope * CLIFF_STEEPNESS * (1 - 2 * wall))
    return float(x)


def rotated_quadratic(condition: float = 20.0, angle_degrees: float = 30.0) -> Surface:
    """An ill-conditioned quadratic ``½ pᵀ H p`` whose Hessian H has eigenvalues 1 and ``condition``,
    its axes rotated by ``angle_degrees``: the classic zig-zag valley for plain gradient descent."""
    condition = float(condition)
    if not (1.0 <= condition <= 1e6):
        raise ValueError(f"condition number must be between 1 and 1e6, got {condition:g}")
    angle = np.deg2rad(angle_degrees)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    hessian = rotation @ np.diag([1.0, condition]) @ rotation.T

    def value_and_grad(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        grads = points @ hessian
        return 0.5 * np.einsum("ij,ij->i", points, grads), grads

    a, b, c = hessian[0, 0], 2 * hessian[0, 1], hessian[1, 1]
    return Surface(
        "rotated_quadratic",
        f"Rotated quadratic (κ = {condition:g})",
        rf"f(x, y) = \tfrac12\,({a:.3g}\,x^2 {b:+.3g}\,xy + {c:.3g}\,y^2)\quad(\kappa = {condition:g})",
        value_and_grad,
        (-2.0, 2.0),
        (-2.0, 2.0),
        (-1.8, 1.2),
        ((0.0, 0.0),),
        f"A narrow tilted valley: curvature differs {condition:g}-fold between its axes, so one learning rate "
        "is too big across the valley and too small along it.",
    )


ROSENBROCK = Surface(
    "rosenbrock",
    "Rosenbrock",
    r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
    _rosenbrock,
    (-2.0, 2.0),
    (-1.0, 3.0),
    (-1.2, 1.0),
    ((1.0, 1.0),),
    "A curved banana-shaped valley: easy to fall into, slow to follow to the minimum at (1, 1).",
)
BOWL = Surface(
    "bowl",
    "Convex bowl",
    r"f(x, y) = x^2 + y^2",
    _bowl,
    (-2.0, 2.0),
    (-2.0, 2.0),
    (1.5, 1.5),
    ((0.0, 0.0),),
    "The easiest case: round, convex, one minimum; every sensible setting converges.",
)
_CAMEL_MINIMUM = (0.08984201368301331, -0.7126564032704135)
_STYBLINSKI_MINIMUM = -2.903534027771178

BUILT_IN: tuple[Surface, ...] = (
    BOWL,
    rotated_quadratic(),
    ROSENBROCK,
    Surface(
        "beale",
        "Beale",
        r"f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        _beale,
        (-4.5, 4.5),
        (-4.5, 4.5),
        (-1.0, 1.5),
        ((3.0, 0.5),),
        "Flat regions and sharp ridges: steps that suit one region overshoot in another.",
    ),
    Surface(
        "himmelblau",
        "Himmelblau",
        r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        _himmelblau,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (0.0, 0.0),
        (
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286170),
            (3.584428340330492, -1.848126526964404),
        ),
        "Four equal minima: small changes of start or settings pick a different one.",
    ),
    Surface(
        "booth",
        "Booth",
        r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        _booth,
        (-10.0, 10.0),
        (-10.0, 10.0),
        (-8.0, -6.0),
        ((1.0, 3.0),),
        "A convex quadratic with a mild tilt: a gentle first test.",
    ),
    Surface(
        "matyas",
        "Matyas",
        r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        _matyas,
        (-10.0, 10.0),
        (-10.0, 10.0),
        (-8.0, 6.0),
        ((0.0, 0.0),),
        "A long flat diagonal valley (curvatures 1 and 0.04): plain gradient descent crawls along it.",
    ),
    Surface(
        "six_hump_camel",
        "Six-hump camel",
        r"f = (4 - 2.1x^2 + \tfrac{x^4}{3})\,x^2 + xy + (4y^2 - 4)\,y^2",
        _six_hump_camel,
        (-2.0, 2.0),
        (-1.2, 1.2),
        (-1.6, -0.6),
        (_CAMEL_MINIMUM, (-_CAMEL_MINIMUM[0], -_CAMEL_MINIMUM[1])),
        "Six local minima, two of them global: where a run ends depends on its momentum.",
    ),
    Surface(
        "rastrigin",
        "Rastrigin",
        r"f = 20 + x^2 - 10\cos 2\pi x + y^2 - 10\cos 2\pi y",
        _rastrigin,
        (-5.12, 5.12),
        (-5.12, 5.12),
        (3.1, -2.4),
        ((0.0, 0.0),),
        "An egg box of local minima on a bowl: small steps get stuck, noise and momentum may escape.",
    ),
    Surface(
        "ackley",
        "Ackley",
        r"f = -20e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + e + 20",
        _ackley,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (-3.3, 2.7),
        ((0.0, 0.0),),
        "A nearly flat, bumpy outer region around a deep funnel at the origin.",
    ),
    Surface(
        "styblinski_tang",
        "Styblinski-Tang",
        r"f = \tfrac12\,(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y)",
        _styblinski_tang,
        (-5.0, 5.0),
        (-5.0, 5.0),
        (0.5, 0.5),
        ((_STYBLINSKI_MINIMUM, _STYBLINSKI_MINIMUM),),
        "Four basins of different depth: only the lower-left one is global.",
    ),
    Surface(
        "saddle",
        "Saddle",
        r"f(x, y) = x^2 - y^2",
        _saddle,
        (-2.0, 2.0),
        (-2.0, 2.0),
        (1.8, 0.01),
        (),
        "A saddle point at the origin: gradient descent slows near it; unbounded below, so runs leave.",
    ),
    Surface(
        "monkey_saddle",
        "Monkey saddle",
        r"f(x, y) = x^3 - 3xy^2",
        _monkey_saddle,
        (-2.0, 2.0),
        (-2.0, 2.0),
        (1.5, 0.1),
        (),
        "A flat degenerate saddle (zero curvature at the origin): very slow to leave.",
    ),
    Surface(
        "plateau",
        "Plateau",
        r"f(x, y) = 1 - e^{-(x^2 + y^2)}",
        _plateau,
        (-3.0, 3.0),
        (-3.0, 3.0),
        (2.2, 1.6),
        ((0.0, 0.0),),
        "Almost no gradient far from the well: SGD crawls, adaptive methods rescale and move.",
    ),
    Surface(
        "cliff",
        "Cliff",
        rf"f = \tfrac12(x^2 + y^2) + {CLIFF_HEIGHT:g}\,\sigma({CLIFF_STEEPNESS:g}\,(x - {CLIFF_AT:g}))",
        _cliff,
        (-2.0, 2.0),
        (-2.0, 2.0),
        (-1.8, 1.2),
        ((_cliff_minimum(), 0.0),),
        f"A bowl with a wall at x = {CLIFF_AT:g} whose gradient reaches {CLIFF_HEIGHT * CLIFF_STEEPNESS / 4:g}: "
        "an overshoot into it catapults the run away unless the gradient is clipped (clipnorm / clipvalue).",
    ),
)

SURFACES: dict[str, Surface] = {s.key: s for s in BUILT_IN}


def get_surface(key: str) -> Surface:
    """The built-in surface named ``key``; ``ValueError`` listing the valid names otherwise."""
    try:
        return SURFACES[key]
    except KeyError:
        raise ValueError(f"unknown surface {key!r}; choose one of {', '.join(SURFACES)}") from None


def window_start(x_range: tuple[float, float], y_range: tuple[float, float]) -> tuple[float, float]:
    """A start point in the upper-left part of a view window (a path then crosses most of the view), 4 digits."""
    return (
        float(f"{x_range[0] + 0.2 * (x_range[1] - x_range[0]):.4g}"),
        float(f"{y_range[0] + 0.8 * (y_range[1] - y_range[0]):.4g}"),
    )
