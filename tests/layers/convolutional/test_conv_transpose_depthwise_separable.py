"""Transposed, depthwise and separable convolutions against NumPy loop references."""

import itertools

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training
from tests.layers.convolutional.test_conv import np_conv, to_first


def keras_transpose_pads(kernel, stride, dilation, padding, output_padding):
    """(left, right) pads of Keras' transposed convolution, as documented for its backends."""
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(kernel, stride) - kernel if output_padding is None else output_padding
        return kernel - 1, kernel - 1 + extra
    total = stride + kernel - 2 if output_padding is None else \
        kernel + kernel % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, kernel - 1)
    return left, total - left


def np_conv_transpose(x, w, strides, padding, output_padding, dilation):
    """Scatter each input position through the kernel, then crop/extend to Keras' size."""
    rank = x.ndim - 2
    kernel = w.shape[:rank]
    full_sizes = [(n - 1) * s + (k - 1) * d + 1
                  for n, s, k, d in zip(x.shape[1:-1], strides, kernel, dilation)]
    out = np.zeros((x.shape[0], *full_sizes, w.shape[-2]))
    for position in itertools.product(*[range(n) for n in x.shape[1:-1]]):
        value = x[(slice(None),) + position]  # (batch, in)
        for offset in itertools.product(*[range(k) for k in kernel]):
            target = tuple(p * s + j * d for p, s, j, d in zip(position, strides, offset, dilation))
            out[(slice(None),) + target] += value @ w[offset].T
    # The full result has k_eff - 1 pads on both sides; Keras' pads say what is kept.
    for axis in range(rank):
        k_eff = (kernel[axis] - 1) * dilation[axis] + 1
        extra = None if output_padding is None else output_padding[axis]
        left, right = keras_transpose_pads(kernel[axis], strides[axis], dilation[axis], padding,
                                           extra)
        start = k_eff - 1 - left
        grow = max(right - (k_eff - 1), 0)
        widths = [(0, 0)] * out.ndim
        widths[axis + 1] = (0, grow)
        out = np.pad(out, widths)
        stop = out.shape[axis + 1] - max(k_eff - 1 - right, 0)
        out = np.take(out, range(start, stop), axis=axis + 1)
    return out


TRANSPOSE_CASES = [
    (layers.Conv1DTranspose, (5, 3), dict(filters=2, kernel_size=3, strides=2)),
    (layers.Conv1DTranspose, (5, 3), dict(filters=2, kernel_size=4, strides=2, padding="same")),
    (layers.Conv1DTranspose, (4, 2), dict(filters=3, kernel_size=3, strides=3, output_padding=2)),
    (layers.Conv1DTranspose, (4, 2), dict(filters=3, kernel_size=3, dilation_rate=2)),
    (layers.Conv2DTranspose, (3, 4, 2), dict(filters=3, kernel_size=3, strides=2,
                                             padding="same")),
    (layers.Conv2DTranspose, (3, 4, 2), dict(filters=3, kernel_size=(2, 3), strides=(2, 1),
                                             padding="same", output_padding=(1, 0))),
    (layers.Conv2DTranspose, (3, 3, 2), dict(filters=2, kernel_size=2, strides=2)),
    (layers.Conv3DTranspose, (2, 3, 2, 2), dict(filters=2, kernel_size=2, strides=(1, 2, 2))),
]


@pytest.mark.parametrize("cls, shape, kwargs", TRANSPOSE_CASES)
def test_conv_transpose_matches_scatter_reference(cls, shape, kwargs, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(**kwargs, bias_initializer="random_normal")
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    assert kernel.shape == layer.kernel_size + (kwargs["filters"], shape[-1])
    expected = np_conv_transpose(x, kernel, layer.strides, layer.padding, layer.output_padding,
                                 layer.dilation_rate) + bias
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]
    assert tuple(layer.compute_output_shape((None,) + shape)) == (None,) + expected.shape[1:]


def test_conv_transpose_keras_sizes_and_channels_first(rng):
    assert layers.Conv1DTranspose(32, 3, 2)(np.ones((4, 10, 128), "float32")).shape == (4, 21, 32)
    x = rng.normal(size=(2, 3, 4, 2)).astype("float32")
    last = layers.Conv2DTranspose(3, 3, strides=2, padding="same")
    first = layers.Conv2DTranspose(3, 3, strides=2, padding="same", data_format="channels_first")
    expected = np.asarray(last(x))
    first.build((None, 2, 3, 4))
    first.set_weights(last.get_weights())
    np.testing.assert_allclose(np.asarray(first(to_first(x))), to_first(expected), rtol=1e-4,
                               atol=1e-5)
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)


def np_depthwise(x, w, strides, padding, dilation):
    channels, multiplier = w.shape[-2:]
    outs = []
    for c in range(channels):
        kernel = w[..., c:c + 1, :]  # (k..., 1, multiplier)
        outs.append(np_conv(x[..., c:c + 1], kernel, strides, padding, dilation))
    return np.concatenate(outs, axis=-1)  # channel c * multiplier + m


@pytest.mark.parametrize("cls, shape, kwargs", [
    (layers.DepthwiseConv1D, (9, 3), dict(kernel_size=3, depth_multiplier=2)),
    (layers.DepthwiseConv1D, (9, 2), dict(kernel_size=2, strides=2, padding="same")),
    (layers.DepthwiseConv2D, (6, 5, 3), dict(kernel_size=3, depth_multiplier=2, padding="same")),
    (layers.DepthwiseConv2D, (7, 7, 2), dict(kernel_size=(3, 2), dilation_rate=2)),
])
def test_depthwise_matches_per_channel_reference(cls, shape, kwargs, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(**kwargs, bias_initializer="random_normal")
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    multiplier = kwargs.get("depth_multiplier", 1)
    assert kernel.shape == layer.kernel_size + (shape[-1], multiplier)
    assert bias.shape == (shape[-1] * multiplier,)
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"]
    expected = np_depthwise(x, kernel, layer.strides, layer.padding, layer.dilation_rate) + bias
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]


@pytest.mark.parametrize("cls, shape, kwargs", [
    (layers.SeparableConv1D, (9, 3), dict(filters=4, kernel_size=3, depth_multiplier=2)),
    (layers.SeparableConv2D, (6, 5, 3), dict(filters=2, kernel_size=3, padding="same",
                                              strides=2)),
    (layers.SeparableConv2D, (7, 7, 2), dict(filters=3, kernel_size=2, dilation_rate=2)),
])
def test_separable_matches_depthwise_then_pointwise(cls, shape, kwargs, rng):
    x = rng.normal(size=(2,) + shape).astype("float32")
    layer = cls(**kwargs, bias_initializer="random_normal")
    out = np.asarray(layer(x))
    depthwise, pointwise, bias = layer.get_weights()
    multiplier = kwargs.get("depth_multiplier", 1)
    rank = len(shape) - 1
    assert [w.path.split("/")[-1] for w in layer.weights] == [
        "depthwise_kernel", "pointwise_kernel", "bias"]
    assert depthwise.shape == layer.kernel_size + (shape[-1], multiplier)
    assert pointwise.shape == (1,) * rank + (shape[-1] * multiplier, kwargs["filters"])
    middle = np_depthwise(x, depthwise, layer.strides, layer.padding, layer.dilation_rate)
    expected = middle @ pointwise.reshape(pointwise.shape[-2:]) + bias
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert layer(lamina.Input(shape)).shape == (None,) + expected.shape[1:]


def test_depthwise_and_separable_errors():
    with pytest.raises(ValueError, match="depth_multiplier"):
        layers.DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match="filters"):
        layers.SeparableConv2D(-1, 3)
    with pytest.raises(ValueError, match="padding"):
        layers.DepthwiseConv1D(3, padding="causal")


@requires_training
def test_transpose_and_separable_layers_train():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 6, 6, 2)).astype("float32")
    y = x.mean(axis=(1, 2, 3))[:, None]
    model = lamina.Sequential([
        lamina.Input((6, 6, 2)), layers.SeparableConv2D(4, 3, padding="same"),
        layers.DepthwiseConv2D(3), layers.Conv2DTranspose(2, 2, strides=2),
        layers.Flatten(), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    history = model.fit(x, y, epochs=8, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
