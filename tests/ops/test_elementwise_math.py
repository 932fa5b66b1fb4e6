"""Elementwise math functions against NumPy: exponents, logarithms, trigonometry, rounding,
floating-point classes and complex parts, with their Keras 3 dtype rules."""

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.conftest import only_on
from tests.ops.harness import check_op

rng = np.random.default_rng(1)
A = rng.normal(size=(3, 4)).astype("float32")
A64 = rng.normal(size=(2, 3)).astype("float64")
POSITIVE = rng.uniform(0.1, 5.0, size=(3, 4)).astype("float32")
UNIT = rng.uniform(-0.95, 0.95, size=(3, 4)).astype("float32")
ABOVE_ONE = rng.uniform(1.05, 5.0, size=(3, 4)).astype("float32")
I = rng.integers(-3, 4, size=(3, 4)).astype("int32")
BOOL = rng.random(size=(2, 3)) > 0.5
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0], "float32")
EMPTY = np.zeros((0, 3), "float32")


def _ids(f):
    return getattr(f, "__name__", "")


# (op, NumPy reference, a float32 input in the op's domain, relative tolerance)
FLOAT_UNARY = [
    (ops.exp, np.exp, A, 1e-5), (ops.exp2, np.exp2, A, 1e-5), (ops.expm1, np.expm1, A, 1e-5),
    (ops.log, np.log, POSITIVE, 1e-5), (ops.log2, np.log2, POSITIVE, 1e-5),
    (ops.log10, np.log10, POSITIVE, 1e-5), (ops.log1p, np.log1p, POSITIVE, 1e-5),
    (ops.sqrt, np.sqrt, POSITIVE, 1e-5), (ops.cbrt, np.cbrt, A, 1e-5),
    (ops.sin, np.sin, A, 1e-5), (ops.cos, np.cos, A, 1e-5), (ops.tan, np.tan, A, 1e-5),
    (ops.arcsin, np.arcsin, UNIT, 1e-5), (ops.arccos, np.arccos, UNIT, 1e-5),
    (ops.arctan, np.arctan, A, 1e-5), (ops.sinh, np.sinh, A, 1e-5),
    (ops.cosh, np.cosh, A, 1e-5), (ops.tanh, np.tanh, A, 1e-5),
    (ops.arcsinh, np.arcsinh, A, 1e-5), (ops.arccosh, np.arccosh, ABOVE_ONE, 1e-5),
    (ops.arctanh, np.arctanh, UNIT, 1e-5), (ops.sinc, np.sinc, A, 1e-5),
    (ops.i0, np.i0, A, 1e-5), (ops.deg2rad, np.deg2rad, A * 100, 1e-6),
    (ops.rad2deg, np.rad2deg, A, 1e-6), (ops.reciprocal, np.reciprocal, POSITIVE, 1e-6),
    (ops.floor, np.floor, A * 3, 0), (ops.ceil, np.ceil, A * 3, 0),
]
# The ones that give float64 for 64-bit integers, as JAX does (Keras follows it).
WIDE = {"cbrt", "i0", "deg2rad", "rad2deg"}


@pytest.mark.parametrize("op, ref, x, rtol", FLOAT_UNARY, ids=_ids)
def test_float_unary_values(op, ref, x, rtol):
    check_op(op, lambda v: ref(v).astype(v.dtype), x, rtol=rtol, dtype="float32")
    check_op(op, ref, x.astype("float64"), rtol=rtol, dtype="float64")
    check_op(op, ref, EMPTY, dtype="float32")
    check_op(op, ref, np.asarray(x[0, 0]), rtol=rtol, dtype="float32")  # 0-d


@pytest.mark.parametrize("op, ref, x, rtol", FLOAT_UNARY, ids=_ids)
def test_float_unary_special_values(op, ref, x, rtol):
    check_op(op, ref, SPECIAL, rtol=max(rtol, 1e-6), dtype="float32")


@pytest.mark.parametrize("op, ref, x, rtol", FLOAT_UNARY, ids=_ids)
def test_float_unary_int_and_bool_give_floatx(op, ref, x, rtol):
    ints = (np.abs(I) + 1) if ref in (np.log, np.log2, np.log10, np.sqrt, np.reciprocal,
                                      np.arccosh) else I
    if ref in (np.arcsin, np.arccos, np.arctanh):
        ints = np.clip(I, -1, 1) // 2
    check_op(op, lambda v: ref(v.astype("float32")), ints.astype("int32"), rtol=max(rtol, 1e-6),
             dtype="float32")
    check_op(op, lambda v: ref(v.astype("float32")), ints.astype("int8"), rtol=max(rtol, 1e-6),
             dtype="float32")
    wide = "float64" if op.__name__ in WIDE else "float32"
    check_op(op, lambda v: ref(v.astype(wide)), ints.astype("int64"), rtol=max(rtol, 1e-6),
             dtype=wide)
    check_op(op, lambda v: ref(v.astype("float32")), BOOL if ref not in (np.reciprocal,) else
             np.ones((2,), bool), dtype="float32")


@pytest.mark.parametrize("op", [op for op, *_ in FLOAT_UNARY], ids=_ids)
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_float_unary_keeps_half_precision(op, dtype):
    x = ops.convert_to_tensor(np.array([0.5, 0.25], "float32"), dtype=dtype)
    if op in (ops.arccosh,):
        x = ops.convert_to_tensor(np.array([1.5, 2.0], "float32"), dtype=dtype)
    out = op(x)
    assert ops.dtype(out) == dtype
    assert op(KerasTensor((None, 2), dtype)).dtype == dtype


def test_float_unary_python_scalar():
    check_op(ops.exp, lambda v: np.exp(np.float32(v)), 1, dtype="float32", symbolic=False)
    check_op(ops.sqrt, lambda v: np.sqrt(np.float32(v)), 2.0, dtype="float32", symbolic=False)


def test_cbrt_of_negatives():
    got = check_op(ops.cbrt, np.cbrt, np.array([-8.0, -27.0, 64.0], "float32"))
    np.testing.assert_allclose(got, [-2.0, -3.0, 4.0], rtol=1e-6)


# -- binary float functions -------------------------------------------------------------------

FLOAT_BINARY = [
    (ops.arctan2, np.arctan2), (ops.logaddexp, np.logaddexp), (ops.logaddexp2, np.logaddexp2),
    (ops.hypot, np.hypot), (ops.nextafter, np.nextafter), (ops.heaviside, np.heaviside),
]


@pytest.mark.parametrize("op, ref", FLOAT_BINARY, ids=_ids)
def test_float_binary(op, ref):
    b = A[0].copy()
    check_op(op, ref, A, b, dtype="float32")
    check_op(op, ref, A64, A64[::-1].copy(), dtype="float64")
    check_op(op, ref, SPECIAL, SPECIAL[::-1].copy(), dtype="float32")
    check_op(op, ref, EMPTY, A[0, :3].copy(), dtype="float32")
    check_op(op, lambda x, y: ref(x, np.float32(y)), A, 0.5, dtype="float32")
    check_op(op, lambda x, y: ref(x.astype("float32"), y.astype("float32")), I, I[::-1].copy(),
             dtype="float32")


@pytest.mark.parametrize("op, ref, int64_dtype", [
    (ops.hypot, np.hypot, "float64"), (ops.heaviside, np.heaviside, "float64"),
    (ops.arctan2, np.arctan2, "float32"), (ops.logaddexp, np.logaddexp, "float32"),
], ids=_ids)
def test_float_binary_int64(op, ref, int64_dtype):
    x = I.astype("int64")
    check_op(op, lambda a, b: ref(a.astype(int64_dtype), b.astype(int64_dtype)), x, x[::-1].copy(),
             dtype=int64_dtype)


def test_heaviside_and_nextafter_values():
    x = np.array([-1.5, 0.0, 2.0, np.nan, -0.0], "float32")
    got = check_op(ops.heaviside, np.heaviside, x, np.float32(0.5) * np.ones(5, "float32"))
    np.testing.assert_array_equal(got, [0.0, 0.5, 1.0, np.nan, 0.5])
    up = check_op(ops.nextafter, np.nextafter, np.ones(2, "float32"),
                  np.array([2.0, 0.0], "float32"), rtol=0, atol=0)
    np.testing.assert_array_equal(up, np.nextafter(np.float32(1), np.array([2, 0], "float32")))


def test_ldexp():
    e = np.array([0, 1, -2, 3], "int32")
    check_op(ops.ldexp, np.ldexp, A, e, dtype="float32")
    check_op(ops.ldexp, np.ldexp, A64[:, :1].copy(), e, dtype="float64")
    check_op(ops.ldexp, lambda x, y: np.ldexp(x.astype("float32"), y), I[:, :4].copy(), e,
             dtype="float32")
    check_op(ops.ldexp, lambda x, y: np.ldexp(x, np.int32(y)), A, 2, dtype="float32")
    with pytest.raises(TypeError, match="ldexp expects integer"):
        ops.ldexp(A, A)
    with pytest.raises(TypeError, match="ldexp expects integer"):
        ops.ldexp(KerasTensor((2,)), KerasTensor((2,)))


# -- rounding ---------------------------------------------------------------------------------


def test_round():
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, 1.2345, -7.891, np.nan, np.inf], "float32")
    check_op(ops.round, np.round, x, dtype="float32")
    check_op(ops.round, np.round, x, kwargs={"decimals": 2}, dtype="float32")
    check_op(ops.round, np.round, A64 * 100, kwargs={"decimals": -1}, dtype="float64")
    check_op(ops.round, np.round, I, dtype="int32")
    ints = np.array([15, 25, -15, 149, 151, 0], "int32")
    check_op(ops.round, np.round, ints, kwargs={"decimals": -1}, dtype="int32")
    check_op(ops.round, np.round, ints.astype("int64"), kwargs={"decimals": -2}, dtype="int64")
    check_op(ops.round, np.round, EMPTY, dtype="float32")


def test_trunc():
    x = np.array([1.7, -1.7, 0.5, -0.5, np.nan, np.inf, -np.inf, -0.0], "float32")
    check_op(ops.trunc, np.trunc, x, dtype="float32")
    check_op(ops.trunc, np.trunc, A64 * 3, dtype="float64")
    check_op(ops.trunc, lambda v: v, I, dtype="int32")
    check_op(ops.trunc, lambda v: v, BOOL, dtype="bool")
    check_op(ops.trunc, np.trunc, EMPTY, dtype="float32")


def test_floor_ceil_of_ints_give_floatx():
    check_op(ops.floor, lambda v: np.floor(v).astype("float32"), I, dtype="float32")
    check_op(ops.ceil, lambda v: np.ceil(v).astype("float32"), I.astype("int64"), dtype="float32")
    check_op(ops.floor, lambda v: v.astype("float32"), BOOL, dtype="float32")


def test_sign():
    x = np.array([-2.0, 0.0, 3.5, np.nan, -np.inf, -0.0], "float32")
    check_op(ops.sign, np.sign, x, dtype="float32")
    check_op(ops.sign, np.sign, I, dtype="int32")
    check_op(ops.sign, np.sign, I.astype("int8"), dtype="int8")


# -- floating-point classes -------------------------------------------------------------------

CLASSES = [(ops.isnan, np.isnan), (ops.isinf, np.isinf), (ops.isfinite, np.isfinite),
           (ops.isposinf, np.isposinf), (ops.isneginf, np.isneginf)]


@pytest.mark.parametrize("op, ref", CLASSES, ids=_ids)
def test_float_classes(op, ref):
    check_op(op, ref, SPECIAL, dtype="bool")
    check_op(op, ref, SPECIAL.astype("float64"), dtype="bool")
    check_op(op, ref, SPECIAL.astype("float16"), dtype="bool")
    check_op(op, ref, A, dtype="bool")
    check_op(op, ref, I, dtype="bool")
    check_op(op, ref, EMPTY, dtype="bool")
    check_op(op, lambda v: ref(v.astype("int8")), BOOL, dtype="bool")


def test_isreal():
    z = np.array([1 + 0j, 1 + 1j, 0j, np.nan + 0j], "complex64")
    check_op(ops.isreal, np.isreal, z, dtype="bool")
    check_op(ops.isreal, np.isreal, A, dtype="bool")
    check_op(ops.isreal, np.isreal, I, dtype="bool")
    check_op(ops.isreal, np.isreal, EMPTY, dtype="bool")


def test_nan_to_num():
    check_op(ops.nan_to_num, np.nan_to_num, SPECIAL, dtype="float32")
    check_op(ops.nan_to_num, np.nan_to_num, SPECIAL.astype("float64"), dtype="float64")
    kwargs = {"nan": -1.0, "posinf": 100.0, "neginf": -100.0}
    got = check_op(ops.nan_to_num, np.nan_to_num, SPECIAL, kwargs=kwargs, dtype="float32")
    np.testing.assert_array_equal(got[:3], [-1.0, 100.0, -100.0])
    check_op(ops.nan_to_num, np.nan_to_num, I, dtype="int32")
    check_op(ops.nan_to_num, np.nan_to_num, EMPTY, dtype="float32")


# -- complex numbers --------------------------------------------------------------------------

Z = np.array([[1 + 2j, -3 - 4j, 0j], [np.inf + 1j, -1j, 2.5 + 0j]], "complex64")


@pytest.mark.parametrize("op, ref", [(ops.real, np.real), (ops.imag, np.imag),
                                     (ops.conjugate, np.conjugate), (ops.conj, np.conj),
                                     (ops.angle, np.angle)], ids=_ids)
def test_complex_parts(op, ref):
    part = "float32" if op in (ops.real, ops.imag, ops.angle) else "complex64"
    check_op(op, ref, Z, dtype=part)
    wide = {"float32": "float64", "complex64": "complex128"}[part]
    check_op(op, ref, Z.astype("complex128"), dtype=wide)


@pytest.mark.parametrize("op, ref", [(ops.real, np.real), (ops.imag, np.imag),
                                     (ops.conjugate, np.conjugate)], ids=_ids)
def test_complex_parts_of_reals(op, ref):
    check_op(op, ref, A, dtype="float32")
    check_op(op, ref, I, dtype="int32")
    check_op(op, ref, EMPTY, dtype="float32")


def test_angle_of_reals():
    check_op(ops.angle, np.angle, np.array([-2.0, 0.0, 3.0, -0.0], "float32"), dtype="float32")
    check_op(ops.angle, lambda v: np.angle(v).astype("float32"), I, dtype="float32")
    check_op(ops.angle, np.angle, A64, dtype="float64")


# -- rules on every dtype ---------------------------------------------------------------------

ALL = ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "float16",
       "bfloat16", "float32", "float64"]


def _expected_float(dtype, wide):
    if dtype in ("float16", "bfloat16", "float32", "float64"):
        return dtype
    if wide and dtype in ("int64", "uint64"):
        return "float64"
    return "float32"


@pytest.mark.parametrize("dtype", ALL)
@pytest.mark.parametrize("op", [ops.exp, ops.log1p, ops.sin, ops.arctan, ops.floor, ops.cbrt,
                                ops.i0, ops.deg2rad, ops.sqrt, ops.sinc, ops.fabs,
                                ops.reciprocal], ids=_ids)
def test_unary_rule_matches_result_on_every_dtype(op, dtype):
    x = ops.ones((2,), dtype)
    expected = _expected_float(dtype, op.__name__ in WIDE)
    assert ops.dtype(op(x)) == expected
    assert op(KerasTensor((None, 2), dtype)).dtype == expected


@pytest.mark.parametrize("dtype", ALL)
def test_same_dtype_rules_on_every_dtype(dtype):
    x = ops.ones((2,), dtype)
    for op in (ops.round, ops.trunc, ops.nan_to_num, ops.conjugate, ops.real, ops.abs):
        assert ops.dtype(op(x)) == dtype == op(KerasTensor((2,), dtype)).dtype, op.__name__
    for op in (ops.isnan, ops.isfinite, ops.isposinf, ops.isreal, ops.signbit):
        assert ops.dtype(op(x)) == "bool" == op(KerasTensor((2,), dtype)).dtype, op.__name__


def test_no_floating_point_warnings():
    # Warnings are errors in the test config: NaN/inf results must come silently, as on JAX.
    zero = np.zeros((2,), "float32")
    assert np.isneginf(ops.convert_to_numpy(ops.log(zero))).all()
    assert np.isnan(ops.convert_to_numpy(ops.divide(zero, zero))).all()
    assert np.isinf(ops.convert_to_numpy(ops.exp(np.full((1,), 1000.0, "float32")))).all()
    assert np.isnan(ops.convert_to_numpy(ops.arcsin(np.full((1,), 2.0, "float32")))).all()
    ops.floor_divide(np.ones((2,), "int32"), np.zeros((2,), "int32"))
    ops.mod(np.ones((2,), "int32"), np.zeros((2,), "int32"))


@only_on("jax", reason="gradients are taken with jax.grad")
@pytest.mark.parametrize("op, x", [
    (ops.sin, POSITIVE), (ops.log1p, POSITIVE), (ops.cbrt, POSITIVE), (ops.sinc, A),
    (ops.i0, A), (ops.arctanh, UNIT), (ops.expm1, A), (ops.deg2rad, A),
    (lambda v: ops.hypot(v, 2.0), A), (lambda v: ops.logaddexp(v, -v), A),
    (lambda v: ops.arctan2(v, 1.5), A), (lambda v: ops.divide_no_nan(1.0, v), POSITIVE),
    (lambda v: ops.where(v > 0, v * v, -v), A), (lambda v: ops.fmax(v, 0.0), A),
], ids=lambda f: getattr(f, "__name__", ""))
def test_gradients_match_finite_differences(op, x):
    import jax

    x = x.astype("float64")
    grad = np.asarray(jax.grad(lambda v: ops.convert_to_tensor(op(v)).sum())(x))
    eps = 1e-6
    numeric = (np.asarray(ops.convert_to_numpy(op(x + eps)))
               - np.asarray(ops.convert_to_numpy(op(x - eps)))) / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-4, atol=1e-6)
