"""A map's colour scale next to a pole, and the steps where a path jumps across one (optviz.poles,
optviz.figures.colour_scale)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from optviz.figures.colour_scale import clip_note, clipped_range, map_levels
from optviz.figures.surface_layers import contour, log_levels
from optviz.figures.surfaces import default_window, surface_png
from optviz.poles import lane_pole_notes, map_values, pole_crossings, value_range
from optviz.surfaces import SURFACES

WINDOW = ((-2.0, 2.0), (-2.0, 2.0))


def inverse_x(points: np.ndarray) -> np.ndarray:
    """f = 1/x (a pole along x = 0)."""
    with np.errstate(divide="ignore"):
        return 1.0 / points[:, 0]


def log_abs_x(points: np.ndarray) -> np.ndarray:
    """f = log|x| (a logarithmic pole along x = 0)."""
    with np.errstate(divide="ignore"):
        return np.log(np.abs(points[:, 0]))


def gap(points: np.ndarray) -> np.ndarray:
    """f = sqrt(x^2 - 1) + y^2: not defined for |x| < 1."""
    with np.errstate(invalid="ignore"):
        return np.sqrt(points[:, 0] ** 2 - 1.0) + points[:, 1] ** 2


def bulk(value):
    return value_range(map_values(value, WINDOW))


def path(*xs: float, y: float = 0.5) -> np.ndarray:
    """``(T + 1, 1, 2)``: one run through the given x, at height y."""
    return np.array([[[x, y]] for x in xs])


def test_value_range_reads_the_bulk_and_the_extremes_of_the_finite_values():
    values = np.concatenate([np.arange(101.0), [np.nan, np.inf, -1e9]])
    found = value_range(values)
    assert found.minimum == -1e9 and found.maximum == 100.0  # non-finite values are left out
    assert found.low == pytest.approx(np.percentile(values[np.isfinite(values)], 5))
    assert found.median == pytest.approx(49.5)
    assert value_range(np.array([np.nan, np.inf])) is None


@pytest.mark.parametrize(
    ("value", "xs", "step", "undefined"),
    [
        (inverse_x, (-1.2, -0.6, -0.03, 0.007, 0.5), 2, False),  # the odd pole: -∞ then +∞
        (inverse_x, (-1.2, -0.3, 0.02, 0.9), 1, False),  # a long step straight over it
        (log_abs_x, (-1.0, -0.035, 0.012, 0.2), 1, False),  # a logarithmic pole: only -∞, and slowly
        (gap, (-1.8, -1.3, 1.2, 1.6), 1, True),  # over a band where f is not defined
    ],
)
def test_a_step_across_a_pole_or_an_undefined_band_is_found(value, xs, step, undefined):
    found = pole_crossings(value, path(*xs), WINDOW, bulk(value))
    assert len(found) == 1
    crossing = found[0]
    assert (crossing.run, crossing.step, crossing.undefined) == (0, step, undefined)
    ends = value(np.array([[xs[step], 0.5], [xs[step + 1], 0.5]]))
    assert (crossing.loss_before, crossing.loss_after) == pytest.approx(tuple(ends))
    if not undefined:  # f between is beyond both ends and the map (a sample may land on the pole: inf)
        assert crossing.peak > max(abs(ends)) + np.ptp(np.nanpercentile(map_values(value, WINDOW), [5, 95]))


def test_approaching_a_pole_without_crossing_it_is_no_crossing():
    assert pole_crossings(inverse_x, path(-1.2, -0.5, -0.1, -0.01, -0.001), WINDOW, bulk(inverse_x)) == []
    # one side to the same side, right next to it, and a point that does not move
    assert pole_crossings(inverse_x, path(0.001, 0.0005, 0.3, 0.3), WINDOW, bulk(inverse_x)) == []


def test_a_crossing_outside_the_view_is_not_reported():
    window = ((0.5, 2.0), (0.0, 1.0))  # the pole x = 0 is off the map
    assert pole_crossings(inverse_x, path(0.6, -0.2, 0.4), window, value_range(map_values(inverse_x, window))) == []


@pytest.mark.parametrize("surface", SURFACES.values(), ids=lambda s: s.key)
def test_wild_jumps_on_the_built_in_surfaces_are_no_pole(surface):
    rng = np.random.default_rng(3)
    low = np.array([surface.x_range[0], surface.y_range[0]])
    high = np.array([surface.x_range[1], surface.y_range[1]])
    positions = rng.uniform(low - (high - low), high + (high - low), size=(60, 8, 2))  # jumps across the view
    window = (surface.x_range, surface.y_range)
    assert pole_crossings(surface.value, positions, window, bulk_of(surface)) == []


def bulk_of(surface):
    return value_range(map_values(surface.value, (surface.x_range, surface.y_range)))


def test_runs_are_checked_at_once_and_each_as_alone():
    runs = np.concatenate([path(-1.2, -0.6, -0.03, 0.007, 0.5), path(-1.0, -0.9, -0.8, -0.7, -0.6)], axis=1)
    runs = np.concatenate([runs, path(-1.2, -0.3, 0.02, 0.9, 1.0)], axis=1)
    together = pole_crossings(inverse_x, runs, WINDOW, bulk(inverse_x))
    assert [(c.run, c.step) for c in together] == [(0, 2), (2, 1)]
    for crossing in together:
        alone = pole_crossings(inverse_x, runs[:, crossing.run : crossing.run + 1], WINDOW, bulk(inverse_x))[0]
        assert alone.step == crossing.step and alone.loss_before == crossing.loss_before
    assert runs[2, 0, 0] == -0.03  # the input is not modified


def test_lane_pole_notes_name_the_lane_the_steps_and_the_losses():
    values = map_values(inverse_x, WINDOW)
    paths = [path(-1.2, -0.6, -0.03, 0.007, 0.5)[:, 0], path(-1.0, -0.9, -0.8, -0.7, -0.6)[:, 0]]
    notes = lane_pole_notes(inverse_x, WINDOW, values, ["Adam lr=0.05", "SGD lr=0.01"], paths)
    assert len(notes) == 1
    assert notes[0].startswith("Lane 1 (Adam lr=0.05) jumped across a pole of f")
    assert "between steps 2 and 3 (loss -33.33 → 142.9; |f| passes" in notes[0]
    gap_notes = lane_pole_notes(gap, WINDOW, map_values(gap, WINDOW), ["SGD"], [path(-1.8, -1.3, 1.2)[:, 0]])
    assert "a region where f is not defined" in gap_notes[0]


# -- the colour scale ---------------------------------------------------------------------------------------


def test_a_pole_clips_the_colour_scale_to_the_bulk_of_the_values():
    values = map_values(inverse_x, WINDOW)
    clip = clipped_range(values)
    assert clip is not None and clip.low == pytest.approx(-clip.high) and 1 < clip.high < 10
    levels = map_levels(values)
    central = np.nanpercentile(levels, [10, 90])
    assert central[1] - central[0] > 0.3  # most of the map spans many colours, not one beige
    assert np.nanmin(levels) == 0.0 and np.nanmax(levels) == 1.0
    # the clipped scale is monotone in f: the order of the values is kept
    order = np.argsort(values, axis=None)
    assert np.all(np.diff(levels.ravel()[order]) >= 0)
    note = clip_note(values)
    assert note.startswith(f"Colours show f between {clip.low:.3g} and {clip.high:.3g}") and "pole" in note


def old_height_levels(values: np.ndarray) -> np.ndarray:
    """The map's scale before poles were handled (as it was written), for the built-in surfaces."""
    finite = np.isfinite(values)
    lifted = np.log10(1.0 + np.where(finite, values, np.nan) - np.nanmin(values[finite]))
    top = np.nanpercentile(lifted, 99) or 1.0
    return np.clip(lifted / top, 0.0, 1.0)


@pytest.mark.parametrize("surface", SURFACES.values(), ids=lambda s: s.key)
def test_a_built_in_surface_keeps_its_log_scale(surface):
    values = map_values(surface.value, (surface.x_range, surface.y_range))
    assert clipped_range(values) is None and clip_note(values) is None
    np.testing.assert_array_equal(map_levels(values), old_height_levels(values))  # same formula, same numbers


def test_undefined_points_stay_undefined_and_nothing_finite_gives_nan():
    values = map_values(gap, WINDOW)
    assert np.array_equal(np.isnan(map_levels(values)), ~np.isfinite(values))
    assert np.isnan(map_levels(np.full((3, 3), np.nan))).all() and clipped_range(np.full(4, np.inf)) is None


def test_the_map_image_of_a_pole_uses_many_colours():
    from optviz.surface_spec import build_surface, make_spec

    surface = build_surface(make_spec("custom", expression="1/x"))
    image = Image.open(io.BytesIO(base64.b64decode(surface_png(surface, default_window(surface)).split(",")[1])))
    pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
    colours, counts = np.unique(pixels, axis=0, return_counts=True)
    assert len(colours) >= 8 and counts.max() < 0.35 * len(pixels)  # no colour covers most of the map


def test_the_shared_contour_clips_next_to_a_pole_and_keeps_its_levels_elsewhere():
    xs = ys = np.linspace(-2, 2, 60)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    values = inverse_x(points).reshape(gx.shape)
    z = np.asarray(contour(xs, ys, values).z)
    assert np.nanpercentile(z, 90) - np.nanpercentile(z, 10) > 0.3 and np.nanmax(z) <= 1.0
    smooth = (points**2).sum(axis=1).reshape(gx.shape)
    np.testing.assert_array_equal(np.asarray(contour(xs, ys, smooth).z), log_levels(smooth))
