"""Shared helpers of the preprocessing layers: categorical encodings and host-side inputs."""

import numpy as np

from lamina import ops
from lamina.backend import active


def check_output_mode(layer_name, output_mode, allowed):
    """Returns `output_mode` with Keras' old spellings mapped, or raises a ValueError."""
    if output_mode == "binary":
        output_mode = "multi_hot"
    if output_mode == "tf-idf":
        output_mode = "tf_idf"
    if output_mode not in allowed:
        raise ValueError(
            f"{layer_name}: invalid value for argument `output_mode`. Expected one of "
            f"{allowed}. Received: output_mode={output_mode!r}"
        )
    return output_mode


def encode_categorical(inputs, output_mode, depth, dtype, count_weights=None):
    """Encodes integer ids as "int" (cast), "one_hot", "multi_hot" or "count" vectors.

    Ids outside `[0, depth)` encode as zeros. A trailing axis of size 1 is dropped before a
    one-hot encoding; multi-hot and count encodings reduce the last input axis.
    """
    if output_mode == "int":
        return ops.cast(inputs, dtype)
    if len(inputs.shape) == 0:
        inputs = ops.expand_dims(inputs, -1)
    if output_mode == "one_hot":
        if len(inputs.shape) > 1 and inputs.shape[-1] == 1:
            inputs = ops.squeeze(inputs, -1)
        return ops.one_hot(inputs, depth, dtype=dtype)
    if output_mode == "multi_hot":
        return ops.multi_hot(inputs, depth, dtype=dtype)
    if output_mode == "count":
        if count_weights is not None:
            dtype = count_weights.dtype
        encoded = ops.one_hot(inputs, depth, dtype=dtype)
        if count_weights is not None:
            encoded = ops.multiply(encoded, ops.expand_dims(count_weights, -1))
        return ops.sum(encoded, axis=-2)
    raise ValueError(f"Unknown output_mode {output_mode!r}.")


def encoded_shape(input_shape, output_mode, depth):
    """The output shape of `encode_categorical` for an input shape."""
    input_shape = tuple(input_shape)
    if output_mode == "int":
        return input_shape
    if len(input_shape) == 0:
        return (depth,)
    if output_mode == "one_hot":
        if len(input_shape) > 1 and input_shape[-1] == 1:
            return input_shape[:-1] + (depth,)
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def to_host(x):
    """`x` (array, tensor, list, str) as a NumPy array; text as a `str` array."""
    if isinstance(x, np.ndarray):
        array = x
    elif active.core.is_tensor(x):
        array = np.asarray(ops.convert_to_numpy(x))
    else:
        array = np.asarray(x)
    if array.dtype.kind == "S":
        return np.char.decode(array, "utf-8")
    if array.dtype.kind == "O" and array.size:
        flat = [v.decode("utf-8") if isinstance(v, bytes) else v for v in array.reshape(-1)]
        if all(isinstance(v, str) for v in flat):
            return np.asarray(flat, dtype=str).reshape(array.shape)
    return array


class HostInputsMixin:
    """For layers that accept text: eager inputs reach `call` as given (NumPy arrays, lists),
    not converted to backend tensors, which cannot hold strings."""

    def _autocast_inputs(self, x):
        return x
