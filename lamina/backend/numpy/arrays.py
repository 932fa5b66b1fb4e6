"""numpy backend: the NumPy-like ops (array part: reductions, shapes, joining, products)."""

import numpy as np


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return np.max(x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return np.min(x, axis=axis, keepdims=keepdims, initial=initial)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return np.all(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return np.any(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return np.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


def argmin(x, axis=None, keepdims=False):
    return np.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


def reshape(x, newshape):
    return np.reshape(x, newshape)


def transpose(x, axes=None):
    return np.transpose(x, axes)


def expand_dims(x, axis):
    return np.expand_dims(x, axis)


def squeeze(x, axis=None):
    return np.squeeze(x, axis=axis)


def concatenate(xs, axis=0):
    return np.concatenate(xs, axis=axis)


def stack(x, axis=0):
    return np.stack(x, axis=axis)


def matmul(x1, x2):
    return np.matmul(x1, x2)
