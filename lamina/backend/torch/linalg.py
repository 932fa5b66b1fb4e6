"""torch backend: linear algebra on (batches of) matrices, with torch.linalg.

Inputs arrive as float (or complex) tensors of one dtype, shaped `(..., M, N)`; `b` in `solve`
and `solve_triangular` is always a batch of matrices `(..., M, K)`.
"""

import torch


def cholesky(x, upper=False):
    out, info = torch.linalg.cholesky_ex(x, upper=upper)
    if bool((info > 0).any()):
        raise ValueError("Matrix is not positive definite.")
    return out


def det(x):
    return torch.linalg.det(x)


def eig(x):
    return torch.linalg.eig(x)


def eigh(x):
    return torch.linalg.eigh(x)


def inv(x):
    return torch.linalg.inv(x)


def lu_factor(x):
    lu, pivots = torch.linalg.lu_factor(x)
    return lu, (pivots - 1).to(torch.int32)  # torch's pivots are 1-based


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    real_dtype = x.real.dtype if x.dtype.is_complex else x.dtype
    if axis is None and ord is None:
        return torch.sqrt(torch.sum(torch.abs(x) ** 2)).reshape(
            (1,) * x.ndim if keepdims else ()).to(real_dtype)
    if axis is None:
        axis = tuple(range(x.ndim))
    if isinstance(axis, int) or len(axis) == 1:
        dim = axis if isinstance(axis, int) else axis[0]
        out = torch.linalg.vector_norm(x, ord=2 if ord is None else ord, dim=dim,
                                       keepdim=keepdims)
    else:
        out = torch.linalg.matrix_norm(x, ord="fro" if ord is None else ord, dim=tuple(axis),
                                       keepdim=keepdims)
    return out.to(real_dtype)


def qr(x, mode="reduced"):
    return torch.linalg.qr(x, mode=mode)


def solve(a, b):
    return torch.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    batch = torch.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = torch.broadcast_to(a, batch + a.shape[-2:])
    b = torch.broadcast_to(b, batch + b.shape[-2:])
    return torch.linalg.solve_triangular(a, b, upper=not lower)


def svd(x, full_matrices=True, compute_uv=True):
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return torch.linalg.svd(x, full_matrices=full_matrices)


def lstsq(a, b, rcond=None):
    # gelsd handles rank-deficient systems as NumPy does; it runs on the CPU only.
    driver = "gelsd" if a.device.type == "cpu" else None
    return torch.linalg.lstsq(a, b, rcond=rcond, driver=driver).solution


def matrix_power(x, n):
    return torch.linalg.matrix_power(x, n)
