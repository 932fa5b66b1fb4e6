"""jax backend: neural-network ops."""

import jax
import jax.numpy as jnp

from lamina.backend.common import dtypes


def relu(x):
    return jax.nn.relu(x)


def sigmoid(x):
    return jax.nn.sigmoid(x)


def softmax(x, axis=-1):
    return jax.nn.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return jax.nn.log_softmax(x, axis=axis)


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    return jax.nn.one_hot(x, num_classes, axis=axis, dtype=dtypes.to_numpy_dtype(dtype))
