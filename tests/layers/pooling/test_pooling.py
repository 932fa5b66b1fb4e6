"""Pooling layers against NumPy loops written here."""

import itertools

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def np_pool(x, pool_size, strides, padding, mode):
    """Channels-last pooling by a loop over output positions; "same" padding is ignored."""
    spatial = x.shape[1:-1]
    if padding == "same":
        out_sizes = [-(-n // s) for n, s in zip(spatial, strides)]
        pads = [max((o - 1) * s + k - n, 0) // 2
                for o, s, k, n in zip(out_sizes, strides, pool_size, spatial)]
    else:
        out_sizes = [(n - k) // s + 1 for n, k, s in zip(spatial, pool_size, strides)]
        pads = [0] * len(spatial)
    out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for position in itertools.product(*[range(o) for o in out_sizes]):
        window = tuple(
            slice(max(p * s - pad, 0), min(p * s - pad + k, n))
            for p, s, pad, k, n in zip(position, strides, pads, pool_size, spatial))
        values = x[(slice(None),) + window].reshape(x.shape[0], -1, x.shape[-1])
        reduce = np.max if mode == "max" else np.mean
        out[(slice(None),) + position] = reduce(values, axis=1)
    return out


CASES = [
    (layers.MaxPooling1D, (9, 3), dict(), "max"),
    (layers.MaxPooling1D, (9, 3), dict(pool_size=3, strides=2, padding="same"), "max"),
    (layers.AveragePooling1D, (9, 2), dict(pool_size=2), "average"),
    (layers.AveragePooling1D, (8, 2), dict(pool_size=3, strides=1, padding="same"), "average"),
    (layers.MaxPooling2D, (7, 6, 2), dict(), "max"),
    (layers.MaxPooling2D, (7, 6, 2), dict(pool_size=(3, 2), strides=(2, 1), padding="same"), "max"),
    (layers.AveragePooling2D, (7, 6, 2), dict(pool_size=3, strides=2, padding="same"), "average"),
    (layers.AveragePooling2D, (6, 6, 1), dict(pool_size=(2, 3)), "average"),
    (layers.MaxPooling3D, (4, 5, 4, 2), dict(padding="same"), "max"),
    (layers.AveragePooling3D, (4, 4, 6, 2), dict(pool_size=2, strides=(1, 2, 2)), "average"),
]


@pytest.mark.parametrize("cls, shape, kwargs, mode", CASES)
def test_pooling_matches_loop_reference(cls, shape, kwargs, mode, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(**kwargs)
    out = np.asarray(layer(x))
    expected = np_pool(x, layer.pool_size, layer.strides, layer.padding, mode)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]
    assert layer.compute_output_shape((None,) + shape) == (None,) + expected.shape[1:]
    assert layer.weights == []


def test_pooling_channels_first_defaults_and_aliases(rng):
    x = rng.normal(size=(2, 6, 4, 3)).astype("float32")
    expected = np.asarray(layers.MaxPooling2D()(x))
    first = layers.MaxPooling2D(data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first(np.moveaxis(x, -1, 1))),
                               np.moveaxis(expected, -1, 1))
    assert layers.MaxPooling2D().pool_size == (2, 2) and layers.MaxPooling3D().strides == (2, 2, 2)
    assert layers.MaxPooling1D().pool_size == (2,)
    with pytest.raises(TypeError):
        layers.AveragePooling2D()  # pool_size is required, as in Keras
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.AvgPool3D is layers.AveragePooling3D
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool2D is layers.AveragePooling2D
    with pytest.raises(ValueError, match="expected ndim=4"):
        layers.MaxPooling2D()(np.ones((2, 4, 3), "float32"))
    with pytest.raises(ValueError, match="padding"):
        layers.MaxPooling2D(padding="full")


@pytest.mark.parametrize("cls, rank, reduce", [
    (layers.GlobalMaxPooling1D, 1, np.max), (layers.GlobalMaxPooling2D, 2, np.max),
    (layers.GlobalMaxPooling3D, 3, np.max), (layers.GlobalAveragePooling1D, 1, np.mean),
    (layers.GlobalAveragePooling2D, 2, np.mean), (layers.GlobalAveragePooling3D, 3, np.mean),
])
def test_global_pooling(cls, rank, reduce, rng):
    shape = (3, 4, 2, 5)[:rank] + (3,)
    x = rng.normal(size=(2,) + shape).astype("float32")
    axes = tuple(range(1, rank + 1))
    np.testing.assert_allclose(np.asarray(cls()(x)), reduce(x, axis=axes), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(cls(keepdims=True)(x)),
                               reduce(x, axis=axes, keepdims=True), rtol=1e-5, atol=1e-6)
    first = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(np.asarray(cls(data_format="channels_first")(first)),
                               reduce(x, axis=axes), rtol=1e-5, atol=1e-6)
    assert cls()(lamina.Input(shape)).shape == (None, 3)
    assert cls(keepdims=True)(lamina.Input(shape)).shape == (None,) + (1,) * rank + (3,)
    assert cls(data_format="channels_first", keepdims=True).compute_output_shape(
        (None, 3) + shape[:-1]) == (None, 3) + (1,) * rank


def test_global_average_pooling_1d_mask(rng):
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    mask = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 0]], bool)
    out = np.asarray(layers.GlobalAveragePooling1D()(x, mask=mask))
    expected = np.stack([x[i][mask[i]].mean(0) for i in range(2)])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # A mask from Embedding(mask_zero=True) reaches it in a functional model.
    ids = lamina.Input((4,), dtype="int32")
    pooled = layers.GlobalAveragePooling1D()(layers.Embedding(5, 2, mask_zero=True)(ids))
    assert pooled.shape == (None, 2)
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D
    assert layers.GlobalMaxPool3D is layers.GlobalMaxPooling3D


def np_adaptive(x, output_size, reduce):
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0], *output_size, x.shape[-1]))
    for position in itertools.product(*[range(m) for m in output_size]):
        window = tuple(slice(i * n // m, -(-(i + 1) * n // m))
                       for i, n, m in zip(position, spatial, output_size))
        values = x[(slice(None),) + window].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + position] = reduce(values, axis=1)
    return out


@pytest.mark.parametrize("cls, shape, size, reduce", [
    (layers.AdaptiveAveragePooling1D, (10, 2), 4, np.mean),
    (layers.AdaptiveMaxPooling1D, (7, 2), (3,), np.max),
    (layers.AdaptiveAveragePooling2D, (7, 5, 2), (3, 2), np.mean),
    (layers.AdaptiveMaxPooling2D, (6, 6, 1), 4, np.max),
    (layers.AdaptiveAveragePooling3D, (4, 5, 3, 2), 2, np.mean),
    (layers.AdaptiveMaxPooling3D, (4, 5, 3, 2), (3, 2, 2), np.max),
])
def test_adaptive_pooling(cls, shape, size, reduce, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(size)
    expected = np_adaptive(x, layer.output_size, reduce)
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-5, atol=1e-6)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]
    first = cls(size, data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first(np.moveaxis(x, -1, 1))),
                               np.moveaxis(expected, -1, 1), rtol=1e-5, atol=1e-6)
    with pytest.raises(TypeError, match="output_size"):
        cls((2,) * (len(shape) + 1))


@pytest.mark.parametrize("make", [
    lambda: layers.MaxPooling2D((3, 2), strides=1, padding="same"),
    lambda: layers.AveragePooling1D(3, data_format="channels_first"),
    lambda: layers.GlobalMaxPooling3D(keepdims=True),
    lambda: layers.GlobalAveragePooling1D(data_format="channels_first"),
    lambda: layers.AdaptiveAveragePooling2D((3, 4)),
    lambda: layers.AdaptiveMaxPooling1D(5),
], ids=lambda f: "")
def test_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_pooling_config_keys():
    config = layers.MaxPooling2D().get_config()
    assert config["pool_size"] == (2, 2) and config["strides"] == (2, 2)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last"
    assert layers.GlobalAveragePooling2D().get_config()["keepdims"] is False
    assert layers.AdaptiveMaxPooling2D(3).get_config()["output_size"] == (3, 3)


@requires_training
def test_pooling_model_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(48, 8, 8, 1)).astype("float32")
    y = (x[:, :4].mean(axis=(1, 2, 3)) > 0).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((8, 8, 1)), layers.Conv2D(4, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(), layers.AveragePooling2D(2), layers.GlobalAveragePooling2D(),
        layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
