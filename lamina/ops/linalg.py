"""Linear algebra ops, and the `lamina.ops.linalg` namespace itself: each op is public as
`lamina.ops.<name>` and `lamina.ops.linalg.<name>`.

Matrices are the last two axes; leading axes are batches. Ints and bools compute in floatx,
float16/bfloat16 compute in float32 and come back in their own dtype (LAPACK has no half
precision). `cholesky_inverse`, `matrix_rank` and `pinv` are composed here from `svd`,
`solve_triangular` and array ops.
"""

import numpy as np

from lamina.api_export import export, populate
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import core  # noqa: F401 - registers ops.linalg.jvp for this namespace
from lamina.ops import rules
from lamina.ops.operation import broadcast_shapes, op, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.linalg.{name}")


# -- helpers shared with ops.math -------------------------------------------------------------


def _float_dtype(*values):
    return dtypes.float_result(dtypes.result_type(*(rules.dtype_of(v) for v in values)))


def _real_dtype(dtype):
    return {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)


def _complex_dtype(dtype):
    return "complex128" if dtype in ("float64", "complex128") else "complex64"


def _float_inputs(*values):
    """`(result dtype, tensors)`: the values promoted to one float dtype, computed in float32
    when that dtype is a half precision."""
    dtype = _float_dtype(*values)
    compute = "float32" if dtype in ("float16", "bfloat16") else dtype
    return dtype, [to_tensor(v, compute) for v in values]


def _cast(x, dtype):
    if dtypes.standardize_dtype(x.dtype) == dtype:
        return x
    return active.core.cast(x, dtype)


def _matrix_shape(op_name, x, square=False, name="x"):
    """The shape of `x`, checked to be a (batch of) matrix, square when asked."""
    shape = tuple(rules.shape_of(x))
    if len(shape) < 2:
        raise ValueError(
            f"ops.{op_name}: `{name}` must have rank >= 2, shaped `(..., M, N)`. "
            f"Received: {name}.shape={shape}."
        )
    if square and None not in shape[-2:] and shape[-2] != shape[-1]:
        raise ValueError(
            f"ops.{op_name}: `{name}` must be a (batch of) square matrices. "
            f"Received: {name}.shape={shape}."
        )
    return shape


def _swap_last(x):
    ndim = len(x.shape)
    axes = list(range(ndim - 2)) + [ndim - 1, ndim - 2]
    return active.numpy.transpose(x, axes)


def _same(op_name, square=False):
    def rule(x, *args, **kwargs):
        return KerasTensor(_matrix_shape(op_name, x, square), _float_dtype(x))

    return rule


# -- factorizations ---------------------------------------------------------------------------


@_public("cholesky")
@op(_same("cholesky", square=True))
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite matrices.

    Args:
        x: tensor of shape `(..., M, M)`.
        upper: whether to return the upper factor `U` (`x = U^T U`) instead of the lower
            factor `L` (`x = L L^T`).

    Returns:
        A tensor of shape `(..., M, M)`.

    Example:
    >>> ops.cholesky([[4.0, 2.0], [2.0, 3.0]])
    """
    _matrix_shape("cholesky", x, square=True)
    dtype, (x,) = _float_inputs(x)
    try:
        out = active.linalg.cholesky(x, upper=upper)
    except (ValueError, np.linalg.LinAlgError) as e:
        raise ValueError(
            f"ops.cholesky: decomposition failed ({e}); the input must be symmetric "
            "positive-definite."
        ) from None
    return _cast(out, dtype)


@_public("cholesky_inverse")
@op(_same("cholesky_inverse", square=True))
def cholesky_inverse(x, upper=False):
    """The inverse of a symmetric positive-definite matrix from its Cholesky factor.

    Args:
        x: the Cholesky factor, shape `(..., M, M)`: lower `L` (the matrix is `L L^T`) or,
            with `upper=True`, upper `U` (the matrix is `U^T U`).
        upper: whether `x` is the upper factor.

    Returns:
        The inverse of the factored matrix, shape `(..., M, M)`.

    Example:
    >>> ops.cholesky_inverse(ops.cholesky([[4.0, 2.0], [2.0, 3.0]]))
    """
    shape = _matrix_shape("cholesky_inverse", x, square=True)
    dtype, (x,) = _float_inputs(x)
    identity = to_tensor(np.eye(shape[-1]), dtypes.standardize_dtype(x.dtype))
    factor_inverse = active.linalg.solve_triangular(x, identity, lower=not upper)
    if upper:
        out = active.numpy.matmul(factor_inverse, _swap_last(factor_inverse))
    else:
        out = active.numpy.matmul(_swap_last(factor_inverse), factor_inverse)
    return _cast(out, dtype)


def _det_rule(x):
    return KerasTensor(_matrix_shape("det", x, square=True)[:-2], _float_dtype(x))


@_public("det")
@op(_det_rule)
def det(x):
    """The determinant of square matrices, shape `(..., M, M)` -> `(...)`.

    Example:
    >>> ops.det([[1.0, 2.0], [3.0, 4.0]])
    """
    _matrix_shape("det", x, square=True)
    dtype, (x,) = _float_inputs(x)
    return _cast(active.linalg.det(x), dtype)


def _eig_rule(x):
    shape = _matrix_shape("eig", x, square=True)
    dtype = _complex_dtype(_float_dtype(x))
    return KerasTensor(shape[:-1], dtype), KerasTensor(shape, dtype)


@_public("eig")
@op(_eig_rule)
def eig(x):
    """Eigenvalues and right eigenvectors of general square matrices (complex results).

    Args:
        x: tensor of shape `(..., M, M)`.

    Returns:
        `(values, vectors)` of shapes `(..., M)` and `(..., M, M)`, complex64 (complex128 for
        float64 input); column `i` of `vectors` belongs to `values[..., i]`.

    Example:
    >>> ops.eig([[2.0, 0.0], [0.0, 3.0]])
    """
    _matrix_shape("eig", x, square=True)
    _, (x,) = _float_inputs(x)
    return active.linalg.eig(x)


def _eigh_rule(x):
    shape = _matrix_shape("eigh", x, square=True)
    dtype = _float_dtype(x)
    return KerasTensor(shape[:-1], _real_dtype(dtype)), KerasTensor(shape, dtype)


@_public("eigh")
@op(_eigh_rule)
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric (Hermitian) matrices.

    Args:
        x: tensor of shape `(..., M, M)`; only its lower triangle is read.

    Returns:
        `(values, vectors)` of shapes `(..., M)` and `(..., M, M)`; column `i` of `vectors`
        belongs to `values[..., i]`.

    Example:
    >>> ops.eigh([[2.0, 1.0], [1.0, 2.0]])
    """
    _matrix_shape("eigh", x, square=True)
    dtype, (x,) = _float_inputs(x)
    values, vectors = active.linalg.eigh(x)
    return _cast(values, _real_dtype(dtype)), _cast(vectors, dtype)


@_public("inv")
@op(_same("inv", square=True))
def inv(x):
    """The inverse of square matrices, shape `(..., M, M)`.

    Example:
    >>> ops.inv([[1.0, 2.0], [3.0, 4.0]])
    """
    _matrix_shape("inv", x, square=True)
    dtype, (x,) = _float_inputs(x)
    return _cast(active.linalg.inv(x), dtype)


def _lu_factor_rule(x):
    shape = _matrix_shape("lu_factor", x)
    m, n = shape[-2:]
    k = None if None in (m, n) else min(m, n)
    return KerasTensor(shape, _float_dtype(x)), KerasTensor(shape[:-2] + (k,), "int32")


@_public("lu_factor")
@op(_lu_factor_rule)
def lu_factor(x):
    """The LU factorization with partial pivoting, packed as LAPACK's `getrf` returns it.

    Args:
        x: tensor of shape `(..., M, N)`.

    Returns:
        `(lu, pivots)`: `lu` of shape `(..., M, N)` holds `U` in its upper triangle and `L`
        (unit diagonal, not stored) below it; `pivots`, int32 of shape `(..., min(M, N))`, says
        that row `i` was swapped with row `pivots[..., i]` (0-based).

    Example:
    >>> ops.lu_factor([[1.0, 2.0], [3.0, 4.0]])
    """
    _matrix_shape("lu_factor", x)
    dtype, (x,) = _float_inputs(x)
    lu, pivots = active.linalg.lu_factor(x)
    return _cast(lu, dtype), _cast(pivots, "int32")


def _qr_rule(x, mode="reduced"):
    if mode not in ("reduced", "complete"):
        raise ValueError(
            f'ops.qr: `mode` must be "reduced" or "complete". Received: mode={mode!r}.'
        )
    shape = _matrix_shape("qr", x)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = None if None in (m, n) else min(m, n)
    dtype = _float_dtype(x)
    if mode == "reduced":
        return KerasTensor(batch + (m, k), dtype), KerasTensor(batch + (k, n), dtype)
    return KerasTensor(batch + (m, m), dtype), KerasTensor(batch + (m, n), dtype)


@_public("qr")
@op(_qr_rule)
def qr(x, mode="reduced"):
    """The QR decomposition `x = q @ r`, `q` orthonormal and `r` upper triangular.

    Args:
        x: tensor of shape `(..., M, N)`.
        mode: "reduced" (`q`: `(..., M, K)`, `r`: `(..., K, N)`, `K = min(M, N)`) or
            "complete" (`q`: `(..., M, M)`, `r`: `(..., M, N)`).

    Returns:
        `(q, r)`.

    Example:
    >>> ops.qr([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    """
    _qr_rule(x, mode)
    dtype, (x,) = _float_inputs(x)
    q, r = active.linalg.qr(x, mode=mode)
    return _cast(q, dtype), _cast(r, dtype)


def _svd_rule(x, full_matrices=True, compute_uv=True):
    shape = _matrix_shape("svd", x)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = None if None in (m, n) else min(m, n)
    dtype = _float_dtype(x)
    s = KerasTensor(batch + (k,), _real_dtype(dtype))
    if not compute_uv:
        return s
    if full_matrices:
        return KerasTensor(batch + (m, m), dtype), s, KerasTensor(batch + (n, n), dtype)
    return KerasTensor(batch + (m, k), dtype), s, KerasTensor(batch + (k, n), dtype)


@_public("svd")
@op(_svd_rule)
def svd(x, full_matrices=True, compute_uv=True):
    """The singular value decomposition `x = u @ diag(s) @ vh`.

    Args:
        x: tensor of shape `(..., M, N)`.
        full_matrices: whether `u` and `vh` are square (`(..., M, M)`, `(..., N, N)`) or
            reduced to `K = min(M, N)` columns/rows.
        compute_uv: whether to return `u` and `vh`, or only `s`.

    Returns:
        `(u, s, vh)`, or `s` alone; `s` of shape `(..., K)` is in descending order.

    Example:
    >>> ops.svd([[3.0, 0.0], [0.0, 4.0]], compute_uv=False)
    """
    _matrix_shape("svd", x)
    dtype, (x,) = _float_inputs(x)
    out = active.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
    if not compute_uv:
        return _cast(out, _real_dtype(dtype))
    u, s, vh = out
    return _cast(u, dtype), _cast(s, _real_dtype(dtype)), _cast(vh, dtype)


# -- norms and ranks --------------------------------------------------------------------------

_MATRIX_ORDS = (None, "fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2)


def _norm_axes(x_shape, ord, axis):  # noqa: A002
    """The axes `norm` reduces, as a tuple, after checking them against `ord`."""
    ndim = len(x_shape)
    if axis is None:
        axes = tuple(range(ndim))
        if ord is not None and ndim not in (1, 2):
            raise ValueError(
                f"ops.norm: with `ord`={ord!r} and axis=None the input must be a vector or a "
                f"matrix. Received: x.shape={tuple(x_shape)}; pass `axis`."
            )
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axes = tuple(rules.canonical_axis(a, ndim) for a in axes)
    if len(axes) not in (1, 2) and not (axis is None and ord is None):
        raise ValueError(
            f"ops.norm: `axis` must name one axis (vector norm) or two (matrix norm). "
            f"Received: axis={axis!r}."
        )
    if len(axes) == 1 and isinstance(ord, str):
        raise ValueError(
            f'ops.norm: `ord`={ord!r} is a matrix norm; a vector norm takes a number or None.'
        )
    if len(axes) == 2 and ord not in _MATRIX_ORDS:
        raise ValueError(
            f"ops.norm: invalid `ord` for a matrix norm: expected one of None, 'fro', 'nuc', "
            f"inf, -inf, 1, -1, 2, -2. Received: ord={ord!r}."
        )
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f"ops.norm: `ord` must be 'fro' or 'nuc' as a string. Received: {ord!r}.")
    return axes


def _norm_rule(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    shape = tuple(rules.shape_of(x))
    axes = _norm_axes(shape, ord, axis)
    return KerasTensor(rules.reduce_shape(shape, axes, keepdims), _real_dtype(_float_dtype(x)))


@_public("norm")
@op(_norm_rule)
def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector or matrix norms, as `numpy.linalg.norm` computes them.

    Args:
        x: input tensor.
        ord: the norm's order. Vectors: None or 2 (Euclidean), inf, -inf, 0 (count of
            non-zeros), or any number p (`sum(|x|**p)**(1/p)`). Matrices: None or "fro"
            (Frobenius), "nuc" (nuclear), inf/-inf (max/min row sum), 1/-1 (max/min column
            sum), 2/-2 (largest/smallest singular value).
        axis: an axis (vector norms), a pair of axes (matrix norms), or None: all of `x`'s
            axes (with `ord` set, `x` must then be a vector or a matrix).
        keepdims: whether to keep the reduced axes with size 1.

    Returns:
        A float tensor.

    Example:
    >>> ops.norm([[1.0, 2.0], [3.0, 4.0]])
    """
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    axes = _norm_axes(shape, ord, axis)
    dtype, (x,) = _float_inputs(x)
    if axis is None and ord is None and len(shape) not in (1, 2):
        axis_arg = None  # the 2-norm of all values, as NumPy computes it
    else:
        axis_arg = axes[0] if len(axes) == 1 else axes
    out = active.linalg.norm(x, ord=ord, axis=axis_arg, keepdims=keepdims)
    if axis_arg is None and keepdims and len(shape) not in (1, 2):
        out = active.numpy.reshape(out, (1,) * len(shape))
    return _cast(out, _real_dtype(dtype))


def _matrix_rank_rule(x, tol=None):
    return KerasTensor(_matrix_shape("matrix_rank", x)[:-2], "int32")


@_public("matrix_rank")
@op(_matrix_rank_rule)
def matrix_rank(x, tol=None):
    """The rank of matrices: how many singular values exceed `tol`.

    Args:
        x: tensor of shape `(..., M, N)`.
        tol: the threshold (a number, or a tensor of shape `(...)`); None means
            `max(s) * max(M, N) * eps`, as NumPy and JAX use.

    Returns:
        An int32 tensor of shape `(...)`.

    Example:
    >>> ops.matrix_rank([[1.0, 2.0], [2.0, 4.0]])
    """
    shape = _matrix_shape("matrix_rank", x)
    _, (x,) = _float_inputs(x)
    m, n = shape[-2:]
    if min(m, n) == 0:
        return to_tensor(np.zeros(shape[:-2], "int32"))
    s = active.linalg.svd(x, full_matrices=False, compute_uv=False)
    real = dtypes.standardize_dtype(s.dtype)
    if tol is None:
        eps = float(np.finfo(real).eps)
        threshold = active.numpy.multiply(
            active.numpy.max(s, axis=-1, keepdims=True), to_tensor(max(m, n) * eps, real)
        )
    else:
        threshold = to_tensor(tol, real)
        if len(threshold.shape):
            threshold = active.numpy.expand_dims(threshold, -1)
    above = active.core.cast(active.numpy.greater(s, threshold), "int32")
    return active.numpy.sum(above, axis=-1)


def _pinv_rule(x, rcond=None):
    shape = _matrix_shape("pinv", x)
    return KerasTensor(shape[:-2] + (shape[-1], shape[-2]), _float_dtype(x))


@_public("pinv")
@op(_pinv_rule)
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse of matrices, from their SVD.

    Args:
        x: tensor of shape `(..., M, N)`.
        rcond: singular values at most `rcond * max(s)` count as zero; None means
            `10 * max(M, N) * eps`, JAX's default.

    Returns:
        A tensor of shape `(..., N, M)`.

    Example:
    >>> ops.pinv([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    """
    shape = _matrix_shape("pinv", x)
    dtype, (x,) = _float_inputs(x)
    compute = dtypes.standardize_dtype(x.dtype)
    m, n = shape[-2:]
    if min(m, n) == 0:
        return to_tensor(np.zeros(shape[:-2] + (n, m)), dtype)
    u, s, vh = active.linalg.svd(x, full_matrices=False, compute_uv=True)
    real = dtypes.standardize_dtype(s.dtype)
    if rcond is None:
        rcond = 10 * max(m, n) * float(np.finfo(real).eps)
    largest = active.numpy.max(s, axis=-1, keepdims=True)
    cutoff = active.numpy.multiply(largest, to_tensor(rcond, real))
    kept = active.numpy.greater(s, cutoff)
    one, zero = to_tensor(np.ones(()), real), to_tensor(np.zeros(()), real)
    # Dividing only where kept keeps the gradient finite where singular values vanish.
    safe_s = active.numpy.where(kept, s, one)
    s_inverse = active.numpy.where(kept, active.numpy.divide(one, safe_s), zero)
    s_inverse = active.core.cast(active.numpy.expand_dims(s_inverse, -2), compute)
    v_scaled = active.numpy.multiply(_conj_swap(vh), s_inverse)
    return _cast(active.numpy.matmul(v_scaled, _conj_swap(u)), dtype)


def _conj_swap(x):
    """The conjugate transpose of the last two axes (the transpose for real `x`)."""
    if dtypes.is_complex_dtype(dtypes.standardize_dtype(x.dtype)):
        x = active.numpy.conjugate(x)
    return _swap_last(x)


def _matrix_power_rule(x, n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"ops.matrix_power: `n` must be an integer. Received: n={n!r}.")
    return KerasTensor(_matrix_shape("matrix_power", x, square=True), _float_dtype(x))


@_public("matrix_power")
@op(_matrix_power_rule)
def matrix_power(x, n):
    """`x` multiplied by itself `n` times (the identity for 0, powers of the inverse below 0).

    Example:
    >>> ops.matrix_power([[1.0, 2.0], [3.0, 4.0]], 2)
    """
    _matrix_power_rule(x, n)
    dtype, (x,) = _float_inputs(x)
    return _cast(active.linalg.matrix_power(x, int(n)), dtype)


# -- linear systems ---------------------------------------------------------------------------


def _system_shape(op_name, a, b):
    """`(output shape, b is a vector)` for `a x = b`, checked."""
    a_shape = _matrix_shape(op_name, a, square=True, name="a")
    b_shape = tuple(rules.shape_of(b))
    if not b_shape:
        raise ValueError(f"ops.{op_name}: `b` must have rank >= 1. Received a scalar.")
    # As in NumPy 2 and JAX: `b` is a vector only when 1-D (a batch of vectors is ambiguous).
    vector = len(b_shape) == 1
    rows = b_shape[-1] if vector else b_shape[-2]
    m = a_shape[-1] if a_shape[-1] is not None else a_shape[-2]
    if None not in (rows, m) and rows != m:
        axis = -1 if vector else -2
        raise ValueError(
            f"ops.{op_name}: `b` must have as many rows as `a`: expected b.shape[{axis}] == {m}. "
            f"Received: a.shape={a_shape}, b.shape={b_shape}."
        )
    if vector:
        batch = broadcast_shapes(a_shape[:-2], b_shape[:-1])
        return batch + (m if m is not None else rows,), True
    batch = broadcast_shapes(a_shape[:-2], b_shape[:-2])
    return batch + (m if m is not None else rows, b_shape[-1]), False


def _system_rule(op_name):
    def rule(a, b, *args, **kwargs):
        shape, _ = _system_shape(op_name, a, b)
        return KerasTensor(shape, _float_dtype(a, b))

    return rule


def _solve_with(op_name, solver, a, b):
    _, vector = _system_shape(op_name, a, b)
    dtype, (a, b) = _float_inputs(a, b)
    if vector:
        b = active.numpy.expand_dims(b, -1)
    out = solver(a, b)
    if vector:
        out = active.numpy.squeeze(out, axis=-1)
    return _cast(out, dtype)


@_public("solve")
@op(_system_rule("solve"))
def solve(a, b):
    """The solution `x` of the linear system `a @ x = b`.

    Args:
        a: coefficient matrices, shape `(..., M, M)`.
        b: right-hand sides: a vector of shape `(M,)`, or matrices `(..., M, K)`; batch axes
            broadcast. (For a batch of vectors `(..., M)`, pass `b[..., None]`.)

    Returns:
        `x`, shaped like `b` (with the broadcast batch axes).

    Example:
    >>> ops.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0])
    """
    return _solve_with("solve", active.linalg.solve, a, b)


@_public("solve_triangular")
@op(_system_rule("solve_triangular"))
def solve_triangular(a, b, lower=False):
    """The solution `x` of `a @ x = b` for triangular `a`.

    Args:
        a: triangular matrices, shape `(..., M, M)`; only the triangle named by `lower` is read.
        b: right-hand sides: a vector `(M,)`, or matrices `(..., M, K)`.
        lower: whether `a` is lower (else upper) triangular.

    Returns:
        `x`, shaped like `b` (with the broadcast batch axes).

    Example:
    >>> ops.solve_triangular([[2.0, 0.0], [1.0, 1.0]], [2.0, 3.0], lower=True)
    """
    return _solve_with(
        "solve_triangular", lambda a, b: active.linalg.solve_triangular(a, b, lower=lower), a, b
    )


def _lstsq_rule(a, b, rcond=None):
    a_shape, b_shape = tuple(rules.shape_of(a)), tuple(rules.shape_of(b))
    if len(a_shape) != 2:
        raise ValueError(f"ops.lstsq: `a` must have rank 2. Received: a.shape={a_shape}.")
    if len(b_shape) not in (1, 2):
        raise ValueError(f"ops.lstsq: `b` must have rank 1 or 2. Received: b.shape={b_shape}.")
    if None not in (a_shape[0], b_shape[0]) and a_shape[0] != b_shape[0]:
        raise ValueError(
            "ops.lstsq: `b` must have as many rows as `a` (b.shape[0] == a.shape[0]). "
            f"Received: a.shape={a_shape}, b.shape={b_shape}."
        )
    return KerasTensor((a_shape[1],) + b_shape[1:], _float_dtype(a, b))


@_public("lstsq")
@op(_lstsq_rule)
def lstsq(a, b, rcond=None):
    """The least-squares solution `x` minimizing `|a @ x - b|` (the smallest such `x`).

    Args:
        a: matrix of shape `(M, N)`.
        b: shape `(M,)` or `(M, K)`.
        rcond: singular values of `a` below `rcond * max(s)` count as zero; None means
            `max(M, N) * eps`.

    Returns:
        `x` of shape `(N,)` or `(N, K)` (only the solution, unlike `numpy.linalg.lstsq`).

    Example:
    >>> ops.lstsq([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, 2.0, 3.0])
    """
    _lstsq_rule(a, b)
    dtype, (a, b) = _float_inputs(a, b)
    return _cast(active.linalg.lstsq(a, b, rcond=rcond), dtype)


# `ops.linalg.jvp` (defined in ops/core.py) and anything else exported to this namespace.
populate(__name__, globals())
