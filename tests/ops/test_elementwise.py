"""Elementwise ops against NumPy, on the active backend (see harness.check_op)."""

import numpy as np
import pytest

from lamina import ops
from tests.ops.harness import check_op

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
B = rng.normal(size=(4,)).astype("float32")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0], "float32")
EMPTY = np.zeros((0, 4), "float32")

BINARY = [
    (ops.add, np.add), (ops.subtract, np.subtract), (ops.multiply, np.multiply),
    (ops.maximum, np.maximum), (ops.minimum, np.minimum),
]


@pytest.mark.parametrize("op, ref", BINARY, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("x1, x2", [(A, B), (A, A), (EMPTY, B), (SPECIAL, SPECIAL[::-1].copy())])
def test_binary_float(op, ref, x1, x2):
    check_op(op, ref, x1, x2, dtype="float32")


@pytest.mark.parametrize("op, ref", BINARY, ids=lambda f: getattr(f, "__name__", ""))
def test_binary_int_and_scalar(op, ref):
    check_op(op, ref, I, I, dtype="int32")
    check_op(op, lambda x, y: ref(x, np.int32(y)), I, 2, dtype="int32")


def test_divide_gives_float():
    check_op(ops.divide, lambda x, y: np.divide(x, y).astype("float32"), I, 3, dtype="float32")
    check_op(ops.true_divide, np.true_divide, A, B)


@pytest.mark.parametrize(
    "op, ref", [(ops.exp, np.exp), (ops.log, np.log), (ops.sqrt, np.sqrt), (ops.tanh, np.tanh),
                (ops.negative, np.negative), (ops.absolute, np.abs), (ops.abs, np.abs),
                (ops.square, np.square)],
    ids=lambda f: getattr(f, "__name__", ""),
)
@pytest.mark.parametrize("x", [A, SPECIAL, EMPTY], ids=["normal", "special", "empty"])
def test_unary(op, ref, x):
    with np.errstate(all="ignore"):
        check_op(op, ref, x, dtype="float32")


@pytest.mark.parametrize(
    "op, ref", [(ops.equal, np.equal), (ops.not_equal, np.not_equal), (ops.less, np.less),
                (ops.less_equal, np.less_equal), (ops.greater, np.greater),
                (ops.greater_equal, np.greater_equal)],
    ids=lambda f: getattr(f, "__name__", ""),
)
def test_comparisons(op, ref):
    check_op(op, ref, A, B, dtype="bool")
    check_op(op, ref, SPECIAL, SPECIAL[::-1].copy(), dtype="bool")


def test_where_and_clip():
    check_op(ops.where, np.where, A > 0, A, B)
    check_op(ops.clip, np.clip, A, -0.5, 0.5, dtype="float32")


def test_broadcast_error_names_shapes():
    from lamina.backend.common.keras_tensor import KerasTensor

    with pytest.raises(ValueError, match=r"Cannot broadcast shapes \(None, 3\), \(4,\)"):
        ops.add(KerasTensor((None, 3)), KerasTensor((4,)))
