"""jax backend: random functions.

Each takes `seed`, a `(2,)` uint32 tensor drawn by `lamina.random`, and uses it as a raw
`jax.random` key: the same seed gives the same numbers as the JAX backend of Keras 3, and a
traced seed (from a SeedGenerator inside jit) works.
"""

import jax
import jax.numpy as jnp

from lamina.backend.common import dtypes


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    sample = jax.random.normal(seed, shape=shape, dtype=dtype)
    return sample * stddev + mean


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return jax.random.uniform(seed, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


def categorical(logits, num_samples, dtype="int32", seed=None):
    # The trailing axis makes each row one distribution broadcast over `num_samples` draws.
    shape = (logits.shape[0], num_samples)
    output = jax.random.categorical(seed, logits[..., None], shape=shape, axis=1)
    return output.astype(dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    return jax.random.randint(seed, shape=shape, dtype=dtype, minval=minval, maxval=maxval)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    sample = jax.random.truncated_normal(seed, shape=shape, lower=-2.0, upper=2.0, dtype=dtype)
    return sample * stddev + mean


def dropout(inputs, rate, noise_shape=None, seed=None):
    keep_prob = 1.0 - rate
    noise_shape = inputs.shape if noise_shape is None else tuple(noise_shape)
    mask = jax.random.bernoulli(seed, p=keep_prob, shape=noise_shape)
    mask = jnp.broadcast_to(mask, inputs.shape)
    kept = (inputs / keep_prob).astype(inputs.dtype)
    return jax.lax.select(mask, kept, jnp.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    # Each 1-D slice along `axis` is permuted independently, as in Keras' numpy and jax.
    return jax.random.permutation(seed, x, axis, independent=True)


def gamma(shape, alpha, dtype=None, seed=None):
    return jax.random.gamma(seed, jnp.asarray(alpha, dtype=dtype), shape=shape, dtype=dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    # Parameters in the sample's float dtype: with 64-bit mode on, Python numbers would become
    # 64-bit here and change the draws (Keras' JAX backend runs without 64-bit mode).
    sample_dtype = dtype if dtypes.is_float_dtype(dtype) else "float32"
    counts = jnp.asarray(counts, dtype=sample_dtype)
    probabilities = jnp.asarray(probabilities, dtype=sample_dtype)
    sample = jax.random.binomial(seed, counts, probabilities, shape=shape, dtype=sample_dtype)
    return sample.astype(dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):
    alpha, beta = jnp.asarray(alpha, dtype=dtype), jnp.asarray(beta, dtype=dtype)
    return jax.random.beta(seed, alpha, beta, shape=shape, dtype=dtype)
