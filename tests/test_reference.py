"""The vectorised core equals an independent scalar loop written from the spec, on random cases."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optviz import optimizers

from .reference import Reference

unit = st.floats(0.0, 0.999)
positive = st.floats(1e-4, 1.0)
maybe_clip = st.one_of(st.none(), st.just(0.0), st.floats(0.05, 5.0))

CONFIGS = {
    "sgd": st.fixed_dictionaries(
        {"lr": positive, "momentum": unit, "decay": st.floats(0, 0.5), "nesterov": st.booleans()}
    ),
    "rmsprop": st.fixed_dictionaries(
        {"lr": positive, "rho": unit, "epsilon": st.floats(1e-8, 1e-2), "decay": st.floats(0, 0.5)}
    ),
    "adagrad": st.fixed_dictionaries({"lr": positive, "epsilon": st.floats(1e-8, 1e-2), "decay": st.floats(0, 0.5)}),
    "adadelta": st.fixed_dictionaries(
        {"lr": positive, "rho": unit, "epsilon": st.floats(1e-8, 1e-2), "decay": st.floats(0, 0.5)}
    ),
    "adam": st.fixed_dictionaries(
        {
            "lr": positive,
            "beta_1": unit,
            "beta_2": unit,
            "epsilon": st.floats(1e-8, 1e-2),
            "decay": st.floats(0, 0.5),
            "amsgrad": st.booleans(),
        }
    ),
    "adamax": st.fixed_dictionaries(
        {"lr": positive, "beta_1": unit, "beta_2": unit, "epsilon": st.floats(1e-8, 1e-2), "decay": st.floats(0, 0.5)}
    ),
    "nadam": st.fixed_dictionaries(
        {
            "lr": positive,
            "beta_1": unit,
            "beta_2": unit,
            "epsilon": st.floats(1e-8, 1e-2),
            "schedule_decay": st.floats(0, 0.1),
        }
    ),
}


@st.composite
def cases(draw):
    name = draw(st.sampled_from(sorted(CONFIGS)))
    config = draw(CONFIGS[name])
    config["clipnorm"] = draw(maybe_clip)
    config["clipvalue"] = draw(maybe_clip)
    steps = draw(st.integers(1, 6))
    shapes = [(2,), (3, 2)][: draw(st.integers(1, 2))]
    seed = draw(st.integers(0, 2**31 - 1))
    return name, config, steps, shapes, seed


@settings(max_examples=300, deadline=None)
@given(cases())
def test_core_equals_scalar_reference(case):
    name, config, steps, shapes, seed = case
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(1, *s)) for s in shapes]
    opt = optimizers.get(name).from_config({**config})
    ref = Reference(name, **config)
    ref_params = [p[0].ravel().tolist() for p in params]
    state = opt.init(params)
    for _ in range(steps):
        grads = [rng.normal(scale=3.0, size=p.shape) for p in params]
        params, state = opt.update(params, grads, state)
        ref.step(ref_params, [g[0].ravel().tolist() for g in grads])
        for ours, theirs in zip(params, ref_params, strict=False):
            np.testing.assert_allclose(ours[0].ravel(), theirs, rtol=1e-12, atol=1e-13)
    assert state.iterations == steps
