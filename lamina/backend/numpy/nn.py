"""numpy backend: neural-network ops, written for clarity (this is the reference).

The ops layer has already converted and promoted the tensors and normalized the arguments:
`strides`, `pool_size`, `dilation_rate` arrive as tuples of one int per spatial dim,
`padding` in lower case, `data_format` as "channels_last" or "channels_first".
"""

import itertools
import math

import ml_dtypes
import numpy as np

from lamina.backend.common import dtypes

# A finite stand-in for log(0) in the CTC recursions, so that impossible paths stay finite.
_CTC_LOG_ZERO = -1e5


# -- activations ------------------------------------------------------------------------------


def relu(x):
    return np.maximum(x, np.zeros((), x.dtype))


def relu6(x):
    return np.clip(x, 0, 6).astype(x.dtype)


def sigmoid(x):
    # Split by sign so that exp never overflows.
    positive = x >= 0
    z = np.exp(-np.abs(x))
    return np.where(positive, 1 / (1 + z), z / (1 + z)).astype(x.dtype)


def sparse_sigmoid(x):
    return np.where(x <= -1, 0, np.where(x >= 1, 1, 0.5 * (x + 1))).astype(x.dtype)


def softplus(x):
    return np.logaddexp(x, np.zeros((), x.dtype)).astype(x.dtype)


def softsign(x):
    return (x / (1 + np.abs(x))).astype(x.dtype)


def soft_shrink(x, threshold=0.5):
    shrunk = np.where(x > threshold, x - threshold, np.where(x < -threshold, x + threshold, 0))
    return shrunk.astype(x.dtype)


def sparse_plus(x):
    return np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)).astype(x.dtype)


def silu(x):
    return (x * sigmoid(x)).astype(x.dtype)


def squareplus(x, b=4):
    return ((x + np.sqrt(x * x + b)) / 2).astype(x.dtype)


def log_sigmoid(x):
    return (-softplus(-x)).astype(x.dtype)


def leaky_relu(x, negative_slope=0.2):
    return np.where(x >= 0, x, negative_slope * x).astype(x.dtype)


def hard_sigmoid(x):
    return (relu6(x + 3) / 6).astype(x.dtype)


def hard_silu(x):
    return (x * hard_sigmoid(x)).astype(x.dtype)


def elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype)


def selu(x):
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946
    return (scale * elu(x, alpha)).astype(x.dtype)


def gelu(x, approximate=True):
    if approximate:
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
        return (0.5 * x * (1 + np.tanh(inner))).astype(x.dtype)
    from scipy.special import erf

    return (0.5 * x * (1 + erf(x / math.sqrt(2)))).astype(x.dtype)


def celu(x, alpha=1.0):
    return (np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha)).astype(x.dtype)


def glu(x, axis=-1):
    a, b = np.split(x, 2, axis=axis)
    return (a * sigmoid(b)).astype(x.dtype)


def tanh_shrink(x):
    return (x - np.tanh(x)).astype(x.dtype)


def hard_tanh(x):
    return np.clip(x, -1, 1).astype(x.dtype)


def hard_shrink(x, threshold=0.5):
    return np.where(np.abs(x) > threshold, x, 0).astype(x.dtype)


def threshold(x, threshold, default_value):
    return np.where(x > threshold, x, default_value).astype(x.dtype)


def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype)


def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return (shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))).astype(x.dtype)


def sparsemax(x, axis=-1):
    # The threshold tau is found from the sorted values: the support is the largest k with
    # 1 + k * z_(k) > sum_{j<=k} z_(j).
    z = np.moveaxis(x, axis, -1)
    z_sorted = -np.sort(-z, axis=-1)
    cumulative = np.cumsum(z_sorted, axis=-1)
    k = np.arange(1, z.shape[-1] + 1, dtype=x.dtype)
    support = 1 + k * z_sorted > cumulative
    k_z = np.sum(support, axis=-1, keepdims=True)
    tau = (np.take_along_axis(cumulative, np.maximum(k_z - 1, 0), axis=-1) - 1) / np.maximum(k_z, 1)
    out = np.maximum(z - tau, 0)
    return np.moveaxis(out, -1, axis).astype(x.dtype)


# -- windows, shared by pooling and convolution ------------------------------------------------


def _to_channels_last(x, data_format):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def _from_channels_last(x, data_format):
    return np.moveaxis(x, -1, 1) if data_format == "channels_first" else x


def _same_padding(size, window, stride):
    """(low, high) padding of "same": the output has ceil(size / stride) positions."""
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _pad(x, pads, value=0):
    """Pads (or crops, for negative amounts) the spatial axes of a channels-last `x`."""
    widths = [(0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in pads] + [(0, 0)]
    x = np.pad(x, widths, constant_values=value)
    crop = (slice(None),) + tuple(
        slice(-min(lo, 0), x.shape[i + 1] + min(hi, 0)) for i, (lo, hi) in enumerate(pads)
    )
    return x[crop]


def _window_slices(x, window, strides, dilation):
    """For each offset inside the window: the strided view of channels-last `x` it sees.

    Yields `(offset, view)` where `view[:, o1, ..., on, :]` is the input element at that offset
    of the window whose output position is (o1, ..., on).
    """
    spatial = x.shape[1:-1]
    out = [
        (size - (w - 1) * d - 1) // s + 1
        for size, w, s, d in zip(spatial, window, strides, dilation)
    ]
    out = [max(o, 0) for o in out]
    for offset in itertools.product(*(range(w) for w in window)):
        index = (slice(None),) + tuple(
            slice(o * d, o * d + (n - 1) * s + 1, s) if n > 0 else slice(0, 0)
            for o, d, s, n in zip(offset, dilation, strides, out)
        )
        yield offset, x[index]


def _pool(x, pool_size, strides, padding, fill, reduce):
    if padding == "same":
        pads = [_same_padding(n, w, s) for n, w, s in zip(x.shape[1:-1], pool_size, strides)]
    else:
        pads = [(0, 0)] * len(pool_size)
    padded = _pad(x, pads, fill)
    views = [v for _, v in _window_slices(padded, pool_size, strides, (1,) * len(pool_size))]
    return reduce(np.stack(views), pads)


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    x = _to_channels_last(inputs, data_format)
    strides = pool_size if strides is None else strides
    lowest = -np.inf if dtypes.is_float_dtype(x.dtype) else np.iinfo(x.dtype).min
    out = _pool(x, pool_size, strides, padding, lowest, lambda views, pads: np.max(views, axis=0))
    return _from_channels_last(out.astype(inputs.dtype), data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    x = _to_channels_last(inputs, data_format)
    strides = pool_size if strides is None else strides
    total = _pool(x, pool_size, strides, padding, 0, lambda views, pads: np.sum(views, axis=0))
    # With "same" padding a window is averaged over its real (unpadded) elements only.
    ones = np.ones((1,) + x.shape[1:-1] + (1,), x.dtype)
    count = _pool(ones, pool_size, strides, padding, 0, lambda views, pads: np.sum(views, axis=0))
    return _from_channels_last((total / count).astype(inputs.dtype), data_format)


def _adaptive_bounds(size, output_size):
    """Window [start, end) of each output position: floor(i*n/m) to ceil((i+1)*n/m)."""
    return [
        ((i * size) // output_size, -((-(i + 1) * size) // output_size))
        for i in range(output_size)
    ]


def _adaptive_pool(inputs, output_size, data_format, reduce):
    x = _to_channels_last(inputs, data_format)
    for axis, out_size in enumerate(output_size, start=1):
        pieces = [
            reduce(np.take(x, np.arange(start, end), axis=axis), axis=axis, keepdims=True)
            for start, end in _adaptive_bounds(x.shape[axis], out_size)
        ]
        x = np.concatenate(pieces, axis=axis)
    return _from_channels_last(x.astype(inputs.dtype), data_format)


def adaptive_average_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format, np.mean)


def adaptive_max_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format, np.max)


def _convolve(x, kernel, strides, pads, dilation, groups=1, input_dilation=None):
    """Cross-correlation of channels-last `x` (N, *spatial, C) with `kernel` (*k, C/groups, O).

    `pads` is one (low, high) pair per spatial dim; `input_dilation` spreads the input with
    zeros first (the transposed convolution).
    """
    if input_dilation is not None and any(d > 1 for d in input_dilation):
        spread_shape = (x.shape[0],) + tuple(
            (n - 1) * d + 1 if n else 0 for n, d in zip(x.shape[1:-1], input_dilation)
        ) + (x.shape[-1],)
        spread = np.zeros(spread_shape, x.dtype)
        spread[(slice(None),) + tuple(slice(None, None, d) for d in input_dilation)] = x
        x = spread
    x = _pad(x, pads)
    window = kernel.shape[:-2]
    in_per_group, out_channels = kernel.shape[-2:]
    out_per_group = out_channels // groups
    result = None
    for offset, view in _window_slices(x, window, strides, dilation):
        # view: (N, *out, groups * in_per_group); weights: (in_per_group, groups, out_per_group)
        view = view.reshape(view.shape[:-1] + (groups, in_per_group))
        weights = kernel[offset].reshape(in_per_group, groups, out_per_group)
        term = np.einsum("...gi,igo->...go", _einsum_operand(view), _einsum_operand(weights))
        term = term.reshape(term.shape[:-2] + (out_channels,))
        result = term if result is None else result + term
    return result


def _einsum_operand(x):
    """NumPy's einsum has no bfloat16: such operands are multiplied in float32."""
    return x.astype(np.float32) if dtypes.standardize_dtype(x.dtype) == "bfloat16" else x


def _conv_pads(spatial, kernel_spatial, strides, padding, dilation):
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [
        _same_padding(n, (k - 1) * d + 1, s)
        for n, k, s, d in zip(spatial, kernel_spatial, strides, dilation)
    ]


def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    x = _to_channels_last(inputs, data_format)
    groups = x.shape[-1] // kernel.shape[-2]
    pads = _conv_pads(x.shape[1:-1], kernel.shape[:-2], strides, padding, dilation_rate)
    out = _convolve(x, kernel, strides, pads, dilation_rate, groups=groups)
    return _from_channels_last(out.astype(inputs.dtype), data_format)


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1
):
    # A grouped convolution with one group per input channel: output channel c*M+m comes
    # from input channel c and multiplier m.
    channels, multiplier = kernel.shape[-2:]
    grouped_kernel = kernel.reshape(kernel.shape[:-2] + (1, channels * multiplier))
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
    """`padding` here is the list of (low, high) pads of the equivalent direct convolution.

    The transposed convolution spreads the input by `strides`, pads it, and correlates it
    with the spatially flipped kernel whose (out, in) channel axes are swapped.
    """
    x = _to_channels_last(inputs, data_format)
    spatial_axes = tuple(range(kernel.ndim - 2))
    flipped = np.flip(kernel, axis=spatial_axes).swapaxes(-1, -2)
    ones = (1,) * len(spatial_axes)
    out = _convolve(x, flipped, ones, padding, dilation_rate, input_dilation=strides)
    return _from_channels_last(out.astype(inputs.dtype), data_format)


# -- encodings ------------------------------------------------------------------------------


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    out = (x[..., None] == np.arange(num_classes)).astype(dtypes.to_numpy_dtype(dtype))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype)
    return np.max(encoded, axis=1 if x.ndim > 1 else 0)


# -- losses ---------------------------------------------------------------------------------


def binary_crossentropy(target, output, from_logits=False, epsilon=1e-7):
    if from_logits:
        # -t*log(sigmoid(z)) - (1-t)*log(sigmoid(-z)), without overflow.
        return (target * softplus(-output) + (1 - target) * softplus(output)).astype(output.dtype)
    dtype = output.dtype
    output = np.clip(output, epsilon, 1 - epsilon)
    return -(target * np.log(output) + (1 - target) * np.log(1 - output)).astype(dtype)


def categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    if from_logits:
        log_prob = log_softmax(output, axis=axis)
    else:
        output = output / np.sum(output, axis=axis, keepdims=True)
        log_prob = np.log(np.clip(output, epsilon, 1 - epsilon))
    return -np.sum(target * log_prob, axis=axis).astype(output.dtype)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    target = one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(target, output, from_logits, axis, epsilon)


# -- normalization --------------------------------------------------------------------------


def moments(x, axes, keepdims=False):
    # Half precision has too little range for the sums: compute in float32.
    compute = x.astype(np.float32) if x.dtype.itemsize < 4 else x
    mean = np.mean(compute, axis=axes, keepdims=keepdims)
    variance = np.var(compute, axis=axes, keepdims=keepdims)
    if compute.dtype != x.dtype:  # back to half precision, saturating instead of overflowing
        limit = float(ml_dtypes.finfo(x.dtype).max)
        mean, variance = np.clip(mean, -limit, limit), np.clip(variance, -limit, limit)
    return mean.astype(x.dtype), variance.astype(x.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    inv = 1 / np.sqrt(variance.reshape(shape) + epsilon)
    if scale is not None:
        inv = inv * scale.reshape(shape)
    out = (x - mean.reshape(shape)) * inv
    if offset is not None:
        out = out + offset.reshape(shape)
    return out.astype(x.dtype)


# -- sequences ------------------------------------------------------------------------------


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Negative log-likelihood of each target under CTC, by the forward (alpha) recursion.

    `output` holds logits (batch, time, classes); `mask_index` is the blank class.
    """
    log_probs = log_softmax(output.astype(np.float64), axis=-1)
    losses = []
    for b in range(output.shape[0]):
        labels = [int(c) for c in target[b, : int(target_length[b])]]
        # The extended label sequence: blank, l1, blank, l2, ..., blank.
        extended = [mask_index]
        for c in labels:
            extended += [c, mask_index]
        extended = np.array(extended)
        # alpha[s] may come from s (stay), s-1 (advance), or s-2 (skip a blank between two
        # different labels).
        can_skip = np.zeros(len(extended), bool)
        can_skip[2:] = (extended[2:] != mask_index) & (extended[2:] != extended[:-2])
        alpha = np.full(len(extended), _CTC_LOG_ZERO)
        steps = int(output_length[b])
        if steps > 0:
            alpha[:2] = log_probs[b, 0, extended[:2]]
        for t in range(1, steps):
            from_previous = np.concatenate([[_CTC_LOG_ZERO], alpha[:-1]])
            from_skip = np.concatenate([[_CTC_LOG_ZERO, _CTC_LOG_ZERO], alpha[:-2]])
            merged = np.logaddexp(alpha, from_previous)
            merged = np.where(can_skip, np.logaddexp(merged, from_skip), merged)
            alpha = merged + log_probs[b, t, extended]
        ends = alpha[-2:] if len(extended) > 1 else alpha[-1:]
        losses.append(-np.logaddexp.reduce(ends))
    return np.asarray(losses, dtype=output.dtype)


def _ctc_greedy(inputs, sequence_lengths, merge_repeated, mask_index):
    batch, steps, _ = inputs.shape
    paths = np.full((1, batch, steps), -1, np.int32)
    scores = np.zeros((batch, 1), inputs.dtype)
    for b in range(batch):
        length = int(sequence_lengths[b])
        best = np.argmax(inputs[b, :length], axis=-1)
        scores[b, 0] = -np.sum(np.max(inputs[b, :length], axis=-1))
        decoded, previous = [], None
        for c in best:
            if c != mask_index and not (merge_repeated and c == previous):
                decoded.append(c)
            previous = c
        paths[0, b, : len(decoded)] = decoded
    return paths, scores


def _ctc_beam_search(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    """Prefix beam search: each prefix keeps log P(ends in blank), log P(ends in its label)."""
    batch, steps, classes = inputs.shape
    log_probs = log_softmax(inputs.astype(np.float64), axis=-1)
    paths = np.full((top_paths, batch, steps), -1, np.int32)
    scores = np.full((batch, top_paths), -np.inf, inputs.dtype)
    for b in range(batch):
        beams = {(): (0.0, -np.inf)}  # prefix -> (log p blank-ending, log p label-ending)
        for t in range(int(sequence_lengths[b])):
            grown = {}

            def add(prefix, blank, label):
                old_blank, old_label = grown.get(prefix, (-np.inf, -np.inf))
                grown[prefix] = (np.logaddexp(old_blank, blank), np.logaddexp(old_label, label))

            for prefix, (p_blank, p_label) in beams.items():
                p_total = np.logaddexp(p_blank, p_label)
                for c in range(classes):
                    p = log_probs[b, t, c]
                    if c == mask_index:
                        add(prefix, p_total + p, -np.inf)
                    elif prefix and prefix[-1] == c:
                        add(prefix, -np.inf, p_label + p)  # repeat merges into the prefix
                        add(prefix + (c,), -np.inf, p_blank + p)  # blank in between: new label
                    else:
                        add(prefix + (c,), -np.inf, p_total + p)
            ranked = sorted(grown.items(), key=lambda kv: -np.logaddexp(*kv[1]))
            beams = dict(ranked[:beam_width])
        ranked = sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))[:top_paths]
        for k, (prefix, (p_blank, p_label)) in enumerate(ranked):
            paths[k, b, : len(prefix)] = prefix
            scores[b, k] = np.logaddexp(p_blank, p_label)
    return paths, scores


def ctc_decode(
    inputs,
    sequence_lengths,
    strategy="greedy",
    beam_width=100,
    top_paths=1,
    merge_repeated=True,
    mask_index=0,
):
    if strategy == "greedy":
        return _ctc_greedy(inputs, sequence_lengths, merge_repeated, mask_index)
    return _ctc_beam_search(inputs, sequence_lengths, beam_width, top_paths, mask_index)


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
    """softmax(q·k * scale + bias, masked) · v over (batch, time, heads, depth) tensors.

    Keys and values may have fewer heads than queries (grouped-query attention): each of
    their heads serves `heads // kv_heads` consecutive query heads.
    """
    if flash_attention:
        raise ValueError(
            "dot_product_attention: flash_attention=True is not supported by the numpy backend."
        )
    groups = query.shape[2] // key.shape[2]
    key = np.repeat(key, groups, axis=2)
    value = np.repeat(value, groups, axis=2)
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    logits_dtype = np.promote_types(query.dtype, np.float32)
    logits = np.einsum("btnh,bsnh->bnts", query.astype(logits_dtype), key.astype(logits_dtype))
    logits = logits * scale
    if bias is not None:
        logits = logits + bias
    if attn_logits_soft_cap is not None:
        logits = logits / (1 + np.abs(logits) / attn_logits_soft_cap)
    keep = np.ones(logits.shape, bool)
    if mask is not None:
        keep = keep & mask.astype(bool)
    if is_causal:
        keep = keep & np.tril(np.ones(logits.shape[-2:], bool))
    # The softmax runs in float32, so masked logits take float32's large negative value.
    logits = np.where(keep, logits, -0.7 * float(np.finfo(np.float32).max))
    probs = softmax(logits.astype(np.float32), axis=-1).astype(query.dtype)
    return np.einsum("bnts,bsnh->btnh", _einsum_operand(probs), _einsum_operand(value)).astype(
        query.dtype
    )


# -- patches and rearrangements -----------------------------------------------------------------


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002 - Keras' name
    """(N, C, H, W) -> (N, C*kH*kW, L): each column one flattened patch, channel-major."""
    x = np.moveaxis(input, 1, -1)
    x = _pad(x, [(p, p) for p in padding])
    columns = []
    for _, view in _window_slices(x, kernel_size, stride, dilation):
        columns.append(view)  # (N, oH, oW, C) for one kernel offset
    patches = np.stack(columns, axis=-1)  # (N, oH, oW, C, kH*kW)
    n, out_h, out_w = patches.shape[:3]
    patches = patches.reshape(n, out_h * out_w, -1)  # (N, L, C*kH*kW)
    return np.moveaxis(patches, 1, 2).astype(input.dtype)


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C*kH*kW, L) -> (N, C, oH, oW): patches summed back where they overlap."""
    n, ckk, _ = x.shape
    k_h, k_w = kernel_size
    channels = ckk // (k_h * k_w)
    padded = [o + 2 * p for o, p in zip(output_size, padding)]
    blocks = [
        (size - d * (k - 1) - 1) // s + 1
        for size, k, d, s in zip(padded, kernel_size, dilation, stride)
    ]
    patches = x.reshape(n, channels, k_h, k_w, blocks[0], blocks[1])
    out = np.zeros((n, channels, padded[0], padded[1]), x.dtype)
    for i in range(k_h):
        for j in range(k_w):
            rows = slice(i * dilation[0], i * dilation[0] + (blocks[0] - 1) * stride[0] + 1,
                         stride[0])
            cols = slice(j * dilation[1], j * dilation[1] + (blocks[1] - 1) * stride[1] + 1,
                         stride[1])
            out[:, :, rows, cols] += patches[:, :, i, j]
    return out[:, :, padding[0] : padded[0] - padding[0], padding[1] : padded[1] - padding[1]]


def depth_to_space(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h, w, b, b, c // (b * b)).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h * b, w * b, c // (b * b))
    n, c, h, w = x.shape
    x = x.reshape(n, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
    return x.reshape(n, c // (b * b), h * b, w * b)


def space_to_depth(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5)
        return x.reshape(n, h // b, w // b, c * b * b)
    n, c, h, w = x.shape
    x = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 1, 3, 5, 2, 4)
    return x.reshape(n, c * b * b, h // b, w // b)


def polar(abs_, angle):
    return (abs_ * np.cos(angle) + 1j * abs_ * np.sin(angle)).astype(
        np.result_type(abs_.dtype, np.complex64)
    )


# -- dense layers ---------------------------------------------------------------------------------


def dense(x, kernel, bias):
    """`x @ kernel + bias` (all of one float dtype)."""
    return np.matmul(x, kernel) + bias
