"""jax backend: the NumPy-like ops (array part: reductions, shapes, joining, indexing,
sorting, products).

Inputs arrive already converted (and promoted where the op needs one dtype) by lamina.ops.
Everything is traceable except the ops whose output shape depends on values (nonzero,
unique without `size`, bincount, boolean masks), which need concrete inputs as in JAX.
"""

import builtins

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import dtypes

# -- reductions -----------------------------------------------------------------------------


def sum(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.sum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def prod(x, axis=None, keepdims=False):
    return jnp.prod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def mean(x, axis=None, keepdims=False):
    return jnp.mean(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def var(x, axis=None, keepdims=False):
    return jnp.var(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def std(x, axis=None, keepdims=False):
    return jnp.std(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return jnp.max(x, axis=axis, keepdims=keepdims, initial=initial)


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    return jnp.min(x, axis=axis, keepdims=keepdims, initial=initial)


def all(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.all(x, axis=axis, keepdims=keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    return jnp.any(x, axis=axis, keepdims=keepdims)


def argmax(x, axis=None, keepdims=False):
    return jnp.argmax(x, axis=axis, keepdims=keepdims).astype("int32")


def argmin(x, axis=None, keepdims=False):
    return jnp.argmin(x, axis=axis, keepdims=keepdims).astype("int32")


def count_nonzero(x, axis=None):
    return jnp.count_nonzero(x, axis=axis).astype("int32")


def cumsum(x, axis=None):
    return jnp.cumsum(x, axis=axis, dtype=x.dtype)


def cumprod(x, axis=None):
    return jnp.cumprod(x, axis=axis, dtype=x.dtype)


def median(x, axis=None, keepdims=False):
    return jnp.median(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def quantile(x, q, axis=None, method="linear", keepdims=False):
    return jnp.quantile(x, q, axis=axis, method=method, keepdims=keepdims).astype(x.dtype)


def average(x, axis=None, weights=None):
    return jnp.average(x, axis=axis, weights=weights).astype(x.dtype)


def nansum(x, axis=None, keepdims=False):
    return jnp.nansum(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def nanprod(x, axis=None, keepdims=False):
    return jnp.nanprod(x, axis=axis, keepdims=keepdims, dtype=x.dtype)


def nanmean(x, axis=None, keepdims=False):
    return jnp.nanmean(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def nanvar(x, axis=None, keepdims=False):
    return jnp.nanvar(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def nanstd(x, axis=None, keepdims=False):
    return jnp.nanstd(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def nanmax(x, axis=None, keepdims=False):
    return jnp.nanmax(x, axis=axis, keepdims=keepdims)


def nanmin(x, axis=None, keepdims=False):
    return jnp.nanmin(x, axis=axis, keepdims=keepdims)


def nanmedian(x, axis=None, keepdims=False):
    return jnp.nanmedian(x, axis=axis, keepdims=keepdims).astype(x.dtype)


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    out = jnp.nanquantile(x, q, axis=axis, method=method, keepdims=keepdims)
    return out.astype(x.dtype)


def nanargmax(x, axis=None, keepdims=False):
    return jnp.nanargmax(x, axis=axis, keepdims=keepdims).astype("int32")


def nanargmin(x, axis=None, keepdims=False):
    return jnp.nanargmin(x, axis=axis, keepdims=keepdims).astype("int32")


def nancumsum(x, axis=None):
    return jnp.nancumsum(x, axis=axis, dtype=x.dtype)


def nancumprod(x, axis=None):
    return jnp.nancumprod(x, axis=axis, dtype=x.dtype)


def bincount(x, weights=None, minlength=0):
    # The output length depends on the values: this needs a concrete `x`, as in JAX.
    length = builtins.max(int(minlength), int(jnp.max(x)) + 1 if x.size else 0)
    dtype = x.dtype if weights is None else weights.dtype
    if x.ndim == 2:
        if weights is None:
            count = jax.vmap(lambda row: jnp.bincount(row, length=length))
            return count(x).astype(dtype)
        count = jax.vmap(lambda row, w: jnp.bincount(row, w, length=length))
        return count(x, weights).astype(dtype)
    return jnp.bincount(x, weights, length=length).astype(dtype)


# -- sorting ----------------------------------------------------------------------------------


def sort(x, axis=-1):
    return jnp.sort(x, axis=axis)


def argsort(x, axis=-1):
    return jnp.argsort(x, axis=axis, stable=True).astype("int32")


def argpartition(x, kth, axis=-1):
    return jnp.argpartition(x, kth, axis=axis).astype("int32")


# -- shapes -----------------------------------------------------------------------------------


def reshape(x, newshape):
    return jnp.reshape(x, newshape)


def transpose(x, axes=None):
    return jnp.transpose(x, axes)


def expand_dims(x, axis):
    return jnp.expand_dims(x, axis)


def squeeze(x, axis=None):
    return jnp.squeeze(x, axis=axis)


def broadcast_to(x, shape):
    return jnp.broadcast_to(x, shape)


def moveaxis(x, source, destination):
    return jnp.moveaxis(x, source, destination)


def swapaxes(x, axis1, axis2):
    return jnp.swapaxes(x, axis1, axis2)


def flip(x, axis=None):
    return jnp.flip(x, axis=axis)


def roll(x, shift, axis=None):
    return jnp.roll(x, shift, axis=axis)


def rot90(array, k=1, axes=(0, 1)):
    return jnp.rot90(array, k=k, axes=axes)


def tile(x, repeats):
    return jnp.tile(x, repeats)


def repeat(x, repeats, axis=None):
    return jnp.repeat(x, repeats, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    if mode == "constant":
        return jnp.pad(x, pad_width, mode=mode,
                       constant_values=0 if constant_values is None else constant_values)
    return jnp.pad(x, pad_width, mode=mode)


def diag(x, k=0):
    return jnp.diag(x, k=k)


def diagonal(x, offset=0, axis1=0, axis2=1):
    return jnp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


def tril(x, k=0):
    return jnp.tril(x, k=k)


def triu(x, k=0):
    return jnp.triu(x, k=k)


def diff(a, n=1, axis=-1):
    return jnp.diff(a, n=n, axis=axis)


def copy(x):
    return jnp.array(x, copy=True)


def view(x, dtype):
    new = np.dtype(dtypes.to_numpy_dtype(dtype))
    old = np.dtype(x.dtype)
    if new.itemsize == old.itemsize:
        return jax.lax.bitcast_convert_type(x, new)
    if new.itemsize < old.itemsize:
        # bitcast adds a trailing axis of (old // new) pieces: fold it into the last axis.
        pieces = jax.lax.bitcast_convert_type(x, new)
        return jnp.reshape(pieces, x.shape[:-1] + (x.shape[-1] * pieces.shape[-1],))
    ratio = new.itemsize // old.itemsize
    grouped = jnp.reshape(x, x.shape[:-1] + (x.shape[-1] // ratio, ratio))
    return jax.lax.bitcast_convert_type(grouped, new)


def meshgrid(xs, indexing="xy"):
    return list(jnp.meshgrid(*xs, indexing=indexing))


# -- joining and splitting --------------------------------------------------------------------


def concatenate(xs, axis=0):
    return jnp.concatenate(xs, axis=axis)


def stack(x, axis=0):
    return jnp.stack(x, axis=axis)


def split(x, indices_or_sections, axis=0):
    return jnp.split(x, indices_or_sections, axis=axis)


# -- indexing ---------------------------------------------------------------------------------


def get_item(x, key):
    return x[key]


def take(x, indices, axis=None):
    return jnp.take(x, indices, axis=axis)


def take_along_axis(x, indices, axis=None):
    return jnp.take_along_axis(x, indices, axis=axis)


def nonzero(x):
    return tuple(i.astype("int32") for i in jnp.nonzero(x))


def searchsorted(sorted_sequence, values, side="left"):
    return jnp.searchsorted(sorted_sequence, values, side=side).astype("int32")


def digitize(x, bins):
    return jnp.digitize(x, bins).astype("int32")


def histogram(x, bins=10, range=None):  # noqa: A002 - NumPy's argument name
    counts, edges = jnp.histogram(x, bins=bins, range=range)
    return counts.astype("int32"), edges.astype(x.dtype)


def unique(x, return_index=False, return_inverse=False, return_counts=False, axis=None,
           size=None, fill_value=None):
    values, index, inverse, counts = jnp.unique(
        x, return_index=True, return_inverse=True, return_counts=True, axis=axis, size=size,
        fill_value=fill_value,
    )
    inverse = jnp.reshape(inverse, x.shape if axis is None else (x.shape[axis],))
    outputs = [values]
    if return_index:
        outputs.append(index.astype("int32"))
    if return_inverse:
        outputs.append(inverse.astype("int32"))
    if return_counts:
        outputs.append(counts.astype("int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def isin(x1, x2, assume_unique=False, invert=False):
    return jnp.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def select(condlist, choicelist, default=0):
    return jnp.select(condlist, choicelist, default=default)


def unravel_index(indices, shape):
    return tuple(i.astype(indices.dtype) for i in jnp.unravel_index(indices, shape))


# -- products ---------------------------------------------------------------------------------


def matmul(x1, x2):
    return jnp.matmul(x1, x2)


def dot(x1, x2):
    return jnp.dot(x1, x2)


def tensordot(x1, x2, axes=2):
    return jnp.tensordot(x1, x2, axes=axes)


def einsum(subscripts, *operands):
    return jnp.einsum(subscripts, *operands)


def kron(x1, x2):
    return jnp.kron(x1, x2)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return jnp.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def correlate(x1, x2, mode="valid"):
    return jnp.correlate(x1, x2, mode=mode)


def corrcoef(x):
    return jnp.corrcoef(x).astype(x.dtype)


def vander(x, N=None, increasing=False):  # noqa: N803 - NumPy's argument name
    return jnp.vander(x, N=N, increasing=increasing)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    return jnp.trapezoid(y, x=x, dx=dx, axis=axis).astype(y.dtype)


def slogdet(x):
    sign, logabsdet = jnp.linalg.slogdet(x)
    return sign.astype(x.dtype), logabsdet.astype(x.dtype)


def vectorize(pyfunc, excluded=None, signature=None):
    return jnp.vectorize(pyfunc, excluded=frozenset(excluded or ()), signature=signature)
