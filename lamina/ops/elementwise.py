"""Elementwise ops of the NumPy-like namespace: arithmetic, comparison, logic, math
functions, and creation of arrays. Public as `lamina.ops.<name>` and `lamina.ops.numpy.<name>`.

Each compute function promotes its inputs with Keras' rules, then calls the backend, whose
function of the same name receives tensors of one dtype.
"""

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import op, promote, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.numpy.{name}")


# -- arithmetic -----------------------------------------------------------------------------


@_public("add")
@op(rules.binary_promote)
def add(x1, x2):
    """Adds two tensors elementwise, broadcasting.

    Args:
        x1: first tensor.
        x2: second tensor.

    Returns:
        `x1 + x2`, of their promoted dtype.

    Example:
    >>> ops.add([1, 2], [3, 4])
    """
    return active.numpy.add(*promote(x1, x2))


@_public("subtract")
@op(rules.binary_promote)
def subtract(x1, x2):
    """`x1 - x2` elementwise, broadcasting."""
    return active.numpy.subtract(*promote(x1, x2))


@_public("multiply")
@op(rules.binary_promote)
def multiply(x1, x2):
    """`x1 * x2` elementwise, broadcasting."""
    return active.numpy.multiply(*promote(x1, x2))


@_public("divide")
@op(rules.binary_float)
def divide(x1, x2):
    """`x1 / x2` elementwise; integer inputs give floats."""
    return active.numpy.divide(*promote_float(x1, x2))


@_public("true_divide")
@op(rules.binary_float)
def true_divide(x1, x2):
    """Same as `divide`."""
    return active.numpy.divide(*promote_float(x1, x2))


@_public("power")
@op(rules.binary_promote)
def power(x1, x2):
    """`x1 ** x2` elementwise."""
    return active.numpy.power(*promote(x1, x2))


@_public("negative")
@op(rules.unary_same)
def negative(x):
    """`-x` elementwise."""
    return active.numpy.negative(to_tensor(x))


@_public("absolute")
@op(rules.unary_same)
def absolute(x):
    """`|x|` elementwise."""
    return active.numpy.absolute(to_tensor(x))


@_public("abs")
@op(rules.unary_same)
def abs(x):  # noqa: A001 - Keras' public name
    """Same as `absolute`."""
    return active.numpy.absolute(to_tensor(x))


@_public("square")
@op(rules.unary_same)
def square(x):
    """`x * x` elementwise (bools become int32)."""
    x = to_tensor(x)
    if dtypes.standardize_dtype(x.dtype) == "bool":
        x = to_tensor(x, "int32")
    return active.numpy.square(x)


@_public("sqrt")
@op(rules.unary_float)
def sqrt(x):
    """Square root elementwise; ints give floats."""
    return active.numpy.sqrt(*promote_float(x))


@_public("exp")
@op(rules.unary_float)
def exp(x):
    """`e ** x` elementwise."""
    return active.numpy.exp(*promote_float(x))


@_public("log")
@op(rules.unary_float)
def log(x):
    """Natural logarithm elementwise."""
    return active.numpy.log(*promote_float(x))


@_public("tanh")
@op(rules.unary_float)
def tanh(x):
    """Hyperbolic tangent elementwise."""
    return active.numpy.tanh(*promote_float(x))


@_public("maximum")
@op(rules.binary_promote)
def maximum(x1, x2):
    """The larger of `x1` and `x2` elementwise."""
    return active.numpy.maximum(*promote(x1, x2))


@_public("minimum")
@op(rules.binary_promote)
def minimum(x1, x2):
    """The smaller of `x1` and `x2` elementwise."""
    return active.numpy.minimum(*promote(x1, x2))


def _clip_rule(x, x_min, x_max):
    dtype = rules.dtype_of(x, weak=False)
    if dtype == "bool":
        dtype = "int32"
    return KerasTensor(rules.shape_of(x), dtype)


@_public("clip")
@op(_clip_rule)
def clip(x, x_min, x_max):
    """`x` limited to `[x_min, x_max]` elementwise."""
    x = to_tensor(x)
    if dtypes.standardize_dtype(x.dtype) == "bool":
        x = to_tensor(x, "int32")
    return active.numpy.clip(x, x_min, x_max)


# -- comparison and logic -------------------------------------------------------------------


@_public("equal")
@op(rules.binary_bool)
def equal(x1, x2):
    """`x1 == x2` elementwise."""
    return active.numpy.equal(*promote(x1, x2))


@_public("not_equal")
@op(rules.binary_bool)
def not_equal(x1, x2):
    """`x1 != x2` elementwise."""
    return active.numpy.not_equal(*promote(x1, x2))


@_public("less")
@op(rules.binary_bool)
def less(x1, x2):
    """`x1 < x2` elementwise."""
    return active.numpy.less(*promote(x1, x2))


@_public("less_equal")
@op(rules.binary_bool)
def less_equal(x1, x2):
    """`x1 <= x2` elementwise."""
    return active.numpy.less_equal(*promote(x1, x2))


@_public("greater")
@op(rules.binary_bool)
def greater(x1, x2):
    """`x1 > x2` elementwise."""
    return active.numpy.greater(*promote(x1, x2))


@_public("greater_equal")
@op(rules.binary_bool)
def greater_equal(x1, x2):
    """`x1 >= x2` elementwise."""
    return active.numpy.greater_equal(*promote(x1, x2))


@_public("logical_and")
@op(rules.binary_bool)
def logical_and(x1, x2):
    """Logical AND elementwise."""
    return active.numpy.logical_and(to_tensor(x1), to_tensor(x2))


@_public("logical_or")
@op(rules.binary_bool)
def logical_or(x1, x2):
    """Logical OR elementwise."""
    return active.numpy.logical_or(to_tensor(x1), to_tensor(x2))


@_public("logical_not")
@op(rules.unary_bool)
def logical_not(x):
    """Logical NOT elementwise."""
    return active.numpy.logical_not(to_tensor(x))


def _where_rule(condition, x1=None, x2=None):
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` of ops.where must be given together, or neither.")
    if x1 is None:
        raise ValueError(
            "ops.where(condition) with one argument returns data-dependent shapes and cannot "
            "run on symbolic tensors."
        )
    shape = rules.broadcast_shapes(
        rules.shape_of(condition), rules.shape_of(x1), rules.shape_of(x2)
    )
    return KerasTensor(shape, dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2)))


@_public("where")
@op(_where_rule)
def where(condition, x1=None, x2=None):
    """`x1` where `condition` holds, else `x2`; with one argument, the indices of True."""
    condition = to_tensor(condition, "bool")
    if x1 is None and x2 is None:
        return active.numpy.nonzero(condition)
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` of ops.where must be given together, or neither.")
    return active.numpy.where(condition, *promote(x1, x2))


# -- creation -------------------------------------------------------------------------------


def _creation_rule(shape, dtype=None, **kwargs):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return KerasTensor(shape, dtypes.standardize_dtype(dtype))


@_public("zeros")
def zeros(shape, dtype=None):
    """A tensor of zeros of `shape` (dtype floatx by default)."""
    return active.numpy.zeros(_shape_arg(shape), dtype=dtypes.standardize_dtype(dtype))


@_public("ones")
def ones(shape, dtype=None):
    """A tensor of ones of `shape` (dtype floatx by default)."""
    return active.numpy.ones(_shape_arg(shape), dtype=dtypes.standardize_dtype(dtype))


def _shape_arg(shape):
    if isinstance(shape, int) or hasattr(shape, "__index__"):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _like_rule(x, dtype=None, **kwargs):
    dtype = rules.dtype_of(x, weak=False) if dtype is None else dtypes.standardize_dtype(dtype)
    return KerasTensor(rules.shape_of(x), dtype)


@_public("zeros_like")
@op(_like_rule)
def zeros_like(x, dtype=None):
    """Zeros with the shape (and by default the dtype) of `x`."""
    x = to_tensor(x)
    dtype = dtypes.standardize_dtype(x.dtype) if dtype is None else dtypes.standardize_dtype(dtype)
    return active.numpy.zeros(tuple(x.shape), dtype=dtype)


@_public("ones_like")
@op(_like_rule)
def ones_like(x, dtype=None):
    """Ones with the shape (and by default the dtype) of `x`."""
    x = to_tensor(x)
    dtype = dtypes.standardize_dtype(x.dtype) if dtype is None else dtypes.standardize_dtype(dtype)
    return active.numpy.ones(tuple(x.shape), dtype=dtype)


@_public("full")
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`."""
    if dtype is None:
        dtype = dtypes.dtype_of_value(fill_value, weak=False)
    dtype = dtypes.standardize_dtype(dtype)
    fill_value = to_tensor(fill_value, dtype)
    return active.numpy.full(_shape_arg(shape), fill_value, dtype=dtype)
