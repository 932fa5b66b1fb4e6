"""numpy backend: the NumPy-like ops (elementwise part; array ops come from arrays.py).

Inputs arrive already promoted to one dtype by lamina.ops; each function computes.
"""

import numpy as np

from lamina.backend.common import dtypes


def add(x1, x2):
    return np.add(x1, x2)


def subtract(x1, x2):
    return np.subtract(x1, x2)


def multiply(x1, x2):
    return np.multiply(x1, x2)


def divide(x1, x2):
    return np.divide(x1, x2)


def power(x1, x2):
    return np.power(x1, x2)


def negative(x):
    return np.negative(x)


def absolute(x):
    return np.absolute(x)


def square(x):
    return np.square(x)


def sqrt(x):
    return np.sqrt(x)


def exp(x):
    return np.exp(x)


def log(x):
    return np.log(x)


def tanh(x):
    return np.tanh(x)


def maximum(x1, x2):
    return np.maximum(x1, x2)


def minimum(x1, x2):
    return np.minimum(x1, x2)


def clip(x, x_min, x_max):
    dtype = x.dtype
    return np.clip(x, x_min, x_max).astype(dtype)


def equal(x1, x2):
    return np.equal(x1, x2)


def not_equal(x1, x2):
    return np.not_equal(x1, x2)


def less(x1, x2):
    return np.less(x1, x2)


def less_equal(x1, x2):
    return np.less_equal(x1, x2)


def greater(x1, x2):
    return np.greater(x1, x2)


def greater_equal(x1, x2):
    return np.greater_equal(x1, x2)


def logical_and(x1, x2):
    return np.logical_and(x1, x2)


def logical_or(x1, x2):
    return np.logical_or(x1, x2)


def logical_not(x):
    return np.logical_not(x)


def where(condition, x1, x2):
    return np.where(condition, x1, x2)


def nonzero(x):
    return tuple(np.nonzero(x))


def zeros(shape, dtype):
    return np.zeros(shape, dtype=dtypes.to_numpy_dtype(dtype))


def ones(shape, dtype):
    return np.ones(shape, dtype=dtypes.to_numpy_dtype(dtype))


def full(shape, fill_value, dtype):
    return np.full(shape, fill_value, dtype=dtypes.to_numpy_dtype(dtype))


from lamina.backend.numpy.arrays import *  # noqa: E402,F401,F403 - the array half of the namespace
