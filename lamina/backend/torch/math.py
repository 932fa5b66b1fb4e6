"""torch backend: math functions (segments, top-k, Fourier transforms, special functions).

Inputs arrive converted and promoted by lamina.ops.math. Everything here is differentiable
except where noted; `gammainc` runs torch.special on float32/64 only.
"""

import warnings

import torch

from lamina.backend.torch.core import _widen_unsigned


def _reduction_identity(reduction, dtype):
    if reduction == "sum":
        return 0
    if reduction == "prod":
        return 1
    if dtype == torch.bool:
        return reduction == "min"
    if not dtype.is_floating_point:
        info = torch.iinfo(dtype)
        return info.min if reduction == "max" else info.max
    return -float("inf") if reduction == "max" else float("inf")


@_widen_unsigned
def segment_reduction(
    data, segment_ids, num_segments=None, reduction="sum", sorted=False  # noqa: A002
):
    """Reduces the rows of `data` that share a segment id; ids outside the range are dropped."""
    segment_ids = segment_ids.to(torch.int64)
    if num_segments is None:
        num_segments = int(segment_ids.max()) + 1 if segment_ids.numel() else 0
    num_segments = int(num_segments)
    valid = (segment_ids >= 0) & (segment_ids < num_segments)
    # Invalid rows go to an extra segment that is dropped at the end.
    index = torch.where(valid, segment_ids, torch.full_like(segment_ids, num_segments))
    compute = data.to(torch.uint8) if data.dtype == torch.bool else data
    result = torch.full((num_segments + 1,) + tuple(data.shape[1:]),
                        _reduction_identity(reduction, data.dtype), dtype=compute.dtype,
                        device=data.device)
    if reduction == "sum":
        out = result.index_add(0, index, compute)
    else:
        reduce = {"prod": "prod", "max": "amax", "min": "amin"}[reduction]
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="index_reduce.. is in beta")
            out = result.index_reduce(0, index, compute, reduce, include_self=True)
    out = out[:num_segments]
    return out.to(torch.bool) if data.dtype == torch.bool else out


def top_k(x, k, sorted=True):  # noqa: A002
    # A stable descending sort orders equal values by index ascending; NaN is the largest.
    order = torch.argsort(x, dim=-1, descending=True, stable=True)[..., :k]
    return torch.gather(x, -1, order), order.to(torch.int32)


def in_top_k(targets, predictions, k):
    at_target = torch.gather(predictions, -1, targets.to(torch.int64)[..., None])
    at_target = torch.where(torch.isnan(at_target),
                            torch.full_like(at_target, -float("inf")), at_target)
    rank = 1 + torch.sum(predictions > at_target, dim=-1)
    return rank <= k


def logsumexp(x, axis=None, keepdims=False):
    dims = tuple(range(x.ndim)) if axis is None else (
        tuple(axis) if isinstance(axis, (list, tuple)) else (axis,))
    if x.ndim == 0:
        return x
    return torch.logsumexp(x, dim=dims, keepdim=keepdims).to(x.dtype)


def extract_sequences(x, sequence_length, sequence_stride):
    num_sequences = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    starts = torch.arange(num_sequences, device=x.device) * sequence_stride
    index = starts[:, None] + torch.arange(sequence_length, device=x.device)[None, :]
    return x[..., index]


def overlap_add(frames, sequence_stride):
    *batch, num_sequences, length = frames.shape
    output = torch.zeros((*batch, (num_sequences - 1) * sequence_stride + length),
                         dtype=frames.dtype, device=frames.device)
    index = (torch.arange(num_sequences, device=frames.device) * sequence_stride)[:, None] \
        + torch.arange(length, device=frames.device)[None, :]
    flat_frames = frames.reshape(*batch, num_sequences * length)
    return output.index_add(-1, index.reshape(-1), flat_frames)


def fft(real, imag, ndim=1, inverse=False):
    if real.numel() == 0:  # (MKL refuses empty transforms)
        return torch.zeros_like(real), torch.zeros_like(real)
    dims = tuple(range(-ndim, 0))
    transform = torch.fft.ifftn if inverse else torch.fft.fftn
    out = transform(torch.complex(real, imag.to(real.dtype)), dim=dims)
    return out.real.to(real.dtype), out.imag.to(real.dtype)


def rfft(x, fft_length=None):
    if x.numel() == 0:
        n = x.shape[-1] if fft_length is None else fft_length
        empty = torch.zeros(tuple(x.shape[:-1]) + (n // 2 + 1,), dtype=x.dtype, device=x.device)
        return empty, empty.clone()
    out = torch.fft.rfft(x, n=fft_length, dim=-1)
    return out.real.to(x.dtype), out.imag.to(x.dtype)


def irfft(real, imag, fft_length=None):
    if real.numel() == 0:
        n = 2 * (real.shape[-1] - 1) if fft_length is None else fft_length
        return torch.zeros(tuple(real.shape[:-1]) + (n,), dtype=real.dtype, device=real.device)
    return torch.fft.irfft(torch.complex(real, imag), n=fft_length, dim=-1).to(real.dtype)


def rsqrt(x):
    return torch.rsqrt(x)


def erf(x):
    return torch.special.erf(x)


def erfc(x):
    return torch.special.erfc(x)


def erfinv(x):
    return torch.special.erfinv(x)


def gammainc(x1, x2):
    return torch.special.gammainc(x1, x2).to(x1.dtype)


def logdet(x):
    return torch.linalg.slogdet(x)[1].to(x.dtype)
