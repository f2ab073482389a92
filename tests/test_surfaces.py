"""The built-in surfaces: analytic gradients agree with finite differences, minima are real minima."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.surfaces import SURFACES, get_surface, rotated_quadratic

ALL = [*SURFACES.values(), rotated_quadratic(1000.0)]
IDS = [s.key for s in SURFACES.values()] + ["rotated_quadratic_1000"]


def finite_difference(surface, points: np.ndarray, h: float = 1e-6) -> np.ndarray:
    grads = np.empty_like(points)
    for axis in range(2):
        shift = np.zeros(2)
        shift[axis] = h
        grads[:, axis] = (surface.value(points + shift) - surface.value(points - shift)) / (2 * h)
    return grads


def test_there_are_the_fourteen_asked_for_and_more():
    expected = {
        "bowl", "rotated_quadratic", "rosenbrock", "beale", "himmelblau", "booth", "matyas", "six_hump_camel",
        "rastrigin", "ackley", "styblinski_tang", "saddle", "monkey_saddle", "plateau", "cliff",
    }  # fmt: skip
    assert expected <= set(SURFACES)
    for surface in SURFACES.values():
        assert surface.name and surface.latex and surface.note
        assert surface.x_range[0] < surface.start[0] < surface.x_range[1]
        assert surface.y_range[0] < surface.start[1] < surface.y_range[1]


@pytest.mark.parametrize("surface", ALL, ids=IDS)
def test_gradient_matches_finite_differences_at_random_points(surface):
    rng = np.random.default_rng(7)
    low = np.array([surface.x_range[0], surface.y_range[0]])
    high = np.array([surface.x_range[1], surface.y_range[1]])
    points = low + (high - low) * rng.random((200, 2))
    values, grads = surface.value_and_grad(points.copy())
    assert values.shape == (200,) and grads.shape == (200, 2)
    numeric = finite_difference(surface, points)
    scale = 1.0 + np.abs(numeric).max(axis=1, keepdims=True)
    np.testing.assert_allclose(grads / scale, numeric / scale, atol=2e-6)


@pytest.mark.parametrize("surface", [s for s in ALL if s.minima], ids=[s.key for s in ALL if s.minima])
def test_minima_are_flat_and_lowest_nearby(surface):
    minima = np.array(surface.minima)
    values, grads = surface.value_and_grad(minima.copy())
    assert np.abs(grads).max() < 1e-6
    rng = np.random.default_rng(1)
    for minimum, value in zip(minima, values, strict=True):
        around = minimum + rng.normal(scale=1e-2, size=(500, 2))
        assert surface.value(around).min() > value
    # the global minima are the lowest points of a fine grid over the window
    _, _, grid = surface.grid(300)
    assert np.nanmin(grid) >= values.min() - 1e-9


def test_saddles_have_no_minimum_and_a_flat_centre():
    for key in ("saddle", "monkey_saddle"):
        surface = get_surface(key)
        assert surface.minima == ()
        _, grad = surface.value_and_grad(np.zeros((1, 2)))
        assert np.all(grad == 0)
        values = surface.value(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]]))
        assert values.min() < 0 < values.max()  # down one way, up another


def test_rotated_quadratic_has_the_asked_condition_number_and_rejects_nonsense():
    for condition in (1.0, 20.0, 500.0):
        surface = rotated_quadratic(condition)
        hessian = np.column_stack([surface.value_and_grad(np.eye(2))[1][i] for i in range(2)])
        eigenvalues = np.linalg.eigvalsh(hessian)
        assert eigenvalues.max() / eigenvalues.min() == pytest.approx(condition)
        assert (abs(hessian[0, 1]) > 0.1) == (condition > 1)  # turned, not axis-aligned
    assert get_surface("rotated_quadratic", 100.0).name.endswith("100)")
    for bad in (0.5, float("nan"), float("inf"), 1e9):
        with pytest.raises(ValueError, match="condition number"):
            rotated_quadratic(bad)


def test_cliff_gradient_explodes_at_the_wall_only():
    cliff = get_surface("cliff")
    _, at_wall = cliff.value_and_grad(np.array([[1.0, 0.0]]))
    _, away = cliff.value_and_grad(np.array([[2.0, 0.0], [0.0, 0.0], [-1.0, 0.0]]))
    assert at_wall[0, 0] > 40 * np.abs(away).max() / 2
    assert np.abs(away).max() <= 2.0 + 1e-9


def test_plateau_gradient_is_tiny_far_from_the_well():
    plateau = get_surface("plateau")
    _, grads = plateau.value_and_grad(np.array([[2.5, 2.5], [0.5, 0.0]]))
    assert np.linalg.norm(grads[0]) < 1e-4 < 0.5 < np.linalg.norm(grads[1])


def test_rosenbrock_in_place_gradient_leaves_its_input_alone():
    points = np.array([[-1.2, 1.0], [0.5, 0.5]])
    values, _ = get_surface("rosenbrock").value_and_grad(points)
    np.testing.assert_array_equal(points, [[-1.2, 1.0], [0.5, 0.5]])
    x, y = points.T
    np.testing.assert_allclose(values, (1 - x) ** 2 + 100 * (y - x**2) ** 2)


def test_unknown_surface_names_the_valid_ones():
    with pytest.raises(ValueError, match="rosenbrock"):
        get_surface("nope")
