"""Lanes and the ``o=`` URL format: round trips, defaults dropped, helpful errors, Keras code."""

from __future__ import annotations

import pytest

from optviz import optimizers
from optviz.lanes import Lane, keras_arguments, parse_lane, parse_lanes


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
    assert Lane("sgd").keras_code() == "keras.optimizers.SGD()"
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
