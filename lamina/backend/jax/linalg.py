"""jax backend: linear algebra on (batches of) matrices, with jax.numpy and jax.lax.

Inputs arrive as float (or complex) arrays of one dtype, shaped `(..., M, N)`; `b` in `solve`
and `solve_triangular` is always a batch of matrices `(..., M, K)`.
"""

import jax
import jax.numpy as jnp


def cholesky(x, upper=False):
    out = jnp.linalg.cholesky(x, upper=upper)
    # JAX fills a failed factorization with NaN; outside of jit, fail loudly as NumPy does.
    if not isinstance(out, jax.core.Tracer) and bool(jnp.any(jnp.isnan(out))) and not bool(
        jnp.any(jnp.isnan(x))
    ):
        raise ValueError("Matrix is not positive definite.")
    return out


def det(x):
    return jnp.linalg.det(x)


def eig(x):
    return jnp.linalg.eig(x)


def eigh(x):
    return jnp.linalg.eigh(x)


def inv(x):
    return jnp.linalg.inv(x)


def lu_factor(x):
    lu, pivots, _ = jax.lax.linalg.lu(x)
    return lu, pivots.astype("int32")


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    out = jnp.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return out.astype(jnp.real(x).dtype)


def qr(x, mode="reduced"):
    return jnp.linalg.qr(x, mode=mode)


def solve(a, b):
    return jnp.linalg.solve(a, b)


def solve_triangular(a, b, lower=False):
    batch = jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = jnp.broadcast_to(a, batch + a.shape[-2:])
    b = jnp.broadcast_to(b, batch + b.shape[-2:])
    return jax.lax.linalg.triangular_solve(a, b, left_side=True, lower=lower)


def svd(x, full_matrices=True, compute_uv=True):
    return jnp.linalg.svd(x, full_matrices=full_matrices, compute_uv=compute_uv)


def lstsq(a, b, rcond=None):
    return jnp.linalg.lstsq(a, b, rcond=rcond)[0]


def matrix_power(x, n):
    return jnp.linalg.matrix_power(x, n)
