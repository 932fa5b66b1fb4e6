"""`Sum`, `Mean` and `MeanMetricWrapper` against NumPy, with weights of every rank."""

import numpy as np
import pytest

from lamina import losses, metrics, ops
from tests.losses import references as ref

RNG = np.random.default_rng(3)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def test_sum():
    m = metrics.Sum()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 16.0
    m.update_state(np.array([[1.0, 2.0], [3.0, 4.0]]), sample_weight=np.array([1.0, 0.5]))
    assert float(m.result()) == 16.0 + 3.0 + 3.5
    m.reset_state()
    assert float(m.result()) == 0.0
    assert m.get_config() == {"name": "sum", "dtype": "float32"}


def test_mean_keras_examples():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    m.update_state(10.0)
    np.testing.assert_allclose(float(m.result()), (4.0 + 10.0) / 3)


@pytest.mark.parametrize("weight_shape", [None, (), (4,), (4, 1), (4, 3)])
def test_mean_with_weights(weight_shape):
    values = RNG.normal(size=(4, 3))
    if weight_shape is None:
        weights = None
        want = values.mean(axis=1).sum() / 4
    else:
        weights = RNG.uniform(0.5, 2.0, size=weight_shape)
        if weight_shape == (4, 3):
            want = (np.sum(np.mean(values * weights, axis=1))
                    / np.sum(np.mean(weights, axis=1)))
        elif weight_shape == ():
            # A scalar weight reduces the values to one scalar, counted once (as in Keras).
            want = values.mean()
        else:
            w = weights.reshape(4)
            want = np.sum(values.mean(axis=1) * w) / np.sum(w)
    m = metrics.Mean()
    m.update_state(values, sample_weight=weights)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5)


def test_mean_metric_wrapper_of_losses():
    y_true, y_pred = RNG.normal(size=(5, 3)), RNG.normal(size=(5, 3))
    weights = RNG.uniform(size=(5,))
    m = metrics.MeanMetricWrapper(losses.mean_squared_error, name="mse_wrapper")
    m.update_state(y_true, y_pred, sample_weight=weights)
    want = np.sum(ref.mse(y_true, y_pred) * weights) / np.sum(weights)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5)
    assert m._direction == "down"
    config = m.get_config()
    assert config["name"] == "mse_wrapper"
    assert config["fn"]["config"] == "mean_squared_error"
    clone = metrics.MeanMetricWrapper.from_config(config)
    assert clone._fn is losses.mean_squared_error


def test_mean_metric_wrapper_kwargs_and_mask():
    y_true, y_pred = RNG.normal(size=(4, 2)), RNG.normal(size=(4, 2))
    m = metrics.MeanMetricWrapper(losses.huber, delta=0.3)
    mask = np.array([True, True, False, True])
    m.update_state(y_true, y_pred, mask=mask)
    np.testing.assert_allclose(np_value(m.result()),
                               ref.huber(y_true, y_pred, 0.3)[mask].mean(), rtol=1e-5)
    assert m.get_config()["delta"] == 0.3


def test_sparse_categorical_crossentropy_ignore_class_in_a_metric():
    y_true = np.array([0, 2, -1, 1])
    y_pred = RNG.uniform(0.1, 1.0, size=(4, 3))
    y_pred /= y_pred.sum(-1, keepdims=True)
    full = ref.sparse_categorical_crossentropy(np.where(y_true < 0, 0, y_true), y_pred)
    valid = y_true != -1
    m = metrics.SparseCategoricalCrossentropy(ignore_class=-1)
    m.update_state(y_true, y_pred)
    # As in Keras: without sample weights the ignored entries count as zeros.
    np.testing.assert_allclose(np_value(m.result()), np.where(valid, full, 0).mean(), rtol=1e-5)
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=np.ones(4))
    np.testing.assert_allclose(np_value(m.result()), full[valid].mean(), rtol=1e-5)
