"""Custom f(x, y): whitelisted parsing, refusals with reasons, sympy gradients, no hangs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from optviz.expressions import MAX_LENGTH, ExpressionError, custom_surface, parse_expression
from optviz.optimizers import SGD
from optviz.runner import run


def test_value_and_gradient_of_a_formula():
    surface = custom_surface("sin(x)*y**2 + 0.1*(x**2+y**2)", (-2, 2), (-1, 3))
    points = np.array([[1.0, 2.0], [-0.5, 0.3]])
    values, grads = surface.value_and_grad(points)
    x, y = points.T
    np.testing.assert_allclose(values, np.sin(x) * y**2 + 0.1 * (x**2 + y**2))
    np.testing.assert_allclose(grads[:, 0], np.cos(x) * y**2 + 0.2 * x)
    np.testing.assert_allclose(grads[:, 1], 2 * np.sin(x) * y + 0.2 * y)
    assert surface.key == "custom" and surface.x_range == (-2.0, 2.0) and surface.y_range == (-1.0, 3.0)
    assert r"\sin" in surface.latex


@pytest.mark.parametrize(
    "text",
    [
        "exp(-x**2)*cos(y) + abs(x)",
        "sqrt(x**2 + y**2 + 1) - pi*e",
        "tanh(x) + sinh(y)/cosh(y) + log(2 + x**2)",
        "-x - +y",
    ],
)
def test_every_allowed_function_matches_finite_differences(text):
    surface = custom_surface(text)
    rng = np.random.default_rng(0)
    points = rng.uniform(-1.8, 1.8, size=(50, 2))
    _, grads = surface.value_and_grad(points)
    step = 1e-6
    for axis in range(2):
        shift = np.eye(2)[axis] * step
        numeric = (surface.value(points + shift) - surface.value(points - shift)) / (2 * step)
        np.testing.assert_allclose(grads[:, axis], numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("__import__('os').system('ls')", "unknown function"),
        ("x.real", "Attribute is not allowed"),
        ("().__class__", "Attribute is not allowed"),
        ("lambda: 1", "Lambda is not allowed"),
        ("[x for x in y]", "ListComp is not allowed"),
        ("open('f')", "unknown function 'open'"),
        ("z + 1", "unknown name 'z'"),
        ("x^2", "use \\*\\* for powers"),
        ("x < y", "comparisons"),
        ("'text'", "is not a number"),
        ("True", "is not a number"),
        ("x +", "not a formula"),
        ("1/0", "division by zero"),
        ("x/(1-1)", "division by zero"),
        ("sin(x, y)", "exactly one argument"),
        ("sin(x=1)", "exactly one argument"),
        ("x ** 100", "exponent 100 is too large"),
        ("exp(1000)", "not a finite real number"),
        ("1e400", "too large"),
        ("", "type a formula"),
        ("x+" * 200 + "x", f"at most {MAX_LENGTH}"),
        ("sqrt(-1 - x**2)", "not a finite real number anywhere"),
    ],
)
def test_refusals_say_why(text, reason):
    with pytest.raises(ExpressionError, match=reason):
        custom_surface(text)


@pytest.mark.parametrize("text", ["9**9**9", "2**2**2**2**2", "(9**50)**50", "10**10**10 * x", "x**(9**9)"])
def test_huge_powers_are_refused_at_once(text):
    began = time.perf_counter()
    with pytest.raises(ExpressionError, match="too large"):
        parse_expression(text)
    assert time.perf_counter() - began < 0.5


def test_bad_window_is_refused():
    with pytest.raises(ExpressionError, match="x range"):
        custom_surface("x**2", (2, -2), (-1, 1))


def test_points_where_f_is_undefined_mark_divergence_instead_of_crashing():
    surface = custom_surface("log(x) + y**2", (0.1, 3), (-1, 1), start=(0.3, 0.5))
    trajectory = run(SGD(lr=np.array([1e-4, 1.0])), surface.value_and_grad, np.array([[0.3, 0.5]] * 2), 50)
    assert trajectory.diverged.tolist() == [False, True]
    assert np.isfinite(trajectory.positions).all()


def test_constant_formula_gives_zero_gradient_per_point():
    values, grads = custom_surface("pi").value_and_grad(np.zeros((3, 2)))
    assert values.shape == (3,) and np.allclose(values, np.pi) and not grads.any()
