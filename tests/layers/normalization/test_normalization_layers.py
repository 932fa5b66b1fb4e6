"""Layer, group, unit, RMS and spectral normalization against NumPy."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def test_layer_normalization(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    layer = layers.LayerNormalization(gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    out = np.asarray(layer(x))
    gamma, beta = layer.get_weights()
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-4,
                               atol=1e-5)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["gamma", "beta"]
    both = layers.LayerNormalization(axis=[1, 2], epsilon=1e-5)
    mean, var = x.mean((1, 2), keepdims=True), x.var((1, 2), keepdims=True)
    np.testing.assert_allclose(np.asarray(both(x)), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-4,
                               atol=1e-5)
    assert both.gamma.shape == (3, 4) and both.axis == [1, 2]
    plain = layers.LayerNormalization(center=False, scale=False)
    plain.build((None, 4))
    assert plain.weights == []
    assert layers.LayerNormalization()(lamina.Input((3, 4))).shape == (None, 3, 4)
    with pytest.raises(TypeError, match="axis"):
        layers.LayerNormalization(axis="last")


def test_layer_normalization_keeps_half_precision_stable(rng):
    x = (rng.normal(size=(2, 8)) * 100).astype("float16")
    out = np.asarray(layers.LayerNormalization(dtype="float16")(x))
    assert out.dtype == np.float16
    xf = x.astype("float32")
    expected = (xf - xf.mean(-1, keepdims=True)) / np.sqrt(xf.var(-1, keepdims=True) + 1e-3)
    np.testing.assert_allclose(out.astype("float32"), expected, rtol=1e-2, atol=1e-2)


def np_group_norm(x, groups, epsilon, gamma, beta):
    batch, *spatial, channels = x.shape
    grouped = x.reshape(batch, *spatial, groups, channels // groups)
    axes = tuple(range(1, len(spatial) + 1)) + (len(spatial) + 2,)
    mean = grouped.mean(axes, keepdims=True)
    var = grouped.var(axes, keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(var + epsilon)).reshape(x.shape)
    return normalized * gamma + beta


@pytest.mark.parametrize("groups", [1, 2, 6, -1])
def test_group_normalization(groups, rng):
    x = rng.normal(size=(2, 5, 6)).astype("float32")
    layer = layers.GroupNormalization(groups=groups, gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    out = np.asarray(layer(x))
    gamma, beta = layer.get_weights()
    expected = np_group_norm(x, 6 if groups == -1 else groups, 1e-3, gamma, beta)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer(lamina.Input((5, 6))).shape == (None, 5, 6)


def test_group_normalization_channels_first_and_errors(rng):
    x = rng.normal(size=(2, 4, 3, 3)).astype("float32")
    first = layers.GroupNormalization(groups=2, axis=1)
    expected = np_group_norm(np.moveaxis(x, 1, -1), 2, 1e-3, 1.0, 0.0)
    np.testing.assert_allclose(np.asarray(first(x)), np.moveaxis(expected, -1, 1), rtol=1e-4,
                               atol=1e-4)
    with pytest.raises(ValueError, match="groups"):
        layers.GroupNormalization(groups=0)
    with pytest.raises(ValueError, match="cannot be more than"):
        layers.GroupNormalization(groups=8)(x)
    with pytest.raises(ValueError, match="divisor"):
        layers.GroupNormalization(groups=2)(np.ones((1, 3), "float32"))


def test_unit_and_rms_normalization(rng):
    x = rng.normal(size=(3, 4, 5)).astype("float32")
    unit = layers.UnitNormalization()
    np.testing.assert_allclose(np.asarray(unit(x)), x / np.linalg.norm(x, axis=-1, keepdims=True),
                               rtol=1e-5, atol=1e-6)
    both = layers.UnitNormalization(axis=[1, 2])
    np.testing.assert_allclose(np.asarray(both(x)),
                               x / np.sqrt((x ** 2).sum((1, 2), keepdims=True)), rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(unit(np.zeros((1, 3), "float32"))), np.zeros((1, 3)))
    rms = layers.RMSNormalization()
    out = np.asarray(rms(x))
    assert [w.path.split("/")[-1] for w in rms.weights] == ["scale"]
    assert rms.weights[0].shape == (5,)
    np.testing.assert_allclose(out, x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-6),
                               rtol=1e-4, atol=1e-5)
    assert rms.get_config()["axis"] == [-1] and rms.get_config()["epsilon"] == 1e-6
    assert unit(lamina.Input((4, 5))).shape == (None, 4, 5)
    with pytest.raises(TypeError, match="axis"):
        layers.UnitNormalization(axis=1.5)


def test_spectral_normalization_bounds_the_spectral_norm(rng):
    dense = layers.Dense(6, kernel_initializer="random_normal")
    layer = layers.SpectralNormalization(dense, power_iterations=30)
    x = rng.normal(size=(2, 5)).astype("float32")
    np.testing.assert_allclose(np.asarray(layer(x)), np.asarray(dense(x)), rtol=1e-6)
    out = np.asarray(layer(x, training=True))
    kernel = dense.kernel.numpy()
    np.testing.assert_allclose(np.linalg.svd(kernel, compute_uv=False)[0], 1.0, rtol=1e-3)
    np.testing.assert_allclose(out, x @ kernel + dense.bias.numpy(), rtol=1e-5, atol=1e-6)
    assert layer.vector_u.shape == (1, 6) and not layer.vector_u.trainable
    assert isinstance(layer, layers.Wrapper)
    conv = layers.SpectralNormalization(layers.Conv2D(3, 2))
    assert conv(lamina.Input((4, 4, 2))).shape == (None, 3, 3, 3)
    with pytest.raises(ValueError, match="power_iterations"):
        layers.SpectralNormalization(layers.Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match="no attribute 'kernel'"):
        layers.SpectralNormalization(layers.Activation("relu"))(x)


@pytest.mark.parametrize("make", [
    lambda: layers.LayerNormalization(axis=[1, 2], epsilon=1e-5, center=False),
    lambda: layers.GroupNormalization(groups=4, axis=1, gamma_regularizer="l2"),
    lambda: layers.UnitNormalization(axis=[1, 2]),
    lambda: layers.RMSNormalization(epsilon=1e-5),
    lambda: layers.SpectralNormalization(layers.Dense(3), power_iterations=2),
    lambda: layers.BatchNormalization(axis=1, momentum=0.9, center=False),
], ids=lambda f: "")
def test_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@requires_training
def test_normalized_model_trains(rng):
    x = rng.normal(size=(64, 6, 4)).astype("float32")
    y = (x[:, :, 0].sum(-1) > 0).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((6, 4)), layers.LayerNormalization(), layers.GroupNormalization(2),
        layers.RMSNormalization(), layers.Flatten(),
        layers.SpectralNormalization(layers.Dense(8)), layers.UnitNormalization(),
        layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
