"""Creation ops against NumPy: constant tensors, ranges, eye/tri, and windows."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op


def _value(x):
    return np.asarray(ops.convert_to_numpy(x))


def _same(got, want, dtype):
    got_np = _value(got)
    assert ops.dtype(got) == dtype, (ops.dtype(got), dtype)
    assert got_np.shape == np.shape(want)
    np.testing.assert_allclose(got_np.astype("float64"), np.asarray(want, "float64"),
                               rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("op, ref", [(ops.zeros, np.zeros), (ops.ones, np.ones),
                                     (ops.empty, np.zeros)], ids=lambda f: f.__name__)
def test_zeros_ones_empty(op, ref):
    _same(op((2, 3)), ref((2, 3)), "float32")
    _same(op(4, dtype="int32"), ref(4), "int32")
    _same(op([0, 2]), ref((0, 2)), "float32")
    _same(op((), dtype="bool"), ref(()), "bool")
    _same(op((2,), dtype="float64"), ref((2,)), "float64")


def test_floatx_is_the_default():
    lamina.backend.set_floatx("float64")
    assert ops.dtype(ops.zeros((1,))) == "float64"
    assert ops.dtype(ops.full((1,), 2)) == "float64"
    assert ops.dtype(ops.eye(2)) == "float64"
    assert ops.dtype(ops.hamming(3)) == "float64"
    assert ops.dtype(ops.linspace(0, 1, 3)) == "float64"
    assert ops.dtype(ops.arange(0.5)) == "float64"


def test_full():
    _same(ops.full((2, 3), 7), np.full((2, 3), 7.0), "float32")  # floatx, as Keras
    _same(ops.full((2, 3), 7, dtype="int32"), np.full((2, 3), 7), "int32")
    _same(ops.full((2, 3), [1.0, 2.0, 3.0]), np.full((2, 3), [1, 2, 3]), "float32")
    _same(ops.full(3, np.nan), np.full(3, np.nan), "float32")
    _same(ops.full((0,), 1.0, dtype="float64"), np.zeros((0,)), "float64")
    out = ops.full((None, 3), KerasTensor((3,)))
    assert out.shape == (None, 3) and out.dtype == "float32"


@pytest.mark.parametrize("op, ref", [(ops.zeros_like, np.zeros_like),
                                     (ops.ones_like, np.ones_like),
                                     (ops.empty_like, np.zeros_like)], ids=lambda f: f.__name__)
def test_like(op, ref):
    x = np.arange(6, dtype="int32").reshape(2, 3)
    check_op(op, ref, x, dtype="int32")
    check_op(op, lambda v, dtype: ref(v, dtype=dtype), x, kwargs={"dtype": "float16"},
             dtype="float16")
    check_op(op, ref, np.zeros((0, 2), "float64"), dtype="float64")
    check_op(op, ref, np.array([True]), dtype="bool")


def test_full_like():
    x = np.arange(6, dtype="int32").reshape(2, 3)
    check_op(ops.full_like, np.full_like, x, 2.7, dtype="int32")
    check_op(ops.full_like, lambda v, f, dtype: np.full_like(v, f, dtype=dtype), x, 2.5,
             kwargs={"dtype": "float32"}, dtype="float32")
    check_op(ops.full_like, np.full_like, np.zeros((2, 3), "float32"),
             np.array([1, 2, 3], "float32"), dtype="float32")


def test_array():
    check_op(ops.array, np.array, np.array([[1, 2], [3, 4]], "int32"), dtype="int32")
    check_op(ops.array, lambda v, dtype: np.array(v, dtype=dtype), np.array([1.5, 2.5], "float32"),
             kwargs={"dtype": "int32"}, dtype="int32")
    _same(ops.array([1, 2, 3]), [1, 2, 3], "int32")
    _same(ops.array([1.0, 2]), [1, 2], "float32")
    _same(ops.array([[True], [False]]), [[1], [0]], "bool")
    _same(ops.array([1, 2], dtype="float64"), [1, 2], "float64")


@pytest.mark.parametrize("args, kwargs, dtype", [
    ((5,), {}, "int32"), ((2, 9), {}, "int32"), ((2, 9, 3), {}, "int32"), ((9, 2, -2), {}, "int32"),
    ((0.5,), {}, "float32"), ((0, 1, 0.25), {}, "float32"), ((1, 2.5), {}, "float32"),
    ((5,), {"dtype": "float64"}, "float64"), ((0, 3, 0.5), {"dtype": "float16"}, "float16"),
    ((np.int64(4),), {}, "int64"), ((np.float64(0), 1, 0.1), {}, "float64"),
    ((3, 1), {}, "int32"), ((0,), {}, "int32"),
])
def test_arange(args, kwargs, dtype):
    full_args = list(args) + [None] * (3 - len(args))
    start, stop, step = full_args
    if stop is None:
        start, stop = 0, start
    want = np.arange(start, stop, 1 if step is None else step)
    _same(ops.arange(*args, **kwargs), want, dtype)


def test_arange_errors_and_symbolic():
    with pytest.raises(ValueError, match="step"):
        ops.arange(0, 5, 0)
    out = ops.arange(KerasTensor((), "int32"))
    assert out.shape == (None,) and out.dtype == "int32"


@pytest.mark.parametrize("kwargs", [
    {}, {"num": 7}, {"num": 5, "endpoint": False}, {"num": 1}, {"num": 0},
    {"num": 4, "dtype": "float64"}, {"num": 5, "dtype": "int32"},
])
def test_linspace(kwargs):
    want = np.linspace(-1.0, 2.0, **{"num": 50, **kwargs}).astype(kwargs.get("dtype", "float32"))
    _same(ops.linspace(-1, 2, **kwargs), want, kwargs.get("dtype", "float32"))


def test_linspace_int_dtype_rounds_down():
    _same(ops.linspace(0, 10, 4, dtype="int32"), np.linspace(0, 10, 4, dtype="int32"), "int32")
    _same(ops.linspace(-5, 5, 4, dtype="int32"), np.linspace(-5, 5, 4, dtype="int32"), "int32")


def test_linspace_tensors_axis_and_retstep():
    start = np.array([0.0, 1.0], "float32")
    stop = np.array([[1.0, 3.0], [2.0, 5.0], [4.0, 9.0]], "float32")
    for axis in (0, 1, 2, -1):
        check_op(ops.linspace, lambda a, b, **kw: np.linspace(a, b, **kw).astype("float32"),
                 start, stop, kwargs={"num": 4, "axis": axis}, dtype="float32")
    check_op(ops.linspace, lambda a, b, **kw: np.linspace(a, b, **kw), start.astype("float64"),
             5.0, kwargs={"num": 3, "retstep": True})
    samples, step = ops.linspace(0, 1, 5, retstep=True)
    assert float(_value(step)) == pytest.approx(0.25)
    _, step = ops.linspace(0.0, 1.0, 4, endpoint=False, retstep=True)
    assert float(_value(step)) == pytest.approx(0.25)
    _, step = ops.linspace(0.0, 1.0, 1, retstep=True)
    assert np.isnan(_value(step))
    with pytest.raises(ValueError, match="num"):
        ops.linspace(0, 1, -1)
    assert ops.linspace(KerasTensor((None, 2)), 1.0, num=5, axis=-1).shape == (None, 2, 5)


def test_logspace():
    _same(ops.logspace(0, 3, 4), np.logspace(0, 3, 4), "float32")
    _same(ops.logspace(0, 3, 4, base=2), np.logspace(0, 3, 4, base=2), "float32")
    _same(ops.logspace(-1, 1, 5, endpoint=False, dtype="float64"),
          np.logspace(-1, 1, 5, endpoint=False), "float64")
    _same(ops.logspace(0, 2, 3, dtype="int32"), np.logspace(0, 2, 3, dtype="int32"), "int32")
    check_op(ops.logspace, lambda a, b, **kw: np.logspace(a, b, **kw).astype("float32"),
             np.array([0.0, 1.0], "float32"), np.array([2.0, 3.0], "float32"),
             kwargs={"num": 3, "axis": 1}, rtol=1e-5)


def test_geomspace():
    _same(ops.geomspace(1, 1000, 4), np.geomspace(1, 1000, 4), "float32")
    _same(ops.geomspace(-1, -1000, 4), np.geomspace(-1, -1000, 4), "float32")
    _same(ops.geomspace(2, 32, 4, endpoint=False, dtype="float64"),
          np.geomspace(2, 32, 4, endpoint=False), "float64")
    _same(ops.geomspace(1, 256, 9, dtype="int32"), np.geomspace(1, 256, 9, dtype="int32"), "int32")
    exact = _value(ops.geomspace(3.0, 7.0, 5, dtype="float64"))
    assert exact[0] == 3.0 and exact[-1] == 7.0
    check_op(ops.geomspace, lambda a, b, **kw: np.geomspace(a, b, **kw).astype("float32"),
             np.array([1.0, -2.0], "float32"), np.array([100.0, -8.0], "float32"),
             kwargs={"num": 3, "axis": -1}, rtol=1e-5)
    with pytest.raises(ValueError, match="cannot include zero"):
        ops.geomspace(0, 10)


@pytest.mark.parametrize("N, M, k", [(3, None, 0), (3, 5, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0)])
def test_eye_tri(N, M, k):
    _same(ops.eye(N, M, k), np.eye(N, M, k), "float32")
    _same(ops.tri(N, M, k), np.tri(N, M, k), "float32")
    _same(ops.eye(N, M=M, k=k, dtype="int32"), np.eye(N, M, k), "int32")
    _same(ops.tri(N, M=M, k=k, dtype="bool"), np.tri(N, M, k, dtype=bool), "bool")


def test_identity_and_errors():
    _same(ops.identity(3), np.identity(3), "float32")
    _same(ops.identity(2, dtype="int8"), np.identity(2), "int8")
    with pytest.raises(TypeError, match="`N` of ops.eye must be an integer"):
        ops.eye(2.0)
    with pytest.raises(TypeError, match="`M` of ops.eye must be an integer"):
        ops.eye(2, 3.0)


@pytest.mark.parametrize("op, ref", [(ops.bartlett, np.bartlett), (ops.blackman, np.blackman),
                                     (ops.hamming, np.hamming), (ops.hanning, np.hanning),
                                     (ops.kaiser, lambda m: np.kaiser(m, 5.0))],
                         ids=["bartlett", "blackman", "hamming", "hanning", "kaiser"])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 12])
def test_windows(op, ref, length):
    fn = (lambda m: ops.kaiser(m, 5.0)) if op is ops.kaiser else op
    _same(fn(length), ref(length), "float32")
    _same(fn(np.int32(length)), ref(length), "float32")


def test_windows_reject_symbolic_and_floats():
    with pytest.raises(TypeError, match="does not support symbolic tensors"):
        ops.hamming(KerasTensor((), "int32"))
    with pytest.raises(TypeError, match="integer length"):
        ops.hanning(4.0)
    _same(ops.kaiser(7, 0.0), np.kaiser(7, 0.0), "float32")


def test_like_rules_take_positional_dtype():
    x = KerasTensor((None, 3), "int32")
    assert ops.zeros_like(x, "float16").dtype == "float16"
    assert ops.full_like(x, 1.0, "float64").dtype == "float64"
    assert ops.full_like(x, KerasTensor((3,), "float32")).shape == (None, 3)
    assert ops.array(x, "bool").dtype == "bool"


def test_geomspace_int_dtype_truncates_like_numpy():
    _same(ops.geomspace(-1, -1000, 7, dtype="int32"), np.geomspace(-1, -1000, 7, dtype="int32"),
          "int32")
