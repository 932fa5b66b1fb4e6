"""numpy backend: linear algebra on (batches of) matrices, with NumPy and SciPy.

Inputs arrive as float (or complex) arrays of one dtype, shaped `(..., M, N)`; `b` in `solve`
and `solve_triangular` is always a batch of matrices `(..., M, K)` (lamina.ops.linalg adds and
removes the axis of a vector right-hand side).
"""

import numpy as np


def cholesky(x, upper=False):
    return np.linalg.cholesky(x, upper=upper)


def det(x):
    return np.linalg.det(x)


def eig(x):
    """Eigenvalues and right eigenvectors, always complex (NumPy drops a zero imaginary part)."""
    complex_dtype = np.result_type(x.dtype, np.complex64)
    values, vectors = np.linalg.eig(x)
    return values.astype(complex_dtype), vectors.astype(complex_dtype)


def eigh(x):
    return np.linalg.eigh(x)


def inv(x):
    return np.linalg.inv(x)


def lu_factor(x):
    """Packed LU factors and 0-based int32 row pivots (LAPACK's getrf), batched."""
    import scipy.linalg

    *batch, m, n = x.shape
    lu = np.empty_like(x)
    pivots = np.empty((*batch, min(m, n)), "int32")
    for index in np.ndindex(*batch):
        lu[index], pivots[index] = scipy.linalg.lu_factor(x[index], check_finite=False)
    return lu, pivots


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    out = np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return np.asarray(out).astype(np.real(x).dtype)


def qr(x, mode="reduced"):
    return np.linalg.qr(x, mode=mode)


def solve(a, b):
    return np.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    import scipy.linalg

    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, batch + b.shape[-2:])
    out = np.empty(b.shape, b.dtype)
    for index in np.ndindex(*batch):
        out[index] = scipy.linalg.solve_triangular(
            a[index], b[index], lower=lower, check_finite=False
        )
    return out


def svd(x, full_matrices=True, compute_uv=True):
    return np.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


def lstsq(a, b, rcond=None):
    return np.linalg.lstsq(a, b, rcond=rcond)[0]


def matrix_power(x, n):
    return np.linalg.matrix_power(x, n)
