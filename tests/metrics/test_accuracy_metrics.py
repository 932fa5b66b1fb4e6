"""Accuracy metrics against NumPy."""

import numpy as np
import pytest

from lamina import metrics, ops

RNG = np.random.default_rng(5)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def weighted_mean(matches, weights=None):
    if weights is None:
        return matches.mean()
    return np.sum(matches * weights) / np.sum(weights)


def test_accuracy():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5
    assert m.get_config() == {"name": "accuracy", "dtype": "float32"}
    np.testing.assert_array_equal(
        np_value(metrics.accuracy_metrics.accuracy(np.array([1, 2]), np.array([1, 3]))), [1, 0])


@pytest.mark.parametrize("threshold", [0.5, 0.7])
def test_binary_accuracy(threshold):
    y_true = RNG.integers(0, 2, size=(8, 2)).astype("float32")
    y_pred = RNG.uniform(size=(8, 2)).astype("float32")
    weights = RNG.uniform(size=(8,))
    matches = (y_true == (y_pred > threshold)).astype(float)
    np.testing.assert_allclose(
        np_value(metrics.binary_accuracy(y_true, y_pred, threshold=threshold)),
        matches, rtol=0)
    m = metrics.BinaryAccuracy(threshold=threshold)
    m.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(np_value(m.result()),
                               weighted_mean(matches.mean(1), weights), rtol=1e-5)
    assert m.get_config() == {"name": "binary_accuracy", "dtype": "float32",
                              "threshold": threshold}
    # Keras example.
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(m.result()) == 0.75


def test_categorical_accuracy():
    y_true = np.eye(4)[RNG.integers(0, 4, size=10)]
    y_pred = RNG.uniform(size=(10, 4))
    matches = (y_true.argmax(-1) == y_pred.argmax(-1)).astype(float)
    np.testing.assert_allclose(np_value(metrics.categorical_accuracy(y_true, y_pred)), matches)
    m = metrics.CategoricalAccuracy()
    weights = RNG.uniform(size=(10,))
    m.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(np_value(m.result()), weighted_mean(matches, weights), rtol=1e-5)
    # Keras example.
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5


def test_sparse_categorical_accuracy():
    y_true = RNG.integers(0, 4, size=(10, 1))
    y_pred = RNG.uniform(size=(10, 4))
    matches = (y_true[:, 0] == y_pred.argmax(-1)).astype(float)
    got = np_value(metrics.sparse_categorical_accuracy(y_true, y_pred))
    np.testing.assert_allclose(got, matches)
    assert got.shape == (10,)
    got = np_value(metrics.sparse_categorical_accuracy(y_true[:, 0], y_pred))
    np.testing.assert_allclose(got, matches)
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    np.testing.assert_allclose(float(m.result()), 0.3, rtol=1e-6)
    # Sequences: (batch, time) labels and (batch, time, classes) predictions.
    y_true = RNG.integers(0, 3, size=(2, 5))
    y_pred = RNG.uniform(size=(2, 5, 3))
    np.testing.assert_allclose(np_value(metrics.sparse_categorical_accuracy(y_true, y_pred)),
                               (y_true == y_pred.argmax(-1)).astype(float))


def np_in_top_k(labels, scores, k):
    # A label is in the top k when fewer than k scores beat it (ties in its favour).
    target = scores[np.arange(len(labels)), labels]
    return (np.sum(scores > target[:, None], axis=-1) < k).astype(float)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracies(k):
    labels = RNG.integers(0, 5, size=12)
    scores = RNG.uniform(size=(12, 5)).astype("float32")
    want = np_in_top_k(labels, scores, k)
    np.testing.assert_allclose(
        np_value(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=k)), want)
    np.testing.assert_allclose(
        np_value(metrics.top_k_categorical_accuracy(np.eye(5)[labels], scores, k=k)), want)
    m = metrics.SparseTopKCategoricalAccuracy(k=k)
    m.update_state(labels, scores)
    np.testing.assert_allclose(np_value(m.result()), want.mean(), rtol=1e-6)
    m = metrics.TopKCategoricalAccuracy(k=k)
    weights = RNG.uniform(size=(12,))
    m.update_state(np.eye(5)[labels], scores, sample_weight=weights)
    np.testing.assert_allclose(np_value(m.result()), weighted_mean(want, weights), rtol=1e-5)


def test_top_k_keras_examples_and_sequences():
    m = metrics.SparseTopKCategoricalAccuracy(k=1)
    m.update_state([2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    labels = RNG.integers(0, 4, size=(3, 2))
    scores = RNG.uniform(size=(3, 2, 4))
    got = np_value(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=2))
    assert got.shape == (3, 2)
    np.testing.assert_allclose(got.reshape(-1),
                               np_in_top_k(labels.reshape(-1), scores.reshape(-1, 4), 2))


def test_sparse_top_k_from_sorted_ids():
    sorted_ids = np.array([[2, 0, 1], [1, 2, 0]])
    labels = np.array([0, 0])
    got = np_value(metrics.sparse_top_k_categorical_accuracy(labels, sorted_ids, k=2,
                                                             from_sorted_ids=True))
    np.testing.assert_array_equal(got, [1.0, 0.0])
    m = metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True)
    assert m.get_config()["from_sorted_ids"] is True
    assert "from_sorted_ids" not in metrics.SparseTopKCategoricalAccuracy().get_config()
