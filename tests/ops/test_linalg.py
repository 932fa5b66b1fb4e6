"""Linear algebra ops (lamina.ops.linalg) against NumPy/SciPy, on the active backend."""

import numpy as np
import pytest
import scipy.linalg

import lamina.ops.linalg
from lamina import api_export
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.ops import linalg as la
from tests.ops.harness import BACKEND, check_op

rng = np.random.default_rng(0)
GENERAL = rng.normal(size=(3, 4, 4))  # a batch of well-conditioned-enough square matrices
SPD = GENERAL @ np.swapaxes(GENERAL, -1, -2) + 4 * np.eye(4)
WIDE = rng.normal(size=(2, 3, 5))
TALL = rng.normal(size=(5, 3))
NAMES = ["cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "lstsq", "lu_factor",
         "matrix_power", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd"]


def _f32(x):
    return x.astype("float32")


def _swap(x):
    return np.swapaxes(x, -1, -2)


def test_namespaces():
    for name in NAMES:
        function = getattr(la, name)
        assert api_export.REGISTRY["lamina.ops"][name] is function
        assert getattr(lamina.ops.linalg, name) is function
    assert lamina.ops.linalg.jvp is api_export.REGISTRY["lamina.ops"]["jvp"]


# -- factorizations ---------------------------------------------------------------------------


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    reference = lambda x, upper=False: np.linalg.cholesky(x, upper=upper)  # noqa: E731
    check_op(la.cholesky, reference, SPD, kwargs={"upper": upper}, dtype="float64")
    check_op(la.cholesky, lambda x, upper: reference(x, upper).astype("float32"), _f32(SPD[0]),
             kwargs={"upper": upper}, dtype="float32", rtol=1e-4, atol=1e-5)


def test_cholesky_of_ints_and_failure():
    check_op(la.cholesky, lambda x: np.linalg.cholesky(x).astype("float32"),
             np.array([[4, 2], [2, 3]], "int32"), dtype="float32")
    with pytest.raises(ValueError, match="cholesky: decomposition failed"):
        la.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))
    with pytest.raises(ValueError, match=r"square.*\(2, 3, 5\)"):
        la.cholesky(WIDE)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_inverse(upper):
    factors = np.linalg.cholesky(SPD, upper=upper)
    check_op(la.cholesky_inverse, lambda f, upper: np.linalg.inv(SPD), factors,
             kwargs={"upper": upper}, dtype="float64", rtol=1e-8, atol=1e-10)
    check_op(la.cholesky_inverse, lambda f, upper: np.linalg.inv(SPD[1]).astype("float32"),
             _f32(factors[1]), kwargs={"upper": upper}, dtype="float32", rtol=1e-4, atol=1e-5)


def test_det_inv():
    check_op(la.det, np.linalg.det, GENERAL, dtype="float64")
    check_op(la.inv, np.linalg.inv, GENERAL, dtype="float64", rtol=1e-8, atol=1e-10)
    check_op(la.det, lambda x: np.linalg.det(x).astype("float32"), _f32(GENERAL),
             dtype="float32", rtol=1e-4)
    ints = np.array([[2, 1], [1, 3]], "int32")
    check_op(la.det, lambda x: np.float32(5.0), ints, dtype="float32", rtol=1e-6)
    check_op(la.inv, lambda x: np.linalg.inv(x).astype("float32"), ints, dtype="float32")
    with pytest.raises(ValueError, match=r"rank >= 2.*\(4,\)"):
        la.det(np.ones(4))


def test_matrix_power():
    for n in (0, 1, 3, -2):
        check_op(la.matrix_power, lambda x, n: np.linalg.matrix_power(x, n), GENERAL, n,
                 dtype="float64", rtol=1e-8, atol=1e-10)
    with pytest.raises(TypeError, match="must be an integer.*n=1.5"):
        la.matrix_power(GENERAL, 1.5)


def test_eig():
    x = GENERAL[:2]
    values, vectors = check_op(la.eig, None, x, dtype=["complex128", "complex128"])
    expected = np.linalg.eigvals(x)
    key = lambda v: np.lexsort((np.round(v.imag, 8), np.round(v.real, 8)))  # noqa: E731
    for got, want in zip(values, expected):
        np.testing.assert_allclose(got[key(got)], want[key(want)], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(x @ vectors, vectors * values[..., None, :], atol=1e-10)
    symmetric = np.diag([1.0, 2.0, 3.0]).astype("float32")  # real eigenvalues stay complex
    values, _ = check_op(la.eig, None, symmetric, dtype=["complex64", "complex64"])
    np.testing.assert_allclose(np.sort(values.real), [1, 2, 3], rtol=1e-6)


def test_eigh():
    values, vectors = check_op(la.eigh, None, SPD, dtype=["float64", "float64"])
    np.testing.assert_allclose(values, np.linalg.eigvalsh(SPD), rtol=1e-10)
    np.testing.assert_allclose(SPD @ vectors, vectors * values[..., None, :], atol=1e-9)
    np.testing.assert_allclose(_swap(vectors) @ vectors, np.broadcast_to(np.eye(4), SPD.shape),
                               atol=1e-10)
    values, _ = check_op(la.eigh, None, _f32(SPD[0]), dtype=["float32", "float32"])
    np.testing.assert_allclose(values, np.linalg.eigvalsh(SPD[0]), rtol=1e-5)


def _lu_factor_reference(x):
    lu = np.empty_like(x)
    pivots = np.empty(x.shape[:-2] + (min(x.shape[-2:]),), "int32")
    for index in np.ndindex(*x.shape[:-2]):
        lu[index], pivots[index] = scipy.linalg.lu_factor(x[index])
    return lu, pivots


@pytest.mark.parametrize("x", [GENERAL, WIDE, TALL], ids=["square", "wide", "tall"])
def test_lu_factor(x):
    check_op(la.lu_factor, _lu_factor_reference, x, dtype=["float64", "int32"],
             rtol=1e-8, atol=1e-10)
    check_op(la.lu_factor, lambda x: (_lu_factor_reference(x)[0].astype("float32"),
                                      _lu_factor_reference(x)[1]),
             _f32(x), dtype=["float32", "int32"], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("mode", ["reduced", "complete"])
@pytest.mark.parametrize("x", [GENERAL, WIDE, TALL], ids=["square", "wide", "tall"])
def test_qr(mode, x):
    q, r = check_op(la.qr, None, x, kwargs={"mode": mode}, dtype=["float64", "float64"])
    expected_q, expected_r = np.linalg.qr(x, mode=mode)
    assert q.shape == expected_q.shape and r.shape == expected_r.shape
    np.testing.assert_allclose(q @ r, x, atol=1e-10)
    np.testing.assert_allclose(_swap(q) @ q, np.broadcast_to(np.eye(q.shape[-1]),
                                                             q.shape[:-2] + (q.shape[-1],) * 2),
                               atol=1e-10)
    np.testing.assert_allclose(np.abs(r), np.abs(expected_r), atol=1e-10)  # signs are a choice
    np.testing.assert_array_equal(np.tril(r, -1), 0)


def test_qr_errors():
    with pytest.raises(ValueError, match=r'"reduced" or "complete".*mode=\'full\''):
        la.qr(TALL, mode="full")
    q, r = la.qr(KerasTensor((None, 5, 3)))
    assert q.shape == (None, 5, 3) and r.shape == (None, 3, 3)


@pytest.mark.parametrize("full_matrices", [True, False])
@pytest.mark.parametrize("x", [GENERAL, WIDE, TALL], ids=["square", "wide", "tall"])
def test_svd(full_matrices, x):
    u, s, vh = check_op(la.svd, None, x, kwargs={"full_matrices": full_matrices},
                        dtype=["float64"] * 3)
    np.testing.assert_allclose(s, np.linalg.svd(x, compute_uv=False), rtol=1e-10)
    k = s.shape[-1]
    rebuilt = (u[..., :, :k] * s[..., None, :]) @ vh[..., :k, :]
    np.testing.assert_allclose(rebuilt, x, atol=1e-10)
    expected_u, _, expected_vh = np.linalg.svd(x, full_matrices=full_matrices)
    assert u.shape == expected_u.shape and vh.shape == expected_vh.shape
    check_op(la.svd, lambda x, compute_uv: np.linalg.svd(x, compute_uv=False).astype("float32"),
             _f32(x), kwargs={"compute_uv": False}, dtype="float32", rtol=1e-5)


# -- norms and ranks --------------------------------------------------------------------------

VECTOR_ORDS = [None, 1, 2, 3, 0.5, 0, np.inf, -np.inf, -1]
MATRIX_ORDS = [None, "fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
def test_vector_norms(ord):
    x = rng.normal(size=(3, 5)).astype("float32")
    x[0, 1] = 0.0
    reference = lambda x, **kw: np.linalg.norm(x, **kw).astype(x.dtype)  # noqa: E731
    check_op(la.norm, reference, x, kwargs={"ord": ord, "axis": -1}, dtype="float32", rtol=1e-5)
    check_op(la.norm, reference, x, kwargs={"ord": ord, "axis": 0, "keepdims": True},
             rtol=1e-5)
    check_op(la.norm, reference, x[0], kwargs={"ord": ord}, rtol=1e-5)


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norms(ord):
    check_op(la.norm, np.linalg.norm, GENERAL, kwargs={"ord": ord, "axis": (1, 2)},
             dtype="float64", rtol=1e-10)
    check_op(la.norm, np.linalg.norm, GENERAL, kwargs={"ord": ord, "axis": (-1, 0),
                                                       "keepdims": True}, rtol=1e-10)
    check_op(la.norm, np.linalg.norm, GENERAL[0], kwargs={"ord": ord}, rtol=1e-10)


def test_norm_defaults_ints_and_errors():
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    check_op(la.norm, lambda x: np.float32(np.linalg.norm(x)), x, dtype="float32", rtol=1e-5)
    check_op(la.norm, lambda x, keepdims: np.linalg.norm(x, keepdims=True).astype("float32"), x,
             kwargs={"keepdims": True}, rtol=1e-5)
    check_op(la.norm, lambda x: np.float32(5.0), np.array([3, 4], "int32"), dtype="float32")
    check_op(la.norm, lambda x: np.float32(np.sqrt(2.0)), np.array([True, True]),
             dtype="float32")
    with pytest.raises(ValueError, match="vector norm takes a number"):
        la.norm(x, ord="fro", axis=1)
    with pytest.raises(ValueError, match="invalid `ord` for a matrix norm.*ord=3"):
        la.norm(x, ord=3, axis=(0, 1))
    with pytest.raises(ValueError, match=r"a vector or a matrix.*\(2, 3, 4\)"):
        la.norm(x, ord=2)
    with pytest.raises(ValueError, match="one axis .* or two"):
        la.norm(x, axis=(0, 1, 2))
    with pytest.raises(ValueError, match="out of bounds"):
        la.norm(x, axis=3)


def _rank_reference(x, tol=None):
    return np.linalg.matrix_rank(x, tol=tol).astype("int32")


def test_matrix_rank():
    low = rng.normal(size=(3, 6, 2)) @ rng.normal(size=(3, 2, 5))  # rank 2 of 6x5
    check_op(la.matrix_rank, _rank_reference, low, dtype="int32")
    check_op(la.matrix_rank, _rank_reference, GENERAL, dtype="int32")
    check_op(la.matrix_rank, _rank_reference, _f32(low[0]), dtype="int32")
    check_op(la.matrix_rank, _rank_reference, np.zeros((2, 3, 3)), dtype="int32")
    check_op(la.matrix_rank, _rank_reference, np.diag([10.0, 1.0, 0.01]), kwargs={"tol": 0.1})
    check_op(la.matrix_rank, _rank_reference, np.zeros((2, 0, 3)), dtype="int32")


def test_pinv():
    reference = lambda x, rcond=None: np.linalg.pinv(x)  # noqa: E731
    for x in (GENERAL, WIDE, TALL):
        check_op(la.pinv, reference, x, dtype="float64", rtol=1e-8, atol=1e-10)
    check_op(la.pinv, lambda x: np.linalg.pinv(x).astype("float32"), _f32(TALL),
             dtype="float32", rtol=1e-4, atol=1e-5)
    singular = np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]])
    check_op(la.pinv, reference, singular, rtol=1e-8, atol=1e-10)
    check_op(la.pinv, lambda x, rcond: np.linalg.pinv(x, rtol=rcond),
             np.diag([10.0, 1.0, 0.01]), kwargs={"rcond": 0.01}, atol=1e-12)
    assert la.pinv(KerasTensor((None, 5, 3))).shape == (None, 3, 5)


# -- linear systems ---------------------------------------------------------------------------


def _solve_reference(a, b):
    if b.ndim == 1:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


@pytest.mark.parametrize("b_shape", [(3, 4, 1), (4,), (3, 4, 2), (4, 2), (1, 4, 3)],
                         ids=["batched-columns", "vector", "batched", "matrix", "broadcast"])
def test_solve(b_shape):
    b = rng.normal(size=b_shape)
    check_op(la.solve, _solve_reference, GENERAL, b, dtype="float64", rtol=1e-8, atol=1e-10)
    check_op(la.solve, lambda a, b: _solve_reference(a, b).astype("float32"), _f32(GENERAL),
             _f32(b), dtype="float32", rtol=1e-3, atol=1e-4)


def test_solve_errors():
    with pytest.raises(ValueError, match=r"as many rows as `a`.*b.shape\[-1\] == 4"):
        la.solve(GENERAL, np.ones(5))
    with pytest.raises(ValueError, match=r"as many rows as `a`.*b.shape\[-2\] == 4"):
        la.solve(GENERAL, np.ones((3, 4)))  # a batch of vectors needs b[..., None]
    with pytest.raises(ValueError, match=r"as many rows as `a`.*b.shape\[-2\] == 4"):
        la.solve(GENERAL, np.ones((3, 5, 2)))
    with pytest.raises(ValueError, match=r"`a` must be a \(batch of\) square"):
        la.solve(WIDE, np.ones(3))


@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("b_shape", [(3, 4, 1), (4,), (3, 4, 2), (4, 2), (1, 4, 3)],
                         ids=["batched-columns", "vector", "batched", "matrix", "broadcast"])
def test_solve_triangular(lower, b_shape):
    a = np.tril(GENERAL) if lower else np.triu(GENERAL)
    a = a + 3 * np.eye(4)
    noisy = a + (np.triu(GENERAL, 1) if lower else np.tril(GENERAL, -1))  # ignored triangle
    b = rng.normal(size=b_shape)
    check_op(la.solve_triangular, lambda a_, b, lower: _solve_reference(a, b), noisy, b,
             kwargs={"lower": lower}, dtype="float64", rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("b", [rng.normal(size=5), rng.normal(size=(5, 2))],
                         ids=["vector", "matrix"])
def test_lstsq(b):
    reference = lambda a, b: np.linalg.lstsq(a, b)[0]  # noqa: E731
    check_op(la.lstsq, reference, TALL, b, dtype="float64", rtol=1e-8, atol=1e-10, none_first=False)
    wide = TALL.T[:, :3]  # under-determined: the minimum-norm solution
    check_op(la.lstsq, reference, wide, b[:3], rtol=1e-8, atol=1e-10, none_first=False)
    with pytest.raises(ValueError, match=r"as many rows as `a`.*\(5, 3\).*\(4,\)"):
        la.lstsq(TALL, np.ones(4))
    with pytest.raises(ValueError, match="`a` must have rank 2"):
        la.lstsq(GENERAL, np.ones(4))


def test_half_precision_computes_in_float32():
    x = SPD[0].astype("float16")
    out = check_op(la.inv, lambda x: np.linalg.inv(x.astype("float32")).astype("float16"), x,
                   dtype="float16", rtol=1e-2, atol=1e-3)
    assert out.dtype == np.float16


# -- compiled and differentiated (jax) ------------------------------------------------------


@pytest.mark.skipif(BACKEND != "jax", reason="jit and grad are the jax backend's")
def test_jit_and_grad_on_jax():
    import jax

    for fn in (la.pinv, la.matrix_rank, la.lu_factor, la.cholesky,
               lambda x: la.norm(x, ord="nuc", axis=(-2, -1)),
               lambda x: la.solve_triangular(x, x[..., :1])):
        eager = fn(SPD)
        compiled = jax.jit(fn)(SPD)
        for e, c in zip(jax.tree_util.tree_leaves(eager), jax.tree_util.tree_leaves(compiled)):
            np.testing.assert_allclose(np.asarray(c), np.asarray(e), rtol=1e-8, atol=1e-10)
    grad = jax.grad(lambda x: la.det(x))(GENERAL[0])
    expected = np.linalg.det(GENERAL[0]) * np.linalg.inv(GENERAL[0]).T
    np.testing.assert_allclose(np.asarray(grad), expected,
                               rtol=1e-8)
    grad = jax.grad(lambda x: la.pinv(x).sum())(TALL)
    assert np.all(np.isfinite(np.asarray(grad)))


def test_empty_batches():
    check_op(la.det, np.linalg.det, np.zeros((0, 3, 3)))
    check_op(la.inv, np.linalg.inv, np.zeros((0, 3, 3)))
    check_op(la.lu_factor, lambda x: (x, np.zeros((0, 3), "int32")), np.zeros((0, 3, 3)))
    check_op(la.svd, lambda x, compute_uv: np.zeros((0, 2)), np.zeros((0, 3, 2)),
             kwargs={"compute_uv": False})
    check_op(la.pinv, lambda x: np.zeros((0, 2, 3)), np.zeros((0, 3, 2)))
    check_op(la.matrix_rank, lambda x: np.zeros((0,), "int32"), np.zeros((0, 3, 2)))
    check_op(la.norm, lambda x, axis: np.zeros((0,)), np.zeros((0, 3)), kwargs={"axis": -1})
    check_op(la.solve_triangular, lambda a, b: b, np.zeros((0, 3, 3)), np.zeros((0, 3, 2)))


def test_docstring_examples_run():
    import types

    ops = types.SimpleNamespace(**api_export.REGISTRY["lamina.ops"])
    ran = 0
    for name in NAMES:
        for line in getattr(la, name).__doc__.splitlines():
            if line.strip().startswith(">>> "):
                eval(line.strip()[4:], {"ops": ops, "np": np})  # noqa: S307 - our docstrings
                ran += 1
    assert ran == len(NAMES)
