"""jax backend: the NumPy-like ops (elementwise part; array ops come from arrays.py).

Inputs arrive already promoted to one dtype by lamina.ops; each function computes.
"""

import jax.numpy as jnp

from lamina.backend.common import dtypes


def add(x1, x2):
    return jnp.add(x1, x2)


def subtract(x1, x2):
    return jnp.subtract(x1, x2)


def multiply(x1, x2):
    return jnp.multiply(x1, x2)


def divide(x1, x2):
    return jnp.divide(x1, x2)


def power(x1, x2):
    return jnp.power(x1, x2)


def negative(x):
    return jnp.negative(x)


def absolute(x):
    return jnp.absolute(x)


def square(x):
    return jnp.square(x)


def sqrt(x):
    return jnp.sqrt(x)


def exp(x):
    return jnp.exp(x)


def log(x):
    return jnp.log(x)


def tanh(x):
    return jnp.tanh(x)


def maximum(x1, x2):
    return jnp.maximum(x1, x2)


def minimum(x1, x2):
    return jnp.minimum(x1, x2)


def clip(x, x_min, x_max):
    dtype = x.dtype
    return jnp.clip(x, x_min, x_max).astype(dtype)


def equal(x1, x2):
    return jnp.equal(x1, x2)


def not_equal(x1, x2):
    return jnp.not_equal(x1, x2)


def less(x1, x2):
    return jnp.less(x1, x2)


def less_equal(x1, x2):
    return jnp.less_equal(x1, x2)


def greater(x1, x2):
    return jnp.greater(x1, x2)


def greater_equal(x1, x2):
    return jnp.greater_equal(x1, x2)


def logical_and(x1, x2):
    return jnp.logical_and(x1, x2)


def logical_or(x1, x2):
    return jnp.logical_or(x1, x2)


def logical_not(x):
    return jnp.logical_not(x)


def where(condition, x1, x2):
    return jnp.where(condition, x1, x2)


def nonzero(x):
    return tuple(jnp.nonzero(x))


def zeros(shape, dtype):
    return jnp.zeros(shape, dtype=dtypes.to_numpy_dtype(dtype))


def ones(shape, dtype):
    return jnp.ones(shape, dtype=dtypes.to_numpy_dtype(dtype))


def full(shape, fill_value, dtype):
    return jnp.full(shape, fill_value, dtype=dtypes.to_numpy_dtype(dtype))


from lamina.backend.jax.arrays import *  # noqa: E402,F401,F403 - the array half of the namespace
