"""Native lanes speak their framework: torch.optim / tf.keras argument names and defaults, read from the framework."""

import sys

import numpy as np
import pytest

from optviz import optimizers
from optviz.lanes import Lane, parse_lane, parse_lanes
from optviz.native_lanes import NATIVE_ARGUMENTS, native_arguments
from optviz.runner import run
from optviz.surfaces import get_surface

OPTIMIZERS = ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamax", "nadam")


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture(scope="module")
def tf_keras():
    pytest.importorskip("tensorflow")
    return pytest.importorskip("tf_keras")


def test_torch_defaults_come_from_torch(torch):
    adam = native_arguments("torch", "adam")
    assert list(adam) == ["lr", "beta1", "beta2", "eps", "weight_decay", "amsgrad"]
    assert adam == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False}
    assert native_arguments("torch", "rmsprop")["alpha"] == 0.99 and native_arguments("torch", "rmsprop")["lr"] == 0.01
    assert native_arguments("torch", "adagrad")["eps"] == 1e-10
    assert native_arguments("torch", "adadelta")["eps"] == 1e-6
    assert native_arguments("torch", "nadam")["momentum_decay"] == 0.004
    for name in OPTIMIZERS:  # every offered argument is really one of the class's (betas split in two)
        import inspect

        parameters = inspect.signature(
            getattr(torch.optim, {"nadam": "NAdam", "sgd": "SGD", "rmsprop": "RMSprop"}.get(name, name.capitalize()))
        ).parameters
        for argument in native_arguments("torch", name):
            assert ("betas" if argument in ("beta1", "beta2") else argument) in parameters


def test_tf_keras_defaults_come_from_tf_keras(tf_keras):
    assert native_arguments("tf_keras", "adadelta") == {
        "learning_rate": 0.001,
        "rho": 0.95,
        "epsilon": 1e-7,
        "weight_decay": 0.0,
    }
    assert list(native_arguments("tf_keras", "adam")) == [
        "learning_rate",
        "beta_1",
        "beta_2",
        "epsilon",
        "amsgrad",
        "weight_decay",
    ]
    assert native_arguments("tf_keras", "adagrad")["initial_accumulator_value"] == 0.1
    assert native_arguments("tf_keras", "sgd")["learning_rate"] == 0.01


@pytest.mark.parametrize(
    "text, to_text, code",
    [
        ("torch.adam:lr=0.01,eps=1e-08", "torch.adam:lr=0.01", "torch.optim.Adam(params, lr=0.01)"),
        (
            "torch.adam:eps=0.001,beta2=0.99",
            "torch.adam:beta2=0.99,eps=0.001",
            "torch.optim.Adam(params, betas=(0.9, 0.99), eps=0.001)",
        ),
        (
            "torch.rmsprop:alpha=0.9,centered=1",
            "torch.rmsprop:alpha=0.9,centered=1",
            "torch.optim.RMSprop(params, alpha=0.9, centered=True)",
        ),
        (
            "torch.nadam:momentum_decay=0.01",
            "torch.nadam:momentum_decay=0.01",
            "torch.optim.NAdam(params, momentum_decay=0.01)",
        ),
        ("tf.adam:learning_rate=0.01", "tf.adam:learning_rate=0.01", "tf_keras.optimizers.Adam(learning_rate=0.01)"),
        (
            "tf.sgd:learning_rate=0.01,momentum=0.9,nesterov=1",
            "tf.sgd:momentum=0.9,nesterov=1",
            "tf_keras.optimizers.SGD(momentum=0.9, nesterov=True)",
        ),
        (
            "tf.adagrad:initial_accumulator_value=0,weight_decay=0.01",
            "tf.adagrad:initial_accumulator_value=0,weight_decay=0.01",
            "tf_keras.optimizers.Adagrad(initial_accumulator_value=0, weight_decay=0.01)",
        ),
    ],
)
def test_native_lane_texts_round_trip_with_native_names(text, to_text, code):
    pytest.importorskip("torch" if text.startswith("torch.") else "tf_keras")
    lane = parse_lane(text, allow_native=True)
    assert lane.to_text() == to_text  # values equal to the framework's default are left out
    assert parse_lane(lane.to_text(), allow_native=True) == lane
    assert lane.keras_code() == code
    names = ", ".join(k if v is True else f"{k}=" for k, v in lane.config)
    assert all(name.rstrip("=") in lane.label() for name in names.split(", ") if name)


def test_label_uses_native_names(torch):
    assert parse_lane("torch.adam:lr=0.01,amsgrad=1", allow_native=True).label() == "torch.optim Adam lr=0.01, amsgrad"


@pytest.mark.parametrize(
    "text, message",
    [
        ("torch.adam:epsilon=0.1", "torch.optim Adam has no argument 'epsilon'; it takes lr, beta1, beta2, eps"),
        ("torch.adam:beta_1=0.8", "has no argument 'beta_1'"),
        ("torch.rmsprop:rho=0.9", "has no argument 'rho'; it takes lr, alpha"),
        ("torch.adam:clipnorm=1", "has no argument 'clipnorm'"),
        ("torch.adam:lr=100", "lr must be in [1e-05, 10]"),
        ("torch.adam:eps=0", "eps must be in"),
        ("torch.sgd:nesterov=1", "nesterov needs momentum > 0"),
        ("tf.sgd:lr=0.1", "tf.keras SGD has no argument 'lr'; it takes learning_rate, momentum, nesterov"),
        ("tf.adam:epsilon=abc", "epsilon must be a number"),
        ("tf.nadam:schedule_decay=0.1", "has no argument 'schedule_decay'"),
        ("tf.adam:beta_1=1.5", "beta_1 must be in"),
    ],
)
def test_unknown_keras_only_or_out_of_range_arguments_are_refused(text, message):
    pytest.importorskip("torch" if text.startswith("torch.") else "tf_keras")
    with pytest.raises(ValueError) as error:
        parse_lane(text, allow_native=True)
    assert message in str(error.value)
    lanes, problems = parse_lanes([text], allow_native=True)
    assert lanes == [] and message in problems[0]


def test_create_checks_native_names_too(torch):
    assert Lane.create("adam", "torch", lr=0.01, eps=1e-8).config == (("lr", 0.01),)
    with pytest.raises(ValueError, match="it takes lr, beta1"):
        Lane.create("adam", "torch", epsilon=0.1)
    assert Lane.create("adam").arguments["epsilon"] == 1e-7  # Keras lanes keep Keras names and defaults


def _path(optimizer, steps=60):
    surface = get_surface("rosenbrock")
    return run(optimizer, surface.value_and_grad, np.array([[-1.2, 1.0]]), steps).positions[:, 0]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_torch_lane_at_its_defaults_is_torchs_default_optimizer(torch, name):
    lane = parse_lane(f"torch.{name}", allow_native=True)
    assert lane.config == () and lane.arguments == native_arguments("torch", name)
    cls = getattr(torch.optim, {"nadam": "NAdam", "sgd": "SGD", "rmsprop": "RMSprop"}.get(name, name.capitalize()))
    # the lane builds the very framework call made here (same arguments, same shapes): bit for bit
    np.testing.assert_array_equal(_path(lane.build()), _path(optimizers.TorchOptimizer(cls)))
    keras_like = parse_lane(name).build()  # a Keras lane with Keras' defaults differs (other defaults or rules)
    assert not np.array_equal(_path(lane.build()), _path(keras_like))


@pytest.mark.parametrize("name", ["sgd", "adadelta", "adam", "nadam"])
def test_a_tf_keras_lane_at_its_defaults_is_tf_keras_default_optimizer(tf_keras, name):
    lane = parse_lane(f"tf.{name}", allow_native=True)
    cls = getattr(tf_keras.optimizers, {"sgd": "SGD"}.get(name, name.capitalize()))
    # the lane builds the very framework call made here (same arguments, same shapes): bit for bit
    np.testing.assert_array_equal(_path(lane.build(), 20), _path(optimizers.TFOptimizer(cls()), 20))


def test_non_default_native_arguments_reach_the_framework(torch):
    lane = parse_lane("torch.adam:lr=0.05,beta1=0.5,eps=0.1", allow_native=True)
    expected = optimizers.TorchOptimizer(torch.optim.Adam, lr=0.05, betas=(0.5, 0.999), eps=0.1)
    np.testing.assert_array_equal(_path(lane.build()), _path(expected))  # the same framework call: bit for bit
    assert not np.array_equal(_path(lane.build()), _path(parse_lane("torch.adam:lr=0.05", allow_native=True).build()))


def test_every_native_argument_has_a_widget_range_or_is_a_boolean():
    for framework, table in NATIVE_ARGUMENTS.items():
        assert set(table) == set(OPTIMIZERS), framework
        for arguments in table.values():
            for bounds in arguments.values():
                assert bounds is None or bounds.low < bounds.high


def test_a_missing_framework_refuses_its_lanes_with_a_message(monkeypatch):
    from optviz import native_lanes

    native_lanes._native_defaults.cache_clear()
    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` (and import_module) fail
    try:
        lanes, problems = parse_lanes(["torch.adam:lr=0.01", "adam"], allow_native=True)
        assert [lane.to_text() for lane in lanes] == ["adam"]
        assert "torch.optim is not installed here" in problems[0] and "requirements-frameworks.txt" in problems[0]
    finally:
        monkeypatch.undo()
        native_lanes._native_defaults.cache_clear()
