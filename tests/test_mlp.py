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


def _numeric_gradients(weights, loss_of, h=1e-6):
    """Central differences of ``loss_of(weights) -> (K,)`` for every weight (run index = first axis)."""
    numeric = []
    for tensor in weights:
        table = np.zeros_like(tensor)
        for index in np.ndindex(tensor.shape):
            original = tensor[index]
            tensor[index] = original + h
            up = loss_of(weights)[index[0]]
            tensor[index] = original - h
            down = loss_of(weights)[index[0]]
            tensor[index] = original
            table[index] = (up - down) / (2 * h)
        numeric.append(table)
    return numeric


@pytest.mark.parametrize("activation", mlp.ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (5,), (4, 3)])
def test_regression_gradients_match_finite_differences(activation, hidden):
    network = mlp.Network(3, hidden, 1, activation, task="regression")
    weights = _random_weights(network, runs=2)
    rng = np.random.default_rng(5)
    x, targets = rng.normal(size=(7, 3)), rng.normal(size=7)
    losses, grads = mlp.loss_and_grads(weights, x, targets, activation, task="regression")
    assert np.allclose(losses, mlp.loss(weights, x, targets, activation, "regression"), rtol=1e-12)
    numeric = _numeric_gradients(weights, lambda w: mlp.loss(w, x, targets, activation, "regression"))
    for grad, expected in zip(grads, numeric, strict=True):
        assert np.allclose(grad, expected, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("task", mlp.TASKS)
def test_l2_gradients_match_finite_differences_with_one_strength_per_run(task):
    outputs = 1 if task == "regression" else 3
    network = mlp.Network(2, (4, 3), outputs, "tanh", task=task)
    weights = _random_weights(network, runs=2, seed=3)
    rng = np.random.default_rng(6)
    x = rng.normal(size=(6, 2))
    targets = rng.normal(size=6) if task == "regression" else rng.integers(0, 3, 6)
    l2 = np.array([0.01, 0.3])
    losses, grads = mlp.loss_and_grads(weights, x, targets, "tanh", task, l2)
    numeric = _numeric_gradients(weights, lambda w: mlp.loss(w, x, targets, "tanh", task, l2))
    for grad, expected in zip(grads, numeric, strict=True):
        assert np.allclose(grad, expected, atol=1e-7, rtol=1e-5)
    plain, plain_grads = mlp.loss_and_grads(weights, x, targets, "tanh", task)
    kernels = sum((w**2).sum(axis=(1, 2)) for w in weights[::2])
    assert np.allclose(losses - plain, l2 * kernels, rtol=1e-12)  # Keras: l * sum(W**2) over kernels
    assert np.allclose(grads[0] - plain_grads[0], 2 * l2[:, None, None] * weights[0], rtol=1e-9, atol=1e-15)
    assert all(np.array_equal(a, b) for a, b in zip(grads[1::2], plain_grads[1::2], strict=True))  # biases: none


def test_regression_network_is_linear_output_and_mean_squared_error():
    network = mlp.Network(2, (3,), 1, "relu", task="regression")
    weights = _random_weights(network, runs=2)
    x, targets = np.random.default_rng(1).normal(size=(5, 2)), np.arange(5.0)
    predictions = mlp.predict(weights, x, "relu", "regression")
    hidden = np.maximum(x @ weights[0] + weights[1][:, None], 0)
    assert np.allclose(predictions, hidden @ weights[2] + weights[3][:, None], rtol=1e-12)
    assert np.allclose(mlp.mean_squared_error(predictions, targets), ((predictions[..., 0] - targets) ** 2).mean(1))
    assert mlp.r_squared(np.broadcast_to(targets[None, :, None], (2, 5, 1)), targets).tolist() == [1.0, 1.0]
    assert mlp.r_squared(np.full((1, 5, 1), targets.mean()), targets)[0] == pytest.approx(0.0)
    code = network.keras_code(l2=0.001)
    assert "keras.layers.Dense(1, activation='linear', kernel_regularizer=keras.regularizers.l2(0.001))" in code
    assert code.count("kernel_regularizer") == 2
    with pytest.raises(ValueError, match="regression network needs >= 1 input and 1 output"):
        mlp.Network(2, (3,), 2, task="regression")
    with pytest.raises(ValueError, match="unknown task 'ranking'"):
        mlp.Network(2, (3,), 2, task="ranking")
