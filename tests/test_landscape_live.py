"""The live landscape keeps its random slice while training goes on (only the paths move, the loss grid is not
evaluated again until a path leaves it), follows the paths with principal directions, and equals the library's
one-shot landscape."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.landscape import session_landscape
from optviz.landscape_live import LandscapeSettings, LiveLandscape
from optviz.lanes import parse_lane
from optviz.training import TrainingSession

MOONS = make_dataset(DatasetSpec("moons", samples=200))
NETWORK = mlp.Network(2, (8, 6), 2, "tanh")
LANES = ["adam:lr=0.02", "sgd:lr=0.2,momentum=0.9", "rmsprop:lr=0.005"]


def session(l2: float = 0.0) -> TrainingSession:
    return TrainingSession(MOONS, NETWORK, [parse_lane(t) for t in LANES], batch_size=16, l2=l2)


@pytest.mark.parametrize("method", ["random", "pca"])
def test_a_fresh_live_landscape_equals_the_one_shot_landscape(method):
    trained = session(0.001)
    trained.advance(40)
    settings = LandscapeSettings(method, "initial", 21, seed=3)
    live = LiveLandscape().update(trained, settings)
    once = session_landscape(trained, "initial", method, 21, seed=3)
    assert np.array_equal(live.plane.directions, once.plane.directions)
    assert np.array_equal(live.alphas, once.alphas) and np.array_equal(live.betas, once.betas)
    assert np.array_equal(live.losses, once.losses)  # the same call on the same arrays
    for mine, theirs in zip(live.projection.coordinates, once.projection.coordinates, strict=True):
        assert np.array_equal(mine, theirs)


def test_random_slice_is_kept_while_training_and_only_paths_move():
    trained = session()
    view, settings = LiveLandscape(), LandscapeSettings("random", "initial", 21)
    first = view.update(trained, settings, running=True)
    trained.advance(2)  # a short way: the paths stay inside the [-1, 1] slice
    second = view.update(trained, settings, running=True)
    assert second.plane is first.plane and second.losses is first.losses and view.grid_evaluations == 1
    assert [len(c) for c in second.projection.coordinates] == [2, 2, 2]
    assert all(np.array_equal(c[0], [0.0, 0.0]) for c in second.projection.coordinates)


def test_the_grid_grows_when_a_path_leaves_it():
    # a 2-2-2 network with a large step: few weights, so its path leaves the [-1, 1] random slice soon
    tiny = TrainingSession(MOONS, mlp.Network(2, (2,), 2, "tanh"), [parse_lane("adam:lr=0.3")], batch_size=16)
    view, settings = LiveLandscape(), LandscapeSettings("random", "initial", 21)
    first = view.update(tiny, settings, running=True)
    tiny.advance(150)
    later = view.update(tiny, settings, running=True)
    reach = np.abs(np.concatenate(later.projection.coordinates)).max(axis=0)
    assert reach[0] > first.alphas[-1]  # the path left the first grid
    assert later.plane is first.plane and view.grid_evaluations == 2
    assert later.alphas[-1] >= reach[0] and later.betas[-1] >= reach[1]


def test_l2_change_evaluates_the_grid_again():
    trained = session()
    view, settings = LiveLandscape(), LandscapeSettings("random", "initial", 11)
    before = view.update(trained, settings)
    trained.set_l2(0.01)
    after = view.update(trained, settings)
    assert view.grid_evaluations == 2 and (after.losses > before.losses).all()


def test_a_lane_centre_is_kept_while_running_and_recentred_when_stopped():
    trained = session()
    trained.advance(10)
    view, settings = LiveLandscape(), LandscapeSettings("random", 1, 11)
    first = view.update(trained, settings, running=True)
    trained.advance(10)
    running = view.update(trained, settings, running=True)
    assert running.plane is first.plane and running.centre_label == "lane 2's weights at step 10"
    stopped = view.update(trained, settings, running=False)
    assert stopped.plane is not first.plane and stopped.centre_label == "lane 2's weights at step 20"
    assert np.array_equal(stopped.projection.coordinates[1][-1], [0.0, 0.0])  # the lane sits at the centre


def test_principal_directions_follow_the_paths_and_refuse_before_training():
    trained = session()
    view, settings = LiveLandscape(), LandscapeSettings("pca", "initial", 11)
    with pytest.raises(ValueError, match=r"train a few steps first|have not moved"):
        view.update(trained, settings)
    trained.advance(20)
    first = view.update(trained, settings)
    trained.advance(20)
    assert view.update(trained, settings).plane is not first.plane


def test_a_centre_that_is_not_a_lane_is_refused():
    with pytest.raises(ValueError, match="lane from 1 to 3"):
        LiveLandscape().update(session(), LandscapeSettings("random", 5, 11))
