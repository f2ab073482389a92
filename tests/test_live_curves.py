"""The live SVG curves: round ticks, one line per lane and split, a red cross where a lane diverged, safe labels."""

from __future__ import annotations

import base64
import re

import numpy as np
import pytest

from optviz.figures.live_curves import curves_svg, inline_svg, nice_ticks, svg_image
from optviz.figures.training import DIVERGED_COLOUR


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.02), (0.0, 7.3), (0.0, 1234.0), (0.0, 3e-4), (-2.0, 5.0)])
def test_nice_ticks_are_round_evenly_spaced_and_cover_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert 3 <= len(ticks) <= 11
    steps = np.diff(ticks)
    assert np.allclose(steps, steps[0])
    mantissa = steps[0] / 10 ** np.floor(np.log10(steps[0]))
    assert any(np.isclose(mantissa, m) for m in (1, 2, 2.5, 5))
    assert ticks[0] >= low - 1e-12 and ticks[-1] <= high + 1e-9 and ticks[0] - low < steps[0]


def history(lanes: int, steps: int, blow_up: int | None = None) -> dict[str, np.ndarray]:
    step = np.repeat(np.arange(steps), lanes)
    lane = np.tile(np.arange(lanes), steps)
    loss = 1.0 / (1.0 + step) + 0.1 * lane
    if blow_up is not None:
        loss = np.where((lane == 1) & (step > blow_up), np.nan, loss)
    return {
        "step": step,
        "lane": lane,
        "train_loss": loss,
        "test_loss": loss + 0.05,
        "train_accuracy": 1 - loss / 2,
        "test_accuracy": 1 - loss / 2.2,
    }


def test_every_lane_has_a_train_and_a_test_line_in_both_panels_with_its_points():
    svg = curves_svg(history(3, 50), ["Adam", "SGD", "RMSprop"], ["#111111", "#222222", "#333333"], [None] * 3)
    lines = re.findall(r"<polyline data-points='(\d+)'[^>]*stroke='(#\d+)' ([^/]*)/>", svg)
    assert len(lines) == 3 * 2 * 2
    assert {int(points) for points, _, _ in lines} == {50}
    assert sorted(colour for _, colour, _ in lines) == sorted(["#111111", "#222222", "#333333"] * 4)
    assert sum("stroke-dasharray" in style for _, _, style in lines) == 6  # the test lines are dotted
    assert DIVERGED_COLOUR not in svg


def test_a_diverged_lane_gets_a_red_cross_in_each_panel_and_its_legend_says_when():
    svg = curves_svg(history(2, 40, blow_up=12), ["Adam", "SGD lr=50"], ["#111111", "#222222"], [None, 13])
    assert svg.count(f"stroke='{DIVERGED_COLOUR}'") == 2
    assert "2. SGD lr=50 (diverged at step 13)" in svg
    counts = [int(n) for n in re.findall(r"<polyline data-points='(\d+)'[^>]*stroke='#222222'", svg)]
    assert counts == [13, 13, 13, 13]  # NaN points after the blow-up are left out, not drawn at 0


def test_long_runs_are_thinned_and_labels_are_escaped_in_the_picture():
    svg = curves_svg(history(1, 5000), ["<script>x</script>"], ["#111111"], [None])
    assert max(int(n) for n in re.findall(r"data-points='(\d+)'", svg)) <= 200
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    image = svg_image(svg, "Loss and accuracy curves")
    encoded = re.search(r"base64,([^']+)'", image).group(1)
    assert base64.b64decode(encoded).decode() == svg
    markup = inline_svg(svg, "Loss <and> accuracy")
    assert markup.startswith("<svg role='img' aria-label='Loss &lt;and&gt; accuracy' style='width:100%")
    assert markup.endswith(svg.removeprefix("<svg ")) and markup.count("<svg") == 1


def test_a_retuned_lane_gets_a_dashed_line_in_its_colour_labelled_with_the_change_in_both_views():
    from optviz.figures.training import curves_figure
    from optviz.retunes import Retune

    marks = [Retune(20, 2.0, 1, "lr 0.01 → 0.003"), Retune(35, 3.5, 0, "momentum 0 → 0.9")]
    data = history(2, 50)
    svg = curves_svg(data, ["Adam", "SGD"], ["#111111", "#222222"], [None, None], retunes=marks)
    groups = re.findall(r"<g data-retune='([^']*)'><title>[^<]*</title><line x1='([\d.]+)'[^>]*stroke='(#\d+)'", svg)
    assert [(text, colour) for text, _, colour in groups] == [
        ("2: lr 0.01 → 0.003", "#222222"),
        ("1: momentum 0 → 0.9", "#111111"),
    ] * 2  # in the loss and the score panel
    assert svg.count(">2: lr 0.01 → 0.003</text>") == 1  # written once, in the loss panel
    first, second = float(groups[0][1]), float(groups[1][1])
    assert second > first  # step 35 right of step 20
    figure = curves_figure(data, ["Adam", "SGD"], ["#111111", "#222222"], [None, None], retunes=marks)
    diamonds = [t for t in figure.data if t.meta == "retune"]
    assert len(diamonds) == 4 and {t.x[0] for t in diamonds} == {20, 35}
    on_curve = next(t for t in diamonds if t.x[0] == 20 and t.yaxis == "y")
    assert on_curve.y[0] == pytest.approx(data["train_loss"][(data["lane"] == 1) & (data["step"] == 20)][0])
    assert "retuned at step 20: lr 0.01 → 0.003" in on_curve.hovertemplate and on_curve.marker.color == "#222222"
    lines = [s for s in figure.layout.shapes if s.line.dash == "dash"]
    assert sorted((s.x0, s.xref) for s in lines) == [(20, "x"), (20, "x2"), (35, "x"), (35, "x2")]
    assert [a.text for a in figure.layout.annotations] == ["2: lr 0.01 → 0.003", "1: momentum 0 → 0.9"]
    assert [a.x for a in figure.layout.annotations] == [20, 35] and figure.layout.annotations[0].xref == "x"
    by_epoch = curves_figure(
        {**data, "epoch": data["step"] / 10}, ["Adam", "SGD"], ["#111111", "#222222"], [None, None], "epoch", marks
    )
    assert sorted({s.x0 for s in by_epoch.layout.shapes}) == [2.0, 3.5]
