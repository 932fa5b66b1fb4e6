"""Indexing and lookup ops of the NumPy-like namespace: get_item, take, take_along_axis,
nonzero, searchsorted, digitize, histogram, unique, isin, select, unravel_index. Public as
`lamina.ops.<name>` and `lamina.ops.numpy.<name>`; written like arrays.py, whose helpers they
share.
"""

import numpy as np

from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote, to_tensor
from lamina.ops.rules import KerasTensor
from lamina.ops.arrays import _cast, _dtype, _float_dtype, _public, _same

# -- indexing -------------------------------------------------------------------------------------


def _get_item_rule(x, key):
    shape = list(rules.shape_of(x))
    keys = list(key) if isinstance(key, tuple) else [key]
    for k in keys:
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer))
                and not isinstance(k, bool)):
            raise ValueError(
                "ops.get_item on symbolic tensors supports ints, slices, None and Ellipsis; "
                f"received key {key!r}. Index concrete tensors for array or boolean keys."
            )
    if keys.count(Ellipsis) > 1:
        raise ValueError(f"ops.get_item: at most one Ellipsis is allowed, received key {key!r}.")
    consuming = len([k for k in keys if k is not None and k is not Ellipsis])
    if consuming > len(shape):
        raise ValueError(
            f"ops.get_item: too many indices ({consuming}) for a tensor of shape "
            f"{tuple(shape)}; key {key!r}."
        )
    if Ellipsis not in keys:
        keys.append(Ellipsis)
    out = []
    remaining = list(shape)
    for k in keys:
        if k is None:
            out.append(1)
        elif k is Ellipsis:
            take = len(remaining) - len([j for j in keys[keys.index(Ellipsis) + 1:]
                                         if j is not None])
            out.extend(remaining[:take])
            remaining = remaining[take:]
        else:
            length = remaining.pop(0)
            if isinstance(k, slice):
                out.append(None if length is None else len(range(*k.indices(length))))
            elif length is not None and not -length <= int(k) < length:
                raise ValueError(
                    f"ops.get_item: index {int(k)} is out of bounds for an axis of size "
                    f"{length} (shape {tuple(shape)})."
                )
    return _same(x, out)


def _index_key(part):
    if part is None or part is Ellipsis or isinstance(part, (int, slice, np.integer)):
        return part
    if isinstance(part, (list, tuple)) or hasattr(part, "shape"):
        value = to_tensor(part)
        kind = dtypes.standardize_dtype(value.dtype)
        if not (dtypes.is_int_dtype(kind) or kind == "bool"):
            raise ValueError(
                f"ops.get_item: array keys must hold ints or bools, received dtype {value.dtype}."
            )
        return value
    raise ValueError(f"ops.get_item: unsupported key {part!r} of type {type(part).__name__}.")


@_public("get_item")
@op(_get_item_rule)
def get_item(x, key):
    """`x[key]` with NumPy indexing: ints, slices, None, Ellipsis, int and bool arrays."""
    if isinstance(key, tuple):
        key = tuple(_index_key(k) for k in key)
    else:
        key = _index_key(key)
    return active.numpy.get_item(to_tensor(x), key)


def _take_rule(x, indices, axis=None):
    x_shape = list(rules.shape_of(x))
    i_shape = list(rules.shape_of(indices))
    if axis is None:
        return _same(x, i_shape)
    axis = canonical_axis(axis, len(x_shape))
    return _same(x, x_shape[:axis] + i_shape + x_shape[axis + 1:])


def _int_indices(indices):
    indices = to_tensor(indices)
    if dtypes.standardize_dtype(indices.dtype) not in ("int32", "int64"):
        indices = to_tensor(indices, "int32")
    return indices


@_public("take")
@op(_take_rule)
def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` when None)."""
    return active.numpy.take(to_tensor(x), _int_indices(indices), axis=axis)


def _take_along_axis_rule(x, indices, axis=None):
    x_shape = list(rules.shape_of(x))
    i_shape = list(rules.shape_of(indices))
    if axis is None:
        return _same(x, i_shape)
    if len(x_shape) != len(i_shape):
        raise ValueError(
            "ops.take_along_axis: `x` and `indices` need the same rank, received shapes "
            f"{tuple(x_shape)} and {tuple(i_shape)}."
        )
    axis = canonical_axis(axis, len(x_shape))
    x_shape[axis] = i_shape[axis]
    out = rules.broadcast_shapes(tuple(x_shape), tuple(i_shape))
    return _same(x, out)


@_public("take_along_axis")
@op(_take_along_axis_rule)
def take_along_axis(x, indices, axis=None):
    """Elements of `x` at `indices` matched along `axis` (flattened `x` when None)."""
    x = to_tensor(x)
    indices = _int_indices(indices)
    if axis is None:
        return active.numpy.take_along_axis(active.numpy.reshape(x, (-1,)),
                                            active.numpy.reshape(indices, (-1,)), axis=0)
    axis = canonical_axis(axis, len(x.shape))
    shape = list(_take_along_axis_rule(
        KerasTensor(tuple(x.shape)), KerasTensor(tuple(indices.shape)), axis
    ).shape)
    x_shape = list(shape)
    x_shape[axis] = x.shape[axis]
    x = active.numpy.broadcast_to(x, tuple(x_shape))
    indices = active.numpy.broadcast_to(indices, tuple(shape))
    return active.numpy.take_along_axis(x, indices, axis=axis)


def _nonzero_rule(x):
    return tuple(KerasTensor((None,), "int32") for _ in rules.shape_of(x))


@_public("nonzero")
@op(_nonzero_rule)
def nonzero(x):
    """The int32 indices of the non-zero values, one tensor per axis (needs concrete `x`)."""
    return active.numpy.nonzero(to_tensor(x))


def _searchsorted_rule(sorted_sequence, values, side="left"):
    seq_shape = rules.shape_of(sorted_sequence)
    if len(seq_shape) != 1:
        raise ValueError(
            "ops.searchsorted needs a 1-D `sorted_sequence` (use ops.vectorized_map for more), "
            f"received shape {seq_shape}."
        )
    if side not in ("left", "right"):
        raise ValueError(f"ops.searchsorted: `side` must be 'left' or 'right', received {side!r}.")
    return KerasTensor(rules.shape_of(values), "int32")


@_public("searchsorted")
@op(_searchsorted_rule)
def searchsorted(sorted_sequence, values, side="left"):
    """Indices (int32) where `values` would be inserted to keep `sorted_sequence` sorted."""
    _searchsorted_rule(KerasTensor(rules.shape_of(sorted_sequence)), KerasTensor(()), side)
    sorted_sequence, values = promote(sorted_sequence, values)
    return active.numpy.searchsorted(sorted_sequence, values, side=side)


def _digitize_rule(x, bins):
    if len(rules.shape_of(bins)) != 1:
        raise ValueError(
            f"ops.digitize: `bins` must be 1-D, received shape {rules.shape_of(bins)}."
        )
    return KerasTensor(rules.shape_of(x), "int32")


@_public("digitize")
@op(_digitize_rule)
def digitize(x, bins):
    """The index (int32) of the bin of `bins` each value of `x` falls in."""
    _digitize_rule(KerasTensor(()), bins)
    return active.numpy.digitize(*promote(x, bins))


def _histogram_rule(x, bins=10, range=None):  # noqa: A002 - Keras' argument name
    if not isinstance(bins, int) or isinstance(bins, bool):
        raise TypeError(f"ops.histogram: `bins` must be an int, received bins={bins!r}.")
    if bins <= 0:
        raise ValueError(f"ops.histogram: `bins` must be > 0, received bins={bins}.")
    if range is not None and (len(range) != 2 or range[0] > range[1]):
        raise ValueError(
            f"ops.histogram: `range` must be (min, max) with min <= max, received {range!r}."
        )
    if len(rules.shape_of(x)) != 1:
        raise ValueError(f"ops.histogram: `x` must be 1-D, received shape {rules.shape_of(x)}.")
    return (KerasTensor((bins,), "int32"), KerasTensor((bins + 1,), _float_dtype(_dtype(x))))


@_public("histogram")
@op(_histogram_rule)
def histogram(x, bins=10, range=None):  # noqa: A002
    """Counts (int32) of `x` in `bins` equal bins over `range`, and the bin edges (float)."""
    x = to_tensor(x)
    _histogram_rule(KerasTensor(tuple(x.shape)), bins, range)
    x = _cast(x, _float_dtype(dtypes.standardize_dtype(x.dtype)))
    range = None if range is None else (float(range[0]), float(range[1]))
    return active.numpy.histogram(x, bins=bins, range=range)


def _unique_rule(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
                 return_counts=False, axis=None, size=None, fill_value=None):
    if not sorted:
        raise ValueError("ops.unique: sorted=False is not supported; the values come sorted.")
    shape = list(rules.shape_of(x))
    if axis is None:
        values_shape = (size,)
    else:
        axis = canonical_axis(axis, len(shape))
        values_shape = tuple(size if i == axis else d for i, d in enumerate(shape))
    outputs = [KerasTensor(values_shape, _dtype(x))]
    if return_index:
        outputs.append(KerasTensor((size,), "int32"))
    if return_inverse:
        outputs.append(KerasTensor(tuple(shape) if axis is None else (shape[axis],), "int32"))
    if return_counts:
        outputs.append(KerasTensor((size,), "int32"))
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


@_public("unique")
@op(_unique_rule)
def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The sorted unique values of `x` (along `axis`), optionally first indices, inverse and
    counts (int32). Without `size` the length depends on the values (needs concrete `x`);
    with `size` the result is cut or padded with `fill_value` (default: the smallest value).
    """
    x = to_tensor(x)
    _unique_rule(KerasTensor(tuple(x.shape)), sorted, axis=axis)
    return active.numpy.unique(x, return_index=return_index, return_inverse=return_inverse,
                               return_counts=return_counts, axis=axis, size=size,
                               fill_value=fill_value)


@_public("isin")
@op(lambda x1, x2, assume_unique=False, invert=False: KerasTensor(rules.shape_of(x1), "bool"))
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each value of `x1` occurs in `x2` (the opposite with `invert`)."""
    x1, x2 = promote(x1, x2)
    return active.numpy.isin(x1, x2, assume_unique=assume_unique, invert=invert)


def _select_rule(condlist, choicelist, default=0):
    if len(condlist) != len(choicelist) or not len(condlist):
        raise ValueError(
            "ops.select: `condlist` and `choicelist` must be non-empty and of one length, "
            f"received {len(condlist)} and {len(choicelist)}."
        )
    shape = rules.broadcast_shapes(*(rules.shape_of(t) for t in [*condlist, *choicelist, default]))
    dtype = dtypes.result_type(*(rules.dtype_of(t) for t in [*choicelist, default]))
    return KerasTensor(shape, dtype)


@_public("select")
@op(_select_rule)
def select(condlist, choicelist, default=0):
    """Per element, the choice of the first true condition (else `default`)."""
    spec = _select_rule(condlist, choicelist, default)
    conditions = [active.numpy.broadcast_to(to_tensor(c, "bool"), spec.shape) for c in condlist]
    *choices, default = promote(*choicelist, default)
    choices = [active.numpy.broadcast_to(c, spec.shape) for c in choices]
    return active.numpy.select(conditions, choices, default=default)


def _unravel_index_rule(indices, shape):
    shape = tuple(shape)
    out = [None] if None in shape else list(rules.shape_of(indices))
    return tuple(KerasTensor(tuple(out), _dtype(indices)) for _ in shape)


@_public("unravel_index")
@op(_unravel_index_rule)
def unravel_index(indices, shape):
    """The coordinates in a tensor of `shape` of the flat `indices`, one tensor per axis."""
    return active.numpy.unravel_index(to_tensor(indices), tuple(int(d) for d in shape))


