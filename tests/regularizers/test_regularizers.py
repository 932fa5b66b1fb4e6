"""Regularizers and constraints against NumPy."""

import numpy as np
import pytest

from lamina import constraints, regularizers

W = np.array([[1.0, -2.0], [3.0, -4.0]], "float32")


def test_l1_l2_l1l2():
    assert np.isclose(float(regularizers.L1(0.1)(W)), 1.0)
    assert np.isclose(float(regularizers.L2(0.1)(W)), 3.0)
    assert np.isclose(float(regularizers.L1L2(0.1, 0.1)(W)), 4.0)
    assert isinstance(regularizers.get("l2"), regularizers.L2)


def test_orthogonal_regularizer_is_zero_for_orthogonal_rows():
    assert np.isclose(float(regularizers.OrthogonalRegularizer(1.0)(np.eye(3, dtype="float32"))), 0)
    value = float(regularizers.OrthogonalRegularizer(1.0)(np.ones((2, 2), "float32")))
    assert np.isclose(value, 1.0)  # 0.5 * sum(off-diagonal) / pairs = 0.5 * 2 / 1


def test_regularizer_config_and_errors():
    config = regularizers.serialize(regularizers.L1L2(l1=0.2, l2=0.3))
    clone = regularizers.deserialize(config)
    assert clone.l1 == pytest.approx(0.2) and clone.l2 == pytest.approx(0.3)
    with pytest.raises(ValueError, match="`l2` must be a non-negative number"):
        regularizers.L2(-1.0)


def test_constraints():
    np.testing.assert_array_equal(np.asarray(constraints.NonNeg()(W)), np.maximum(W, 0))
    unit = np.asarray(constraints.UnitNorm(axis=0)(W))
    np.testing.assert_allclose(np.linalg.norm(unit, axis=0), [1.0, 1.0], rtol=1e-5)
    capped = np.asarray(constraints.MaxNorm(2.0, axis=0)(W))
    np.testing.assert_allclose(np.linalg.norm(capped, axis=0), [2.0, 2.0], rtol=1e-5)
    mm = np.asarray(constraints.MinMaxNorm(5.0, 6.0, axis=0)(W))
    np.testing.assert_allclose(np.linalg.norm(mm, axis=0), [5.0, 5.0], rtol=1e-5)  # both below 5
    clone = constraints.deserialize(constraints.serialize(constraints.MaxNorm(3, axis=1)))
    assert clone.max_value == 3 and clone.axis == 1
