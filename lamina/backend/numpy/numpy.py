"""numpy backend: the NumPy-like ops (elementwise part; array ops come from arrays.py).

Inputs arrive already promoted to one dtype by lamina.ops; each function computes.
"""

import functools

import numpy as np

from lamina.backend.common import dtypes


def _quiet(function):
    """Runs `function` without NumPy's floating-point warnings: like the other backends, a
    division by zero or an overflow gives inf/NaN silently."""

    @functools.wraps(function)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return function(*args, **kwargs)

    return quiet


@_quiet
def add(x1, x2):
    return np.add(x1, x2)


@_quiet
def subtract(x1, x2):
    return np.subtract(x1, x2)


@_quiet
def multiply(x1, x2):
    return np.multiply(x1, x2)


@_quiet
def divide(x1, x2):
    return np.divide(x1, x2)


@_quiet
def power(x1, x2):
    return np.power(x1, x2)


def negative(x):
    return np.negative(x)


def absolute(x):
    return np.absolute(x)


@_quiet
def square(x):
    return np.square(x)


@_quiet
def sqrt(x):
    return np.sqrt(x)


@_quiet
def exp(x):
    return np.exp(x)


@_quiet
def log(x):
    return np.log(x)


@_quiet
def tanh(x):
    return np.tanh(x)


def maximum(x1, x2):
    return np.maximum(x1, x2)


def minimum(x1, x2):
    return np.minimum(x1, x2)


def clip(x, x_min, x_max):
    dtype = x.dtype
    return np.clip(x, x_min, x_max).astype(dtype)


def equal(x1, x2):
    return np.equal(x1, x2)


def not_equal(x1, x2):
    return np.not_equal(x1, x2)


def less(x1, x2):
    return np.less(x1, x2)


def less_equal(x1, x2):
    return np.less_equal(x1, x2)


def greater(x1, x2):
    return np.greater(x1, x2)


def greater_equal(x1, x2):
    return np.greater_equal(x1, x2)


def logical_and(x1, x2):
    return np.logical_and(x1, x2)


def logical_or(x1, x2):
    return np.logical_or(x1, x2)


def logical_not(x):
    return np.logical_not(x)


def where(condition, x1, x2):
    return np.where(condition, x1, x2)


def nonzero(x):
    return tuple(np.nonzero(x))


def zeros(shape, dtype):
    return np.zeros(shape, dtype=dtypes.to_numpy_dtype(dtype))


def ones(shape, dtype):
    return np.ones(shape, dtype=dtypes.to_numpy_dtype(dtype))


def full(shape, fill_value, dtype):
    return np.full(shape, fill_value, dtype=dtypes.to_numpy_dtype(dtype))


# -- math functions -----------------------------------------------------------------------


@_quiet
def sin(x):
    return np.sin(x)


@_quiet
def cos(x):
    return np.cos(x)


@_quiet
def tan(x):
    return np.tan(x)


@_quiet
def arcsin(x):
    return np.arcsin(x)


@_quiet
def arccos(x):
    return np.arccos(x)


@_quiet
def arctan(x):
    return np.arctan(x)


@_quiet
def sinh(x):
    return np.sinh(x)


@_quiet
def cosh(x):
    return np.cosh(x)


@_quiet
def arcsinh(x):
    return np.arcsinh(x)


@_quiet
def arccosh(x):
    return np.arccosh(x)


@_quiet
def arctanh(x):
    return np.arctanh(x)


@_quiet
def exp2(x):
    return np.exp2(x)


@_quiet
def expm1(x):
    return np.expm1(x)


@_quiet
def log2(x):
    return np.log2(x)


@_quiet
def log10(x):
    return np.log10(x)


@_quiet
def log1p(x):
    return np.log1p(x)


@_quiet
def cbrt(x):
    return np.cbrt(x)


@_quiet
def sinc(x):
    return np.sinc(x).astype(x.dtype)  # NumPy widens bfloat16


@_quiet
def i0(x):
    # np.i0 computes in float64 and has no bfloat16/float16 loops
    return np.i0(x.astype(np.float64)).astype(x.dtype)


@_quiet
def arctan2(x1, x2):
    return np.arctan2(x1, x2)


@_quiet
def logaddexp(x1, x2):
    return np.logaddexp(x1, x2)


@_quiet
def logaddexp2(x1, x2):
    return np.logaddexp2(x1, x2)


@_quiet
def hypot(x1, x2):
    return np.hypot(x1, x2)


@_quiet
def heaviside(x1, x2):
    return np.heaviside(x1, x2)


@_quiet
def nextafter(x1, x2):
    return np.nextafter(x1, x2)


@_quiet
def ldexp(x1, x2):
    return np.ldexp(x1, x2)


# -- rounding, division, extrema ----------------------------------------------------------


def floor(x):
    return np.floor(x)


def ceil(x):
    return np.ceil(x)


def trunc(x):
    return np.trunc(x)


def sign(x):
    return np.sign(x)


def signbit(x):
    return np.signbit(x)


@_quiet
def round(x, decimals=0):  # noqa: A001
    return np.round(x, decimals=decimals)


@_quiet
def floor_divide(x1, x2):
    return np.floor_divide(x1, x2)


@_quiet
def mod(x1, x2):
    return np.mod(x1, x2)


@_quiet
def fmod(x1, x2):
    return np.fmod(x1, x2)


def fmax(x1, x2):
    return np.fmax(x1, x2)


def fmin(x1, x2):
    return np.fmin(x1, x2)


def gcd(x1, x2):
    return np.gcd(x1, x2)


def lcm(x1, x2):
    return np.lcm(x1, x2)


# -- floating-point classes, comparison --------------------------------------------------


def isnan(x):
    return np.isnan(x)


def isinf(x):
    return np.isinf(x)


def isfinite(x):
    return np.isfinite(x)


@_quiet
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return np.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


@_quiet
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# -- logic and bits -----------------------------------------------------------------------


def logical_xor(x1, x2):
    return np.logical_xor(x1, x2)


def bitwise_and(x1, x2):
    return np.bitwise_and(x1, x2)


def bitwise_or(x1, x2):
    return np.bitwise_or(x1, x2)


def bitwise_xor(x1, x2):
    return np.bitwise_xor(x1, x2)


def bitwise_invert(x):
    return np.invert(x)


def left_shift(x1, x2):
    return np.left_shift(x1, x2)


def right_shift(x1, x2):
    return np.right_shift(x1, x2)


# -- complex numbers ----------------------------------------------------------------------


def real(x):
    return np.real(x)


def imag(x):
    return np.imag(x)


def conjugate(x):
    return np.conjugate(x)


@_quiet
def angle(x):
    return np.angle(x)


# -- creation ----------------------------------------------------------------------------


def arange(start, stop, step, dtype):
    return np.arange(start, stop, step, dtype=dtypes.to_numpy_dtype(dtype))


@_quiet
def linspace(start, stop, num, endpoint, dtype, axis):
    return np.linspace(start, stop, num=num, endpoint=endpoint,
                       dtype=dtypes.to_numpy_dtype(dtype), axis=axis)


from lamina.backend.numpy.arrays import *  # noqa: E402,F401,F403 - the array half of the namespace
