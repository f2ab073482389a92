"""Built-in surfaces: analytic gradients match finite differences, listed minima are minima."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from optviz.surfaces import SURFACES, get_surface, rotated_quadratic

from .tolerances import assert_same_run

ALL = [*SURFACES.values(), rotated_quadratic(condition=1000.0, angle_degrees=-20.0)]


def _random_points(surface, count: int = 200, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    low = np.array([surface.x_range[0], surface.y_range[0]])
    high = np.array([surface.x_range[1], surface.y_range[1]])
    return rng.uniform(low, high, size=(count, 2))


def test_at_least_fourteen_built_in_surfaces_with_the_named_ones():
    wanted = {"bowl", "rotated_quadratic", "rosenbrock", "beale", "himmelblau", "booth", "matyas", "six_hump_camel"}
    wanted |= {"rastrigin", "ackley", "styblinski_tang", "saddle", "monkey_saddle", "plateau", "cliff"}
    assert wanted <= set(SURFACES) and len(SURFACES) >= 14


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_gradient_matches_central_differences(surface):
    points = _random_points(surface)
    values, grads = surface.value_and_grad(points.copy())
    assert values.shape == (len(points),) and grads.shape == points.shape
    step = 1e-6
    for axis in range(2):
        shift = np.zeros(2)
        shift[axis] = step
        numeric = (surface.value(points + shift) - surface.value(points - shift)) / (2 * step)
        scale = np.maximum(1.0, np.abs(numeric))
        assert np.all(np.abs(grads[:, axis] - numeric) / scale < 1e-4), surface.key


@pytest.mark.parametrize("surface", [s for s in ALL if s.minima], ids=lambda s: s.name)
def test_minima_have_zero_gradient_and_the_lowest_value_nearby(surface):
    minima = np.array(surface.minima)
    values, grads = surface.value_and_grad(minima.copy())
    assert np.abs(grads).max() < 1e-6
    rng = np.random.default_rng(1)
    for minimum, value in zip(minima, values, strict=True):
        around = minimum + rng.normal(scale=1e-2, size=(500, 2))
        assert surface.value(around).min() >= value - 1e-12
    if len(minima) > 1:
        assert np.ptp(values) < 1e-9  # listed minima are equally deep (all global)


@pytest.mark.parametrize("surface", ALL, ids=lambda s: s.name)
def test_metadata_is_consistent(surface):
    assert surface.x_range[0] < surface.start[0] < surface.x_range[1]
    assert surface.y_range[0] < surface.start[1] < surface.y_range[1]
    assert surface.latex and surface.name and surface.note
    assert np.isfinite(surface.grid(30)[2]).all()


def test_rosenbrock_does_not_modify_its_input():
    points = np.array([[-1.2, 1.0], [0.5, 0.5]])
    get_surface("rosenbrock").value_and_grad(points)
    assert points.tolist() == [[-1.2, 1.0], [0.5, 0.5]]


def test_rotated_quadratic_condition_number_is_the_hessian_ratio():
    surface = rotated_quadratic(condition=50.0)
    eye = np.eye(2)
    hessian = np.stack([surface.value_and_grad(row[None, :])[1][0] for row in eye])
    eigenvalues = np.linalg.eigvalsh(hessian)
    assert eigenvalues.max() / eigenvalues.min() == pytest.approx(50.0)
    with pytest.raises(ValueError, match="condition number"):
        rotated_quadratic(condition=0.5)


def test_cliff_gradient_explodes_at_the_wall_and_not_elsewhere():
    cliff = get_surface("cliff")
    _, at_wall = cliff.value_and_grad(np.array([[0.5, 0.0]]))
    _, away = cliff.value_and_grad(np.array([[-1.0, 1.0]]))
    assert np.linalg.norm(at_wall) > 100 * np.linalg.norm(away)


def test_unknown_surface_lists_the_choices():
    with pytest.raises(ValueError, match="rosenbrock"):
        get_surface("nope")


# -- batched lanes and metrics ----------------------------------------------------------------------------
def test_run_lanes_batches_by_class_and_equals_each_lane_run_alone():
    from optviz.explorer import lane_groups, run_lanes
    from optviz.lanes import parse_lane
    from optviz.runner import run

    texts = ["sgd:lr=0.01", "adam:lr=0.05", "sgd:lr=0.002,momentum=0.9,clipnorm=0.5", "sgd:nesterov=1,momentum=0.5"]
    lanes = [parse_lane(t) for t in texts]
    assert lane_groups(lanes) == [(0, 2), (1,), (3,)]
    surface = get_surface("cliff")
    batched = run_lanes(lanes, surface.value_and_grad, (-1.8, 1.2), 200, noise_sigma=0.2, noise_seed=3, ensemble=3)
    for lane, trajectory in zip(lanes, batched, strict=True):
        alone = run(
            lane.build(),
            surface.value_and_grad,
            np.array([[-1.8, 1.2]] * 3),
            200,
            noise_sigma=0.2,
            noise_seed=[3, 4, 5],
        )
        assert_same_run(trajectory.positions, alone.positions)  # other batch shapes: a few ulps apart
        np.testing.assert_array_equal(trajectory.clipped, alone.clipped)  # booleans: exact
    assert batched[2].clipped.any() and not batched[0].clipped.any()


def test_run_lanes_runs_each_lanes_lr_plan_batched_as_alone():
    from optviz.explorer import lane_groups, run_lanes
    from optviz.lanes import parse_lane
    from optviz.runner import run

    texts = [
        "sgd:lr=0.002,momentum=0.9",
        "sgd:lr=0.004,schedule=step,every=20,drop=0.5",
        "sgd:lr=0.003,momentum=0.5,schedule=step,every=35,drop=0.8",
        "sgd:lr=0.002,plateau=0.5,patience=3,min_delta=0.5",
        "adam:lr=0.05,schedule=cosine,total=120,warmup=10",
    ]
    lanes = [parse_lane(t, allow_plan=True) for t in texts]
    assert lane_groups(lanes) == [(0,), (1, 2), (3,), (4,)]  # one batch per kind of plan
    surface = get_surface("rosenbrock")
    batched = run_lanes(lanes, surface.value_and_grad, (-1.2, 1.0), 120, noise_sigma=0.1, noise_seed=2, ensemble=2)
    for lane, trajectory in zip(lanes, batched, strict=True):
        alone = run(
            lane.build(),
            surface.value_and_grad,
            np.array([[-1.2, 1.0]] * 2),
            120,
            noise_sigma=0.1,
            noise_seed=[2, 3],
            callbacks=lane.callbacks(),
        )
        assert_same_run(trajectory.positions, alone.positions)  # other batch shapes: a few ulps apart
        np.testing.assert_allclose(trajectory.lrs, alone.lrs, rtol=1e-12)  # per-run arrays vs scalars
    assert batched[1].lrs[:, 0].tolist() == [0.004 * 0.5 ** (k // 20) for k in range(120)]
    assert batched[3].lrs[-1, 0] < 0.002  # the plateau rule cut the lr at least once
    assert np.all(batched[0].lrs == 0.002)


def test_lane_metrics_and_csv():
    from optviz.explorer import run_lanes
    from optviz.lanes import parse_lane
    from optviz.metrics import lane_metrics, trajectories_csv

    surface = get_surface("bowl")
    lanes = [parse_lane("sgd:lr=0.1"), parse_lane("sgd:lr=1.5")]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 100)
    table = lane_metrics(["a", "b"], trajectories, surface, 1e-4)
    # SGD lr=0.1 on x^2+y^2 shrinks the point by 0.8 per step: f = 4.5 * 0.64**k <= 1e-4 first at k = ceil(24.007) = 25
    assert table["steps to tolerance"].tolist()[0] == 25
    assert table["final loss"].iloc[0] == pytest.approx(4.5 * 0.64**100)
    assert table["distance to minimum"].iloc[0] == pytest.approx(np.hypot(1.5, 1.5) * 0.8**100)
    assert pd.isna(table["steps to tolerance"].iloc[1]) and table["diverged at step"].iloc[1] > 0
    csv = trajectories_csv(["a", "b"], trajectories)
    frame = pd.read_csv(io.StringIO(csv))
    assert list(frame.columns) == ["step", "lane", "run", "x", "y", "loss"] and len(frame) == 2 * 101
    csv_path = frame[frame.lane == "a"][["x", "y"]].to_numpy()
    np.testing.assert_array_equal(csv_path, trajectories[0].positions[:, 0])  # a round trip of stored numbers: exact


def test_explorer_figure_is_valid_plotly_with_every_marker_kind():
    """The map skips plotly's validation for speed, so validate it here: noise, clipping, divergence."""
    import plotly.graph_objects as go

    from optviz.explorer import run_lanes
    from optviz.figures.surface_3d import surface_3d_figure
    from optviz.figures.surfaces import MAX_FRAMES, PathSet, explorer_figure, loss_figure
    from optviz.lanes import parse_lane

    surface = get_surface("cliff")
    lanes = [parse_lane("sgd:lr=0.1,momentum=0.9,clipnorm=1"), parse_lane("sgd:lr=5")]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 600, noise_sigma=0.1, ensemble=3)
    assert trajectories[1].diverged_step[0] > 0 and trajectories[0].clipped.any()
    paths = [
        PathSet(f"lane {i}", c, t) for i, (c, t) in enumerate(zip(("#E69F00", "#56B4E9"), trajectories, strict=True))
    ]
    figure = explorer_figure(surface, paths, surface.start)
    checked = go.Figure(figure.to_dict())  # raises on any invalid property, frames included
    assert len(checked.frames) == MAX_FRAMES and checked.frames[-1].name == "600"
    names = [trace.name for trace in checked.data]
    assert {"lane 0: clipped", "lane 1: diverged", "lane 0: noisy runs", "pick", "start", "minimum"} <= set(names)
    go.Figure(surface_3d_figure(surface, paths).to_dict())
    figure_loss, note = loss_figure(paths, 0.0, log_scale=True)
    assert note is None and figure_loss.layout.yaxis.type == "log"


def test_the_browser_views_data_is_valid_plotly_and_its_heads_follow_the_runs():
    """The client-side view's map and loss chart are plotly JSON (validated here); its animated traces are each
    lane's tail, head and ensemble heads, and its positions are every run's, step by step."""
    import base64

    import plotly.graph_objects as go

    from optviz.explorer import run_lanes
    from optviz.figures.surfaces import MAX_FRAMES, PathSet, explorer_view_data, loss_chart
    from optviz.lanes import parse_lane

    surface = get_surface("cliff")
    lanes = [parse_lane("sgd:lr=0.1,momentum=0.9,clipnorm=1"), parse_lane("sgd:lr=5")]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 600, noise_sigma=0.1, ensemble=3)
    colours = ("#E69F00", "#56B4E9")
    paths = [PathSet(f"lane {i}", c, t) for i, (c, t) in enumerate(zip(colours, trajectories, strict=True))]
    data = explorer_view_data(surface, paths, surface.start, loss_chart(paths, 0.0)[0])
    go.Figure(data["map"])  # raises on any invalid property
    go.Figure(data["loss"])
    animated = [data["map"]["data"][i] for i in data["animated"]]
    assert [t.get("name") for t in animated[1::3]] == ["lane 0", "lane 1"]  # per lane: tail, head, ensemble heads
    assert all(t["mode"] == "markers" and t["marker"]["size"] == 6 for t in animated[2::3])
    packed = data["positions"]
    positions = np.frombuffer(base64.b64decode(packed["bdata"]), "<f4").reshape(packed["shape"])
    assert positions.shape == (2, 601, 3, 2) and data["shape"] == [2, 601, 3]
    quiet = [PathSet("solo", "#000000", run_lanes(lanes[:1], surface.value_and_grad, surface.start, 50)[0])]
    alone = explorer_view_data(surface, quiet, surface.start, loss_chart(quiet, 0.0)[0])
    assert len(alone["animated"]) == 2  # one run per lane: tail and head, no empty ensemble trace
    for lane, trajectory in enumerate(trajectories):  # float32 for the browser's animation
        np.testing.assert_allclose(positions[lane], trajectory.positions, rtol=1e-6, atol=1e-6)
    assert data["steps"] == 600 and 600 / data["stride"] <= MAX_FRAMES
    assert data["surface"]["image"]["source"].startswith("data:image/png;base64,")
    layout = data["map"]["layout"]  # fills the box the stylesheet fits to the window; x titled clear of the ticks
    assert "height" not in layout and layout["autosize"] is True
    assert layout["xaxis"]["automargin"] is True and layout["xaxis"]["title"]["standoff"] > 0


def test_pack_array_keeps_every_number_in_the_smallest_plotly_type():
    """The view's arrays go out in plotly.js's typed-array form: floats as float64 (bit for bit, NaN gaps kept),
    whole numbers in the smallest int type that holds them."""
    from optviz.figures.surfaces import pack_array

    from .apptest_helpers import decode

    floats = np.array([0.1, -2.5e-300, np.nan, 1e300, np.inf])
    packed = pack_array(floats)
    assert packed["dtype"] == "f8"
    np.testing.assert_array_equal(decode(packed), floats)  # equal, NaN where NaN
    for values, dtype in (([0, 5, 127], "i1"), ([0, 999], "i2"), ([-1, 70_000], "i4"), ([2**40], "f8")):
        packed = pack_array(np.array(values, dtype=np.int64))
        assert packed["dtype"] == dtype
        np.testing.assert_array_equal(decode(packed), values)


def test_the_views_paths_and_loss_curves_are_packed_and_equal_the_figures():
    """The browser view gets each lane's path and loss curve as packed arrays (not JSON lists of floats, which made
    most of its data and of its encoding time): the same numbers as the checked plotly figure, fewer bytes."""
    import json

    import plotly.graph_objects as go

    from optviz.explorer import run_lanes
    from optviz.figures.surfaces import (
        PathSet,
        explorer_map,
        explorer_view_data,
        loss_chart,
        loss_figure,
        plotly_json,
    )
    from optviz.lanes import parse_lane

    from .apptest_helpers import decode

    surface = get_surface("rosenbrock")
    lanes = [parse_lane("adam:lr=0.01"), parse_lane("sgd:lr=0.001,momentum=0.9,clipnorm=1"), parse_lane("sgd:lr=9")]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 1000)
    paths = [PathSet(f"lane {i}", "#E69F00", t) for i, t in enumerate(trajectories)]
    chart, note = loss_chart(paths, 0.0)
    figure, same_note = loss_figure(paths, 0.0)
    assert isinstance(figure, go.Figure) and note == same_note  # the checked figure is the same chart
    assert figure.to_plotly_json()["layout"]["shapes"] == chart["layout"]["shapes"]  # lane 3 diverged: its line
    data = explorer_view_data(surface, paths, surface.start, chart)
    for lane, trajectory in enumerate(trajectories):
        path = next(t for t in data["map"]["data"] if t.get("name") == f"lane {lane}" and t.get("mode") == "lines")
        assert path["x"]["dtype"] == "f8" and path["y"]["dtype"] == "f8"
        steps = decode(path["customdata"]).astype(int)
        np.testing.assert_array_equal(decode(path["x"]), trajectory.positions[steps, 0, 0])  # float64, exactly
        np.testing.assert_array_equal(decode(path["y"]), trajectory.positions[steps, 0, 1])
        curve = data["loss"]["data"][lane]
        expected = plotly_json(figure)["data"][lane]
        np.testing.assert_array_equal(decode(curve["x"]), decode(expected["x"]))
        np.testing.assert_array_equal(decode(curve["y"]), decode(expected["y"]))
    as_lists = [{k: v.tolist() if isinstance(v, np.ndarray) else v for k, v in trace.items()}
                for trace in explorer_map(surface, paths, surface.start).data[1:]]  # fmt: skip
    listed = json.dumps({**data, "map": plotly_json({"data": as_lists})})  # the same traces as JSON lists
    assert len(json.dumps(data)) < 0.8 * len(listed)


def test_standalone_html_is_self_contained_and_animated():
    """The 2-D figure download: plotly.js inlined (works offline), frames and the surface image included."""
    import json
    import re

    from optviz.explorer import run_lanes
    from optviz.figures.surfaces import PathSet, explorer_figure, standalone_html
    from optviz.lanes import parse_lane

    surface = get_surface("rosenbrock")
    trajectories = run_lanes([parse_lane("adam:lr=0.05")], surface.value_and_grad, surface.start, 60)
    figure = explorer_figure(surface, [PathSet("adam", "#E69F00", trajectories[0])], surface.start)
    html = standalone_html(figure)
    assert not re.search(r"<script[^>]+src=", html)  # nothing fetched from a CDN
    assert "Plotly.newPlot" in html and len(html) > 1_000_000  # plotly.js itself is in the file
    call = html[html.index("Plotly.newPlot") :]
    assert "data:image\\u002fpng;base64," in call and "Plotly.addFrames" in call  # image ("/" escaped), frames
    names = re.findall(r'"name":"(\d+)"', call)
    assert names[0] == "0" and names[-1] == "60" and len(names) == 61
    assert json.loads(json.dumps(figure.to_dict()))["frames"][-1]["name"] == "60"


def test_lr_figure_draws_each_lanes_lr_and_turns_logarithmic_over_a_wide_span():
    from optviz.explorer import run_lanes
    from optviz.figures.lr import lr_figure
    from optviz.figures.surfaces import PathSet
    from optviz.lanes import parse_lane

    lanes = [parse_lane(t, allow_plan=True) for t in ("sgd:lr=0.002", "sgd:lr=0.002,schedule=exp,gamma=0.9")]
    surface = get_surface("rosenbrock")
    trajectories = run_lanes(lanes, surface.value_and_grad, (-1.2, 1.0), 60, noise_sigma=0.1, ensemble=3)
    paths = [PathSet(f"lane {n}", "#000000", t) for n, t in enumerate(trajectories)]
    figure = lr_figure(paths)
    named = {trace.name: trace for trace in figure.data if trace.showlegend is not False}
    assert set(named) == {"lane 0", "lane 1"} and len(figure.data) == 2  # equal ensemble rates drawn once
    np.testing.assert_array_equal(named["lane 1"].y, trajectories[1].lrs[:, 0])  # copies of stored values
    assert figure.layout.yaxis.type == "log"  # 0.9**59: a span of ~500
    assert lr_figure(paths[:1]).layout.yaxis.type == "linear"


def test_a_diverged_lane_has_no_final_loss_and_no_distance():
    """Issue 14: a lane that blew up at step 4 showed 'final loss 2729000000000' and a distance as if ordinary."""
    from optviz.explorer import run_lanes
    from optviz.lanes import parse_lane
    from optviz.metrics import lane_metrics

    surface = get_surface("rosenbrock")
    lanes = [parse_lane("sgd:lr=0.01"), parse_lane("sgd:lr=0.01,clipnorm=1")]
    trajectories = run_lanes(lanes, surface.value_and_grad, surface.start, 50)
    table = lane_metrics(["blown", "clipped"], trajectories, surface, 1e-4)
    assert int(table["diverged at step"].iloc[0]) == 4
    assert np.isnan(table["final loss"].iloc[0]) and np.isnan(table["distance to minimum"].iloc[0])
    assert np.isfinite(table["final loss"].iloc[1]) and pd.isna(table["diverged at step"].iloc[1])


@pytest.mark.parametrize("steps", [1, 7, 123, 300, 600, 1999])
def test_the_exports_step_slider_is_labelled_with_round_steps_and_the_last(steps):
    from optviz.figures.surfaces import MAX_FRAMES, PathSet, explorer_figure, frame_steps, slider_ticks
    from optviz.optimizers import Adam
    from optviz.runner import run

    surface = get_surface("rosenbrock")
    trajectory = run(Adam(lr=0.01), surface.value_and_grad, np.array([surface.start]), steps)
    figure = explorer_figure(surface, [PathSet("Adam", "#E69F00", trajectory)], surface.start).to_dict()
    slider = figure["layout"]["sliders"][0]
    frames = [int(step["label"]) for step in slider["steps"]]
    ticks = slider_ticks(steps)
    assert ticks[0] == 0 and ticks[-1] == steps and set(ticks) <= set(frames)  # the last step among them
    assert len(frames) == len(frame_steps(steps)) <= MAX_FRAMES  # labelled steps replace frames, never add any
    spacing = np.diff(ticks)
    assert np.all(spacing[:-1] == spacing[0]) and spacing[-1] >= spacing[0] / 2  # round, evenly spaced
    assert slider["font"]["color"] == "rgba(0,0,0,0)"  # plotly's every-n-th-frame labels are hidden
    labels = [a for a in figure["layout"]["annotations"] if a.get("yshift")]
    assert [a["text"] for a in labels] == [str(t) for t in ticks]
    # each label sits under its frame's tick: plotly.js spreads the ticks evenly over the slider, 10 px in at the ends
    for label, tick in zip(labels, ticks, strict=True):
        share = frames.index(tick) / max(len(frames) - 1, 1)
        assert label["x"] == pytest.approx(slider["x"] + slider["len"] * share)
        assert label["xshift"] == pytest.approx(10 - 20 * share)


def test_the_metrics_table_reads_four_significant_digits_and_a_dash_for_an_empty_cell():
    import pandas as pd

    from optviz.metrics import readable

    table = pd.DataFrame(
        {
            "lane": ["Adam lr=0.05", "SGD lr=1"],
            "final loss": [1.2251654321, float("nan")],
            "steps to tolerance": pd.array([None, 17], dtype="Int64"),
            "clipped steps": [0, 3],
        }
    )
    shown = readable(table)
    assert shown.to_dict("list") == {
        "lane": ["Adam lr=0.05", "SGD lr=1"],
        "final loss": ["1.225", "—"],
        "steps to tolerance": ["—", "17"],
        "clipped steps": ["0", "3"],
    }
