"""Array ops of the NumPy-like namespace: reductions, shape manipulation, joining,
indexing, sorting and products. Public as `lamina.ops.<name>` and `lamina.ops.numpy.<name>`.
"""

import builtins
import math as _math

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.numpy.{name}")


def _axis_arg(axis):
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(int(a) for a in axis)


# -- reductions -----------------------------------------------------------------------------


@_public("sum")
@op(rules.reduction_sum)
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras' public name
    """Sum over `axis` (all axes when None).

    Example:
    >>> ops.sum([[1, 2], [3, 4]], axis=0)
    """
    x = to_tensor(x)
    dtype = rules.reduction_sum(KerasTensor((), x.dtype)).dtype
    return active.numpy.sum(to_tensor(x, dtype), axis=_axis_arg(axis), keepdims=keepdims)


@_public("mean")
@op(rules.reduction_float)
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis`; ints give floats."""
    (x,) = promote_float(x)
    return active.numpy.mean(x, axis=_axis_arg(axis), keepdims=keepdims)


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
    """Index of the largest value over `axis` (of the flattened tensor when None)."""
    return active.numpy.argmax(to_tensor(x), axis=axis, keepdims=keepdims)


@_public("argmin")
@op(rules.arg_reduction)
def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value over `axis` (of the flattened tensor when None)."""
    return active.numpy.argmin(to_tensor(x), axis=axis, keepdims=keepdims)


# -- shapes -----------------------------------------------------------------------------------


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
    return KerasTensor(tuple(out), rules.dtype_of(x, weak=False))


@_public("reshape")
@op(_reshape_rule)
def reshape(x, newshape):
    """`x` with a new shape holding the same values; one dim may be -1."""
    newshape = (newshape,) if isinstance(newshape, int) else tuple(newshape)
    return active.numpy.reshape(to_tensor(x), newshape)


def _transpose_rule(x, axes=None):
    shape = rules.shape_of(x)
    if axes is None:
        return KerasTensor(shape[::-1], rules.dtype_of(x, weak=False))
    axes = [canonical_axis(a, len(shape), "axes") for a in axes]
    if sorted(axes) != list(range(len(shape))):
        raise ValueError(
            f"ops.transpose: `axes` must be a permutation of {list(range(len(shape)))}, "
            f"received axes={axes}."
        )
    return KerasTensor(tuple(shape[a] for a in axes), rules.dtype_of(x, weak=False))


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
    return KerasTensor(tuple(shape), rules.dtype_of(x, weak=False))


@_public("expand_dims")
@op(_expand_dims_rule)
def expand_dims(x, axis):
    """`x` with a new axis of size 1 at `axis`."""
    return active.numpy.expand_dims(to_tensor(x), _axis_arg(axis))


def _squeeze_rule(x, axis=None):
    shape = rules.shape_of(x)
    if axis is None:
        return KerasTensor(tuple(d for d in shape if d != 1), rules.dtype_of(x, weak=False))
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    axes = {canonical_axis(a, len(shape)) for a in axes}
    for a in axes:
        if shape[a] not in (1, None):
            raise ValueError(
                f"ops.squeeze: cannot squeeze axis {a} of shape {shape}: its size is not 1."
            )
    return KerasTensor(
        tuple(d for i, d in enumerate(shape) if i not in axes), rules.dtype_of(x, weak=False)
    )


@_public("squeeze")
@op(_squeeze_rule)
def squeeze(x, axis=None):
    """`x` without its axes of size 1 (only `axis` when given)."""
    return active.numpy.squeeze(to_tensor(x), axis=_axis_arg(axis))


def _concatenate_rule(xs, axis=0):
    shapes = [rules.shape_of(x) for x in xs]
    if not shapes:
        raise ValueError("ops.concatenate needs at least one tensor.")
    ndim = len(shapes[0])
    if builtins.any(len(s) != ndim for s in shapes):
        raise ValueError(f"ops.concatenate: all tensors need the same rank, received {shapes}.")
    if axis is None:
        total = 0
        for s in shapes:
            if None in s:
                total = None
                break
            total += _math.prod(s)
        out = (total,)
    else:
        axis = canonical_axis(axis, ndim)
        out = []
        for i in range(ndim):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if None in dims else _builtin_sum(dims))
            else:
                known = {d for d in dims if d is not None}
                if len(known) > 1:
                    raise ValueError(
                        "ops.concatenate: all dimensions except the concatenation axis "
                        f"({axis}) must match, received shapes {shapes}."
                    )
                out.append(known.pop() if known else None)
        out = tuple(out)
    dtype = dtypes.result_type(*(rules.dtype_of(x) for x in xs))
    return KerasTensor(out, dtype)


_builtin_sum = builtins.sum


@_public("concatenate")
@op(_concatenate_rule)
def concatenate(xs, axis=0):
    """Joins tensors along an existing `axis`."""
    return active.numpy.concatenate(list(promote(*xs)), axis=axis)


def _stack_rule(x, axis=0):
    shapes = [rules.shape_of(t) for t in x]
    base = rules.broadcast_shapes(*shapes) if shapes else ()
    if builtins.any(len(s) != len(base) for s in shapes):
        raise ValueError(f"ops.stack: all tensors need the same shape, received {shapes}.")
    base = list(base)
    base.insert(canonical_axis(axis, len(base) + 1), len(shapes))
    return KerasTensor(tuple(base), dtypes.result_type(*(rules.dtype_of(t) for t in x)))


@_public("stack")
@op(_stack_rule)
def stack(x, axis=0):
    """Joins tensors along a new `axis`."""
    return active.numpy.stack(list(promote(*x)), axis=axis)


# -- products -----------------------------------------------------------------------------------


def _matmul_rule(x1, x2):
    s1, s2 = list(rules.shape_of(x1)), list(rules.shape_of(x2))
    if not s1 or not s2:
        raise ValueError("ops.matmul: inputs must have rank >= 1 (use multiply for scalars).")
    drop1 = len(s1) == 1
    drop2 = len(s2) == 1
    if drop1:
        s1 = [1] + s1
    if drop2:
        s2 = s2 + [1]
    if s1[-1] is not None and s2[-2] is not None and s1[-1] != s2[-2]:
        raise ValueError(
            f"ops.matmul: incompatible shapes {rules.shape_of(x1)} and {rules.shape_of(x2)}: the "
            f"last axis of x1 ({s1[-1]}) must equal the second-to-last axis of x2 ({s2[-2]})."
        )
    batch = rules.broadcast_shapes(tuple(s1[:-2]), tuple(s2[:-2]))
    out = list(batch) + [s1[-2], s2[-1]]
    if drop1:
        out.pop(-2)
    if drop2:
        out.pop(-1)
    dtype = dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2))
    if dtype == "bool":
        dtype = "int32"
    elif dtype in ("int8", "uint8"):
        dtype = "int32"
    return KerasTensor(tuple(out), dtype)


@_public("matmul")
@op(_matmul_rule)
def matmul(x1, x2):
    """Matrix product of the last two axes, batched over the leading ones."""
    x1, x2 = promote(x1, x2)
    dtype = dtypes.standardize_dtype(x1.dtype)
    if dtype in ("bool", "int8", "uint8"):
        x1, x2 = to_tensor(x1, "int32"), to_tensor(x2, "int32")
    return active.numpy.matmul(x1, x2)
