"""Convolution and pooling ops against direct loops written here, both data formats."""

import itertools
import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(0)


def _channels_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _back(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def _tuple(v, n):
    return (v,) * n if isinstance(v, int) else tuple(v)


def _same_pads(size, window, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def conv_loop(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Direct loop: out[b, o, co] = sum over window offsets and in-channels of its group."""
    data_format = data_format or lamina.backend.image_data_format()
    x = _channels_last(x, data_format).astype("float64")
    nd = x.ndim - 2
    strides, dilation = _tuple(strides, nd), _tuple(dilation_rate, nd)
    window = kernel.shape[:nd]
    eff = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    if padding == "same":
        pads = [_same_pads(n, e, s) for n, e, s in zip(x.shape[1:-1], eff, strides)]
        x = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out_sizes = [(n - e) // s + 1 for n, e, s in zip(x.shape[1:-1], eff, strides)]
    cin_group, cout = kernel.shape[-2:]
    groups = x.shape[-1] // cin_group
    cout_group = cout // groups
    out = np.zeros((x.shape[0], *out_sizes, cout))
    for b in range(x.shape[0]):
        for pos in itertools.product(*(range(o) for o in out_sizes)):
            for co in range(cout):
                g = co // cout_group
                total = 0.0
                for off in itertools.product(*(range(k) for k in window)):
                    where = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, off, dilation))
                    values = x[(b, *where)][g * cin_group:(g + 1) * cin_group]
                    total += values @ kernel[off][:, co]
                out[(b, *pos, co)] = total
    return _back(out, data_format)


def pool_loop(x, pool_size, strides=None, padding="valid", data_format=None, kind="max"):
    data_format = data_format or lamina.backend.image_data_format()
    x = _channels_last(x, data_format).astype("float64")
    nd = x.ndim - 2
    pool_size = _tuple(pool_size, nd)
    strides = pool_size if strides is None else _tuple(strides, nd)
    if padding == "same":
        pads = [_same_pads(n, w, s) for n, w, s in zip(x.shape[1:-1], pool_size, strides)]
        out_sizes = [math.ceil(n / s) for n, s in zip(x.shape[1:-1], strides)]
    else:
        pads = [(0, 0)] * nd
        out_sizes = [(n - w) // s + 1 for n, w, s in zip(x.shape[1:-1], pool_size, strides)]
    out = np.zeros((x.shape[0], *out_sizes, x.shape[-1]))
    for pos in itertools.product(*(range(o) for o in out_sizes)):
        index = [slice(None)]
        for p, s, w, (low, _), n in zip(pos, strides, pool_size, pads, x.shape[1:-1]):
            start = p * s - low
            index.append(slice(max(start, 0), min(start + w, n)))  # only real elements
        window = x[tuple(index)]
        axes = tuple(range(1, nd + 1))
        out[(slice(None), *pos)] = window.max(axes) if kind == "max" else window.mean(axes)
    return _back(out, data_format)


FORMATS = ["channels_last", "channels_first"]


def _image(spatial, channels, data_format, batch=2, dtype="float32"):
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    return rng.normal(size=shape).astype(dtype)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize(
    "spatial, kernel_spatial, strides, padding, dilation",
    [
        ((7,), (3,), 1, "valid", 1),
        ((8,), (3,), 2, "same", 1),
        ((9,), (2,), 1, "same", 3),
        ((5, 6), (3, 3), 1, "valid", 1),
        ((6, 7), (3, 2), (2, 1), "same", 1),
        ((7, 7), (2, 3), 1, "valid", (2, 1)),
        ((4, 5, 4), (2, 3, 2), (1, 2, 1), "same", 1),
    ],
)
def test_conv(data_format, spatial, kernel_spatial, strides, padding, dilation):
    x = _image(spatial, 3, data_format)
    kernel = rng.normal(size=(*kernel_spatial, 3, 4)).astype("float32")
    check_op(ops.conv, conv_loop, x, kernel,
             kwargs={"strides": strides, "padding": padding, "data_format": data_format,
                     "dilation_rate": dilation}, rtol=1e-4, atol=1e-4, dtype="float32")


@pytest.mark.parametrize("data_format", FORMATS)
def test_grouped_conv(data_format):
    x = _image((5, 5), 6, data_format)
    kernel = rng.normal(size=(3, 3, 2, 6)).astype("float32")  # 3 groups of 2 -> 2 channels each
    check_op(ops.conv, conv_loop, x, kernel, kwargs={"data_format": data_format, "padding": "same"},
             rtol=1e-4, atol=1e-4)


def test_conv_default_format_and_dtypes():
    lamina.backend.set_image_data_format("channels_first")
    x = _image((5,), 2, "channels_first")
    kernel = rng.normal(size=(2, 2, 3)).astype("float32")
    check_op(ops.conv, conv_loop, x, kernel, rtol=1e-4, atol=1e-4)
    check_op(ops.conv, None, x.astype("float64"), kernel.astype("float64"), dtype="float64")
    check_op(ops.conv, None, x.astype("int32"), kernel, dtype="float32")


def test_conv_errors():
    with pytest.raises(ValueError, match=r"conv: the input channels \(5\) must be a multiple"):
        ops.conv(KerasTensor((None, 8, 5)), KerasTensor((3, 2, 4)))
    with pytest.raises(ValueError, match="conv: `padding` must be 'valid' or 'same'"):
        ops.conv(KerasTensor((None, 8, 4)), KerasTensor((3, 4, 4)), padding="full")
    with pytest.raises(ValueError, match="conv: `strides` must be a positive int or a tuple of 2"):
        ops.conv(KerasTensor((None, 8, 8, 4)), KerasTensor((3, 3, 4, 4)), strides=(1, 1, 1))
    with pytest.raises(ValueError, match="smaller than the window"):
        ops.conv(KerasTensor((None, 2, 4)), KerasTensor((3, 4, 4)))
    with pytest.raises(ValueError, match="conv: `kernel` must have rank 4"):
        ops.conv(KerasTensor((None, 8, 8, 4)), KerasTensor((3, 4, 4)))


def depthwise_loop(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    channels, multiplier = kernel.shape[-2:]
    grouped = kernel.reshape(kernel.shape[:-2] + (1, channels * multiplier))
    return conv_loop(x, grouped, strides, padding, data_format, dilation_rate)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("spatial, window", [((7,), (3,)), ((5, 6), (3, 2))])
def test_depthwise_and_separable_conv(data_format, spatial, window):
    x = _image(spatial, 3, data_format)
    kernel = rng.normal(size=(*window, 3, 2)).astype("float32")
    kwargs = {"data_format": data_format, "padding": "same", "strides": 2}
    got = check_op(ops.depthwise_conv, depthwise_loop, x, kernel, kwargs=kwargs, rtol=1e-4,
                   atol=1e-4)
    # Output channel c*M + m is input channel c with multiplier m.
    one_channel = conv_loop(np.take(x, [1], axis=-1 if data_format == "channels_last" else 1),
                            kernel[..., 1:2, 0:1], 2, "same", data_format)
    np.testing.assert_allclose(
        np.take(got, [1 * 2 + 0], axis=-1 if data_format == "channels_last" else 1),
        one_channel, rtol=1e-4, atol=1e-4)
    pointwise = rng.normal(size=(*(1,) * len(spatial), 6, 5)).astype("float32")

    def separable_ref(x, dk, pk, **kw):
        return conv_loop(depthwise_loop(x, dk, **kw), pk, data_format=kw["data_format"])

    check_op(ops.separable_conv, separable_ref, x, kernel, pointwise, kwargs=kwargs, rtol=1e-4,
             atol=1e-4)


def conv_transpose_loop(x, kernel, strides=1, padding="valid", output_padding=None,
                        data_format=None, dilation_rate=1):
    """Scatter definition: every input element adds `x[i] * kernel[k]` at `i*s + k*d`; the
    result is cropped as TensorFlow does (left crop = half the excess)."""
    data_format = data_format or lamina.backend.image_data_format()
    x = _channels_last(x, data_format).astype("float64")
    nd = x.ndim - 2
    strides, dilation = _tuple(strides, nd), _tuple(dilation_rate, nd)
    window = kernel.shape[:nd]
    eff = [(k - 1) * d + 1 for k, d in zip(window, dilation)]
    full_sizes = [(n - 1) * s + e for n, s, e in zip(x.shape[1:-1], strides, eff)]
    full = np.zeros((x.shape[0], *full_sizes, kernel.shape[-2]))
    for pos in itertools.product(*(range(n) for n in x.shape[1:-1])):
        for off in itertools.product(*(range(k) for k in window)):
            where = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, off, dilation))
            full[(slice(None), *where)] += x[(slice(None), *pos)] @ kernel[off].T
    out = []
    for i, (n, s, e, f) in enumerate(zip(x.shape[1:-1], strides, eff, full_sizes)):
        if output_padding is not None:
            extra = _tuple(output_padding, nd)[i]
            size = (n - 1) * s + e + extra if padding == "valid" else (n - 1) * s + e % 2 + extra
        else:
            size = (n - 1) * s + max(e, s) if padding == "valid" else n * s
        out.append((size, (f - size) // 2 if padding == "same" else 0))
    result = np.zeros((x.shape[0], *[size for size, _ in out], kernel.shape[-2]))
    index_out, index_full = [slice(None)], [slice(None)]
    for (size, start), f in zip(out, full_sizes):
        stop = min(start + size, f)
        index_full.append(slice(start, stop))
        index_out.append(slice(0, stop - start))
    result[tuple(index_out)] = full[tuple(index_full)]
    return _back(result, data_format)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize(
    "spatial, window, strides, padding, output_padding, dilation",
    [
        ((5,), (3,), 2, "valid", None, 1),
        ((5,), (2,), 3, "valid", None, 1),
        ((4,), (3,), 2, "same", None, 1),
        ((4,), (4,), 2, "same", None, 1),
        ((4,), (3,), 1, "valid", None, 2),
        ((3, 4), (3, 2), (2, 1), "same", None, 1),
        ((3, 4), (3, 3), 2, "valid", 1, 1),
        ((2, 3, 2), (2, 2, 2), 2, "valid", None, 1),
    ],
)
def test_conv_transpose(data_format, spatial, window, strides, padding, output_padding, dilation):
    x = _image(spatial, 3, data_format)
    kernel = rng.normal(size=(*window, 4, 3)).astype("float32")
    check_op(ops.conv_transpose, conv_transpose_loop, x, kernel,
             kwargs={"strides": strides, "padding": padding, "output_padding": output_padding,
                     "data_format": data_format, "dilation_rate": dilation},
             rtol=1e-4, atol=1e-4)


def test_conv_transpose_errors():
    with pytest.raises(ValueError, match=r"conv_transpose: the input channels \(3\) must equal"):
        ops.conv_transpose(KerasTensor((None, 5, 3)), KerasTensor((3, 3, 4)))


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize(
    "spatial, pool_size, strides, padding",
    [
        ((8,), 2, None, "valid"),
        ((7,), 3, 2, "same"),
        ((6, 7), (2, 3), None, "valid"),
        ((5, 5), 3, (2, 1), "same"),
        ((4, 5, 3), 2, 1, "same"),
    ],
)
def test_pools(data_format, spatial, pool_size, strides, padding):
    x = _image(spatial, 3, data_format)
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    check_op(ops.max_pool, lambda *a, **k: pool_loop(*a, **k, kind="max"), x, pool_size,
             kwargs=kwargs, dtype="float32")
    check_op(ops.average_pool, lambda *a, **k: pool_loop(*a, **k, kind="mean"), x, pool_size,
             kwargs=kwargs, rtol=1e-5, atol=1e-6, dtype="float32")


def test_pool_dtypes_and_special_values():
    x = np.array([[[1], [np.nan], [-np.inf], [3]]], "float32")
    got = check_op(ops.max_pool, None, x, 2)
    assert np.isnan(got[0, 0, 0]) and got[0, 1, 0] == 3
    ints = rng.integers(-9, 9, size=(1, 6, 2)).astype("int32")
    check_op(ops.max_pool, lambda v, p: pool_loop(v, p).astype("int32"), ints, 2, dtype="int32")
    check_op(ops.average_pool, None, ints, 2, dtype="float32")
    with pytest.raises(ValueError, match="max_pool: `inputs` must have rank in"):
        ops.max_pool(KerasTensor((None, 4)), 2)


def adaptive_loop(x, output_size, data_format=None, kind="max"):
    data_format = data_format or lamina.backend.image_data_format()
    x = _channels_last(x, data_format).astype("float64")
    nd = x.ndim - 2
    output_size = _tuple(output_size, nd)
    out = np.zeros((x.shape[0], *output_size, x.shape[-1]))
    for pos in itertools.product(*(range(o) for o in output_size)):
        index = [slice(None)]
        for p, o, n in zip(pos, output_size, x.shape[1:-1]):
            index.append(slice(math.floor(p * n / o), math.ceil((p + 1) * n / o)))
        window = x[tuple(index)]
        axes = tuple(range(1, nd + 1))
        out[(slice(None), *pos)] = window.max(axes) if kind == "max" else window.mean(axes)
    return _back(out, data_format)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("spatial, output_size", [((10,), 4), ((7, 9), (3, 4)), ((5, 4, 6), 2),
                                                  ((4, 4), 4), ((3, 5), (5, 2))])
def test_adaptive_pools(data_format, spatial, output_size):
    x = _image(spatial, 2, data_format)
    kwargs = {"data_format": data_format}
    check_op(ops.adaptive_max_pool, lambda *a, **k: adaptive_loop(*a, **k, kind="max"), x,
             output_size, kwargs=kwargs)
    check_op(ops.adaptive_average_pool, lambda *a, **k: adaptive_loop(*a, **k, kind="mean"), x,
             output_size, kwargs=kwargs, rtol=1e-5, atol=1e-6)


def test_symbolic_shapes_with_unknown_dims():
    x = KerasTensor((None, None, 8, 3))
    assert ops.conv(x, KerasTensor((3, 3, 3, 5)), padding="same").shape == (None, None, 8, 5)
    assert ops.max_pool(x, 2).shape == (None, None, 4, 3)
    assert ops.conv_transpose(x, KerasTensor((3, 3, 4, 3)), 2, "same").shape == (None, None, 16, 4)
    assert ops.adaptive_average_pool(x, 2).shape == (None, 2, 2, 3)
    first = KerasTensor((None, 3, None, 8))
    assert ops.depthwise_conv(first, KerasTensor((3, 3, 3, 2)), data_format="channels_first").shape \
        == (None, 6, None, 6)


def test_empty_batch():
    x = np.zeros((0, 5, 5, 3), "float32")
    kernel = rng.normal(size=(3, 3, 3, 2)).astype("float32")
    check_op(ops.conv, conv_loop, x, kernel, kwargs={"padding": "same"})
    check_op(ops.depthwise_conv, depthwise_loop, x, kernel)
    check_op(ops.conv_transpose, conv_transpose_loop, x, kernel.transpose(0, 1, 3, 2), 2)
    check_op(ops.max_pool, pool_loop, x, 2)
    check_op(ops.average_pool, lambda *a, **k: pool_loop(*a, **k, kind="mean"), x, 2,
             kwargs={"padding": "same"})
    check_op(ops.adaptive_max_pool, adaptive_loop, x, 2)
