"""Dtype names and Keras 3's promotion table."""

import numpy as np
import pytest

import lamina
from lamina.backend import result_type, standardize_dtype


@pytest.mark.parametrize(
    "value, name",
    [("float32", "float32"), (np.float64, "float64"), (np.dtype("int8"), "int8"), (bool, "bool"),
     ("bfloat16", "bfloat16"), (None, "float32"), ("double", "float64")],
)
def test_standardize_dtype(value, name):
    assert standardize_dtype(value) == name


def test_standardize_dtype_rejects_unknown_names():
    with pytest.raises(ValueError, match="Invalid dtype.*'complex7'"):
        standardize_dtype("complex7")


# Pairs and results of Keras 3's (JAX-style) promotion lattice.
PROMOTIONS = [
    (("int8", "uint8"), "int16"),
    (("int32", "float32"), "float32"),
    (("int64", "float16"), "float16"),
    (("bfloat16", "float16"), "float32"),
    (("uint32", "int32"), "int64"),
    (("bool", "int8"), "int8"),
    (("float32", "float64"), "float64"),
    (("int8", int), "int8"),
    (("float16", float), "float16"),
    (("int32", float), "float32"),
    (("bool", int), "int32"),
    ((int,), "int32"),
    ((float,), "float32"),
    (("uint8", "uint16"), "uint16"),
    (("complex64", "float64"), "complex128"),
]


@pytest.mark.parametrize("inputs, expected", PROMOTIONS)
def test_result_type(inputs, expected):
    assert result_type(*inputs) == expected


def test_weak_float_follows_floatx():
    lamina.backend.set_floatx("float64")
    assert result_type(float) == "float64"
    assert result_type("int32", float) == "float64"


def test_ops_follow_promotion():
    from lamina import ops

    x = np.ones((2,), "int8")
    assert lamina.backend.standardize_dtype(ops.add(x, 1).dtype) == "int8"
    assert lamina.backend.standardize_dtype(ops.add(x, 1.5).dtype) == "float32"
    y = np.ones((2,), "float16")
    assert lamina.backend.standardize_dtype(ops.multiply(x, y).dtype) == "float16"
