"""Products and related ops of the NumPy-like namespace (matmul, dot, einsum, ..., slogdet,
vectorize) against NumPy, on the active backend (see harness.check_op)."""

import warnings

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(4)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(4, 5)).astype("float32")
A3 = rng.normal(size=(2, 3, 4)).astype("float32")
V = rng.normal(size=(4,)).astype("float32")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
J = rng.integers(-5, 5, size=(4, 2)).astype("int32")
I8 = rng.integers(-3, 3, size=(3, 4)).astype("int8")
A64 = rng.normal(size=(4, 2)).astype("float64")
TOL = {"rtol": 1e-5, "atol": 1e-5}


@pytest.mark.parametrize("x1, x2", [(A, B), (A3, B), (V, B), (A, V), (V, V),
                                    (A3, A3[:, 0, :, None])],
                         ids=["2d", "batched", "vec-mat", "mat-vec", "vec-vec", "batched-both"])
def test_matmul(x1, x2):
    check_op(ops.matmul, np.matmul, x1, x2, dtype="float32", none_first=x1.ndim > 2, **TOL)


def test_matmul_dtypes_and_errors():
    check_op(ops.matmul, np.matmul, I, J, dtype="int32")
    check_op(ops.matmul, lambda x, y: np.matmul(x.astype("int32"), y.astype("int32")), I8,
             I8.T.copy(), dtype="int32")
    check_op(ops.matmul, lambda x, y: np.matmul(x.astype("float64"), y), I, A64, dtype="float64")
    with pytest.raises(ValueError, match="matmul"):
        ops.matmul(KerasTensor((2, 3)), KerasTensor((4, 5)))
    assert ops.matmul(KerasTensor((None, 2, 3)), KerasTensor((3, None))).shape == (None, 2, None)


@pytest.mark.parametrize("x1, x2", [(A, B), (A3, B), (V, V), (A, V),
                                    (A3, np.ones((2, 4, 3), "float32")),
                                    (A, np.float32(2.0)), (np.array(3.0, "float32"), V)],
                         ids=["2d", "3d-2d", "1d", "2d-1d", "3d-3d", "scalar2", "scalar1"])
def test_dot(x1, x2):
    check_op(ops.dot, np.dot, x1, x2, dtype="float32", none_first=np.ndim(x1) > 1, **TOL)


def test_dot_ints_and_errors():
    check_op(ops.dot, np.dot, I, J, dtype="int32")
    with pytest.raises(ValueError, match="dot"):
        ops.dot(KerasTensor((2, 3)), KerasTensor((4,)))


@pytest.mark.parametrize("axes", [1, 2, 0, ([2], [0]), ((0, 1), (1, 2)), (-1, 0)])
def test_tensordot(axes):
    if axes == 2:
        x1, x2 = A3, np.ones((3, 4, 2), "float32")
    elif axes == ((0, 1), (1, 2)):
        x1, x2 = A, A3
    else:
        x1, x2 = A3, B
    check_op(ops.tensordot, np.tensordot, x1, x2, kwargs={"axes": axes}, dtype="float32",
             none_first=False, **TOL)


def test_tensordot_symbolic_errors():
    with pytest.raises(ValueError, match="differ in size"):
        ops.tensordot(KerasTensor((2, 3)), KerasTensor((4, 5)), axes=1)
    assert ops.tensordot(KerasTensor((None, 3)), KerasTensor((3, 5)), axes=1).shape == (None, 5)


@pytest.mark.parametrize("subscripts, shapes", [
    ("ij,jk->ik", [(3, 4), (4, 5)]), ("ij,jk", [(3, 4), (4, 5)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("i,i->", [(4,), (4,)]), ("i,j->ij", [(3,), (4,)]), ("ijk->kji", [(2, 3, 4)]),
    ("...j,j", [(2, 3, 4), (4,)]), ("ij, jk -> ki", [(3, 4), (4, 5)]),
    ("bi,bi->b", [(1, 3), (4, 3)]),
])
def test_einsum(subscripts, shapes):
    operands = [rng.normal(size=s).astype("float32") for s in shapes]
    check_op(ops.einsum, np.einsum, subscripts, *operands, dtype="float32", none_first=False, **TOL)


def test_einsum_dtypes_and_symbolic():
    check_op(ops.einsum, lambda s, x, y: np.einsum(s, x.astype("int32"), y.astype("int32")),
             "ij,kj->ik", I8, I8, dtype="int32")
    check_op(ops.einsum, lambda s, x, y: np.einsum(s, x.astype("float64"), y), "ij,jk->ik", I,
             A64, dtype="float64")
    spec = ops.einsum("...ij,kji->...k", KerasTensor((None, 3, 4)), KerasTensor((2, 4, 3)))
    assert spec.shape == (None, 2)
    assert ops.einsum("bij,bjk->bik", KerasTensor((None, 3, 4)), KerasTensor((None, 4, 5))).shape \
        == (None, 3, 5)
    with pytest.raises(ValueError, match="operands"):
        ops.einsum("ij,jk->ik", KerasTensor((2, 3)))
    with pytest.raises(ValueError, match="sizes"):
        ops.einsum("ij,jk->ik", KerasTensor((2, 3)), KerasTensor((4, 5)))


@pytest.mark.parametrize("x1, x2", [(A, A), (A3, B.T.copy()), (V, V),
                                    (np.array(2.0, "float32"), A)],
                         ids=["2d", "3d-2d", "1d", "scalar"])
def test_inner(x1, x2):
    check_op(ops.inner, np.inner, x1, x2, dtype="float32", none_first=False, **TOL)


def test_outer_vdot_kron():
    check_op(ops.outer, np.outer, V, A, dtype="float32")
    check_op(ops.outer, np.outer, I, J, dtype="int32")
    check_op(ops.vdot, np.vdot, A, A * 2, dtype="float32", none_first=False, **TOL)
    z = (A + 1j * A[::-1]).astype("complex64")
    check_op(ops.vdot, np.vdot, z, z, dtype="complex64", none_first=False, **TOL)
    check_op(ops.kron, np.kron, A, B, dtype="float32")
    check_op(ops.kron, np.kron, V, A3, dtype="float32", none_first=False)
    check_op(ops.kron, np.kron, I, J, dtype="int32")
    assert ops.outer(KerasTensor((None, 2)), KerasTensor((3,))).shape == (None, 3)


@pytest.mark.parametrize("x1, x2, kwargs", [
    (np.eye(3, dtype="float32"), np.ones(3, "float32"), {}),
    (rng.normal(size=(4, 3)).astype("float32"), rng.normal(size=(4, 3)).astype("float32"), {}),
    (rng.normal(size=(3, 4)).astype("float32"), rng.normal(size=(3, 4)).astype("float32"),
     {"axis": 0}),
    (rng.normal(size=(3, 5)).astype("float32"), rng.normal(size=(5, 3)).astype("float32"),
     {"axisa": 0, "axisb": -1, "axisc": 0}),
    (rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(4, 2)).astype("float32"), {}),
    (rng.normal(size=(4, 2)).astype("float32"), rng.normal(size=(3,)).astype("float32"), {}),
])
def test_cross(x1, x2, kwargs):
    check_op(ops.cross, _np_cross, x1, x2, kwargs=kwargs, dtype="float32", none_first=False, **TOL)


def _np_cross(x1, x2, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy deprecates 2-vectors
        return np.cross(x1, x2, **kwargs)


def test_cross_errors():
    with pytest.raises(ValueError, match="2 or 3"):
        ops.cross(KerasTensor((4,)), KerasTensor((3,)))


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_correlate(mode):
    x1 = rng.normal(size=(7,)).astype("float32")
    x2 = rng.normal(size=(3,)).astype("float32")
    check_op(ops.correlate, np.correlate, x1, x2, kwargs={"mode": mode}, dtype="float32",
             none_first=False, **TOL)
    check_op(ops.correlate, lambda a, b, mode: np.correlate(a, b, mode).astype("float32"),
             I[0], I[1], kwargs={"mode": mode}, dtype="float32", none_first=False)
    with pytest.raises(ValueError, match="1-D"):
        ops.correlate(A, V)


def test_corrcoef():
    check_op(ops.corrcoef, np.corrcoef, A, dtype="float32", none_first=False, **TOL)
    check_op(ops.corrcoef, np.corrcoef, I.astype("int64"), dtype="float64", none_first=False)
    check_op(ops.corrcoef, np.corrcoef, I, dtype="float32", none_first=False, **TOL)


@pytest.mark.parametrize("N, increasing", [(None, False), (2, True), (5, False), (0, False)])
def test_vander(N, increasing):
    check_op(ops.vander, np.vander, V, kwargs={"N": N, "increasing": increasing}, dtype="float32",
             none_first=False, **TOL)
    check_op(ops.vander, np.vander, I[0], kwargs={"N": N, "increasing": increasing},
             dtype="int32", none_first=False)


@pytest.mark.parametrize("kwargs", [{}, {"dx": 0.5}, {"axis": 0},
                                    {"x": np.array([0.0, 1.0, 3.0, 4.5], "float32")}])
def test_trapezoid(kwargs):
    check_op(ops.trapezoid, np.trapezoid, A, kwargs=kwargs, dtype="float32",
             none_first=False, **TOL)
    check_op(ops.trapezoid, lambda y, **kw: np.trapezoid(y.astype("float64"), **kw), I,
             kwargs={"axis": -1}, dtype="float32")


def test_slogdet():
    mats = rng.normal(size=(3, 4, 4)).astype("float32")
    check_op(ops.slogdet, lambda x: tuple(np.linalg.slogdet(x)), mats, dtype=["float32", "float32"],
             rtol=1e-4, atol=1e-4)
    check_op(ops.slogdet, lambda x: tuple(np.linalg.slogdet(x)), np.eye(3) * -2.0,
             dtype=["float64", "float64"], none_first=False)
    with pytest.raises(ValueError, match="square"):
        ops.slogdet(KerasTensor((3, 4)))


def test_vectorize():
    add_rows = ops.vectorize(lambda a, b: a + b, signature="(n),(n)->(n)")
    np.testing.assert_allclose(ops.convert_to_numpy(add_rows(A, V)), A + V)
    scale = ops.vectorize(lambda a, factor: a * factor, excluded={1})
    np.testing.assert_allclose(ops.convert_to_numpy(scale(V, 3.0)), V * 3.0)


def test_empty_operands():
    empty = np.zeros((0, 4), "float32")
    check_op(ops.matmul, np.matmul, empty, B, dtype="float32", none_first=False)
    check_op(ops.matmul, np.matmul, B.T.copy(), np.zeros((4, 0), "float32"), dtype="float32")
    check_op(ops.einsum, np.einsum, "ij,jk->ik", empty, B, dtype="float32", none_first=False)
    check_op(ops.tensordot, np.tensordot, empty, B, kwargs={"axes": 1}, dtype="float32",
             none_first=False)
    check_op(ops.outer, np.outer, np.zeros((0,), "float32"), V, dtype="float32", none_first=False)
