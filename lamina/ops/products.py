"""Products of the NumPy-like namespace (matmul, dot, tensordot, inner, outer, vdot, kron,
cross, einsum) and the ops built on them (correlate, corrcoef, vander, trapezoid, slogdet,
vectorize). Public as `lamina.ops.<name>` and `lamina.ops.numpy.<name>`; written like
arrays.py, whose helpers they share.
"""

from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote, to_tensor
from lamina.ops.rules import KerasTensor
from lamina.ops.arrays import (
    _builtin_max, _builtin_min, _cast, _compute_dtype, _dtype, _flat_size, _float_dtype, _public,
    _same,
)

# -- products -------------------------------------------------------------------------------------


def _product_dtype(x1, x2):
    return dtypes.result_type(rules.dtype_of(x1), rules.dtype_of(x2))


def _matmul_rule(x1, x2):
    s1, s2 = list(rules.shape_of(x1)), list(rules.shape_of(x2))
    if not s1 or not s2:
        raise ValueError("ops.matmul: inputs must have rank >= 1 (use multiply for scalars).")
    drop1, drop2 = len(s1) == 1, len(s2) == 1
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
    return KerasTensor(tuple(out), _matmul_dtype(rules.dtype_of(x1), rules.dtype_of(x2)))


def _matmul_dtype(d1, d2):
    if d1 == "int8" and d2 == "int8":
        return "int32"  # int8 products accumulate in int32, as in Keras
    return dtypes.result_type(d1, d2)


@_public("matmul")
@op(_matmul_rule)
def matmul(x1, x2):
    """Matrix product of the last two axes, batched over the leading ones."""
    out = _matmul_dtype(rules.dtype_of(x1), rules.dtype_of(x2))
    return active.numpy.matmul(to_tensor(x1, out), to_tensor(x2, out))


def _dot_rule(x1, x2):
    s1, s2 = list(rules.shape_of(x1)), list(rules.shape_of(x2))
    dtype = _product_dtype(x1, x2)
    if not s1 or not s2:
        return KerasTensor(rules.broadcast_shapes(tuple(s1), tuple(s2)), dtype)
    inner_2 = s2[0] if len(s2) == 1 else s2[-2]
    if s1[-1] is not None and inner_2 is not None and s1[-1] != inner_2:
        raise ValueError(
            f"ops.dot: incompatible shapes {tuple(s1)} and {tuple(s2)}: the last axis of x1 "
            f"({s1[-1]}) must equal the {'only' if len(s2) == 1 else 'second-to-last'} axis "
            f"of x2 ({inner_2})."
        )
    if len(s2) == 1:
        return KerasTensor(tuple(s1[:-1]), dtype)
    return KerasTensor(tuple(s1[:-1] + s2[:-2] + s2[-1:]), dtype)


@_public("dot")
@op(_dot_rule)
def dot(x1, x2):
    """NumPy's dot: products of scalars, inner of vectors, matmul and sum-products beyond."""
    x1, x2 = promote(x1, x2)
    if not x1.shape or not x2.shape:
        return active.numpy.multiply(x1, x2)
    return active.numpy.dot(x1, x2)


def _tensordot_axes(axes, ndim1, ndim2):
    if isinstance(axes, int):
        if axes < 0 or axes > _builtin_min(ndim1, ndim2):
            raise ValueError(f"ops.tensordot: `axes`={axes} is invalid for ranks {ndim1}, {ndim2}.")
        return list(range(ndim1 - axes, ndim1)), list(range(axes))
    a1, a2 = axes
    a1 = [a1] if isinstance(a1, int) else list(a1)
    a2 = [a2] if isinstance(a2, int) else list(a2)
    if len(a1) != len(a2):
        raise ValueError(f"ops.tensordot: `axes` must pair axes one to one, received {axes}.")
    return ([canonical_axis(a, ndim1, "axes") for a in a1],
            [canonical_axis(a, ndim2, "axes") for a in a2])


def _tensordot_rule(x1, x2, axes=2):
    s1, s2 = rules.shape_of(x1), rules.shape_of(x2)
    a1, a2 = _tensordot_axes(axes, len(s1), len(s2))
    for i, j in zip(a1, a2):
        if s1[i] is not None and s2[j] is not None and s1[i] != s2[j]:
            raise ValueError(
                f"ops.tensordot: contracted axes differ in size: axis {i} of x1 {s1} and axis "
                f"{j} of x2 {s2}."
            )
    out = [d for i, d in enumerate(s1) if i not in a1]
    out += [d for j, d in enumerate(s2) if j not in a2]
    return KerasTensor(tuple(out), _product_dtype(x1, x2))


@_public("tensordot")
@op(_tensordot_rule)
def tensordot(x1, x2, axes=2):
    """Sum of products over the last `axes` axes of x1 and first of x2 (or the given pairs)."""
    x1, x2 = promote(x1, x2)
    a1, a2 = _tensordot_axes(axes, len(x1.shape), len(x2.shape))
    return active.numpy.tensordot(x1, x2, axes=(tuple(a1), tuple(a2)))


def _inner_rule(x1, x2):
    s1, s2 = tuple(rules.shape_of(x1)), tuple(rules.shape_of(x2))
    dtype = _product_dtype(x1, x2)
    if not s1 or not s2:
        return KerasTensor(s2 if not s1 else s1, dtype)
    if s1[-1] is not None and s2[-1] is not None and s1[-1] != s2[-1]:
        raise ValueError(
            f"ops.inner: the last axes of x1 {s1} and x2 {s2} must have the same size."
        )
    return KerasTensor(s1[:-1] + s2[:-1], dtype)


@_public("inner")
@op(_inner_rule)
def inner(x1, x2):
    """Sum of products over the last axes of `x1` and `x2`."""
    x1, x2 = promote(x1, x2)
    if not x1.shape or not x2.shape:
        return active.numpy.multiply(x1, x2)
    return active.numpy.tensordot(x1, x2, axes=((len(x1.shape) - 1,), (len(x2.shape) - 1,)))


def _outer_rule(x1, x2):
    s1, s2 = rules.shape_of(x1), rules.shape_of(x2)
    return KerasTensor((_flat_size(s1), _flat_size(s2)), _product_dtype(x1, x2))


@_public("outer")
@op(_outer_rule)
def outer(x1, x2):
    """All products of the flattened `x1` with the flattened `x2`, as a matrix."""
    x1, x2 = promote(x1, x2)
    return active.numpy.multiply(active.numpy.reshape(x1, (-1, 1)),
                                 active.numpy.reshape(x2, (1, -1)))


@_public("vdot")
@op(lambda x1, x2: KerasTensor((), _product_dtype(x1, x2)))
def vdot(x1, x2):
    """Dot product of the flattened tensors, conjugating `x1` when complex."""
    x1, x2 = promote(x1, x2)
    if dtypes.is_complex_dtype(x1.dtype):
        x1 = active.numpy.conjugate(x1)
    return active.numpy.dot(active.numpy.reshape(x1, (-1,)), active.numpy.reshape(x2, (-1,)))


def _kron_rule(x1, x2):
    s1, s2 = list(rules.shape_of(x1)), list(rules.shape_of(x2))
    ndim = _builtin_max(len(s1), len(s2))
    s1 = [1] * (ndim - len(s1)) + s1
    s2 = [1] * (ndim - len(s2)) + s2
    out = [None if a is None or b is None else a * b for a, b in zip(s1, s2)]
    return KerasTensor(tuple(out), _product_dtype(x1, x2))


@_public("kron")
@op(_kron_rule)
def kron(x1, x2):
    """Kronecker product: blocks of `x2` scaled by each element of `x1`."""
    return active.numpy.kron(*promote(x1, x2))


def _cross_rule(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    if axis is not None:
        axisa = axisb = axisc = axis
    s1, s2 = list(rules.shape_of(x1)), list(rules.shape_of(x2))
    a = canonical_axis(axisa, len(s1), "axisa")
    b = canonical_axis(axisb, len(s2), "axisb")
    n1, n2 = s1.pop(a), s2.pop(b)
    for n, name in ((n1, "x1"), (n2, "x2")):
        if n is not None and n not in (2, 3):
            raise ValueError(
                f"ops.cross: the vectors of `{name}` must have 2 or 3 components, received {n}."
            )
    out = list(rules.broadcast_shapes(tuple(s1), tuple(s2)))
    if n1 == 3 or n2 == 3 or None in (n1, n2):
        size = 3 if None not in (n1, n2) else None
        out.insert(canonical_axis(axisc, len(out) + 1, "axisc"), size)
    return KerasTensor(tuple(out), _product_dtype(x1, x2))


@_public("cross")
@op(_cross_rule)
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 2- or 3-component vectors along the given axes."""
    x1, x2 = promote(x1, x2)
    return active.numpy.cross(x1, x2, axisa=axisa, axisb=axisb, axisc=axisc, axis=axis)


def _einsum_parse(subscripts, n_operands):
    subscripts = subscripts.replace(" ", "")
    if subscripts.count("->") > 1:
        raise ValueError(f"ops.einsum: at most one '->' is allowed, received {subscripts!r}.")
    lhs, _, rhs = subscripts.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != n_operands:
        raise ValueError(
            f"ops.einsum: {subscripts!r} names {len(inputs)} operands, received {n_operands}."
        )
    if "->" not in subscripts:
        letters = [c for c in lhs if c.isalpha()]
        rhs = ("..." if "..." in lhs else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )
    return inputs, rhs


def _einsum_rule(subscripts, *operands, **kwargs):
    inputs, rhs = _einsum_parse(subscripts, len(operands))
    sizes = {}
    ellipsis_shapes = []
    for spec, x in zip(inputs, operands):
        shape = list(rules.shape_of(x))
        head, dots, tail = spec.partition("...")
        named = len(head) + len(tail)
        if (dots and named > len(shape)) or (not dots and named != len(shape)):
            raise ValueError(
                f"ops.einsum: subscript {spec!r} does not fit an operand of shape {tuple(shape)}."
            )
        middle = shape[len(head):len(shape) - len(tail)]
        ellipsis_shapes.append(tuple(middle))
        for letter, d in list(zip(head, shape)) + list(zip(tail, shape[len(shape) - len(tail):])):
            known = sizes.get(letter, 1)
            if d is None:
                sizes.setdefault(letter, None)
            elif known not in (None, 1) and d not in (1, known):
                raise ValueError(
                    f"ops.einsum: index {letter!r} has sizes {known} and {d} in {subscripts!r}."
                )
            elif d != 1 or letter not in sizes:
                sizes[letter] = d if known in (None, 1) else known
    out = []
    for part in rhs.partition("...")[0], "...", rhs.partition("...")[2]:
        if part == "...":
            if "..." in rhs:
                out.extend(rules.broadcast_shapes(*ellipsis_shapes) if ellipsis_shapes else ())
            continue
        for letter in part:
            if letter not in sizes:
                raise ValueError(
                    f"ops.einsum: output index {letter!r} of {subscripts!r} is in no input."
                )
            out.append(sizes[letter])
    return KerasTensor(tuple(out), _einsum_dtype(operands))


def _einsum_dtype(operands):
    found = {rules.dtype_of(x, weak=False) for x in operands}
    if found == {"int8"}:
        return "int32"
    return dtypes.result_type(*(rules.dtype_of(x) for x in operands))


@_public("einsum")
@op(_einsum_rule)
def einsum(subscripts, *operands, **kwargs):
    """Einstein summation over `operands` as described by `subscripts` ("ij,jk->ik")."""
    out = _einsum_dtype(operands)
    return active.numpy.einsum(subscripts, *(to_tensor(x, out) for x in operands))


def _correlate_rule(x1, x2, mode="valid"):
    s1, s2 = rules.shape_of(x1), rules.shape_of(x2)
    if len(s1) != 1 or len(s2) != 1:
        raise ValueError(f"ops.correlate needs 1-D tensors, received shapes {s1} and {s2}.")
    if mode not in ("valid", "same", "full"):
        raise ValueError(
            f"ops.correlate: `mode` must be 'valid', 'same' or 'full', received {mode!r}."
        )
    n1, n2 = s1[0], s2[0]
    if n1 is None or n2 is None:
        n = None
    elif mode == "valid":
        n = _builtin_max(n1, n2) - _builtin_min(n1, n2) + 1
    elif mode == "same":
        n = _builtin_max(n1, n2)
    else:
        n = n1 + n2 - 1
    return KerasTensor((n,), _correlate_dtype(x1, x2))


def _correlate_dtype(x1, x2):
    dtype = _product_dtype(x1, x2)
    if dtype == "int64":
        return "float64"
    return dtype if dtype in ("bfloat16", "float16", "float64") else "float32"


@_public("correlate")
@op(_correlate_rule)
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D tensors (`mode` "valid", "same" or "full")."""
    _correlate_rule(KerasTensor(rules.shape_of(x1)), KerasTensor(rules.shape_of(x2)), mode)
    out = _correlate_dtype(x1, x2)
    return active.numpy.correlate(to_tensor(x1, out), to_tensor(x2, out), mode=mode)


def _corrcoef_rule(x):
    shape = rules.shape_of(x)
    if len(shape) > 2:
        raise ValueError(f"ops.corrcoef needs a 1-D or 2-D tensor, received shape {shape}.")
    n = 1 if len(shape) < 2 else shape[0]
    dtype = _dtype(x)
    dtype = "float64" if dtype == "int64" else _float_dtype(dtype)
    return KerasTensor(() if n == 1 else (n, n), dtype)


@_public("corrcoef")
@op(_corrcoef_rule)
def corrcoef(x):
    """Pearson correlation coefficients between the rows (variables) of `x`."""
    out = _corrcoef_rule(KerasTensor(rules.shape_of(x), _dtype(x))).dtype
    return _cast(active.numpy.corrcoef(to_tensor(x, _compute_dtype(out))), out)


def _vander_rule(x, N=None, increasing=False):  # noqa: N803 - Keras' argument name
    shape = rules.shape_of(x)
    if len(shape) != 1:
        raise ValueError(f"ops.vander needs a 1-D tensor, received shape {shape}.")
    if N is not None and (not isinstance(N, int) or N < 0):
        raise ValueError(f"ops.vander: `N` must be an int >= 0, received N={N!r}.")
    return _same(x, (shape[0], shape[0] if N is None else N))


@_public("vander")
@op(_vander_rule)
def vander(x, N=None, increasing=False):  # noqa: N803
    """The Vandermonde matrix of `x`: columns are powers of `x` (decreasing by default)."""
    x = to_tensor(x)
    _vander_rule(KerasTensor(tuple(x.shape)), N)
    return active.numpy.vander(x, N=N, increasing=increasing)


def _trapezoid_rule(y, x=None, dx=1.0, axis=-1):
    shape = list(rules.shape_of(y))
    if not shape:
        raise ValueError("ops.trapezoid needs `y` of rank >= 1, received a scalar.")
    shape.pop(canonical_axis(axis, len(shape)))
    return KerasTensor(tuple(shape), _float_dtype(_dtype(y)))


@_public("trapezoid")
@op(_trapezoid_rule)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule (at points `x`, or spacing `dx`)."""
    out = _float_dtype(_dtype(y))
    compute = _compute_dtype(out)
    y = to_tensor(y, compute)
    x = None if x is None else to_tensor(x, compute)
    return _cast(active.numpy.trapezoid(y, x=x, dx=float(dx), axis=axis), out)


def _slogdet_rule(x):
    shape = rules.shape_of(x)
    if len(shape) < 2 or (None not in shape[-2:] and shape[-1] != shape[-2]):
        raise ValueError(f"ops.slogdet needs square matrices (..., n, n), received shape {shape}.")
    dtype = _float_dtype(_dtype(x))
    return (KerasTensor(tuple(shape[:-2]), dtype), KerasTensor(tuple(shape[:-2]), dtype))


@_public("slogdet")
@op(_slogdet_rule)
def slogdet(x):
    """Sign and natural log of the absolute determinant of (a batch of) square matrices."""
    out = _float_dtype(_dtype(x))
    sign, logabsdet = active.numpy.slogdet(to_tensor(x, _compute_dtype(out)))
    return _cast(sign, out), _cast(logabsdet, out)


@_public("vectorize")
def vectorize(pyfunc, *, excluded=None, signature=None):
    """`pyfunc` made to map over leading axes of its tensor arguments (NumPy's vectorize).

    Example:
    >>> add_rows = ops.vectorize(lambda a, b: a + b, signature="(n),(n)->(n)")
    """
    return active.numpy.vectorize(pyfunc, excluded=excluded, signature=signature)
