"""The few ops optimizers take from lamina.ops, or compose while lamina.ops lacks them."""

import numpy as np
import pytest

from lamina import ops
from lamina.optimizers import _ops


@pytest.fixture(params=["native", "composed"])
def helpers(request, monkeypatch):
    if request.param == "composed":
        monkeypatch.setattr(_ops, "_native", lambda name: None)
    return _ops


def test_floor_ceil_sign(helpers):
    x = np.array([-2.5, -1.0, -0.2, 0.0, 0.3, 1.0, 7.9], "float32")
    np.testing.assert_array_equal(np.asarray(helpers.floor(x)), np.floor(x))
    np.testing.assert_array_equal(np.asarray(helpers.ceil(x)), np.ceil(x))
    np.testing.assert_array_equal(np.asarray(helpers.sign(x)), np.sign(x))


def test_cos(helpers):
    x = np.linspace(-20, 20, 101)
    np.testing.assert_allclose(np.asarray(helpers.cos(x)), np.cos(x), atol=1e-12)
    x32 = x.astype("float32")
    np.testing.assert_allclose(np.asarray(helpers.cos(x32)), np.cos(x32), atol=2e-5)


def test_isfinite(helpers):
    x = np.array([0.0, -1e30, np.inf, -np.inf, np.nan], "float32")
    np.testing.assert_array_equal(np.asarray(helpers.isfinite(x)), np.isfinite(x))
    assert bool(np.all(np.asarray(helpers.isfinite(np.array([1, 2], "int32")))))


def test_integer_division(helpers):
    x = ops.convert_to_tensor(np.arange(10, dtype="int64"))
    np.testing.assert_array_equal(np.asarray(helpers.floor_divide(x, 3)), np.arange(10) // 3)
    np.testing.assert_array_equal(np.asarray(helpers.mod(x, 3)), np.arange(10) % 3)
    assert ops.dtype(helpers.mod(x, 3)) == "int64"


def test_norm():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(np.asarray(_ops.norm(x, axis=(-2, -1), keepdims=True)),
                               np.linalg.norm(x).reshape(1, 1))
