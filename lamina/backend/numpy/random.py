"""numpy backend: random functions.

Each takes `seed`, a `(2,)` uint32 tensor drawn by `lamina.random` (from an int, a
`SeedGenerator` or the global one), and samples from `numpy.random.default_rng(seed)`, so that
the same seed gives the same numbers, as the NumPy backend of Keras 3 does.
"""

import math

import numpy as np

from lamina.backend.common import dtypes


def _rng(seed):
    return np.random.default_rng(np.asarray(seed))


def _np_dtype(dtype):
    return dtypes.to_numpy_dtype(dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    sample = _rng(seed).normal(size=shape, loc=mean, scale=stddev)
    return sample.astype(_np_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    sample = _rng(seed).uniform(size=shape, low=minval, high=maxval)
    return sample.astype(_np_dtype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    rng = _rng(seed)
    rows = []
    for row in np.asarray(logits, dtype=np.float64):
        probabilities = np.exp(row - np.max(row))
        probabilities /= probabilities.sum()
        rows.append(rng.choice(row.shape[-1], size=num_samples, p=probabilities))
    return np.array(rows, dtype=_np_dtype(dtype)).reshape(len(rows), num_samples)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return _rng(seed).integers(low=minval, high=maxval, size=shape, dtype=_np_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    # Normal draws, keeping those within two standard deviations of the mean, until enough.
    rng = _rng(seed)
    size = math.prod(shape)
    kept = np.empty(0)
    while kept.shape[0] < size:
        batch = rng.normal(loc=mean, scale=stddev, size=size)
        inside = (batch >= mean - 2 * stddev) & (batch <= mean + 2 * stddev)
        kept = np.append(kept, batch[inside])
    return kept[:size].astype(_np_dtype(dtype)).reshape(shape)


def dropout(inputs, rate, noise_shape=None, seed=None):
    keep_prob = 1.0 - rate
    noise_shape = inputs.shape if noise_shape is None else tuple(noise_shape)
    mask = _rng(seed).uniform(size=noise_shape) < keep_prob
    mask = np.broadcast_to(mask, inputs.shape)
    return np.where(mask, (inputs / keep_prob).astype(inputs.dtype), np.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    # Each 1-D slice along `axis` is permuted independently, as in Keras' numpy and jax.
    return _rng(seed).permuted(x, axis=axis)


def gamma(shape, alpha, dtype=None, seed=None):
    return _rng(seed).gamma(alpha, scale=1.0, size=shape).astype(_np_dtype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    sample = _rng(seed).binomial(n=counts, p=probabilities, size=shape)
    return sample.astype(_np_dtype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    return _rng(seed).beta(a=alpha, b=beta, size=shape).astype(_np_dtype(dtype))
