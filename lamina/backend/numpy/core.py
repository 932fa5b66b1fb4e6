"""NumPy backend: tensors are `numpy.ndarray`s. The reference every other backend matches."""

import numpy as np

from lamina.backend.common import dtypes
from lamina.backend.common.convert import python_value_dtype
from lamina.backend.common.variables import Variable as _BaseVariable

IS_THREAD_SAFE = True
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False


class Variable(_BaseVariable):
    def _convert_to_tensor(self, value, dtype=None):
        return convert_to_tensor(value, dtype=dtype)

    def _direct_assign(self, value):
        self._value = np.array(value, copy=True)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as an `np.ndarray` of `dtype` (inferred as Keras does when None)."""
    if sparse:
        raise ValueError("The numpy backend does not support sparse tensors: received sparse=True.")
    if ragged:
        raise ValueError("The numpy backend does not support ragged tensors: received ragged=True.")
    if isinstance(x, _BaseVariable):
        x = x.value
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if isinstance(x, np.ndarray):
        if dtype is None or dtypes.standardize_dtype(x.dtype) == dtype:
            return x
        return x.astype(dtypes.to_numpy_dtype(dtype))
    if dtype is None:
        dtype = python_value_dtype(x)
    if dtype is None:
        array = np.asarray(x)
        if array.dtype.kind in "US":
            return array
        return array
    return np.asarray(x, dtype=dtypes.to_numpy_dtype(dtype))


def convert_to_numpy(x):
    return np.array(x)


def is_tensor(x):
    return isinstance(x, (np.ndarray, np.generic))


def shape(x):
    return tuple(np.shape(x))


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def dtype(x):
    return dtypes.standardize_dtype(np.asarray(x).dtype)


def device_scope(device_name):
    import contextlib

    return contextlib.nullcontext()


def stop_gradient(x):
    return x
