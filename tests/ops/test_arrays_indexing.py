"""Indexing, searching and sorting ops of the NumPy-like namespace against NumPy, on the
active backend (see harness.check_op), and their symbolic rules (data-dependent shapes give
None dims)."""

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(3)
A = rng.normal(size=(3, 4)).astype("float32")
A3 = rng.normal(size=(2, 3, 4)).astype("float32")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
BOOL = rng.random(size=(3, 4)) > 0.5
NANS = np.array([3.0, np.nan, 1.0, -np.inf, 2.0, np.inf], "float32")


# -- get_item -----------------------------------------------------------------------------------


@pytest.mark.parametrize("key", [
    0, -1, slice(None), slice(1, None), slice(None, None, -1), (1, 2), (slice(0, 2), -1),
    (Ellipsis, 1), (None, 0), (slice(None), None, slice(1, 3)), (0, Ellipsis, None),
    (slice(5, 10),), (Ellipsis,), (1, slice(None, None, 2), 3),
], ids=str)
def test_get_item_basic(key):
    check_op(ops.get_item, lambda x, k: x[k], A3, key, dtype="float32",
             none_first=not isinstance(key, int) and not (isinstance(key, tuple) and
                                                          isinstance(key[0], int)))


def test_get_item_arrays():
    check_op(ops.get_item, lambda x, k: x[k], A, np.array([2, 0, 2]), symbolic=False,
             dtype="float32")
    check_op(ops.get_item, lambda x, k: x[k], A, (slice(None), [1, 3]), symbolic=False,
             dtype="float32")
    check_op(ops.get_item, lambda x, k: x[k], A, BOOL, symbolic=False, dtype="float32")
    check_op(ops.get_item, lambda x, k: x[k], A, (BOOL[:, 0],), symbolic=False, dtype="float32")
    index = ops.convert_to_tensor(np.array([1, 0], "int32"))
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.get_item(A, index)), A[[1, 0]])


def test_get_item_symbolic():
    x = KerasTensor((None, 3, 4), "int32")
    assert ops.get_item(x, (slice(None), 0)).shape == (None, 4)
    assert ops.get_item(x, (Ellipsis, None, slice(1, 3))).shape == (None, 3, 1, 2)
    assert x[0].shape == (3, 4)
    assert x[:, :, ::2].dtype == "int32"
    with pytest.raises(ValueError, match="out of bounds"):
        ops.get_item(x, (0, 5))
    with pytest.raises(ValueError, match="too many indices"):
        ops.get_item(x, (0, 0, 0, 0))
    with pytest.raises(ValueError, match="Ellipsis"):
        ops.get_item(x, (Ellipsis, Ellipsis))
    with pytest.raises(ValueError, match="symbolic"):
        ops.get_item(x, np.array([0, 1]))


# -- take, take_along_axis ----------------------------------------------------------------------


@pytest.mark.parametrize("indices, axis", [
    (np.array([0, 2, 1]), 0), (np.array([[0, 3], [1, -1]]), 1), (np.array([5, 0]), None),
    (np.array([[1]]), -1), (np.array([], "int32"), 0), (2, 1),
])
def test_take(indices, axis):
    check_op(ops.take, np.take, A, indices, kwargs={"axis": axis}, dtype="float32",
             none_first=axis not in (None, 0))
    check_op(ops.take, np.take, I, indices, kwargs={"axis": axis}, dtype="int32",
             none_first=axis not in (None, 0))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis(axis):
    if axis is None:
        indices = np.array([0, 11, 5])
    else:
        indices = np.argsort(A, axis=axis)[:2] if axis == 0 else np.argsort(A, axis=axis)
    check_op(ops.take_along_axis, np.take_along_axis, A, indices, kwargs={"axis": axis},
             dtype="float32", none_first=axis not in (None, 0))


def test_take_along_axis_broadcasts():
    indices = np.array([[0, 2]])
    expected = np.take_along_axis(A, np.broadcast_to(indices, (3, 2)), axis=1)
    got = ops.convert_to_numpy(ops.take_along_axis(A, indices, axis=1))
    np.testing.assert_array_equal(got, expected)
    assert ops.take_along_axis(KerasTensor((None, 5)), KerasTensor((1, 2), "int32"),
                               axis=1).shape == (None, 2)


# -- data-dependent shapes ----------------------------------------------------------------------


def test_nonzero():
    x = np.array([[0, 1, 0], [2, 0, 3]], "int32")
    got = check_op(ops.nonzero, np.nonzero, x, symbolic=False, dtype=["int32", "int32"])
    assert len(got) == 2
    check_op(ops.nonzero, np.nonzero, BOOL, symbolic=False, dtype=["int32", "int32"])
    specs = ops.nonzero(KerasTensor((None, 3)))
    assert [s.shape for s in specs] == [(None,), (None,)] and specs[0].dtype == "int32"


def test_unique():
    x = np.array([3, 1, 3, 2, 1, 1], "int32")
    check_op(ops.unique, np.unique, x, symbolic=False, dtype="int32")
    values, index, inverse, counts = (ops.convert_to_numpy(t) for t in ops.unique(
        x, return_index=True, return_inverse=True, return_counts=True))
    ref = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for got, want in zip((values, index, inverse, counts), ref):
        np.testing.assert_array_equal(got, want)
    rows = np.array([[1, 2], [0, 1], [1, 2]], "float32")
    check_op(ops.unique, lambda x, axis: np.unique(x, axis=axis), rows, kwargs={"axis": 0},
             symbolic=False, dtype="float32")


def test_unique_with_size():
    x = np.array([3, 1, 3, 2], "int32")
    padded = check_op(ops.unique, None, x, kwargs={"size": 5, "fill_value": -1}, dtype="int32",
                      none_first=False)
    np.testing.assert_array_equal(padded, [1, 2, 3, -1, -1])
    cut, counts = check_op(ops.unique, None, x, kwargs={"size": 2, "return_counts": True},
                           dtype=["int32", "int32"], none_first=False)
    np.testing.assert_array_equal(cut, [1, 2])
    np.testing.assert_array_equal(counts, [1, 1])


def test_unique_symbolic():
    spec = ops.unique(KerasTensor((None, 4)))
    assert spec.shape == (None,)
    spec = ops.unique(KerasTensor((5, 4), "int32"), axis=1, return_inverse=True, size=3)
    assert spec[0].shape == (5, 3) and spec[1].shape == (4,) and spec[1].dtype == "int32"
    with pytest.raises(ValueError, match="sorted=False"):
        ops.unique(KerasTensor((3,)), sorted=False)


# -- searching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    seq = np.array([1.0, 2.0, 2.0, 5.0], "float32")
    check_op(ops.searchsorted, np.searchsorted, seq, np.array([0.0, 2.0, 3.0, 9.0], "float32"),
             kwargs={"side": side}, dtype="int32", none_first=False)
    check_op(ops.searchsorted, np.searchsorted, seq, A, kwargs={"side": side}, dtype="int32",
             none_first=False)
    with pytest.raises(ValueError, match="1-D"):
        ops.searchsorted(KerasTensor((2, 3)), KerasTensor((3,)))


def test_digitize():
    bins = np.array([-1.0, 0.0, 1.0], "float32")
    check_op(ops.digitize, np.digitize, A, bins, dtype="int32", none_first=False)
    check_op(ops.digitize, np.digitize, I, np.array([-2, 0, 3], "int32"), dtype="int32",
             none_first=False)
    check_op(ops.digitize, np.digitize, NANS, bins, dtype="int32", none_first=False)
    with pytest.raises(ValueError, match="1-D"):
        ops.digitize(A, A)


@pytest.mark.parametrize("bins, range_", [(10, None), (3, (-1.0, 1.0)), (1, None)])
def test_histogram(bins, range_):
    x = A.ravel()
    counts, edges = check_op(ops.histogram, np.histogram, x, kwargs={"bins": bins, "range": range_},
                             dtype=["int32", "float32"], none_first=False, rtol=1e-5)
    assert counts.sum() <= x.size
    with pytest.raises(ValueError, match="bins"):
        ops.histogram(x, bins=0)
    with pytest.raises(TypeError, match="bins"):
        ops.histogram(x, bins=2.5)
    with pytest.raises(ValueError, match="range"):
        ops.histogram(x, range=(1.0, 0.0))
    with pytest.raises(ValueError, match="1-D"):
        ops.histogram(A)


def test_isin():
    check_op(ops.isin, np.isin, I, np.array([0, 1, 4], "int32"), dtype="bool")
    check_op(ops.isin, np.isin, I, np.array([0, 1, 4], "int32"), kwargs={"invert": True},
             dtype="bool")
    check_op(ops.isin, lambda x, y: np.isin(x, np.float32(y)), A, [A[0, 0], 7.0],
             dtype="bool", symbolic=False)


def test_select():
    conds = [A > 0.5, A < -0.5]
    check_op(ops.select, np.select, conds, [A, A * 10], dtype="float32")
    check_op(ops.select, lambda c, ch, default: np.select(c, ch, default), conds,
             [I, I * 2], kwargs={"default": -1}, dtype="int32")
    check_op(ops.select, np.select, [BOOL[0]], [np.float32(2.0) * np.ones(4, "float32")],
             dtype="float32")
    with pytest.raises(ValueError, match="one length"):
        ops.select([A > 0], [A, A])


def test_unravel_index():
    check_op(ops.unravel_index, np.unravel_index, np.array([0, 5, 11], "int32"), (3, 4),
             dtype=["int32", "int32"])
    check_op(ops.unravel_index, np.unravel_index, np.array([[7], [23]], "int64"), (2, 3, 4),
             dtype=["int64"] * 3)


# -- sorting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [-1, 0, 1, None])
def test_sort_and_argsort(axis):
    check_op(ops.sort, np.sort, A3, kwargs={"axis": axis}, dtype="float32")
    check_op(ops.sort, np.sort, I, kwargs={"axis": axis}, dtype="int32")
    check_op(ops.argsort, lambda x, axis: np.argsort(x, axis=axis, kind="stable"), I,
             kwargs={"axis": axis}, dtype="int32")
    check_op(ops.argsort, lambda x, axis: np.argsort(x, axis=axis, kind="stable"), A3,
             kwargs={"axis": axis}, dtype="int32")


def test_sort_nan_inf_and_empty():
    check_op(ops.sort, np.sort, NANS, dtype="float32")
    check_op(ops.argsort, np.argsort, NANS, dtype="int32")
    check_op(ops.sort, np.sort, np.zeros((0, 3), "float32"), dtype="float32")
    check_op(ops.sort, np.sort, BOOL, kwargs={"axis": 0}, dtype="bool")


@pytest.mark.parametrize("kth, axis", [(1, -1), (0, 0), (2, None)])
def test_argpartition(kth, axis):
    got = check_op(ops.argpartition, None, A3, kth, kwargs={"axis": axis}, dtype="int32")
    x = A3.ravel() if axis is None else A3
    axis = 0 if axis is None else axis
    parted = np.take_along_axis(x, got.astype("int64"), axis=axis)
    kth_values = np.take(parted, [kth], axis=axis)
    np.testing.assert_array_equal(kth_values, np.take(np.sort(x, axis=axis), [kth], axis=axis))
    assert (np.take(parted, range(kth), axis=axis) <= kth_values).all()


def test_sort_symbolic():
    assert ops.sort(KerasTensor((None, 3)), axis=None).shape == (None,)
    assert ops.argsort(KerasTensor((2, 3)), axis=None).shape == (6,)
    with pytest.raises(ValueError, match="out of bounds"):
        ops.sort(KerasTensor((2, 3)), axis=2)
