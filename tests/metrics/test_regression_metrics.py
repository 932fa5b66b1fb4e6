"""Regression metrics against NumPy and scikit-learn."""

import numpy as np
import pytest

from lamina import metrics, ops
from tests.losses import references as ref

RNG = np.random.default_rng(9)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


CASES = [
    (metrics.MeanSquaredError, ref.mse, False),
    (metrics.MeanAbsoluteError, ref.mae, False),
    (metrics.MeanAbsolutePercentageError, ref.mape, True),
    (metrics.MeanSquaredLogarithmicError, ref.msle, True),
    (metrics.LogCoshError, ref.log_cosh, False),
    (metrics.CosineSimilarity, lambda t, p: -ref.cosine_similarity(t, p), False),
]


@pytest.mark.parametrize("cls,reference,positive", CASES, ids=[c[0].__name__ for c in CASES])
def test_mean_regression_metrics(cls, reference, positive):
    draw = (lambda s: RNG.uniform(0.1, 2, size=s)) if positive else (lambda s: RNG.normal(size=s))
    batches = [(draw((5, 3)), draw((5, 3)), RNG.uniform(size=(5,))) for _ in range(3)]
    m = cls()
    total = count = 0.0
    for y_true, y_pred, w in batches:
        m.update_state(y_true, y_pred, sample_weight=w)
        total += np.sum(reference(y_true, y_pred) * w)
        count += np.sum(w)
    np.testing.assert_allclose(np_value(m.result()), total / count, rtol=1e-5)
    assert set(m.get_config()) == {"name", "dtype"}


def test_root_mean_squared_error():
    m = metrics.RootMeanSquaredError()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    np.testing.assert_allclose(float(m.result()), 0.5)
    m.reset_state()
    m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
    np.testing.assert_allclose(float(m.result()), np.sqrt(0.5), rtol=1e-6)
    y_true, y_pred = RNG.normal(size=(6,)), RNG.normal(size=(6, 1))
    m = metrics.RootMeanSquaredError()
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()),
                               np.sqrt(np.mean((y_true - y_pred[:, 0]) ** 2)), rtol=1e-5)


def test_cosine_similarity_keras_example():
    m = metrics.CosineSimilarity(axis=1)
    m.update_state([[0.0, 1.0], [1.0, 1.0]], [[1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(float(m.result()), 0.5, rtol=1e-6)


@pytest.mark.parametrize("aggregation,sk_mode", [
    ("uniform_average", "uniform_average"),
    ("variance_weighted_average", "variance_weighted"),
    (None, "raw_values"),
])
def test_r2_score_matches_sklearn(aggregation, sk_mode):
    from sklearn.metrics import r2_score

    y_true = RNG.normal(size=(20, 3))
    y_pred = y_true + RNG.normal(scale=0.5, size=(20, 3))
    weights = RNG.uniform(0.1, 2.0, size=(20,))
    m = metrics.R2Score(class_aggregation=aggregation)
    m.update_state(y_true[:10], y_pred[:10], sample_weight=weights[:10])
    m.update_state(y_true[10:], y_pred[10:], sample_weight=weights[10:])
    want = r2_score(y_true, y_pred, sample_weight=weights, multioutput=sk_mode)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-4)


def test_r2_score_adjusted_and_errors():
    from sklearn.metrics import r2_score

    y_true = RNG.normal(size=(12, 1))
    y_pred = y_true + RNG.normal(scale=0.3, size=(12, 1))
    m = metrics.R2Score(num_regressors=2)
    m.update_state(y_true, y_pred)
    r2 = r2_score(y_true, y_pred)
    np.testing.assert_allclose(np_value(m.result()), 1 - (1 - r2) * 11 / (12 - 2 - 1),
                               rtol=1e-4)
    # Too few samples for the adjustment: the plain score.
    m = metrics.R2Score(num_regressors=20)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(np_value(m.result()), r2, rtol=1e-4)
    with pytest.raises(ValueError, match="class_aggregation"):
        metrics.R2Score(class_aggregation="median")
    with pytest.raises(ValueError, match="num_regressors"):
        metrics.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.R2Score().update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    assert metrics.R2Score().get_config() == {
        "name": "r2_score", "dtype": "float32", "class_aggregation": "uniform_average",
        "num_regressors": 0}
