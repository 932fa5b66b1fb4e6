"""jax backend: random functions.

Each takes `seed`, a `(2,)` uint32 tensor drawn by `lamina.random`, and uses it as a raw
`jax.random` key: the same seed gives the same numbers as the JAX backend of Keras 3, and a
traced seed (from a SeedGenerator inside jit) works. The samplers are compiled once per
shape and dtype: run op by op, the rejection loops of gamma/beta/binomial take seconds.
"""

import functools

import jax
import jax.numpy as jnp

from lamina.backend.common import dtypes


def _compiled(*static):
    return functools.partial(jax.jit, static_argnames=static)


@_compiled("shape", "dtype")
def _normal(seed, shape, dtype):
    return jax.random.normal(seed, shape=shape, dtype=dtype)


@_compiled("shape", "dtype")
def _uniform(seed, minval, maxval, shape, dtype):
    return jax.random.uniform(seed, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


@_compiled("num_samples", "dtype")
def _categorical(seed, logits, num_samples, dtype):
    # The trailing axis makes each row one distribution broadcast over `num_samples` draws.
    shape = (logits.shape[0], num_samples)
    output = jax.random.categorical(seed, logits[..., None], shape=shape, axis=1)
    return output.astype(dtype)


@_compiled("shape", "dtype")
def _randint(seed, minval, maxval, shape, dtype):
    return jax.random.randint(seed, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


@_compiled("shape", "dtype")
def _truncated_normal(seed, shape, dtype):
    return jax.random.truncated_normal(seed, shape=shape, lower=-2.0, upper=2.0, dtype=dtype)


@_compiled("noise_shape")
def _dropout(seed, inputs, keep_prob, noise_shape):
    mask = jax.random.bernoulli(seed, p=keep_prob, shape=noise_shape)
    mask = jnp.broadcast_to(mask, inputs.shape)
    kept = (inputs / keep_prob.astype(inputs.dtype)).astype(inputs.dtype)
    return jax.lax.select(mask, kept, jnp.zeros_like(inputs))


@_compiled("axis")
def _shuffle(seed, x, axis):
    # Each 1-D slice along `axis` is permuted independently, as in Keras' numpy and jax.
    return jax.random.permutation(seed, x, axis, independent=True)


@_compiled("shape", "dtype")
def _gamma(seed, alpha, shape, dtype):
    return jax.random.gamma(seed, alpha, shape=shape, dtype=dtype)


@_compiled("shape", "dtype")
def _binomial(seed, counts, probabilities, shape, dtype):
    return jax.random.binomial(seed, counts, probabilities, shape=shape, dtype=dtype)


@_compiled("shape", "dtype")
def _beta(seed, alpha, beta, shape, dtype):
    return jax.random.beta(seed, alpha, beta, shape=shape, dtype=dtype)


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _normal(seed, tuple(shape), dtype) * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    minval, maxval = jnp.asarray(minval, dtype=dtype), jnp.asarray(maxval, dtype=dtype)
    return _uniform(seed, minval, maxval, tuple(shape), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    return _categorical(seed, logits, num_samples, dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return _randint(seed, minval, maxval, tuple(shape), dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _truncated_normal(seed, tuple(shape), dtype) * stddev + mean


def dropout(inputs, rate, noise_shape=None, seed=None):
    noise_shape = tuple(inputs.shape) if noise_shape is None else tuple(noise_shape)
    # A float32 probability, as a Python float is in Keras (the mask's draws depend on it).
    keep_prob = jnp.asarray(1.0 - rate, dtype="float32")
    return _dropout(seed, inputs, keep_prob, noise_shape)


def shuffle(x, axis=0, seed=None):
    return _shuffle(seed, x, axis)


def gamma(shape, alpha, dtype=None, seed=None):
    # Parameters in the sample's dtype: with 64-bit mode on, Python numbers would become
    # 64-bit and change the draws (Keras' JAX backend runs without 64-bit mode).
    return _gamma(seed, jnp.asarray(alpha, dtype=dtype), tuple(shape), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    sample_dtype = dtype if dtypes.is_float_dtype(dtype) else "float32"
    counts = jnp.asarray(counts, dtype=sample_dtype)
    probabilities = jnp.asarray(probabilities, dtype=sample_dtype)
    sample = _binomial(seed, counts, probabilities, tuple(shape), sample_dtype)
    return sample.astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    alpha, beta = jnp.asarray(alpha, dtype=dtype), jnp.asarray(beta, dtype=dtype)
    return _beta(seed, alpha, beta, tuple(shape), dtype)
