"""compile/fit/evaluate/predict: exact numbers against hand computations, logs, errors."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import BACKEND, requires_training


def linear_model(units=1, input_dim=3):
    model = lamina.Sequential([
        lamina.Input((input_dim,)),
        layers.Dense(units, kernel_initializer="ones", bias_initializer="zeros"),
    ])
    return model


def data(n=20, d=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32")[:d] + 0.3)[:, None].astype("float32")
    return x, y


@requires_training
def test_one_sgd_step_matches_hand_gradient():
    x, y = data(8)
    model = linear_model()
    model.compile(optimizer=lamina.optimizers.SGD(learning_rate=0.1), loss="mse")
    loss = model.train_on_batch(x, y)
    w, b = np.ones((3, 1)), np.zeros((1,))
    err = x @ w + b - y
    np.testing.assert_allclose(loss, np.mean(err**2), rtol=1e-5)
    grad_w = 2 * x.T @ err / len(x)
    grad_b = 2 * err.mean(axis=0)
    new_w, new_b = model.get_weights()
    np.testing.assert_allclose(new_w, w - 0.1 * grad_w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_b, b - 0.1 * grad_b, rtol=1e-5, atol=1e-6)


@requires_training
def test_fit_history_validation_split_and_step_count():
    x, y = data(100)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    steps = []

    class Count(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    history = model.fit(x, y, batch_size=10, epochs=3, validation_split=0.2, verbose=0,
                        callbacks=[Count()])
    assert sorted(history.history) == ["loss", "mae", "val_loss", "val_mae"]
    assert len(history.history["loss"]) == 3 and history.epoch == [0, 1, 2]
    assert steps == list(range(8)) * 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    # val_loss is the loss on the last 20% of the samples, as Keras holds them out.
    val = model.evaluate(x[80:], y[80:], verbose=0, return_dict=True)
    np.testing.assert_allclose(history.history["val_loss"][-1], val["loss"], rtol=1e-5)


def _weighted_mse(x, y, w, sw):
    per_sample = ((x @ w - y) ** 2).mean(axis=-1)
    return float((per_sample * sw).sum() / len(sw))


def test_evaluate_with_sample_weight_matches_hand_computation():
    x, y = data(10)
    sw = np.linspace(0.0, 2.0, 10).astype("float32")
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    result = model.evaluate(x, y, sample_weight=sw, batch_size=10, verbose=0)
    np.testing.assert_allclose(result, _weighted_mse(x, y, np.ones((3, 1)), sw), rtol=1e-5)


@requires_training
def test_class_weight_equals_sample_weight():
    x, _ = data(16)
    y = (x[:, :1] > 0).astype("float32")
    weights = {0: 0.5, 1: 2.0}
    sw = np.where(y[:, 0] > 0, 2.0, 0.5).astype("float32")
    results = []
    for kwargs in ({"class_weight": weights}, {"sample_weight": sw}):
        lamina.utils.set_random_seed(3)
        model = lamina.Sequential([lamina.Input((3,)), layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=lamina.optimizers.SGD(0.5), loss="binary_crossentropy")
        model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0, **kwargs)
        results.append(model.get_weights())
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6)


@requires_training
def test_same_seed_same_weights_and_steps_per_execution_agree():
    x, y = data(64)
    results = []
    for steps_per_execution in (1, 1, 4):
        lamina.utils.set_random_seed(7)
        model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4, activation="relu"),
                                   layers.Dense(1)])
        model.compile(optimizer="adam", loss="mse", steps_per_execution=steps_per_execution)
        model.fit(x, y, batch_size=8, epochs=2, verbose=0)
        results.append(model.get_weights())
    for a, b, c in zip(*results):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


@requires_training
def test_multi_output_logs_are_named_per_output():
    x = lamina.Input((3,))
    out_a = layers.Dense(1, name="a")(x)
    out_b = layers.Dense(2, activation="softmax", name="b")(x)
    model = lamina.Model(x, [out_a, out_b])
    model.compile(optimizer="sgd", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.5], metrics=[[], ["accuracy"]])
    xs, ys = data(12)
    labels = (xs[:, 0] > 0).astype("int32")
    history = model.fit(xs, [ys, labels], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "a_loss", "b_loss", "b_accuracy"}
    logs = model.evaluate(xs, [ys, labels], verbose=0, return_dict=True)
    np.testing.assert_allclose(logs["loss"], logs["a_loss"] + 0.5 * logs["b_loss"], rtol=1e-5)


def test_predict_and_batch_apis():
    x, y = data(10)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    expected = x @ np.ones((3, 1))
    np.testing.assert_allclose(model.predict(x, batch_size=3, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), expected, rtol=1e-5)
    logs = model.test_on_batch(x, y, return_dict=True)
    np.testing.assert_allclose(logs["mae"], np.abs(expected - y).mean(), rtol=1e-5)


def test_generator_and_pydataset_inputs():
    x, y = data(12)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    expected = model.evaluate(x, y, verbose=0, batch_size=4)

    def gen():
        for i in range(3):
            yield x[i * 4:(i + 1) * 4], y[i * 4:(i + 1) * 4]

    assert np.isclose(model.evaluate(gen(), verbose=0), expected, rtol=1e-5)

    class Batches(lamina.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x[i * 4:(i + 1) * 4], y[i * 4:(i + 1) * 4]

    assert np.isclose(model.evaluate(Batches(), verbose=0), expected, rtol=1e-5)


def test_pandas_inputs():
    pd = pytest.importorskip("pandas")
    x, y = data(10)
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    assert np.isclose(model.evaluate(frame, pd.Series(y[:, 0]), verbose=0),
                      model.evaluate(x, y[:, 0], verbose=0))


# -- bad input: a clear error, and no weight changes ------------------------------------------


def _compiled():
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse")
    return model


def _unchanged(model, before):
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


@requires_training
def test_mismatched_lengths():
    model = _compiled()
    before = model.get_weights()
    x, y = data(10)
    with pytest.raises(ValueError, match=r"Data cardinality is ambiguous.*x sizes: \[10\].*y sizes: \[9\]"):
        model.fit(x, y[:9], verbose=0)
    _unchanged(model, before)


@requires_training
def test_nan_in_data():
    model = _compiled()
    before = model.get_weights()
    x, y = data(10)
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match="Argument `x` contains 1 NaN or infinite value"):
        model.fit(x, y, verbose=0)
    _unchanged(model, before)


@requires_training
def test_non_numeric_data():
    model = _compiled()
    x = np.array([["a", "b", "c"]] * 4)
    with pytest.raises(TypeError, match="Argument `x` must hold numbers"):
        model.fit(x, np.zeros((4, 1)), verbose=0)


@requires_training
def test_wrong_input_shape_at_fit_and_predict():
    model = _compiled()
    before = model.get_weights()
    with pytest.raises(ValueError, match=r'layer "dense" is incompatible.*value 3.*\(\d+, 4\)'):
        model.fit(np.ones((4, 4), "float32"), np.ones((4, 1), "float32"), verbose=0)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3"):
        model.predict(np.ones((4, 4), "float32"), verbose=0)
    _unchanged(model, before)


def test_unknown_names():
    model = linear_model()
    with pytest.raises((ValueError, TypeError), match="adamm"):
        model.compile(optimizer="adamm", loss="mse")
    with pytest.raises(ValueError, match="'msee'"):
        model.compile(optimizer="sgd", loss="msee")
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracyy"])
    with pytest.raises(ValueError, match="'accuracyy'"):
        model.evaluate(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


@requires_training
def test_loss_incompatible_with_output_shape():
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4)])
    model.compile(optimizer="sgd", loss="mse")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"received target.shape=\(6, 3\), output.shape=\(6, 4\)"):
        model.fit(np.ones((6, 3), "float32"), np.ones((6, 3), "float32"), verbose=0)
    _unchanged(model, before)


def test_fit_before_compile():
    model = linear_model()
    with pytest.raises(RuntimeError, match="You must call `compile\\(\\)`"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


@pytest.mark.skipif(BACKEND != "numpy", reason="checks the numpy backend's refusal to train")
def test_numpy_backend_refuses_to_train_clearly():
    model = _compiled()
    with pytest.raises(RuntimeError, match="'numpy' backend does not train"):
        model.fit(np.ones((2, 3)), np.ones((2, 1)), verbose=0)


def test_masked_loss_matches_hand_computation():
    ids = np.array([[1, 2, 0, 0], [3, 4, 5, 0]])
    model = lamina.Sequential([
        lamina.Input((4,), dtype="int32"), layers.Embedding(6, 3, mask_zero=True),
        layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    y = np.random.default_rng(0).normal(size=(2, 4, 1)).astype("float32")
    pred = model.predict(ids, verbose=0)
    valid = ids != 0
    expected = ((pred - y)[..., 0] ** 2)[valid].mean()
    np.testing.assert_allclose(model.evaluate(ids, y, verbose=0), expected, rtol=1e-5)


@requires_training
def test_dropout_draws_new_masks_each_step_and_repeats_with_seed():
    x = np.ones((8, 20), "float32")

    def run():
        lamina.utils.set_random_seed(5)
        model = lamina.Sequential([lamina.Input((20,)), layers.Dropout(0.5),
                                   layers.Dense(1, kernel_initializer="ones", use_bias=False)])
        model.compile(optimizer=lamina.optimizers.SGD(0.0), loss="mse")
        losses = [model.train_on_batch(x, np.zeros((8, 1), "float32")) for _ in range(4)]
        return losses

    first, second = run(), run()
    assert len(set(first)) == 4, first  # a new mask at every step
    assert first == second  # and the same masks for the same seed


def test_weighted_metrics_use_sample_weight_and_plain_metrics_do_not():
    x, y = data(12)
    sw = np.linspace(0.0, 1.0, 12).astype("float32")
    model = linear_model()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"], weighted_metrics=["mae"])
    logs = model.evaluate(x, y, sample_weight=sw, batch_size=12, verbose=0, return_dict=True)
    err = np.abs(x @ np.ones((3, 1)) - y)[:, 0]
    np.testing.assert_allclose(logs["mae"], err.mean(), rtol=1e-5)
    np.testing.assert_allclose(logs["weighted_mae"], (err * sw).sum() / sw.sum(), rtol=1e-5)
