"""numpy backend: the NumPy-like ops (array part: reductions, shapes, joining, indexing,
sorting, products).

Inputs arrive already converted (and promoted where the op needs one dtype) by lamina.ops;
each function computes with NumPy. Index results are int32, as in Keras.
"""

import builtins
import warnings

import numpy as np

from lamina.backend.common import dtypes


def _quiet(fn, *args, **kwargs):
    # All-NaN or empty slices make NumPy warn; the NaN result is the answer, not a problem.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)


# -- reductions -----------------------------------------------------------------------------


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return np.asarray(np.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def prod(x, axis=None, keepdims=False):
    return np.asarray(np.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def mean(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.mean, x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def var(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.var, x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def std(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.std, x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return np.asarray(np.max(x, axis=axis, keepdims=keepdims, initial=initial))


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return np.asarray(np.min(x, axis=axis, keepdims=keepdims, initial=initial))


def all(x, axis=None, keepdims=False):  # noqa: A001
    return np.asarray(np.all(x, axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):  # noqa: A001
    return np.asarray(np.any(x, axis=axis, keepdims=keepdims))


def argmax(x, axis=None, keepdims=False):
    return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims)).astype("int32")


def argmin(x, axis=None, keepdims=False):
    return np.asarray(np.argmin(x, axis=axis, keepdims=keepdims)).astype("int32")


def count_nonzero(x, axis=None):
    return np.asarray(np.count_nonzero(x, axis=axis)).astype("int32")


def cumsum(x, axis=None):
    return np.cumsum(x, axis=axis, dtype=x.dtype)


def cumprod(x, axis=None):
    return np.cumprod(x, axis=axis, dtype=x.dtype)


def median(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.median, x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    out = _quiet(np.quantile, x, q, axis=axis, method=method, keepdims=keepdims)
    return np.asarray(out).astype(x.dtype)


def average(x, axis=None, weights=None):
    return np.asarray(np.average(x, axis=axis, weights=weights)).astype(x.dtype)


def nansum(x, axis=None, keepdims=False):
    return np.asarray(np.nansum(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def nanprod(x, axis=None, keepdims=False):
    return np.asarray(np.nanprod(x, axis=axis, keepdims=keepdims, dtype=x.dtype))


def nanmean(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanmean, x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def nanvar(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanvar, x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def nanstd(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanstd, x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def nanmax(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanmax, x, axis=axis, keepdims=keepdims))


def nanmin(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanmin, x, axis=axis, keepdims=keepdims))


def nanmedian(x, axis=None, keepdims=False):
    return np.asarray(_quiet(np.nanmedian, x, axis=axis, keepdims=keepdims)).astype(x.dtype)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    out = _quiet(np.nanquantile, x, q, axis=axis, method=method, keepdims=keepdims)
    return np.asarray(out).astype(x.dtype)


def nanargmax(x, axis=None, keepdims=False):
    # NumPy raises on all-NaN slices; Keras (like JAX) answers -1 there.
    filled = np.where(np.isnan(x), -np.inf, x)
    out = np.argmax(filled, axis=axis, keepdims=keepdims)
    return np.where(np.all(np.isnan(x), axis=axis, keepdims=keepdims), -1, out).astype("int32")


def nanargmin(x, axis=None, keepdims=False):
    filled = np.where(np.isnan(x), np.inf, x)
    out = np.argmin(filled, axis=axis, keepdims=keepdims)
    return np.where(np.all(np.isnan(x), axis=axis, keepdims=keepdims), -1, out).astype("int32")


def nancumsum(x, axis=None):
    return np.nancumsum(x, axis=axis, dtype=x.dtype)


def nancumprod(x, axis=None):
    return np.nancumprod(x, axis=axis, dtype=x.dtype)


def bincount(x, weights=None, minlength=0):
    length = builtins.max(int(minlength), int(x.max()) + 1 if x.size else 0)
    dtype = x.dtype if weights is None else weights.dtype
    if x.ndim == 2:
        rows = [
            np.bincount(row, None if weights is None else weights[i], minlength=length)
            for i, row in enumerate(x)
        ]
        return np.stack(rows).reshape(x.shape[0], length).astype(dtype)
    return np.bincount(x, weights, minlength=length).astype(dtype)


# -- sorting ----------------------------------------------------------------------------------


def sort(x, axis=-1):
    return np.sort(x, axis=axis)


def argsort(x, axis=-1):
    return np.argsort(x, axis=axis, kind="stable").astype("int32")


def argpartition(x, kth, axis=-1):
    return np.argpartition(x, kth, axis=axis).astype("int32")


# -- shapes -----------------------------------------------------------------------------------


def reshape(x, newshape):
    return np.reshape(x, newshape)


def transpose(x, axes=None):
    return np.transpose(x, axes)


def expand_dims(x, axis):
    return np.expand_dims(x, axis)


def squeeze(x, axis=None):
    return np.squeeze(x, axis=axis)


def broadcast_to(x, shape):
    return np.broadcast_to(x, shape).copy()


def moveaxis(x, source, destination):
    return np.moveaxis(x, source, destination)


def swapaxes(x, axis1, axis2):
    return np.swapaxes(x, axis1, axis2)


def flip(x, axis=None):
    return np.flip(x, axis=axis)


def roll(x, shift, axis=None):
    return np.roll(x, shift, axis=axis)


def rot90(array, k=1, axes=(0, 1)):
    return np.rot90(array, k=k, axes=axes)


def tile(x, repeats):
    return np.tile(x, repeats)


def repeat(x, repeats, axis=None):
    return np.repeat(x, repeats, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    if mode == "constant":
        return np.pad(x, pad_width, mode=mode,
                      constant_values=0 if constant_values is None else constant_values)
    return np.pad(x, pad_width, mode=mode)


def diag(x, k=0):
    return np.diag(x, k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return np.diagonal(x, offset=offset, axis1=axis1, axis2=axis2).copy()


def tril(x, k=0):
    return np.tril(x, k=k)


def triu(x, k=0):
    return np.triu(x, k=k)


def diff(a, n=1, axis=-1):
    return np.diff(a, n=n, axis=axis)


def copy(x):
    return np.array(x, copy=True)


def view(x, dtype):
    return x.view(dtypes.to_numpy_dtype(dtype))


def meshgrid(xs, indexing="xy"):
    return [g.copy() for g in np.meshgrid(*xs, indexing=indexing)]


# -- joining and splitting --------------------------------------------------------------------


def concatenate(xs, axis=0):
    return np.concatenate(xs, axis=axis)


def stack(x, axis=0):
    return np.stack(x, axis=axis)


def split(x, indices_or_sections, axis=0):
    return np.split(x, indices_or_sections, axis=axis)


# -- indexing ---------------------------------------------------------------------------------


def get_item(x, key):
    return np.asarray(x[key])


def take(x, indices, axis=None):
    return np.take(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    return np.take_along_axis(x, indices, axis=axis)


def nonzero(x):
    return tuple(i.astype("int32") for i in np.nonzero(x))


def searchsorted(sorted_sequence, values, side="left"):
    return np.searchsorted(sorted_sequence, values, side=side).astype("int32")


def digitize(x, bins):
    return np.digitize(x, bins).astype("int32")


def histogram(x, bins=10, range=None):  # noqa: A002 - NumPy's argument name
    counts, edges = np.histogram(x, bins=bins, range=range)
    return counts.astype("int32"), edges.astype(x.dtype)


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    values, index, inverse, counts = np.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis
    )
    inverse = inverse.reshape(x.shape if axis is None else (x.shape[axis],))
    if size is not None:
        dim = 0 if axis is None else axis % x.ndim
        found = values.shape[dim]
        if found >= size:
            keep = [builtins.slice(None)] * values.ndim
            keep[dim] = builtins.slice(0, size)
            values, index, counts = values[tuple(keep)], index[:size], counts[:size]
        else:
            widths = [(0, 0)] * values.ndim
            widths[dim] = (0, size - found)
            fill = values.min() if fill_value is None and values.size else fill_value
            values = np.pad(values, widths, constant_values=0 if fill is None else fill)
            index = np.pad(index, (0, size - found))
            counts = np.pad(counts, (0, size - found))
    outputs = [values]
    if return_index:
        outputs.append(index.astype("int32"))
    if return_inverse:
        outputs.append(inverse.astype("int32"))
    if return_counts:
        outputs.append(counts.astype("int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def isin(x1, x2, assume_unique=False, invert=False):
    return np.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def select(condlist, choicelist, default=0):
    return np.select(condlist, choicelist, default=default)


def unravel_index(indices, shape):
    return tuple(i.astype(indices.dtype) for i in np.unravel_index(indices, shape))


# -- products ---------------------------------------------------------------------------------


def matmul(x1, x2):
    return np.matmul(x1, x2)


def dot(x1, x2):
    return np.asarray(np.dot(x1, x2))


def tensordot(x1, x2, axes=2):
    return np.tensordot(x1, x2, axes=axes)


def einsum(subscripts, *operands):
    return np.asarray(np.einsum(subscripts, *operands))


def kron(x1, x2):
    return np.kron(x1, x2)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    x1, x2 = np.moveaxis(x1, axisa, -1), np.moveaxis(x2, axisb, -1)
    planar = x1.shape[-1] == 2 and x2.shape[-1] == 2
    # NumPy deprecates 2-component vectors: give them a zero third component instead.
    x1, x2 = (np.pad(v, [(0, 0)] * (v.ndim - 1) + [(0, 3 - v.shape[-1])]) for v in (x1, x2))
    out = np.cross(x1, x2)
    return out[..., 2] if planar else np.moveaxis(out, -1, axisc)


def correlate(x1, x2, mode="valid"):
    return np.correlate(x1, x2, mode=mode)


def corrcoef(x):
    return np.asarray(_quiet(np.corrcoef, x)).astype(x.dtype)


def vander(x, N=None, increasing=False):  # noqa: N803 - NumPy's argument name
    return np.vander(x, N=N, increasing=increasing).astype(x.dtype)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    return np.asarray(np.trapezoid(y, x=x, dx=dx, axis=axis)).astype(y.dtype)


def slogdet(x):
    sign, logabsdet = np.linalg.slogdet(x)
    return np.asarray(sign).astype(x.dtype), np.asarray(logabsdet).astype(x.dtype)


def vectorize(pyfunc, excluded=None, signature=None):
    return np.vectorize(pyfunc, excluded=excluded, signature=signature)
