"""Convolution layers against NumPy references written here (loops over kernel offsets)."""

import itertools

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def same_pads(size, window, stride):
    total = max((-(-size // stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def np_conv(x, w, strides, padding="valid", dilation=None):
    """Channels-last grouped convolution: a sum over kernel offsets of strided slices."""
    rank = x.ndim - 2
    strides = (strides,) * rank if isinstance(strides, int) else tuple(strides)
    dilation = (1,) * rank if dilation is None else (
        (dilation,) * rank if isinstance(dilation, int) else tuple(dilation))
    kernel = w.shape[:rank]
    effective = [(k - 1) * d + 1 for k, d in zip(kernel, dilation)]
    if padding == "same":
        pads = [same_pads(n, e, s) for n, e, s in zip(x.shape[1:-1], effective, strides)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out_sizes = [(n - e) // s + 1 for n, e, s in zip(x.shape[1:-1], effective, strides)]
    in_per_group, filters = w.shape[-2:]
    groups = x.shape[-1] // in_per_group
    per_group = filters // groups
    out = np.zeros((x.shape[0], *out_sizes, filters))
    for offset in itertools.product(*[range(k) for k in kernel]):
        index = tuple(slice(j * d, j * d + (o - 1) * s + 1, s)
                      for j, d, o, s in zip(offset, dilation, out_sizes, strides))
        patch = x[(slice(None),) + index]
        for g in range(groups):
            xs = patch[..., g * in_per_group:(g + 1) * in_per_group]
            ws = w[offset][:, g * per_group:(g + 1) * per_group]
            out[..., g * per_group:(g + 1) * per_group] += xs @ ws
    return out


def to_first(x):
    return np.moveaxis(x, -1, 1)


def to_last(x):
    return np.moveaxis(x, 1, -1)


CASES = [
    # (layer class, input shape (no batch), kwargs)
    (layers.Conv1D, (9, 3), dict(filters=4, kernel_size=3)),
    (layers.Conv1D, (9, 4), dict(filters=6, kernel_size=2, strides=2, padding="same", groups=2)),
    (layers.Conv1D, (10, 3), dict(filters=2, kernel_size=3, dilation_rate=2, padding="same")),
    (layers.Conv2D, (7, 6, 3), dict(filters=4, kernel_size=(3, 2))),
    (layers.Conv2D, (7, 6, 3), dict(filters=5, kernel_size=3, strides=(2, 1), padding="same")),
    (layers.Conv2D, (8, 8, 2), dict(filters=3, kernel_size=3, dilation_rate=(2, 1))),
    (layers.Conv2D, (6, 6, 4), dict(filters=4, kernel_size=3, groups=4, padding="same")),
    (layers.Conv3D, (5, 4, 6, 2), dict(filters=3, kernel_size=(2, 3, 3), padding="same")),
    (layers.Conv3D, (5, 5, 5, 2), dict(filters=2, kernel_size=2, strides=2)),
]


@pytest.mark.parametrize("cls, shape, kwargs", CASES)
def test_conv_matches_loop_reference(cls, shape, kwargs, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(**kwargs, bias_initializer="random_normal", activation="relu")
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    expected = np.maximum(np_conv(x, kernel, layer.strides, layer.padding,
                                  layer.dilation_rate) + bias, 0)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]
    assert layer.compute_output_shape((None,) + shape) == (None,) + expected.shape[1:]


@pytest.mark.parametrize("cls, shape, kwargs", CASES[1:2] + CASES[4:5] + CASES[7:8])
def test_conv_channels_first(cls, shape, kwargs, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    last = cls(**kwargs, bias_initializer="random_normal")
    expected = np.asarray(last(x))
    first = cls(**kwargs, data_format="channels_first")
    first.build((None, shape[-1]) + shape[:-1])
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(np.asarray(first(to_first(x))), to_first(expected), rtol=1e-4,
                               atol=1e-4)
    assert first(lamina.Input(to_first(np.zeros(shape)[None])[0].shape)).shape == \
        (None,) + to_first(expected).shape[1:]


def test_conv1d_causal_padding_sees_only_the_past(rng):
    x = rng.normal(size=(2, 8, 3)).astype("float32")
    layer = layers.Conv1D(4, 3, padding="causal", dilation_rate=2, use_bias=False)
    out = np.asarray(layer(x))
    kernel = layer.get_weights()[0]
    padded = np.pad(x, [(0, 0), (4, 0), (0, 0)])
    np.testing.assert_allclose(out, np_conv(padded, kernel, 1, "valid", 2), rtol=1e-4,
                               atol=1e-5)
    changed = x.copy()
    changed[:, 5:] += 1.0  # the future must not change earlier outputs
    np.testing.assert_allclose(np.asarray(layer(changed))[:, :5], out[:, :5], rtol=1e-5)
    assert layer(lamina.Input((None, 3))).shape == (None, None, 4)
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(2, 3, padding="causal")


def test_conv_weights_names_shapes_and_errors():
    layer = layers.Conv2D(8, (3, 2), groups=2)
    layer.build((None, 10, 10, 4))
    assert [w.shape for w in layer.weights] == [(3, 2, 2, 8), (8,)]
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]
    assert layers.Conv1D(3, 2, use_bias=False)(np.ones((1, 4, 2), "float32")).shape == (1, 3, 3)
    with pytest.raises(ValueError, match="filters"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="dilation_rate"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(4, 3, groups=2).build((None, 8, 8, 3))
    with pytest.raises(ValueError, match="kernel_size"):
        layers.Conv2D(4, (3, 3, 3))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 4"):
        layer(np.ones((1, 10, 10, 5), "float32"))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.Conv2D(2, 5)(lamina.Input((3, 3, 1)))


def test_aliases_are_the_same_classes():
    assert layers.Convolution1D is layers.Conv1D
    assert layers.Convolution2D is layers.Conv2D
    assert layers.Convolution3D is layers.Conv3D
    assert layers.Convolution1DTranspose is layers.Conv1DTranspose
    assert layers.Convolution2DTranspose is layers.Conv2DTranspose
    assert layers.Convolution3DTranspose is layers.Conv3DTranspose
    assert layers.SeparableConvolution1D is layers.SeparableConv1D
    assert layers.SeparableConvolution2D is layers.SeparableConv2D


@pytest.mark.parametrize("make", [
    lambda: layers.Conv1D(4, 3, padding="causal", activation="relu"),
    lambda: layers.Conv2D(4, (3, 2), strides=2, padding="same", kernel_regularizer="l2",
                          data_format="channels_first"),
    lambda: layers.Conv3D(2, 2, groups=2, use_bias=False, kernel_constraint="non_neg"),
    lambda: layers.Conv2DTranspose(3, 3, strides=2, output_padding=1),
    lambda: layers.Conv3DTranspose(3, 2),
    lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, depthwise_regularizer="l1"),
    lambda: layers.SeparableConv1D(4, 3, depth_multiplier=2, activation="tanh"),
], ids=lambda f: "")
def test_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_config_has_keras_keys():
    config = layers.Conv2D(4, 3).get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (1, 1)
    assert config["dilation_rate"] == (1, 1) and config["groups"] == 1
    assert config["activation"] == "linear" and config["padding"] == "valid"
    assert config["data_format"] == "channels_last"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert config["bias_initializer"]["class_name"] == "Zeros"


@requires_training
def test_small_conv_model_trains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 12, 2)).astype("float32")
    y = (x[:, :, 0].mean(-1) > 0).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((12, 2)), layers.Conv1D(4, 3, activation="relu", padding="causal"),
        layers.Conv1D(4, 3, strides=2), layers.Flatten(), layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
