"""Reductions of the NumPy-like namespace (sum ... nanvar) against NumPy, on the active
backend (see harness.check_op): shapes, Keras dtypes, negative axes, keepdims, empty arrays
and NaN. Shapes/joining are in test_arrays_shapes.py, indexing and sorting in
test_arrays_indexing.py, products in test_arrays_products.py."""

import warnings

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(1)
A = rng.normal(size=(3, 4)).astype("float32")
A3 = rng.normal(size=(2, 3, 4)).astype("float32")
A64 = rng.normal(size=(2, 3)).astype("float64")
H = rng.normal(size=(3, 4)).astype("float16")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
I8 = rng.integers(-3, 3, size=(3, 4)).astype("int8")
U8 = rng.integers(0, 5, size=(3, 4)).astype("uint8")
BOOL = rng.random(size=(3, 4)) > 0.5
EMPTY = np.zeros((0, 4), "float32")
NANS = np.array([[1.0, np.nan, 3.0, -2.0], [np.nan, np.nan, np.nan, np.nan],
                 [0.5, 2.0, np.nan, 4.0]], "float32")


def quiet(fn):
    """`fn` with NumPy's empty/all-NaN RuntimeWarnings silenced (NaN is the expected value)."""

    def call(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return fn(*args, **kwargs)

    return call


AXES = [None, 0, -1, (0, 1), (-2, -1)]


# -- sum, prod, mean, max, min and friends --------------------------------------------------------


@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "max", "min", "amax", "amin", "var",
                                  "std", "median", "ptp", "all", "any"])
def test_reduction_axes_keepdims(name, axis, keepdims):
    expected = "bool" if name in ("all", "any") else "float32"
    check_op(getattr(ops, name), getattr(np, name), A, kwargs={"axis": axis, "keepdims": keepdims},
             dtype=expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "median", "max", "min"])
def test_reduction_rank3_and_float64(name):
    check_op(getattr(ops, name), getattr(np, name), A3, kwargs={"axis": (0, -1)}, dtype="float32",
             rtol=1e-5, atol=1e-5)
    check_op(getattr(ops, name), getattr(np, name), A64, kwargs={"axis": 1}, dtype="float64")


@pytest.mark.parametrize("name, x, dtype", [
    ("sum", I, "int32"), ("sum", BOOL, "int32"), ("sum", I8, "int32"), ("sum", U8, "uint32"),
    ("prod", I, "int32"), ("prod", BOOL, "int32"), ("prod", U8, "uint32"),
    ("mean", I, "float32"), ("mean", BOOL, "float32"), ("var", I, "float32"),
    ("std", BOOL, "float32"), ("median", I, "float32"), ("max", I, "int32"), ("min", U8, "uint8"),
    ("max", BOOL, "bool"), ("ptp", I, "int32"), ("all", I, "bool"), ("any", A, "bool"),
])
def test_reduction_dtypes(name, x, dtype):
    def ref(v, **kw):
        if v.dtype == bool and name not in ("max", "all", "any"):
            v = v.astype("float64")
        return getattr(np, name)(v, **kw)

    check_op(getattr(ops, name), ref, x, kwargs={"axis": 0}, dtype=dtype, rtol=1e-6)


def test_half_floats_are_reduced_accurately_and_keep_their_dtype():
    check_op(ops.mean, lambda x: np.mean(x.astype("float32")), H, dtype="float16", rtol=1e-3,
             atol=1e-3)
    check_op(ops.var, lambda x, axis: np.var(x.astype("float32"), axis=axis), H, kwargs={"axis": 0},
             dtype="float16", rtol=1e-2, atol=1e-3)


def test_prod_with_dtype():
    check_op(ops.prod, lambda x, dtype: np.prod(x, dtype="float32"), I, kwargs={"dtype": "float32"},
             dtype="float32")


def test_empty():
    check_op(ops.sum, np.sum, EMPTY, kwargs={"axis": 0}, dtype="float32")
    check_op(ops.prod, np.prod, EMPTY, kwargs={"axis": 0}, dtype="float32")
    check_op(ops.max, np.max, EMPTY, kwargs={"axis": 0, "initial": -1.0}, dtype="float32")
    check_op(ops.min, np.min, EMPTY, kwargs={"axis": 1}, dtype="float32")
    check_op(ops.mean, quiet(np.mean), EMPTY, kwargs={"axis": 0}, dtype="float32")
    check_op(ops.any, np.any, EMPTY, kwargs={"axis": 0}, dtype="bool")
    check_op(ops.all, np.all, EMPTY, dtype="bool")
    check_op(ops.count_nonzero, np.count_nonzero, EMPTY, dtype="int32")


def test_nan_propagates():
    for name in ("sum", "mean", "max", "min", "var", "median"):
        check_op(getattr(ops, name), getattr(np, name), NANS, kwargs={"axis": 1})


def test_max_initial():
    check_op(ops.max, np.max, A, kwargs={"axis": 1, "initial": 0.5}, dtype="float32")
    check_op(ops.min, np.min, I, kwargs={"initial": -10}, dtype="int32")


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), (None, True)])
def test_arg_reductions(name, axis, keepdims):
    check_op(getattr(ops, name), getattr(np, name), A, kwargs={"axis": axis, "keepdims": keepdims},
             dtype="int32")
    check_op(getattr(ops, name), getattr(np, name), I, kwargs={"axis": axis}, dtype="int32")


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 1)])
def test_count_nonzero(axis):
    check_op(ops.count_nonzero, np.count_nonzero, I, kwargs={"axis": axis}, dtype="int32")
    check_op(ops.count_nonzero, np.count_nonzero, BOOL, kwargs={"axis": axis}, dtype="int32")


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_cumulative(name, axis):
    ref = getattr(np, name)
    check_op(getattr(ops, name), ref, A, kwargs={"axis": axis}, dtype="float32", rtol=1e-5)
    check_op(getattr(ops, name), ref, I, kwargs={"axis": axis}, dtype="int32")
    check_op(getattr(ops, name), lambda x, axis: ref(x.astype("int32"), axis=axis), BOOL,
             kwargs={"axis": axis}, dtype="int32")
    check_op(getattr(ops, name), lambda x, axis, dtype: ref(x, axis=axis).astype(dtype), I,
             kwargs={"axis": axis, "dtype": "float32"}, dtype="float32")


def test_cumulative_empty_and_bad_axis():
    check_op(ops.cumsum, np.cumsum, EMPTY, kwargs={"axis": 0}, dtype="float32")
    with pytest.raises(ValueError, match="out of bounds"):
        ops.cumsum(KerasTensor((2, 3)), axis=2)


@pytest.mark.parametrize("q", [0.3, [0.0, 0.25, 1.0], np.array([0.5, 0.9], "float32")])
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), ((0, 1), True)])
def test_quantile_and_percentile(q, axis, keepdims):
    check_op(ops.quantile, np.quantile, A, q, kwargs={"axis": axis, "keepdims": keepdims},
             dtype="float32", rtol=1e-5, atol=1e-5)
    check_op(ops.percentile, np.percentile, A,
             np.asarray(q) * 100, kwargs={"axis": axis, "keepdims": keepdims}, dtype="float32",
             rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_methods_and_int_input(method):
    check_op(ops.quantile, np.quantile, I, 0.4, kwargs={"axis": 1, "method": method},
             dtype="float32")
    check_op(ops.nanquantile, quiet(np.nanquantile), NANS, 0.4,
             kwargs={"axis": 1, "method": method}, dtype="float32")


def test_quantile_rejects_bad_method_and_q():
    with pytest.raises(ValueError, match="method"):
        ops.quantile(A, 0.5, method="bogus")
    with pytest.raises(ValueError, match=r"`q` must be in \[0, 1\]"):
        ops.quantile(A, [0.5, 1.5])
    with pytest.raises(ValueError, match=r"ops.percentile: `q` must be in \[0, 100\]"):
        ops.percentile(A, -1)
    with pytest.raises(ValueError, match=r"ops.nanpercentile"):
        ops.nanpercentile(A, 101.0)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_average(axis):
    check_op(ops.average, np.average, A, kwargs={"axis": axis}, dtype="float32")
    check_op(ops.average, np.average, I, kwargs={"axis": axis}, dtype="float32")
    weights = np.abs(A) + 0.1
    check_op(ops.average, np.average, A, kwargs={"axis": axis, "weights": weights},
             dtype="float32", rtol=1e-5)
    if axis is not None:
        w1 = np.abs(rng.normal(size=A.shape[axis])).astype("float32") + 0.1
        check_op(ops.average, np.average, A, kwargs={"axis": axis, "weights": w1},
                 dtype="float32", rtol=1e-5)


def test_average_dtype_and_shape_errors():
    assert ops.average(KerasTensor((3, 4), "int32"), axis=0).dtype == "float32"
    spec = ops.average(KerasTensor((3, 4), "float16"), weights=KerasTensor((3, 4), "float64"))
    assert spec.dtype == "float64" and spec.shape == ()
    with pytest.raises(ValueError, match="weights"):
        ops.average(KerasTensor((3, 4)), axis=0, weights=KerasTensor((4,)))


def test_bincount():
    x = np.array([0, 1, 1, 3, 5], "int32")
    w = np.array([0.5, 1.0, 2.0, 1.0, 3.0], "float32")
    check_op(ops.bincount, np.bincount, x, symbolic=False, dtype="int32")
    check_op(ops.bincount, lambda x, minlength: np.bincount(x, minlength=minlength), x,
             kwargs={"minlength": 8}, symbolic=False, dtype="int32")
    check_op(ops.bincount, lambda x, weights: np.bincount(x, weights), x,
             kwargs={"weights": w}, symbolic=False, dtype="float32")
    batch = np.array([[0, 2, 2], [1, 1, 0]], "int32")
    expected = np.stack([np.bincount(r, minlength=4) for r in batch])
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.bincount(batch, minlength=4)), expected)
    spec = ops.bincount(KerasTensor((None, 5), "int32"), weights=KerasTensor((None, 5), "float64"))
    assert spec.shape == (None, None) and spec.dtype == "float64"
    with pytest.raises(ValueError, match="sparse"):
        ops.bincount(x, sparse=True)


# -- NaN-skipping reductions --------------------------------------------------------------------


NAN_REDUCTIONS = ["nansum", "nanprod", "nanmean", "nanmax", "nanmin", "nanvar", "nanstd",
                  "nanmedian"]


@pytest.mark.parametrize("name", NAN_REDUCTIONS)
@pytest.mark.parametrize("axis, keepdims", [(None, False), (0, False), (-1, True), ((0, 1), False)])
def test_nan_reductions(name, axis, keepdims):
    check_op(getattr(ops, name), quiet(getattr(np, name)), NANS,
             kwargs={"axis": axis, "keepdims": keepdims}, dtype="float32", rtol=1e-5, atol=1e-6)
    check_op(getattr(ops, name), quiet(getattr(np, name)), A64, kwargs={"axis": axis},
             dtype="float64")


@pytest.mark.parametrize("name, dtype", [("nansum", "int32"), ("nanprod", "int32"),
                                         ("nanmean", "float32"), ("nanmax", "int32"),
                                         ("nanstd", "float32"), ("nanmedian", "float32")])
def test_nan_reductions_of_ints(name, dtype):
    check_op(getattr(ops, name), getattr(np, name), I, kwargs={"axis": 0}, dtype=dtype)


@pytest.mark.parametrize("name", ["nanargmax", "nanargmin"])
def test_nan_arg_reductions(name):
    rows = np.array([[1.0, np.nan, 3.0], [np.nan, 2.0, -1.0]], "float32")
    check_op(getattr(ops, name), getattr(np, name), rows, kwargs={"axis": 1}, dtype="int32")
    check_op(getattr(ops, name), getattr(np, name), rows, dtype="int32")
    check_op(getattr(ops, name), getattr(np, name), rows, kwargs={"axis": -1, "keepdims": True},
             dtype="int32")
    check_op(getattr(ops, name), getattr(np, name), I, kwargs={"axis": 0}, dtype="int32")
    all_nan = np.array([[np.nan, np.nan], [1.0, np.nan]], "float32")
    np.testing.assert_array_equal(ops.convert_to_numpy(getattr(ops, name)(all_nan, axis=1)),
                                  [-1, 0])


@pytest.mark.parametrize("name", ["nancumsum", "nancumprod"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_nan_cumulative(name, axis):
    check_op(getattr(ops, name), getattr(np, name), NANS, kwargs={"axis": axis}, dtype="float32")
    check_op(getattr(ops, name), lambda x, axis: getattr(np, name)(x.astype("int32"), axis=axis),
             BOOL, kwargs={"axis": axis}, dtype="int32")


@pytest.mark.parametrize("q", [0.5, [0.1, 0.9]])
def test_nanquantile_and_nanpercentile(q):
    check_op(ops.nanquantile, quiet(np.nanquantile), NANS, q, kwargs={"axis": 1}, dtype="float32",
             rtol=1e-5)
    check_op(ops.nanpercentile, quiet(np.nanpercentile), NANS, np.asarray(q) * 100,
             kwargs={"axis": 0, "keepdims": True}, dtype="float32", rtol=1e-5)


# -- symbolic rules -----------------------------------------------------------------------------


def test_symbolic_reductions_with_unknown_dims():
    x = KerasTensor((None, 3, 4), "int32")
    assert ops.sum(x, axis=-1).shape == (None, 3)
    assert ops.mean(x, axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    assert ops.mean(x).dtype == "float32"
    assert ops.argmax(x, axis=1).dtype == "int32"
    assert ops.cumsum(x).shape == (None,)
    assert ops.cumsum(x, axis=1).shape == (None, 3, 4)
    assert ops.quantile(x, [0.1, 0.5, 0.9], axis=1).shape == (3, None, 4)
    assert ops.quantile(x, 0.5, axis=1).dtype == "float32"
    assert ops.count_nonzero(x, axis=(1, 2)).shape == (None,)
    assert ops.nansum(KerasTensor((None, 2), "bool")).dtype == "int32"
    assert ops.std(KerasTensor((None, 2), "float64"), axis=0).dtype == "float64"
    with pytest.raises(ValueError, match="out of bounds"):
        ops.sum(x, axis=3)
