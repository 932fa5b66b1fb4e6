"""numpy backend: math functions (segments, top-k, Fourier transforms, special functions).

Inputs arrive converted and promoted by lamina.ops.math; each function computes in plain
NumPy (SciPy for the special functions) and returns arrays of the input's dtype.
"""

import numpy as np


def _reduction_identity(reduction, dtype):
    """The value an empty segment holds: the identity of the reduction in `dtype`."""
    if reduction == "sum":
        return 0
    if reduction == "prod":
        return 1
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return info.min if reduction == "max" else info.max
    if dtype == np.bool_:
        return reduction == "min"
    return -np.inf if reduction == "max" else np.inf


def segment_reduction(
    data, segment_ids, num_segments=None, reduction="sum", sorted=False  # noqa: A002
):
    """Reduces the rows of `data` that share a segment id; ids outside the range are dropped."""
    if num_segments is None:
        num_segments = int(np.max(segment_ids)) + 1 if segment_ids.size else 0
    ufunc = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]
    result = np.full(
        (num_segments,) + data.shape[1:], _reduction_identity(reduction, data.dtype), data.dtype
    )
    valid = (segment_ids >= 0) & (segment_ids < num_segments)
    ufunc.at(result, segment_ids[valid], data[valid])
    return result


def top_k(x, k, sorted=True):  # noqa: A002
    """The `k` largest entries along the last axis, ties broken by the lower index; NaN is
    the largest value."""
    # A stable ascending sort of the reversed axis, read backwards, orders by value descending
    # and, among equal values, by index ascending.
    n = x.shape[-1]
    order = np.argsort(np.flip(x, axis=-1), axis=-1, kind="stable")[..., ::-1]
    indices = (n - 1 - order)[..., :k]
    return np.take_along_axis(x, indices, axis=-1), indices.astype("int32")


def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest of its row (NaN never is)."""
    at_target = np.take_along_axis(predictions, targets[..., None].astype(np.intp), axis=-1)
    at_target = np.where(np.isnan(at_target), -np.inf, at_target)
    rank = 1 + np.sum(predictions > at_target, axis=-1)
    return rank <= k


def logsumexp(x, axis=None, keepdims=False):
    import scipy.special

    return np.asarray(scipy.special.logsumexp(x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` along the last axis, one every `sequence_stride`."""
    num_sequences = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    starts = np.arange(num_sequences) * sequence_stride
    index = starts[:, None] + np.arange(sequence_length)[None, :]
    return x[..., index]


def overlap_add(frames, sequence_stride):
    """Sums frames `(..., num_sequences, length)` placed `sequence_stride` apart."""
    *batch, num_sequences, length = frames.shape
    output = np.zeros((*batch, (num_sequences - 1) * sequence_stride + length), frames.dtype)
    for i in range(num_sequences):
        output[..., i * sequence_stride : i * sequence_stride + length] += frames[..., i, :]
    return output


def fft(real, imag, ndim=1, inverse=False):
    """The (inverse) discrete Fourier transform over the last `ndim` axes, as (real, imag)."""
    axes = tuple(range(-ndim, 0))
    transform = np.fft.ifftn if inverse else np.fft.fftn
    out = transform(real + 1j * imag.astype(real.dtype), axes=axes)
    return np.real(out).astype(real.dtype), np.imag(out).astype(real.dtype)


def rfft(x, fft_length=None):
    out = np.fft.rfft(x, n=fft_length, axis=-1)
    return np.real(out).astype(x.dtype), np.imag(out).astype(x.dtype)


def irfft(real, imag, fft_length=None):
    return np.fft.irfft(real + 1j * imag, n=fft_length, axis=-1).astype(real.dtype)


def rsqrt(x):
    return (1 / np.sqrt(x)).astype(x.dtype)


def erf(x):
    import scipy.special

    return scipy.special.erf(x).astype(x.dtype)


def erfc(x):
    import scipy.special

    return scipy.special.erfc(x).astype(x.dtype)


def erfinv(x):
    import scipy.special

    return scipy.special.erfinv(x).astype(x.dtype)


def gammainc(x1, x2):
    import scipy.special

    return scipy.special.gammainc(x1, x2).astype(x1.dtype)


def logdet(x):
    """`log(|det(x)|)` of (batches of) square matrices, computed stably."""
    return np.linalg.slogdet(x)[1].astype(x.dtype)
