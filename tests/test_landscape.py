"""Loss landscapes: grid cells equal the network evaluated alone there, paths start at the centre, filter
normalisation and PCA directions have their defining properties, projections are least squares."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.landscape import (
    Plane,
    loss_grid,
    make_plane,
    pca_directions,
    project,
    random_directions,
    session_landscape,
)
from optviz.lanes import parse_lane
from optviz.training import TrainingSession

MOONS = make_dataset(DatasetSpec("moons", samples=200))
NETWORK = mlp.Network(2, (8, 6), 2, "tanh")
LANES = ["adam:lr=0.02", "sgd:lr=0.2,momentum=0.9", "rmsprop:lr=0.005"]


def trained(steps=60, data=MOONS, network=NETWORK, lanes=LANES, l2=0.0):
    session = TrainingSession(data, network, [parse_lane(t) for t in lanes], batch_size=16, l2=l2)
    for _ in range(3):
        session.advance(steps // 3)
    return session


def alone(network, point, data, l2=0.0):
    """The loss of one network (K = 1) at the flat weight vector ``point``."""
    weights = mlp.unflatten_weights(point[None], network)
    return mlp.loss(weights, data.x_train, data.y_train, network.activation, network.task, l2)[0]


@pytest.mark.parametrize("method", ["random", "pca"])
@pytest.mark.parametrize("centre", ["initial", 1])
def test_a_landscape_cell_equals_the_network_evaluated_alone_there(method, centre):
    session = trained(l2=0.001)
    landscape = session_landscape(session, centre, method, resolution=41, seed=2)
    assert landscape.losses.shape == (41, 41)
    plane = landscape.plane
    for row, column in [(0, 0), (20, 20), (3, 37), (40, 11), (29, 8)]:
        point = plane.centre + [landscape.alphas[column], landscape.betas[row]] @ plane.directions
        # one batch of 1681 grid points vs the same network alone: other array shapes, same sums
        assert landscape.losses[row, column] == pytest.approx(alone(NETWORK, point, MOONS, 0.001), rel=1e-12)


def test_the_centre_cell_is_the_training_loss_the_session_reports():
    session = trained(l2=0.002)
    landscape = session_landscape(session, 2, "random", resolution=21)
    assert landscape.alphas[10] == 0.0 and landscape.betas[10] == 0.0  # symmetric axes, odd resolution
    assert landscape.losses[10, 10] == pytest.approx(session.latest()["train_loss"][2], rel=1e-12)
    assert "lane 3" in landscape.centre_label


def test_regression_landscape_cell_equals_the_network_alone():
    plane_data = make_dataset(DatasetSpec("gauss", samples=150))
    network = mlp.Network(2, (6,), 1, "relu", "regression")
    session = trained(30, plane_data, network, ["adam:lr=0.01", "sgd:lr=0.05"])
    landscape = session_landscape(session, 0, "pca", resolution=11)
    plane = landscape.plane
    point = plane.centre + landscape.alphas[2] * plane.directions[0] + landscape.betas[9] * plane.directions[1]
    assert landscape.losses[9, 2] == pytest.approx(alone(network, point, plane_data), rel=1e-12)


@pytest.mark.parametrize("method", ["random", "pca"])
def test_paths_start_at_the_centre_when_it_is_the_initial_weights(method):
    session = trained()
    landscape = session_landscape(session, "initial", method)
    for coordinates, off_plane, steps in zip(
        landscape.projection.coordinates, landscape.projection.off_plane, landscape.steps, strict=True
    ):
        assert steps[0] == 0 and len(coordinates) == len(steps) == 4
        assert np.array_equal(coordinates[0], [0.0, 0.0]) and off_plane[0] == 0.0
        assert np.abs(coordinates[-1]).max() > 0  # and they move away from it


def test_filter_normalised_directions_match_the_filter_norms_and_ignore_biases():
    session = trained()
    centre = mlp.flatten_weights(session.lane_weights())[0]
    directions = random_directions(NETWORK, centre, seed=5)
    assert directions.shape == (2, NETWORK.parameter_count)
    weights = mlp.unflatten_weights(centre[None], NETWORK)
    parts = mlp.unflatten_weights(directions, NETWORK)
    for index, (part, weight) in enumerate(zip(parts, weights, strict=True)):
        if index % 2:
            assert not part.any()  # bias directions are zero
            continue
        # every kernel column (one output unit's incoming weights) has the norm of the centre's column
        assert np.allclose(np.linalg.norm(part, axis=1), np.linalg.norm(weight, axis=1), rtol=1e-12)
    assert np.array_equal(directions, random_directions(NETWORK, centre, seed=5))
    assert not np.allclose(directions, random_directions(NETWORK, centre, seed=6))
    assert not np.allclose(directions[0], directions[1])


def test_pca_directions_are_orthonormal_and_recover_a_planar_cloud():
    session = trained()
    _, paths = session.trajectories()
    centre = mlp.flatten_weights(session.initial_weights)[0]
    directions, explained = pca_directions(paths, centre)
    assert np.allclose(directions @ directions.T, np.eye(2), atol=1e-12)
    assert explained[0] >= explained[1] > 0 and explained.sum() <= 1 + 1e-12
    # points that lie in a known plane through the centre: PCA finds that plane, the projection keeps everything
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(NETWORK.parameter_count, 2)))[0].T
    cloud = [centre + rng.normal(size=(7, 2)) @ basis for _ in range(3)]
    found, shares = pca_directions(cloud, centre)
    assert np.allclose(found @ basis.T @ basis, found, atol=1e-10)  # found lies in the known plane
    assert shares.sum() == pytest.approx(1.0)
    projection = project(Plane(centre, found, "pca", shares), cloud)
    assert np.allclose(projection.explained, 1.0) and max(o.max() for o in projection.off_plane) < 1e-10


def test_projection_is_least_squares_with_distance_off_the_plane():
    rng = np.random.default_rng(1)
    centre = rng.normal(size=12)
    directions = rng.normal(size=(2, 12))  # not orthogonal, like filter-normalised random directions
    normal = np.linalg.svd(directions)[2][2]  # a unit vector orthogonal to both
    path = np.array([centre, centre + 0.3 * directions[0] - 0.2 * directions[1] + 0.5 * normal])
    projection = project(Plane(centre, directions, "random", np.full(2, np.nan)), [path, path[:1]])
    assert np.allclose(projection.coordinates[0], [[0.0, 0.0], [0.3, -0.2]], atol=1e-12)
    assert np.allclose(projection.off_plane[0], [0.0, 0.5], atol=1e-12)
    assert np.allclose(projection.distance[0], [0.0, np.linalg.norm(path[1] - centre)], rtol=1e-12)
    in_plane = np.sum((0.3 * directions[0] - 0.2 * directions[1]) ** 2)
    assert projection.explained[0] == pytest.approx(in_plane / (in_plane + 0.25), rel=1e-9)
    assert np.isnan(projection.explained[1])  # a path that has not moved


def test_grid_is_one_batch_independent_of_chunking():
    session = trained()
    centre = mlp.flatten_weights(session.initial_weights)[0]
    plane = make_plane(NETWORK, centre, "random", seed=1)
    axis = np.linspace(-1, 1, 9)
    whole = loss_grid(NETWORK, plane, axis, axis[:7], MOONS.x_train, MOONS.y_train)
    pieces = loss_grid(NETWORK, plane, axis, axis[:7], MOONS.x_train, MOONS.y_train, chunk_bytes=1)
    assert whole.shape == (7, 9)
    assert np.allclose(whole, pieces, rtol=1e-12)  # chunks of one point vs one chunk: other shapes


def test_axes_cover_the_paths_and_a_kept_plane_keeps_its_directions():
    session = trained()
    first = session_landscape(session, "initial", "pca", resolution=15)
    reach = np.abs(np.concatenate(first.projection.coordinates)).max(axis=0)
    assert first.alphas[-1] == pytest.approx(1.25 * reach[0]) and first.betas[-1] == pytest.approx(1.25 * reach[1])
    random_slice = session_landscape(session, "initial", "random", resolution=15)
    assert random_slice.alphas[-1] >= 1.0  # at least the paper's [-1, 1]
    session.advance(20)
    later = session_landscape(session, "initial", "pca", resolution=15, plane=first.plane)
    assert later.plane is first.plane and len(later.steps[0]) == len(first.steps[0]) + 1


def test_diverged_lanes_do_not_steer_the_principal_directions():
    lanes = ["adam:lr=0.01", "sgd:lr=0.1", "sgd:lr=10,momentum=0.99"]
    session = trained(60, lanes=lanes)
    assert session.diverged_steps()[2] is not None
    landscape = session_landscape(session, "initial", "pca", resolution=11)
    _, paths = session.trajectories()
    expected, _ = pca_directions(paths[:2], landscape.plane.centre)
    assert np.allclose(np.abs(expected @ landscape.plane.directions.T), np.eye(2), atol=1e-9)


def test_bad_requests_say_what_is_wrong():
    fresh = TrainingSession(MOONS, NETWORK, [parse_lane("adam")])
    with pytest.raises(ValueError, match="need at least two weight snapshots: train a few steps first"):
        session_landscape(fresh, "initial", "pca")
    fresh.advance(5)  # one lane, two snapshots: a single line
    with pytest.raises(ValueError, match="do not span two directions yet"):
        session_landscape(fresh, "initial", "pca")
    with pytest.raises(ValueError, match="unknown direction method 'hessian'; choose one of random, pca"):
        session_landscape(fresh, "initial", "hessian")
    with pytest.raises(ValueError, match="centre must be 'initial' or a lane number from 0 to 0, got 3"):
        session_landscape(fresh, 3)
    with pytest.raises(ValueError, match=r"resolution must be in \[5, 101\], got 500"):
        session_landscape(fresh, resolution=500)


def test_landscape_figure_and_caption_show_paths_and_what_the_projection_hides():
    import plotly.graph_objects as go

    from optviz.figures.landscape import landscape_figure, projection_caption

    lanes = ["adam:lr=0.01", "sgd:lr=0.1", "sgd:lr=10,momentum=0.99"]
    session = trained(60, lanes=lanes)
    landscape = session_landscape(session, "initial", "pca", resolution=15)
    labels, colours = ["Adam", "SGD", "SGD fast"], ["#E69F00", "#56B4E9", "#009E73"]
    figure = landscape_figure(landscape, labels, colours, session.diverged_steps())
    go.Figure(figure.to_dict())  # built without validation: it must still validate
    contour = figure.data[0]
    assert contour.type == "contour" and np.allclose(np.asarray(contour.z), np.log10(landscape.losses))
    paths = [t for t in figure.data if t.type == "scatter" and t.mode == "lines+markers"]
    assert len(paths) == 3 and np.allclose(paths[0].x, landscape.projection.coordinates[0][:, 0])
    assert any(t.marker.symbol == "x" for t in figure.data if t.type == "scatter")  # the diverged lane
    assert figure.layout.xaxis.title.text.startswith("PC1 (")
    caption = projection_caption(landscape, labels)
    share = landscape.projection.explained[0]
    assert f"1. Adam: the slice keeps {share:.0%} of its path's variance" in caption
    assert "top two principal directions" in caption and "off the slice" in caption
