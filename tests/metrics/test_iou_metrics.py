"""IoU metrics against a NumPy confusion matrix."""

import numpy as np
import pytest

from lamina import metrics, ops

RNG = np.random.default_rng(13)
EPS = 1e-7


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def np_iou(y_true, y_pred, num_classes, target_ids, weights=None, ignore_class=None):
    y_true, y_pred = np.ravel(y_true), np.ravel(y_pred)
    w = np.ones(len(y_true)) if weights is None else np.ravel(weights)
    cm = np.zeros((num_classes, num_classes))
    for t, p, wi in zip(y_true, y_pred, w):
        if 0 <= t < num_classes and 0 <= p < num_classes and t != ignore_class:
            cm[t, p] += wi
    tp = np.diag(cm)
    denominator = cm.sum(0) + cm.sum(1) - tp
    tp, denominator = tp[target_ids], denominator[target_ids]
    valid = denominator > 1e-9
    iou = np.where(valid, tp / (denominator + EPS), 0.0)
    return iou.sum() / (valid.sum() + EPS)


def test_iou_keras_example():
    m = metrics.IoU(num_classes=2, target_class_ids=[0])
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    np.testing.assert_allclose(float(m.result()), 1 / 3, rtol=1e-5)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 1, 0, 1], sample_weight=[3, 2, 1, 1])  # ints: no warning
    np.testing.assert_allclose(float(m.result()), 3 / (5 + 4 - 3), rtol=1e-5)


@pytest.mark.parametrize("ignore_class", [None, 1])
def test_iou_and_mean_iou(ignore_class):
    y_true = RNG.integers(0, 4, size=(3, 10))
    y_pred = RNG.integers(0, 4, size=(3, 10))
    y_pred[0, 0] = 7  # out of range: not counted
    weights = RNG.integers(0, 3, size=(3, 10))
    m = metrics.IoU(num_classes=4, target_class_ids=[0, 3], ignore_class=ignore_class)
    m.update_state(y_true, y_pred, sample_weight=weights)
    np.testing.assert_allclose(
        np_value(m.result()),
        np_iou(y_true, y_pred, 4, [0, 3], weights, ignore_class), rtol=1e-5)
    m = metrics.MeanIoU(num_classes=4, ignore_class=ignore_class)
    m.update_state(y_true[:2], y_pred[:2])
    m.update_state(y_true[2:], y_pred[2:])
    np.testing.assert_allclose(np_value(m.result()),
                               np_iou(y_true, y_pred, 4, [0, 1, 2, 3], None, ignore_class),
                               rtol=1e-5)
    assert m.total_cm.dtype == "int64"


def test_binary_iou():
    y_true = RNG.integers(0, 2, size=20)
    y_pred = RNG.uniform(size=20)
    for threshold, ids in ((0.5, (0, 1)), (0.3, (1,))):
        m = metrics.BinaryIoU(target_class_ids=ids, threshold=threshold)
        m.update_state(y_true, y_pred)
        np.testing.assert_allclose(
            np_value(m.result()),
            np_iou(y_true, (y_pred >= threshold).astype(int), 2, list(ids)), rtol=1e-5)
    assert metrics.BinaryIoU(name="b").get_config() == {
        "target_class_ids": [0, 1], "threshold": 0.5, "name": "b", "dtype": "int64"}


def test_one_hot_iou():
    labels = RNG.integers(0, 3, size=12)
    scores = RNG.uniform(size=(12, 3))
    m = metrics.OneHotIoU(num_classes=3, target_class_ids=[1, 2])
    m.update_state(np.eye(3)[labels], scores)
    np.testing.assert_allclose(np_value(m.result()),
                               np_iou(labels, scores.argmax(-1), 3, [1, 2]), rtol=1e-5)
    m = metrics.OneHotMeanIoU(num_classes=3)
    m.update_state(np.eye(3)[labels], scores)
    np.testing.assert_allclose(np_value(m.result()),
                               np_iou(labels, scores.argmax(-1), 3, [0, 1, 2]), rtol=1e-5)
    m = metrics.OneHotMeanIoU(num_classes=3, sparse_y_pred=True)
    m.update_state(np.eye(3)[labels], scores.argmax(-1))
    np.testing.assert_allclose(np_value(m.result()),
                               np_iou(labels, scores.argmax(-1), 3, [0, 1, 2]), rtol=1e-5)


def test_float_weights_warn_and_errors():
    m = metrics.MeanIoU(num_classes=2)
    with pytest.warns(UserWarning, match="weight as `float`"):
        m.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="out of range"):
        metrics.IoU(num_classes=2, target_class_ids=[2])
    m = metrics.MeanIoU(num_classes=2, dtype="float32")
    m.update_state([0, 1], [0, 1], sample_weight=np.array([0.5, 1.0]))
    np.testing.assert_allclose(float(m.result()), 1.0, rtol=1e-5)
