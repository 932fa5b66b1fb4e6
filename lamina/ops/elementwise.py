"""Elementwise ops of the NumPy-like namespace: arithmetic, comparison, logic, math
functions, complex parts, bits, and creation of arrays. Public as `lamina.ops.<name>` and
`lamina.ops.numpy.<name>`.

Each compute function converts its inputs to the dtype Keras 3 gives the result (Python
scalars are weak), then calls the backend, whose function of the same name receives tensors
of that dtype. The dtype rules follow Keras 3 on JAX: float-valued functions of ints and bools
give floatx (a few, like `cbrt` and `hypot`, give float64 for 64-bit ints, as JAX does),
comparisons give bool, `floor`/`ceil` give floats, `round`/`trunc`/`sign` keep the dtype.
"""

import builtins
import math as _math

import numpy as np

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.backend.common.keras_tensor import any_symbolic_tensors
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.numpy.{name}")


def _op(rule):
    """`op(rule)`, with the op's name put in front of the rule's ValueErrors that lack it."""

    def decorate(compute):
        prefix = f"ops.{compute.__name__}"

        def named_rule(*args, **kwargs):
            try:
                return rule(*args, **kwargs)
            except ValueError as error:
                if prefix in str(error):
                    raise
                raise ValueError(f"{prefix}: {error}") from None

        return op(named_rule)(compute)

    return decorate


# -- dtype transforms: the dtype of a result from the (promoted) dtype of the inputs ----------


def _same(dtype):
    return dtype


def _float_dtype(dtype):
    """sin, exp, log, ...: ints and bools give floatx; floats and complex keep theirs."""
    return dtypes.float_result(dtype)


def _wide_float_dtype(dtype):
    """cbrt, hypot, i0, deg2rad, ...: like `_float_dtype`, but 64-bit ints give float64."""
    if dtype in ("int64", "uint64"):
        return "float64"
    return dtypes.float_result(dtype)


def _real_dtype(dtype):
    """abs, real, imag: the dtype of the real part."""
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


def _real_float_dtype(dtype):
    """angle: a float, of the precision of the real part."""
    return _float_dtype(_real_dtype(dtype))


def _bool_to_int(dtype):
    """mod, power, floor_divide, shifts: bools compute as int32."""
    return "int32" if dtype == "bool" else dtype


def _check_integer(name, dtype, allow_bool=False):
    if dtypes.is_int_dtype(dtype) or (allow_bool and dtype == "bool"):
        return dtype
    kinds = "integer or bool" if allow_bool else "integer"
    raise TypeError(f"ops.{name} expects {kinds} tensors, but received dtype {dtype}.")


# -- rules built from a dtype transform -------------------------------------------------------


def _unary(transform):
    """The rule of a unary op whose dtype is `transform(dtype of x)`."""

    def rule(x, *args, **kwargs):
        return KerasTensor(rules.shape_of(x), transform(rules.dtype_of(x, weak=False)))

    return rule


def _binary(transform):
    """The rule of a broadcasting binary op whose dtype is `transform(promoted dtype)`."""

    def rule(x1, x2, *args, **kwargs):
        shape = rules.broadcast_shapes(rules.shape_of(x1), rules.shape_of(x2))
        dtype = dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2))
        return KerasTensor(shape, transform(dtype))

    return rule


def _integer_binary(name, allow_bool, transform=_same):
    """The rule of a binary op on integers (gcd, bitwise_and, shifts, ...)."""

    def rule(x1, x2, *args, **kwargs):
        shape = rules.broadcast_shapes(rules.shape_of(x1), rules.shape_of(x2))
        dtype = dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2))
        return KerasTensor(shape, transform(_check_integer(name, dtype, allow_bool)))

    return rule


# -- what compute functions use ---------------------------------------------------------------


def _dtype(x):
    return dtypes.standardize_dtype(x.dtype)


def _unary_input(x, transform):
    """`x` as a tensor of `transform(its dtype)`."""
    x = to_tensor(x)
    return to_tensor(x, transform(_dtype(x)))


def _binary_inputs(x1, x2, transform):
    """`x1`, `x2` as tensors of `transform(their promoted dtype)` (Python scalars weak)."""
    dtype = dtypes.result_type(dtypes.dtype_of_value(x1), dtypes.dtype_of_value(x2))
    dtype = transform(dtype)
    return to_tensor(x1, dtype), to_tensor(x2, dtype)


def _scalar(value, like):
    """A 0-d tensor holding `value`, of the dtype of tensor `like`."""
    return to_tensor(value, _dtype(like))


# -- arithmetic -------------------------------------------------------------------------------


@_public("add")
@_op(rules.binary_promote)
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
@_op(rules.binary_promote)
def subtract(x1, x2):
    """`x1 - x2` elementwise, broadcasting."""
    return active.numpy.subtract(*promote(x1, x2))


@_public("multiply")
@_op(rules.binary_promote)
def multiply(x1, x2):
    """`x1 * x2` elementwise, broadcasting."""
    return active.numpy.multiply(*promote(x1, x2))


@_public("divide")
@_op(rules.binary_float)
def divide(x1, x2):
    """`x1 / x2` elementwise; integer inputs give floats."""
    return active.numpy.divide(*promote_float(x1, x2))


@_public("true_divide")
@_op(rules.binary_float)
def true_divide(x1, x2):
    """Same as `divide`."""
    return active.numpy.divide(*promote_float(x1, x2))


@_public("divide_no_nan")
@_op(rules.binary_float)
def divide_no_nan(x1, x2):
    """`x1 / x2` elementwise, with 0 wherever `x2` is 0 (so no NaN or inf from it)."""
    x1, x2 = promote_float(x1, x2)
    zero, one = _scalar(0, x2), _scalar(1, x2)
    is_zero = active.numpy.equal(x2, zero)
    safe = active.numpy.where(is_zero, one, x2)
    return active.numpy.where(is_zero, zero, active.numpy.divide(x1, safe))


@_public("floor_divide")
@_op(_binary(_bool_to_int))
def floor_divide(x1, x2):
    """`x1 // x2` elementwise (rounded toward minus infinity); bools compute as int32."""
    return active.numpy.floor_divide(*_binary_inputs(x1, x2, _bool_to_int))


@_public("mod")
@_op(_binary(_bool_to_int))
def mod(x1, x2):
    """Remainder of `floor_divide`, with the sign of `x2`; bools compute as int32."""
    return active.numpy.mod(*_binary_inputs(x1, x2, _bool_to_int))


@_public("fmod")
@_op(_binary(_bool_to_int))
def fmod(x1, x2):
    """Remainder of truncated division, with the sign of `x1` (C's `fmod`)."""
    return active.numpy.fmod(*_binary_inputs(x1, x2, _bool_to_int))


@_public("power")
@_op(_binary(_bool_to_int))
def power(x1, x2):
    """`x1 ** x2` elementwise; bools compute as int32."""
    return active.numpy.power(*_binary_inputs(x1, x2, _bool_to_int))


@_public("negative")
@_op(rules.unary_same)
def negative(x):
    """`-x` elementwise."""
    return active.numpy.negative(to_tensor(x))


@_public("absolute")
@_op(_unary(_real_dtype))
def absolute(x):
    """`|x|` elementwise (the modulus, a float, for complex `x`)."""
    return active.numpy.absolute(to_tensor(x))


@_public("abs")
@_op(_unary(_real_dtype))
def abs(x):  # noqa: A001 - Keras' public name
    """Same as `absolute`."""
    return active.numpy.absolute(to_tensor(x))


def _real_float_only(dtype):
    """fabs: like `_float_dtype`, for real inputs only."""
    if dtypes.is_complex_dtype(dtype):
        raise TypeError(f"ops.fabs does not support complex inputs. Received: dtype={dtype}.")
    return _float_dtype(dtype)


@_public("fabs")
@_op(_unary(_real_float_only))
def fabs(x):
    """`|x|` elementwise as floats; ints and bools give floatx. Complex is not supported."""
    return active.numpy.absolute(_unary_input(x, _real_float_only))


@_public("square")
@_op(_unary(_bool_to_int))
def square(x):
    """`x * x` elementwise (bools become int32)."""
    return active.numpy.square(_unary_input(x, _bool_to_int))


@_public("sqrt")
@_op(_unary(_float_dtype))
def sqrt(x):
    """Square root elementwise; ints give floats."""
    return active.numpy.sqrt(_unary_input(x, _float_dtype))


@_public("cbrt")
@_op(_unary(_wide_float_dtype))
def cbrt(x):
    """Cube root elementwise (real, also for negative `x`)."""
    return active.numpy.cbrt(_unary_input(x, _wide_float_dtype))


@_public("reciprocal")
@_op(_unary(_float_dtype))
def reciprocal(x):
    """`1 / x` elementwise; ints give floats."""
    x = _unary_input(x, _float_dtype)
    return active.numpy.divide(_scalar(1, x), x)


@_public("sign")
@_op(rules.unary_same)
def sign(x):
    """-1, 0 or 1 by the sign of `x` (NaN stays NaN); same dtype."""
    x = to_tensor(x)
    if _dtype(x) == "bool":
        return x  # the sign of True is 1, of False 0
    return active.numpy.sign(x)


@_public("signbit")
@_op(rules.unary_bool)
def signbit(x):
    """Whether the sign bit is set (True also for -0.0 and negative NaN)."""
    return active.numpy.signbit(to_tensor(x))


@_public("maximum")
@_op(rules.binary_promote)
def maximum(x1, x2):
    """The larger of `x1` and `x2` elementwise (NaN if either is NaN)."""
    return active.numpy.maximum(*promote(x1, x2))


@_public("minimum")
@_op(rules.binary_promote)
def minimum(x1, x2):
    """The smaller of `x1` and `x2` elementwise (NaN if either is NaN)."""
    return active.numpy.minimum(*promote(x1, x2))


@_public("fmax")
@_op(rules.binary_promote)
def fmax(x1, x2):
    """The larger of `x1` and `x2` elementwise, ignoring a NaN when the other is a number."""
    return active.numpy.fmax(*promote(x1, x2))


@_public("fmin")
@_op(rules.binary_promote)
def fmin(x1, x2):
    """The smaller of `x1` and `x2` elementwise, ignoring a NaN when the other is a number."""
    return active.numpy.fmin(*promote(x1, x2))


def _clip_rule(x, x_min, x_max):
    return KerasTensor(rules.shape_of(x), _bool_to_int(rules.dtype_of(x, weak=False)))


@_public("clip")
@_op(_clip_rule)
def clip(x, x_min, x_max):
    """`x` limited to `[x_min, x_max]` elementwise; keeps the dtype of `x` (bools: int32)."""
    return active.numpy.clip(_unary_input(x, _bool_to_int), x_min, x_max)


# -- exponents and logarithms -----------------------------------------------------------------


@_public("exp")
@_op(_unary(_float_dtype))
def exp(x):
    """`e ** x` elementwise."""
    return active.numpy.exp(_unary_input(x, _float_dtype))


@_public("exp2")
@_op(_unary(_float_dtype))
def exp2(x):
    """`2 ** x` elementwise."""
    return active.numpy.exp2(_unary_input(x, _float_dtype))


@_public("expm1")
@_op(_unary(_float_dtype))
def expm1(x):
    """`exp(x) - 1` elementwise, accurate for small `x`."""
    return active.numpy.expm1(_unary_input(x, _float_dtype))


@_public("log")
@_op(_unary(_float_dtype))
def log(x):
    """Natural logarithm elementwise."""
    return active.numpy.log(_unary_input(x, _float_dtype))


@_public("log2")
@_op(_unary(_float_dtype))
def log2(x):
    """Base-2 logarithm elementwise."""
    return active.numpy.log2(_unary_input(x, _float_dtype))


@_public("log10")
@_op(_unary(_float_dtype))
def log10(x):
    """Base-10 logarithm elementwise."""
    return active.numpy.log10(_unary_input(x, _float_dtype))


@_public("log1p")
@_op(_unary(_float_dtype))
def log1p(x):
    """`log(1 + x)` elementwise, accurate for small `x`."""
    return active.numpy.log1p(_unary_input(x, _float_dtype))


@_public("logaddexp")
@_op(rules.binary_float)
def logaddexp(x1, x2):
    """`log(exp(x1) + exp(x2))` elementwise, without overflow."""
    return active.numpy.logaddexp(*promote_float(x1, x2))


@_public("logaddexp2")
@_op(rules.binary_float)
def logaddexp2(x1, x2):
    """`log2(2 ** x1 + 2 ** x2)` elementwise, without overflow."""
    return active.numpy.logaddexp2(*promote_float(x1, x2))


def _ldexp_rule(x1, x2):
    shape = rules.broadcast_shapes(rules.shape_of(x1), rules.shape_of(x2))
    _check_integer("ldexp", rules.dtype_of(x2, weak=False))
    dtype = dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2))
    return KerasTensor(shape, _float_dtype(dtype))


@_public("ldexp")
@_op(_ldexp_rule)
def ldexp(x1, x2):
    """`x1 * 2 ** x2` elementwise; the exponents `x2` must be integers."""
    exponent = to_tensor(x2)
    _check_integer("ldexp", _dtype(exponent))
    dtype = _float_dtype(dtypes.result_type(dtypes.dtype_of_value(x1), dtypes.dtype_of_value(x2)))
    return active.numpy.ldexp(to_tensor(x1, dtype), exponent)


# -- trigonometric and hyperbolic functions ---------------------------------------------------


@_public("sin")
@_op(_unary(_float_dtype))
def sin(x):
    """Sine elementwise (radians)."""
    return active.numpy.sin(_unary_input(x, _float_dtype))


@_public("cos")
@_op(_unary(_float_dtype))
def cos(x):
    """Cosine elementwise (radians)."""
    return active.numpy.cos(_unary_input(x, _float_dtype))


@_public("tan")
@_op(_unary(_float_dtype))
def tan(x):
    """Tangent elementwise (radians)."""
    return active.numpy.tan(_unary_input(x, _float_dtype))


@_public("arcsin")
@_op(_unary(_float_dtype))
def arcsin(x):
    """Inverse sine elementwise, in [-pi/2, pi/2]."""
    return active.numpy.arcsin(_unary_input(x, _float_dtype))


@_public("arccos")
@_op(_unary(_float_dtype))
def arccos(x):
    """Inverse cosine elementwise, in [0, pi]."""
    return active.numpy.arccos(_unary_input(x, _float_dtype))


@_public("arctan")
@_op(_unary(_float_dtype))
def arctan(x):
    """Inverse tangent elementwise, in [-pi/2, pi/2]."""
    return active.numpy.arctan(_unary_input(x, _float_dtype))


@_public("arctan2")
@_op(rules.binary_float)
def arctan2(x1, x2):
    """The angle of the point `(x2, x1)` elementwise, in [-pi, pi]."""
    return active.numpy.arctan2(*promote_float(x1, x2))


@_public("sinh")
@_op(_unary(_float_dtype))
def sinh(x):
    """Hyperbolic sine elementwise."""
    return active.numpy.sinh(_unary_input(x, _float_dtype))


@_public("cosh")
@_op(_unary(_float_dtype))
def cosh(x):
    """Hyperbolic cosine elementwise."""
    return active.numpy.cosh(_unary_input(x, _float_dtype))


@_public("tanh")
@_op(_unary(_float_dtype))
def tanh(x):
    """Hyperbolic tangent elementwise."""
    return active.numpy.tanh(_unary_input(x, _float_dtype))


@_public("arcsinh")
@_op(_unary(_float_dtype))
def arcsinh(x):
    """Inverse hyperbolic sine elementwise."""
    return active.numpy.arcsinh(_unary_input(x, _float_dtype))


@_public("arccosh")
@_op(_unary(_float_dtype))
def arccosh(x):
    """Inverse hyperbolic cosine elementwise (NaN below 1)."""
    return active.numpy.arccosh(_unary_input(x, _float_dtype))


@_public("arctanh")
@_op(_unary(_float_dtype))
def arctanh(x):
    """Inverse hyperbolic tangent elementwise (NaN outside [-1, 1])."""
    return active.numpy.arctanh(_unary_input(x, _float_dtype))


@_public("deg2rad")
@_op(_unary(_wide_float_dtype))
def deg2rad(x):
    """Degrees to radians elementwise."""
    x = _unary_input(x, _wide_float_dtype)
    return active.numpy.multiply(x, _scalar(_math.pi / 180.0, x))


@_public("rad2deg")
@_op(_unary(_wide_float_dtype))
def rad2deg(x):
    """Radians to degrees elementwise."""
    x = _unary_input(x, _wide_float_dtype)
    return active.numpy.multiply(x, _scalar(180.0 / _math.pi, x))


@_public("hypot")
@_op(_binary(_wide_float_dtype))
def hypot(x1, x2):
    """`sqrt(x1 ** 2 + x2 ** 2)` elementwise, without overflow."""
    return active.numpy.hypot(*_binary_inputs(x1, x2, _wide_float_dtype))


@_public("sinc")
@_op(_unary(_float_dtype))
def sinc(x):
    """The normalized sinc, `sin(pi x) / (pi x)`, with `sinc(0) = 1`."""
    return active.numpy.sinc(_unary_input(x, _float_dtype))


@_public("i0")
@_op(_unary(_wide_float_dtype))
def i0(x):
    """The modified Bessel function of the first kind, order 0, elementwise."""
    return active.numpy.i0(_unary_input(x, _wide_float_dtype))


@_public("heaviside")
@_op(_binary(_wide_float_dtype))
def heaviside(x1, x2):
    """The Heaviside step: 0 where `x1 < 0`, `x2` where `x1 == 0`, 1 where `x1 > 0`."""
    return active.numpy.heaviside(*_binary_inputs(x1, x2, _wide_float_dtype))


@_public("nextafter")
@_op(rules.binary_float)
def nextafter(x1, x2):
    """The next representable float after `x1` in the direction of `x2`, elementwise."""
    return active.numpy.nextafter(*promote_float(x1, x2))


# -- rounding ---------------------------------------------------------------------------------


@_public("floor")
@_op(_unary(_float_dtype))
def floor(x):
    """The largest integer not above `x`, elementwise; ints give floatx (as NumPy does)."""
    return active.numpy.floor(_unary_input(x, _float_dtype))


@_public("ceil")
@_op(_unary(_float_dtype))
def ceil(x):
    """The smallest integer not below `x`, elementwise; ints give floatx (as NumPy does)."""
    return active.numpy.ceil(_unary_input(x, _float_dtype))


@_public("trunc")
@_op(rules.unary_same)
def trunc(x):
    """`x` rounded toward zero, elementwise; same dtype."""
    x = to_tensor(x)
    if not (dtypes.is_float_dtype(_dtype(x)) or dtypes.is_complex_dtype(_dtype(x))):
        return x
    return active.numpy.trunc(x)


@_public("round")
@_op(rules.unary_same)
def round(x, decimals=0):  # noqa: A001 - Keras' public name
    """`x` rounded to `decimals` decimals (halves to even), elementwise; same dtype.

    Args:
        x: input tensor.
        decimals: number of decimals; negative values round to tens, hundreds, ...

    Returns:
        The rounded tensor, of the dtype of `x`.
    """
    x = to_tensor(x)
    dtype = _dtype(x)
    if dtype == "bool":
        return x
    if dtypes.is_int_dtype(dtype):
        if decimals >= 0:
            return x
        # Integers to tens, hundreds...: divide by the exact power of ten, round, multiply.
        factor = to_tensor(10.0 ** (-decimals), "float64")
        scaled = active.numpy.divide(to_tensor(x, "float64"), factor)
        return to_tensor(active.numpy.multiply(active.numpy.round(scaled), factor), dtype)
    return active.numpy.round(x, decimals=int(decimals))


# -- comparison -------------------------------------------------------------------------------


@_public("equal")
@_op(rules.binary_bool)
def equal(x1, x2):
    """`x1 == x2` elementwise."""
    return active.numpy.equal(*promote(x1, x2))


@_public("not_equal")
@_op(rules.binary_bool)
def not_equal(x1, x2):
    """`x1 != x2` elementwise."""
    return active.numpy.not_equal(*promote(x1, x2))


@_public("less")
@_op(rules.binary_bool)
def less(x1, x2):
    """`x1 < x2` elementwise."""
    return active.numpy.less(*promote(x1, x2))


@_public("less_equal")
@_op(rules.binary_bool)
def less_equal(x1, x2):
    """`x1 <= x2` elementwise."""
    return active.numpy.less_equal(*promote(x1, x2))


@_public("greater")
@_op(rules.binary_bool)
def greater(x1, x2):
    """`x1 > x2` elementwise."""
    return active.numpy.greater(*promote(x1, x2))


@_public("greater_equal")
@_op(rules.binary_bool)
def greater_equal(x1, x2):
    """`x1 >= x2` elementwise."""
    return active.numpy.greater_equal(*promote(x1, x2))


@_public("isclose")
@_op(rules.binary_bool)
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether `|x1 - x2| <= atol + rtol * |x2|`, elementwise.

    Args:
        x1: first tensor.
        x2: second tensor.
        rtol: relative tolerance.
        atol: absolute tolerance.
        equal_nan: whether two NaNs count as close.

    Returns:
        A bool tensor of the broadcast shape.
    """
    return active.numpy.isclose(*promote(x1, x2), rtol=rtol, atol=atol, equal_nan=equal_nan)


def _allclose_rule(x1, x2, *args, **kwargs):
    rules.broadcast_shapes(rules.shape_of(x1), rules.shape_of(x2))
    return KerasTensor((), "bool")


@_public("allclose")
@_op(_allclose_rule)
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether `isclose` holds everywhere: one bool."""
    close = isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return active.numpy.all(close)


# -- floating-point classes -------------------------------------------------------------------


@_public("isnan")
@_op(rules.unary_bool)
def isnan(x):
    """Whether `x` is NaN, elementwise."""
    return active.numpy.isnan(to_tensor(x))


@_public("isinf")
@_op(rules.unary_bool)
def isinf(x):
    """Whether `x` is +inf or -inf, elementwise."""
    return active.numpy.isinf(to_tensor(x))


@_public("isfinite")
@_op(rules.unary_bool)
def isfinite(x):
    """Whether `x` is neither infinite nor NaN, elementwise."""
    return active.numpy.isfinite(to_tensor(x))


@_public("isposinf")
@_op(rules.unary_bool)
def isposinf(x):
    """Whether `x` is +inf, elementwise."""
    x = to_tensor(x)
    return active.numpy.logical_and(active.numpy.isinf(x),
                                    active.numpy.greater(x, _scalar(0, x)))


@_public("isneginf")
@_op(rules.unary_bool)
def isneginf(x):
    """Whether `x` is -inf, elementwise."""
    x = to_tensor(x)
    return active.numpy.logical_and(active.numpy.isinf(x), active.numpy.less(x, _scalar(0, x)))


@_public("isreal")
@_op(rules.unary_bool)
def isreal(x):
    """Whether the imaginary part of `x` is 0, elementwise (always True for real dtypes)."""
    x = to_tensor(x)
    if dtypes.is_complex_dtype(_dtype(x)):
        imaginary = active.numpy.imag(x)
        return active.numpy.equal(imaginary, _scalar(0, imaginary))
    return active.numpy.ones(tuple(x.shape), dtype="bool")


@_public("nan_to_num")
@_op(rules.unary_same)
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """`x` with NaN, +inf and -inf replaced by numbers.

    Args:
        x: input tensor.
        nan: the value for NaN.
        posinf: the value for +inf; None means the largest finite value of the dtype.
        neginf: the value for -inf; None means the most negative finite value of the dtype.

    Returns:
        A tensor of the shape and dtype of `x`.
    """
    x = to_tensor(x)
    if not (dtypes.is_float_dtype(_dtype(x)) or dtypes.is_complex_dtype(_dtype(x))):
        return x
    return active.numpy.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# -- logic ------------------------------------------------------------------------------------


@_public("logical_and")
@_op(rules.binary_bool)
def logical_and(x1, x2):
    """Logical AND elementwise."""
    return active.numpy.logical_and(to_tensor(x1), to_tensor(x2))


@_public("logical_or")
@_op(rules.binary_bool)
def logical_or(x1, x2):
    """Logical OR elementwise."""
    return active.numpy.logical_or(to_tensor(x1), to_tensor(x2))


@_public("logical_xor")
@_op(rules.binary_bool)
def logical_xor(x1, x2):
    """Logical XOR elementwise."""
    return active.numpy.logical_xor(to_tensor(x1), to_tensor(x2))


@_public("logical_not")
@_op(rules.unary_bool)
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
@_op(_where_rule)
def where(condition, x1=None, x2=None):
    """`x1` where `condition` holds, else `x2`; with one argument, the indices of True."""
    condition = to_tensor(condition, "bool")
    if x1 is None and x2 is None:
        return active.numpy.nonzero(condition)
    if (x1 is None) != (x2 is None):
        raise ValueError("`x1` and `x2` of ops.where must be given together, or neither.")
    return active.numpy.where(condition, *promote(x1, x2))


# -- bits -------------------------------------------------------------------------------------


def _bitwise_inputs(name, x1, x2, transform=_same):
    dtype = dtypes.result_type(dtypes.dtype_of_value(x1), dtypes.dtype_of_value(x2))
    dtype = transform(_check_integer(name, dtype, allow_bool=True))
    return to_tensor(x1, dtype), to_tensor(x2, dtype)


@_public("bitwise_and")
@_op(_integer_binary("bitwise_and", allow_bool=True))
def bitwise_and(x, y):
    """Bitwise AND of integers or bools, elementwise."""
    return active.numpy.bitwise_and(*_bitwise_inputs("bitwise_and", x, y))


@_public("bitwise_or")
@_op(_integer_binary("bitwise_or", allow_bool=True))
def bitwise_or(x, y):
    """Bitwise OR of integers or bools, elementwise."""
    return active.numpy.bitwise_or(*_bitwise_inputs("bitwise_or", x, y))


@_public("bitwise_xor")
@_op(_integer_binary("bitwise_xor", allow_bool=True))
def bitwise_xor(x, y):
    """Bitwise XOR of integers or bools, elementwise."""
    return active.numpy.bitwise_xor(*_bitwise_inputs("bitwise_xor", x, y))


def _invert_rule(x):
    dtype = _check_integer("bitwise_invert", rules.dtype_of(x, weak=False), allow_bool=True)
    return KerasTensor(rules.shape_of(x), dtype)


@_public("bitwise_invert")
@_op(_invert_rule)
def bitwise_invert(x):
    """Bitwise NOT (`~x`) of integers or bools, elementwise."""
    x = to_tensor(x)
    _check_integer("bitwise_invert", _dtype(x), allow_bool=True)
    return active.numpy.bitwise_invert(x)


@_public("bitwise_not")
@_op(_invert_rule)
def bitwise_not(x):
    """Same as `bitwise_invert`."""
    return bitwise_invert(x)


@_public("bitwise_left_shift")
@_op(_integer_binary("bitwise_left_shift", allow_bool=True, transform=_bool_to_int))
def bitwise_left_shift(x, y):
    """`x << y` elementwise, for integers (bools compute as int32)."""
    return active.numpy.left_shift(*_bitwise_inputs("bitwise_left_shift", x, y, _bool_to_int))


@_public("left_shift")
@_op(_integer_binary("left_shift", allow_bool=True, transform=_bool_to_int))
def left_shift(x, y):
    """Same as `bitwise_left_shift`."""
    return active.numpy.left_shift(*_bitwise_inputs("left_shift", x, y, _bool_to_int))


@_public("bitwise_right_shift")
@_op(_integer_binary("bitwise_right_shift", allow_bool=True, transform=_bool_to_int))
def bitwise_right_shift(x, y):
    """`x >> y` elementwise (arithmetic for signed ints; bools compute as int32)."""
    return active.numpy.right_shift(*_bitwise_inputs("bitwise_right_shift", x, y, _bool_to_int))


@_public("right_shift")
@_op(_integer_binary("right_shift", allow_bool=True, transform=_bool_to_int))
def right_shift(x, y):
    """Same as `bitwise_right_shift`."""
    return active.numpy.right_shift(*_bitwise_inputs("right_shift", x, y, _bool_to_int))


@_public("gcd")
@_op(_integer_binary("gcd", allow_bool=False))
def gcd(x1, x2):
    """Greatest common divisor of integers, elementwise (non-negative)."""
    dtype = dtypes.result_type(dtypes.dtype_of_value(x1), dtypes.dtype_of_value(x2))
    _check_integer("gcd", dtype)
    return active.numpy.gcd(to_tensor(x1, dtype), to_tensor(x2, dtype))


@_public("lcm")
@_op(_integer_binary("lcm", allow_bool=False))
def lcm(x1, x2):
    """Least common multiple of integers, elementwise (non-negative)."""
    dtype = dtypes.result_type(dtypes.dtype_of_value(x1), dtypes.dtype_of_value(x2))
    _check_integer("lcm", dtype)
    return active.numpy.lcm(to_tensor(x1, dtype), to_tensor(x2, dtype))


# -- complex numbers --------------------------------------------------------------------------


@_public("real")
@_op(_unary(_real_dtype))
def real(x):
    """The real part of `x` (`x` itself for real dtypes)."""
    return active.numpy.real(to_tensor(x))


@_public("imag")
@_op(_unary(_real_dtype))
def imag(x):
    """The imaginary part of `x` (zeros of the same dtype for real dtypes)."""
    return active.numpy.imag(to_tensor(x))


@_public("conjugate")
@_op(rules.unary_same)
def conjugate(x):
    """The complex conjugate of `x` (`x` itself for real dtypes)."""
    x = to_tensor(x)
    if not dtypes.is_complex_dtype(_dtype(x)):
        return x
    return active.numpy.conjugate(x)


@_public("conj")
@_op(rules.unary_same)
def conj(x):
    """Same as `conjugate`."""
    return conjugate(x)


@_public("angle")
@_op(_unary(_real_float_dtype))
def angle(x):
    """The argument of complex `x` in radians, elementwise (0 or pi for reals)."""
    return active.numpy.angle(_unary_input(x, _float_dtype))


# -- creation ---------------------------------------------------------------------------------


def _shape_arg(shape):
    if isinstance(shape, (list, tuple)):
        return tuple(_dim_arg(d) for d in shape)
    return (_dim_arg(shape),)


def _dim_arg(dim):
    # Ints and concrete integer arrays become ints; a symbolic size (exporting with a dynamic
    # batch) is passed on as it is.
    if isinstance(dim, (int, np.integer)) or (isinstance(dim, np.ndarray) and dim.ndim == 0):
        return int(dim)
    return dim


def _dtype_arg(dtype):
    """`dtype` standardized; None means floatx."""
    return dtypes.standardize_dtype(dtype)


@_public("zeros")
def zeros(shape, dtype=None):
    """A tensor of zeros of `shape` (dtype floatx by default)."""
    return active.numpy.zeros(_shape_arg(shape), dtype=_dtype_arg(dtype))


@_public("ones")
def ones(shape, dtype=None):
    """A tensor of ones of `shape` (dtype floatx by default)."""
    return active.numpy.ones(_shape_arg(shape), dtype=_dtype_arg(dtype))


@_public("empty")
def empty(shape, dtype=None):
    """A tensor of `shape` whose values are not to be relied on (here: zeros)."""
    return active.numpy.zeros(_shape_arg(shape), dtype=_dtype_arg(dtype))


def _full_rule(shape, fill_value, dtype=None):
    shape = (shape,) if isinstance(shape, int) else tuple(
        None if d is None else int(d) for d in shape)
    rules.broadcast_shapes(rules.shape_of(fill_value), shape)
    return KerasTensor(shape, _dtype_arg(dtype))


@_public("full")
@_op(_full_rule)
def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value` (broadcast); dtype floatx by default."""
    dtype = _dtype_arg(dtype)
    return active.numpy.full(_shape_arg(shape), to_tensor(fill_value, dtype), dtype=dtype)


def _like_rule(x, dtype=None):
    dtype = rules.dtype_of(x, weak=False) if dtype is None else dtypes.standardize_dtype(dtype)
    return KerasTensor(rules.shape_of(x), dtype)


def _full_like_rule(x, fill_value, dtype=None):
    rules.broadcast_shapes(rules.shape_of(fill_value), rules.shape_of(x))
    return _like_rule(x, dtype)


def _like_dtype(x, dtype):
    return _dtype(x) if dtype is None else dtypes.standardize_dtype(dtype)


@_public("zeros_like")
@_op(_like_rule)
def zeros_like(x, dtype=None):
    """Zeros with the shape (and by default the dtype) of `x`."""
    x = to_tensor(x)
    return active.numpy.zeros(tuple(x.shape), dtype=_like_dtype(x, dtype))


@_public("ones_like")
@_op(_like_rule)
def ones_like(x, dtype=None):
    """Ones with the shape (and by default the dtype) of `x`."""
    x = to_tensor(x)
    return active.numpy.ones(tuple(x.shape), dtype=_like_dtype(x, dtype))


@_public("empty_like")
@_op(_like_rule)
def empty_like(x, dtype=None):
    """A tensor with the shape (and by default the dtype) of `x`, values unset (zeros)."""
    x = to_tensor(x)
    return active.numpy.zeros(tuple(x.shape), dtype=_like_dtype(x, dtype))


@_public("full_like")
@_op(_full_like_rule)
def full_like(x, fill_value, dtype=None):
    """`fill_value` broadcast to the shape of `x`, of the dtype of `x` by default."""
    x = to_tensor(x)
    dtype = _like_dtype(x, dtype)
    return active.numpy.full(tuple(x.shape), to_tensor(fill_value, dtype), dtype=dtype)


@_public("array")
@_op(_like_rule)
def array(x, dtype=None):
    """`x` (nested lists, arrays, tensors) as a tensor, of `dtype` if given."""
    return to_tensor(x, None if dtype is None else dtypes.standardize_dtype(dtype))


def _arange_dtype(start, stop, step, dtype):
    if dtype is not None:
        return dtypes.standardize_dtype(dtype)
    given = [v for v in (start, stop, step) if v is not None]
    return dtypes.result_type(*(rules.dtype_of(v) for v in given))


def _arange_rule(start, stop=None, step=None, dtype=None):
    return KerasTensor((None,), _arange_dtype(start, stop, step, dtype))


@_public("arange")
@_op(_arange_rule)
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in `[start, stop)`, `step` apart.

    Args:
        start: the first value; with `stop` None, the end (and the start is 0).
        stop: the end, excluded.
        step: the spacing, 1 by default.
        dtype: the dtype; by default inferred from the arguments as Keras does (Python ints
            give int32, floats floatx).

    Returns:
        A 1-D tensor.
    """
    dtype = _arange_dtype(start, stop, step, dtype)
    if stop is None:
        start, stop = 0, start
    if step is None:
        step = 1
    if isinstance(step, (int, float)) and step == 0:
        raise ValueError("Argument `step` of ops.arange must not be 0. Received: step=0.")
    return active.numpy.arange(start, stop, step, dtype=dtype)


def _spaced_dtypes(start, stop, dtype):
    """(dtype of the result, dtype to compute in) of linspace/logspace/geomspace."""
    if dtype is None:
        out = _float_dtype(dtypes.result_type(rules.dtype_of(start), rules.dtype_of(stop), float))
    else:
        out = dtypes.standardize_dtype(dtype)
    work = out if dtypes.is_float_dtype(out) or dtypes.is_complex_dtype(out) else "float64"
    return out, work


def _spaced_shape(start, stop, num, axis, name):
    if num < 0:
        raise ValueError(f"Argument `num` of ops.{name} must be non-negative. Received: num={num}.")
    shape = list(rules.broadcast_shapes(rules.shape_of(start), rules.shape_of(stop)))
    shape.insert(canonical_axis(axis, len(shape) + 1), num)
    return tuple(shape)


def _linspace_rule(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    out, work = _spaced_dtypes(start, stop, dtype)
    samples = KerasTensor(_spaced_shape(start, stop, num, axis, "linspace"), out)
    if retstep:
        step_shape = rules.broadcast_shapes(rules.shape_of(start), rules.shape_of(stop))
        return samples, KerasTensor(step_shape, work)
    return samples


def _cast_spaced(values, out):
    """Float samples as dtype `out`; integer dtypes round down, as NumPy does."""
    if dtypes.is_int_dtype(out) or out == "bool":
        values = active.numpy.floor(values)
    return to_tensor(values, out)


@_public("linspace")
@_op(_linspace_rule)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop`.

    Args:
        start: the first value (a scalar or a tensor).
        stop: the last value (included when `endpoint`).
        num: the number of values.
        endpoint: whether `stop` is the last value.
        retstep: whether to also return the spacing.
        dtype: the dtype; by default a float dtype from those of `start` and `stop`.
        axis: where the new axis goes when `start`/`stop` are tensors.

    Returns:
        The values, and the step too when `retstep`.
    """
    _spaced_shape(start, stop, num, axis, "linspace")
    out, work = _spaced_dtypes(start, stop, dtype)
    start, stop = to_tensor(start, work), to_tensor(stop, work)
    samples = _cast_spaced(active.numpy.linspace(start, stop, num, endpoint, work, axis), out)
    if not retstep:
        return samples
    divisions = num - 1 if endpoint else num
    delta = active.numpy.subtract(stop, start)
    if divisions > 0:
        step = active.numpy.divide(delta, _scalar(divisions, delta))
    else:
        step = active.numpy.multiply(delta, _scalar(float("nan"), delta))
    return samples, step


def _logspace_rule(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    out, _ = _spaced_dtypes(start, stop, dtype)
    return KerasTensor(_spaced_shape(start, stop, num, axis, "logspace"), out)


@_public("logspace")
@_op(_logspace_rule)
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, num)`: values evenly spaced on a log scale."""
    _spaced_shape(start, stop, num, axis, "logspace")
    out, work = _spaced_dtypes(start, stop, dtype)
    start, stop = to_tensor(start, work), to_tensor(stop, work)
    exponents = active.numpy.linspace(start, stop, num, endpoint, work, axis)
    values = active.numpy.power(to_tensor(base, work), exponents)
    return to_tensor(values, out)


def _geomspace_rule(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    out, _ = _spaced_dtypes(start, stop, dtype)
    return KerasTensor(_spaced_shape(start, stop, num, axis, "geomspace"), out)


@_public("geomspace")
@_op(_geomspace_rule)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop` in geometric progression (same sign, nonzero)."""
    shape = _spaced_shape(start, stop, num, axis, "geomspace")
    axis = canonical_axis(axis, len(shape))
    for name, value in (("start", start), ("stop", stop)):
        if isinstance(value, (int, float)) and value == 0:
            raise ValueError(f"Argument `{name}` of ops.geomspace must not be 0: a geometric "
                             "sequence cannot include zero.")
    out, work = _spaced_dtypes(start, stop, dtype)
    start, stop = to_tensor(start, work), to_tensor(stop, work)
    bshape = shape[:axis] + shape[axis + 1:]
    expanded = shape[:axis] + (1,) + shape[axis + 1:]

    def along_axis(value):  # `value` broadcast to the start/stop shape, with a 1 at `axis`
        return active.numpy.reshape(active.numpy.add(value, active.numpy.zeros(bshape, work)),
                                    expanded)

    # Work on |start|..|stop| in log10 with the sign of `start`, then put the exact endpoints
    # back (as NumPy does) so that they carry no rounding error.
    sign = active.numpy.sign(start)
    start, stop = active.numpy.divide(start, sign), active.numpy.divide(stop, sign)
    exponents = active.numpy.linspace(active.numpy.log10(start), active.numpy.log10(stop), num,
                                      endpoint, work, axis)
    values = active.numpy.power(to_tensor(10.0, work), exponents)
    position = active.numpy.reshape(active.numpy.arange(0, num, 1, dtype="int32"),
                                    tuple(num if i == axis else 1 for i in range(len(shape))))
    is_first = active.numpy.equal(position, _scalar(0, position))
    values = active.numpy.where(is_first, along_axis(start), values)
    if endpoint and num > 1:
        is_last = active.numpy.equal(position, _scalar(num - 1, position))
        values = active.numpy.where(is_last, along_axis(stop), values)
    return to_tensor(active.numpy.multiply(values, along_axis(sign)), out)  # truncates, as NumPy


def _int_arg(name, value, op_name):
    if isinstance(value, float) or dtypes.is_float_dtype(getattr(value, "dtype", "int32")):
        raise TypeError(f"Argument `{name}` of ops.{op_name} must be an integer. "
                        f"Received: {name}={value!r}.")
    return int(value)


def _band(N, M, k, dtype, op_name, compare):
    """`compare(column - row, k)` over an N x M grid, as `dtype` (eye, tri)."""
    n = _int_arg("N", N, op_name)
    m = n if M is None else _int_arg("M", M, op_name)
    rows = active.numpy.reshape(active.numpy.arange(0, n, 1, dtype="int64"), (n, 1))
    cols = active.numpy.reshape(active.numpy.arange(0, m, 1, dtype="int64"), (1, m))
    offset = active.numpy.subtract(cols, rows)
    mask = compare(offset, to_tensor(int(k), "int64"))
    return to_tensor(mask, _dtype_arg(dtype))


@_public("eye")
def eye(N, M=None, k=0, dtype=None):
    """An N x M matrix with ones on diagonal `k` (0: main, >0: above), zeros elsewhere."""
    return _band(N, M, k, dtype, "eye", active.numpy.equal)


@_public("identity")
def identity(n, dtype=None):
    """The n x n identity matrix."""
    return _band(n, None, 0, dtype, "identity", active.numpy.equal)


@_public("tri")
def tri(N, M=None, k=0, dtype=None):
    """An N x M matrix with ones at and below diagonal `k`, zeros above."""
    return _band(N, M, k, dtype, "tri", active.numpy.less_equal)


# -- windows (computed on the host: they depend on a length only) ----------------------------


def _window_length(x, name):
    if any_symbolic_tensors((x,)):
        raise TypeError(f"ops.{name} does not support symbolic tensors: it needs a concrete "
                        f"window length. Received: x={x!r}.")
    if isinstance(x, float) or dtypes.is_float_dtype(getattr(x, "dtype", "int32")):
        raise TypeError(f"Argument `x` of ops.{name} must be an integer length. Received: {x!r}.")
    return int(active.core.convert_to_numpy(x)) if hasattr(x, "dtype") else int(x)


def _floatx_tensor(values):
    return to_tensor(values, dtypes.standardize_dtype(None))


def _cosine_window(x, name, coefficients):
    """`sum_i a_i cos(i pi n / (M - 1))` for n in 1-M, 3-M, ..., M-1 (a symmetric window)."""
    length = _window_length(x, name)
    if length < 1:
        return _floatx_tensor(np.zeros((0,)))
    if length == 1:
        return _floatx_tensor(np.ones((1,)))
    n = np.arange(1 - length, length, 2, dtype=np.float64)
    window = builtins.sum(a * np.cos(i * np.pi * n / (length - 1))
                          for i, a in enumerate(coefficients))
    return _floatx_tensor(window)


@_public("bartlett")
def bartlett(x):
    """The Bartlett (triangular) window of length `x`, as floatx."""
    length = _window_length(x, "bartlett")
    if length < 1:
        return _floatx_tensor(np.zeros((0,)))
    if length == 1:
        return _floatx_tensor(np.ones((1,)))
    n = np.arange(1 - length, length, 2, dtype=np.float64)
    return _floatx_tensor(1.0 - np.abs(n) / (length - 1))


@_public("blackman")
def blackman(x):
    """The Blackman window of length `x`, as floatx."""
    return _cosine_window(x, "blackman", (0.42, 0.5, 0.08))


@_public("hamming")
def hamming(x):
    """The Hamming window of length `x`, as floatx."""
    return _cosine_window(x, "hamming", (0.54, 0.46))


@_public("hanning")
def hanning(x):
    """The Hann window of length `x`, as floatx."""
    return _cosine_window(x, "hanning", (0.5, 0.5))


@_public("kaiser")
def kaiser(x, beta):
    """The Kaiser window of length `x` and shape `beta`, as floatx."""
    length = _window_length(x, "kaiser")
    if length < 1:
        return _floatx_tensor(np.zeros((0,)))
    if length == 1:
        return _floatx_tensor(np.ones((1,)))
    beta = float(beta)
    half = (length - 1) / 2.0
    n = np.arange(0, length, dtype=np.float64)
    argument = beta * np.sqrt(np.clip(1.0 - ((n - half) / half) ** 2, 0.0, None))
    values = to_tensor(np.stack([argument, np.full_like(argument, beta)]), "float64")
    bessel = active.numpy.i0(values)
    window = active.numpy.divide(bessel[0], bessel[1])
    return _floatx_tensor(window)
