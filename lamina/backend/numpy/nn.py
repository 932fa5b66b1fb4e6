"""numpy backend: neural-network ops, written for clarity (this is the reference)."""

import numpy as np

from lamina.backend.common import dtypes


def relu(x):
    return np.maximum(x, np.zeros((), x.dtype))


def sigmoid(x):
    # Split by sign so that exp never overflows.
    positive = x >= 0
    z = np.exp(-np.abs(x))
    return np.where(positive, 1 / (1 + z), z / (1 + z)).astype(x.dtype)


def softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return (e / np.sum(e, axis=axis, keepdims=True)).astype(x.dtype)


def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return (shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))).astype(x.dtype)


def one_hot(x, num_classes, axis=-1, dtype="float32"):
    out = (x[..., None] == np.arange(num_classes)).astype(dtypes.to_numpy_dtype(dtype))
    if axis != -1:
        out = np.moveaxis(out, -1, axis)
    return out
