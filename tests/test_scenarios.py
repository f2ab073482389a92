"""The teaching scenarios show what their lessons say, with the numbers the lessons quote."""

from __future__ import annotations

import numpy as np
import pytest

from optviz.figures.thumbnails import paths_thumbnail
from optviz.page_states.explorer import ExplorerState
from optviz.scenarios import SCENARIOS, get_scenario, run_scenario
from optviz.surface_spec import build_surface

from .test_page_states import params_of


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.key)
def test_every_scenario_link_is_an_explorer_link_without_notes(scenario) -> None:
    state, notes = ExplorerState.from_query(params_of(scenario.url))
    assert notes == [] and state == scenario.state()


def final(key: str) -> list[float]:
    return [float(t.losses[-1, 0]) for t in run_scenario(get_scenario(key))]


def test_momentum_wins_in_the_narrow_valley() -> None:
    sgd, momentum = final("momentum")
    assert sgd > 0.05 and momentum < 1e-6


def test_adaptive_methods_escape_the_saddle_sgd_lingers() -> None:
    sgd, rmsprop, adam = final("saddle")
    assert abs(sgd) < 0.05 and rmsprop < -3 and adam < -4


def test_clipping_rescues_the_diverging_lr() -> None:
    plain, clipped = run_scenario(get_scenario("clipping"))
    assert int(plain.diverged_step[0]) == 4 and int(clipped.diverged_step[0]) == -1
    assert clipped.losses[-1, 0] < 0.5


def test_step_decay_rescues_the_too_large_lr() -> None:
    constant, scheduled = run_scenario(get_scenario("schedule"))
    assert int(constant.diverged_step[0]) == 140 and int(scheduled.diverged_step[0]) == -1
    assert scheduled.losses[-1, 0] < 1e-7
    assert np.all(constant.lrs == 0.21) and np.all(scheduled.lrs[4:, 0] < 0.2)  # below 2/L = 0.2 from step 4
    assert scheduled.lrs[-1, 0] == 0.21 * 0.9 ** (149 // 4)


def test_amsgrad_is_the_more_cautious_one() -> None:
    adam, amsgrad = final("amsgrad")
    assert adam < amsgrad < 1e-3


def test_adadelta_moves_without_an_lr_but_slowly() -> None:
    adadelta, adagrad, sgd = final("adadelta")
    assert sgd < 1e-6 < adadelta < 1.0 < adagrad


def test_noise_adam_settles_lower_than_momentum() -> None:
    momentum, adam = run_scenario(get_scenario("noise"))
    assert momentum.losses.shape[1] == 8  # an ensemble of 8 seeds
    assert np.median(adam.losses[-1]) < 0.1 < np.median(momentum.losses[-1])


def test_a_thumbnail_is_a_png_with_the_paths_drawn() -> None:
    scenario = get_scenario("momentum")
    trajectories = run_scenario(scenario)
    surface = build_surface(scenario.state().surface)
    plain = paths_thumbnail(surface, [], [], size=120)
    drawn = paths_thumbnail(surface, trajectories, ["#ff00ff", "#00ffff"], size=120)
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n" and drawn != plain


def test_an_unknown_scenario_is_refused_with_the_names() -> None:
    with pytest.raises(ValueError, match="momentum"):
        get_scenario("nope")
