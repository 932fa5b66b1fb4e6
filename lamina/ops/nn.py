"""Neural-network ops: activations, normalization, convolution, pooling, losses, attention.

Public as `lamina.ops.<name>` and `lamina.ops.nn.<name>`. Each op checks and normalizes its
arguments here (tuples per spatial dim, lower-case padding, a concrete data format), so that
the backends receive them ready to use. Composite ops (swish, separable_conv, normalize,
rms/layer normalization, psnr) are written here once from backend primitives.
"""

import math

from lamina.api_export import export
from lamina.backend import active, config
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.nn.{name}")


def _float_dtype(*values):
    return dtypes.float_result(dtypes.result_type(*(rules.dtype_of(v) for v in values)))


# -- activations ------------------------------------------------------------------------------


def _activation(name, doc):
    """Defines the elementwise activation `name` (float result) dispatching to the backend."""

    def compute(x):
        return getattr(active.nn, name)(*promote_float(x))

    compute.__name__ = compute.__qualname__ = name
    compute.__doc__ = doc
    return _public(name)(op(rules.unary_float)(compute))


relu = _activation("relu", "`max(x, 0)` elementwise.\n\nExample:\n>>> ops.relu([-1.0, 2.0])")
relu6 = _activation("relu6", "`min(max(x, 0), 6)` elementwise.")
sigmoid = _activation("sigmoid", "`1 / (1 + exp(-x))` elementwise.")
sparse_sigmoid = _activation(
    "sparse_sigmoid", "0 for `x <= -1`, 1 for `x >= 1`, `(x + 1) / 2` in between."
)
softplus = _activation("softplus", "`log(1 + exp(x))` elementwise, computed stably.")
softsign = _activation("softsign", "`x / (1 + |x|)` elementwise.")
sparse_plus = _activation(
    "sparse_plus", "0 for `x <= -1`, `x` for `x >= 1`, `(x + 1)**2 / 4` in between."
)
silu = _activation("silu", "`x * sigmoid(x)` elementwise (also called swish).")
log_sigmoid = _activation("log_sigmoid", "`log(sigmoid(x))` elementwise, computed stably.")
hard_sigmoid = _activation("hard_sigmoid", "`relu6(x + 3) / 6` elementwise.")
hard_silu = _activation("hard_silu", "`x * hard_sigmoid(x)` elementwise (also hard_swish).")
selu = _activation("selu", "Scaled ELU: `scale * elu(x, alpha)` with the SELU constants.")
tanh_shrink = _activation("tanh_shrink", "`x - tanh(x)` elementwise.")
hard_tanh = _activation("hard_tanh", "`x` clipped to [-1, 1].")


@_public("swish")
@op(rules.unary_float)
def swish(x):
    """`x * sigmoid(x)` elementwise; the same function as `silu`."""
    return active.nn.silu(*promote_float(x))


@_public("hard_swish")
@op(rules.unary_float)
def hard_swish(x):
    """`x * relu6(x + 3) / 6` elementwise; the same function as `hard_silu`."""
    return active.nn.hard_silu(*promote_float(x))


@_public("squareplus")
@op(rules.unary_float)
def squareplus(x, b=4):
    """`(x + sqrt(x**2 + b)) / 2` elementwise, a smooth relu."""
    return active.nn.squareplus(*promote_float(x), b=b)


@_public("leaky_relu")
@op(rules.unary_float)
def leaky_relu(x, negative_slope=0.2):
    """`x` for `x >= 0`, else `negative_slope * x`."""
    return active.nn.leaky_relu(*promote_float(x), negative_slope=negative_slope)


@_public("elu")
@op(rules.unary_float)
def elu(x, alpha=1.0):
    """`x` for `x > 0`, else `alpha * (exp(x) - 1)`."""
    return active.nn.elu(*promote_float(x), alpha=alpha)


@_public("gelu")
@op(rules.unary_float)
def gelu(x, approximate=True):
    """Gaussian error linear unit: `x * P(X <= x)`, X ~ N(0, 1) (tanh form if `approximate`)."""
    return active.nn.gelu(*promote_float(x), approximate=approximate)


@_public("celu")
@op(rules.unary_float)
def celu(x, alpha=1.0):
    """`max(0, x) + min(0, alpha * (exp(x / alpha) - 1))` elementwise."""
    return active.nn.celu(*promote_float(x), alpha=alpha)


def _glu_rule(x, axis=-1):
    shape = list(rules.shape_of(x))
    axis = canonical_axis(axis, len(shape))
    if shape[axis] is not None:
        if shape[axis] % 2:
            raise ValueError(
                f"ops.glu: axis {axis} of `x` must have an even size to be split in halves; "
                f"received x.shape={tuple(shape)}."
            )
        shape[axis] //= 2
    return KerasTensor(tuple(shape), dtypes.float_result(rules.dtype_of(x, weak=False)))


@_public("glu")
@op(_glu_rule)
def glu(x, axis=-1):
    """Gated linear unit: `a * sigmoid(b)` where `a, b` are the halves of `x` along `axis`."""
    _glu_rule(x, axis)
    return active.nn.glu(*promote_float(x), axis=axis)


@_public("hard_shrink")
@op(rules.unary_float)
def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    return active.nn.hard_shrink(*promote_float(x), threshold=threshold)


@_public("soft_shrink")
@op(rules.unary_float)
def soft_shrink(x, threshold=0.5):
    """`x - threshold` above `threshold`, `x + threshold` below `-threshold`, else 0."""
    return active.nn.soft_shrink(*promote_float(x), threshold=threshold)


@_public("threshold")
@op(rules.unary_float)
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return active.nn.threshold(*promote_float(x), threshold, default_value)


def _softmax_rule(x, axis=-1):
    shape = rules.shape_of(x)
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        canonical_axis(a, len(shape))
    return KerasTensor(shape, dtypes.float_result(rules.dtype_of(x, weak=False)))


@_public("softmax")
@op(_softmax_rule)
def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis`, computed stably."""
    return active.nn.softmax(*promote_float(x), axis=_axis_arg(axis))


@_public("log_softmax")
@op(_softmax_rule)
def log_softmax(x, axis=-1):
    """`log(softmax(x))` along `axis`, computed stably."""
    return active.nn.log_softmax(*promote_float(x), axis=_axis_arg(axis))


def _axis_arg(axis):
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


@_public("sparsemax")
@op(_softmax_rule)
def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis` (sparse softmax).

    Example:
    >>> ops.sparsemax([-1.0, 0.0, 1.0])
    """
    return active.nn.sparsemax(*promote_float(x), axis=axis)


# -- argument checks shared by pooling and convolution ----------------------------------------


def _per_dim(value, count, name, op_name):
    """`value` (an int or a sequence of `count` ints) as a tuple of `count` positive ints."""
    if isinstance(value, int) or hasattr(value, "__index__"):
        values = (int(value),) * count
    else:
        values = tuple(int(v) for v in value)
    if len(values) != count or any(v < 1 for v in values):
        raise ValueError(
            f"ops.{op_name}: `{name}` must be a positive int or a tuple of {count} positive "
            f"ints (one per spatial dim); received {name}={value!r}."
        )
    return values


def _padding_arg(padding, op_name):
    mode = str(padding).lower()
    if mode not in ("valid", "same"):
        raise ValueError(
            f"ops.{op_name}: `padding` must be 'valid' or 'same'; received padding={padding!r}."
        )
    return mode


def _split_image(shape, data_format, op_name, ranks=(3, 4, 5)):
    """(batch, spatial dims, channels) of an image shape, checking its rank."""
    if len(shape) not in ranks:
        raise ValueError(
            f"ops.{op_name}: `inputs` must have rank in {list(ranks)} (batch, spatial dims, "
            f"channels); received inputs.shape={tuple(shape)}."
        )
    if data_format == "channels_last":
        return shape[0], list(shape[1:-1]), shape[-1]
    return shape[0], list(shape[2:]), shape[1]


def _join_image(batch, spatial, channels, data_format):
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def _window_output(size, window, stride, padding, op_name):
    if size is None:
        return None
    if padding == "same":
        return -(-size // stride)
    out = (size - window) // stride + 1
    if out < 0 or (out == 0 and size > 0):
        raise ValueError(
            f"ops.{op_name}: a spatial dim of size {size} is smaller than the window "
            f"({window}) with padding='valid'; use a smaller window or padding='same'."
        )
    return max(out, 0)


def _same_padding(size, window, stride):
    total = max((-(-size // stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


# -- pooling --------------------------------------------------------------------------------


def _pool_args(inputs, pool_size, strides, padding, data_format, op_name):
    data_format = config.standardize_data_format(data_format)
    shape = rules.shape_of(inputs)
    _, spatial, _ = _split_image(shape, data_format, op_name)
    pool_size = _per_dim(pool_size, len(spatial), "pool_size", op_name)
    strides = pool_size if strides is None else _per_dim(strides, len(spatial), "strides", op_name)
    return pool_size, strides, _padding_arg(padding, op_name), data_format


def _pool_shape(inputs, pool_size, strides, padding, data_format, op_name):
    pool_size, strides, padding, data_format = _pool_args(
        inputs, pool_size, strides, padding, data_format, op_name
    )
    batch, spatial, channels = _split_image(rules.shape_of(inputs), data_format, op_name)
    out = [
        _window_output(n, w, s, padding, op_name) for n, w, s in zip(spatial, pool_size, strides)
    ]
    return _join_image(batch, out, channels, data_format)


def _max_pool_rule(inputs, pool_size, strides=None, padding="valid", data_format=None):
    shape = _pool_shape(inputs, pool_size, strides, padding, data_format, "max_pool")
    return KerasTensor(shape, rules.dtype_of(inputs, weak=False))


@_public("max_pool")
@op(_max_pool_rule)
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max over sliding windows of the spatial dims (1D, 2D or 3D).

    Args:
        inputs: (batch, *spatial, channels), or (batch, channels, *spatial) when
            `data_format="channels_first"`.
        pool_size: window size, an int or one int per spatial dim.
        strides: steps between windows; defaults to `pool_size`.
        padding: "valid" (no padding) or "same" (output size `ceil(size / stride)`).
        data_format: "channels_last" or "channels_first"; default `image_data_format()`.
    """
    _max_pool_rule(inputs, pool_size, strides, padding, data_format)
    pool_size, strides, padding, data_format = _pool_args(
        inputs, pool_size, strides, padding, data_format, "max_pool"
    )
    return active.nn.max_pool(to_tensor(inputs), pool_size, strides, padding, data_format)


def _average_pool_rule(inputs, pool_size, strides=None, padding="valid", data_format=None):
    shape = _pool_shape(inputs, pool_size, strides, padding, data_format, "average_pool")
    return KerasTensor(shape, dtypes.float_result(rules.dtype_of(inputs, weak=False)))


@_public("average_pool")
@op(_average_pool_rule)
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Mean over sliding windows of the spatial dims; with "same", padding is not counted.

    Arguments as for `max_pool`.
    """
    _average_pool_rule(inputs, pool_size, strides, padding, data_format)
    pool_size, strides, padding, data_format = _pool_args(
        inputs, pool_size, strides, padding, data_format, "average_pool"
    )
    return active.nn.average_pool(*promote_float(inputs), pool_size, strides, padding, data_format)


def _adaptive_args(inputs, output_size, data_format, op_name):
    data_format = config.standardize_data_format(data_format)
    batch, spatial, channels = _split_image(rules.shape_of(inputs), data_format, op_name)
    output_size = _per_dim(output_size, len(spatial), "output_size", op_name)
    return output_size, data_format, _join_image(batch, output_size, channels, data_format)


def _adaptive_max_rule(inputs, output_size, data_format=None):
    _, _, shape = _adaptive_args(inputs, output_size, data_format, "adaptive_max_pool")
    return KerasTensor(shape, rules.dtype_of(inputs, weak=False))


@_public("adaptive_max_pool")
@op(_adaptive_max_rule)
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max pooling to a fixed `output_size`.

    Output position `i` of a dim of size `n` pooled to `m` covers inputs
    `[floor(i * n / m), ceil((i + 1) * n / m))`.
    """
    output_size, data_format, _ = _adaptive_args(
        inputs, output_size, data_format, "adaptive_max_pool"
    )
    return active.nn.adaptive_max_pool(to_tensor(inputs), output_size, data_format)


def _adaptive_average_rule(inputs, output_size, data_format=None):
    _, _, shape = _adaptive_args(inputs, output_size, data_format, "adaptive_average_pool")
    return KerasTensor(shape, dtypes.float_result(rules.dtype_of(inputs, weak=False)))


@_public("adaptive_average_pool")
@op(_adaptive_average_rule)
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average pooling to a fixed `output_size` (windows as in `adaptive_max_pool`)."""
    output_size, data_format, _ = _adaptive_args(
        inputs, output_size, data_format, "adaptive_average_pool"
    )
    return active.nn.adaptive_average_pool(*promote_float(inputs), output_size, data_format)


# -- convolution ----------------------------------------------------------------------------


def _conv_args(inputs, kernel, strides, padding, data_format, dilation_rate, op_name):
    data_format = config.standardize_data_format(data_format)
    shape, kernel_shape = rules.shape_of(inputs), rules.shape_of(kernel)
    batch, spatial, channels = _split_image(shape, data_format, op_name)
    if len(kernel_shape) != len(shape):
        raise ValueError(
            f"ops.{op_name}: `kernel` must have rank {len(shape)} (spatial dims, in, out) for "
            f"inputs of rank {len(shape)}; received kernel.shape={tuple(kernel_shape)}."
        )
    strides = _per_dim(strides, len(spatial), "strides", op_name)
    dilation_rate = _per_dim(dilation_rate, len(spatial), "dilation_rate", op_name)
    padding = _padding_arg(padding, op_name)
    return strides, padding, data_format, dilation_rate, (batch, spatial, channels)


def _conv_spatial(spatial, kernel_spatial, strides, padding, dilation_rate, op_name):
    return [
        None if k is None else _window_output(n, (k - 1) * d + 1, s, padding, op_name)
        for n, k, s, d in zip(spatial, kernel_spatial, strides, dilation_rate)
    ]


def _conv_rule(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    strides, padding, data_format, dilation_rate, (batch, spatial, channels) = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv"
    )
    kernel_shape = rules.shape_of(kernel)
    in_per_group, out_channels = kernel_shape[-2:]
    if channels is not None and in_per_group is not None and channels % in_per_group:
        raise ValueError(
            f"ops.conv: the input channels ({channels}) must be a multiple of the kernel's "
            f"input channels ({in_per_group}, axis -2 of kernel.shape={tuple(kernel_shape)})."
        )
    groups = channels // in_per_group if channels and in_per_group else None
    if groups and out_channels is not None and out_channels % groups:
        raise ValueError(
            f"ops.conv: the kernel's output channels ({out_channels}) must be a multiple of "
            f"the number of groups ({groups})."
        )
    out = _conv_spatial(spatial, kernel_shape[:-2], strides, padding, dilation_rate, "conv")
    dtype = _float_dtype(inputs, kernel)
    return KerasTensor(_join_image(batch, out, out_channels, data_format), dtype)


@_public("conv")
@op(_conv_rule)
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (cross-correlation, as in every DL framework), 1D to 3D.

    Args:
        inputs: (batch, *spatial, channels), or (batch, channels, *spatial) when
            `data_format="channels_first"`.
        kernel: (*kernel_spatial, channels // groups, out_channels); groups follow from the
            channel counts.
        strides: an int or one int per spatial dim.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; default `image_data_format()`.
        dilation_rate: an int or one int per spatial dim.

    Returns:
        (batch, *out_spatial, out_channels) (or channels first).
    """
    _conv_rule(inputs, kernel, strides, padding, data_format, dilation_rate)
    strides, padding, data_format, dilation_rate, _ = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv"
    )
    inputs, kernel = promote_float(inputs, kernel)
    return active.nn.conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def _depthwise_rule(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1,
                    op_name="depthwise_conv"):
    strides, padding, data_format, dilation_rate, (batch, spatial, channels) = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, op_name
    )
    kernel_shape = rules.shape_of(kernel)
    kernel_channels, multiplier = kernel_shape[-2:]
    if None not in (channels, kernel_channels) and channels != kernel_channels:
        raise ValueError(
            f"ops.{op_name}: the kernel's axis -2 ({kernel_channels}) must equal the input "
            f"channels ({channels}); received kernel.shape={tuple(kernel_shape)}."
        )
    out = _conv_spatial(spatial, kernel_shape[:-2], strides, padding, dilation_rate, op_name)
    out_channels = None if None in (kernel_channels, multiplier) else kernel_channels * multiplier
    dtype = _float_dtype(inputs, kernel)
    return KerasTensor(_join_image(batch, out, out_channels, data_format), dtype)


@_public("depthwise_conv")
@op(_depthwise_rule)
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Convolves each input channel with its own filters.

    `kernel` is (*kernel_spatial, channels, depth_multiplier); output channel
    `c * depth_multiplier + m` is input channel `c` convolved with `kernel[..., c, m]`. Other
    arguments as for `conv`.
    """
    _depthwise_rule(inputs, kernel, strides, padding, data_format, dilation_rate)
    strides, padding, data_format, dilation_rate, _ = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "depthwise_conv"
    )
    inputs, kernel = promote_float(inputs, kernel)
    return active.nn.depthwise_conv(inputs, kernel, strides, padding, data_format, dilation_rate)


def _separable_rule(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                    data_format=None, dilation_rate=1):
    depthwise = _depthwise_rule(inputs, depthwise_kernel, strides, padding, data_format,
                                dilation_rate, op_name="separable_conv")
    data_format = config.standardize_data_format(data_format)
    batch, spatial, channels = _split_image(depthwise.shape, data_format, "separable_conv")
    pointwise_shape = rules.shape_of(pointwise_kernel)
    if len(pointwise_shape) != len(depthwise.shape) or None not in (channels, pointwise_shape[-2]) \
            and pointwise_shape[-2] != channels:
        raise ValueError(
            f"ops.separable_conv: `pointwise_kernel` must have shape (1, ..., {channels}, "
            f"out_channels); received pointwise_kernel.shape={tuple(pointwise_shape)}."
        )
    dtype = _float_dtype(inputs, depthwise_kernel, pointwise_kernel)
    return KerasTensor(_join_image(batch, spatial, pointwise_shape[-1], data_format), dtype)


@_public("separable_conv")
@op(_separable_rule)
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """A depthwise convolution followed by a pointwise (1x1) convolution.

    Args:
        depthwise_kernel: (*kernel_spatial, channels, depth_multiplier).
        pointwise_kernel: (1, ..., 1, channels * depth_multiplier, out_channels).
        Other arguments as for `conv`.
    """
    _separable_rule(inputs, depthwise_kernel, pointwise_kernel, strides, padding, data_format,
                    dilation_rate)
    strides, padding, data_format, dilation_rate, (_, spatial, _) = _conv_args(
        inputs, depthwise_kernel, strides, padding, data_format, dilation_rate, "separable_conv"
    )
    inputs, depthwise_kernel, pointwise_kernel = promote_float(
        inputs, depthwise_kernel, pointwise_kernel
    )
    ones = (1,) * len(spatial)
    depthwise = active.nn.depthwise_conv(
        inputs, depthwise_kernel, strides, padding, data_format, dilation_rate
    )
    return active.nn.conv(depthwise, pointwise_kernel, ones, "valid", data_format, ones)


def _transpose_pads(kernel_spatial, strides, padding, output_padding, dilation_rate):
    """(low, high) pads of the direct convolution equivalent to the transposed one.

    "valid": the output has `(n - 1) * s + max(k, s)` positions (plus `output_padding`);
    "same": `n * s` positions, or `(n - 1) * s + k % 2 + output_padding` when given.
    """
    pads = []
    for i, (k, s, d) in enumerate(zip(kernel_spatial, strides, dilation_rate)):
        extra = output_padding if output_padding is None else output_padding[i]
        if k is None:  # symbolic kernel of unknown size
            pads.append(None)
            continue
        k = (k - 1) * d + 1
        if padding == "valid":
            extra = max(k, s) - k if extra is None else extra
            pads.append((k - 1, k - 1 + extra))
        else:
            total = s + k - 2 if extra is None else k + k % 2 - 2 + extra
            low = min(total // 2 + total % 2, k - 1)
            pads.append((low, total - low))
    return pads


def _conv_transpose_args(inputs, kernel, strides, padding, output_padding, data_format,
                         dilation_rate):
    strides, padding, data_format, dilation_rate, parts = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv_transpose"
    )
    if output_padding is not None:
        if isinstance(output_padding, int):
            output_padding = (output_padding,) * len(strides)
        output_padding = tuple(int(p) for p in output_padding)
        if len(output_padding) != len(strides):
            raise ValueError(
                f"ops.conv_transpose: `output_padding` must be an int or {len(strides)} ints; "
                f"received output_padding={output_padding!r}."
            )
    kernel_spatial = rules.shape_of(kernel)[:-2]
    pads = _transpose_pads(kernel_spatial, strides, padding, output_padding, dilation_rate)
    return strides, pads, data_format, dilation_rate, parts


def _conv_transpose_rule(inputs, kernel, strides=1, padding="valid", output_padding=None,
                         data_format=None, dilation_rate=1):
    strides, pads, data_format, dilation_rate, (batch, spatial, channels) = _conv_transpose_args(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate
    )
    kernel_shape = rules.shape_of(kernel)
    if None not in (channels, kernel_shape[-1]) and channels != kernel_shape[-1]:
        raise ValueError(
            f"ops.conv_transpose: the input channels ({channels}) must equal the kernel's last "
            f"axis (kernel is (*spatial, out_channels, in_channels)); received "
            f"kernel.shape={tuple(kernel_shape)}."
        )
    out = [
        None if n is None or pad is None else (n - 1) * s + 1 + pad[0] + pad[1] - (k - 1) * d
        for n, s, pad, k, d in zip(spatial, strides, pads, kernel_shape[:-2], dilation_rate)
    ]
    dtype = _float_dtype(inputs, kernel)
    return KerasTensor(_join_image(batch, out, kernel_shape[-2], data_format), dtype)


@_public("conv_transpose")
@op(_conv_transpose_rule)
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of `conv` with respect to its input), 1D to 3D.

    Args:
        kernel: (*kernel_spatial, out_channels, in_channels).
        output_padding: an int or one int per spatial dim added to the output size; None
            lets the size follow from `padding` ("same": `n * strides`).
        Other arguments as for `conv`.
    """
    _conv_transpose_rule(inputs, kernel, strides, padding, output_padding, data_format,
                         dilation_rate)
    strides, pads, data_format, dilation_rate, _ = _conv_transpose_args(
        inputs, kernel, strides, padding, output_padding, data_format, dilation_rate
    )
    inputs, kernel = promote_float(inputs, kernel)
    return active.nn.conv_transpose(
        inputs, kernel, strides, pads, output_padding, data_format, dilation_rate
    )


# -- encodings ------------------------------------------------------------------------------


def _one_hot_rule(x, num_classes, axis=-1, dtype=None, sparse=False):
    shape = list(rules.shape_of(x))
    position = len(shape) if axis == -1 else canonical_axis(axis, len(shape) + 1)
    shape.insert(position, num_classes)
    return KerasTensor(tuple(shape), dtypes.standardize_dtype(dtype))


@_public("one_hot")
@op(_one_hot_rule)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer class ids as one-hot vectors of length `num_classes` (on a new `axis`)."""
    if sparse:
        raise ValueError("ops.one_hot: sparse=True is not supported on this backend.")
    return active.nn.one_hot(
        to_tensor(x, "int64"), int(num_classes), axis=axis, dtype=dtypes.standardize_dtype(dtype)
    )


def _multi_hot_rule(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    num_classes = _num_classes_arg(num_classes, kwargs)
    encoded = list(_one_hot_rule(inputs, num_classes, axis, dtype).shape)
    del encoded[1 if len(rules.shape_of(inputs)) > 1 else 0]
    return KerasTensor(tuple(encoded), dtypes.standardize_dtype(dtype))


def _num_classes_arg(num_classes, kwargs):
    if num_classes is None and "num_tokens" in kwargs:
        num_classes = kwargs.pop("num_tokens")
    if kwargs:
        raise TypeError(f"ops.multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if num_classes is None:
        raise ValueError("ops.multi_hot: argument `num_classes` must be specified.")
    return int(num_classes)


@_public("multi_hot")
@op(_multi_hot_rule)
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Integer labels as multi-hot vectors: 1 at every class present in each sample.

    A rank-1 input is one sample; in a rank-2+ input, axis 1 holds a sample's labels.

    Example:
    >>> ops.multi_hot([0, 4], num_classes=5)
    """
    num_classes = _num_classes_arg(num_classes, dict(kwargs))
    if sparse:
        raise ValueError("ops.multi_hot: sparse=True is not supported on this backend.")
    return active.nn.multi_hot(
        to_tensor(inputs, "int64"), num_classes, axis=axis, dtype=dtypes.standardize_dtype(dtype)
    )


# -- losses ---------------------------------------------------------------------------------


def _same_shapes(op_name, target, output):
    target_shape, output_shape = rules.shape_of(target), rules.shape_of(output)
    if len(target_shape) != len(output_shape) or any(
        a is not None and b is not None and a != b for a, b in zip(target_shape, output_shape)
    ):
        raise ValueError(
            f"ops.{op_name}: arguments `target` and `output` must have the same shape; "
            f"received target.shape={tuple(target_shape)}, output.shape={tuple(output_shape)}."
        )
    return output_shape


def _binary_crossentropy_rule(target, output, from_logits=False):
    shape = _same_shapes("binary_crossentropy", target, output)
    return KerasTensor(shape, _float_dtype(target, output))


@_public("binary_crossentropy")
@op(_binary_crossentropy_rule)
def binary_crossentropy(target, output, from_logits=False):
    """`-(t * log(p) + (1 - t) * log(1 - p))` elementwise, `p` clipped to `[eps, 1 - eps]`.

    With `from_logits=True`, `output` holds logits and `p = sigmoid(output)`.
    """
    _binary_crossentropy_rule(target, output)
    target, output = promote_float(target, output)
    return active.nn.binary_crossentropy(target, output, from_logits, config.epsilon())


def _categorical_crossentropy_rule(target, output, from_logits=False, axis=-1):
    shape = _same_shapes("categorical_crossentropy", target, output)
    if len(shape) < 1:
        raise ValueError(
            "ops.categorical_crossentropy: `target` and `output` must be at least rank 1; "
            f"received shape {tuple(shape)}."
        )
    return KerasTensor(rules.reduce_shape(shape, axis), _float_dtype(target, output))


@_public("categorical_crossentropy")
@op(_categorical_crossentropy_rule)
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`-sum(target * log(p))` along `axis`: `p` is `output` rescaled to sum to 1 and clipped
    to `[eps, 1 - eps]`, or `softmax(output)` when `from_logits`."""
    _categorical_crossentropy_rule(target, output, from_logits, axis)
    target, output = promote_float(target, output)
    return active.nn.categorical_crossentropy(target, output, from_logits, axis, config.epsilon())


def _sparse_target_shape(target, output, axis=-1):
    """The shape `target` must have: `output`'s without the class `axis` (a trailing 1 on
    the target is accepted and dropped)."""
    target_shape, output_shape = rules.shape_of(target), rules.shape_of(output)
    if len(output_shape) < 1:
        raise ValueError(
            "ops.sparse_categorical_crossentropy: `output` must have a class axis; received "
            f"output.shape={tuple(output_shape)}."
        )
    class_axis = canonical_axis(axis, len(output_shape))
    expected = tuple(d for i, d in enumerate(output_shape) if i != class_axis)
    if len(target_shape) == len(output_shape) and target_shape and target_shape[-1] == 1:
        target_shape = target_shape[:-1]
    if len(target_shape) != len(expected) or any(
        a is not None and b is not None and a != b for a, b in zip(target_shape, expected)
    ):
        raise ValueError(
            "ops.sparse_categorical_crossentropy: `target` must have the shape of `output` "
            f"without its class axis {axis} (or with a trailing dim of 1); received "
            f"target.shape={tuple(rules.shape_of(target))}, output.shape={tuple(output_shape)}."
        )
    return target_shape


def _sparse_categorical_crossentropy_rule(target, output, from_logits=False, axis=-1):
    _sparse_target_shape(target, output, axis)
    shape = rules.reduce_shape(rules.shape_of(output), axis)
    return KerasTensor(shape, _float_dtype(output))


@_public("sparse_categorical_crossentropy")
@op(_sparse_categorical_crossentropy_rule)
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """`categorical_crossentropy` with integer class ids as `target`."""
    target_shape = _sparse_target_shape(target, output, axis)
    target = to_tensor(target, "int32")
    if tuple(active.core.shape(target)) != tuple(target_shape):
        target = active.numpy.reshape(target, tuple(target_shape))
    (output,) = promote_float(output)
    return active.nn.sparse_categorical_crossentropy(
        target, output, from_logits, axis, config.epsilon()
    )


# -- normalization --------------------------------------------------------------------------


def _moments_rule(x, axes, keepdims=False, synchronized=False):
    shape = rules.reduce_shape(rules.shape_of(x), _axis_arg(axes), keepdims)
    dtype = dtypes.float_result(rules.dtype_of(x, weak=False))
    return KerasTensor(shape, dtype), KerasTensor(shape, dtype)


@_public("moments")
@op(_moments_rule)
def moments(x, axes, keepdims=False, synchronized=False):
    """The mean and variance of `x` over `axes` (half precision is computed in float32)."""
    if synchronized:
        raise NotImplementedError(
            "ops.moments: synchronized=True (statistics across devices) is not supported yet."
        )
    return active.nn.moments(*promote_float(x), _axis_arg(axes), keepdims)


def _batch_normalization_rule(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = rules.shape_of(x)
    size = shape[canonical_axis(axis, len(shape))]
    for name, value in (("mean", mean), ("variance", variance), ("offset", offset),
                        ("scale", scale)):
        if value is None:
            continue
        value_shape = rules.shape_of(value)
        if len(value_shape) != 1 or None not in (size, value_shape[0]) and value_shape[0] != size:
            raise ValueError(
                f"ops.batch_normalization: `{name}` must be a vector of length x.shape[axis] "
                f"({size}); received {name}.shape={tuple(value_shape)}."
            )
    values = [v for v in (x, mean, variance, offset, scale) if v is not None]
    return KerasTensor(shape, _float_dtype(*values))


@_public("batch_normalization")
@op(_batch_normalization_rule)
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * scale + offset`, the vectors along `axis`."""
    _batch_normalization_rule(x, mean, variance, axis, offset, scale, epsilon)
    values = promote_float(*(v for v in (x, mean, variance, offset, scale) if v is not None))
    x, mean, variance, *rest = values
    offset = rest.pop(0) if offset is not None else None
    scale = rest.pop(0) if scale is not None else None
    axis = canonical_axis(axis, len(active.core.shape(x)))
    return active.nn.batch_normalization(x, mean, variance, axis, offset, scale, epsilon)


def _normalize_rule(x, axis=-1, order=2, epsilon=None):
    shape = rules.shape_of(x)
    return KerasTensor(shape if shape else (1,), dtypes.float_result(rules.dtype_of(x, weak=False)))


@_public("normalize")
@op(_normalize_rule)
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x / max(||x||_order, epsilon)` along `axis`.

    Example:
    >>> ops.normalize([[3.0, 4.0]])
    """
    if not isinstance(order, int) or order < 1:
        raise ValueError(f"ops.normalize: `order` must be an int >= 1; received order={order!r}.")
    epsilon = config.epsilon() if epsilon is None else epsilon
    (x,) = promote_float(x)
    np_ = active.numpy
    if not active.core.shape(x):
        x = np_.reshape(x, (1,))
    if order == 2:
        square_sum = np_.sum(np_.square(x), axis=axis, keepdims=True)
        norm = np_.sqrt(np_.maximum(square_sum, _like(epsilon * epsilon, x)))
        return np_.divide(x, norm)
    powered = np_.power(np_.absolute(x), _like(order, x))
    norm = np_.power(np_.sum(powered, axis=axis, keepdims=True), _like(1 / order, x))
    return np_.divide(x, np_.maximum(norm, _like(epsilon, x)))


def _like(value, tensor):
    return active.core.convert_to_tensor(value, dtype=active.core.dtype(tensor))


def _same_float_rule(x, *args, **kwargs):
    return KerasTensor(rules.shape_of(x), dtypes.float_result(rules.dtype_of(x, weak=False)))


def _compute_dtype(x):
    """Half precision is normalized in float32 for stability, then cast back."""
    (x,) = promote_float(x)
    original = active.core.dtype(x)
    return active.core.cast(x, dtypes.result_type(original, "float32")), original


@_public("rms_normalization")
@op(_same_float_rule)
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """`x / sqrt(mean(x**2) + epsilon) * scale` over `axis`."""
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, original = _compute_dtype(x)
    np_ = active.numpy
    mean_square = np_.mean(np_.square(x), axis=_axis_arg(axis), keepdims=True)
    out = np_.divide(x, np_.sqrt(np_.add(mean_square, _like(epsilon, x))))
    if scale is not None:
        out = np_.multiply(out, to_tensor(scale, active.core.dtype(x)))
    return active.core.cast(out, original)


@_public("layer_normalization")
@op(_same_float_rule)
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """`(x - mean) / sqrt(variance + epsilon) * gamma + beta`, statistics over `axis`.

    With `rms_scaling=True`, `x / sqrt(variance + epsilon) * gamma` (no centering, no beta).
    """
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"ops.layer_normalization: unexpected keyword arguments {sorted(kwargs)}.")
    epsilon = config.epsilon() if epsilon is None else epsilon
    x, original = _compute_dtype(x)
    shape = active.core.shape(x)
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    axes = sorted(canonical_axis(a, len(shape)) for a in axes)
    broadcast = tuple(shape[i] if i in axes else 1 for i in range(len(shape)))
    np_ = active.numpy
    dtype = active.core.dtype(x)

    def as_broadcast(v):
        v = to_tensor(v, dtype)
        if len(active.core.shape(v)) != len(shape) and axes != [len(shape) - 1]:
            v = np_.reshape(v, broadcast)
        return v

    mean, variance = active.nn.moments(x, tuple(axes), True)
    inv = np_.divide(_like(1.0, x), np_.sqrt(np_.add(variance, _like(epsilon, x))))
    if rms_scaling:
        out = np_.multiply(x, inv)
        if gamma is not None:
            out = np_.multiply(out, as_broadcast(gamma))
        return active.core.cast(out, original)
    if gamma is not None:
        inv = np_.multiply(inv, as_broadcast(gamma))
    out = np_.multiply(np_.subtract(x, mean), inv)
    if beta is not None:
        out = np_.add(out, as_broadcast(beta))
    return active.core.cast(out, original)


def _psnr_rule(x1, x2, max_val):
    shape1, shape2 = rules.shape_of(x1), rules.shape_of(x2)
    if len(shape1) != len(shape2):
        raise ValueError(
            f"ops.psnr: `x1` and `x2` must have the same shape; received {tuple(shape1)} and "
            f"{tuple(shape2)}."
        )
    return KerasTensor((), _float_dtype(x1, x2))


@_public("psnr")
@op(_psnr_rule)
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio: `20 log10(max_val) - 10 log10(mean((x1 - x2)**2))`."""
    x1, x2 = promote_float(x1, x2)
    if tuple(active.core.shape(x1)) != tuple(active.core.shape(x2)):
        raise ValueError(
            f"ops.psnr: `x1` and `x2` must have the same shape; received "
            f"{tuple(active.core.shape(x1))} and {tuple(active.core.shape(x2))}."
        )
    np_ = active.numpy
    mse = np_.mean(np_.square(np_.subtract(x1, x2)))
    log10 = _like(math.log(10.0), x1)
    peak = np_.divide(np_.log(_like(max_val, x1)), log10)
    noise = np_.divide(np_.log(mse), log10)
    result = np_.subtract(np_.multiply(_like(20.0, x1), peak), np_.multiply(_like(10.0, x1), noise))
    return active.core.cast(result, active.core.dtype(x1))


# -- sequences ------------------------------------------------------------------------------


def _ctc_loss_rule(target, output, target_length, output_length, mask_index=0):
    target_shape, output_shape = rules.shape_of(target), rules.shape_of(output)
    if len(target_shape) != 2 or len(output_shape) != 3:
        raise ValueError(
            "ops.ctc_loss: `target` must be (batch, max_label_length) and `output` (batch, "
            f"time, classes); received target.shape={tuple(target_shape)}, "
            f"output.shape={tuple(output_shape)}."
        )
    for name, shape in (("output", output_shape), ("target_length", rules.shape_of(target_length)),
                        ("output_length", rules.shape_of(output_length))):
        if None not in (shape[0], target_shape[0]) and shape[0] != target_shape[0]:
            raise ValueError(
                f"ops.ctc_loss: `target` and `{name}` must have the same first dimension; "
                f"received shapes {tuple(target_shape)} and {tuple(shape)}."
            )
    dtype = dtypes.result_type(rules.dtype_of(output, weak=False), "float32")
    return KerasTensor((target_shape[0],), dtype)


@_public("ctc_loss")
@op(_ctc_loss_rule)
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Connectionist temporal classification loss, one value per sequence.

    Args:
        target: (batch, max_label_length) integer labels.
        output: (batch, time, classes) logits.
        target_length: (batch,) label lengths.
        output_length: (batch,) output lengths.
        mask_index: the blank class.
    """
    _ctc_loss_rule(target, output, target_length, output_length)
    output = to_tensor(output)
    output = active.core.cast(output, dtypes.result_type(active.core.dtype(output), "float32"))
    return active.nn.ctc_loss(
        to_tensor(target, "int32"), output, to_tensor(target_length, "int32"),
        to_tensor(output_length, "int32"), int(mask_index),
    )


def _ctc_decode_rule(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
                     merge_repeated=True, mask_index=0):
    shape = rules.shape_of(inputs)
    if len(shape) != 3:
        raise ValueError(
            f"ops.ctc_decode: `inputs` must be (batch, time, classes); received {tuple(shape)}."
        )
    if strategy not in ("greedy", "beam_search"):
        raise ValueError(
            f"ops.ctc_decode: `strategy` must be 'greedy' or 'beam_search'; received {strategy!r}."
        )
    paths = 1 if strategy == "greedy" else top_paths
    dtype = dtypes.result_type(rules.dtype_of(inputs, weak=False), "float32")
    return KerasTensor((paths, shape[0], shape[1]), "int32"), KerasTensor((shape[0], paths), dtype)


@_public("ctc_decode")
@op(_ctc_decode_rule)
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """Decodes CTC outputs: (paths (top_paths, batch, time) padded with -1, scores).

    "greedy" takes the best class at each step (scores: minus the sum of those logits);
    "beam_search" runs a prefix beam search on log-softmax scores (scores: log-probabilities).
    """
    _ctc_decode_rule(inputs, sequence_lengths, strategy, beam_width, top_paths)
    inputs = to_tensor(inputs)
    inputs = active.core.cast(inputs, dtypes.result_type(active.core.dtype(inputs), "float32"))
    return active.nn.ctc_decode(
        inputs, to_tensor(sequence_lengths, "int32"), strategy, int(beam_width), int(top_paths),
        bool(merge_repeated), int(mask_index),
    )


# -- attention ------------------------------------------------------------------------------


def _attention_rule(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                    flash_attention=None, attn_logits_soft_cap=None):
    q, k, v = rules.shape_of(query), rules.shape_of(key), rules.shape_of(value)
    if len(q) != 4 or len(k) != 4 or len(v) != 4:
        raise ValueError(
            "ops.dot_product_attention: `query`, `key` and `value` must be 4D (batch, time, "
            f"heads, depth); received shapes {tuple(q)}, {tuple(k)}, {tuple(v)}."
        )
    if None not in (q[2], k[2]) and q[2] % k[2]:
        raise ValueError(
            f"ops.dot_product_attention: the query heads ({q[2]}) must be a multiple of the "
            f"key heads ({k[2]})."
        )
    if None not in (q[3], k[3]) and q[3] != k[3]:
        raise ValueError(
            f"ops.dot_product_attention: `query` and `key` must have the same depth; "
            f"received {q[3]} and {k[3]}."
        )
    dtype = _float_dtype(query, key, value)
    return KerasTensor((q[0], q[1], q[2], v[3]), dtype)


@_public("dot_product_attention")
@op(_attention_rule)
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """`softmax(query · key * scale + bias) · value`, with masks, over (batch, time, heads,
    depth) tensors.

    Args:
        scale: defaults to `1 / sqrt(depth)`.
        bias, mask: broadcastable to (batch, heads, query_time, key_time); `mask` True where
            attention is allowed.
        is_causal: whether query `t` may attend only keys `s <= t`.
        attn_logits_soft_cap: if set, `logits / (1 + |logits| / cap)` before the softmax.
    """
    _attention_rule(query, key, value)
    query, key, value = promote_float(query, key, value)
    dtype = active.core.dtype(query)
    heads = active.core.shape(query)[2]
    if bias is not None:
        bias = _attention_4d(to_tensor(bias, dtype), heads)
    if mask is not None:
        mask = _attention_4d(to_tensor(mask, "bool"), heads)
    return active.nn.dot_product_attention(
        query, key, value, bias, mask, scale, bool(is_causal), flash_attention,
        attn_logits_soft_cap,
    )


def _attention_4d(t, heads):
    """A bias or mask of rank < 4 made (batch, heads, query_time, key_time) by new axes:
    (batch, heads, key_time) gets a query axis, anything else a heads axis."""
    while len(active.core.shape(t)) < 4:
        shape = active.core.shape(t)
        axis = 2 if len(shape) == 3 and shape[1] == heads else 1
        t = active.numpy.expand_dims(t, axis)
    return t


# -- patches and rearrangements -----------------------------------------------------------------


def _pair(value, name, op_name, minimum=1):
    values = (int(value),) * 2 if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != 2 or any(v < minimum for v in values):
        raise ValueError(f"ops.{op_name}: `{name}` must be an int or 2 ints >= {minimum}; "
                         f"received {name}={value!r}.")
    return values


def _unfold_rule(x, kernel_size, dilation=1, padding=0, stride=1):
    shape = rules.shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"ops.unfold: `x` must be 4D (N, C, H, W); received {tuple(shape)}.")
    n, c, h, w = shape
    k, d = _pair(kernel_size, "kernel_size", "unfold"), _pair(dilation, "dilation", "unfold")
    p, s = _pair(padding, "padding", "unfold", 0), _pair(stride, "stride", "unfold")
    blocks = [
        None if size is None else (size + 2 * pi - di * (ki - 1) - 1) // si + 1
        for size, ki, di, pi, si in zip((h, w), k, d, p, s)
    ]
    length = None if None in blocks else blocks[0] * blocks[1]
    return KerasTensor((n, None if c is None else c * k[0] * k[1], length),
                       rules.dtype_of(x, weak=False))


@_public("unfold")
@op(_unfold_rule)
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding patches of an (N, C, H, W) image as columns: (N, C*kH*kW, L) ("im2col")."""
    _unfold_rule(x, kernel_size, dilation, padding, stride)
    return active.nn.unfold(
        to_tensor(x), _pair(kernel_size, "kernel_size", "unfold"),
        _pair(dilation, "dilation", "unfold"), _pair(padding, "padding", "unfold", 0),
        _pair(stride, "stride", "unfold"),
    )


def _fold_rule(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    shape = rules.shape_of(x)
    if len(shape) != 3:
        raise ValueError(f"ops.fold: `x` must be 3D (N, C*kH*kW, L); received {tuple(shape)}.")
    k = _pair(kernel_size, "kernel_size", "fold")
    out = _pair(output_size, "output_size", "fold")
    ckk = shape[1]
    if ckk is not None and ckk % (k[0] * k[1]):
        raise ValueError(
            f"ops.fold: axis 1 of `x` ({ckk}) must be divisible by kH*kW ({k[0] * k[1]})."
        )
    channels = None if ckk is None else ckk // (k[0] * k[1])
    d, p = _pair(dilation, "dilation", "fold"), _pair(padding, "padding", "fold", 0)
    s = _pair(stride, "stride", "fold")
    blocks = [
        (o + 2 * pi - di * (ki - 1) - 1) // si + 1 for o, ki, di, pi, si in zip(out, k, d, p, s)
    ]
    if shape[2] is not None and shape[2] != blocks[0] * blocks[1]:
        raise ValueError(
            f"ops.fold: axis 2 of `x` ({shape[2]}) must be the number of patches that "
            f"output_size={out} holds with these kernel_size, dilation, padding and stride "
            f"({blocks[0]} x {blocks[1]} = {blocks[0] * blocks[1]})."
        )
    return KerasTensor((shape[0], channels, *out), rules.dtype_of(x, weak=False))


@_public("fold")
@op(_fold_rule)
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns of patches (N, C*kH*kW, L) back into an (N, C, *output_size) image."""
    _fold_rule(x, output_size, kernel_size, dilation, padding, stride)
    return active.nn.fold(
        to_tensor(x), _pair(output_size, "output_size", "fold"),
        _pair(kernel_size, "kernel_size", "fold"), _pair(dilation, "dilation", "fold"),
        _pair(padding, "padding", "fold", 0), _pair(stride, "stride", "fold"),
    )


def _block_args(x, block_size, data_format, op_name):
    data_format = config.standardize_data_format(data_format)
    if not isinstance(block_size, int) or block_size < 2:
        raise ValueError(
            f"ops.{op_name}: `block_size` must be an int >= 2; received {block_size!r}."
        )
    shape = rules.shape_of(x)
    if len(shape) != 4:
        raise ValueError(f"ops.{op_name}: `x` must be 4D; received x.shape={tuple(shape)}.")
    if data_format == "channels_last":
        n, h, w, c = shape
    else:
        n, c, h, w = shape
    return data_format, n, h, w, c


def _depth_to_space_rule(x, block_size, data_format="channels_last"):
    data_format, n, h, w, c = _block_args(x, block_size, data_format, "depth_to_space")
    b = block_size
    if c is not None and c % (b * b):
        raise ValueError(
            f"ops.depth_to_space: the channels ({c}) must be divisible by block_size**2 ({b * b})."
        )
    size = [None if v is None else v * b for v in (h, w)]
    channels = None if c is None else c // (b * b)
    return KerasTensor(_join_image(n, size, channels, data_format), rules.dtype_of(x, weak=False))


@_public("depth_to_space")
@op(_depth_to_space_rule)
def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves blocks of channels into `block_size x block_size` spatial blocks (pixel shuffle)."""
    data_format, *_ = _block_args(x, block_size, data_format, "depth_to_space")
    _depth_to_space_rule(x, block_size, data_format)
    return active.nn.depth_to_space(to_tensor(x), block_size, data_format)


def _space_to_depth_rule(x, block_size, data_format="channels_last"):
    data_format, n, h, w, c = _block_args(x, block_size, data_format, "space_to_depth")
    b = block_size
    for name, v in (("height", h), ("width", w)):
        if v is not None and v % b:
            raise ValueError(
                f"ops.space_to_depth: the {name} ({v}) must be divisible by block_size ({b})."
            )
    size = [None if v is None else v // b for v in (h, w)]
    channels = None if c is None else c * b * b
    return KerasTensor(_join_image(n, size, channels, data_format), rules.dtype_of(x, weak=False))


@_public("space_to_depth")
@op(_space_to_depth_rule)
def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size x block_size` spatial blocks into channels (the inverse of
    `depth_to_space`)."""
    data_format, *_ = _block_args(x, block_size, data_format, "space_to_depth")
    _space_to_depth_rule(x, block_size, data_format)
    return active.nn.space_to_depth(to_tensor(x), block_size, data_format)


def _polar_rule(abs_, angle):
    shape = rules.broadcast_shapes(rules.shape_of(abs_), rules.shape_of(angle))
    dtype = _float_dtype(abs_, angle)
    return KerasTensor(shape, "complex128" if dtype == "float64" else "complex64")


@_public("polar")
@op(_polar_rule)
def polar(abs_, angle):
    """The complex numbers `abs_ * (cos(angle) + i sin(angle))`."""
    abs_, angle = promote_float(abs_, angle)
    if active.core.dtype(abs_) in ("float16", "bfloat16"):
        abs_, angle = active.core.cast(abs_, "float32"), active.core.cast(angle, "float32")
    return active.nn.polar(abs_, angle)


# -- dense layers (internal: what `Dense` computes) ------------------------------------------------


def _dense_rule(x, kernel, bias):
    from lamina.ops.products import _matmul_rule

    out = _matmul_rule(x, kernel)
    return KerasTensor(out.shape, dtypes.result_type(out.dtype, rules.dtype_of(bias)))


@op(_dense_rule)
def dense(x, kernel, bias):
    """`matmul(x, kernel) + bias`, in one backend call when all three share a float dtype
    (torch fuses it into `addmm`); otherwise the two ops with their usual dtype rules."""
    from lamina.ops.products import matmul
    from lamina.ops.elementwise import add

    kinds = {dtypes.dtype_of_value(v) for v in (x, kernel, bias)}
    if len(kinds) == 1 and dtypes.is_float_dtype(next(iter(kinds))):
        return active.nn.dense(to_tensor(x), to_tensor(kernel), to_tensor(bias))
    return add(matmul(x, kernel), bias)
