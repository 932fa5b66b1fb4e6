"""jax backend: neural-network ops (jit-friendly: shapes and arguments are static).

Arguments arrive normalized by the ops layer, as in the numpy backend (see its docstring).
"""

import math

import jax
import jax.numpy as jnp
from jax import lax

from lamina.backend.common import dtypes

_CTC_LOG_ZERO = -1e5

# jax.nn's activations with a custom derivative (custom_jvp) cost ~0.5 ms per eager call in
# Python; compiled once each, an eager call is one dispatch. Inside a compiled step they are
# inlined as before.
_relu = jax.jit(jax.nn.relu)
_relu6 = jax.jit(jax.nn.relu6)
_softplus = jax.jit(jax.nn.softplus)
_softmax = jax.jit(jax.nn.softmax, static_argnames="axis")
_log_softmax = jax.jit(jax.nn.log_softmax, static_argnames="axis")


# -- activations ------------------------------------------------------------------------------


def relu(x):
    return _relu(x)


def relu6(x):
    return _relu6(x)


def sigmoid(x):
    return jax.nn.sigmoid(x)


def sparse_sigmoid(x):
    return jax.nn.sparse_sigmoid(x)


def softplus(x):
    return _softplus(x)


def softsign(x):
    return jax.nn.soft_sign(x)


def soft_shrink(x, threshold=0.5):
    zero = jnp.zeros((), x.dtype)
    return jnp.where(x > threshold, x - threshold, jnp.where(x < -threshold, x + threshold, zero))


def sparse_plus(x):
    return jax.nn.sparse_plus(x)


def silu(x):
    return jax.nn.silu(x)


def squareplus(x, b=4):
    return jax.nn.squareplus(x, b=b)


def log_sigmoid(x):
    return jax.nn.log_sigmoid(x)


def leaky_relu(x, negative_slope=0.2):
    return jax.nn.leaky_relu(x, negative_slope=negative_slope)


def hard_sigmoid(x):
    return jax.nn.hard_sigmoid(x)


def hard_silu(x):
    return jax.nn.hard_silu(x)


def elu(x, alpha=1.0):
    return jax.nn.elu(x, alpha=alpha)


def selu(x):
    return jax.nn.selu(x)


def gelu(x, approximate=True):
    return jax.nn.gelu(x, approximate=approximate)


def celu(x, alpha=1.0):
    return jax.nn.celu(x, alpha=alpha)


def glu(x, axis=-1):
    return jax.nn.glu(x, axis=axis)


def tanh_shrink(x):
    return x - jnp.tanh(x)


def hard_tanh(x):
    return jax.nn.hard_tanh(x)


def hard_shrink(x, threshold=0.5):
    return jnp.where(jnp.abs(x) > threshold, x, jnp.zeros((), x.dtype))


def threshold(x, threshold, default_value):
    return jnp.where(x > threshold, x, jnp.asarray(default_value, x.dtype))


def softmax(x, axis=-1):
    return _softmax(x, axis=tuple(axis) if isinstance(axis, list) else axis)


def log_softmax(x, axis=-1):
    return _log_softmax(x, axis=tuple(axis) if isinstance(axis, list) else axis)


def sparsemax(x, axis=-1):
    z = jnp.moveaxis(x, axis, -1)
    z_sorted = -jnp.sort(-z, axis=-1)
    cumulative = jnp.cumsum(z_sorted, axis=-1)
    k = jnp.arange(1, z.shape[-1] + 1, dtype=x.dtype)
    support = 1 + k * z_sorted > cumulative
    k_z = jnp.sum(support, axis=-1, keepdims=True)
    tau_sum = jnp.take_along_axis(cumulative, jnp.maximum(k_z - 1, 0), axis=-1)
    tau = (tau_sum - 1) / jnp.maximum(k_z, 1).astype(x.dtype)
    return jnp.moveaxis(jnp.maximum(z - tau, 0), -1, axis)


# -- pooling and convolution ------------------------------------------------------------------


def _window_operand(values, data_format):
    """Per-spatial-dim values as a full-rank tuple (1 for batch and channels)."""
    if data_format == "channels_last":
        return (1,) + tuple(values) + (1,)
    return (1, 1) + tuple(values)


def _lowest(dtype):
    if jnp.issubdtype(dtype, jnp.floating):
        return -float("inf")
    return jnp.asarray(jnp.iinfo(dtype).min, dtype)  # ints are not differentiated anyway


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    strides = pool_size if strides is None else strides
    window = _window_operand(pool_size, data_format)
    steps = _window_operand(strides, data_format)
    # A Python scalar init lets jax recognize the max monoid, which it knows how to differentiate.
    return lax.reduce_window(inputs, _lowest(inputs.dtype), lax.max, window, steps, padding.upper())


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    strides = pool_size if strides is None else strides
    window = _window_operand(pool_size, data_format)
    steps = _window_operand(strides, data_format)
    zero = 0.0 if jnp.issubdtype(inputs.dtype, jnp.floating) else jnp.zeros((), inputs.dtype)
    total = lax.reduce_window(inputs, zero, lax.add, window, steps, padding.upper())
    if padding == "valid":
        return total / math.prod(pool_size)
    # "same": divide each window by the number of real (unpadded) elements it covers.
    ones_shape = tuple(n if w != 1 else 1 for n, w in zip(inputs.shape, window))
    count = lax.reduce_window(
        jnp.ones(ones_shape, inputs.dtype), zero, lax.add, window, steps, "SAME"
    )
    return total / count


def _adaptive_pool(inputs, output_size, data_format, reduce):
    first_spatial = 1 if data_format == "channels_last" else 2
    x = inputs
    for i, out_size in enumerate(output_size):
        axis = first_spatial + i
        size = x.shape[axis]
        pieces = []
        for j in range(out_size):
            start, end = (j * size) // out_size, -((-(j + 1) * size) // out_size)
            window = lax.slice_in_dim(x, start, end, axis=axis)
            pieces.append(reduce(window, axis=axis, keepdims=True))
        x = jnp.concatenate(pieces, axis=axis)
    return x


def adaptive_average_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format, jnp.mean)


def adaptive_max_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format, jnp.max)


def _dimension_numbers(ndim, data_format):
    spatial = "DHW"[-(ndim - 2):] if ndim <= 5 else None
    if spatial is None:
        raise ValueError(f"Convolutions support 1 to 3 spatial dims, received rank {ndim}.")
    image = "N" + spatial + "C" if data_format == "channels_last" else "NC" + spatial
    return (image, spatial + "IO", image)


def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    channels = inputs.shape[-1] if data_format == "channels_last" else inputs.shape[1]
    return lax.conv_general_dilated(
        inputs,
        kernel,
        window_strides=tuple(strides),
        padding=padding.upper(),
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=_dimension_numbers(inputs.ndim, data_format),
        feature_group_count=channels // kernel.shape[-2],
    )


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1
):
    channels, multiplier = kernel.shape[-2:]
    grouped_kernel = jnp.reshape(kernel, kernel.shape[:-2] + (1, channels * multiplier))
    return conv(inputs, grouped_kernel, strides, padding, data_format, dilation_rate)


def conv_transpose(
    inputs,
    kernel,
    strides=1,
    padding="valid",
    output_padding=None,
    data_format="channels_last",
    dilation_rate=1,
):
    """`padding` here is the list of (low, high) pads of the equivalent direct convolution."""
    spatial_axes = tuple(range(kernel.ndim - 2))
    flipped = jnp.swapaxes(jnp.flip(kernel, axis=spatial_axes), -1, -2)
    return lax.conv_general_dilated(
        inputs,
        flipped,
        window_strides=(1,) * len(spatial_axes),
        padding=[tuple(p) for p in padding],
        lhs_dilation=tuple(strides),
        rhs_dilation=tuple(dilation_rate),
        dimension_numbers=_dimension_numbers(inputs.ndim, data_format),
    )


# -- encodings ------------------------------------------------------------------------------


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtypes.to_numpy_dtype(dtype))


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype)
    return jnp.max(encoded, axis=1 if x.ndim > 1 else 0)


# -- losses ---------------------------------------------------------------------------------


def binary_crossentropy(target, output, from_logits=False, epsilon=1e-7):
    if from_logits:
        return target * jax.nn.softplus(-output) + (1 - target) * jax.nn.softplus(output)
    output = jnp.clip(output, epsilon, 1 - epsilon)
    return -(target * jnp.log(output) + (1 - target) * jnp.log(1 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    if from_logits:
        log_prob = jax.nn.log_softmax(output, axis=axis)
    else:
        output = output / jnp.sum(output, axis=axis, keepdims=True)
        log_prob = jnp.log(jnp.clip(output, epsilon, 1 - epsilon))
    return -jnp.sum(target * log_prob, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    target = jax.nn.one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(target, output, from_logits, axis, epsilon)


# -- normalization --------------------------------------------------------------------------


def moments(x, axes, keepdims=False):
    compute = x.astype(jnp.float32) if x.dtype.itemsize < 4 else x
    mean = jnp.mean(compute, axis=axes, keepdims=keepdims)
    variance = jnp.var(compute, axis=axes, keepdims=keepdims)
    if compute.dtype != x.dtype:  # back to half precision, saturating instead of overflowing
        limit = float(jnp.finfo(x.dtype).max)
        mean, variance = jnp.clip(mean, -limit, limit), jnp.clip(variance, -limit, limit)
    return mean.astype(x.dtype), variance.astype(x.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    inv = lax.rsqrt(jnp.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * jnp.reshape(scale, shape)
    out = (x - jnp.reshape(mean, shape)) * inv
    if offset is not None:
        out = out + jnp.reshape(offset, shape)
    return out


# -- sequences ------------------------------------------------------------------------------


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC negative log-likelihood by the alpha recursion over the extended labels, scanned
    over time; steps past `output_length` leave alpha unchanged."""
    batch, steps, _ = output.shape
    max_labels = target.shape[1]
    log_probs = jax.nn.log_softmax(output, axis=-1)
    # Extended labels (batch, 2L+1): blank, l1, blank, l2, ..., blank.
    extended = jnp.full((batch, 2 * max_labels + 1), mask_index, target.dtype)
    extended = extended.at[:, 1::2].set(target)
    # Skipping over a blank (s-2 -> s) is allowed onto a label that differs from s-2's.
    previous_label = jnp.pad(extended, ((0, 0), (2, 0)), constant_values=mask_index)[:, :-2]
    can_skip = (extended != mask_index) & (extended != previous_label)
    emit = jnp.take_along_axis(log_probs, extended[:, None, :].repeat(steps, axis=1), axis=2)
    log_zero = jnp.asarray(_CTC_LOG_ZERO, output.dtype)
    positions = jnp.arange(2 * max_labels + 1)
    alpha0 = jnp.where(positions[None, :] < 2, emit[:, 0], log_zero)

    def shift(a, k):
        return jnp.pad(a, ((0, 0), (k, 0)), constant_values=_CTC_LOG_ZERO)[:, : a.shape[1]]

    def step(alpha, inputs):
        t, emit_t = inputs
        merged = jnp.logaddexp(alpha, shift(alpha, 1))
        merged = jnp.where(can_skip, jnp.logaddexp(merged, shift(alpha, 2)), merged)
        updated = merged + emit_t
        active = (t < output_length)[:, None]
        return jnp.where(active, updated, alpha), None

    times = jnp.arange(1, steps)
    alpha, _ = lax.scan(step, alpha0, (times, jnp.moveaxis(emit, 1, 0)[1:]))
    last = 2 * target_length
    end_blank = jnp.take_along_axis(alpha, last[:, None], axis=1)[:, 0]
    end_label = jnp.take_along_axis(alpha, jnp.maximum(last - 1, 0)[:, None], axis=1)[:, 0]
    end_label = jnp.where(target_length > 0, end_label, log_zero)
    return -jnp.logaddexp(end_blank, end_label)


def _ctc_beam_search_on_host(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    """Prefix beam search merges equal prefixes, a data-dependent step: it runs on the host
    with the numpy reference (through `pure_callback`, so it also works under `jit`)."""
    import numpy as np

    from lamina.backend.numpy import nn as reference

    batch, steps, _ = inputs.shape
    shapes = (
        jax.ShapeDtypeStruct((top_paths, batch, steps), jnp.int32),
        jax.ShapeDtypeStruct((batch, top_paths), inputs.dtype),
    )

    def search(values, lengths):
        return reference.ctc_decode(
            np.asarray(values), np.asarray(lengths), "beam_search", beam_width, top_paths,
            True, mask_index,
        )

    return jax.pure_callback(search, shapes, inputs, sequence_lengths)


def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    if strategy != "greedy":
        return _ctc_beam_search_on_host(inputs, sequence_lengths, beam_width, top_paths, mask_index)
    batch, steps, _ = inputs.shape
    best = jnp.argmax(inputs, axis=-1).astype(jnp.int32)
    valid = jnp.arange(steps)[None, :] < sequence_lengths[:, None]
    scores = -jnp.sum(jnp.where(valid, jnp.max(inputs, axis=-1), 0), axis=1, keepdims=True)
    keep = valid & (best != mask_index)
    if merge_repeated:
        repeated = jnp.pad(best[:, 1:] == best[:, :-1], ((0, 0), (1, 0)))
        keep = keep & ~repeated
    # Move the kept labels to the front, in order; the rest become -1.
    order = jnp.argsort(jnp.where(keep, jnp.arange(steps)[None, :], steps), axis=1, stable=True)
    paths = jnp.where(
        jnp.take_along_axis(keep, order, axis=1), jnp.take_along_axis(best, order, axis=1), -1
    )
    return paths[None], scores.astype(inputs.dtype)


# -- attention ------------------------------------------------------------------------------


def dot_product_attention(
    query,
    key,
    value,
    bias=None,
    mask=None,
    scale=None,
    is_causal=False,
    flash_attention=None,
    attn_logits_soft_cap=None,
):
    if flash_attention:
        raise ValueError(
            "dot_product_attention: flash_attention=True is not supported on this device; "
            "pass flash_attention=None or False."
        )
    groups = query.shape[2] // key.shape[2]
    key = jnp.repeat(key, groups, axis=2)
    value = jnp.repeat(value, groups, axis=2)
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    logits_dtype = jnp.promote_types(query.dtype, jnp.float32)
    logits = jnp.einsum("btnh,bsnh->bnts", query, key, preferred_element_type=logits_dtype)
    logits = logits * jnp.asarray(scale, logits_dtype)
    if bias is not None:
        logits = logits + bias
    if attn_logits_soft_cap is not None:
        logits = logits / (1 + jnp.abs(logits) / attn_logits_soft_cap)
    keep = jnp.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & mask.astype(bool)
    if is_causal:
        keep = keep & jnp.tril(jnp.ones(logits.shape[-2:], bool))
    # The softmax runs in float32, so masked logits take float32's large negative value.
    logits = jnp.where(keep, logits, -0.7 * float(jnp.finfo(jnp.float32).max))
    probs = jax.nn.softmax(logits.astype(jnp.float32), axis=-1).astype(query.dtype)
    return jnp.einsum("bnts,bsnh->btnh", probs, value).astype(query.dtype)


# -- patches and rearrangements -----------------------------------------------------------------


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002 - Keras' name
    n = input.shape[0]
    patches = lax.conv_general_dilated_patches(
        input,
        filter_shape=tuple(kernel_size),
        window_strides=tuple(stride),
        padding=[(p, p) for p in padding],
        rhs_dilation=tuple(dilation),
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
    )
    return jnp.reshape(patches, (n, patches.shape[1], -1))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    n, ckk, _ = x.shape
    k_h, k_w = kernel_size
    channels = ckk // (k_h * k_w)
    padded = [o + 2 * p for o, p in zip(output_size, padding)]
    blocks = [
        (size - d * (k - 1) - 1) // s + 1
        for size, k, d, s in zip(padded, kernel_size, dilation, stride)
    ]
    patches = jnp.reshape(x, (n, channels, k_h, k_w, blocks[0], blocks[1]))
    out = jnp.zeros((n, channels, padded[0], padded[1]), x.dtype)
    for i in range(k_h):
        for j in range(k_w):
            rows = slice(i * dilation[0], i * dilation[0] + (blocks[0] - 1) * stride[0] + 1,
                         stride[0])
            cols = slice(j * dilation[1], j * dilation[1] + (blocks[1] - 1) * stride[1] + 1,
                         stride[1])
            out = out.at[:, :, rows, cols].add(patches[:, :, i, j])
    return out[:, :, padding[0] : padded[0] - padding[0], padding[1] : padded[1] - padding[1]]


def depth_to_space(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h, w, b, b, c // (b * b))).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h * b, w * b, c // (b * b)))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c // (b * b), b, b, h, w)).transpose(0, 1, 4, 2, 5, 3)
    return jnp.reshape(x, (n, c // (b * b), h * b, w * b))


def space_to_depth(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = jnp.reshape(x, (n, h // b, b, w // b, b, c)).transpose(0, 1, 3, 2, 4, 5)
        return jnp.reshape(x, (n, h // b, w // b, c * b * b))
    n, c, h, w = x.shape
    x = jnp.reshape(x, (n, c, h // b, b, w // b, b)).transpose(0, 1, 3, 5, 2, 4)
    return jnp.reshape(x, (n, c * b * b, h // b, w // b))


def polar(abs_, angle):
    return lax.complex(abs_ * jnp.cos(angle), abs_ * jnp.sin(angle))


# -- dense layers ---------------------------------------------------------------------------------


def dense(x, kernel, bias):
    """`x @ kernel + bias` (all of one float dtype)."""
    return jnp.matmul(x, kernel) + bias
