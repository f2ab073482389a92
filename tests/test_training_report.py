"""What the live-training page shows, as data: status line, lanes table, divergence messages, CSV, decision maps
and the throttle that paces costly views while training runs."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.figures.live_maps import decision_maps_svg_html, points_markup
from optviz.lanes import parse_lane
from optviz.training import DIVERGED_LOSS, TrainingSession
from optviz.training_report import (
    Throttle,
    decision_maps_html,
    divergence_messages,
    history_csv,
    lane_labels,
    lane_table,
    live_decision_maps_html,
    maps_signature,
    status_line,
)

MOONS = make_dataset(DatasetSpec("moons", samples=200))
NETWORK = mlp.Network(2, (8, 8), 2, "tanh")


def session(*texts: str, **kwargs) -> TrainingSession:
    return TrainingSession(MOONS, NETWORK, [parse_lane(t) for t in texts], **kwargs)


def test_status_line_counts_steps_epochs_and_samples():
    training = session("adam", batch_size=30)
    training.advance(10)
    line = status_line(training, running=True)
    assert line.startswith("**Step 10** · epoch 2.00 · 5 steps per epoch (150 training, 50 test samples)")
    assert line.endswith("training…") and status_line(training, running=False).endswith("stopped")


def test_lane_table_has_one_row_per_lane_with_the_latest_metrics():
    training = session("adam:lr=0.01", "sgd:lr=0.1,momentum=0.9")
    training.advance(5)
    frame = lane_table(training)
    assert list(frame["lane"]) == lane_labels(training) == ["1. Adam lr=0.01", "2. SGD lr=0.1, momentum=0.9"]
    assert list(frame.columns) == ["lane", "status", "train loss", "test loss", "train accuracy", "test accuracy"]
    latest = training.latest(finite=True)
    np.testing.assert_array_equal(frame["test accuracy"], latest["test_accuracy"])  # the same numbers, copied
    assert list(frame["status"]) == ["ok", "ok"]


def test_a_diverged_lane_gets_a_status_and_a_message_and_others_none():
    training = session("sgd:lr=10,momentum=0.99", "adam:lr=0.01", batch_size=32)
    training.advance(60)
    frame = lane_table(training)
    step = training.diverged_steps()[0]
    assert step is not None and frame["status"][0] == f"DIVERGED at step {step} (frozen)"
    assert frame["status"][1] == "ok" and frame["train loss"][0] >= DIVERGED_LOSS
    messages = divergence_messages(training)
    assert len(messages) == 1 and messages[0].startswith(f"Lane 1 (SGD lr=10, momentum=0.99) diverged at step {step}")
    html = decision_maps_html(training, lane_labels(training), ["#ff0000", "#0000ff"], 16, 60)
    assert html.count("<img") == 2 and f"DIVERGED at step {step}" in html


def test_a_lane_that_joined_later_says_so():
    training = session("adam", batch_size=32)
    training.advance(4)
    training.configure([parse_lane("adam"), parse_lane("sgd")], ["0", "1"])
    assert lane_table(training)["status"][1] == "ok (joined at step 4)"


def test_history_csv_holds_every_evaluation_of_every_lane():
    training = session("adam", "rmsprop")
    training.advance(3)
    frame = pd.read_csv(io.BytesIO(history_csv(training)))
    history = training.history()
    assert list(frame.columns) == [
        "step",
        "epoch",
        "lane",
        "optimizer",
        "train_loss",
        "train_accuracy",
        "test_loss",
        "test_accuracy",
    ]
    assert len(frame) == len(history["step"]) and set(frame["lane"]) == {1, 2}
    assert set(frame.loc[frame["lane"] == 2, "optimizer"]) == {"RMSprop lr=0.001"}
    np.testing.assert_allclose(frame["train_loss"], history["train_loss"], rtol=1e-12)  # through decimal text


def test_maps_signature_changes_with_steps_and_colours_only():
    training = session("adam")
    labels = lane_labels(training)
    first = maps_signature(training, labels, ["#111111"])
    assert maps_signature(training, labels, ["#111111"]) == first
    assert maps_signature(training, labels, ["#222222"]) != first
    training.advance(1)
    assert maps_signature(training, labels, ["#111111"]) != first


def test_throttle_rebuilds_on_change_but_not_faster_than_its_pace_while_running():
    throttle = Throttle(0.5)
    assert throttle.due("a", now=0.0, running=True)  # nothing built yet
    assert throttle.keep("a", 0.0, "maps a") == "maps a"
    assert not throttle.due("a", now=10.0, running=False)  # same signature: never again
    assert not throttle.due("b", now=0.3, running=True)  # changed, but too soon while running
    assert throttle.due("b", now=0.5, running=True)
    assert throttle.due("b", now=0.1, running=False)  # stopped: at once


def test_live_maps_are_inline_svg_with_the_same_captions_and_no_image():
    training = session("sgd:lr=10,momentum=0.99", "adam:lr=0.01", batch_size=32)
    training.advance(60)
    labels, colours = lane_labels(training), ["#ff0000", "#0000ff"]
    live = live_decision_maps_html(training, labels, colours, 16, 60)
    assert "<img" not in live and live.count("<svg") == 2
    step = training.diverged_steps()[0]
    assert f"DIVERGED at step {step}" in live and "border-top:4px solid #0000ff" in live
    still = decision_maps_html(training, labels, colours, 16, 60)
    captions = re.findall(r"<figcaption[^>]*>([^<]*)<", live)
    assert captions == re.findall(r"<figcaption[^>]*>([^<]*)<", still)  # the same maps, drawn another way


def test_live_map_cells_tile_the_square_once_with_one_path_per_colour():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1.0, 1.0, 1.0], size=(1, 7, 7))  # (K, G, G, C)
    markup = decision_maps_svg_html(probabilities, "", ["lane"], ["#123456"], [False], 50)
    fills = re.findall(r"<path fill='(#[0-9A-F]{6})' d='([^']*)'/>", markup)
    assert len({fill for fill, _ in fills}) == len(fills)  # one path per colour
    rectangles = [
        tuple(map(int, r)) for _, d in fills for r in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+z", d)
    ]
    covered = np.zeros((50, 50), dtype=int)
    for x, y, w, h in rectangles:
        covered[y : y + h, x : x + w] += 1
    assert np.all(covered == 1)  # every pixel exactly once: no seam, no overlap


def test_points_markup_draws_every_point_once():
    xs = ys = np.linspace(-1.0, 1.0, 5)
    x = np.array([[0.0, 0.0], [0.5, -0.5], [-0.5, 0.5]])
    y = np.array([0, 1, 1])
    markup = points_markup(xs, ys, (x, y, x[:1], y[:1]), 101)
    assert markup.count("h0") == 2 * 3  # a white rim and a coloured dot per training point
    assert markup.count("l4 4l-4 4l-4-4z") == 1 and "M50.0 50.0h0" in markup  # the centre is pixel 50
