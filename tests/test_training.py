"""Training sessions: lanes batched by optimizer class equal lanes trained one by one; fair start; state kept."""

from __future__ import annotations

import numpy as np
import pytest

from optviz import mlp
from optviz.datasets import DatasetSpec, make_dataset
from optviz.lanes import parse_lane
from optviz.optimizers import Adam
from optviz.training import (
    DIVERGED_LOSS,
    REGRESSION_HISTORY_COLUMNS,
    TrainingSession,
    confusion_counts,
    keras_script,
    torch_script,
)

from .tolerances import assert_same_run

MOONS = make_dataset(DatasetSpec("moons", samples=200))
NETWORK = mlp.Network(2, (8, 8), 2, "tanh")
MIXED = ["adam:lr=0.01", "sgd:lr=0.1,momentum=0.9", "adam:lr=0.003,amsgrad=1", "rmsprop:clipnorm=0.5", "adam"]


def session(texts, **kwargs):
    return TrainingSession(MOONS, NETWORK, [parse_lane(t) for t in texts], **kwargs)


def test_lanes_start_from_identical_weights_and_report_the_same_loss():
    training = session(MIXED)
    weights = training.lane_weights()
    assert all(np.array_equal(w[0], w[k]) for w in weights for k in range(len(MIXED)))  # copies: exact
    latest = training.latest()
    # each lane's loss is a different row of one batched forward pass: equal to a few ulps
    assert_same_run(latest["train_loss"], np.full(len(MIXED), latest["train_loss"][0]))
    assert np.all(latest["test_accuracy"] == latest["test_accuracy"][0])  # counts of right answers: exact


def test_one_optimizer_per_class_and_switches():
    assert session(MIXED).group_count() == 4  # adam (x2), adam+amsgrad, sgd, rmsprop
    assert session(["adam", "adam:lr=0.1", "adam:beta_1=0.5"]).group_count() == 1


def test_batched_lanes_equal_lanes_trained_one_by_one():
    together = session(MIXED, batch_size=16, seed=3)
    together.advance(45)
    for index, text in enumerate(MIXED):
        alone = session([text], batch_size=16, seed=3)
        alone.advance(45)
        for a, b in zip(alone.lane_weights(), together.lane_weights(), strict=True):
            assert_same_run(b[index], a[0])  # batched with other lanes vs alone: a few ulps apart


def test_one_seeded_shuffle_per_epoch_covers_every_sample_once():
    training = session(["sgd"], batch_size=32)
    assert training.steps_per_epoch == 5  # 150 training samples
    epoch = np.concatenate([training.batch_indices(step) for step in range(5)])
    assert sorted(epoch) == list(range(150))
    next_epoch = np.concatenate([training.batch_indices(step) for step in range(5, 10)])
    assert not np.array_equal(epoch, next_epoch)
    assert np.array_equal(session(["adam"], batch_size=32).batch_indices(7), training.batch_indices(7))


def test_training_lowers_the_loss_and_records_history():
    training = session(["adam:lr=0.01", "sgd:lr=0.5"])
    before = training.latest()["train_loss"]
    for _ in range(5):
        training.advance(40)
    after = training.latest()["train_loss"]
    assert np.all(after < 0.5 * before)
    history = training.history()
    assert list(np.unique(history["step"])) == [0, 40, 80, 120, 160, 200]
    assert training.epoch == pytest.approx(200 / 5)


def test_changing_hyperparameters_keeps_weights_and_optimizer_state():
    training = session(["adam:lr=0.01", "sgd"])
    training.advance(20)
    weights_before = [w.copy() for w in training.lane_weights()]
    training.configure([parse_lane("adam:lr=0.001"), parse_lane("sgd")])
    assert training.step == 20
    assert all(np.array_equal(a, b) for a, b in zip(weights_before, training.lane_weights(), strict=True))
    training.advance(10)
    # Reference: the core Adam run by hand, lr switched after 20 steps with the state carried over.
    reference = session(["adam:lr=0.01"])
    params = reference.lane_weights()
    optimizer, state = Adam(lr=0.01), Adam(lr=0.01).init(params)
    for step in range(30):
        if step == 20:
            optimizer = Adam(lr=0.001)
        batch = reference.batch_indices(step)
        _, grads = mlp.loss_and_grads(params, MOONS.x_train[batch], MOONS.y_train[batch], "tanh")
        params, state = optimizer.update(params, grads, state)
    assert state.iterations == 30
    for a, b in zip(params, training.lane_weights(), strict=True):
        assert_same_run(b[0], a[0])  # the session's batch vs a hand loop on one run: a few ulps apart


def test_switching_amsgrad_and_class_keeps_weights():
    training = session(["adam", "adam"])
    training.advance(10)
    kept = [w.copy() for w in training.lane_weights()]
    training.configure([parse_lane("adam:amsgrad=1"), parse_lane("nadam")])
    assert all(np.array_equal(a, b) for a, b in zip(kept, training.lane_weights(), strict=True))
    assert training.group_count() == 2
    training.advance(5)
    assert np.all(np.isfinite(training.latest()["train_loss"]))


def test_new_lane_joins_from_the_initial_weights_and_removed_lanes_drop_out():
    training = session(["adam", "sgd"], keys=["a", "b"])
    training.advance(30)
    trained_sgd = [w[1].copy() for w in training.lane_weights()]
    training.configure([parse_lane("sgd"), parse_lane("rmsprop")], keys=["b", "c"])
    weights = training.lane_weights()
    assert all(np.array_equal(w[0], t) for w, t in zip(weights, trained_sgd, strict=True))
    assert all(np.array_equal(w[1], init[0]) for w, init in zip(weights, training.initial_weights, strict=True))
    assert [s.joined_step for s in training.statuses()] == [0, 30]
    history = training.history()
    assert set(history["step"][history["lane"] == 1]) == {30}


def test_a_diverging_lane_is_marked_and_frozen_while_the_others_train():
    network = mlp.Network(2, (16, 16), 2, "tanh")
    lanes = [parse_lane("sgd:lr=10,momentum=0.99"), parse_lane("adam:lr=0.01")]
    training = TrainingSession(MOONS, network, lanes)
    start = training.latest()["train_loss"][1]
    training.advance(20)
    marks = training.diverged_steps()
    assert marks[0] is not None and marks[1] is None
    frozen = [w[0].copy() for w in training.lane_weights()]
    training.advance(50)
    assert all(np.array_equal(w[0], f) for w, f in zip(training.lane_weights(), frozen, strict=True))
    latest = training.latest()
    assert np.isnan(latest["train_loss"][0])  # the curve stops
    assert training.latest(finite=True)["train_loss"][0] >= DIVERGED_LOSS  # where it blew up
    assert latest["train_loss"][1] < start
    shown = training.history()["train_loss"][training.history()["lane"] == 0]
    assert np.nanmax(shown) >= DIVERGED_LOSS  # the blow-up itself is recorded once


def test_nan_gradients_freeze_a_lane_at_once():
    training = session(["sgd", "sgd:lr=0.1"])
    training.weights[0][0, 0, 0] = np.nan  # storage row 0 is lane 0 (one group, lane order)
    training.advance(3)
    assert training.diverged_steps() == [0, None]


def test_probability_grid_and_confusion_matrices():
    training = session(["adam", "sgd"])
    xs, ys, probabilities = training.probability_grid(resolution=20)
    assert xs.shape == ys.shape == (20,) and probabilities.shape == (2, 20, 20, 2)
    assert xs.min() < MOONS.x_train[:, 0].min() and xs.max() > MOONS.x_train[:, 0].max()
    counts = training.confusion_matrices("test")
    assert counts.shape == (2, 2, 2) and np.all(counts.sum(axis=(1, 2)) == len(MOONS.y_test))
    assert np.array_equal(counts[:, :, :].sum(axis=2)[0], np.bincount(MOONS.y_test, minlength=2))


def test_confusion_counts_by_hand():
    predicted = np.array([[0, 1, 2, 2], [0, 0, 0, 0]])
    counts = confusion_counts(predicted, np.array([0, 1, 2, 1]), 3)
    assert counts[0].tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert counts[1].tolist() == [[1, 0, 0], [2, 0, 0], [1, 0, 0]]


def test_bad_sessions_say_what_is_wrong():
    with pytest.raises(ValueError, match="does not fit 2 inputs and 2 classes"):
        TrainingSession(MOONS, mlp.Network(2, (4,), 3), [parse_lane("sgd")])
    with pytest.raises(ValueError, match="batch size must be in"):
        session(["sgd"], batch_size=0)
    with pytest.raises(ValueError, match="at least one optimizer lane"):
        session([])


def test_figures_are_valid_plotly_and_maps_are_one_png_per_lane():
    import io

    import plotly.graph_objects as go
    from PIL import Image

    from optviz.figures.training import confusion_figure, curves_figure, decision_map_images, images_html

    training = session(["adam", "sgd"])
    training.advance(30)
    figure = curves_figure(training.history(), ["Adam", "SGD"], ["#E69F00", "#56B4E9"], [None, 12])
    go.Figure(figure.to_dict())  # built without validation for speed: it must still validate
    assert sum(1 for t in figure.data if t.legendgroup == "1") == 4
    assert any(t.mode == "markers" and "diverged at step 12" in t.hovertemplate for t in figure.data)
    xs, ys, probabilities = training.probability_grid(24)
    points = (MOONS.x_train, MOONS.y_train, MOONS.x_test, MOONS.y_test)
    images = decision_map_images(xs, ys, probabilities, points, [None, 5], size=120)
    assert [Image.open(io.BytesIO(png)).size for png in images] == [(120, 120), (120, 120)]
    markup = images_html(images, ["a", "b <diverged>"], ["#000000", "#111111"], [False, True], 120)
    assert markup.count("<img") == 2 and "b &lt;diverged&gt;" in markup
    confusion = confusion_figure(training.confusion_matrices(), ["a", "b"], [None, None])
    assert [t.type for t in confusion.data] == ["heatmap", "heatmap"]


def test_native_lanes_train_next_to_keras_lanes_on_the_same_gradients():
    """torch.optim SGD with momentum follows the same rule as Keras 2.2.4's, so from the same weights on the same
    batches the two lanes stay equal; a tf.keras lane too, up to its float32 hyperparameters."""
    pytest.importorskip("torch")
    pytest.importorskip("tf_keras")
    lanes = [
        parse_lane("sgd:lr=0.1,momentum=0.9"),
        parse_lane("torch.sgd:lr=0.1,momentum=0.9", allow_native=True),
        parse_lane("tf.sgd:learning_rate=0.1,momentum=0.9", allow_native=True),
        parse_lane("torch.adam:lr=0.01", allow_native=True),
    ]
    training = TrainingSession(MOONS, NETWORK, lanes, batch_size=32)
    assert training.group_count() == 4  # a native lane is a group of its own
    training.advance(25)
    keras, torch_sgd, tf_sgd, torch_adam = ([w[lane] for w in training.lane_weights()] for lane in range(4))
    for a, b, c in zip(keras, torch_sgd, tf_sgd, strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
        np.testing.assert_allclose(c, a, rtol=0, atol=1e-5)
    assert max(np.abs(a - d).max() for a, d in zip(keras, torch_adam, strict=True)) > 1e-3  # a different rule
    losses = training.latest()["train_loss"]
    assert np.all(np.isfinite(losses)) and np.all(losses < 0.6)


def test_a_native_lane_keeps_its_weights_when_retuned_and_restarts_its_framework_state():
    pytest.importorskip("torch")
    lane = parse_lane("torch.sgd:lr=0.1,momentum=0.9", allow_native=True)
    training = TrainingSession(MOONS, NETWORK, [lane, parse_lane("adam")], batch_size=32, keys=["a", "b"])
    training.advance(5)
    first_kernel = training.lane_weights()[0][0].copy()  # tensor 0 of lane 0
    training.configure(
        [parse_lane("torch.sgd:lr=0.05,momentum=0.9", allow_native=True), parse_lane("adam")], keys=["a", "b"]
    )
    np.testing.assert_array_equal(training.lane_weights()[0][0], first_kernel)
    group = next(g for g in training._groups if g.start == training._rows[0])
    assert group.state.iterations == 0 and group.state.native.param_groups[0]["lr"] == 0.05
    training.advance(1)
    assert not np.array_equal(training.lane_weights()[0][0], first_kernel)


PLANE = make_dataset(DatasetSpec("plane", samples=200))
GAUSS = make_dataset(DatasetSpec("gauss", samples=300, noise=0.0))


def regression_network(data, hidden=(8, 8)):
    return mlp.Network(data.inputs, hidden, data.outputs, "tanh", data.task)


def test_regression_session_reports_mse_and_r_squared_and_learns_the_plane():
    training = TrainingSession(PLANE, regression_network(PLANE), [parse_lane("adam:lr=0.01"), parse_lane("sgd")])
    assert training.columns == REGRESSION_HISTORY_COLUMNS
    start = training.latest()
    training.advance(300)
    latest = training.latest()
    assert set(latest) == {"train_loss", "train_r2", "test_loss", "test_r2"}
    assert latest["train_r2"][0] > 0.95 and latest["test_r2"][0] > 0.9
    assert latest["train_loss"][0] < start["train_loss"][0]
    predictions = mlp.predict(training.lane_weights(), PLANE.x_test, "tanh", "regression")
    assert np.allclose(latest["test_loss"], ((predictions[..., 0] - PLANE.y_test) ** 2).mean(axis=1), rtol=1e-12)
    total = ((PLANE.y_test - PLANE.y_test.mean()) ** 2).sum()
    r2 = 1 - ((predictions[..., 0] - PLANE.y_test) ** 2).sum(axis=1) / total
    assert np.allclose(latest["test_r2"], r2, rtol=1e-12)
    assert set(training.history()) == set(REGRESSION_HISTORY_COLUMNS)
    _, _, outputs = training.probability_grid(12)
    assert outputs.shape == (2, 12, 12, 1)
    with pytest.raises(ValueError, match="no confusion matrix"):
        training.confusion_matrices()


def test_batched_regression_lanes_equal_lanes_trained_one_by_one_with_l2():
    texts = ["adam:lr=0.01", "sgd:lr=0.05,momentum=0.9", "rmsprop"]
    network = regression_network(GAUSS, (6,))
    together = TrainingSession(GAUSS, network, [parse_lane(t) for t in texts], batch_size=16, l2=0.003)
    together.advance(40)
    for index, text in enumerate(texts):
        alone = TrainingSession(GAUSS, network, [parse_lane(text)], batch_size=16, l2=0.003)
        alone.advance(40)
        for a, b in zip(alone.lane_weights(), together.lane_weights(), strict=True):
            assert np.allclose(a[0], b[index], rtol=1e-12, atol=1e-14)  # batched vs alone: other shapes


def test_l2_steps_follow_the_penalised_gradient_and_losses_include_the_penalty():
    l2 = 0.01
    training = TrainingSession(MOONS, NETWORK, [parse_lane("sgd:lr=0.1")], batch_size=32, l2=l2)
    plain = TrainingSession(MOONS, NETWORK, [parse_lane("sgd:lr=0.1")], batch_size=32)
    weights = training.lane_weights()
    penalty = l2 * sum((w**2).sum() for w in weights[::2])
    assert training.latest()["train_loss"][0] == pytest.approx(plain.latest()["train_loss"][0] + penalty, rel=1e-12)
    assert training.latest()["test_loss"][0] == pytest.approx(plain.latest()["test_loss"][0] + penalty, rel=1e-12)
    batch = training.batch_indices(0)
    _, grads = mlp.loss_and_grads(weights, MOONS.x_train[batch], MOONS.y_train[batch], "tanh")
    penalised = [g + 2 * l2 * w if i % 2 == 0 else g for i, (w, g) in enumerate(zip(weights, grads, strict=True))]
    expected = [w - 0.1 * g for w, g in zip(weights, penalised, strict=True)]
    training.advance(1)
    for a, b in zip(training.lane_weights(), expected, strict=True):
        assert np.allclose(a, b, rtol=1e-12, atol=1e-15)  # same sums, maybe other order
    training.set_l2(0.0)
    assert training.l2 == 0.0
    with pytest.raises(ValueError, match=r"l2 must be in \[0, 1\], got -0.1"):
        training.set_l2(-0.1)
    with pytest.raises(ValueError, match="l2 must be in"):
        TrainingSession(MOONS, NETWORK, [parse_lane("sgd")], l2=float("nan"))


def test_l2_shrinks_the_kernels():
    strong = TrainingSession(MOONS, NETWORK, [parse_lane("adam:lr=0.01")], l2=0.05)
    none = TrainingSession(MOONS, NETWORK, [parse_lane("adam:lr=0.01")])
    strong.advance(200)
    none.advance(200)
    norm = lambda s: sum((w**2).sum() for w in s.lane_weights()[::2])
    assert norm(strong) < 0.5 * norm(none)


def test_task_mismatch_says_what_is_wrong():
    with pytest.raises(ValueError, match="a classification network cannot train on regression data"):
        TrainingSession(PLANE, NETWORK, [parse_lane("sgd")])
    with pytest.raises(ValueError, match="a regression network cannot train on classification data"):
        TrainingSession(MOONS, mlp.Network(2, (4,), 1, task="regression"), [parse_lane("sgd")])


def test_weight_trail_starts_at_the_initial_weights_and_follows_each_lane():
    training = session(["adam:lr=0.01", "sgd"], keys=["a", "b"])
    training.advance(10)
    training.advance(10)
    training.configure([parse_lane("sgd"), parse_lane("rmsprop")], keys=["b", "c"])
    training.advance(5)
    steps, paths = training.trajectories()
    assert [s.tolist() for s in steps] == [[0, 10, 20, 25], [20, 25]]
    initial = mlp.flatten_weights(training.initial_weights)[0]
    assert all(np.array_equal(path[0], initial) for path in paths)  # a new lane joins from the initial weights
    current = mlp.flatten_weights(training.lane_weights())
    assert all(np.array_equal(path[-1], now) for path, now in zip(paths, current, strict=True))


def test_weight_trail_is_thinned_within_its_budget(monkeypatch):
    import optviz.training as training_module

    training = session(["adam", "sgd"])
    row_bytes = 8 * NETWORK.parameter_count
    monkeypatch.setattr(training_module, "TRAIL_MAX_BYTES", 40 * row_bytes)
    for _ in range(60):
        training.advance(1)
    steps, paths = training.trajectories()
    assert sum(len(p) for p in paths) <= 40
    assert steps[0][0] == 0 and steps[0][-1] == 60 and np.all(np.diff(steps[0]) > 0)
    assert np.array_equal(steps[0], steps[1])


def test_code_export_for_regression_and_l2():
    network = regression_network(PLANE, (16,))
    code = keras_script(network, parse_lane("adam"), 32, l2=0.001)
    regularizer = "kernel_regularizer=keras.regularizers.l2(0.001)"
    assert f"keras.layers.Dense(16, activation='tanh', input_shape=(2,), {regularizer})" in code
    assert "keras.layers.Dense(1, activation='linear', kernel_regularizer=keras.regularizers.l2(0.001))" in code
    assert "loss='mean_squared_error'" in code and "model.fit(x_train, y_train," in code
    assert "to_categorical" not in code and "accuracy" not in code
    classification = keras_script(NETWORK, parse_lane("adam"), 32)
    assert "kernel_regularizer" not in classification and "categorical_crossentropy" in classification
    torch_code = torch_script(network, parse_lane("torch.adam", allow_native=True), 32, l2=0.001)
    assert "torch.nn.MSELoss()" in torch_code and "0.001 * sum((kernel**2).sum() for kernel in kernels)" in torch_code
    compile(code, "keras_script", "exec")
    compile(torch_code, "torch_script", "exec")


def test_exported_torch_code_trains_like_the_session_with_l2():
    """The exported PyTorch loss (MSE + Keras' l2 on the kernels) has the session's gradient at the same weights."""
    torch = pytest.importorskip("torch")
    network = regression_network(PLANE, (5,))
    code = torch_script(network, parse_lane("torch.sgd:lr=0.1", allow_native=True), 16, l2=0.02)
    namespace = {"x_train": PLANE.x_train[:16], "y_train": PLANE.y_train[:16]}
    setup = code[: code.index("for epoch")]
    exec(setup, namespace)  # the exported script's own model, loss and data
    model, kernels = namespace["model"], namespace["kernels"]
    weights = [
        t.detach().numpy()[None]
        for layer in model
        if isinstance(layer, torch.nn.Linear)
        for t in (layer.weight.T, layer.bias)
    ]
    loss = namespace["loss_function"](model(namespace["x"]), namespace["y"]) + 0.02 * sum(
        (k**2).sum() for k in kernels
    )
    loss.backward()
    ours, grads = mlp.loss_and_grads(weights, PLANE.x_train[:16], PLANE.y_train[:16], "tanh", "regression", 0.02)
    assert ours[0] == pytest.approx(loss.item(), rel=1e-12)
    assert np.allclose(grads[0][0], model[0].weight.grad.numpy().T, rtol=1e-10, atol=1e-14)  # torch vs NumPy sums


def test_curves_show_mse_and_r_squared_for_a_regression_session():
    import plotly.graph_objects as go

    from optviz.figures.live_curves import curves_svg
    from optviz.figures.training import curves_figure

    training = TrainingSession(PLANE, regression_network(PLANE), [parse_lane("adam:lr=0.01"), parse_lane("sgd")])
    training.advance(20)
    history = training.history()
    figure = curves_figure(history, ["Adam", "SGD"], ["#E69F00", "#56B4E9"], [None, None])
    go.Figure(figure.to_dict())  # validates
    assert figure.layout.yaxis.title.text == "Mean squared error" and figure.layout.yaxis2.title.text == "R²"
    low = np.nanmin(np.concatenate([history["train_r2"], history["test_r2"]]))
    assert figure.layout.yaxis2.range[0] <= max(low, -1.0) and figure.layout.yaxis2.range[1] == 1.02
    assert any(list(t.y) == list(history["test_r2"][history["lane"] == 1]) for t in figure.data if t.y is not None)
    svg = curves_svg(history, ["Adam", "SGD"], ["#E69F00", "#56B4E9"], [None, None])
    assert "R²" in svg and "Mean squared error" in svg and "Accuracy" not in svg
    classification = curves_figure(session(["adam"]).history(), ["Adam"], ["#E69F00"], [None])
    assert classification.layout.yaxis2.title.text == "Accuracy"


def test_regression_maps_colour_the_predicted_values_and_the_targets():
    import io

    from PIL import Image

    from optviz.figures.training import HIGH_COLOUR, LOW_COLOUR, _rgb, decision_map_images, value_colours

    expected = [_rgb(LOW_COLOUR), [255] * 3, _rgb(HIGH_COLOUR), _rgb(HIGH_COLOUR)]  # 9 is clipped to +limit
    assert np.allclose(value_colours(np.array([-2.0, 0.0, 2.0, 9.0]), 2.0), expected)
    assert np.allclose(value_colours(np.array([np.nan]), 1.0), [[200, 200, 200]])
    training = TrainingSession(PLANE, regression_network(PLANE), [parse_lane("adam:lr=0.01")])
    training.advance(200)
    xs, ys, outputs = training.probability_grid(24)
    points = (PLANE.x_train, PLANE.y_train, PLANE.x_test, PLANE.y_test)
    (png,) = decision_map_images(xs, ys, outputs, points, [None], size=96)
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.float64)
    assert image.shape == (96, 96, 3)
    # the plane's target grows with x + y: the top-right corner is orange-ish, the bottom-left blue-ish
    top_right, bottom_left = image[2, -3], image[-3, 2]
    assert top_right[0] > top_right[2] and bottom_left[2] > bottom_left[0]


def test_a_retune_during_training_is_kept_with_its_step_and_what_changed():
    from optviz.retunes import retune_text

    training = session(["adam:lr=0.01", "sgd:lr=0.1"], keys=["a", "b"])
    training.configure([parse_lane("adam:lr=0.003"), parse_lane("sgd:lr=0.1")], ["a", "b"])  # before step 1: none
    assert training.retunes() == []
    training.advance(20)
    training.configure([parse_lane("adam:lr=0.01"), parse_lane("sgd:lr=0.1")], ["a", "b"])
    training.configure([parse_lane("adam:lr=0.02"), parse_lane("sgd:lr=0.1")], ["a", "b"])  # one retune at step 20
    training.advance(10)
    training.configure([parse_lane("adam:lr=0.02"), parse_lane("sgd:lr=0.1,momentum=0.9")], ["a", "b"])
    marks = training.retunes()
    assert [(m.step, m.lane, m.change) for m in marks] == [(20, 0, "lr 0.003 → 0.02"), (30, 1, "momentum 0 → 0.9")]
    assert marks[0].epoch == 20 / training.steps_per_epoch
    assert marks[1].label() == "lane 2 retuned at step 30: momentum 0 → 0.9"
    training.configure([parse_lane("sgd:lr=0.1,momentum=0.9")], ["b"])  # a removed lane's marks go; positions follow
    assert [(m.step, m.lane) for m in training.retunes()] == [(30, 0)]
    # changing back within the same step is no retune at all
    training.configure([parse_lane("sgd:lr=0.1")], ["b"])
    assert training.retunes() == []
    assert retune_text(parse_lane("sgd:lr=0.1"), parse_lane("adam:lr=0.001")) == "SGD lr=0.1 → Adam lr=0.001"
    assert retune_text(parse_lane("adam"), parse_lane("adam:amsgrad=1,clipnorm=1")) == (
        "amsgrad off → on, clipnorm none → 1"
    )
    assert retune_text(parse_lane("adam:lr=0.0100001"), parse_lane("adam:lr=0.01")) == "lr 0.0100001 → 0.01"
