"""The NumPy MLP: Keras initialisation, batched forward pass, gradients against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optviz import mlp


def _random_weights(network, runs, seed=0, scale=0.7):
    rng = np.random.default_rng(seed)
    return [w + rng.normal(0.0, scale, w.shape) for w in mlp.init_weights(network, 0, runs)]


def test_keras_default_initialisation():
    network = mlp.Network(2, (16, 8), 3, "relu")
    weights = mlp.init_weights(network, seed=1, runs=4)
    assert [w.shape for w in weights] == [(4, 2, 16), (4, 16), (4, 16, 8), (4, 8), (4, 8, 3), (4, 3)]
    for kernel, fan_in, fan_out in zip(weights[::2], (2, 16, 8), (16, 8, 3), strict=True):
        assert np.abs(kernel).max() <= math.sqrt(6 / (fan_in + fan_out))
        assert np.array_equal(kernel[0], kernel[3])  # identical copies
    assert all(not b.any() for b in weights[1::2])
    assert sum(w[0].size for w in weights) == network.parameter_count


@pytest.mark.parametrize("activation", mlp.ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (5,), (4, 3, 5)])
def test_gradients_match_finite_differences(activation, hidden):
    network = mlp.Network(3, hidden, 4, activation)
    weights = _random_weights(network, runs=2)
    rng = np.random.default_rng(1)
    x, labels = rng.normal(size=(6, 3)), rng.integers(0, 4, 6)
    _, grads = mlp.loss_and_grads(weights, x, labels, activation)
    h = 1e-6
    for tensor, grad in zip(weights, grads, strict=True):
        numeric = np.zeros_like(tensor)
        for index in np.ndindex(tensor.shape):
            original = tensor[index]
            tensor[index] = original + h
            up = mlp.cross_entropy(mlp.predict_proba(weights, x, activation), labels)[index[0]]
            tensor[index] = original - h
            down = mlp.cross_entropy(mlp.predict_proba(weights, x, activation), labels)[index[0]]
            tensor[index] = original
            numeric[index] = (up - down) / (2 * h)
        assert np.allclose(grad, numeric, atol=1e-7, rtol=1e-5)


def test_runs_are_independent_and_equal_one_by_one():
    network = mlp.Network(2, (6, 6), 3, "tanh")
    weights = _random_weights(network, runs=3, seed=4)
    rng = np.random.default_rng(2)
    x, labels = rng.normal(size=(10, 2)), rng.integers(0, 3, 10)
    losses, grads = mlp.loss_and_grads(weights, x, labels, "tanh")
    for run in range(3):
        alone, alone_grads = mlp.loss_and_grads([w[run : run + 1] for w in weights], x, labels, "tanh")
        assert np.allclose(alone, losses[run])
        for a, b in zip(alone_grads, grads, strict=True):
            assert np.allclose(a[0], b[run])


def test_keras_clipped_cross_entropy_gives_no_gradient_for_saturated_samples():
    weights = [np.array([[[50.0, -50.0]]]), np.zeros((1, 2))]  # logit gap 100 * x: saturated for |x| >= 1
    x, labels = np.array([[1.0], [-1.0]]), np.array([1, 1])
    losses, grads = mlp.loss_and_grads(weights, x, labels, "relu")
    # sample 0 is confidently wrong (p = e^-100 -> clipped to 1e-7), sample 1 confidently right (clipped to 1-1e-7)
    assert np.isclose(losses[0], (-math.log(1e-7) - math.log(1 - 1e-7)) / 2)
    assert not any(g.any() for g in grads)


def test_accuracy_and_probabilities():
    network = mlp.Network(2, (4,), 3, "sigmoid")
    weights = _random_weights(network, runs=2)
    x = np.random.default_rng(0).normal(size=(7, 2))
    probabilities = mlp.predict_proba(weights, x, "sigmoid")
    assert probabilities.shape == (2, 7, 3)
    assert np.allclose(probabilities.sum(axis=-1), 1.0)
    labels = probabilities[0].argmax(axis=-1)
    assert mlp.accuracy(probabilities, labels)[0] == 1.0


def test_bad_networks_say_what_is_wrong():
    with pytest.raises(ValueError, match="unknown activation 'elu'"):
        mlp.Network(2, (4,), 2, "elu")
    with pytest.raises(ValueError, match="at most 4 hidden layers"):
        mlp.Network(2, (4,) * 5, 2)
    with pytest.raises(ValueError, match="1 to 64 units"):
        mlp.Network(2, (65,), 2)


def test_keras_code_describes_the_network():
    code = mlp.Network(2, (16, 8), 3, "tanh").keras_code()
    assert "keras.layers.Dense(16, activation='tanh', input_shape=(2,))" in code
    assert "keras.layers.Dense(8, activation='tanh')," in code
    assert "keras.layers.Dense(3, activation='softmax')" in code
    assert "input_shape=(64,)" in mlp.Network(64, (), 10).keras_code()
