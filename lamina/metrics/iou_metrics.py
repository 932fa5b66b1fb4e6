"""Intersection-over-union metrics, from an accumulated confusion matrix of class ids."""

import warnings

from lamina import backend, ops
from lamina.api_export import export
from lamina.metrics.metric import Metric
from lamina.metrics.metrics_utils import confusion_matrix


class _IoUBase(Metric):
    """Accumulates the `(num_classes, num_classes)` confusion matrix (rows: labels)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable(name="total_confusion_matrix",
                                          shape=(num_classes, num_classes),
                                          initializer="zeros", dtype=self.dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch of class ids (or one-hot / scores when not sparse)."""
        if not self.sparse_y_true:
            y_true = ops.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = ops.argmax(y_pred, axis=self.axis)
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if len(y_pred.shape) > 1:
            y_pred = ops.reshape(y_pred, [-1])
        if len(y_true.shape) > 1:
            y_true = ops.reshape(y_true, [-1])
        if sample_weight is None:
            sample_weight = 1
        elif (hasattr(sample_weight, "dtype") and "float" in str(sample_weight.dtype)
              and "int" in str(self.dtype)):
            warnings.warn(
                "You are passing weight as `float`, but dtype is `int`. This may result in an "
                "incorrect weight due to type casting. Consider using integer weights.",
                stacklevel=2,
            )
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
        if len(sample_weight.shape) > 1:
            sample_weight = ops.reshape(sample_weight, [-1])
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(y_true))
        num_cls = ops.convert_to_tensor(self.num_classes, dtype=y_true.dtype)
        in_bounds = ops.logical_and(
            ops.logical_and(ops.greater_equal(y_true, 0), ops.less(y_true, num_cls)),
            ops.logical_and(ops.greater_equal(y_pred, 0), ops.less(y_pred, num_cls)),
        )
        if self.ignore_class is not None:
            ignore_class = ops.convert_to_tensor(self.ignore_class, y_true.dtype)
            in_bounds = ops.logical_and(in_bounds, ops.not_equal(y_true, ignore_class))
        y_true = ops.where(in_bounds, y_true, ops.zeros_like(y_true))
        y_pred = ops.where(in_bounds, y_pred, ops.zeros_like(y_pred))
        sample_weight = ops.cast(
            ops.where(in_bounds, sample_weight, ops.zeros_like(sample_weight)), self.dtype)
        current_cm = confusion_matrix(y_true, y_pred, self.num_classes, weights=sample_weight,
                                      dtype=self.dtype)
        self.total_cm.assign(self.total_cm.value + current_cm)

    def reset_state(self):
        self.total_cm.assign(ops.zeros(self.total_cm.shape, dtype=self.total_cm.dtype))


@export("lamina.metrics.IoU")
class IoU(_IoUBase):
    """Mean of `TP / (TP + FP + FN)` over `target_class_ids` (classes never seen are left out).

    Args:
        num_classes: the number of classes.
        target_class_ids: the classes averaged over.
        ignore_class: a label whose entries are left out.
        sparse_y_true: whether labels are class ids (else one-hot, argmax taken).
        sparse_y_pred: whether predictions are class ids (else scores, argmax taken).
        axis: the class axis for the argmax.

    Example:
    >>> m = lamina.metrics.IoU(num_classes=2, target_class_ids=[0])
    >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
    >>> round(float(m.result()), 4)  # 1 / (2 + 2 - 1)
    0.3333
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis,
                         dtype=dtype)
        if max(target_class_ids) >= num_classes:
            raise ValueError(
                f"Target class id {max(target_class_ids)} is out of range, which is "
                f"[0, {num_classes})."
            )
        self.target_class_ids = list(target_class_ids)

    def result(self):
        cm = self.total_cm.value
        sum_over_row = ops.cast(ops.sum(cm, axis=0), dtype=self.dtype)
        sum_over_col = ops.cast(ops.sum(cm, axis=1), dtype=self.dtype)
        true_positives = ops.cast(ops.diagonal(cm), dtype=self.dtype)
        denominator = sum_over_row + sum_over_col - true_positives
        target_class_ids = ops.convert_to_tensor(self.target_class_ids, dtype="int32")
        true_positives = ops.cast(ops.take(true_positives, target_class_ids), "float32")
        denominator = ops.cast(ops.take(denominator, target_class_ids), "float32")
        valid_entries = ops.greater(denominator, 1e-9)
        num_valid_entries = ops.sum(ops.cast(valid_entries, "float32"))
        iou = ops.divide(true_positives, denominator + backend.epsilon())
        iou = ops.where(valid_entries, iou, ops.zeros_like(iou))
        return ops.divide(ops.sum(iou, axis=self.axis), num_valid_entries + backend.epsilon())

    def get_config(self):
        config = {
            "num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
            "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
            "sparse_y_pred": self.sparse_y_pred, "axis": self.axis,
        }
        return {**super().get_config(), **config}


@export("lamina.metrics.BinaryIoU")
class BinaryIoU(IoU):
    """IoU of binary labels and predictions thresholded at `threshold`.

    Args:
        target_class_ids: which of the classes (0, 1) are averaged.
        threshold: predictions >= threshold count as class 1.
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype="float32")
        y_pred = ops.cast(ops.greater_equal(y_pred, self.threshold), self.dtype)
        return super().update_state(y_true, y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self._dtype}


@export("lamina.metrics.MeanIoU")
class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes.

    Args:
        num_classes: the number of classes.
        ignore_class: a label whose entries are left out.
        sparse_y_true: whether labels are class ids.
        sparse_y_pred: whether predictions are class ids.
        axis: the class axis for the argmax.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, num_classes=num_classes,
                         target_class_ids=list(range(num_classes)), axis=axis, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self._dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@export("lamina.metrics.OneHotIoU")
class OneHotIoU(IoU):
    """IoU of one-hot labels and class scores (argmax taken along `axis`)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None,
                 ignore_class=None, sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, target_class_ids=target_class_ids,
                         name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self._dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


@export("lamina.metrics.OneHotMeanIoU")
class OneHotMeanIoU(MeanIoU):
    """Mean IoU of one-hot labels and class scores over all classes."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes=num_classes, axis=axis, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self._dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
