"""torch backend: the NumPy-like ops (array part: reductions, shapes, joining, indexing,
sorting, products).

Inputs arrive already converted (and promoted where the op needs one dtype) by lamina.ops.
Index results are int32, as in Keras. A few ops whose results are value-dependent and not
differentiable (unique, histogram, argpartition, vectorize) run the NumPy reference on the
host; they are listed in GAPS.md.
"""

import builtins

import numpy as np
import torch

from lamina import tree
from lamina.backend.common import dtypes
from lamina.backend.torch.core import (
    convert_to_numpy,
    convert_to_tensor,
    _device,
    _torch_dtype,
    _widen_unsigned,
)


def _axes(x, axis):
    """`axis` (None, an int or a sequence) as a tuple of non-negative dims."""
    if axis is None:
        return tuple(range(x.ndim))
    if isinstance(axis, (list, tuple)):
        return tuple(a % builtins.max(x.ndim, 1) for a in axis)
    return (axis % builtins.max(x.ndim, 1),)


def _on_host(name, *args, **kwargs):
    """The NumPy reference's `name` on host copies of the tensors, back as tensors."""
    from lamina.backend.numpy import numpy as reference

    def to_host(a):
        return convert_to_numpy(a) if isinstance(a, torch.Tensor) else a

    args = tree.map_structure(to_host, args)
    kwargs = tree.map_structure(to_host, kwargs)
    out = getattr(reference, name)(*args, **kwargs)
    return tree.map_structure(
        lambda a: convert_to_tensor(a) if isinstance(a, (np.ndarray, np.generic)) else a, out)


def _keep_dims(out, x, axes, keepdims):
    if keepdims:
        for a in sorted(axes):
            out = out.unsqueeze(a)
    return out


# -- reductions -----------------------------------------------------------------------------


@_widen_unsigned
def sum(x, axis=None, keepdims=False):  # noqa: A001
    if x.dtype == torch.bool:
        return any(x, axis=axis, keepdims=keepdims)
    return torch.sum(x, dim=_axes(x, axis), keepdim=keepdims, dtype=x.dtype) if x.ndim else x


@_widen_unsigned
def prod(x, axis=None, keepdims=False):
    if x.dtype == torch.bool:
        return all(x, axis=axis, keepdims=keepdims)
    out = x
    for a in sorted(_axes(x, axis), reverse=True):
        out = torch.prod(out, dim=a, keepdim=keepdims, dtype=x.dtype)
    return out


def mean(x, axis=None, keepdims=False):
    if x.ndim == 0:
        return x
    return torch.mean(x, dim=_axes(x, axis), keepdim=keepdims, dtype=x.dtype)


def var(x, axis=None, keepdims=False):
    if x.ndim == 0:
        return torch.zeros_like(x)
    return torch.var(x, dim=_axes(x, axis), correction=0, keepdim=keepdims)


def std(x, axis=None, keepdims=False):
    if x.ndim == 0:
        return torch.zeros_like(x)
    return torch.std(x, dim=_axes(x, axis), correction=0, keepdim=keepdims)


def _extreme(reduce, combine, x, axis, keepdims, initial):
    axes = _axes(x, axis)
    if initial is not None and builtins.any(x.shape[a] == 0 for a in axes):
        shape = [1 if i in axes else d for i, d in enumerate(x.shape)]
        out = torch.full(shape, initial, dtype=x.dtype, device=x.device)
        return out if keepdims else out.reshape([d for i, d in enumerate(x.shape) if i not in axes])
    if x.dtype == torch.bool:
        out = reduce(x.to(torch.uint8), dim=axes, keepdim=keepdims).to(torch.bool)
    else:
        out = reduce(x, dim=axes, keepdim=keepdims) if x.ndim else x
    if initial is not None:
        out = combine(out, torch.as_tensor(initial, dtype=x.dtype, device=x.device))
    return out


@_widen_unsigned
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extreme(torch.amax, torch.maximum, x, axis, keepdims, initial)


@_widen_unsigned
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return _extreme(torch.amin, torch.minimum, x, axis, keepdims, initial)


def all(x, axis=None, keepdims=False):  # noqa: A001
    x = x.to(torch.bool)
    for a in sorted(_axes(x, axis), reverse=True):
        x = torch.all(x, dim=a, keepdim=keepdims)
    return x


def any(x, axis=None, keepdims=False):  # noqa: A001
    x = x.to(torch.bool)
    for a in sorted(_axes(x, axis), reverse=True):
        x = torch.any(x, dim=a, keepdim=keepdims)
    return x


def _arg_extreme(reduce, x, axis, keepdims):
    if x.dtype == torch.bool or x.dtype in (torch.uint16, torch.uint32, torch.uint64):
        x = x.to(torch.int64)
    if axis is None:
        out = reduce(x.reshape(-1), dim=0)
        return out.reshape((1,) * x.ndim if keepdims else ()).to(torch.int32)
    return reduce(x, dim=axis, keepdim=keepdims).to(torch.int32)


def argmax(x, axis=None, keepdims=False):
    return _arg_extreme(torch.argmax, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return _arg_extreme(torch.argmin, x, axis, keepdims)


def count_nonzero(x, axis=None):
    return torch.count_nonzero(x, dim=_axes(x, axis)).to(torch.int32)


@_widen_unsigned
def cumsum(x, axis=None):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool:
        return torch.cumsum(x.to(torch.int32), dim=axis) > 0
    return torch.cumsum(x, dim=axis, dtype=x.dtype)


@_widen_unsigned
def cumprod(x, axis=None):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool:
        return torch.cumprod(x.to(torch.int32), dim=axis) > 0
    return torch.cumprod(x, dim=axis, dtype=x.dtype)


def _quantile(x, q, axis, method, keepdims, skip_nan):
    """NumPy's quantile by sorting: the reduced axes are moved last and flattened."""
    dtype = x.dtype
    compute = x if dtype == torch.float64 else x.to(torch.float32)
    axes = _axes(x, axis)
    kept = [d for d in range(x.ndim) if d not in axes]
    moved = compute.permute(kept + list(axes)).reshape([x.shape[d] for d in kept] + [-1])
    ordered = torch.sort(moved, dim=-1).values
    nan = torch.isnan(moved)
    if skip_nan:
        count = (~nan).sum(dim=-1, keepdim=True)
    else:
        count = torch.full_like(moved[..., :1], moved.shape[-1], dtype=torch.int64)
    q_t = convert_to_tensor(q).to(compute.dtype)
    q_flat = q_t.reshape(-1)
    last = (count - 1).clamp(min=0).to(compute.dtype)
    positions = q_flat.reshape((-1,) + (1,) * moved.ndim) * last  # (nq, ..., 1)
    low = torch.floor(positions)
    high = torch.ceil(positions)
    if method == "lower":
        positions = low
        high = low
    elif method == "higher":
        positions = high
        low = high
    elif method == "nearest":
        positions = torch.round(positions)
        low = high = positions
    expanded = ordered.unsqueeze(0).expand((q_flat.shape[0],) + tuple(ordered.shape))
    lo_values = torch.gather(expanded, -1, low.to(torch.int64).clamp(min=0))
    hi_values = torch.gather(expanded, -1, high.to(torch.int64).clamp(min=0))
    if method == "midpoint":
        out = (lo_values + hi_values) / 2
    else:
        out = lo_values + (positions - low) * (hi_values - lo_values)
        out = torch.where(positions == low, lo_values, out)
    out = out[..., 0]  # (nq, kept...)
    invalid = (count[..., 0] == 0) if skip_nan else nan.any(dim=-1)
    out = torch.where(invalid, torch.full_like(out, float("nan")), out)
    if keepdims:
        shape = [1 if d in axes else x.shape[d] for d in range(x.ndim)]
        out = out.reshape((q_flat.shape[0],) + tuple(shape))
    out = out.reshape(tuple(q_t.shape) + tuple(out.shape[1:]))
    return out.to(dtype)


def median(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, skip_nan=False)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, skip_nan=False)


def average(x, axis=None, weights=None):
    if weights is None:
        return mean(x, axis=axis)
    if axis is not None and weights.ndim == 1 and x.ndim > 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        weights = weights.reshape(shape)
    weights = torch.broadcast_to(weights, x.shape).to(x.dtype)
    total = torch.sum(x * weights, dim=_axes(x, axis))
    return (total / torch.sum(weights, dim=_axes(x, axis))).to(x.dtype)


def _fill_nan(x, value):
    if not x.dtype.is_floating_point:
        return x
    return torch.where(torch.isnan(x), torch.as_tensor(value, dtype=x.dtype, device=x.device), x)


def nansum(x, axis=None, keepdims=False):
    return sum(_fill_nan(x, 0), axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    return prod(_fill_nan(x, 1), axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    if not x.dtype.is_floating_point:
        return mean(x, axis=axis, keepdims=keepdims)
    count = torch.sum((~torch.isnan(x)).to(x.dtype), dim=_axes(x, axis), keepdim=keepdims)
    return (nansum(x, axis=axis, keepdims=keepdims) / count).to(x.dtype)


def nanvar(x, axis=None, keepdims=False):
    if not x.dtype.is_floating_point:
        return var(x, axis=axis, keepdims=keepdims)
    centered = x - nanmean(x, axis=axis, keepdims=True)
    return nanmean(centered * centered, axis=axis, keepdims=keepdims)


def nanstd(x, axis=None, keepdims=False):
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(reduce, fill, x, axis, keepdims):
    if not x.dtype.is_floating_point:
        return reduce(x, axis=axis, keepdims=keepdims)
    out = reduce(_fill_nan(x, fill), axis=axis, keepdims=keepdims)
    every_nan = all(torch.isnan(x), axis=axis, keepdims=keepdims)
    return torch.where(every_nan, torch.full_like(out, float("nan")), out)


def nanmax(x, axis=None, keepdims=False):
    return _nan_extreme(max, -float("inf"), x, axis, keepdims)


def nanmin(x, axis=None, keepdims=False):
    return _nan_extreme(min, float("inf"), x, axis, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return _quantile(x, 0.5, axis, "linear", keepdims, skip_nan=True)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    return _quantile(x, q, axis, method, keepdims, skip_nan=True)


def _nan_arg(reduce, fill, x, axis, keepdims):
    if not x.dtype.is_floating_point:
        return reduce(x, axis=axis, keepdims=keepdims)
    out = reduce(_fill_nan(x, fill), axis=axis, keepdims=keepdims)
    every_nan = all(torch.isnan(x), axis=axis, keepdims=keepdims)
    return torch.where(every_nan, torch.full_like(out, -1), out)


def nanargmax(x, axis=None, keepdims=False):
    return _nan_arg(argmax, -float("inf"), x, axis, keepdims)


def nanargmin(x, axis=None, keepdims=False):
    return _nan_arg(argmin, float("inf"), x, axis, keepdims)


def nancumsum(x, axis=None):
    return cumsum(_fill_nan(x, 0), axis=axis)


def nancumprod(x, axis=None):
    return cumprod(_fill_nan(x, 1), axis=axis)


def bincount(x, weights=None, minlength=0):
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.numel() else 0)
    dtype = x.dtype if weights is None else weights.dtype
    indices = x.to(torch.int64)
    if x.ndim == 2:
        # One flat bincount over rows shifted into their own ranges.
        offsets = torch.arange(x.shape[0], device=x.device)[:, None] * length
        flat_weights = None if weights is None else weights.reshape(-1).to(torch.float64)
        counts = torch.bincount((indices + offsets).reshape(-1), flat_weights,
                                minlength=length * x.shape[0])
        return counts.reshape(x.shape[0], length).to(dtype)
    flat_weights = None if weights is None else weights.to(torch.float64)
    return torch.bincount(indices, flat_weights, minlength=length).to(dtype)


# -- sorting ----------------------------------------------------------------------------------


@_widen_unsigned
def sort(x, axis=-1):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool:
        return torch.sort(x.to(torch.uint8), dim=axis).values.to(torch.bool)
    return torch.sort(x, dim=axis, stable=True).values


@_widen_unsigned
def argsort(x, axis=-1):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


def argpartition(x, kth, axis=-1):
    return _on_host("argpartition", x, kth, axis=axis)


# -- shapes -----------------------------------------------------------------------------------


def reshape(x, newshape):
    if isinstance(newshape, int):
        newshape = (newshape,)
    return torch.reshape(x, tuple(int(d) for d in newshape))


def transpose(x, axes=None):
    if axes is None:
        axes = tuple(reversed(range(x.ndim)))
    return x.permute(tuple(axes))


def expand_dims(x, axis):
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    ndim = x.ndim + len(axes)
    axes = sorted(a % ndim for a in axes)
    for a in axes:
        x = x.unsqueeze(a)
    return x


def squeeze(x, axis=None):
    if axis is None:
        return torch.squeeze(x)
    return torch.squeeze(x, dim=_axes(x, axis))


def broadcast_to(x, shape):
    return torch.broadcast_to(x, tuple(shape))


def moveaxis(x, source, destination):
    return torch.movedim(x, source, destination)


def swapaxes(x, axis1, axis2):
    return torch.swapaxes(x, axis1, axis2)


def flip(x, axis=None):
    return torch.flip(x, _axes(x, axis))


def roll(x, shift, axis=None):
    if axis is None:
        return torch.roll(x.reshape(-1), shift).reshape(x.shape)
    return torch.roll(x, shift, axis)


def rot90(array, k=1, axes=(0, 1)):
    return torch.rot90(array, k, tuple(axes))


def tile(x, repeats):
    if isinstance(repeats, int):
        repeats = (repeats,)
    return torch.tile(x, tuple(int(r) for r in repeats))


def repeat(x, repeats, axis=None):
    if axis is None:
        x, axis = x.reshape(-1), 0
    if isinstance(repeats, (list, tuple, np.ndarray)):
        repeats = torch.as_tensor(np.asarray(repeats), device=x.device)
    return torch.repeat_interleave(x, repeats, dim=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    pad_width = [(int(lo), int(hi)) for lo, hi in np.broadcast_to(
        np.asarray(pad_width, dtype=np.int64).reshape(-1, 2) if np.ndim(pad_width) else
        np.asarray([[pad_width, pad_width]]), (x.ndim, 2))]
    if mode == "constant":
        flat = [p for lo_hi in reversed(pad_width) for p in lo_hi]
        value = 0 if constant_values is None else constant_values
        if x.dtype == torch.bool:
            padded = torch.nn.functional.pad(x.to(torch.uint8), flat, value=int(bool(value)))
            return padded.to(torch.bool)
        if isinstance(value, torch.Tensor):
            value = value.item()
        return torch.nn.functional.pad(x, flat, value=value)
    if mode in ("reflect", "symmetric", "edge", "wrap"):
        # The source index of every output position, read off NumPy's own padding of arange.
        for axis, (lo, hi) in enumerate(pad_width):
            if lo == 0 and hi == 0:
                continue
            source = np.pad(np.arange(x.shape[axis]), (lo, hi), mode=mode)
            x = torch.index_select(x, axis, torch.as_tensor(source, device=x.device))
        return x
    return _on_host("pad", x, pad_width, mode=mode, constant_values=constant_values)


def diag(x, k=0):
    return torch.diag(x, k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return torch.diagonal(x, offset=offset, dim1=axis1, dim2=axis2)


def tril(x, k=0):
    return torch.tril(x, k)


def triu(x, k=0):
    return torch.triu(x, k)


@_widen_unsigned
def diff(a, n=1, axis=-1):
    if a.dtype == torch.bool:
        out = a
        for _ in range(n):
            out = torch.ne(torch.narrow(out, axis, 1, out.shape[axis] - 1),
                           torch.narrow(out, axis, 0, out.shape[axis] - 1))
        return out
    return torch.diff(a, n=n, dim=axis)


def copy(x):
    return x.clone()


def view(x, dtype):
    return x.view(_torch_dtype(dtype))


def meshgrid(xs, indexing="xy"):
    return list(torch.meshgrid(*xs, indexing=indexing))


# -- joining and splitting --------------------------------------------------------------------


def concatenate(xs, axis=0):
    if axis is None:
        return torch.cat([x.reshape(-1) for x in xs])
    return torch.cat(list(xs), dim=axis)


def stack(x, axis=0):
    return torch.stack(list(x), dim=axis)


def split(x, indices_or_sections, axis=0):
    if not isinstance(indices_or_sections, int):
        indices_or_sections = [int(i) for i in indices_or_sections]
    return list(torch.tensor_split(x, indices_or_sections, dim=axis))


# -- indexing ---------------------------------------------------------------------------------


def _index_key(key):
    if isinstance(key, tuple):
        return tuple(_index_key(k) for k in key)
    if isinstance(key, (np.ndarray, list)):
        return convert_to_tensor(np.asarray(key))
    if isinstance(key, np.integer):
        return int(key)
    return key


def get_item(x, key):
    key = _index_key(key)
    if _has_negative_step(key):
        return _basic_index(x, key if isinstance(key, tuple) else (key,))
    return x[key]


def _has_negative_step(key):
    parts = key if isinstance(key, tuple) else (key,)
    return builtins.any(isinstance(k, slice) and k.step is not None and k.step < 0
                        for k in parts)


def _basic_index(x, key):
    """`x[key]` for a key of ints, slices (any step), None and Ellipsis, one axis at a time:
    torch slices take positive steps only, so negative ones become gathered indices."""
    if builtins.any(not (k is None or k is Ellipsis or isinstance(k, (int, slice)))
                    for k in key):
        raise IndexError(
            f"get_item: slices with negative steps can only be combined with ints, slices, "
            f"None and Ellipsis on the torch backend; received key={key!r}.")
    consumed = builtins.sum(1 for k in key if k is not None and k is not Ellipsis)
    if Ellipsis in key:
        at = key.index(Ellipsis)
        key = key[:at] + (slice(None),) * (x.ndim - consumed) + key[at + 1:]
    else:
        key = key + (slice(None),) * (x.ndim - consumed)
    axis = 0
    for k in key:
        if k is None:
            x = x.unsqueeze(axis)
            axis += 1
        elif isinstance(k, int):
            x = x.select(axis, k)
        elif k.step is not None and k.step < 0:
            index = torch.arange(*k.indices(x.shape[axis]), device=x.device)
            x = torch.index_select(x, axis, index)
            axis += 1
        else:
            x = x[(slice(None),) * axis + (k,)]
            axis += 1
    return x


def _wrap_indices(indices, size):
    indices = indices.to(torch.int64)
    return torch.where(indices < 0, indices + size, indices)


def take(x, indices, axis=None):
    if axis is None:
        x, axis = x.reshape(-1), 0
    axis = axis % x.ndim
    indices = _wrap_indices(convert_to_tensor(indices), x.shape[axis])
    flat = torch.index_select(x, axis, indices.reshape(-1))
    return flat.reshape(tuple(x.shape[:axis]) + tuple(indices.shape) + tuple(x.shape[axis + 1:]))


def take_along_axis(x, indices, axis=None):
    if axis is None:
        x, axis = x.reshape(-1), 0
    indices = _wrap_indices(indices, x.shape[axis])
    return torch.take_along_dim(x, indices, dim=axis)


def nonzero(x):
    return tuple(i.to(torch.int32) for i in torch.nonzero(x, as_tuple=True))


@_widen_unsigned
def searchsorted(sorted_sequence, values, side="left"):
    return torch.searchsorted(sorted_sequence, values, side=side).to(torch.int32)


@_widen_unsigned
def digitize(x, bins):
    if bins.numel() > 1 and bool(bins[-1] < bins[0]):
        reversed_bins = torch.flip(bins, (0,))
        index = torch.searchsorted(reversed_bins, x, side="left")
        return (bins.numel() - index).to(torch.int32)
    return torch.searchsorted(bins, x, side="right").to(torch.int32)


def histogram(x, bins=10, range=None):  # noqa: A002 - NumPy's argument name
    return _on_host("histogram", x, bins=bins, range=range)


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    return _on_host("unique", x, return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis, size=size, fill_value=fill_value)


@_widen_unsigned
def isin(x1, x2, assume_unique=False, invert=False):
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def select(condlist, choicelist, default=0):
    out = None
    for cond, choice in zip(reversed(list(condlist)), reversed(list(choicelist))):
        if out is None:
            default_t = torch.as_tensor(default, dtype=choice.dtype, device=choice.device) \
                if not isinstance(default, torch.Tensor) else default.to(choice.dtype)
            out = torch.broadcast_to(default_t, torch.broadcast_shapes(cond.shape, choice.shape))
        out = torch.where(cond.to(torch.bool), choice, out)
    return out


def unravel_index(indices, shape):
    remaining = indices.to(torch.int64)
    out = []
    for size in reversed(tuple(shape)):
        out.append(torch.remainder(remaining, size))
        remaining = torch.div(remaining, size, rounding_mode="floor")
    return tuple(i.to(indices.dtype) for i in reversed(out))


# -- products ---------------------------------------------------------------------------------


def _product_dtype(*xs):
    """Torch multiplies matrices of floats (and int64 on CPU): others go through a wider
    dtype and come back."""
    dtype = xs[0].dtype
    if dtype.is_floating_point and (dtype in (torch.float32, torch.float64)
                                    or _device() != "cpu"):
        return dtype, dtype
    if dtype.is_complex:
        return dtype, dtype
    if dtype.is_floating_point:
        return dtype, torch.float32
    return dtype, torch.int64


def _via(function, *xs):
    dtype, compute = _product_dtype(*xs)
    if compute == dtype:
        return function(*xs)
    out = function(*(x.to(compute) for x in xs))
    return out.to(dtype) if dtype != torch.bool else out != 0


def matmul(x1, x2):
    return _via(torch.matmul, x1, x2)


def dot(x1, x2):
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x2.ndim == 1:
        return _via(lambda a, b: torch.tensordot(a, b, dims=([-1], [0])), x1, x2)
    return _via(lambda a, b: torch.tensordot(a, b, dims=([-1], [-2])), x1, x2)


def tensordot(x1, x2, axes=2):
    if not isinstance(axes, int):
        axes = [list(a) if isinstance(a, (list, tuple)) else [a] for a in axes]
    return _via(lambda a, b: torch.tensordot(a, b, dims=axes), x1, x2)


def einsum(subscripts, *operands):
    return _via(lambda *xs: torch.einsum(subscripts, *xs), *operands)


def kron(x1, x2):
    return _via(torch.kron, x1, x2)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = torch.movedim(x1, axisa, -1), torch.movedim(x2, axisb, -1)
    planar = x1.shape[-1] == 2 and x2.shape[-1] == 2

    def component(v, i):
        return v[..., i] if i < v.shape[-1] else torch.zeros_like(v[..., 0])

    a0, a1, a2 = (component(x1, i) for i in range(3))
    b0, b1, b2 = (component(x2, i) for i in range(3))
    z = a0 * b1 - a1 * b0
    if planar:
        return z
    out = torch.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, z], dim=-1)
    return torch.movedim(out, -1, axisc)


def correlate(x1, x2, mode="valid"):
    return _on_host("correlate", x1, x2, mode=mode) if not x1.dtype.is_floating_point \
        else _correlate(x1, x2, mode)


def _correlate(a, v, mode):
    n, m = a.shape[0], v.shape[0]
    if m > n:  # NumPy swaps the operands and reverses the result
        full = torch.flip(_correlate_full(v, a), (0,))
    else:
        full = _correlate_full(a, v)
    if mode == "full":
        return full
    short, long_ = builtins.min(n, m), builtins.max(n, m)
    if mode == "valid":
        return full[short - 1: long_]
    start = (short - 1) // 2 if m <= n else short // 2
    return full[start: start + long_]


def _correlate_full(a, v):
    m = v.shape[0]
    padded = torch.nn.functional.pad(a, (m - 1, m - 1))
    windows = padded.unfold(0, m, 1)
    return windows @ v


def corrcoef(x):
    compute = x if x.dtype == torch.float64 else x.to(torch.float32)
    if compute.ndim == 1:
        compute = compute[None]
    centered = compute - compute.mean(dim=1, keepdim=True)
    covariance = centered @ centered.T / (compute.shape[1] - 1)
    scale = torch.sqrt(torch.diagonal(covariance))
    out = covariance / scale[:, None] / scale[None, :]
    out = torch.clamp(out, -1, 1)
    return (out if x.ndim > 1 else out.reshape(())).to(x.dtype)


def vander(x, N=None, increasing=False):  # noqa: N803 - NumPy's argument name
    n = x.shape[0] if N is None else int(N)
    powers = torch.arange(n, device=x.device)
    if not increasing:
        powers = torch.flip(powers, (0,))
    if x.dtype.is_floating_point:
        return torch.pow(x[:, None], powers[None, :].to(x.dtype))
    return _on_host("vander", x, N=N, increasing=increasing)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    n = y.shape[axis]
    upper = torch.narrow(y, axis, 1, n - 1)
    lower = torch.narrow(y, axis, 0, n - 1)
    if x is None:
        out = torch.sum((upper + lower) * dx / 2.0, dim=axis)
    else:
        spacing = torch.diff(x, dim=axis if x.ndim == y.ndim else -1)
        if x.ndim == 1 and y.ndim > 1:
            shape = [1] * y.ndim
            shape[axis] = -1
            spacing = spacing.reshape(shape)
        out = torch.sum((upper + lower) * spacing / 2.0, dim=axis)
    return out.to(y.dtype)


def slogdet(x):
    sign, logabsdet = torch.linalg.slogdet(x)
    return sign.to(x.dtype), logabsdet.to(x.dtype)


def vectorize(pyfunc, excluded=None, signature=None):
    vectorized = np.vectorize(
        lambda *args, **kwargs: convert_to_numpy(convert_to_tensor(pyfunc(*args, **kwargs))),
        excluded=excluded, signature=signature)

    def call(*args, **kwargs):
        args = [convert_to_numpy(a) if isinstance(a, torch.Tensor) else a for a in args]
        return convert_to_tensor(vectorized(*args, **kwargs))

    return call


