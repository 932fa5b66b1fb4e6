"""Metrics that average a loss function (probabilistic, hinge) and the correlations."""

import numpy as np
import pytest

from lamina import metrics, ops
from tests.losses import references as ref

RNG = np.random.default_rng(19)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def dist(shape):
    p = RNG.uniform(0.05, 1.0, size=shape)
    return p / p.sum(-1, keepdims=True)


def one_hot(n, k):
    return np.eye(k)[RNG.integers(0, k, size=n)]


CASES = [
    (metrics.KLDivergence, {}, ref.kl_divergence, lambda: (dist((6, 3)), dist((6, 3)))),
    (metrics.Poisson, {}, ref.poisson,
     lambda: (RNG.uniform(0, 3, (6, 3)), RNG.uniform(0.1, 3, (6, 3)))),
    (metrics.BinaryCrossentropy, {}, ref.binary_crossentropy,
     lambda: (RNG.integers(0, 2, (6, 3)).astype(float), RNG.uniform(0.05, 0.95, (6, 3)))),
    (metrics.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2},
     lambda t, p: ref.binary_crossentropy(t, p, True, 0.2),
     lambda: (RNG.integers(0, 2, (6, 3)).astype(float), RNG.normal(size=(6, 3)))),
    (metrics.CategoricalCrossentropy, {}, ref.categorical_crossentropy,
     lambda: (one_hot(6, 3), dist((6, 3)))),
    (metrics.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     lambda t, p: ref.categorical_crossentropy(t, p, True, 0.1),
     lambda: (one_hot(6, 3), RNG.normal(size=(6, 3)))),
    (metrics.SparseCategoricalCrossentropy, {"from_logits": True},
     lambda t, p: ref.sparse_categorical_crossentropy(t, p, True),
     lambda: (RNG.integers(0, 3, 6), RNG.normal(size=(6, 3)))),
    (metrics.Hinge, {}, ref.hinge,
     lambda: (RNG.integers(0, 2, (6, 3)).astype(float), RNG.normal(size=(6, 3)))),
    (metrics.SquaredHinge, {}, ref.squared_hinge,
     lambda: (RNG.integers(0, 2, (6, 3)).astype(float), RNG.normal(size=(6, 3)))),
    (metrics.CategoricalHinge, {}, ref.categorical_hinge,
     lambda: (one_hot(6, 3), RNG.normal(size=(6, 3)))),
]


@pytest.mark.parametrize("cls,kwargs,reference,draw", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_loss_metrics(cls, kwargs, reference, draw):
    m = cls(**kwargs)
    total = count = 0.0
    for _ in range(2):
        y_true, y_pred = draw()
        w = RNG.uniform(size=(6,))
        m.update_state(y_true, y_pred, sample_weight=w)
        total += np.sum(reference(y_true, y_pred) * w)
        count += np.sum(w)
    np.testing.assert_allclose(np_value(m.result()), total / count, rtol=1e-5)
    config = m.get_config()
    for key, value in kwargs.items():
        assert config[key] == value


def test_loss_metric_configs():
    assert metrics.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "dtype": "float32", "from_logits": False,
        "label_smoothing": 0}
    assert metrics.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "dtype": "float32", "from_logits": False,
        "ignore_class": None, "axis": -1}
    assert metrics.Hinge().get_config() == {"name": "hinge", "dtype": "float32"}


def np_pearson(t, p, axis=-1):
    tn = t - t.mean(axis, keepdims=True)
    pn = p - p.mean(axis, keepdims=True)
    tn = tn / tn.std(axis, keepdims=True)
    pn = pn / pn.std(axis, keepdims=True)
    return np.mean(tn * pn, axis=axis)


def np_concordance(t, p, axis=-1):
    tm, pm = t.mean(axis, keepdims=True), p.mean(axis, keepdims=True)
    tv, pv = (t - tm).var(axis, keepdims=True), (p - pm).var(axis, keepdims=True)
    covar = (t - pm) * (p - pm)  # Keras 3's formula, kept for equal numbers
    return np.mean(2 * covar / (tv + pv + (tm - pm) ** 2 + 1e-7), axis=axis)


@pytest.mark.parametrize("axis", [-1, 0])
def test_correlations(axis):
    y_true = RNG.normal(size=(8, 5))
    y_pred = y_true + RNG.normal(scale=0.7, size=(8, 5))
    np.testing.assert_allclose(np_value(metrics.pearson_correlation(y_true, y_pred, axis=axis)),
                               np_pearson(y_true, y_pred, axis), rtol=1e-5)
    np.testing.assert_allclose(
        np_value(metrics.concordance_correlation(y_true, y_pred, axis=axis)),
        np_concordance(y_true, y_pred, axis), rtol=1e-5)
    m = metrics.PearsonCorrelation(axis=axis)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(np_value(m.result()), np.mean(np_pearson(y_true, y_pred, axis)),
                               rtol=1e-5)
    m = metrics.ConcordanceCorrelation(axis=axis)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(np_value(m.result()),
                               np.mean(np_concordance(y_true, y_pred, axis)), rtol=1e-5)
    assert m.get_config() == {"name": "concordance_correlation", "dtype": "float32",
                              "axis": axis}
