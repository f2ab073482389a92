"""Lanes and the ``o=`` URL format: round trips, defaults dropped, helpful errors, Keras code."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import optimizers
from optviz.lanes import PALETTE, Lane, keras_arguments, parse_lane, parse_lanes


@pytest.mark.parametrize(
    "text",
    [
        "adam",
        "adam:lr=0.01,amsgrad=1",
        "sgd:lr=0.001,momentum=0.9,nesterov=1",
        "nadam:schedule_decay=0.01",
        "adadelta:lr=0.5,rho=0.9,epsilon=1e-05,clipnorm=1",
        "rmsprop:clipvalue=0.5,decay=0.01",
    ],
)
def test_text_round_trip(text):
    lane = parse_lane(text)
    assert parse_lane(lane.to_text()) == lane
    assert lane.to_text() == text or set(lane.to_text().split(":")[1].split(",")) == set(text.split(":")[1].split(","))


def test_defaults_are_dropped_and_values_reach_the_optimizer():
    lane = parse_lane("adam:lr=0.001,beta_1=0.8,amsgrad=0")
    assert lane.config == (("beta_1", 0.8),)
    built = lane.build()
    assert isinstance(built, optimizers.Adam) and built.beta_1 == 0.8 and built.lr == 0.001
    assert parse_lane("sgd:clipnorm=0").build().clipnorm is None  # 0 means off
    assert lane.arguments == {**keras_arguments("adam"), "beta_1": 0.8}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("adamw", "unknown optimizer 'adamw'"),
        ("adam:beta=1", "Adam has no argument 'beta'"),
        ("nadam:decay=0.1", "Nadam has no argument 'decay'"),
        ("adam:lr=-1", "lr must be > 0"),
        ("adam:lr=abc", "lr must be a number"),
        ("adam:lr=inf", "finite"),
        ("sgd:nesterov=maybe", "nesterov must be 1 or 0"),
        ("sgd:lr", "not key=value"),
        ("", "empty"),
        ("torch.adam", "not offered"),
        ("jax.adam", "unknown framework prefix"),
    ],
)
def test_bad_lanes_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=message):
        parse_lane(text)


def test_parse_lanes_keeps_the_good_ones_and_caps_the_count():
    lanes, problems = parse_lanes(["adam", "adamw", "sgd:lr=0.1"] + ["rmsprop"] * 6, limit=6)
    assert [lane.optimizer for lane in lanes] == ["adam", "sgd", "rmsprop", "rmsprop", "rmsprop", "rmsprop"]
    assert len(problems) == 3 and "adamw" in problems[0] and "only 6" in problems[-1]


def test_keras_code_in_both_spellings():
    lane = parse_lane("adam:lr=0.01,amsgrad=1")
    assert lane.keras_code() == "keras.optimizers.Adam(lr=0.01, amsgrad=True)"
    assert lane.keras_code(modern=True) == "keras.optimizers.Adam(learning_rate=0.01, amsgrad=True)"
    # the lr is always spelled out, so the two spellings differ even at the defaults (issue 14)
    assert Lane("sgd").keras_code() == "keras.optimizers.SGD(lr=0.01)"
    assert Lane("adam").keras_code(modern=True) == "keras.optimizers.Adam(learning_rate=0.001)"


def test_labels_always_show_the_lr_and_four_significant_digits():
    assert Lane("sgd").label() == "SGD lr=0.01"
    assert parse_lane("adam:lr=0.0108118,beta_1=0.505102").label() == "Adam lr=0.01081, beta_1=0.5051"
    assert parse_lane("adam:lr=0.0108118").to_text() == "adam:lr=0.0108118"  # the link keeps every digit
    assert parse_lane("sgd:lr=0.1,nesterov=1,momentum=0.9").label() == "SGD lr=0.1, momentum=0.9, nesterov"


def test_native_lanes_round_trip_and_build_the_framework_optimizer():
    pytest.importorskip("torch")
    lane = parse_lane("torch.adam:lr=0.01", allow_native=True)
    assert lane.is_native and lane.framework == "torch"
    assert lane.to_text() == "torch.adam:lr=0.01"
    assert lane.label().startswith("torch.optim Adam")
    assert lane.keras_code() == "torch.optim.Adam(params, lr=0.01)"  # torch's own defaults for the rest
    assert isinstance(lane.build(), optimizers.TorchOptimizer)
    lanes, problems = parse_lanes(["torch.sgd:lr=0.1", "tf.adam"], allow_native=False)
    assert lanes == [] and len(problems) == 2


# -- a lane's lr plan (schedule= / plateau=) -----------------------------------------------------------------------
PLANNED = [
    (
        "sgd:lr=0.1,momentum=0.9,schedule=step,drop=0.5,every=100",
        "sgd:lr=0.1,momentum=0.9,schedule=step,every=100,drop=0.5",
    ),
    ("adam:lr=0.01,plateau=0.5,patience=20", "adam:lr=0.01,plateau=0.5,patience=20"),
    ("rmsprop:schedule=cosine,total=300,warmup=10", "rmsprop:schedule=cosine,total=300,warmup=10"),
    ("sgd:schedule=cyclic,max_lr=0.1,up=20,mode=triangular2", "sgd:schedule=cyclic,max_lr=0.1,up=20,mode=triangular2"),
]


@pytest.mark.parametrize(("text", "canonical"), PLANNED)
def test_a_lane_carries_its_plan_through_its_text(text, canonical):
    lane = parse_lane(text, allow_plan=True)
    assert lane.plan is not None and lane.to_text() == canonical
    again = parse_lane(lane.to_text(), allow_plan=True)
    assert again == lane and hash(again) == hash(lane)  # pages cache on lanes: equal text, equal key
    assert again.label().endswith(lane.plan.label()) and " · " in again.label()
    assert len(lane.callbacks()) == 1
    assert "keras.optimizers." in lane.keras_code() and "callbacks = [keras.callbacks." in lane.callbacks_code()


def test_lanes_without_a_plan_are_the_values_they_were():
    lane = parse_lane("sgd:lr=0.1", allow_plan=True)
    assert lane == Lane("sgd", (("lr", 0.1),)) and lane.plan is None and lane.callbacks() == []
    assert lane.callbacks_code() == "" and lane.lr_plan.is_constant
    assert lane.with_plan(parse_lane("sgd:schedule=exp,gamma=0.9", allow_plan=True).plan).with_plan(None) == lane


def test_plans_differing_in_any_number_are_different_lanes():
    base = parse_lane("adam:plateau=0.5,patience=20", allow_plan=True)
    assert base != parse_lane("adam:plateau=0.5,patience=21", allow_plan=True)
    assert base != parse_lane("adam:plateau=0.5,patience=20,min_delta=0.0001001", allow_plan=True)
    assert base != parse_lane("adam", allow_plan=True)
    assert len({base, parse_lane("adam:plateau=0.5,patience=20", allow_plan=True)}) == 1


def test_batch_key_keeps_lanes_with_different_plan_kinds_apart():
    from optviz.lanes import batch_key, batched_callbacks

    plain, step, other_step, plateau, cosine = (
        parse_lane(text, allow_plan=True)
        for text in (
            "sgd:lr=0.1",
            "sgd:lr=0.1,schedule=step,every=10",
            "sgd:lr=0.3,schedule=step,every=50,drop=0.9",
            "sgd:plateau=0.5",
            "sgd:schedule=cosine,total=100",
        )
    )
    keys = [batch_key(lane) for lane in (plain, step, plateau, cosine)]
    assert len(set(keys)) == 4  # a batch never mixes plans, nor planned and plain lanes
    assert batch_key(step) == batch_key(other_step)  # same kind: one batch, per-run numbers
    (callback,) = batched_callbacks([step, other_step], repeats=2)
    assert callback.schedule.every.tolist() == [10, 10, 50, 50]
    assert callback.schedule.drop.tolist() == [0.1, 0.1, 0.9, 0.9]
    assert batched_callbacks([plain, plain]) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sgd:schedule=step,every=-5", "every must be >= 1, got -5"),
        ("sgd:schedule=step,every=0", "every must be >= 1, got 0"),
        ("sgd:schedule=exp,gamma=nan", "gamma must be a finite number, got 'nan'"),
        ("sgd:plateau=1.5", "factor must be in (0, 1)"),
        ("sgd:plateau=0.5,cooldown=-1", "cooldown must be a whole number >= 0, got -1"),
        ("sgd:schedule=cosine,total=100,warmup=100", "warmup must be < total (100), got 100"),
        ("torch.sgd:lr=0.1,schedule=exp,gamma=0.9", "Keras 2.2.4 lanes only"),
    ],
)
def test_bad_plans_raise_value_errors_saying_what_is_allowed(text, message):
    with pytest.raises(ValueError) as error:
        parse_lane(text, allow_native=True, allow_plan=True)
    assert message in str(error.value)


def test_a_page_without_schedules_refuses_a_planned_lane_saying_so():
    with pytest.raises(ValueError, match=r"lr schedules \(schedule=, plateau=\) are not offered on this page"):
        parse_lane("sgd:lr=0.1,schedule=step,every=10")
    lanes, problems = parse_lanes(["sgd:plateau=0.5", "adam"])
    assert [lane.to_text() for lane in lanes] == ["adam"] and "not offered on this page" in problems[0]
    with pytest.raises(ValueError, match="SGD has no argument 'every'"):
        parse_lane("sgd:every=10")  # a stray argument keeps its old message
    with pytest.raises(ValueError, match=r"Keras 2\.2\.4 lanes only"):
        Lane("adam", framework="torch").with_plan(parse_lane("adam:plateau=0.5", allow_plan=True).plan)


def _simulated_lab(colour: str, deficiency: np.ndarray | None) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour as seen with a colour-vision ``deficiency`` (a linear-RGB matrix) or normally."""
    srgb = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    if deficiency is not None:
        linear = np.clip(deficiency @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    t = xyz / np.array([0.9505, 1.0, 1.089])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


#: Machado et al. (2009) full-severity simulation matrices (linear RGB).
DEFICIENCIES = {
    "normal": None,
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]
    ),
}


def _closest_pair(colours, deficiency) -> float:
    labs = [_simulated_lab(c, deficiency) for c in colours]
    return min(float(np.linalg.norm(a - b)) for i, a in enumerate(labs) for b in labs[i + 1 :])


#: Smallest ΔE76 allowed between two lane colours: wide apart for normal vision (thin lines on a map), and still
#: apart under each simulated colour-vision deficiency.
LEAST_DIFFERENCE = {"normal": 30, "protanopia": 12, "deuteranopia": 12, "tritanopia": 12}


@pytest.mark.parametrize("deficiency", list(DEFICIENCIES))
def test_the_six_lane_colours_stay_apart_for_colour_blind_eyes(deficiency):
    """Every pair of the six lane colours differs by at least LEAST_DIFFERENCE; the old Okabe-Ito six do not (sky
    blue/blue #56B4E9/#0072B2 are ΔE 26 apart in normal vision), so the check can fail."""
    assert len(set(PALETTE[:6])) == 6
    assert _closest_pair(PALETTE[:6], DEFICIENCIES[deficiency]) >= LEAST_DIFFERENCE[deficiency]
    okabe_ito = ("#E69F00", "#56B4E9", "#009E73", "#CC79A7", "#0072B2", "#D55E00")
    assert _closest_pair(okabe_ito, DEFICIENCIES["normal"]) < LEAST_DIFFERENCE["normal"]
