"""torch backend: the NumPy-like ops (elementwise part; array ops come from arrays.py).

Inputs arrive already promoted to one dtype by lamina.ops; each function computes.
Functions marked `@_widen_unsigned` compute uint16/32/64 in int64 (torch lacks those kernels).
"""

import numpy as np
import torch

from lamina.backend.common import dtypes
from lamina.backend.torch.core import convert_to_tensor, _device, _torch_dtype, _widen_unsigned


def _is_float(x):
    return x.dtype.is_floating_point


def _is_complex(x):
    return x.dtype.is_complex


@_widen_unsigned
def add(x1, x2):
    if x1.dtype == torch.bool:
        return torch.logical_or(x1, x2)
    return torch.add(x1, x2)


@_widen_unsigned
def subtract(x1, x2):
    return torch.subtract(x1, x2)


@_widen_unsigned
def multiply(x1, x2):
    if x1.dtype == torch.bool:
        return torch.logical_and(x1, x2)
    return torch.multiply(x1, x2)


@_widen_unsigned
def divide(x1, x2):
    return torch.true_divide(x1, x2)


@_widen_unsigned
def power(x1, x2):
    return torch.pow(x1, x2)


@_widen_unsigned
def negative(x):
    return torch.negative(x)


@_widen_unsigned
def absolute(x):
    if x.dtype == torch.bool:
        return x
    return torch.abs(x)


@_widen_unsigned
def square(x):
    if x.dtype == torch.bool:
        return x
    return torch.square(x)


def sqrt(x):
    return torch.sqrt(x)


def exp(x):
    return torch.exp(x)


def log(x):
    return torch.log(x)


def tanh(x):
    return torch.tanh(x)


@_widen_unsigned
def maximum(x1, x2):
    return torch.maximum(x1, x2)


@_widen_unsigned
def minimum(x1, x2):
    return torch.minimum(x1, x2)


@_widen_unsigned
def clip(x, x_min, x_max):
    dtype = x.dtype
    if dtype == torch.bool:
        wide = x.to(torch.int32)
        return torch.clamp(wide, _like(x_min, wide), _like(x_max, wide)).to(dtype)
    return torch.clamp(x, _like(x_min, x), _like(x_max, x)).to(dtype)


def _like(value, x):
    if isinstance(value, torch.Tensor):
        return value.to(x.dtype)
    return torch.as_tensor(value, dtype=x.dtype, device=x.device)


@_widen_unsigned
def equal(x1, x2):
    return torch.eq(x1, x2)


@_widen_unsigned
def not_equal(x1, x2):
    return torch.ne(x1, x2)


@_widen_unsigned
def less(x1, x2):
    return torch.lt(x1, x2)


@_widen_unsigned
def less_equal(x1, x2):
    return torch.le(x1, x2)


@_widen_unsigned
def greater(x1, x2):
    return torch.gt(x1, x2)


@_widen_unsigned
def greater_equal(x1, x2):
    return torch.ge(x1, x2)


def logical_and(x1, x2):
    return torch.logical_and(x1, x2)


def logical_or(x1, x2):
    return torch.logical_or(x1, x2)


def logical_not(x):
    return torch.logical_not(x)


def where(condition, x1, x2):
    condition = convert_to_tensor(condition).to(torch.bool)
    if isinstance(x1, torch.Tensor) and x1.dtype in (torch.uint16, torch.uint32, torch.uint64):
        out = torch.where(condition, x1.to(torch.int64), convert_to_tensor(x2).to(torch.int64))
        return out.to(x1.dtype)
    return torch.where(condition, x1, x2)


def nonzero(x):
    return tuple(torch.nonzero(x, as_tuple=True))


def zeros(shape, dtype):
    return torch.zeros(tuple(shape), dtype=_torch_dtype(dtype), device=_device())


def ones(shape, dtype):
    return torch.ones(tuple(shape), dtype=_torch_dtype(dtype), device=_device())


def full(shape, fill_value, dtype):
    dtype = _torch_dtype(dtype)
    if isinstance(fill_value, torch.Tensor) or np.ndim(fill_value):
        fill = convert_to_tensor(fill_value).to(dtype)
        return torch.broadcast_to(fill, tuple(shape)).clone()
    return torch.full(tuple(shape), fill_value, dtype=dtype, device=_device())


# -- math functions -----------------------------------------------------------------------


def sin(x):
    return torch.sin(x)


def cos(x):
    return torch.cos(x)


def tan(x):
    return torch.tan(x)


def arcsin(x):
    return torch.arcsin(x)


def arccos(x):
    return torch.arccos(x)


def arctan(x):
    return torch.arctan(x)


def sinh(x):
    return torch.sinh(x)


def cosh(x):
    return torch.cosh(x)


def arcsinh(x):
    return torch.arcsinh(x)


def arccosh(x):
    return torch.arccosh(x)


def arctanh(x):
    return torch.arctanh(x)


def exp2(x):
    return torch.exp2(x)


def expm1(x):
    return torch.expm1(x)


def log2(x):
    return torch.log2(x)


def log10(x):
    return torch.log10(x)


def log1p(x):
    return torch.log1p(x)


def cbrt(x):
    return torch.sign(x) * torch.pow(torch.abs(x), 1.0 / 3.0)


def sinc(x):
    return torch.sinc(x)


def i0(x):
    if x.dtype in (torch.float16, torch.bfloat16):
        return torch.special.i0(x.float()).to(x.dtype)
    return torch.special.i0(x)


def arctan2(x1, x2):
    return torch.arctan2(x1, x2)


def logaddexp(x1, x2):
    return torch.logaddexp(x1, x2)


def logaddexp2(x1, x2):
    return torch.logaddexp2(x1, x2)


def hypot(x1, x2):
    return torch.hypot(x1, x2)


def heaviside(x1, x2):
    out = torch.heaviside(x1, x2)
    if x1.dtype.is_floating_point:
        out = torch.where(torch.isnan(x1), x1, out)
    return out


def nextafter(x1, x2):
    if x1.dtype in (torch.float16, torch.bfloat16):
        # No half-precision kernel: step in the dtype's own bit pattern.
        bits = x1.view(torch.int16).to(torch.int32)
        equal_ = x1 == x2
        toward_up = (x2 > x1) == (x1 >= 0)
        step = torch.where(toward_up, 1, -1)
        zero = x1 == 0
        tiny = torch.where(x2 > x1, 1, -32767).to(torch.int32)  # +min subnormal or -min
        new_bits = torch.where(zero, tiny, bits + step)
        out = new_bits.to(torch.int16).view(x1.dtype)
        out = torch.where(equal_, x2, out)
        return torch.where(torch.isnan(x1) | torch.isnan(x2), x1 + x2, out)
    return torch.nextafter(x1, x2)


def ldexp(x1, x2):
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.ldexp(x1, x2).to(x1.dtype)


# -- rounding, division, extrema ----------------------------------------------------------


def floor(x):
    if not _is_float(x):
        return x
    return torch.floor(x)


def ceil(x):
    if not _is_float(x):
        return x
    return torch.ceil(x)


def trunc(x):
    if not _is_float(x):
        return x
    return torch.trunc(x)


@_widen_unsigned
def sign(x):
    if x.dtype == torch.bool:
        return x
    if x.dtype.is_floating_point:
        return torch.where(torch.isnan(x), x, torch.sign(x))
    return torch.sign(x)


@_widen_unsigned
def signbit(x):
    if not _is_float(x):
        return x < 0
    return torch.signbit(x)


@_widen_unsigned
def round(x, decimals=0):  # noqa: A001
    if _is_float(x):
        return torch.round(x, decimals=decimals)
    if decimals >= 0:
        return x
    # Integers rounded to tens, hundreds...: half to even, as NumPy.
    factor = 10 ** (-decimals)
    return (torch.round(x.to(torch.float64) / factor) * factor).to(x.dtype)


@_widen_unsigned
def floor_divide(x1, x2):
    if not _is_float(x1) and x1.dtype != torch.bool:
        # NumPy gives 0 for an integer division by zero where torch raises.
        safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
        return torch.where(x2 == 0, torch.zeros_like(x1), torch.floor_divide(x1, safe))
    return torch.floor_divide(x1, x2)


@_widen_unsigned
def mod(x1, x2):
    if not _is_float(x1):
        safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
        return torch.where(x2 == 0, torch.zeros_like(x1), torch.remainder(x1, safe))
    return torch.remainder(x1, x2)


@_widen_unsigned
def fmod(x1, x2):
    if not _is_float(x1):
        safe = torch.where(x2 == 0, torch.ones_like(x2), x2)
        return torch.where(x2 == 0, torch.zeros_like(x1), torch.fmod(x1, safe))
    return torch.fmod(x1, x2)


@_widen_unsigned
def fmax(x1, x2):
    return torch.fmax(x1, x2)


@_widen_unsigned
def fmin(x1, x2):
    return torch.fmin(x1, x2)


@_widen_unsigned
def gcd(x1, x2):
    return torch.gcd(x1, x2)


@_widen_unsigned
def lcm(x1, x2):
    return torch.lcm(x1, x2)


# -- floating-point classes, comparison --------------------------------------------------


def isnan(x):
    return torch.isnan(x)


def isinf(x):
    return torch.isinf(x)


def isfinite(x):
    return torch.isfinite(x)


@_widen_unsigned
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    if not (_is_float(x) or _is_complex(x)):
        return x
    return torch.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


# -- logic and bits -----------------------------------------------------------------------


def logical_xor(x1, x2):
    return torch.logical_xor(x1, x2)


def bitwise_and(x1, x2):
    return torch.bitwise_and(x1, x2)


def bitwise_or(x1, x2):
    return torch.bitwise_or(x1, x2)


def bitwise_xor(x1, x2):
    return torch.bitwise_xor(x1, x2)


def bitwise_invert(x):
    return torch.bitwise_not(x)


@_widen_unsigned
def left_shift(x1, x2):
    return torch.bitwise_left_shift(x1, x2)


@_widen_unsigned
def right_shift(x1, x2):
    return torch.bitwise_right_shift(x1, x2)


# -- complex numbers ----------------------------------------------------------------------


def real(x):
    return torch.real(x) if _is_complex(x) else x


def imag(x):
    return torch.imag(x) if _is_complex(x) else torch.zeros_like(x)


def conjugate(x):
    return torch.conj_physical(x) if _is_complex(x) else x


def angle(x):
    if x.dtype.is_floating_point:  # atan2 keeps NumPy's angle(-0.0) == pi
        return torch.atan2(torch.zeros_like(x), x)
    return torch.angle(x)


# -- creation ----------------------------------------------------------------------------


def arange(start, stop, step, dtype):
    # NumPy's length rule (ceil((stop - start) / step)), values computed in the dtype.
    values = np.arange(start, stop, step, dtype=dtypes.to_numpy_dtype(dtype))
    return convert_to_tensor(values)


def linspace(start, stop, num, endpoint, dtype, axis):
    start = convert_to_tensor(start).to(torch.float64)
    stop = convert_to_tensor(stop).to(torch.float64)
    start, stop = torch.broadcast_tensors(start, stop)
    divisions = num - 1 if endpoint else num
    steps = torch.arange(num, dtype=torch.float64, device=start.device).reshape(
        (num,) + (1,) * start.ndim)
    delta = stop - start
    if divisions > 0:
        values = start + steps * (delta / divisions)
    else:
        values = start + steps * delta
    if endpoint and num > 1:
        values[-1] = stop
    values = torch.movedim(values, 0, axis) if start.ndim else values
    torch_dtype = _torch_dtype(dtype)
    if not torch_dtype.is_floating_point and not torch_dtype.is_complex:
        values = torch.floor(values)
    return values.to(torch_dtype)


from lamina.backend.torch.arrays import *  # noqa: E402,F401,F403 - the array half of the namespace
