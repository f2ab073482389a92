"""The explorer's 3-D view: paths above the drawn surface at every point, ranges that fit the data, a mesh fine
enough for a narrow valley, a camera that sees the paths, and the browser view's data consistent with the runs."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from optviz.explorer import run_lanes
from optviz.figures.surface_3d import (
    CAMERA_DISTANCE,
    MAX_LANE_POINTS,
    MESH_RESOLUTIONS,
    MESH_TOLERANCE,
    SEE_THROUGH_OPACITY,
    SURFACE_OPACITY,
    Mesh,
    _box,
    build_scene,
    height_scale,
    hidden_shares,
    lifted_path,
    mesh_error,
    scene_view_data,
    surface_3d_figure,
    surface_mesh,
    z_range,
    z_ticks,
)
from optviz.figures.surfaces import PathSet
from optviz.lanes import parse_lane
from optviz.page_states.explorer import EXPLORER_LANES
from optviz.surfaces import Surface, get_surface

from .apptest_helpers import decode

#: The page's default lanes, plus one that jumps across the valley and one that diverges.
LANES = [*EXPLORER_LANES, parse_lane("sgd:lr=0.003,momentum=0.95"), parse_lane("sgd:lr=0.02")]
COLOURS = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#D55E00")


def _paths(surface: Surface, steps: int = 300, lanes=LANES) -> list[PathSet]:
    runs = run_lanes(list(lanes), surface.value_and_grad, surface.start, steps)
    colours = COLOURS[: len(runs)]
    return [
        PathSet(f"{n}. {lane.label()}", c, t)
        for n, (lane, c, t) in enumerate(zip(lanes, colours, runs, strict=True), 1)
    ]


def _window(surface: Surface):
    return tuple(map(float, surface.x_range)), tuple(map(float, surface.y_range))


@pytest.mark.parametrize("key", ["rosenbrock", "beale", "rastrigin", "cliff", "saddle", "plateau"])
@pytest.mark.parametrize("log_height", [True, False])
def test_every_path_is_above_the_drawn_surface_at_every_point(key, log_height):
    surface = get_surface(key)
    scene = build_scene(surface, _paths(surface), log_height=log_height)
    mesh = scene.mesh
    for points in scene.lines:
        drawn = np.isfinite(points[:, 2])
        assert drawn.sum() > 1
        clearance = points[drawn, 2] - mesh.upper(points[drawn, :2])
        assert clearance.min() >= 0.99 * mesh.lift  # each point floats a lift above the mesh under it
        with np.errstate(invalid="ignore"):
            surface_height = mesh.scale(surface.value(points[drawn, :2]))
        assert (points[drawn, 2] >= surface_height).all()  # and above the surface itself
        both = drawn[:-1] & drawn[1:]
        for share in (0.25, 0.5, 0.75):  # along the straight pieces plotly.js draws between points
            between = points[:-1][both] + share * (points[1:][both] - points[:-1][both])
            assert (between[:, 2] > mesh.upper(between[:, :2])).all(), f"a piece dips under the mesh at {share}"


def test_each_step_is_a_point_of_its_line_and_outside_the_window_is_a_gap():
    surface = get_surface("rosenbrock")
    paths = _paths(surface)
    scene = build_scene(surface, paths)
    for path, points, index in zip(paths, scene.lines, scene.index, strict=True):
        positions = path.trajectory.positions[:, 0]
        assert index.shape == (positions.shape[0],) and index[0] == 0 and (np.diff(index) >= 1).all()
        assert index[-1] == points.shape[0] - 1 <= MAX_LANE_POINTS
        (x_low, x_high), (y_low, y_high) = _window(surface)
        inside = (positions[:, 0] >= x_low) & (positions[:, 0] <= x_high)
        inside &= (positions[:, 1] >= y_low) & (positions[:, 1] <= y_high)
        # a step's point is its position (an interpolation with share 0: the same arithmetic, within a few ulps)
        np.testing.assert_allclose(points[index, :2], positions, rtol=1e-12, atol=1e-12)
        assert np.isfinite(points[index, 2]).tolist() == inside.tolist()
    assert not np.isfinite(scene.lines[4][scene.index[4][10:], 2]).any()  # the diverged lane left the view


def test_a_long_jumpy_run_stays_within_the_point_budget():
    surface = get_surface("rosenbrock")
    path = _paths(surface, 2000, [parse_lane("sgd:lr=0.0015,momentum=0.99")])[0]
    mesh = surface_mesh(surface, _window(surface), True)
    points, index = lifted_path(mesh, surface, path.trajectory.positions[:, 0])
    assert 2001 < points.shape[0] <= MAX_LANE_POINTS + 1 and index.shape == (2001,)


def test_the_mesh_is_the_upper_of_both_triangulations():
    xs, ys = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    mesh = Mesh(xs, ys, np.array([[0.0, 1.0], [2.0, 7.0]]), height_scale(np.zeros(1), False))  # z00 z10 / z01 z11
    corners = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=float)
    assert mesh.upper(corners).tolist() == [0.0, 1.0, 2.0, 7.0]
    assert mesh.upper(np.array([[0.5, 0.5]])).tolist() == [3.5]  # the 00-11 diagonal's mean beats 10-01's 1.5
    assert np.isnan(mesh.upper(np.array([[1.5, 0.5], [np.nan, 0.5]]))).all()  # outside the window
    rng = np.random.default_rng(0)
    points = rng.uniform(0, 1, (200, 2))
    u, v = points[:, 0], points[:, 1]
    bilinear = (1 - u) * (1 - v) * 0 + u * (1 - v) * 1 + (1 - u) * v * 2 + u * v * 7
    assert (mesh.upper(points) >= bilinear - 1e-12).all()  # a convex cell: both triangulations lie above


def test_the_valley_floor_is_sampled_finely_enough_and_a_plain_bowl_coarsely():
    rosenbrock = get_surface("rosenbrock")
    window = _window(rosenbrock)
    mesh = surface_mesh(rosenbrock, window, True)
    assert mesh_error(rosenbrock, window, mesh.xs.size, mesh.scale) <= MESH_TOLERANCE
    assert mesh_error(rosenbrock, window, 70, mesh.scale) > 3 * MESH_TOLERANCE  # the old 70² grid: saw-toothed
    for key in ("beale", "himmelblau", "booth"):
        surface = get_surface(key)
        mesh = surface_mesh(surface, _window(surface), True)
        assert mesh_error(surface, _window(surface), mesh.xs.size, mesh.scale) <= MESH_TOLERANCE
    bowl = get_surface("bowl")
    assert surface_mesh(bowl, _window(bowl), True).xs.size == MESH_RESOLUTIONS[0]


@pytest.mark.parametrize("key", ["rosenbrock", "beale"])
def test_the_ranges_fit_the_data(key):
    surface = get_surface(key)
    scene = build_scene(surface, _paths(surface))
    layout = scene.layout["scene"]
    assert layout["xaxis"]["range"] == list(surface.x_range) and layout["yaxis"]["range"] == list(surface.y_range)
    low, high = layout["zaxis"]["range"]
    heights = scene.mesh.heights[np.isfinite(scene.mesh.heights)]
    path_z = np.concatenate([points[:, 2] for points in scene.lines])
    path_z = path_z[np.isfinite(path_z)]
    assert low < heights.min() and high > max(heights.max(), path_z.max())  # nothing cut off
    span = max(heights.max(), path_z.max()) - heights.min()
    assert high - low < 1.1 * span  # and no empty floor or ceiling
    assert layout["aspectmode"] == "manual" and all(not layout[axis]["autorange"] for axis in ("xaxis", "zaxis"))
    assert np.linalg.norm(list(layout["camera"]["eye"].values())) == pytest.approx(CAMERA_DISTANCE)


def test_the_camera_sees_the_paths():
    surface = get_surface("rosenbrock")
    scene = build_scene(surface, _paths(surface, lanes=EXPLORER_LANES))
    box = _box(_window(surface), z_range(scene.mesh, scene.lines))
    eye = list(scene.layout["scene"]["camera"]["eye"].values())
    above, below = [0.0, 0.0, 3.0], [0.0, 0.0, -3.0]
    old = [1.25, 1.25, 1.25]  # plotly's default camera, the old view
    shares = hidden_shares(scene.mesh, scene.lines, np.array([eye, above, below, old]), box)
    assert shares[0] <= 0.05
    assert shares[1] == 0.0 and shares[2] == pytest.approx(1.0)  # from straight above: nothing hidden; below: all
    assert shares[3] > 0.5  # the old view: the valley's wall hides most of the paths
    assert scene.opacity == SURFACE_OPACITY


def test_a_path_in_a_deep_well_gets_a_see_through_surface():
    surface = get_surface("plateau")
    assert build_scene(surface, _paths(surface, lanes=EXPLORER_LANES)).opacity == SEE_THROUGH_OPACITY


def test_a_pole_is_clipped_so_the_rest_of_the_surface_keeps_its_relief():
    def value_and_grad(points):
        x = points[:, 0]
        return 1.0 / x + points[:, 1] ** 2, np.column_stack([-1.0 / x**2, 2 * points[:, 1]])

    pole = Surface("pole", "pole", "1/x + y^2", value_and_grad, (-2.0, 2.0), (-1.0, 1.0), (1.0, 0.5))
    mesh = surface_mesh(pole, ((-2.0, 2.0), (-1.0, 1.0)), False)
    assert -25 < mesh.scale.floor < 0 < mesh.scale.ceiling < 25  # 1/x reaches ±119 on the grid
    assert np.nanmax(mesh.heights) <= mesh.scale.ceiling


def test_the_figure_and_the_browser_data_agree_and_are_valid_plotly():
    surface = get_surface("beale")
    paths = _paths(surface, 120)
    figure = go.Figure(surface_3d_figure(surface, paths).to_dict())  # raises on an invalid property
    assert figure.data[0].type == "surface" and figure.layout.scene.zaxis.title.text == "log10(1 + f − min f)"
    data = scene_view_data(surface, paths)
    mesh = data["mesh"]
    z = decode(mesh["z"])
    assert mesh["type"] == "surface" and z.shape == (len(mesh["y"]), len(mesh["x"]))
    assert mesh["z"]["shape"] == f"{z.shape[0]},{z.shape[1]}"  # plotly.js reads a shape string
    go.Figure([go.Surface(mesh | {"z": z})])
    traces = data["figure"]["data"]
    go.Figure(data["figure"])
    points = decode(data["points"])
    index = decode(data["index"]).astype(int)
    assert index.shape == (len(paths), 121) and data["offsets"][-1] == points.shape[1]
    whole_lines = surface_3d_figure(surface, paths).to_dict()["data"]
    for lane, path in enumerate(paths):
        line, head = traces[data["lanes"][lane] - 1], traces[data["lanes"][lane]]  # data["lanes"] counts the mesh
        assert line["name"] == path.label and line["mode"] == "lines" and head["mode"] == "markers"
        first = data["offsets"][lane]
        at = first + index[lane]
        # float32 in the browser: the step's point is the run's position to float32 precision
        np.testing.assert_allclose(points[:2, at].T, path.trajectory.positions[:, 0], rtol=1e-6, atol=1e-6)
        whole = decode(whole_lines[data["lanes"][lane]]["x"])
        np.testing.assert_allclose(whole, points[0, first : data["offsets"][lane + 1]], rtol=1e-6)  # float32


def test_linear_height_is_the_loss_itself():
    surface = get_surface("booth")
    scene = build_scene(surface, _paths(surface, 50, EXPLORER_LANES), log_height=False)
    xs, ys = np.meshgrid(scene.mesh.xs, scene.mesh.ys)
    values = surface.value(np.column_stack([xs.ravel(), ys.ravel()])).reshape(xs.shape)
    np.testing.assert_allclose(scene.mesh.heights, values, rtol=1e-12)  # no outlier on Booth: nothing clipped
    assert scene.layout["scene"]["zaxis"]["title"]["text"] == "f(x, y)"


@pytest.mark.parametrize(("low", "high"), [(-0.1, 3.5), (-0.16, 5.4), (-75, 2600), (0, 0.32), (-4.2, 4.2), (-80, 260)])
def test_z_ticks_are_round_and_clear_of_the_floor(low, high):
    ticks = z_ticks(low, high)
    assert 3 <= len(ticks) <= 6 and ticks == sorted(ticks)
    assert all(low + (high - low) / 8 <= tick <= high for tick in ticks)
    assert len(set(np.round(np.diff(ticks), 9))) == 1  # evenly spaced
    assert all(str(tick) != "-0.0" for tick in ticks)
