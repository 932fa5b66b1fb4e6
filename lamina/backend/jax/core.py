"""JAX backend: tensors are `jax.Array`s; variables hold one and are swapped out in jit."""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import dtypes
from lamina.backend.common.convert import python_value_dtype
from lamina.backend.common.variables import Variable as _BaseVariable

# Keras semantics keep int64 and float64 when asked for; JAX truncates them unless x64 is on.
jax.config.update("jax_enable_x64", True)

IS_THREAD_SAFE = True
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False


class Variable(_BaseVariable):
    def _convert_to_tensor(self, value, dtype=None):
        return convert_to_tensor(value, dtype=dtype)

    # Lets jax functions take a Variable where they expect an array.
    def __jax_array__(self):
        return self.value


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a `jax.Array` of `dtype` (inferred as Keras does when None)."""
    if sparse:
        raise ValueError("The jax backend does not support sparse tensors here: sparse=True.")
    if ragged:
        raise ValueError("The jax backend does not support ragged tensors: received ragged=True.")
    if isinstance(x, _BaseVariable):
        x = x.value
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    if isinstance(x, (jax.Array, np.ndarray, np.generic)):
        if dtype is None or dtypes.standardize_dtype(x.dtype) == dtype:
            return jnp.asarray(x)
        return jnp.asarray(x).astype(dtypes.to_numpy_dtype(dtype))
    if dtype is None:
        dtype = python_value_dtype(x)
    if dtype is None:
        array = np.asarray(x)
        if array.dtype.kind in "OUS":
            raise TypeError(
                f"Cannot convert {x!r} to a tensor: expected numbers, received values of "
                f"dtype {array.dtype}."
            )
        return jnp.asarray(array)
    return jnp.asarray(x, dtype=dtypes.to_numpy_dtype(dtype))


def convert_to_numpy(x):
    return np.array(x)


def is_tensor(x):
    return isinstance(x, jax.Array)


def shape(x):
    return tuple(x.shape)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def dtype(x):
    return dtypes.standardize_dtype(x.dtype)


def device_scope(device_name):
    if isinstance(device_name, str):
        kind, _, index = device_name.lower().partition(":")
        kind = "cpu" if kind == "cpu" else kind
        devices = jax.devices(kind)
        device = devices[int(index or 0)]
    else:
        device = device_name
    return jax.default_device(device)


def stop_gradient(x):
    return jax.lax.stop_gradient(x)
