"""Native framework optimizers: agreement where the rules coincide, the documented differences where
they do not (reproduced by changing that one rule in our core), and Keras' TFOptimizer contract."""

from __future__ import annotations

import os

import numpy as np
import pytest

from optviz import optimizers
from optviz.figures.frameworks import STYLES
from optviz.frameworks import DIFFERENCES, native_optimizer
from optviz.lanes import parse_lane
from optviz.native_lanes import FRAMEWORKS, LANE_PREFIXES, NATIVE
from optviz.runner import run
from optviz.surfaces import BOWL, ROSENBROCK, get_surface

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
tf_keras = pytest.importorskip("tf_keras")

STARTS = np.array([[-1.2, 1.0], [0.5, -0.5]])


def path(optimizer, steps=150, surface=ROSENBROCK, starts=STARTS):
    return run(optimizer, surface.value_and_grad, starts, steps).positions


@pytest.mark.parametrize("lane_text", ["sgd:lr=0.0001,momentum=0.9", "sgd:lr=0.0001,momentum=0.9,nesterov=1"])
def test_sgd_momentum_agrees_in_all_three(lane_text):
    lane = parse_lane(lane_text)
    ours = path(lane.build())
    for framework in ("tf_keras_legacy", "torch"):
        theirs = path(native_optimizer(lane, framework).optimizer)
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    "lane_text", ["adam:lr=0.01", "adam:lr=0.02,amsgrad=1", "adamax:lr=0.02", "adadelta", "rmsprop:lr=0.01"]
)
def test_tf_keras_legacy_agrees_with_keras_224(lane_text):
    lane = parse_lane(lane_text)
    theirs = path(native_optimizer(lane, "tf_keras_legacy").optimizer)
    np.testing.assert_allclose(theirs, path(lane.build()), rtol=0, atol=1e-10)


class PaperEpsilonAdam(optimizers.Adam):
    """Our Adam with one rule changed: epsilon added to the bias-corrected sqrt(v) (torch, the paper)."""

    def _apply(self, params, grads, state):
        t = state.iterations + 1
        for p, g, m, v in zip(params, grads, state.first_moments, state.second_moments, strict=True):
            m *= self.beta_1
            m += (1 - self.beta_1) * g
            v *= self.beta_2
            v += (1 - self.beta_2) * g * g
            denominator = np.sqrt(v) / np.sqrt(1 - self.beta_2**t) + self.epsilon
            p -= self.lr / (1 - self.beta_1**t) * m / denominator
        return state


def test_torch_adam_differs_only_by_epsilon_placement():
    lane = parse_lane("adam:lr=0.05,epsilon=0.1")
    torch_path = path(native_optimizer(lane, "torch").optimizer)
    assert np.abs(torch_path - path(lane.build())).max() > 1e-3  # a visible difference
    np.testing.assert_allclose(torch_path, path(PaperEpsilonAdam(lr=0.05, epsilon=0.1)), rtol=0, atol=1e-10)


def test_tf_keras_adagrad_differs_only_by_its_initial_accumulator():
    lane = parse_lane("adagrad:lr=0.1")
    starts = np.array([[0.3, 0.2], [-0.1, 0.05]])  # small gradients: where the 0.1 start matters
    theirs = path(native_optimizer(lane, "tf_keras_legacy").optimizer, 60, BOWL, starts)
    ours = lane.build()
    assert np.abs(theirs - path(ours, 60, BOWL, starts)).max() > 1e-3
    # Our Adagrad, accumulators started at 0.1 instead of 0: the same path.
    params = [starts.copy()]
    state = ours.init(params)
    state = state._replace(accumulators=tuple(np.full_like(a, 0.1) for a in state.accumulators))
    for k in range(60):
        np.testing.assert_allclose(theirs[k], params[0], rtol=0, atol=1e-10)
        params, state = ours.update(params, [BOWL.value_and_grad(params[0])[1]], state)


def test_default_learning_rates_differ_when_asked():
    lane = parse_lane("adadelta")
    assert "learning_rate" not in native_optimizer(lane, "tf_keras", framework_defaults=True).code
    assert native_optimizer(lane, "tf_keras", framework_defaults=True).optimizer.optimizer.learning_rate.numpy() == (
        pytest.approx(0.001)
    )
    assert "learning_rate=1.0" in native_optimizer(lane, "tf_keras").code


def test_every_difference_with_a_demo_shows_a_deviation():
    for difference in DIFFERENCES:
        if difference.lane is None:
            continue
        lane = parse_lane(difference.lane)
        start = np.array([difference.start])
        surface = get_surface(difference.surface)
        ours = run(lane.build(), surface.value_and_grad, start, difference.steps).positions
        for framework in difference.frameworks:
            native = native_optimizer(lane, framework, difference.framework_defaults).optimizer
            theirs = run(native, surface.value_and_grad, start, difference.steps).positions
            assert np.abs(theirs - ours).max() > 1e-8, (difference.title, framework)


def test_tfoptimizer_follows_keras_224_contract():
    native = tf_keras.optimizers.legacy.SGD(learning_rate=0.1)
    wrapped = optimizers.get(native)
    assert isinstance(wrapped, optimizers.TFOptimizer)
    with pytest.raises(TypeError):
        optimizers.TFOptimizer(native, clipnorm=1.0)
    with pytest.raises(NotImplementedError):
        wrapped.get_config()
    with pytest.raises(NotImplementedError):
        optimizers.serialize(wrapped)
    with pytest.raises(NotImplementedError):
        _ = wrapped.weights
    params = [np.ones((2, 2))]
    state = wrapped.init(params)
    params, state = wrapped.update(params, [np.ones((2, 2))], state)
    np.testing.assert_allclose(params[0], 0.9)
    assert state.iterations == 2  # Keras 2.2.x counted each TFOptimizer step twice
    with pytest.raises(ValueError, match="mix independent runs"):
        optimizers.TFOptimizer(tf_keras.optimizers.SGD(clipnorm=1.0))
    with pytest.raises(TypeError):
        optimizers.TFOptimizer("adam")


def test_each_init_starts_fresh_native_state():
    wrapped = optimizers.TFOptimizer(tf_keras.optimizers.legacy.Adam(learning_rate=0.01))
    first, second = path(wrapped, 20), path(wrapped, 20)
    np.testing.assert_array_equal(first, second)  # the same call repeated: exact


def test_torch_optimizer_refuses_per_run_arrays_and_bad_classes():
    with pytest.raises(ValueError, match="one value for all runs"):
        optimizers.TorchOptimizer(torch.optim.Adam, lr=[0.1, 0.2])
    with pytest.raises(TypeError):
        optimizers.TorchOptimizer(optimizers.Adam)
    with pytest.raises(ValueError):
        optimizers.TorchOptimizer(torch.optim.Adam, lr=-1.0)  # torch's own validation


def test_one_framework_registry_drives_the_tables_keyed_by_framework():
    assert set(STYLES) == set(FRAMEWORKS)  # every framework has a line style, and no style a stray key
    assert set(NATIVE) == set(FRAMEWORKS) - {"keras224"}
    assert LANE_PREFIXES == {"torch": "torch", "tf": "tf_keras"}  # the o= prefixes of today's URLs
    assert FRAMEWORKS["torch"].class_name("nadam") == "NAdam" and FRAMEWORKS["tf_keras"].class_name("nadam") == "Nadam"
    for difference in DIFFERENCES:
        assert set(difference.frameworks) <= set(NATIVE), difference.title
