"""torch backend: neural-network ops on torch.nn.functional.

Arguments arrive normalized by the ops layer, as in the numpy backend (see its docstring):
`strides`, `pool_size`, `dilation_rate` as one int per spatial dim, `padding` in lower case,
`data_format` "channels_last" or "channels_first". Kernels use Keras' layout
`(*spatial, in_channels / groups, out_channels)`; torch wants channels first, so tensors are
moved around the calls.
"""

import math

import torch
import torch.nn.functional as F

from lamina.backend.torch.core import convert_to_numpy, convert_to_tensor, _torch_dtype

_CTC_LOG_ZERO = -1e5


# -- activations ------------------------------------------------------------------------------


def relu(x):
    return torch.relu(x)


def relu6(x):
    return torch.clamp(x, 0, 6)


def sigmoid(x):
    return torch.sigmoid(x)


def sparse_sigmoid(x):
    return torch.clamp(0.5 * (x + 1), 0, 1)


def softplus(x):
    return torch.logaddexp(x, torch.zeros((), dtype=x.dtype, device=x.device))


def softsign(x):
    return F.softsign(x)


def soft_shrink(x, threshold=0.5):
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    return torch.where(x > threshold, x - threshold,
                       torch.where(x < -threshold, x + threshold, zero))


def sparse_plus(x):
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    return torch.where(x <= -1, zero, torch.where(x >= 1, x, (x + 1) ** 2 / 4))


def silu(x):
    return F.silu(x)


def squareplus(x, b=4):
    return (x + torch.sqrt(x * x + b)) / 2


def log_sigmoid(x):
    return F.logsigmoid(x)


def leaky_relu(x, negative_slope=0.2):
    return F.leaky_relu(x, negative_slope=negative_slope)


def hard_sigmoid(x):
    return F.hardsigmoid(x)


def hard_silu(x):
    return F.hardswish(x)


def elu(x, alpha=1.0):
    return F.elu(x, alpha=alpha)


def selu(x):
    return F.selu(x)


def gelu(x, approximate=True):
    return F.gelu(x, approximate="tanh" if approximate else "none")


def celu(x, alpha=1.0):
    return F.celu(x, alpha=alpha)


def glu(x, axis=-1):
    return F.glu(x, dim=axis)


def tanh_shrink(x):
    return x - torch.tanh(x)


def hard_tanh(x):
    return torch.clamp(x, -1, 1)


def hard_shrink(x, threshold=0.5):
    return torch.where(torch.abs(x) > threshold, x, torch.zeros((), dtype=x.dtype, device=x.device))


def threshold(x, threshold, default_value):
    return torch.where(x > threshold, x,
                       torch.as_tensor(default_value, dtype=x.dtype, device=x.device))


def softmax(x, axis=-1):
    if isinstance(axis, (list, tuple)):
        shifted = x - torch.amax(x, dim=tuple(axis), keepdim=True)
        e = torch.exp(shifted)
        return e / torch.sum(e, dim=tuple(axis), keepdim=True)
    return torch.softmax(x, dim=axis)


def log_softmax(x, axis=-1):
    if isinstance(axis, (list, tuple)):
        shifted = x - torch.amax(x, dim=tuple(axis), keepdim=True)
        return shifted - torch.logsumexp(shifted, dim=tuple(axis), keepdim=True)
    return torch.log_softmax(x, dim=axis)


def sparsemax(x, axis=-1):
    z = torch.movedim(x, axis, -1)
    z_sorted = torch.sort(z, dim=-1, descending=True).values
    cumulative = torch.cumsum(z_sorted, dim=-1)
    k = torch.arange(1, z.shape[-1] + 1, dtype=x.dtype, device=x.device)
    support = 1 + k * z_sorted > cumulative
    k_z = torch.sum(support, dim=-1, keepdim=True)
    tau_sum = torch.gather(cumulative, -1, torch.clamp(k_z - 1, min=0))
    tau = (tau_sum - 1) / torch.clamp(k_z, min=1).to(x.dtype)
    return torch.movedim(torch.clamp(z - tau, min=0), -1, axis)


# -- pooling and convolution ------------------------------------------------------------------


def _channels_first(x, data_format):
    return torch.movedim(x, -1, 1) if data_format == "channels_last" else x


def _restore(x, data_format):
    return torch.movedim(x, 1, -1) if data_format == "channels_last" else x


def _same_padding(size, window, stride):
    """(low, high) padding of "same": the output has ceil(size / stride) positions."""
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _pad_spatial(x, pads, value=0.0):
    """Pads (or crops, for negative amounts) the spatial axes of a channels-first `x`."""
    flat = [p for lo_hi in reversed(pads) for p in lo_hi]
    if not any(flat):
        return x
    return F.pad(x, flat, value=value)


_POOLS = {
    "max": (F.max_pool1d, F.max_pool2d, F.max_pool3d),
    "avg": (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d),
}


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    strides = pool_size if strides is None else strides
    x = _channels_first(inputs, data_format)
    x = x.to(_compute_dtype(inputs))  # (no integer max pooling in torch)
    if padding == "same":
        pads = [_same_padding(n, w, s) for n, w, s in zip(x.shape[2:], pool_size, strides)]
        x = _pad_spatial(x, pads, value=-float("inf"))
    out = _POOLS["max"][len(pool_size) - 1](x, tuple(pool_size), tuple(strides))
    return _restore(out.to(inputs.dtype), data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format="channels_last"):
    strides = pool_size if strides is None else strides
    x = _channels_first(inputs, data_format)
    pool = _POOLS["avg"][len(pool_size) - 1]
    if padding == "valid":
        return _restore(pool(x, tuple(pool_size), tuple(strides)), data_format)
    # "same": each window is averaged over the real (unpadded) elements it covers.
    pads = [_same_padding(n, w, s) for n, w, s in zip(x.shape[2:], pool_size, strides)]
    total = pool(_pad_spatial(x, pads), tuple(pool_size), tuple(strides))
    ones = torch.ones((1, 1) + tuple(x.shape[2:]), dtype=x.dtype, device=x.device)
    count = pool(_pad_spatial(ones, pads), tuple(pool_size), tuple(strides))
    return _restore(total / count, data_format)


def _adaptive_pool(inputs, output_size, data_format, reduce):
    first_spatial = 1 if data_format == "channels_last" else 2
    x = inputs
    for i, out_size in enumerate(output_size):
        axis = first_spatial + i
        size = x.shape[axis]
        pieces = []
        for j in range(out_size):
            start, end = (j * size) // out_size, -((-(j + 1) * size) // out_size)
            window = torch.narrow(x, axis, start, end - start)
            pieces.append(reduce(window, axis))
        x = torch.cat(pieces, dim=axis)
    return x


def adaptive_average_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format,
                          lambda w, axis: torch.mean(w, dim=axis, keepdim=True))


def adaptive_max_pool(inputs, output_size, data_format="channels_last"):
    return _adaptive_pool(inputs, output_size, data_format,
                          lambda w, axis: torch.amax(w, dim=axis, keepdim=True))


_CONVS = (F.conv1d, F.conv2d, F.conv3d)


def _torch_kernel(kernel):
    """Keras' (*spatial, in, out) kernel as torch's (out, in, *spatial)."""
    spatial = kernel.ndim - 2
    return kernel.permute((spatial + 1, spatial) + tuple(range(spatial)))


def _conv_pads(spatial, kernel_spatial, strides, padding, dilation):
    if padding == "valid":
        return [(0, 0)] * len(spatial)
    return [
        _same_padding(n, (k - 1) * d + 1, s)
        for n, k, s, d in zip(spatial, kernel_spatial, strides, dilation)
    ]


def _compute_dtype(x):
    # No half-precision convolutions on CPU: those run in float32.
    if x.device.type == "cpu" and x.dtype in (torch.float16, torch.bfloat16):
        return torch.float32
    if not x.dtype.is_floating_point:
        return torch.float64
    return x.dtype


def conv(inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1):
    x = _channels_first(inputs, data_format)
    spatial = x.ndim - 2
    groups = x.shape[1] // kernel.shape[-2]
    pads = _conv_pads(x.shape[2:], kernel.shape[:-2], strides, padding, dilation_rate)
    compute = _compute_dtype(inputs)
    x = _pad_spatial(x.to(compute), pads)
    out = _CONVS[spatial - 1](x, _torch_kernel(kernel).to(compute), None, tuple(strides), 0,
                              tuple(dilation_rate), groups)
    return _restore(out.to(inputs.dtype), data_format)


def depthwise_conv(
    inputs, kernel, strides=1, padding="valid", data_format="channels_last", dilation_rate=1
):
    channels, multiplier = kernel.shape[-2:]
    grouped_kernel = torch.reshape(kernel, tuple(kernel.shape[:-2]) + (1, channels * multiplier))
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

    The input is spread by `strides` (zeros in between), padded, and correlated with the
    spatially flipped kernel whose (out, in) channel axes are swapped.
    """
    x = _channels_first(inputs, data_format)
    spatial = x.ndim - 2
    compute = _compute_dtype(inputs)
    x = x.to(compute)
    if any(s > 1 for s in strides):
        spread_shape = tuple(x.shape[:2]) + tuple(
            (n - 1) * s + 1 if n else 0 for n, s in zip(x.shape[2:], strides))
        spread = torch.zeros(spread_shape, dtype=x.dtype, device=x.device)
        index = (slice(None), slice(None)) + tuple(slice(None, None, s) for s in strides)
        spread[index] = x
        x = spread
    x = _pad_spatial(x, [tuple(p) for p in padding])
    flipped = torch.flip(kernel, tuple(range(spatial))).transpose(-1, -2)
    out = _CONVS[spatial - 1](x, _torch_kernel(flipped).to(compute), None, 1, 0,
                              tuple(dilation_rate), 1)
    return _restore(out.to(inputs.dtype), data_format)


# -- encodings ------------------------------------------------------------------------------


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    classes = torch.arange(num_classes, device=x.device)
    out = (x.to(torch.int64)[..., None] == classes).to(_torch_dtype(dtype))
    if axis != -1:
        out = torch.movedim(out, -1, axis)
    return out


def multi_hot(x, num_classes, axis=-1, dtype="float32"):
    encoded = one_hot(x, num_classes, axis=axis, dtype=dtype)
    return torch.amax(encoded, dim=1 if x.ndim > 1 else 0)


# -- losses ---------------------------------------------------------------------------------


def binary_crossentropy(target, output, from_logits=False, epsilon=1e-7):
    if from_logits:
        return target * softplus(-output) + (1 - target) * softplus(output)
    output = torch.clamp(output, epsilon, 1 - epsilon)
    return -(target * torch.log(output) + (1 - target) * torch.log(1 - output))


def categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    if from_logits:
        log_prob = torch.log_softmax(output, dim=axis)
    else:
        output = output / torch.sum(output, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(output, epsilon, 1 - epsilon))
    return -torch.sum(target * log_prob, dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1, epsilon=1e-7):
    target = one_hot(target, output.shape[axis], axis=axis, dtype=output.dtype)
    return categorical_crossentropy(target, output, from_logits, axis, epsilon)


# -- normalization --------------------------------------------------------------------------


def moments(x, axes, keepdims=False):
    compute = x.to(torch.float32) if x.element_size() < 4 else x
    axes = tuple(axes) if isinstance(axes, (list, tuple)) else (axes,)
    mean = torch.mean(compute, dim=axes, keepdim=keepdims)
    variance = torch.var(compute, dim=axes, correction=0, keepdim=keepdims)
    if compute.dtype != x.dtype:  # back to half precision, saturating instead of overflowing
        limit = float(torch.finfo(x.dtype).max)
        mean, variance = torch.clamp(mean, -limit, limit), torch.clamp(variance, -limit, limit)
    return mean.to(x.dtype), variance.to(x.dtype)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    inv = torch.rsqrt(torch.reshape(variance, shape) + epsilon)
    if scale is not None:
        inv = inv * torch.reshape(scale, shape)
    out = (x - torch.reshape(mean, shape)) * inv
    if offset is not None:
        out = out + torch.reshape(offset, shape)
    return out


# -- sequences ------------------------------------------------------------------------------


def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """CTC negative log-likelihood by the alpha recursion over the extended labels, stepped
    over time; steps past `output_length` leave alpha unchanged."""
    batch, steps, _ = output.shape
    max_labels = target.shape[1]
    target = target.to(torch.int64)
    log_probs = torch.log_softmax(output, dim=-1)
    # Extended labels (batch, 2L+1): blank, l1, blank, l2, ..., blank.
    extended = torch.full((batch, 2 * max_labels + 1), mask_index, dtype=torch.int64,
                          device=output.device)
    extended[:, 1::2] = target
    previous_label = F.pad(extended, (2, 0), value=mask_index)[:, :-2]
    can_skip = (extended != mask_index) & (extended != previous_label)
    emit = torch.gather(log_probs, 2, extended[:, None, :].expand(batch, steps, -1))
    log_zero = torch.tensor(_CTC_LOG_ZERO, dtype=output.dtype, device=output.device)
    positions = torch.arange(2 * max_labels + 1, device=output.device)
    alpha = torch.where(positions[None, :] < 2, emit[:, 0], log_zero)

    def shift(a, k):
        return F.pad(a, (k, 0), value=_CTC_LOG_ZERO)[:, : a.shape[1]]

    for t in range(1, steps):
        merged = torch.logaddexp(alpha, shift(alpha, 1))
        merged = torch.where(can_skip, torch.logaddexp(merged, shift(alpha, 2)), merged)
        updated = merged + emit[:, t]
        active = (t < output_length)[:, None]
        alpha = torch.where(active, updated, alpha)
    last = 2 * target_length.to(torch.int64)
    end_blank = torch.gather(alpha, 1, last[:, None])[:, 0]
    end_label = torch.gather(alpha, 1, torch.clamp(last - 1, min=0)[:, None])[:, 0]
    end_label = torch.where(target_length > 0, end_label, log_zero)
    return -torch.logaddexp(end_blank, end_label)


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
        # Prefix beam search merges equal prefixes, a data-dependent step: host reference.
        from lamina.backend.numpy import nn as reference

        paths, scores = reference.ctc_decode(
            convert_to_numpy(inputs), convert_to_numpy(sequence_lengths), "beam_search",
            beam_width, top_paths, True, mask_index,
        )
        return convert_to_tensor(paths), convert_to_tensor(scores)
    batch, steps, _ = inputs.shape
    best = torch.argmax(inputs, dim=-1).to(torch.int32)
    time = torch.arange(steps, device=inputs.device)[None, :]
    valid = time < sequence_lengths[:, None]
    zero = torch.zeros((), dtype=inputs.dtype, device=inputs.device)
    scores = -torch.sum(torch.where(valid, torch.amax(inputs, dim=-1), zero), dim=1, keepdim=True)
    keep = valid & (best != mask_index)
    if merge_repeated:
        repeated = F.pad(best[:, 1:] == best[:, :-1], (1, 0))
        keep = keep & ~repeated
    # Move the kept labels to the front, in order; the rest become -1.
    order = torch.argsort(torch.where(keep, time, steps), dim=1, stable=True)
    minus_one = torch.full_like(best, -1)
    paths = torch.where(torch.gather(keep, 1, order), torch.gather(best, 1, order), minus_one)
    return paths[None], scores.to(inputs.dtype)


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
            "dot_product_attention: flash_attention=True is not supported by the torch backend "
            "yet; pass flash_attention=None or False."
        )
    groups = query.shape[2] // key.shape[2]
    key = torch.repeat_interleave(key, groups, dim=2)
    value = torch.repeat_interleave(value, groups, dim=2)
    if scale is None:
        scale = 1 / math.sqrt(query.shape[-1])
    logits_dtype = torch.promote_types(query.dtype, torch.float32)
    logits = torch.einsum("btnh,bsnh->bnts", query.to(logits_dtype), key.to(logits_dtype))
    logits = logits * scale
    if bias is not None:
        logits = logits + bias
    if attn_logits_soft_cap is not None:
        logits = logits / (1 + torch.abs(logits) / attn_logits_soft_cap)
    keep = torch.ones(logits.shape, dtype=torch.bool, device=logits.device)
    if mask is not None:
        keep = keep & mask.to(torch.bool)
    if is_causal:
        keep = keep & torch.tril(torch.ones(logits.shape[-2:], dtype=torch.bool,
                                            device=logits.device))
    # The softmax runs in float32, so masked logits take float32's large negative value.
    masked = torch.tensor(-0.7 * float(torch.finfo(torch.float32).max), dtype=logits.dtype,
                          device=logits.device)
    logits = torch.where(keep, logits, masked)
    probs = torch.softmax(logits.to(torch.float32), dim=-1).to(query.dtype)
    compute = torch.float32 if query.dtype in (torch.float16, torch.bfloat16) else query.dtype
    out = torch.einsum("bnts,bsnh->btnh", probs.to(compute), value.to(compute))
    return out.to(query.dtype)


# -- patches and rearrangements -----------------------------------------------------------------


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):  # noqa: A002 - Keras' name
    return F.unfold(input, tuple(kernel_size), dilation=tuple(dilation), padding=tuple(padding),
                    stride=tuple(stride))


def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    return F.fold(x, tuple(output_size), tuple(kernel_size), dilation=tuple(dilation),
                  padding=tuple(padding), stride=tuple(stride))


def depth_to_space(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = torch.reshape(x, (n, h, w, b, b, c // (b * b))).permute(0, 1, 3, 2, 4, 5)
        return torch.reshape(x, (n, h * b, w * b, c // (b * b)))
    n, c, h, w = x.shape
    x = torch.reshape(x, (n, c // (b * b), b, b, h, w)).permute(0, 1, 4, 2, 5, 3)
    return torch.reshape(x, (n, c // (b * b), h * b, w * b))


def space_to_depth(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_last":
        n, h, w, c = x.shape
        x = torch.reshape(x, (n, h // b, b, w // b, b, c)).permute(0, 1, 3, 2, 4, 5)
        return torch.reshape(x, (n, h // b, w // b, c * b * b))
    n, c, h, w = x.shape
    x = torch.reshape(x, (n, c, h // b, b, w // b, b)).permute(0, 1, 3, 5, 2, 4)
    return torch.reshape(x, (n, c * b * b, h // b, w // b))


def polar(abs_, angle):
    return torch.polar(abs_, angle)


# -- dense layers ---------------------------------------------------------------------------------


def dense(x, kernel, bias):
    """`x @ kernel + bias` (all of one float dtype): one `addmm` for a batch of vectors, whose
    backward pass is also fused, as `torch.nn.Linear` does."""
    if x.ndim == 2:
        return torch.addmm(bias, x, kernel)
    return torch.matmul(x, kernel) + bias
