"""jax backend: the NumPy-like ops (elementwise part; array ops come from arrays.py).

Inputs arrive already promoted to one dtype by lamina.ops; each function computes.
"""

import jax.numpy as jnp

from lamina.backend.common import dtypes


def add(x1, x2):
    return jnp.add(x1, x2)


def subtract(x1, x2):
    return jnp.subtract(x1, x2)


def multiply(x1, x2):
    return jnp.multiply(x1, x2)


def divide(x1, x2):
    return jnp.divide(x1, x2)


def power(x1, x2):
    return jnp.power(x1, x2)


def negative(x):
    return jnp.negative(x)


def absolute(x):
    return jnp.absolute(x)


def square(x):
    return jnp.square(x)


def sqrt(x):
    return jnp.sqrt(x)


def exp(x):
    return jnp.exp(x)


def log(x):
    return jnp.log(x)


def tanh(x):
    return jnp.tanh(x)


def maximum(x1, x2):
    return jnp.maximum(x1, x2)


def minimum(x1, x2):
    return jnp.minimum(x1, x2)


def clip(x, x_min, x_max):
    dtype = x.dtype
    return jnp.clip(x, x_min, x_max).astype(dtype)


def equal(x1, x2):
    return jnp.equal(x1, x2)


def not_equal(x1, x2):
    return jnp.not_equal(x1, x2)


def less(x1, x2):
    return jnp.less(x1, x2)


def less_equal(x1, x2):
    return jnp.less_equal(x1, x2)


def greater(x1, x2):
    return jnp.greater(x1, x2)


def greater_equal(x1, x2):
    return jnp.greater_equal(x1, x2)


def logical_and(x1, x2):
    return jnp.logical_and(x1, x2)


def logical_or(x1, x2):
    return jnp.logical_or(x1, x2)


def logical_not(x):
    return jnp.logical_not(x)


def where(condition, x1, x2):
    return jnp.where(condition, x1, x2)


def nonzero(x):
    return tuple(jnp.nonzero(x))


def zeros(shape, dtype):
    return jnp.zeros(shape, dtype=dtypes.to_numpy_dtype(dtype))


def ones(shape, dtype):
    return jnp.ones(shape, dtype=dtypes.to_numpy_dtype(dtype))


def full(shape, fill_value, dtype):
    return jnp.full(shape, fill_value, dtype=dtypes.to_numpy_dtype(dtype))


# -- math functions -----------------------------------------------------------------------


def sin(x):
    return jnp.sin(x)


def cos(x):
    return jnp.cos(x)


def tan(x):
    return jnp.tan(x)


def arcsin(x):
    return jnp.arcsin(x)


def arccos(x):
    return jnp.arccos(x)


def arctan(x):
    return jnp.arctan(x)


def sinh(x):
    return jnp.sinh(x)


def cosh(x):
    return jnp.cosh(x)


def arcsinh(x):
    return jnp.arcsinh(x)


def arccosh(x):
    return jnp.arccosh(x)


def arctanh(x):
    return jnp.arctanh(x)


def exp2(x):
    return jnp.exp2(x)


def expm1(x):
    return jnp.expm1(x)


def log2(x):
    return jnp.log2(x)


def log10(x):
    return jnp.log10(x)


def log1p(x):
    return jnp.log1p(x)


def cbrt(x):
    return jnp.cbrt(x)


def sinc(x):
    return jnp.sinc(x)


def i0(x):
    return jnp.i0(x)


def arctan2(x1, x2):
    return jnp.arctan2(x1, x2)


def logaddexp(x1, x2):
    return jnp.logaddexp(x1, x2)


def logaddexp2(x1, x2):
    return jnp.logaddexp2(x1, x2)


def hypot(x1, x2):
    return jnp.hypot(x1, x2)


def heaviside(x1, x2):
    return jnp.heaviside(x1, x2)


def nextafter(x1, x2):
    return jnp.nextafter(x1, x2)


def ldexp(x1, x2):
    return jnp.ldexp(x1, x2)


# -- rounding, division, extrema ----------------------------------------------------------


def floor(x):
    return jnp.floor(x)


def ceil(x):
    return jnp.ceil(x)


def trunc(x):
    return jnp.trunc(x)


def sign(x):
    return jnp.sign(x)


def signbit(x):
    return jnp.signbit(x)


def round(x, decimals=0):  # noqa: A001
    return jnp.round(x, decimals=decimals)


def floor_divide(x1, x2):
    return jnp.floor_divide(x1, x2)


def mod(x1, x2):
    return jnp.mod(x1, x2)


def fmod(x1, x2):
    return jnp.fmod(x1, x2)


def fmax(x1, x2):
    return jnp.fmax(x1, x2)


def fmin(x1, x2):
    return jnp.fmin(x1, x2)


def gcd(x1, x2):
    return jnp.gcd(x1, x2)


def lcm(x1, x2):
    return jnp.lcm(x1, x2)


# -- floating-point classes, comparison --------------------------------------------------


def isnan(x):
    return jnp.isnan(x)


def isinf(x):
    return jnp.isinf(x)


def isfinite(x):
    return jnp.isfinite(x)


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return jnp.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return jnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# -- logic and bits -----------------------------------------------------------------------


def logical_xor(x1, x2):
    return jnp.logical_xor(x1, x2)


def bitwise_and(x1, x2):
    return jnp.bitwise_and(x1, x2)


def bitwise_or(x1, x2):
    return jnp.bitwise_or(x1, x2)


def bitwise_xor(x1, x2):
    return jnp.bitwise_xor(x1, x2)


def bitwise_invert(x):
    return jnp.invert(x)


def left_shift(x1, x2):
    return jnp.left_shift(x1, x2)


def right_shift(x1, x2):
    return jnp.right_shift(x1, x2)


# -- complex numbers ----------------------------------------------------------------------


def real(x):
    return jnp.real(x)


def imag(x):
    return jnp.imag(x)


def conjugate(x):
    return jnp.conjugate(x)


def angle(x):
    return jnp.angle(x)


# -- creation ----------------------------------------------------------------------------


def arange(start, stop, step, dtype):
    return jnp.arange(start, stop, step, dtype=dtypes.to_numpy_dtype(dtype))


def linspace(start, stop, num, endpoint, dtype, axis):
    return jnp.linspace(start, stop, num=num, endpoint=endpoint,
                        dtype=dtypes.to_numpy_dtype(dtype), axis=axis)


from lamina.backend.jax.arrays import *  # noqa: E402,F401,F403 - the array half of the namespace
