"""Shared machinery of the confusion-matrix metrics: thresholds, the true/false
positive/negative counts at each threshold, and the dense confusion matrix of IoU metrics."""

import enum

import numpy as np

from lamina import backend, ops
from lamina.losses.loss import squeeze_or_expand_to_same_rank

NEG_INF = -1e10


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def assert_thresholds_range(thresholds):
    if thresholds is not None:
        invalid = [t for t in thresholds if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")


def parse_init_thresholds(thresholds, default_threshold=0.5):
    """The thresholds as a list (`default_threshold` when None), each checked in [0, 1]."""
    if thresholds is not None:
        assert_thresholds_range(_to_list(thresholds))
    return _to_list(default_threshold if thresholds is None else thresholds)


class ConfusionMatrix(enum.Enum):
    TRUE_POSITIVES = "tp"
    FALSE_POSITIVES = "fp"
    TRUE_NEGATIVES = "tn"
    FALSE_NEGATIVES = "fn"


class AUCCurve(enum.Enum):
    """The curve an `AUC` metric integrates."""

    ROC = "ROC"
    PR = "PR"
    PRGAIN = "PRGAIN"

    @staticmethod
    def from_str(key):
        if key in ("pr", "PR"):
            return AUCCurve.PR
        if key in ("roc", "ROC"):
            return AUCCurve.ROC
        if key in ("prgain", "PRGAIN"):
            return AUCCurve.PRGAIN
        raise ValueError(
            f'Invalid AUC curve value: "{key}". Expected values are ["PR", "ROC", "PRGAIN"]'
        )


class AUCSummationMethod(enum.Enum):
    """How an `AUC` metric sums the areas between thresholds."""

    INTERPOLATION = "interpolation"
    MAJORING = "majoring"
    MINORING = "minoring"

    @staticmethod
    def from_str(key):
        if key in ("interpolation", "Interpolation"):
            return AUCSummationMethod.INTERPOLATION
        if key in ("majoring", "Majoring"):
            return AUCSummationMethod.MAJORING
        if key in ("minoring", "Minoring"):
            return AUCSummationMethod.MINORING
        raise ValueError(
            f'Invalid AUC summation method value: "{key}". Expected values are '
            '["interpolation", "majoring", "minoring"]'
        )


def is_evenly_distributed_thresholds(thresholds):
    """Whether `thresholds` are `i / (n - 1)` for i in 0..n-1 (n >= 3), up to epsilon."""
    num_thresholds = len(thresholds)
    if num_thresholds < 3:
        return False
    even = np.arange(num_thresholds, dtype=np.float32) / (num_thresholds - 1)
    return bool(np.allclose(thresholds, even, atol=backend.epsilon()))


def _reverse_cumsum(x, axis):
    return ops.flip(ops.cumsum(ops.flip(x, axis=axis), axis=axis), axis=axis)


def _update_evenly_distributed(variables_to_update, y_true, y_pred, thresholds,
                               multi_label=False, sample_weights=None, label_weights=None,
                               thresholds_with_epsilon=False):
    """Counts by bucketing each prediction to its threshold: O(n + thresholds), not
    O(n * thresholds). Valid only for evenly spaced thresholds."""
    num_thresholds = ops.shape(thresholds)[0]
    if sample_weights is None:
        sample_weights = 1.0
    else:
        sample_weights = ops.broadcast_to(ops.cast(sample_weights, dtype=y_pred.dtype),
                                          ops.shape(y_pred))
        if not multi_label:
            sample_weights = ops.reshape(sample_weights, [-1])
    if label_weights is None:
        label_weights = 1.0
    else:
        label_weights = ops.broadcast_to(ops.expand_dims(label_weights, 0), ops.shape(y_pred))
        if not multi_label:
            label_weights = ops.reshape(label_weights, [-1])
    weights = ops.cast(ops.multiply(sample_weights, label_weights), y_true.dtype)
    y_pred = ops.clip(y_pred, 0.0, 1.0)
    y_true = ops.cast(ops.cast(y_true, "bool"), y_true.dtype)
    if not multi_label:
        y_true = ops.reshape(y_true, [-1])
        y_pred = ops.reshape(y_pred, [-1])
    true_labels = ops.multiply(y_true, weights)
    false_labels = ops.multiply(1.0 - y_true, weights)
    bucket_indices = ops.ceil(y_pred * (ops.cast(num_thresholds, dtype=y_pred.dtype) - 1)) - 1
    if thresholds_with_epsilon:
        bucket_indices = ops.relu(bucket_indices)
    bucket_indices = ops.cast(bucket_indices, "int32")
    # Predictions below the first threshold fall in bucket -1 and count nowhere.
    in_range = ops.greater_equal(bucket_indices, 0)
    bucketed_true = ops.where(in_range, true_labels, ops.zeros_like(true_labels))
    bucketed_false = ops.where(in_range, false_labels, ops.zeros_like(false_labels))
    bucket_indices = ops.maximum(bucket_indices, 0)
    if multi_label:
        # One segment per (label, bucket): segment id = label * num_thresholds + bucket.
        num_labels = y_pred.shape[-1]
        offsets = ops.arange(num_labels, dtype="int32") * num_thresholds
        segment_ids = ops.reshape(bucket_indices + offsets, [-1])
        tp_buckets = ops.reshape(
            ops.segment_sum(ops.reshape(bucketed_true, [-1]), segment_ids,
                            num_segments=num_labels * num_thresholds),
            [num_labels, num_thresholds])
        fp_buckets = ops.reshape(
            ops.segment_sum(ops.reshape(bucketed_false, [-1]), segment_ids,
                            num_segments=num_labels * num_thresholds),
            [num_labels, num_thresholds])
        tp = ops.transpose(_reverse_cumsum(tp_buckets, axis=1))
        fp = ops.transpose(_reverse_cumsum(fp_buckets, axis=1))
        total_true = ops.sum(true_labels, axis=0)
        total_false = ops.sum(false_labels, axis=0)
    else:
        tp_buckets = ops.segment_sum(bucketed_true, bucket_indices,
                                     num_segments=num_thresholds)
        fp_buckets = ops.segment_sum(bucketed_false, bucket_indices,
                                     num_segments=num_thresholds)
        tp = _reverse_cumsum(tp_buckets, axis=0)
        fp = _reverse_cumsum(fp_buckets, axis=0)
        total_true = ops.sum(true_labels)
        total_false = ops.sum(false_labels)
    updates = {
        ConfusionMatrix.TRUE_POSITIVES: lambda: tp,
        ConfusionMatrix.FALSE_POSITIVES: lambda: fp,
        ConfusionMatrix.TRUE_NEGATIVES: lambda: total_false - fp,
        ConfusionMatrix.FALSE_NEGATIVES: lambda: total_true - tp,
    }
    for key, variable in variables_to_update.items():
        variable.assign(variable.value + ops.cast(updates[key](), variable.dtype))


def update_confusion_matrix_variables(variables_to_update, y_true, y_pred, thresholds,
                                      top_k=None, class_id=None, sample_weight=None,
                                      multi_label=False, label_weights=None,
                                      thresholds_distributed_evenly=False):
    """Adds this batch's true/false positive/negative counts at each threshold.

    Args:
        variables_to_update: `{ConfusionMatrix.X: variable}`, variables of shape
            `(num_thresholds,)` (or `(num_thresholds, num_labels)` when `multi_label`).
        y_true: labels, cast to bool.
        y_pred: predictions in [0, 1].
        thresholds: a list or array of thresholds; a prediction is positive when
            `y_pred > threshold`.
        top_k: only the `top_k` largest predictions of each sample may be positive.
        class_id: only this class (last axis) is counted.
        sample_weight: optional weights broadcastable to `y_pred`.
        multi_label: whether labels are counted separately (last axis).
        label_weights: per-label weights (not with `multi_label`).
        thresholds_distributed_evenly: use the bucketing algorithm.
    """
    if multi_label and label_weights is not None:
        raise ValueError(
            "`label_weights` for multilabel data should be handled outside of "
            "`update_confusion_matrix_variables` when `multi_label` is True."
        )
    if variables_to_update is None:
        return
    valid_keys = list(ConfusionMatrix)
    if not any(key in valid_keys for key in variables_to_update):
        raise ValueError(
            "Please provide at least one valid confusion matrix variable to update. Valid "
            f'variable key options are: "{valid_keys}". Received: '
            f'"{list(variables_to_update.keys())}"'
        )
    invalid_keys = [key for key in variables_to_update if key not in valid_keys]
    if invalid_keys:
        raise ValueError(
            f'Invalid keys: "{invalid_keys}". Valid variable key options are: "{valid_keys}"'
        )
    variable_dtype = list(variables_to_update.values())[0].dtype
    y_true = ops.cast(y_true, dtype=variable_dtype)
    y_pred = ops.cast(y_pred, dtype=variable_dtype)
    thresholds_with_epsilon = False
    if thresholds_distributed_evenly:
        thresholds_with_epsilon = bool(thresholds[0] < 0.0 or thresholds[-1] > 1.0)
    thresholds = ops.convert_to_tensor(np.asarray(thresholds), dtype=variable_dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = ops.expand_dims(ops.cast(sample_weight, dtype=variable_dtype), axis=-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if thresholds_distributed_evenly:
        return _update_evenly_distributed(
            variables_to_update, y_true, y_pred, thresholds, multi_label=multi_label,
            sample_weights=sample_weight, label_weights=label_weights,
            thresholds_with_epsilon=thresholds_with_epsilon)

    # Compare every prediction with every threshold: shape (thresholds, predictions...).
    if multi_label:
        predictions = ops.expand_dims(y_pred, 0)
        labels = ops.expand_dims(ops.cast(y_true, "bool"), 0)
        thresholds_b = ops.reshape(thresholds, [-1] + [1] * len(y_pred.shape))
    else:
        predictions = ops.reshape(y_pred, [1, -1])
        labels = ops.reshape(ops.cast(y_true, "bool"), [1, -1])
        thresholds_b = ops.reshape(thresholds, [-1, 1])
    pred_is_pos = ops.greater(predictions, thresholds_b)
    label_is_pos = labels
    weights = None
    if sample_weight is not None:
        weights = ops.broadcast_to(ops.cast(sample_weight, dtype=y_pred.dtype),
                                   ops.shape(y_pred))
        weights = ops.expand_dims(weights, 0) if multi_label else ops.reshape(weights, [1, -1])
    if label_weights is not None and not multi_label:
        lw = ops.broadcast_to(ops.expand_dims(ops.convert_to_tensor(label_weights), 0),
                              ops.shape(y_pred))
        lw = ops.reshape(ops.cast(lw, y_pred.dtype), [1, -1])
        weights = lw if weights is None else ops.multiply(weights, lw)

    def count(label, pred, variable):
        both = ops.logical_and(label, pred)
        if weights is not None:
            values = ops.where(both, ops.cast(weights, variable.dtype),
                               ops.zeros((), dtype=variable.dtype))
        else:
            values = ops.cast(both, dtype=variable.dtype)
        summed = ops.sum(values, axis=1)
        variable.assign(variable.value + summed)

    pred_is_neg = ops.logical_not(pred_is_pos)
    label_is_neg = ops.logical_not(label_is_pos)
    conditions = {
        ConfusionMatrix.TRUE_POSITIVES: (label_is_pos, pred_is_pos),
        ConfusionMatrix.FALSE_NEGATIVES: (label_is_pos, pred_is_neg),
        ConfusionMatrix.FALSE_POSITIVES: (label_is_neg, pred_is_pos),
        ConfusionMatrix.TRUE_NEGATIVES: (label_is_neg, pred_is_neg),
    }
    for key, variable in variables_to_update.items():
        label, pred = conditions[key]
        count(label, pred, variable)


def _filter_top_k(x, k):
    """`x` with every entry outside the `k` largest of its row set to NEG_INF."""
    _, top_k_idx = ops.top_k(x, k)
    top_k_mask = ops.sum(ops.one_hot(top_k_idx, ops.shape(x)[-1], axis=-1, dtype=x.dtype),
                         axis=-2)
    return x * top_k_mask + NEG_INF * (1 - top_k_mask)


def confusion_matrix(labels, predictions, num_classes, weights=None, dtype="int32"):
    """The `(num_classes, num_classes)` matrix of (weighted) counts, rows = labels."""
    labels = ops.convert_to_tensor(labels, dtype)
    predictions = ops.convert_to_tensor(predictions, dtype)
    labels, predictions = squeeze_or_expand_to_same_rank(labels, predictions)
    if weights is not None:
        weights = ops.convert_to_tensor(weights, dtype)
    indices = ops.cast(ops.stack([labels, predictions], axis=1), "int64")
    values = ops.ones_like(predictions, dtype) if weights is None else weights
    values = ops.cast(values, dtype=dtype)
    num_classes = int(num_classes)
    return ops.scatter(indices, values, (num_classes, num_classes))
