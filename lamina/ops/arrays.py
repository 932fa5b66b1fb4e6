"""Array ops of the NumPy-like namespace: reductions, sorting, shape manipulation, joining
and splitting (indexing.py and products.py hold the rest). Public as `lamina.ops.<name>` and
`lamina.ops.numpy.<name>`.

Each op is a symbolic rule (shape and dtype, following Keras 3) and a compute function that
converts and promotes its inputs, then calls the backend primitive of the same name or
composes other primitives.
"""

import builtins
import math as _math

import numpy as np

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote, to_tensor
from lamina.ops.rules import KerasTensor

_builtin_sum = builtins.sum
_builtin_max = builtins.max
_builtin_min = builtins.min


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.numpy.{name}")


# -- helpers shared by the rules and the compute functions -------------------------------------


def _axis_arg(axis):
    if axis is None or isinstance(axis, int):
        return axis
    if hasattr(axis, "__index__"):
        return int(axis)
    return tuple(int(a) for a in axis)


def _dtype(x):
    return rules.dtype_of(x, weak=False)


def _same(x, shape):
    return KerasTensor(tuple(shape), _dtype(x))


def _flat_size(shape):
    return None if None in shape else _math.prod(shape)


def _accumulate_dtype(dtype):
    """Keras' accumulator for sum-like ops: small ints and bools widen."""
    if dtype in ("bool", "int8", "int16"):
        return "int32"
    if dtype in ("uint8", "uint16"):
        return "uint32"
    return dtype


def _float_dtype(dtype):
    """The float a statistic of `dtype` values has (ints and bools give floatx)."""
    return dtypes.result_type(dtype, float)


def _compute_dtype(dtype):
    """Half floats are reduced in float32 for accuracy, then cast back, as in Keras."""
    return "float32" if dtype in ("float16", "bfloat16") else dtype


def _cast(x, dtype):
    return to_tensor(x, dtype)


def _check_axes(x, axis, name):
    if axis is not None:
        ndim = len(rules.shape_of(x))
        for a in (axis if isinstance(axis, (list, tuple)) else (axis,)):
            if not -ndim <= a < _builtin_max(ndim, 1):
                raise ValueError(
                    f"ops.{name}: `axis`={axis} is out of bounds for a tensor of rank {ndim}."
                )


# -- reductions ---------------------------------------------------------------------------------


@_public("sum")
@op(rules.reduction_sum)
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras' public name
    """Sum over `axis` (all axes when None); bools and small ints accumulate in int32.

    Example:
    >>> ops.sum([[1, 2], [3, 4]], axis=0)
    """
    x = to_tensor(x)
    dtype = _accumulate_dtype(dtypes.standardize_dtype(x.dtype))
    return active.numpy.sum(_cast(x, dtype), axis=_axis_arg(axis), keepdims=keepdims)


def _prod_rule(x, axis=None, keepdims=False, dtype=None):
    out = _accumulate_dtype(_dtype(x)) if dtype is None else dtypes.standardize_dtype(dtype)
    return KerasTensor(rules.reduce_shape(rules.shape_of(x), axis, keepdims), out)


@_public("prod")
@op(_prod_rule)
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product over `axis` (all axes when None), in `dtype` when given."""
    out = _prod_rule(KerasTensor((), _dtype(x)), dtype=dtype).dtype
    return active.numpy.prod(to_tensor(x, out), axis=_axis_arg(axis), keepdims=keepdims)


def _mean_rule(x, axis=None, keepdims=False):
    dtype = _dtype(x)
    if dtype == "bool" or "int" in dtype:
        dtype = dtypes.result_type(dtype, "float32")
    return KerasTensor(rules.reduce_shape(rules.shape_of(x), axis, keepdims), dtype)


def _float_reduce(name, x, out_dtype, **kwargs):
    """Runs backend reduction `name` in the compute dtype of `out_dtype`, casts back."""
    x = to_tensor(x)
    result = getattr(active.numpy, name)(_cast(x, _compute_dtype(out_dtype)), **kwargs)
    return _cast(result, out_dtype)


@_public("mean")
@op(_mean_rule)
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis`; ints and bools give float32."""
    out = _mean_rule(KerasTensor((), _dtype(x))).dtype
    return _float_reduce("mean", x, out, axis=_axis_arg(axis), keepdims=keepdims)


def _float_reduction_rule(x, axis=None, keepdims=False):
    return KerasTensor(
        rules.reduce_shape(rules.shape_of(x), axis, keepdims), _float_dtype(_dtype(x))
    )


@_public("var")
@op(_float_reduction_rule)
def var(x, axis=None, keepdims=False):
    """Variance over `axis`; ints and bools give floatx."""
    return _float_reduce("var", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("std")
@op(_float_reduction_rule)
def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis`; ints and bools give floatx."""
    return _float_reduce("std", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("median")
@op(_float_reduction_rule)
def median(x, axis=None, keepdims=False):
    """Median over `axis`; ints and bools give floatx."""
    return _float_reduce("median", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


def _quantile_rule(x, q, axis=None, method="linear", keepdims=False):
    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError(
            "Argument `method` must be one of 'linear', 'lower', 'higher', 'midpoint', "
            f"'nearest'. Received: method={method!r}."
        )
    q_shape = tuple(rules.shape_of(q))
    if len(q_shape) > 1:
        raise ValueError(f"Argument `q` must be a scalar or 1-D, received shape {q_shape}.")
    shape = q_shape + rules.reduce_shape(rules.shape_of(x), axis, keepdims)
    return KerasTensor(shape, _float_dtype(_dtype(x)))


def _quantile(name, x, q, axis, method, keepdims, scale=1.0):
    _quantile_rule(KerasTensor(rules.shape_of(x), _dtype(x)), q, method=method)
    if not hasattr(q, "shape") or isinstance(q, np.ndarray):
        values = np.asarray(q, dtype="float64")
        if ((values < 0) | (values > scale) | np.isnan(values)).any():
            raise ValueError(
                f"ops.{name.replace('quantile', 'percentile') if scale != 1.0 else name}: "
                f"`q` must be in [0, {scale:g}], received q={q!r}."
            )
    out = _float_dtype(_dtype(x))
    compute = _compute_dtype(out)
    q = to_tensor(q, compute)
    if scale != 1.0:
        q = active.numpy.divide(q, to_tensor(scale, compute))
    x = _cast(to_tensor(x), compute)
    result = getattr(active.numpy, name)(x, q, axis=_axis_arg(axis), method=method,
                                         keepdims=keepdims)
    return _cast(result, out)


@_public("quantile")
@op(_quantile_rule)
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th quantile(s) (in [0, 1]) over `axis`; a 1-D `q` adds a leading axis."""
    return _quantile("quantile", x, q, axis, method, keepdims)


@_public("percentile")
@op(_quantile_rule)
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The `q`-th percentile(s) (in [0, 100]) over `axis`."""
    return _quantile("quantile", x, q, axis, method, keepdims, scale=100.0)


@_public("max")
@op(rules.reduction)
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Largest value over `axis`."""
    return active.numpy.max(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims,
                            initial=initial)


@_public("min")
@op(rules.reduction)
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Smallest value over `axis`."""
    return active.numpy.min(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims,
                            initial=initial)


@_public("amax")
@op(rules.reduction)
def amax(x, axis=None, keepdims=False):
    """Same as `max` without `initial`."""
    return active.numpy.max(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("amin")
@op(rules.reduction)
def amin(x, axis=None, keepdims=False):
    """Same as `min` without `initial`."""
    return active.numpy.min(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("ptp")
@op(rules.reduction)
def ptp(x, axis=None, keepdims=False):
    """Range (max - min) over `axis`."""
    x = to_tensor(x)
    axis = _axis_arg(axis)
    top = active.numpy.max(x, axis=axis, keepdims=keepdims)
    bottom = active.numpy.min(x, axis=axis, keepdims=keepdims)
    return active.numpy.subtract(top, bottom)


@_public("all")
@op(rules.reduction_bool)
def all(x, axis=None, keepdims=False):  # noqa: A001
    """Whether every element over `axis` is true."""
    return active.numpy.all(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("any")
@op(rules.reduction_bool)
def any(x, axis=None, keepdims=False):  # noqa: A001
    """Whether any element over `axis` is true."""
    return active.numpy.any(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("argmax")
@op(rules.arg_reduction)
def argmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest value over `axis` (of the flattened tensor when None)."""
    return active.numpy.argmax(to_tensor(x), axis=axis, keepdims=keepdims)


@_public("argmin")
@op(rules.arg_reduction)
def argmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest value over `axis` (of the flattened tensor when None)."""
    return active.numpy.argmin(to_tensor(x), axis=axis, keepdims=keepdims)


def _count_nonzero_rule(x, axis=None):
    return KerasTensor(rules.reduce_shape(rules.shape_of(x), axis), "int32")


@_public("count_nonzero")
@op(_count_nonzero_rule)
def count_nonzero(x, axis=None):
    """Number (int32) of non-zero values over `axis`."""
    return active.numpy.count_nonzero(to_tensor(x), axis=_axis_arg(axis))


def _cumulative_rule(x, axis=None, dtype=None):
    shape = rules.shape_of(x)
    if axis is None:
        shape = (_flat_size(shape),)
    else:
        canonical_axis(axis, len(shape))
    out = _dtype(x) if dtype is None else dtypes.standardize_dtype(dtype)
    return KerasTensor(tuple(shape), "int32" if out == "bool" else out)


def _cumulative(name, x, axis, dtype):
    out = _cumulative_rule(KerasTensor((), _dtype(x)), None, dtype).dtype
    return getattr(active.numpy, name)(to_tensor(x, out), axis=axis)


@_public("cumsum")
@op(_cumulative_rule)
def cumsum(x, axis=None, dtype=None):
    """Running sum along `axis` (of the flattened tensor when None); bools give int32."""
    return _cumulative("cumsum", x, axis, dtype)


@_public("cumprod")
@op(_cumulative_rule)
def cumprod(x, axis=None, dtype=None):
    """Running product along `axis` (of the flattened tensor when None)."""
    return _cumulative("cumprod", x, axis, dtype)


@_public("nancumsum")
@op(_cumulative_rule)
def nancumsum(x, axis=None, dtype=None):
    """Running sum along `axis`, NaNs counted as 0."""
    return _cumulative("nancumsum", x, axis, dtype)


@_public("nancumprod")
@op(_cumulative_rule)
def nancumprod(x, axis=None, dtype=None):
    """Running product along `axis`, NaNs counted as 1."""
    return _cumulative("nancumprod", x, axis, dtype)


def _average_rule(x, axis=None, weights=None):
    shape = rules.shape_of(x)
    dtype_list = [_dtype(x), float]
    if weights is not None:
        dtype_list.append(_dtype(weights))
        w_shape = rules.shape_of(weights)
        ok = _shapes_match(w_shape, shape)
        if axis is not None and not ok:
            axis_index = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
            ok = isinstance(axis_index, int) and _shapes_match(
                w_shape, (shape[canonical_axis(axis_index, len(shape))],)
            )
        if not ok:
            raise ValueError(
                "ops.average: `weights` must have the shape of `x`, or be 1-D of the length of "
                f"`x` along `axis`. Received weights.shape={w_shape}, x.shape={shape}, "
                f"axis={axis}."
            )
    return KerasTensor(rules.reduce_shape(shape, axis), dtypes.result_type(*dtype_list))


def _shapes_match(a, b):
    return len(a) == len(b) and builtins.all(
        d1 is None or d2 is None or d1 == d2 for d1, d2 in zip(a, b)
    )


@_public("average")
@op(_average_rule)
def average(x, axis=None, weights=None):
    """Weighted mean over `axis` (plain mean without `weights`); the result is float."""
    out = _average_rule(KerasTensor(rules.shape_of(x), _dtype(x)), axis=None).dtype
    if weights is not None:
        out = dtypes.result_type(out, _dtype(weights))
    compute = _compute_dtype(out)
    x = to_tensor(x, compute)
    weights = None if weights is None else to_tensor(weights, compute)
    return _cast(active.numpy.average(x, axis=_axis_arg(axis), weights=weights), out)


def _bincount_rule(x, weights=None, minlength=0, sparse=False):
    shape = rules.shape_of(x)
    if len(shape) not in (1, 2):
        raise ValueError(f"ops.bincount: `x` must be 1-D or 2-D, received shape {shape}.")
    dtype = "int32" if weights is None else dtypes.result_type(_dtype(x), _dtype(weights))
    return KerasTensor(tuple(shape[:-1]) + (None,), dtype)


@_public("bincount")
@op(_bincount_rule)
def bincount(x, weights=None, minlength=0, sparse=False):
    """Counts (or sums `weights`) of each non-negative int value of `x` (batched if 2-D).

    The output length depends on the values, so `x` must be concrete.
    """
    if sparse:
        raise ValueError("ops.bincount: sparse=True is not supported by lamina's backends.")
    if not isinstance(minlength, int) or minlength < 0:
        raise ValueError(f"ops.bincount: `minlength` must be an int >= 0, received {minlength}.")
    x = to_tensor(x)
    _bincount_rule(KerasTensor(tuple(x.shape), "int32"))
    if not dtypes.is_int_dtype(x.dtype):
        raise ValueError(f"ops.bincount: `x` must hold integers, received dtype {x.dtype}.")
    if weights is None:
        return active.numpy.bincount(to_tensor(x, "int32"), minlength=minlength)
    dtype = dtypes.result_type(dtypes.standardize_dtype(x.dtype), _dtype(weights))
    return active.numpy.bincount(to_tensor(x, "int32"), weights=to_tensor(weights, dtype),
                                 minlength=minlength)


# -- reductions that skip NaN --------------------------------------------------------------------


@_public("nansum")
@op(rules.reduction_sum)
def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` with NaNs counted as 0."""
    x = to_tensor(x)
    dtype = _accumulate_dtype(dtypes.standardize_dtype(x.dtype))
    return active.numpy.nansum(_cast(x, dtype), axis=_axis_arg(axis), keepdims=keepdims)


@_public("nanprod")
@op(rules.reduction_sum)
def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` with NaNs counted as 1."""
    x = to_tensor(x)
    dtype = _accumulate_dtype(dtypes.standardize_dtype(x.dtype))
    return active.numpy.nanprod(_cast(x, dtype), axis=_axis_arg(axis), keepdims=keepdims)


@_public("nanmax")
@op(rules.reduction)
def nanmax(x, axis=None, keepdims=False):
    """Largest value over `axis` ignoring NaNs (NaN where all are NaN)."""
    return active.numpy.nanmax(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("nanmin")
@op(rules.reduction)
def nanmin(x, axis=None, keepdims=False):
    """Smallest value over `axis` ignoring NaNs (NaN where all are NaN)."""
    return active.numpy.nanmin(to_tensor(x), axis=_axis_arg(axis), keepdims=keepdims)


@_public("nanmean")
@op(_float_reduction_rule)
def nanmean(x, axis=None, keepdims=False):
    """Mean over `axis` ignoring NaNs."""
    return _float_reduce("nanmean", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("nanvar")
@op(_float_reduction_rule)
def nanvar(x, axis=None, keepdims=False):
    """Variance over `axis` ignoring NaNs."""
    return _float_reduce("nanvar", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("nanstd")
@op(_float_reduction_rule)
def nanstd(x, axis=None, keepdims=False):
    """Standard deviation over `axis` ignoring NaNs."""
    return _float_reduce("nanstd", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("nanmedian")
@op(_float_reduction_rule)
def nanmedian(x, axis=None, keepdims=False):
    """Median over `axis` ignoring NaNs."""
    return _float_reduce("nanmedian", x, _float_dtype(_dtype(x)), axis=_axis_arg(axis),
                         keepdims=keepdims)


@_public("nanquantile")
@op(_quantile_rule)
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """Like `quantile`, ignoring NaNs."""
    return _quantile("nanquantile", x, q, axis, method, keepdims)


@_public("nanpercentile")
@op(_quantile_rule)
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """Like `percentile`, ignoring NaNs."""
    return _quantile("nanquantile", x, q, axis, method, keepdims, scale=100.0)


def _nan_arg_rule(x, axis=None, keepdims=False):
    return KerasTensor(rules.reduce_shape(rules.shape_of(x), axis, keepdims), "int32")


@_public("nanargmax")
@op(_nan_arg_rule)
def nanargmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest non-NaN value over `axis` (-1 where all are NaN)."""
    x = to_tensor(x)
    if not dtypes.is_float_dtype(x.dtype):
        return active.numpy.argmax(x, axis=axis, keepdims=keepdims)
    return active.numpy.nanargmax(x, axis=axis, keepdims=keepdims)


@_public("nanargmin")
@op(_nan_arg_rule)
def nanargmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest non-NaN value over `axis` (-1 where all are NaN)."""
    x = to_tensor(x)
    if not dtypes.is_float_dtype(x.dtype):
        return active.numpy.argmin(x, axis=axis, keepdims=keepdims)
    return active.numpy.nanargmin(x, axis=axis, keepdims=keepdims)


# -- sorting ------------------------------------------------------------------------------------


def _sort_rule(x, axis=-1, dtype=None):
    shape = rules.shape_of(x)
    if axis is None:
        shape = (_flat_size(shape),)
    else:
        canonical_axis(axis, len(shape))
    return KerasTensor(tuple(shape), dtype or _dtype(x))


def _flatten_if_none(x, axis):
    if axis is None:
        return active.numpy.reshape(x, (-1,)), 0
    return x, axis


@_public("sort")
@op(_sort_rule)
def sort(x, axis=-1):
    """`x` sorted along `axis` (the flattened tensor when None)."""
    x, axis = _flatten_if_none(to_tensor(x), axis)
    return active.numpy.sort(x, axis=axis)


@_public("argsort")
@op(lambda x, axis=-1: _sort_rule(x, axis, "int32"))
def argsort(x, axis=-1):
    """Indices (int32) that sort `x` along `axis`, stable."""
    x, axis = _flatten_if_none(to_tensor(x), axis)
    return active.numpy.argsort(x, axis=axis)


@_public("argpartition")
@op(lambda x, kth, axis=-1: _sort_rule(x, axis, "int32"))
def argpartition(x, kth, axis=-1):
    """Indices (int32) that put the `kth` element in its sorted place along `axis`."""
    x, axis = _flatten_if_none(to_tensor(x), axis)
    return active.numpy.argpartition(x, kth, axis=axis)


# -- shapes -------------------------------------------------------------------------------------


def _reshape_rule(x, newshape):
    shape = rules.shape_of(x)
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    unknown = [i for i, d in enumerate(newshape) if d == -1]
    if len(unknown) > 1:
        raise ValueError(f"ops.reshape: at most one -1 is allowed in newshape={newshape}.")
    out = [None if d == -1 else d for d in newshape]
    if None not in shape and None not in newshape:
        size = _math.prod(shape)
        known = _math.prod(d for d in newshape if d not in (-1, None))
        if unknown:
            if known == 0 or size % known:
                raise ValueError(
                    f"ops.reshape: cannot reshape a tensor of shape {shape} ({size} values) "
                    f"into shape {newshape}."
                )
            out[unknown[0]] = size // known
        elif known != size:
            raise ValueError(
                f"ops.reshape: cannot reshape a tensor of shape {shape} ({size} values) into "
                f"shape {newshape} ({known} values)."
            )
    return KerasTensor(tuple(out), _dtype(x))


@_public("reshape")
@op(_reshape_rule)
def reshape(x, newshape):
    """`x` with a new shape holding the same values; one dim may be -1."""
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return active.numpy.reshape(to_tensor(x), newshape)


def _ravel_rule(x):
    return _same(x, (_flat_size(rules.shape_of(x)),))


@_public("ravel")
@op(_ravel_rule)
def ravel(x):
    """`x` flattened to 1-D."""
    return active.numpy.reshape(to_tensor(x), (-1,))


def _transpose_rule(x, axes=None):
    shape = rules.shape_of(x)
    if axes is None:
        return _same(x, shape[::-1])
    axes = [canonical_axis(a, len(shape), "axes") for a in axes]
    if sorted(axes) != list(range(len(shape))):
        raise ValueError(
            f"ops.transpose: `axes` must be a permutation of {list(range(len(shape)))}, "
            f"received axes={axes}."
        )
    return _same(x, tuple(shape[a] for a in axes))


@_public("transpose")
@op(_transpose_rule)
def transpose(x, axes=None):
    """`x` with its axes permuted (reversed when `axes` is None)."""
    return active.numpy.transpose(to_tensor(x), None if axes is None else tuple(axes))


def _expand_dims_rule(x, axis):
    shape = list(rules.shape_of(x))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    ndim = len(shape) + len(axes)
    for a in sorted(canonical_axis(a, ndim) for a in axes):
        shape.insert(a, 1)
    return _same(x, shape)


@_public("expand_dims")
@op(_expand_dims_rule)
def expand_dims(x, axis):
    """`x` with a new axis of size 1 at `axis` (each of them when a tuple)."""
    return active.numpy.expand_dims(to_tensor(x), _axis_arg(axis))


def _squeeze_rule(x, axis=None):
    shape = rules.shape_of(x)
    if axis is None:
        return _same(x, tuple(d for d in shape if d != 1))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    axes = {canonical_axis(a, len(shape)) for a in axes}
    for a in axes:
        if shape[a] not in (1, None):
            raise ValueError(
                f"ops.squeeze: cannot squeeze axis {a} of shape {shape}: its size is not 1."
            )
    return _same(x, tuple(d for i, d in enumerate(shape) if i not in axes))


@_public("squeeze")
@op(_squeeze_rule)
def squeeze(x, axis=None):
    """`x` without its axes of size 1 (only `axis` when given)."""
    return active.numpy.squeeze(to_tensor(x), axis=_axis_arg(axis))


def _broadcast_to_rule(x, shape):
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    x_shape = rules.shape_of(x)
    try:
        out = rules.broadcast_shapes(x_shape, shape)
    except ValueError:
        out = None
    if out is None or len(x_shape) > len(shape) or builtins.any(
        o is not None and s is not None and o != s for o, s in zip(out, shape)
    ):
        raise ValueError(f"ops.broadcast_to: cannot broadcast shape {x_shape} to {shape}.")
    return _same(x, shape)


@_public("broadcast_to")
@op(_broadcast_to_rule)
def broadcast_to(x, shape):
    """`x` broadcast to `shape`."""
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    return active.numpy.broadcast_to(to_tensor(x), shape)


def _moveaxis_rule(x, source, destination):
    shape = rules.shape_of(x)
    ndim = len(shape)
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    if len(source) != len(destination):
        raise ValueError(
            "ops.moveaxis: `source` and `destination` need the same number of axes, received "
            f"source={source}, destination={destination}."
        )
    source = [canonical_axis(a, ndim, "source") for a in source]
    destination = [canonical_axis(a, ndim, "destination") for a in destination]
    order = [a for a in range(ndim) if a not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return _same(x, tuple(shape[a] for a in order))


@_public("moveaxis")
@op(_moveaxis_rule)
def moveaxis(x, source, destination):
    """`x` with axes `source` moved to positions `destination`."""
    return active.numpy.moveaxis(to_tensor(x), _axis_arg(source), _axis_arg(destination))


def _swapaxes_rule(x, axis1, axis2):
    shape = list(rules.shape_of(x))
    a1 = canonical_axis(axis1, len(shape), "axis1")
    a2 = canonical_axis(axis2, len(shape), "axis2")
    shape[a1], shape[a2] = shape[a2], shape[a1]
    return _same(x, shape)


@_public("swapaxes")
@op(_swapaxes_rule)
def swapaxes(x, axis1, axis2):
    """`x` with `axis1` and `axis2` exchanged."""
    return active.numpy.swapaxes(to_tensor(x), axis1, axis2)


def _flip_rule(x, axis=None):
    _check_axes(x, axis, "flip")
    return _same(x, rules.shape_of(x))


@_public("flip")
@op(_flip_rule)
def flip(x, axis=None):
    """`x` reversed along `axis` (all axes when None)."""
    return active.numpy.flip(to_tensor(x), axis=_axis_arg(axis))


def _min_rank_rule(name, rank):
    def rule(x):
        shape = rules.shape_of(x)
        if len(shape) < rank:
            raise ValueError(
                f"ops.{name} needs a tensor of rank >= {rank}, received shape {shape}."
            )
        return _same(x, shape)

    return rule


@_public("fliplr")
@op(_min_rank_rule("fliplr", 2))
def fliplr(x):
    """`x` reversed along axis 1 (left/right)."""
    _min_rank_rule("fliplr", 2)(x)
    return active.numpy.flip(to_tensor(x), axis=1)


@_public("flipud")
@op(_min_rank_rule("flipud", 1))
def flipud(x):
    """`x` reversed along axis 0 (up/down)."""
    _min_rank_rule("flipud", 1)(x)
    return active.numpy.flip(to_tensor(x), axis=0)


def _roll_rule(x, shift, axis=None):
    _check_axes(x, axis, "roll")
    return _same(x, rules.shape_of(x))


@_public("roll")
@op(_roll_rule)
def roll(x, shift, axis=None):
    """`x` shifted circularly by `shift` along `axis` (flattened when None)."""
    shift = shift if isinstance(shift, int) else tuple(int(s) for s in shift)
    return active.numpy.roll(to_tensor(x), shift, axis=_axis_arg(axis))


def _rot90_rule(array, k=1, axes=(0, 1)):
    shape = list(rules.shape_of(array))
    if len(shape) < 2:
        raise ValueError(f"ops.rot90 needs a tensor of rank >= 2, received shape {tuple(shape)}.")
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"ops.rot90: `axes` must hold two axes, received axes={axes}.")
    a1, a2 = (canonical_axis(a, len(shape), "axes") for a in axes)
    if a1 == a2:
        raise ValueError(f"ops.rot90: the two `axes` must differ, received axes={axes}.")
    if k % 2:
        shape[a1], shape[a2] = shape[a2], shape[a1]
    return _same(array, shape)


@_public("rot90")
@op(_rot90_rule)
def rot90(array, k=1, axes=(0, 1)):
    """`array` rotated by 90 degrees `k` times in the plane of `axes`."""
    _rot90_rule(KerasTensor(rules.shape_of(array)), k, axes)
    return active.numpy.rot90(to_tensor(array), k=k, axes=tuple(axes))


def _tile_rule(x, repeats):
    shape = list(rules.shape_of(x))
    repeats = [repeats] if isinstance(repeats, int) else list(repeats)
    if len(shape) > len(repeats):
        repeats = [1] * (len(shape) - len(repeats)) + repeats
    else:
        shape = [1] * (len(repeats) - len(shape)) + shape
    return _same(x, [None if d is None else d * r for d, r in zip(shape, repeats)])


@_public("tile")
@op(_tile_rule)
def tile(x, repeats):
    """`x` repeated `repeats` times along each axis."""
    repeats = (int(repeats),) if isinstance(repeats, int) else tuple(int(r) for r in repeats)
    return active.numpy.tile(to_tensor(x), repeats)


def _repeat_rule(x, repeats, axis=None):
    shape = list(rules.shape_of(x))
    if isinstance(repeats, KerasTensor):
        if axis is None:
            return _same(x, (None,))
        shape[canonical_axis(axis, len(shape))] = None
        return _same(x, shape)
    counts = [repeats] if isinstance(repeats, int) else list(np.asarray(repeats).reshape(-1))
    if axis is None:
        size = _flat_size(shape)
        shape, axis = [size], 0
    else:
        axis = canonical_axis(axis, len(shape))
    size = shape[axis]
    if size is None:
        return _same(x, shape)
    if len(counts) == 1:
        shape[axis] = size * int(counts[0])
    elif len(counts) != size:
        raise ValueError(
            f"ops.repeat: `repeats` has {len(counts)} values but the axis has {size} elements."
        )
    else:
        shape[axis] = int(_builtin_sum(counts))
    return _same(x, shape)


@_public("repeat")
@op(_repeat_rule)
def repeat(x, repeats, axis=None):
    """Each element of `x` repeated `repeats` times along `axis` (flattened when None)."""
    if not isinstance(repeats, int):
        repeats = to_tensor(repeats, "int32")
    return active.numpy.repeat(to_tensor(x), repeats, axis=axis)


_PAD_MODES = ("constant", "edge", "linear_ramp", "maximum", "mean", "median", "minimum",
              "reflect", "symmetric", "wrap", "empty")


def _pad_widths(pad_width, ndim):
    widths = np.asarray(pad_width, dtype="int64")
    if widths.ndim == 0:
        widths = np.broadcast_to(widths, (ndim, 2))
    elif widths.ndim == 1:
        widths = np.broadcast_to(widths.reshape(1, -1), (ndim, 2)) if widths.size in (1, 2) \
            else widths
    elif widths.shape[0] == 1:
        widths = np.broadcast_to(widths, (ndim, 2))
    if widths.shape != (ndim, 2):
        raise ValueError(
            f"ops.pad: `pad_width` must give (before, after) for each of the {ndim} axes, "
            f"received pad_width={pad_width}."
        )
    if (widths < 0).any():
        raise ValueError(f"ops.pad: `pad_width` must be >= 0, received pad_width={pad_width}.")
    return tuple((int(a), int(b)) for a, b in widths)


def _pad_rule(x, pad_width, mode="constant", constant_values=None):
    shape = rules.shape_of(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"ops.pad: `mode` must be one of {_PAD_MODES}, received mode={mode!r}.")
    if mode != "constant" and constant_values is not None:
        raise ValueError(
            "ops.pad: `constant_values` can only be given with mode='constant', received "
            f"mode={mode!r}."
        )
    widths = _pad_widths(pad_width, len(shape))
    return _same(x, [None if d is None else d + a + b for d, (a, b) in zip(shape, widths)])


@_public("pad")
@op(_pad_rule)
def pad(x, pad_width, mode="constant", constant_values=None):
    """`x` padded by `pad_width` ((before, after) per axis) with the given `mode`."""
    x = to_tensor(x)
    _pad_rule(KerasTensor(tuple(x.shape)), pad_width, mode, constant_values)
    widths = _pad_widths(pad_width, len(x.shape))
    return active.numpy.pad(x, widths, mode=mode, constant_values=constant_values)


def _diag_rule(x, k=0):
    shape = rules.shape_of(x)
    if len(shape) == 1:
        n = None if shape[0] is None else shape[0] + builtins.abs(k)
        return _same(x, (n, n))
    if len(shape) == 2:
        return _same(x, (_diagonal_length(shape[0], shape[1], k),))
    raise ValueError(f"ops.diag: `x` must be 1-D or 2-D, received shape {shape}.")


def _diagonal_length(rows, cols, offset):
    if rows is None or cols is None:
        return None
    remaining = cols - offset if offset > 0 else rows + offset
    return _builtin_max(0, _builtin_min(remaining, rows, cols))


@_public("diag")
@op(_diag_rule)
def diag(x, k=0):
    """The `k`-th diagonal of a 2-D `x`, or a 2-D tensor with 1-D `x` on its `k`-th diagonal."""
    x = to_tensor(x)
    _diag_rule(KerasTensor(tuple(x.shape)), k)
    return active.numpy.diag(x, k=k)


def _diagflat_rule(x, k=0):
    size = _flat_size(rules.shape_of(x))
    n = None if size is None else size + builtins.abs(k)
    return _same(x, (n, n))


@_public("diagflat")
@op(_diagflat_rule)
def diagflat(x, k=0):
    """A 2-D tensor with the flattened `x` on its `k`-th diagonal."""
    return active.numpy.diag(active.numpy.reshape(to_tensor(x), (-1,)), k=k)


def _diagonal_rule(x, offset=0, axis1=0, axis2=1):
    shape = rules.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"ops.diagonal needs a tensor of rank >= 2, received shape {shape}.")
    a1 = canonical_axis(axis1, len(shape), "axis1")
    a2 = canonical_axis(axis2, len(shape), "axis2")
    if a1 == a2:
        raise ValueError(
            f"ops.diagonal: `axis1` and `axis2` must differ, received {axis1}, {axis2}."
        )
    rest = [d for i, d in enumerate(shape) if i not in (a1, a2)]
    return _same(x, rest + [_diagonal_length(shape[a1], shape[a2], offset)])


@_public("diagonal")
@op(_diagonal_rule)
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal at `offset` of the planes (`axis1`, `axis2`), as a last axis."""
    return active.numpy.diagonal(to_tensor(x), offset=offset, axis1=axis1, axis2=axis2)


def _trace_rule(x, offset=0, axis1=0, axis2=1):
    shape = _diagonal_rule(x, offset, axis1, axis2).shape[:-1]
    return KerasTensor(shape, _accumulate_dtype(_dtype(x)))


@_public("trace")
@op(_trace_rule)
def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the diagonal at `offset` of the planes (`axis1`, `axis2`)."""
    x = to_tensor(x)
    dtype = _accumulate_dtype(dtypes.standardize_dtype(x.dtype))
    diagonal_values = active.numpy.diagonal(_cast(x, dtype), offset=offset, axis1=axis1,
                                            axis2=axis2)
    return active.numpy.sum(diagonal_values, axis=-1)


def _triangle_rule(x, k=0):
    shape = rules.shape_of(x)
    if len(shape) < 2:
        raise ValueError(f"ops.tril/triu need a tensor of rank >= 2, received shape {shape}.")
    return _same(x, shape)


@_public("tril")
@op(_triangle_rule)
def tril(x, k=0):
    """`x` with the values above the `k`-th diagonal set to zero."""
    return active.numpy.tril(to_tensor(x), k=k)


@_public("triu")
@op(_triangle_rule)
def triu(x, k=0):
    """`x` with the values below the `k`-th diagonal set to zero."""
    return active.numpy.triu(to_tensor(x), k=k)


def _diff_rule(a, n=1, axis=-1):
    shape = list(rules.shape_of(a))
    if n < 0:
        raise ValueError(f"ops.diff: `n` must be >= 0, received n={n}.")
    axis = canonical_axis(axis, len(shape))
    if shape[axis] is not None:
        shape[axis] = _builtin_max(shape[axis] - n, 0)
    return _same(a, shape)


@_public("diff")
@op(_diff_rule)
def diff(a, n=1, axis=-1):
    """The `n`-th discrete difference along `axis`."""
    return active.numpy.diff(to_tensor(a), n=n, axis=axis)


@_public("copy")
@op(rules.unary_same)
def copy(x):
    """A copy of `x`."""
    return active.numpy.copy(to_tensor(x))


def _view_rule(x, dtype=None):
    old = _dtype(x)
    new = old if dtype is None else dtypes.standardize_dtype(dtype)
    old_size, new_size = (np.dtype(dtypes.to_numpy_dtype(d)).itemsize for d in (old, new))
    shape = list(rules.shape_of(x))
    if old_size == new_size:
        return KerasTensor(tuple(shape), new)
    if not shape:
        raise ValueError(
            f"ops.view: a scalar of {old} cannot be viewed as {new}: the item sizes differ."
        )
    if shape[-1] is not None:
        if (shape[-1] * old_size) % new_size:
            raise ValueError(
                f"ops.view: the last axis of shape {tuple(shape)} ({shape[-1] * old_size} bytes) "
                f"does not divide into items of {new} ({new_size} bytes)."
            )
        shape[-1] = shape[-1] * old_size // new_size
    return KerasTensor(tuple(shape), new)


@_public("view")
@op(_view_rule)
def view(x, dtype=None):
    """The bytes of `x` reinterpreted as `dtype` (the last axis rescales by item size)."""
    x = to_tensor(x)
    out = _view_rule(KerasTensor(tuple(x.shape), dtypes.standardize_dtype(x.dtype)), dtype)
    return active.numpy.view(x, out.dtype)


@_public("ndim")
def ndim(x):
    """The number of axes of `x` (a Python int)."""
    return len(rules.shape_of(x))


def _size_rule(x):
    return KerasTensor((), "int32")


@_public("size")
@op(_size_rule)
def size(x):
    """The number of elements of `x` (a Python int)."""
    return int(_math.prod(rules.shape_of(x)))


def _meshgrid_rule(*x, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"ops.meshgrid: `indexing` must be 'xy' or 'ij', received {indexing!r}.")
    sizes = [_flat_size(rules.shape_of(t)) for t in x]
    if indexing == "xy" and len(sizes) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    dtype = dtypes.result_type(*(_dtype(t) for t in x)) if x else dtypes.config.floatx()
    return [KerasTensor(tuple(sizes), dtype) for _ in x]


@_public("meshgrid")
@op(_meshgrid_rule)
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors (`indexing` "xy" Cartesian or "ij" matrix)."""
    _meshgrid_rule(*(KerasTensor(()) for _ in x), indexing=indexing)
    xs = [active.numpy.reshape(t, (-1,)) for t in promote(*x)] if x else []
    return active.numpy.meshgrid(xs, indexing=indexing)


# -- joining --------------------------------------------------------------------------------------


def _join_dtype(xs):
    return dtypes.result_type(*(rules.dtype_of(x) for x in xs))


def _concatenate_rule(xs, axis=0):
    shapes = [rules.shape_of(x) for x in xs]
    if not shapes:
        raise ValueError("ops.concatenate needs at least one tensor.")
    if axis is None:
        sizes = [_flat_size(s) for s in shapes]
        return KerasTensor((None if None in sizes else _builtin_sum(sizes),), _join_dtype(xs))
    return KerasTensor(_joined_shape("concatenate", shapes, axis), _join_dtype(xs))


def _joined_shape(name, shapes, axis):
    ndim = len(shapes[0])
    if builtins.any(len(s) != ndim for s in shapes):
        raise ValueError(f"ops.{name}: all tensors need the same rank, received {shapes}.")
    axis = canonical_axis(axis, ndim)
    out = []
    for i in range(ndim):
        dims = [s[i] for s in shapes]
        if i == axis:
            out.append(None if None in dims else _builtin_sum(dims))
            continue
        known = {d for d in dims if d is not None}
        if len(known) > 1:
            raise ValueError(
                f"ops.{name}: all dimensions except the joining axis ({axis}) must match, "
                f"received shapes {shapes}."
            )
        out.append(known.pop() if known else None)
    return tuple(out)


@_public("concatenate")
@op(_concatenate_rule)
def concatenate(xs, axis=0):
    """Joins tensors along an existing `axis` (flattened first when None)."""
    xs = list(promote(*xs))
    if axis is None:
        xs = [active.numpy.reshape(x, (-1,)) for x in xs]
        axis = 0
    return active.numpy.concatenate(xs, axis=axis)


def _append_rule(x1, x2, axis=None):
    return _concatenate_rule([x1, x2], axis)


@_public("append")
@op(_append_rule)
def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened when None)."""
    return concatenate([x1, x2], axis=axis)


def _stack_rule(x, axis=0):
    shapes = [rules.shape_of(t) for t in x]
    if not shapes:
        raise ValueError("ops.stack needs at least one tensor.")
    if builtins.any(not _shapes_match(s, shapes[0]) for s in shapes):
        raise ValueError(f"ops.stack: all tensors need the same shape, received {shapes}.")
    base = [next((s[i] for s in shapes if s[i] is not None), None) for i in range(len(shapes[0]))]
    base.insert(canonical_axis(axis, len(base) + 1), len(shapes))
    return KerasTensor(tuple(base), _join_dtype(x))


@_public("stack")
@op(_stack_rule)
def stack(x, axis=0):
    """Joins tensors of one shape along a new `axis`."""
    return active.numpy.stack(list(promote(*x)), axis=axis)


def _at_least(shape, rank):
    """The shape NumPy's atleast_{1,2,3}d gives."""
    shape = tuple(shape)
    if len(shape) >= rank:
        return shape
    if rank == 1:
        return (1,)
    if rank == 2:
        return (1,) * (2 - len(shape)) + shape
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]


def _stack_family_rule(name, rank, axis_of):
    def rule(xs):
        if not len(xs):
            raise ValueError(f"ops.{name} needs at least one tensor.")
        shapes = [_at_least(rules.shape_of(x), rank) for x in xs]
        return KerasTensor(_joined_shape(name, shapes, axis_of(shapes)), _join_dtype(xs))

    return rule


def _stack_family(xs, rank, axis_of):
    xs = list(promote(*xs))
    xs = [active.numpy.reshape(x, _at_least(tuple(x.shape), rank)) for x in xs]
    return active.numpy.concatenate(xs, axis=axis_of([tuple(x.shape) for x in xs]))


def _hstack_axis(shapes):
    return 0 if len(shapes[0]) == 1 else 1


@_public("hstack")
@op(_stack_family_rule("hstack", 1, _hstack_axis))
def hstack(xs):
    """Joins tensors column-wise (along axis 1; axis 0 for 1-D tensors)."""
    return _stack_family(xs, 1, _hstack_axis)


@_public("vstack")
@op(_stack_family_rule("vstack", 2, lambda shapes: 0))
def vstack(xs):
    """Joins tensors row-wise (along axis 0, 1-D tensors as rows)."""
    return _stack_family(xs, 2, lambda shapes: 0)


@_public("dstack")
@op(_stack_family_rule("dstack", 3, lambda shapes: 2))
def dstack(xs):
    """Joins tensors depth-wise (along axis 2)."""
    return _stack_family(xs, 3, lambda shapes: 2)


# -- splitting ------------------------------------------------------------------------------------


def _split_points(size, indices_or_sections, name):
    """The split boundaries along an axis of `size` (None when unknown)."""
    if isinstance(indices_or_sections, int):
        sections = indices_or_sections
        if sections <= 0:
            raise ValueError(
                f"ops.{name}: the number of sections must be > 0, received {sections}."
            )
        if size is None:
            return [None] * (sections - 1)
        if size % sections:
            raise ValueError(
                f"ops.{name}: an axis of size {size} does not split into {sections} equal "
                "sections; use ops.array_split for unequal sections."
            )
        step = size // sections
        return [step * i for i in range(1, sections)]
    return [int(i) for i in indices_or_sections]


def _split_rule(name, fixed_axis=None):
    def rule(x, indices_or_sections, axis=0):
        shape = list(rules.shape_of(x))
        if fixed_axis is not None:
            axis = fixed_axis(shape)
        axis = canonical_axis(axis, len(shape))
        size = shape[axis]
        points = _split_points(size, indices_or_sections, name)
        outputs = []
        for start, stop in zip([0] + points, points + [size]):
            piece = list(shape)
            if start is None or stop is None or size is None:
                piece[axis] = None
            else:
                start = _builtin_min(_builtin_max(start + size if start < 0 else start, 0), size)
                stop = _builtin_min(_builtin_max(stop + size if stop < 0 else stop, 0), size)
                piece[axis] = _builtin_max(stop - start, 0)
            outputs.append(KerasTensor(tuple(piece), _dtype(x)))
        return outputs

    return rule


def _split(x, indices_or_sections, axis, name):
    x = to_tensor(x)
    shape = list(x.shape)
    axis = canonical_axis(axis, len(shape))
    size = int(shape[axis])
    points = _split_points(size, indices_or_sections, name)
    # NumPy clamps out-of-range split indices; some backends reject them, so clamp here.
    points = [_builtin_min(_builtin_max(p + size if p < 0 else p, 0), size) for p in points]
    return list(active.numpy.split(x, points, axis=axis))


@_public("split")
@op(_split_rule("split"))
def split(x, indices_or_sections, axis=0):
    """`x` split along `axis` into equal sections (an int) or at the given indices."""
    return _split(x, indices_or_sections, axis, "split")


def _array_split_points(size, sections):
    if not isinstance(sections, int) or sections <= 0:
        raise ValueError(
            f"ops.array_split: `indices_or_sections` must be an int > 0, received {sections}."
        )
    base, extra = divmod(size, sections)
    sizes = [base + 1] * extra + [base] * (sections - extra)
    return list(np.cumsum(sizes)[:-1].astype(int))


def _array_split_rule(x, indices_or_sections, axis=0):
    shape = list(rules.shape_of(x))
    axis = canonical_axis(axis, len(shape))
    if shape[axis] is None:
        return _split_rule("array_split")(x, indices_or_sections, axis)
    points = _array_split_points(shape[axis], indices_or_sections)
    return _split_rule("array_split")(x, points, axis)


@_public("array_split")
@op(_array_split_rule)
def array_split(x, indices_or_sections, axis=0):
    """`x` split along `axis` into `indices_or_sections` nearly equal parts (first larger)."""
    x = to_tensor(x)
    axis = canonical_axis(axis, len(x.shape))
    points = _array_split_points(int(x.shape[axis]), indices_or_sections)
    return list(active.numpy.split(x, points, axis=axis))


def _directional_split(name, rank, axis_of):
    rule = _split_rule(name, axis_of)

    def check(x):
        shape = rules.shape_of(x)
        if len(shape) < rank:
            raise ValueError(f"ops.{name} needs a tensor of rank >= {rank}, received {shape}.")

    def spec(x, indices_or_sections):
        check(x)
        return rule(x, indices_or_sections)

    def compute(x, indices_or_sections):
        check(x)
        return _split(x, indices_or_sections, axis_of(list(rules.shape_of(x))), name)

    return spec, compute


_hsplit_rule, _hsplit = _directional_split("hsplit", 1, lambda s: 0 if len(s) == 1 else 1)
_vsplit_rule, _vsplit = _directional_split("vsplit", 2, lambda s: 0)
_dsplit_rule, _dsplit = _directional_split("dsplit", 3, lambda s: 2)


@_public("hsplit")
@op(_hsplit_rule)
def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D tensors)."""
    return _hsplit(x, indices_or_sections)


@_public("vsplit")
@op(_vsplit_rule)
def vsplit(x, indices_or_sections):
    """`split` along axis 0 of a tensor of rank >= 2."""
    return _vsplit(x, indices_or_sections)


@_public("dsplit")
@op(_dsplit_rule)
def dsplit(x, indices_or_sections):
    """`split` along axis 2 of a tensor of rank >= 3."""
    return _dsplit(x, indices_or_sections)

