"""BatchNormalization: numbers against NumPy, moving statistics in eager calls and in `fit`."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def test_inference_uses_moving_statistics(rng):
    x = rng.normal(size=(6, 4)).astype("float32")
    layer = layers.BatchNormalization(
        epsilon=0.01, moving_mean_initializer=lamina.initializers.Constant(0.5),
        moving_variance_initializer=lamina.initializers.Constant(2.0),
        gamma_initializer=lamina.initializers.Constant(3.0),
        beta_initializer=lamina.initializers.Constant(-1.0))
    expected = (x - 0.5) / np.sqrt(2.0 + 0.01) * 3.0 - 1.0
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), expected, rtol=1e-5,
                               atol=1e-5)


def test_training_call_uses_batch_statistics_and_moves_averages(rng):
    x = rng.normal(loc=2.0, size=(16, 3)).astype("float32")
    layer = layers.BatchNormalization(momentum=0.9)
    out = np.asarray(layer(x, training=True))
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * 0 + 0.1 * mean, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.9 * 1 + 0.1 * var, rtol=1e-5)
    layer(x, training=True)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.9 * 0.1 * mean + 0.1 * mean,
                               rtol=1e-5)


def test_frozen_layer_runs_in_inference_mode(rng):
    x = rng.normal(loc=3.0, size=(8, 2)).astype("float32")
    layer = layers.BatchNormalization(trainable=False)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, x / np.sqrt(1 + 1e-3), rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), np.zeros(2))


def test_channels_first_axis_and_mask(rng):
    x = rng.normal(size=(2, 3, 4, 5)).astype("float32")
    layer = layers.BatchNormalization(axis=1, momentum=0.0)
    out = np.asarray(layer(x, training=True))
    mean, var = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-4)
    assert layer.moving_mean.shape == (3,)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mean.ravel(), rtol=1e-5, atol=1e-6)
    seq = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 0, 0, 0]], bool)
    masked = layers.BatchNormalization(momentum=0.0)
    masked(seq, training=True, mask=mask)
    np.testing.assert_allclose(masked.moving_mean.numpy(), seq[mask].mean(0), rtol=1e-4,
                               atol=1e-5)
    np.testing.assert_allclose(masked.moving_variance.numpy(), seq[mask].var(0), rtol=1e-3,
                               atol=1e-5)


def test_weights_names_order_shapes_and_config():
    layer = layers.BatchNormalization()
    layer.build((None, 7))
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        "gamma", "beta", "moving_mean", "moving_variance"]
    assert [w.trainable for w in layer.weights] == [True, True, False, False]
    assert all(w.shape == (7,) for w in layer.weights)
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2
    bare = layers.BatchNormalization(center=False, scale=False)
    bare.build((None, 3))
    assert [w.path.split("/")[-1] for w in bare.weights] == ["moving_mean", "moving_variance"]
    config = layer.get_config()
    assert config["momentum"] == 0.99 and config["epsilon"] == 1e-3 and config["axis"] == -1
    assert config["synchronized"] is False and config["renorm"] is False
    assert type(layer).from_config(config).get_config() == config
    assert layers.BatchNormalization()(lamina.Input((4, 3))).shape == (None, 4, 3)
    with pytest.raises(ValueError, match="synchronized"):
        layers.BatchNormalization(synchronized=True)
    with pytest.raises(ValueError, match="renorm_clipping"):
        layers.BatchNormalization(renorm=True, renorm_clipping={"bad": 1})


def test_renorm_runs_and_tracks_statistics(rng):
    x = rng.normal(size=(16, 3)).astype("float32")
    layer = layers.BatchNormalization(renorm=True, renorm_clipping={"rmax": 2.0, "dmax": 1.0})
    out = np.asarray(layer(x, training=True))
    assert out.shape == x.shape and np.isfinite(out).all()
    assert [w.path.split("/")[-1] for w in layer.non_trainable_weights] == [
        "moving_mean", "moving_variance", "moving_stddev", "renorm_mean", "renorm_stddev"]
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * x.mean(0), rtol=1e-4)


@requires_training
def test_fit_updates_moving_statistics_with_momentum(rng):
    x = rng.normal(loc=1.5, scale=2.0, size=(32, 4)).astype("float32")
    y = rng.normal(size=(32, 1)).astype("float32")
    bn = layers.BatchNormalization(momentum=0.8)
    model = lamina.Sequential([lamina.Input((4,)), bn, layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    batch_mean, batch_var = x.mean(0), x.var(0)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.8 * 0.0 + 0.2 * batch_mean, rtol=1e-4,
                               atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.8 * 1.0 + 0.2 * batch_var,
                               rtol=1e-4)


@requires_training
def test_frozen_layer_in_fit_keeps_its_statistics(rng):
    x = rng.normal(loc=1.0, size=(16, 3)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    bn = layers.BatchNormalization()
    model = lamina.Sequential([lamina.Input((3,)), bn, layers.Dense(1)])
    bn.trainable = False
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(3))
    np.testing.assert_array_equal(bn.gamma.numpy(), np.ones(3))


@requires_training
def test_batchnorm_model_trains(rng):
    x = rng.normal(loc=5.0, scale=3.0, size=(64, 4)).astype("float32")
    y = (x[:, 0] > 5.0).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((4,)), layers.Dense(8), layers.BatchNormalization(),
        layers.Activation("relu"), layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
