"""Reusable shape/dtype rules for ops: each takes an op's arguments, returns KerasTensor(s).

A rule never runs a backend. It reads shapes and dtypes with `shape_of` / `dtype_of` (which
accept symbolic tensors, arrays and Python numbers alike) and raises a ValueError that names
the op when the inputs cannot work together.
"""

from lamina.backend.common import dtypes
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.ops.operation import broadcast_shapes, canonical_axis, reduce_shape


def shape_of(x):
    from lamina.ops.operation import shape_of as _shape_of

    return _shape_of(x)


def dtype_of(x, weak=True):
    return dtypes.dtype_of_value(x, weak=weak)


def unary_same(x, *args, **kwargs):
    """Same shape and dtype as `x` (negative, abs of real, round, ...)."""
    return KerasTensor(shape_of(x), dtype_of(x, weak=False))


def unary_float(x, *args, **kwargs):
    """Same shape as `x`; ints and bools become floatx (sin, exp, sqrt, ...)."""
    return KerasTensor(shape_of(x), dtypes.float_result(dtype_of(x, weak=False)))


def unary_bool(x, *args, **kwargs):
    """Same shape as `x`, dtype bool (isnan, logical_not, ...)."""
    return KerasTensor(shape_of(x), "bool")


def binary_promote(x1, x2, *args, **kwargs):
    """Broadcast shape, promoted dtype (add, multiply, maximum, ...)."""
    return KerasTensor(
        broadcast_shapes(shape_of(x1), shape_of(x2)), dtypes.result_type(dtype_of(x1), dtype_of(x2))
    )


def binary_float(x1, x2, *args, **kwargs):
    """Broadcast shape, promoted dtype made floating (true_divide, arctan2, ...)."""
    dtype = dtypes.result_type(dtype_of(x1), dtype_of(x2))
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), dtypes.float_result(dtype))


def binary_bool(x1, x2, *args, **kwargs):
    """Broadcast shape, dtype bool (equal, less, logical_and, ...)."""
    return KerasTensor(broadcast_shapes(shape_of(x1), shape_of(x2)), "bool")


def reduction(x, axis=None, keepdims=False, **kwargs):
    """Reduced shape, same dtype (max, min, ...)."""
    return KerasTensor(reduce_shape(shape_of(x), axis, keepdims), dtype_of(x, weak=False))


def reduction_float(x, axis=None, keepdims=False, **kwargs):
    """Reduced shape, float dtype (mean, std, var)."""
    return KerasTensor(
        reduce_shape(shape_of(x), axis, keepdims), dtypes.float_result(dtype_of(x, weak=False))
    )


def reduction_sum(x, axis=None, keepdims=False, **kwargs):
    """Reduced shape; bool and small ints accumulate in int32 as in Keras (sum, prod)."""
    dtype = dtype_of(x, weak=False)
    if dtype in ("bool", "int8", "int16"):
        dtype = "int32"
    elif dtype in ("uint8", "uint16"):
        dtype = "uint32"
    return KerasTensor(reduce_shape(shape_of(x), axis, keepdims), dtype)


def reduction_bool(x, axis=None, keepdims=False, **kwargs):
    """Reduced shape, bool (all, any)."""
    return KerasTensor(reduce_shape(shape_of(x), axis, keepdims), "bool")


def arg_reduction(x, axis=None, keepdims=False, **kwargs):
    """Reduced shape, int32 indices (argmax, argmin)."""
    return KerasTensor(reduce_shape(shape_of(x), axis, keepdims), "int32")


__all__ = [
    "KerasTensor",
    "arg_reduction",
    "binary_bool",
    "binary_float",
    "binary_promote",
    "broadcast_shapes",
    "canonical_axis",
    "dtype_of",
    "reduce_shape",
    "reduction",
    "reduction_bool",
    "reduction_float",
    "reduction_sum",
    "shape_of",
    "unary_bool",
    "unary_float",
    "unary_same",
]
