"""Conversion ops: convert_to_tensor / convert_to_numpy / is_tensor / shape / dtype / cast."""

import numpy as np
import pytest

import lamina
from lamina import ops


def test_convert_to_tensor_infers_keras_dtypes():
    assert ops.dtype(ops.convert_to_tensor([1, 2])) == "int32"
    assert ops.dtype(ops.convert_to_tensor([1.0, 2])) == "float32"
    assert ops.dtype(ops.convert_to_tensor(True)) == "bool"
    assert ops.dtype(ops.convert_to_tensor(np.zeros(2, "float64"))) == "float64"
    assert ops.dtype(ops.convert_to_tensor([1, 2], dtype="float16")) == "float16"


def test_is_tensor_and_numpy_round_trip():
    x = ops.convert_to_tensor(np.arange(6.0).reshape(2, 3))
    assert ops.is_tensor(x) == (lamina.backend.backend() != "numpy" or isinstance(x, np.ndarray))
    assert not ops.is_tensor([1, 2]) or lamina.backend.backend() == "numpy"
    np.testing.assert_array_equal(ops.convert_to_numpy(x), np.arange(6.0).reshape(2, 3))
    assert ops.shape(x) == (2, 3)


def test_cast_and_symbolic():
    assert ops.dtype(ops.cast(np.array([1.7, -1.2]), "int32")) == "int32"
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.cast(np.array([1.7, -1.2]), "int32")),
                                  [1, -1])
    symbolic = lamina.Input((3,))
    assert ops.cast(symbolic, "float16").dtype == "float16"
    assert ops.convert_to_tensor(symbolic) is symbolic
    assert ops.shape(symbolic) == (None, 3)
    with pytest.raises(ValueError, match="symbolic tensor cannot be converted"):
        ops.convert_to_numpy(symbolic)


def test_variable_behaves_like_a_tensor():
    v = lamina.Variable(np.ones((2,)), name="v")
    assert v.dtype == "float32" and v.path == "v"
    np.testing.assert_allclose(ops.convert_to_numpy(v + 1), [2.0, 2.0])
    v.assign([3.0, 4.0])
    v.assign_sub([1.0, 1.0])
    np.testing.assert_allclose(v.numpy(), [2.0, 3.0])
    with pytest.raises(ValueError, match="has shape \\(2,\\); the value assigned to it has shape"):
        v.assign(np.ones((3,)))
