"""Optimizer API: runs axis, purity, properties, config round trips and helpful errors."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from optviz import optimizers

from .tolerances import assert_same_run

NAMES = list(optimizers.OPTIMIZERS)

KERAS_SIGNATURES = {
    "sgd": [("lr", 0.01), ("momentum", 0.0), ("decay", 0.0), ("nesterov", False)],
    "rmsprop": [("lr", 0.001), ("rho", 0.9), ("epsilon", None), ("decay", 0.0)],
    "adagrad": [("lr", 0.01), ("epsilon", None), ("decay", 0.0)],
    "adadelta": [("lr", 1.0), ("rho", 0.95), ("epsilon", None), ("decay", 0.0)],
    "adam": [("lr", 0.001), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0), ("amsgrad", False)],
    "adamax": [("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("decay", 0.0)],
    "nadam": [("lr", 0.002), ("beta_1", 0.9), ("beta_2", 0.999), ("epsilon", None), ("schedule_decay", 0.004)],
}

# One non-default, per-run-capable setting per optimizer for the batched tests.
PER_RUN = {
    "sgd": dict(lr=[0.001, 0.01, 0.02], momentum=[0.0, 0.5, 0.9], decay=[0.0, 0.1, 0.01], nesterov=True),
    "rmsprop": dict(lr=[0.001, 0.01, 0.1], rho=[0.5, 0.9, 0.99], epsilon=[1e-7, 1e-3, 1e-5], decay=[0.0, 0.1, 0.0]),
    "adagrad": dict(lr=[0.01, 0.1, 0.5], epsilon=[1e-7, 1e-3, 1e-5], decay=[0.0, 0.1, 0.01]),
    "adadelta": dict(lr=[1.0, 0.5, 0.1], rho=[0.5, 0.9, 0.95], epsilon=[1e-7, 1e-3, 1e-5], decay=[0.0, 0.1, 0.0]),
    "adam": dict(
        lr=[0.001, 0.01, 0.1], beta_1=[0.0, 0.5, 0.9], beta_2=[0.9, 0.99, 0.999], decay=[0.0, 0.1, 0.0], amsgrad=True
    ),
    "adamax": dict(lr=[0.001, 0.01, 0.1], beta_1=[0.0, 0.5, 0.9], beta_2=[0.9, 0.99, 0.999], decay=[0.0, 0.1, 0.0]),
    "nadam": dict(lr=[0.001, 0.01, 0.1], beta_1=[0.5, 0.9, 0.95], schedule_decay=[0.0, 0.004, 0.05]),
}
CLIP = dict(clipnorm=[0.0, 1.0, 0.3], clipvalue=[0.5, 0.0, 0.2])


def tensors(rng, runs):
    return [rng.normal(size=(runs, 2)), rng.normal(size=(runs, 3, 4)), rng.normal(size=(runs, 4))]


@pytest.mark.parametrize("name", NAMES)
def test_keras_signature_order_and_defaults(name):
    params = list(inspect.signature(optimizers.OPTIMIZERS[name]).parameters.values())
    positional = [(p.name, p.default) for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert positional == KERAS_SIGNATURES[name]
    assert [p.name for p in params if p.kind is p.KEYWORD_ONLY] == ["clipnorm", "clipvalue"]


@pytest.mark.parametrize("name", NAMES)
def test_epsilon_none_resolves_to_1e_7_and_unknown_keyword_is_type_error(name):
    opt = optimizers.get(name)
    if "epsilon" in opt.get_config():
        assert opt.get_config()["epsilon"] == 1e-7
    with pytest.raises(TypeError):
        optimizers.OPTIMIZERS[name](learning_rate=0.1)


def test_nadam_has_no_decay_argument():
    with pytest.raises(TypeError):
        optimizers.Nadam(decay=0.1)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("clipped", [False, True])
def test_batched_equals_one_by_one(name, clipped):
    rng = np.random.default_rng(0)
    config = {**PER_RUN[name], **(CLIP if clipped else {})}
    runs = 3
    params = tensors(rng, runs)
    grads_seq = [tensors(rng, runs) for _ in range(5)]
    batched = optimizers.get(name).from_config(config)
    state = batched.init(params)
    out = params
    for grads in grads_seq:
        out, state = batched.update(out, grads, state)
    for r in range(runs):
        single_config = {k: (v[r] if isinstance(v, list) else v) for k, v in config.items()}
        single = optimizers.get(name).from_config(single_config)
        single_params = [p[r : r + 1] for p in params]
        single_state = single.init(single_params)
        for grads in grads_seq:
            single_params, single_state = single.update(single_params, [g[r : r + 1] for g in grads], single_state)
        for ours, alone in zip(out, single_params, strict=False):  # batch of 3 vs 1 run: a few ulps apart
            assert_same_run(ours[r : r + 1], alone)
        assert_same_run(state.clip_factor[r], single_state.clip_factor[0])


@pytest.mark.parametrize("name", NAMES)
def test_update_never_mutates_inputs(name):
    rng = np.random.default_rng(1)
    config = {k: (v[1:2] if isinstance(v, list) else v) for k, v in {**PER_RUN[name], **CLIP}.items()}
    opt = optimizers.get(name).from_config(config)
    params = [rng.normal(size=(1, 2))]  # R == 1: the case where views sneak in
    state = opt.init(params)
    params, state = opt.update(params, [rng.normal(size=(1, 2))], state)
    grads = [rng.normal(size=(1, 2))]
    snapshot = [a.copy() for a in params + grads]
    state_snapshot = {
        k: [np.copy(x) for x in v] if isinstance(v, tuple) else np.copy(v)
        for k, v in state._asdict().items()
        if v is not None
    }
    new_params, new_state = opt.update(params, grads, state)
    for before, after in zip(snapshot, params + grads, strict=False):
        np.testing.assert_array_equal(before, after)
    for key, before in state_snapshot.items():
        after = getattr(state, key)
        for b, a in zip(
            before if isinstance(before, list) else [before],
            after if isinstance(after, tuple) else [after],
            strict=False,
        ):
            np.testing.assert_array_equal(b, a)
    assert new_state.iterations == state.iterations + 1
    assert not np.shares_memory(new_params[0], params[0])


@pytest.mark.parametrize("name", NAMES)
def test_state_shapes_follow_params(name):
    opt = optimizers.get(name)
    params = tensors(np.random.default_rng(2), 5)
    state = opt.init(params)
    assert state.iterations == 0 and state.clip_factor.shape == (5,)
    for field, value in state._asdict().items():
        if isinstance(value, tuple):
            assert [v.shape for v in value] == [p.shape for p in params], field


def test_clipnorm_is_global_per_run_and_bounds_the_norm():
    rng = np.random.default_rng(3)
    runs = 6
    clipnorm = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 50.0])
    grads = [rng.normal(scale=2, size=(runs, 2)), rng.normal(scale=2, size=(runs, 3, 4))]
    clipped, factor = optimizers.clip_gradients(grads, clipnorm, None, runs)
    norms = optimizers.global_norm(clipped)
    raw = optimizers.global_norm(grads)
    assert np.all(norms <= clipnorm * (1 + 1e-12))
    np.testing.assert_allclose(factor, np.minimum(1.0, clipnorm / raw), rtol=1e-12)
    # global, not per tensor: both tensors shrink by the same factor
    np.testing.assert_allclose(clipped[0], grads[0] * factor[:, None], rtol=1e-12)
    # runs never influence each other
    alone, _ = optimizers.clip_gradients([g[:1] for g in grads], clipnorm[:1], None, 1)
    np.testing.assert_allclose(alone[1], clipped[1][:1], rtol=1e-14)


def test_clipnorm_then_clipvalue_order():
    grads = [np.array([[3.0, 4.0]])]  # norm 5
    clipped, factor = optimizers.clip_gradients(grads, 2.5, 1.0, 1)
    # norm first: (1.5, 2.0); then value: (1.0, 1.0). Value first would give (1.0, 1.0) too, so check another:
    np.testing.assert_allclose(clipped[0], [[1.0, 1.0]])
    clipped, _ = optimizers.clip_gradients([np.array([[0.5, 4.0]])], 2.0, 1.0, 1)
    # norm first: 4.03 -> factor 0.496 -> (0.248, 1.984) -> value (0.248, 1.0); value first would give (0.5, 1.0)
    np.testing.assert_allclose(clipped[0], [[0.5 * 2.0 / np.hypot(0.5, 4.0), 1.0]])
    assert factor[0] < 1


@pytest.mark.parametrize("name", ["sgd", "adam", "adagrad", "rmsprop", "adamax", "nadam"])
def test_zero_gradient_from_fresh_state_leaves_params_unchanged(name):
    opt = optimizers.get(name)
    params = [np.array([[1.0, -2.0]])]
    new, _ = opt.update(params, [np.zeros((1, 2))], opt.init(params))
    np.testing.assert_array_equal(new[0], params[0])


def test_decay_uses_the_pre_step_counter():
    opt = optimizers.SGD(lr=1.0, decay=1.0)
    p = [np.zeros((1, 1))]
    state = opt.init(p)
    p, state = opt.update(p, [np.ones((1, 1))], state)  # step 1: lr 1
    assert p[0][0, 0] == -1.0
    p, state = opt.update(p, [np.ones((1, 1))], state)  # step 2: lr 1/2
    assert p[0][0, 0] == -1.5


def test_adagrad_first_step_is_about_lr_times_sign():
    opt = optimizers.Adagrad(lr=0.1)
    p, _ = opt.update([np.zeros((1, 2))], [np.array([[1e3, -1e-2]])], opt.init([np.zeros((1, 2))]))
    np.testing.assert_allclose(p[0], [[-0.1, 0.1]], rtol=1e-4)


def test_clip_factor_reports_firing():
    opt = optimizers.SGD(clipnorm=1.0)
    params = [np.zeros((2, 2))]
    _, state = opt.update(params, [np.array([[3.0, 4.0], [0.3, 0.4]])], opt.init(params))
    np.testing.assert_allclose(state.clip_factor, [0.2, 1.0])


@pytest.mark.parametrize("name", NAMES)
def test_config_serialize_round_trip(name):
    opt = optimizers.get(name).from_config({**PER_RUN[name], "clipnorm": 1.0})
    data = optimizers.serialize(opt)
    assert data["class_name"] == type(opt).__name__
    again = optimizers.deserialize(data)
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert set(data["config"]) == {k for k, _ in KERAS_SIGNATURES[name]} | {"clipnorm"}


def test_get_accepts_names_dicts_and_instances():
    assert isinstance(optimizers.get("ADAM"), optimizers.Adam)
    assert optimizers.get("Adadelta").lr == 1.0
    assert optimizers.get("nadam").lr == 0.002
    opt = optimizers.SGD()
    assert optimizers.get(opt) is opt
    assert optimizers.get({"class_name": "RMSProp", "config": {"lr": 0.1}}).lr == 0.1
    with pytest.raises(ValueError, match="unknown optimizer 'adamw'; choose one of sgd, rmsprop"):
        optimizers.get("adamw")
    with pytest.raises(ValueError, match="could not interpret"):
        optimizers.get(3)
    with pytest.raises(ValueError, match="improper config"):
        optimizers.deserialize({"config": {}})


@pytest.mark.parametrize(
    ("cls", "kwargs", "message"),
    [
        (optimizers.SGD, {"lr": 0}, "lr must be > 0, got 0"),
        (optimizers.SGD, {"lr": -1}, "lr must be > 0, got -1"),
        (optimizers.SGD, {"lr": float("nan")}, "lr must be > 0, got nan"),
        (optimizers.SGD, {"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1"),
        (optimizers.SGD, {"decay": -0.1}, "decay must be >= 0, got -0.1"),
        (optimizers.RMSprop, {"rho": 1.5}, r"rho must be in \[0, 1\), got 1.5"),
        (optimizers.Adam, {"beta_1": -0.1}, r"beta_1 must be in \[0, 1\), got -0.1"),
        (optimizers.Adam, {"beta_2": 1.0}, r"beta_2 must be in \[0, 1\), got 1"),
        (optimizers.Adam, {"epsilon": -1e-8}, "epsilon must be >= 0, got -1e-08"),
        (optimizers.Adam, {"clipnorm": -1}, "clipnorm must be >= 0, got -1"),
        (optimizers.Adam, {"clipvalue": float("inf")}, None),
        (optimizers.Nadam, {"schedule_decay": -1}, "schedule_decay must be >= 0, got -1"),
        (optimizers.Adam, {"lr": [0.1, -0.2]}, "lr must be > 0, got -0.2 at run 1"),
        (optimizers.Adam, {"lr": [0.1, 0.2], "beta_1": [0.9, 0.9, 0.9]}, "same length"),
        (optimizers.Adam, {"lr": [[0.1]]}, "1-D"),
        (optimizers.Adam, {"lr": "fast"}, "lr must be a number"),
    ],
)
def test_invalid_values_raise_helpful_errors(cls, kwargs, message):
    if message is None:  # inf clipvalue is allowed (no clipping)
        cls(**kwargs)
        return
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_wrong_number_of_runs_is_reported_at_init():
    with pytest.raises(ValueError, match="lr has 2 values but the params have 3 runs"):
        optimizers.Adam(lr=[0.1, 0.2]).init([np.zeros((3, 2))])


def test_params_must_be_a_list_with_a_runs_axis():
    with pytest.raises(TypeError, match="list of arrays"):
        optimizers.Adam().init(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="same leading runs axis"):
        optimizers.Adam().init([np.zeros((1, 2)), np.zeros((2, 2))])
