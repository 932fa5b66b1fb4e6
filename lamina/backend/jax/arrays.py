"""jax backend: the NumPy-like ops (array part: reductions, shapes, joining, products)."""

import jax.numpy as jnp


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def mean(x, axis=None, keepdims=False):
    return jnp.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return jnp.max(x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return jnp.min(x, axis=axis, keepdims=keepdims, initial=initial)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.all(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.any(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


def reshape(x, newshape):
    return jnp.reshape(x, newshape)


def transpose(x, axes=None):
    return jnp.transpose(x, axes)


def expand_dims(x, axis):
    return jnp.expand_dims(x, axis)


def squeeze(x, axis=None):
    return jnp.squeeze(x, axis=axis)


def concatenate(xs, axis=0):
    return jnp.concatenate(xs, axis=axis)


def stack(x, axis=0):
    return jnp.stack(x, axis=axis)


def matmul(x1, x2):
    return jnp.matmul(x1, x2)
