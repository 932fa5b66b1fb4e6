"""Normalization and Rescaling against hand computations."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def out(layer, x):
    return np.asarray(layer(x))


def test_adapt_gives_zero_mean_unit_variance(rng):
    x = rng.normal(3.0, 2.0, size=(200, 3)).astype("float32") * np.array([1, 5, 0.1], "float32")
    layer = layers.Normalization()
    layer.adapt(x)
    np.testing.assert_allclose(layer.get_weights()[0], x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.get_weights()[1], x.var(0), rtol=1e-4)
    assert int(layer.get_weights()[2]) == 200
    y = out(layer, x)
    np.testing.assert_allclose(y.mean(0), 0.0, atol=1e-5)
    np.testing.assert_allclose(y.var(0), 1.0, rtol=1e-4)


def test_adapt_on_batches_matches_whole_array(rng):
    x = rng.uniform(size=(90, 2)).astype("float32")
    whole, batched = layers.Normalization(), layers.Normalization()
    whole.adapt(x)
    batched.adapt([x[:10], x[10:50], x[50:]])
    for a, b in zip(whole.get_weights()[:2], batched.get_weights()[:2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_keras_docstring_examples():
    layer = layers.Normalization(axis=None)
    layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0], "float32"))
    np.testing.assert_allclose(out(layer, np.array([1.0, 2.0, 3.0], "float32")),
                               [-1.4142135, -0.70710677, 0.0], rtol=1e-6)
    data = np.array([[0.0, 7.0, 4.0], [2.0, 9.0, 6.0], [0.0, 7.0, 4.0], [2.0, 9.0, 6.0]],
                    "float32")
    layer = layers.Normalization(axis=-1)
    layer.adapt(data)
    np.testing.assert_allclose(out(layer, data[:1]), [[-1.0, -1.0, -1.0]], rtol=1e-6)
    given = layers.Normalization(mean=3.0, variance=2.0)
    np.testing.assert_allclose(out(given, np.array([[1.0], [2.0], [3.0]], "float32")),
                               [[-1.4142135], [-0.70710677], [0.0]], rtol=1e-6)
    inverse = layers.Normalization(axis=-1, invert=True)
    inverse.adapt(data)
    np.testing.assert_allclose(out(inverse, np.array([[1.0, 2.0, 3.0]], "float32")),
                               [[2.0, 10.0, 8.0]], rtol=1e-6)


def test_invert_round_trip(rng):
    x = rng.normal(size=(20, 4, 3)).astype("float32") * 4 + 1
    forward = layers.Normalization(axis=(1, 2))
    forward.adapt(x)
    backward = layers.Normalization(axis=(1, 2), invert=True)
    backward.adapt(x)
    np.testing.assert_allclose(out(backward, out(forward, x)), x, rtol=1e-4, atol=1e-4)
    assert forward.get_weights()[0].shape == (4, 3)


def test_mean_and_variance_per_feature_and_errors():
    layer = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])
    np.testing.assert_allclose(out(layer, np.array([[3.0, 6.0]], "float32")), [[1.0, 1.0]])
    assert layer.weights == []
    with pytest.raises(ValueError, match="both `mean` and `variance` must be set"):
        layers.Normalization(mean=1.0)
    with pytest.raises(ValueError, match="same shape"):
        layers.Normalization(mean=[1.0, 2.0], variance=[1.0])
    with pytest.raises(ValueError, match="cannot be adapted"):
        layers.Normalization(mean=1.0, variance=1.0).adapt(np.ones((2, 1)))
    with pytest.raises(ValueError, match="range"):
        layers.Normalization(axis=3).build((None, 2))
    with pytest.raises(ValueError, match="incompatible shape"):
        fitted = layers.Normalization()
        fitted.adapt(np.ones((4, 3)))
        fitted.adapt(np.ones((4, 2)))


def test_symbolic_and_config():
    layer = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[1.0, 1.0, 1.0])
    assert layer(lamina.Input((3,))).shape == (None, 3)
    config = layer.get_config()
    assert config["axis"] == (-1,) and config["mean"] == [1.0, 2.0, 3.0]
    assert layers.Normalization.from_config(config).get_config() == config
    plain = layers.Normalization(axis=None)
    assert plain.get_config()["mean"] is None and plain.get_config()["axis"] == ()


def test_rescaling():
    x = np.array([[0, 128, 255]], "uint8")
    np.testing.assert_allclose(out(layers.Rescaling(1 / 255.0), x), x / 255.0, rtol=1e-6)
    np.testing.assert_allclose(out(layers.Rescaling(1 / 127.5, offset=-1), x),
                               x / 127.5 - 1, rtol=1e-6, atol=1e-6)
    per_channel = layers.Rescaling([1.0, 2.0, 3.0])
    np.testing.assert_allclose(out(per_channel, np.ones((1, 2, 2, 3), "float32"))[0, 0, 0],
                               [1.0, 2.0, 3.0])
    assert out(layers.Rescaling(2.0), x).dtype == np.float32
    assert layers.Rescaling(0.5)(lamina.Input((4, 4, 3))).shape == (None, 4, 4, 3)
    config = layers.Rescaling(0.5, offset=1.0).get_config()
    assert config["scale"] == 0.5 and config["offset"] == 1.0
    assert layers.Rescaling.from_config(config).get_config() == config


@requires_training
def test_normalization_first_in_a_trained_sequential(rng):
    x = rng.normal(50.0, 20.0, size=(128, 4)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 100).astype("float32")[:, None]
    norm = layers.Normalization()
    norm.adapt(x)
    model = lamina.Sequential([lamina.Input((4,)), norm, layers.Dense(8, "relu"),
                               layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    # The statistics are not trained.
    np.testing.assert_allclose(norm.get_weights()[0], x.mean(0), rtol=1e-5)
    assert norm.trainable_weights == []
