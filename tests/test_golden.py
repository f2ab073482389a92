"""The core reproduces trajectories of the real TensorFlow optimizers run with Keras 2.2.4 semantics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optviz import optimizers

GOLDEN = json.loads((Path(__file__).parent / "data" / "keras224_rosenbrock_and_model.json").read_text())
SCENARIOS = GOLDEN["scenarios"]


def rosenbrock_grad(p: np.ndarray) -> np.ndarray:
    x, y = p[:, 0], p[:, 1]
    return np.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], axis=1)


def replay(scenario: dict) -> tuple[np.ndarray, np.ndarray]:
    """Our trajectory and the golden one, flattened to ``(steps + 1, n)``."""
    opt = optimizers.get({"class_name": scenario["optimizer"], "config": scenario["config"]})
    if "model" in scenario:
        X, Y = np.array(scenario["model"]["X"]), np.array(scenario["model"]["Y"])
        params = [np.array(scenario["initial_params"][0])[None], np.array(scenario["initial_params"][1])[None]]

        def grads_of(params):
            residual = X @ params[0][0] + params[1][0] - Y
            return [(2 / 16 * X.T @ residual)[None], (2 / 16 * residual.sum(0))[None]]

        golden = [np.concatenate([np.ravel(w), np.ravel(b)]) for w, b in scenario["trajectory"]]
    else:
        params = [np.array([scenario["x0"]], dtype=float)]

        def grads_of(params):
            return [rosenbrock_grad(params[0])]

        golden = scenario["trajectory"]
    state = opt.init(params)
    path = [np.concatenate([p.ravel() for p in params])]
    for _ in range(scenario["steps"]):
        params, state = opt.update(params, grads_of(params), state)
        path.append(np.concatenate([p.ravel() for p in params]))
    return np.array(path), np.array(golden, dtype=float)


def test_fixture_covers_every_optimizer_and_clipping_mode():
    assert {s["optimizer"] for s in SCENARIOS} == {"SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam"}
    assert len(SCENARIOS) == 74
    assert {s["clipnorm_semantics"] for s in SCENARIOS} == {"none", "global"}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["id"] for s in SCENARIOS])
def test_matches_tensorflow_golden(scenario):
    ours, golden = replay(scenario)
    assert ours.shape == golden.shape
    error = np.abs(ours - golden) / (1 + np.abs(golden))
    tight = scenario["steps_agreeing_with_keras224_ref_at_1e-9"]
    assert error[: tight + 1].max() <= 1e-9, f"first {tight} steps off by {error[: tight + 1].max():.2e}"
    assert error.max() <= scenario["recommended_rtol"]
