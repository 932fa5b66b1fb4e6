"""jax backend: math functions (segments, top-k, Fourier transforms, special functions).

Inputs arrive converted and promoted by lamina.ops.math. Everything here is differentiable
and jit-friendly; shapes depend only on static arguments.
"""

import jax
import jax.numpy as jnp
import numpy as np


def segment_reduction(
    data, segment_ids, num_segments=None, reduction="sum", sorted=False  # noqa: A002
):
    """Reduces the rows of `data` that share a segment id; ids outside the range are dropped."""
    if num_segments is None:
        if isinstance(segment_ids, jax.core.Tracer):
            raise ValueError(
                "ops.segment_" + reduction + ": `num_segments` must be given inside a compiled "
                "function (jit), where the number of segments cannot be read from "
                "`segment_ids`. Received: num_segments=None."
            )
        num_segments = int(jnp.max(segment_ids)) + 1 if segment_ids.size else 0
    reduce = {
        "sum": jax.ops.segment_sum,
        "prod": jax.ops.segment_prod,
        "max": jax.ops.segment_max,
        "min": jax.ops.segment_min,
    }[reduction]
    return reduce(data, segment_ids, num_segments, indices_are_sorted=sorted)


def top_k(x, k, sorted=True):  # noqa: A002
    values, indices = jax.lax.top_k(x, k)
    return values, indices.astype("int32")


def in_top_k(targets, predictions, k):
    at_target = jnp.take_along_axis(predictions, targets[..., None], axis=-1)
    at_target = jnp.where(jnp.isnan(at_target), -jnp.inf, at_target)
    rank = 1 + jnp.sum(predictions > at_target, axis=-1)
    return rank <= k


def logsumexp(x, axis=None, keepdims=False):
    return jax.scipy.special.logsumexp(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def extract_sequences(x, sequence_length, sequence_stride):
    num_sequences = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    starts = np.arange(num_sequences) * sequence_stride
    index = starts[:, None] + np.arange(sequence_length)[None, :]
    return x[..., index]


def overlap_add(frames, sequence_stride):
    *batch, num_sequences, length = frames.shape
    index = (np.arange(num_sequences) * sequence_stride)[:, None] + np.arange(length)[None, :]
    output = jnp.zeros((*batch, (num_sequences - 1) * sequence_stride + length), frames.dtype)
    return output.at[..., index].add(frames)


def fft(real, imag, ndim=1, inverse=False):
    axes = tuple(range(-ndim, 0))
    transform = jnp.fft.ifftn if inverse else jnp.fft.fftn
    out = transform(jax.lax.complex(real, imag), axes=axes)
    return jnp.real(out).astype(real.dtype), jnp.imag(out).astype(real.dtype)


def rfft(x, fft_length=None):
    out = jnp.fft.rfft(x, n=fft_length, axis=-1)
    return jnp.real(out).astype(x.dtype), jnp.imag(out).astype(x.dtype)


def irfft(real, imag, fft_length=None):
    return jnp.fft.irfft(jax.lax.complex(real, imag), n=fft_length, axis=-1).astype(real.dtype)


def rsqrt(x):
    return jax.lax.rsqrt(x)


def erf(x):
    return jax.lax.erf(x)


def erfc(x):
    return jax.lax.erfc(x)


def erfinv(x):
    return jax.lax.erf_inv(x)


def gammainc(x1, x2):
    return jax.scipy.special.gammainc(x1, x2).astype(x1.dtype)


def logdet(x):
    return jnp.linalg.slogdet(x)[1].astype(x.dtype)
