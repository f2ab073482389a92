"""2-D loss surfaces with analytic, batched gradients: ``value_and_grad(points (R, 2))``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

ValueAndGrad = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


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
    """

    key: str
    name: str
    latex: str
    value_and_grad: ValueAndGrad = field(repr=False)
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...] = ()

    def value(self, points: np.ndarray) -> np.ndarray:
        """Loss at ``points (R, 2)``."""
        return self.value_and_grad(np.asarray(points, dtype=np.float64))[0]

    def grid(self, resolution: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``xs (n,), ys (n,), values (n, n)`` over the view window (rows follow y)."""
        xs = np.linspace(*self.x_range, resolution)
        ys = np.linspace(*self.y_range, resolution)
        gx, gy = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            values = self.value(np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
        return xs, ys, values


def _rosenbrock(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = points[:, 0], points[:, 1]
    one_minus_x = 1.0 - x
    valley = y - x * x
    grads = np.empty_like(points)
    np.multiply(valley, 200.0, out=grads[:, 1])
    values = valley * grads[:, 1]  # 200 valley^2, halved below
    values *= 0.5
    values += one_minus_x * one_minus_x
    grad_x = grads[:, 0]
    np.multiply(x, grads[:, 1], out=grad_x)  # 200 x valley
    grad_x *= -2.0
    one_minus_x *= 2.0
    grad_x -= one_minus_x
    return values, grads


def _bowl(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.einsum("ij,ij->i", points, points), 2.0 * points


ROSENBROCK = Surface(
    "rosenbrock",
    "Rosenbrock",
    r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
    _rosenbrock,
    (-2.0, 2.0),
    (-1.0, 3.0),
    (-1.2, 1.0),
    ((1.0, 1.0),),
)
BOWL = Surface(
    "bowl", "Convex bowl", r"f(x, y) = x^2 + y^2", _bowl, (-2.0, 2.0), (-2.0, 2.0), (1.5, 1.5), ((0.0, 0.0),)
)

SURFACES: dict[str, Surface] = {s.key: s for s in (BOWL, ROSENBROCK)}


def get_surface(key: str) -> Surface:
    """The built-in surface named ``key``; ``ValueError`` listing the valid names otherwise."""
    try:
        return SURFACES[key]
    except KeyError:
        raise ValueError(f"unknown surface {key!r}; choose one of {', '.join(SURFACES)}") from None
