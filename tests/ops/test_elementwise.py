"""Elementwise arithmetic, comparison, logic and bit ops against NumPy, on the active backend
(see harness.check_op). Math functions are in test_elementwise_math.py, creation ops in
test_elementwise_creation.py."""

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(4,)).astype("float32")
A64 = rng.normal(size=(2, 3)).astype("float64")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
J = rng.integers(1, 6, size=(4,)).astype("int32")  # no zeros: safe integer divisors
BOOL = rng.random(size=(3, 4)) > 0.5
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0], "float32")
EMPTY = np.zeros((0, 4), "float32")


def _ids(f):
    return getattr(f, "__name__", "")


BINARY = [
    (ops.add, np.add), (ops.subtract, np.subtract), (ops.multiply, np.multiply),
    (ops.maximum, np.maximum), (ops.minimum, np.minimum), (ops.fmax, np.fmax),
    (ops.fmin, np.fmin),
]


@pytest.mark.parametrize("op, ref", BINARY, ids=_ids)
@pytest.mark.parametrize("x1, x2", [(A, B), (A, A), (EMPTY, B), (SPECIAL, SPECIAL[::-1].copy())],
                         ids=["broadcast", "same", "empty", "special"])
def test_binary_float(op, ref, x1, x2):
    check_op(op, ref, x1, x2, dtype="float32")


@pytest.mark.parametrize("op, ref", BINARY, ids=_ids)
def test_binary_int_float64_and_scalar(op, ref):
    check_op(op, ref, I, I, dtype="int32")
    check_op(op, lambda x, y: ref(x, np.int32(y)), I, 2, dtype="int32")
    check_op(op, lambda x, y: ref(x, np.float32(y)), I, 2.5, dtype="float32")
    check_op(op, ref, A64, A64[0], dtype="float64")
    check_op(op, lambda x, y: ref(x.astype("float64"), y), I[:2, :3], A64, dtype="float64")


@pytest.mark.parametrize("op, ref", [(ops.add, np.logical_or), (ops.multiply, np.logical_and),
                                     (ops.maximum, np.maximum), (ops.minimum, np.minimum)],
                         ids=_ids)
def test_binary_bool(op, ref):
    check_op(op, ref, BOOL, BOOL[::-1].copy(), dtype="bool")


def test_fmax_fmin_ignore_nan():
    x = np.array([np.nan, 1.0, np.nan], "float32")
    y = np.array([2.0, np.nan, np.nan], "float32")
    np.testing.assert_array_equal(check_op(ops.fmax, np.fmax, x, y), [2.0, 1.0, np.nan])
    np.testing.assert_array_equal(check_op(ops.fmin, np.fmin, x, y), [2.0, 1.0, np.nan])
    assert np.isnan(check_op(ops.maximum, np.maximum, x, y)).all()


def test_divide_gives_float():
    check_op(ops.divide, lambda x, y: np.divide(x, y).astype("float32"), I, 3, dtype="float32")
    check_op(ops.true_divide, np.true_divide, A, B, dtype="float32")
    check_op(ops.divide, np.divide, A64, 2, dtype="float64")
    check_op(ops.divide, np.divide, SPECIAL, SPECIAL[::-1].copy(), dtype="float32")
    check_op(ops.divide, lambda x, y: (x / y).astype("float32"), I, J, dtype="float32")


def test_divide_no_nan():
    x = np.array([1.0, -2.0, 0.0, 3.0], "float32")
    y = np.array([0.0, 4.0, 0.0, -1.5], "float32")
    got = check_op(ops.divide_no_nan, lambda a, b: np.where(b == 0, 0, a / np.where(b == 0, 1, b)),
                   x, y, dtype="float32")
    np.testing.assert_array_equal(got, [0.0, -0.5, 0.0, -2.0])
    check_op(ops.divide_no_nan, lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))
             .astype("float32"), I, np.array([0, 1, 2, 0], "int32"), dtype="float32")


def test_floor_divide_mod_fmod():
    check_op(ops.floor_divide, np.floor_divide, I, J, dtype="int32")
    check_op(ops.mod, np.mod, I, J, dtype="int32")
    check_op(ops.fmod, np.fmod, I, J, dtype="int32")
    y = np.where(np.abs(B) < 0.1, 0.5, B).astype("float32")
    check_op(ops.floor_divide, np.floor_divide, A, y, dtype="float32")
    check_op(ops.mod, np.mod, A, y, dtype="float32")
    check_op(ops.fmod, np.fmod, A, y, dtype="float32")
    check_op(ops.mod, lambda x, m: np.mod(x, np.float32(m)), A, 0.75, dtype="float32")
    check_op(ops.floor_divide, lambda x, m: np.floor_divide(x, np.int32(m)), I, -2, dtype="int32")
    ones = np.ones((3,), bool)
    check_op(ops.mod, lambda x, y: np.mod(x, y).astype("int32"), ones, ones, dtype="int32")
    check_op(ops.floor_divide, lambda x, y: (x // y).astype("int32"), ones, ones, dtype="int32")


def test_power():
    check_op(ops.power, np.power, np.abs(A) + 0.1, B, dtype="float32")
    check_op(ops.power, lambda x, y: np.power(x, np.int32(y)), I, 3, dtype="int32")
    check_op(ops.power, lambda x, y: np.power(x, np.float32(y)), A, 2.0, dtype="float32")
    check_op(ops.power, lambda x, y: np.power(x.astype("float32"), y), J, 0.5, dtype="float32")
    check_op(ops.power, lambda x, y: np.power(x, y).astype("int32"), BOOL, BOOL, dtype="int32")


@pytest.mark.parametrize("op, ref", [(ops.negative, np.negative), (ops.absolute, np.abs),
                                     (ops.abs, np.abs), (ops.square, np.square),
                                     (ops.sign, np.sign)], ids=_ids)
@pytest.mark.parametrize("x", [A, SPECIAL, EMPTY, I, A64, np.array(-2.5, "float32")],
                         ids=["float32", "special", "empty", "int32", "float64", "0d"])
def test_unary_same_dtype(op, ref, x):
    check_op(op, ref, x, dtype=str(np.asarray(x).dtype))


def test_unary_python_scalars():
    check_op(ops.negative, lambda x: np.int32(-x), 3, dtype="int32", symbolic=False)
    check_op(ops.abs, lambda x: np.float32(abs(x)), -2.5, dtype="float32", symbolic=False)
    check_op(ops.square, lambda x: np.float32(x * x), 1.5, dtype="float32", symbolic=False)


def test_abs_square_sign_of_bool_and_complex():
    check_op(ops.abs, np.abs, BOOL, dtype="bool")
    check_op(ops.square, lambda x: np.square(x.astype("int32")), BOOL, dtype="int32")
    check_op(ops.sign, lambda x: x, BOOL, dtype="bool")
    z = np.array([3 + 4j, -1 - 1j, 0j], "complex64")
    check_op(ops.abs, np.abs, z, dtype="float32")
    check_op(ops.absolute, np.abs, z.astype("complex128"), dtype="float64")


def test_fabs_and_reciprocal():
    check_op(ops.fabs, np.fabs, A, dtype="float32")
    check_op(ops.fabs, lambda x: np.fabs(x).astype("float32"), I, dtype="float32")
    check_op(ops.fabs, np.fabs, SPECIAL, dtype="float32")
    check_op(ops.fabs, np.fabs, A64, dtype="float64")
    with pytest.raises(TypeError, match="fabs does not support complex"):
        ops.fabs(np.array([1j], "complex64"))
    check_op(ops.reciprocal, np.reciprocal, A, dtype="float32")
    check_op(ops.reciprocal, lambda x: np.reciprocal(x.astype("float32")), J, dtype="float32")
    check_op(ops.reciprocal, np.reciprocal, SPECIAL, dtype="float32")
    check_op(ops.reciprocal, np.reciprocal, A64, dtype="float64")


def test_signbit():
    x = np.array([-1.0, 0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 2.0], "float32")
    check_op(ops.signbit, np.signbit, x, dtype="bool")
    check_op(ops.signbit, np.signbit, I, dtype="bool")
    check_op(ops.signbit, np.signbit, EMPTY, dtype="bool")


def test_clip():
    check_op(ops.clip, np.clip, A, -0.5, 0.5, dtype="float32")
    check_op(ops.clip, lambda x, lo, hi: np.clip(x, lo, hi).astype("int32"), I, -2, 3,
             dtype="int32")
    check_op(ops.clip, lambda x, lo, hi: np.clip(x.astype("int32"), lo, hi), BOOL, 0, 1,
             dtype="int32")
    check_op(ops.clip, np.clip, SPECIAL, -1.0, 1.0, dtype="float32")
    check_op(ops.clip, np.clip, EMPTY, 0.0, 1.0, dtype="float32")


# -- comparison and logic ---------------------------------------------------------------------

COMPARISONS = [(ops.equal, np.equal), (ops.not_equal, np.not_equal), (ops.less, np.less),
               (ops.less_equal, np.less_equal), (ops.greater, np.greater),
               (ops.greater_equal, np.greater_equal)]


@pytest.mark.parametrize("op, ref", COMPARISONS, ids=_ids)
def test_comparisons(op, ref):
    check_op(op, ref, A, B, dtype="bool")
    check_op(op, ref, SPECIAL, SPECIAL[::-1].copy(), dtype="bool")
    check_op(op, ref, I, J, dtype="bool")
    check_op(op, lambda x, y: ref(x, np.float32(y)), I, 0.5, dtype="bool")
    check_op(op, ref, A64, A64[::-1].copy(), dtype="bool")
    check_op(op, ref, BOOL, BOOL[::-1].copy(), dtype="bool")
    check_op(op, ref, EMPTY, B, dtype="bool")


@pytest.mark.parametrize("op, ref", [(ops.logical_and, np.logical_and),
                                     (ops.logical_or, np.logical_or),
                                     (ops.logical_xor, np.logical_xor)], ids=_ids)
def test_logical_binary(op, ref):
    check_op(op, ref, BOOL, BOOL[::-1].copy(), dtype="bool")
    check_op(op, ref, BOOL, BOOL[0], dtype="bool")
    check_op(op, ref, A, I, dtype="bool")  # nonzero is true
    check_op(op, lambda x, y: ref(x, y), BOOL, True, dtype="bool")
    check_op(op, ref, np.zeros((0,), bool), np.zeros((0,), bool), dtype="bool")


def test_logical_not():
    check_op(ops.logical_not, np.logical_not, BOOL, dtype="bool")
    check_op(ops.logical_not, np.logical_not, I, dtype="bool")
    check_op(ops.logical_not, np.logical_not, SPECIAL, dtype="bool")


def test_isclose_allclose():
    x = np.array([1.0, 1.0 + 1e-6, 1.0 + 1e-3, np.nan, np.inf, -np.inf, np.inf], "float32")
    y = np.array([1.0, 1.0, 1.0, np.nan, np.inf, -np.inf, -np.inf], "float32")
    check_op(ops.isclose, np.isclose, x, y, dtype="bool")
    check_op(ops.isclose, np.isclose, x, y, kwargs={"equal_nan": True}, dtype="bool")
    check_op(ops.isclose, np.isclose, x, y, kwargs={"rtol": 1e-2, "atol": 0.0}, dtype="bool")
    check_op(ops.isclose, np.isclose, A, B, dtype="bool")
    check_op(ops.isclose, np.isclose, I, J, dtype="bool")
    check_op(ops.allclose, lambda a, b, **kw: np.bool_(np.allclose(a, b, **kw)), x, y,
             kwargs={"rtol": 1e-2}, dtype="bool")
    check_op(ops.allclose, lambda a, b, **kw: np.bool_(np.allclose(a, b, **kw)), A, A + 1e-9,
             dtype="bool")
    check_op(ops.allclose, lambda a, b, **kw: np.bool_(np.allclose(a, b, **kw)), x[3:4],
             y[3:4], kwargs={"equal_nan": True}, dtype="bool")


def test_where():
    check_op(ops.where, np.where, A > 0, A, B, dtype="float32")
    check_op(ops.where, lambda c, x, y: np.where(c, x, np.float32(y)), A > 0, A, 0.0,
             dtype="float32")
    check_op(ops.where, lambda c, x, y: np.where(c, x, y).astype("int32"), BOOL, 1, 0,
             dtype="int32")
    check_op(ops.where, lambda c, x, y: np.where(c, x.astype("float32"), y), BOOL, I, A,
             dtype="float32")
    check_op(ops.where, np.where, EMPTY > 0, EMPTY, 1.0, symbolic=False)
    idx = ops.where(np.array([[True, False], [False, True]]))
    np.testing.assert_array_equal([ops.convert_to_numpy(i) for i in idx], [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="must be given together"):
        ops.where(BOOL, A)


# -- bits -------------------------------------------------------------------------------------

U8 = rng.integers(0, 256, size=(5,)).astype("uint8")
SHIFTS = np.array([0, 1, 2, 3, 4], "int32")


@pytest.mark.parametrize("op, ref", [(ops.bitwise_and, np.bitwise_and),
                                     (ops.bitwise_or, np.bitwise_or),
                                     (ops.bitwise_xor, np.bitwise_xor)], ids=_ids)
def test_bitwise_binary(op, ref):
    check_op(op, ref, I, J, dtype="int32")
    check_op(op, ref, U8, U8[::-1].copy(), dtype="uint8")
    check_op(op, ref, BOOL, BOOL[::-1].copy(), dtype="bool")
    check_op(op, lambda x, y: ref(x, np.int32(y)), I, 6, dtype="int32")
    check_op(op, lambda x, y: ref(x.astype("int16"), y), U8, np.int8(-3), dtype="int16")
    with pytest.raises(TypeError, match="integer or bool"):
        op(A, A)


@pytest.mark.parametrize("op", [ops.bitwise_invert, ops.bitwise_not], ids=_ids)
def test_bitwise_invert(op):
    check_op(op, np.invert, I, dtype="int32")
    check_op(op, np.invert, U8, dtype="uint8")
    check_op(op, np.invert, BOOL, dtype="bool")
    with pytest.raises(TypeError, match="integer or bool"):
        op(A)


@pytest.mark.parametrize("op, ref", [(ops.left_shift, np.left_shift),
                                     (ops.bitwise_left_shift, np.left_shift),
                                     (ops.right_shift, np.right_shift),
                                     (ops.bitwise_right_shift, np.right_shift)], ids=_ids)
def test_shifts(op, ref):
    x = np.array([1, -8, 7, 255, -1], "int32")
    check_op(op, ref, x, SHIFTS, dtype="int32")
    check_op(op, lambda a, b: ref(a, np.uint8(b)), U8, 2, dtype="uint8")
    check_op(op, lambda a, b: ref(a, b).astype("int32"), np.array([True, False]),
             np.array([True, True]), dtype="int32")
    with pytest.raises(TypeError, match="integer"):
        op(A, 1)


def test_gcd_lcm():
    x = np.array([12, -18, 0, 7, 0], "int32")
    y = np.array([8, 27, 5, 0, 0], "int32")
    check_op(ops.gcd, np.gcd, x, y, dtype="int32")
    check_op(ops.lcm, np.lcm, x, y, dtype="int32")
    check_op(ops.gcd, lambda a, b: np.gcd(a, np.int32(b)), x, 6, dtype="int32")
    check_op(ops.lcm, np.lcm, x.astype("int64"), y[:1], dtype="int64")
    for op in (ops.gcd, ops.lcm):
        with pytest.raises(TypeError, match="expects integer tensors"):
            op(A, A)


# -- dtype promotion and rules ----------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint32", "float16", "bfloat16",
          "float32", "float64"]


@pytest.mark.parametrize("dtype1", DTYPES)
@pytest.mark.parametrize("dtype2", ["bool", "uint8", "int8", "int32", "float16", "float32"])
def test_add_promotion_matches_rule(dtype1, dtype2):
    x1, x2 = ops.ones((2,), dtype1), ops.ones((1,), dtype2)
    real = ops.add(x1, x2)
    spec = ops.add(KerasTensor((2,), dtype1), KerasTensor((1,), dtype2))
    assert ops.dtype(real) == spec.dtype
    assert ops.dtype(ops.divide(x1, x2)) == ops.divide(KerasTensor((2,), dtype1),
                                                       KerasTensor((1,), dtype2)).dtype


@pytest.mark.parametrize("dtype1, dtype2, expected", [
    ("int8", "uint8", "int16"), ("uint8", "int32", "int32"), ("int32", "float16", "float16"),
    ("bool", "int8", "int8"), ("float16", "bfloat16", "float32"), ("uint32", "int8", "int64"),
    ("int64", "float32", "float32"), ("bool", "bool", "bool"),
])
def test_known_promotions(dtype1, dtype2, expected):
    assert ops.dtype(ops.add(ops.ones((1,), dtype1), ops.ones((1,), dtype2))) == expected


def test_weak_python_scalars():
    assert ops.dtype(ops.add(ops.ones((1,), "int8"), 3)) == "int8"
    assert ops.dtype(ops.add(ops.ones((1,), "float16"), 3.0)) == "float16"
    assert ops.dtype(ops.add(ops.ones((1,), "int8"), 3.0)) == "float32"
    assert ops.dtype(ops.multiply(ops.ones((1,), "bool"), 2)) == "int32"
    assert ops.dtype(ops.divide(ops.ones((1,), "int16"), 2)) == "float32"


def test_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"Cannot broadcast shapes \(None, 3\), \(4,\)"):
        ops.add(KerasTensor((None, 3)), KerasTensor((4,)))
    with pytest.raises(ValueError, match="Cannot broadcast"):
        ops.add(KerasTensor((2, 3)), KerasTensor((2, 4)))


def test_symbolic_unknown_dims_broadcast():
    out = ops.maximum(KerasTensor((None, 1, 5)), KerasTensor((3, 1)))
    assert out.shape == (None, 3, 5)
    assert ops.less(KerasTensor((None,), "int32"), 2).dtype == "bool"


def test_rule_errors_name_the_op():
    with pytest.raises(ValueError, match=r"ops\.hypot: Cannot broadcast shapes \(2, 3\), \(4,\)"):
        ops.hypot(KerasTensor((2, 3)), KerasTensor((4,)))
    with pytest.raises(ValueError, match=r"ops\.where: Cannot broadcast"):
        ops.where(KerasTensor((2,), "bool"), KerasTensor((3,)), 1.0)
