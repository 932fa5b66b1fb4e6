"""Core ops: tensor conversion, casting, shapes, gradients stopping, control flow.

Public as `lamina.ops.<name>`.
"""


from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.backend.common.keras_tensor import KerasTensor, is_keras_tensor
from lamina.ops import rules
from lamina.ops.operation import op


@export("lamina.ops.convert_to_tensor")
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` (array, list, scalar, variable) as a tensor of the active backend.

    Example:
    >>> ops.convert_to_tensor([1.0, 2.0])
    """
    return active.core.convert_to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


@export("lamina.ops.convert_to_numpy")
def convert_to_numpy(x):
    """`x` as a NumPy array (copied from the device when needed)."""
    if is_keras_tensor(x):
        raise ValueError(
            "A symbolic tensor cannot be converted to NumPy: it holds no data. Call the model "
            "on real inputs first."
        )
    return active.core.convert_to_numpy(x)


@export("lamina.ops.is_tensor")
def is_tensor(x):
    """Whether `x` is a tensor of the active backend (not a NumPy array)."""
    return active.core.is_tensor(x)


@export("lamina.ops.shape")
def shape(x):
    """The shape of `x` as a tuple (None for unknown dims of a symbolic tensor)."""
    if is_keras_tensor(x):
        return x.shape
    return active.core.shape(x)


@export("lamina.ops.dtype")
def dtype(x):
    """The dtype name of `x`."""
    return dtypes.dtype_of_value(x, weak=False)


def _cast_rule(x, dtype):
    return KerasTensor(rules.shape_of(x), dtypes.standardize_dtype(dtype))


@export("lamina.ops.cast")
@op(_cast_rule)
def cast(x, dtype):
    """`x` converted to `dtype`."""
    return active.core.cast(x, dtypes.standardize_dtype(dtype))


@export("lamina.ops.stop_gradient")
@op(rules.unary_same)
def stop_gradient(variable):
    """`variable`'s value, through which no gradient flows."""
    return active.core.stop_gradient(variable)


