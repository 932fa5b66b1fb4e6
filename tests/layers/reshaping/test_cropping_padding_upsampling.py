"""Cropping, ZeroPadding and UpSampling layers against NumPy slicing, padding and repeats."""

import numpy as np
import pytest

import lamina
from lamina import layers


def check(layer, x, expected):
    np.testing.assert_allclose(np.asarray(layer(x)), expected, rtol=1e-6, atol=1e-6)
    assert layer(lamina.Input(x.shape[1:])).shape == (None,) + expected.shape[1:]
    assert tuple(layer.compute_output_shape((None,) + x.shape[1:])) == \
        (None,) + expected.shape[1:]
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_cropping(rng):
    x1 = rng.normal(size=(2, 7, 3)).astype("float32")
    check(layers.Cropping1D(), x1, x1[:, 1:-1])
    check(layers.Cropping1D((2, 0)), x1, x1[:, 2:])
    x2 = rng.normal(size=(2, 6, 5, 3)).astype("float32")
    check(layers.Cropping2D(((1, 0), (2, 1))), x2, x2[:, 1:, 2:-1])
    check(layers.Cropping2D(1), x2, x2[:, 1:-1, 1:-1])
    check(layers.Cropping2D((0, 2)), x2, x2[:, :, 2:-2])
    check(layers.Cropping2D(((1, 2), (0, 1)), data_format="channels_first"), x2,
          x2[:, :, 1:-2, :-1])
    x3 = rng.normal(size=(1, 4, 5, 6, 2)).astype("float32")
    check(layers.Cropping3D(), x3, x3[:, 1:-1, 1:-1, 1:-1])
    check(layers.Cropping3D(((0, 1), 2, (1, 0))), x3, x3[:, :-1, 2:-2, 1:])
    assert layers.Cropping2D(1).cropping == ((1, 1), (1, 1))
    assert layers.Cropping1D().get_config()["cropping"] == (1, 1)
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping1D((4, 4))(x1)
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(((1, 1), (1, 1), (1, 1)))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(-1)


def test_zero_padding(rng):
    x1 = rng.normal(size=(2, 4, 3)).astype("float32")
    check(layers.ZeroPadding1D(), x1, np.pad(x1, [(0, 0), (1, 1), (0, 0)]))
    check(layers.ZeroPadding1D((0, 2), data_format="channels_first"), x1,
          np.pad(x1, [(0, 0), (0, 0), (0, 2)]))
    x2 = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    check(layers.ZeroPadding2D(), x2, np.pad(x2, [(0, 0), (1, 1), (1, 1), (0, 0)]))
    check(layers.ZeroPadding2D(((1, 0), (2, 3))), x2, np.pad(x2, [(0, 0), (1, 0), (2, 3), (0, 0)]))
    check(layers.ZeroPadding2D((2, 1), data_format="channels_first"), x2,
          np.pad(x2, [(0, 0), (0, 0), (2, 2), (1, 1)]))
    x3 = rng.normal(size=(1, 2, 3, 2, 2)).astype("float32")
    check(layers.ZeroPadding3D(), x3, np.pad(x3, [(0, 0), (1, 1), (1, 1), (1, 1), (0, 0)]))
    check(layers.ZeroPadding3D(((0, 1), 2, (1, 0))), x3,
          np.pad(x3, [(0, 0), (0, 1), (2, 2), (1, 0), (0, 0)]))
    assert layers.ZeroPadding2D(3).padding == ((3, 3), (3, 3))
    assert layers.ZeroPadding1D().get_config()["padding"] == (1, 1)
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding3D((1, 1))


def test_up_sampling(rng):
    x1 = rng.normal(size=(2, 3, 4)).astype("float32")
    check(layers.UpSampling1D(3), x1, np.repeat(x1, 3, axis=1))
    x2 = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    check(layers.UpSampling2D(), x2, np.repeat(np.repeat(x2, 2, 1), 2, 2))
    check(layers.UpSampling2D((1, 3), data_format="channels_first"), x2, np.repeat(x2, 3, 3))
    x3 = rng.normal(size=(1, 2, 3, 2, 2)).astype("float32")
    check(layers.UpSampling3D((2, 1, 3)), x3, np.repeat(np.repeat(x3, 2, 1), 3, 3))
    with pytest.raises(TypeError, match="size"):
        layers.UpSampling1D((2,))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="cubic-ish")


def np_bilinear_upsample(x, factors):
    """Half-pixel-centre bilinear interpolation (edges clamped) of (batch, h, w, c) images."""
    out = x
    for axis, factor in zip((1, 2), factors):
        size = out.shape[axis]
        coords = np.clip((np.arange(size * factor) + 0.5) / factor - 0.5, 0, size - 1)
        low = np.floor(coords).astype(int)
        high = np.minimum(low + 1, size - 1)
        weight = (coords - low).reshape([-1 if a == axis else 1 for a in range(out.ndim)])
        out = np.take(out, low, axis=axis) * (1 - weight) + np.take(out, high, axis=axis) * weight
    return out


def test_up_sampling_2d_bilinear(rng):
    x = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    layer = layers.UpSampling2D((2, 3), interpolation="bilinear")
    check(layer, x, np_bilinear_upsample(x, (2, 3)))
    first = layers.UpSampling2D(2, interpolation="bilinear", data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first(np.moveaxis(x, -1, 1))),
                               np.moveaxis(np_bilinear_upsample(x, (2, 2)), -1, 1), rtol=1e-5,
                               atol=1e-6)
    assert layer.get_config()["interpolation"] == "bilinear"
