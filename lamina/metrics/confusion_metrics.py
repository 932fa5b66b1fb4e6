"""Metrics from confusion-matrix counts at thresholds: the four counts, precision, recall,
the sensitivity/specificity/precision/recall trade-offs, and AUC."""

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.metrics import metrics_utils
from lamina.metrics.metric import Metric

_CM = metrics_utils.ConfusionMatrix


def _zeros_variable(metric, shape, name):
    return metric.add_variable(shape=shape, initializer="zeros", name=name)


def _first_or_all(value, thresholds):
    return value[0] if len(thresholds) == 1 else value


class _ConfusionMatrixConditionCount(Metric):
    """The (weighted) count of one confusion-matrix condition at each threshold."""

    def __init__(self, confusion_matrix_cond, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._confusion_matrix_cond = confusion_matrix_cond
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds)
        self.accumulator = _zeros_variable(self, (len(self.thresholds),), "accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        metrics_utils.update_confusion_matrix_variables(
            {self._confusion_matrix_cond: self.accumulator}, y_true, y_pred,
            thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight)

    def result(self):
        return ops.convert_to_tensor(_first_or_all(self.accumulator.value, self.thresholds))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


@export("lamina.metrics.FalsePositives")
class FalsePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false positives: prediction above threshold, label 0.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5); one count each.
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(_CM.FALSE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


@export("lamina.metrics.FalseNegatives")
class FalseNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of false negatives: prediction at or below threshold, label 1.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(_CM.FALSE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


@export("lamina.metrics.TrueNegatives")
class TrueNegatives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true negatives.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(_CM.TRUE_NEGATIVES, thresholds=thresholds, name=name, dtype=dtype)


@export("lamina.metrics.TruePositives")
class TruePositives(_ConfusionMatrixConditionCount):
    """The (weighted) number of true positives.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5).
    """

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(_CM.TRUE_POSITIVES, thresholds=thresholds, name=name, dtype=dtype)


class _PrecisionRecallBase(Metric):
    _second = None  # the condition besides true positives: FALSE_POSITIVES or FALSE_NEGATIVES
    _second_name = None

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default_threshold = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_init_thresholds(
            thresholds, default_threshold=default_threshold)
        self._thresholds_distributed_evenly = metrics_utils.is_evenly_distributed_thresholds(
            self.thresholds)
        self.true_positives = _zeros_variable(self, (len(self.thresholds),), "true_positives")
        setattr(self, self._second_name,
                _zeros_variable(self, (len(self.thresholds),), self._second_name))

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch: labels, predictions in [0, 1], optional sample weights."""
        metrics_utils.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives,
             self._second: getattr(self, self._second_name)},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            top_k=self.top_k, class_id=self.class_id, sample_weight=sample_weight)

    def result(self):
        tp = self.true_positives.value
        other = getattr(self, self._second_name).value
        return _first_or_all(ops.divide_no_nan(tp, ops.add(tp, other)), self.thresholds)

    def reset_state(self):
        n = len(self.thresholds)
        self.true_positives.assign(ops.zeros((n,)))
        getattr(self, self._second_name).assign(ops.zeros((n,)))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


@export("lamina.metrics.Precision")
class Precision(_PrecisionRecallBase):
    """`true_positives / (true_positives + false_positives)` at each threshold.

    Args:
        thresholds: a float or list of floats in [0, 1] (default 0.5, or "top-k only" when
            `top_k` is set).
        top_k: only the `top_k` largest predictions of a sample count as positive.
        class_id: only this class is measured.

    Example:
    >>> m = lamina.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> round(float(m.result()), 4)  # 2 / 3
    0.6667
    """

    _second = _CM.FALSE_POSITIVES
    _second_name = "false_positives"


@export("lamina.metrics.Recall")
class Recall(_PrecisionRecallBase):
    """`true_positives / (true_positives + false_negatives)` at each threshold.

    Args:
        thresholds: a float or list of floats in [0, 1].
        top_k: only the `top_k` largest predictions of a sample count as positive.
        class_id: only this class is measured.
    """

    _second = _CM.FALSE_NEGATIVES
    _second_name = "false_negatives"


class SensitivitySpecificityBase(Metric):
    """Counts all four conditions at `num_thresholds` evenly spaced thresholds; subclasses
    find the best value of one rate subject to a bound on another."""

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if num_thresholds <= 0:
            raise ValueError(
                "Argument `num_thresholds` must be an integer > 0. Received: "
                f"num_thresholds={num_thresholds}"
            )
        self.value = value
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds = [0.5]
            self._thresholds_distributed_evenly = False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds = [0.0] + inner + [1.0]
            self._thresholds_distributed_evenly = True
        n = len(self.thresholds)
        self.true_positives = _zeros_variable(self, (n,), "true_positives")
        self.false_positives = _zeros_variable(self, (n,), "false_positives")
        self.true_negatives = _zeros_variable(self, (n,), "true_negatives")
        self.false_negatives = _zeros_variable(self, (n,), "false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        metrics_utils.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives, _CM.TRUE_NEGATIVES: self.true_negatives,
             _CM.FALSE_POSITIVES: self.false_positives,
             _CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, thresholds=self.thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            class_id=self.class_id, sample_weight=sample_weight)

    def reset_state(self):
        n = len(self.thresholds)
        for v in (self.true_positives, self.false_positives, self.true_negatives,
                  self.false_negatives):
            v.assign(ops.zeros((n,)))

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id}

    def _find_max_under_constraint(self, constrained, dependent, predicate):
        """The largest `dependent` among thresholds where `predicate(constrained, value)`."""
        feasible = predicate(constrained, self.value)
        return ops.max(ops.where(feasible, dependent, ops.zeros_like(dependent)), initial=0)

    def _rates(self):
        tp, fp = self.true_positives.value, self.false_positives.value
        tn, fn = self.true_negatives.value, self.false_negatives.value
        return {
            "sensitivity": ops.divide_no_nan(tp, ops.add(tp, fn)),  # = recall
            "specificity": ops.divide_no_nan(tn, ops.add(tn, fp)),
            "precision": ops.divide_no_nan(tp, ops.add(tp, fp)),
        }


def _check_rate(name, value):
    if value < 0 or value > 1:
        raise ValueError(f"Argument `{name}` must be in the range [0, 1]. Received: {name}={value}")


@export("lamina.metrics.SensitivityAtSpecificity")
class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= `specificity`.

    Args:
        specificity: in [0, 1].
        num_thresholds: how many evenly spaced thresholds are tried.
        class_id: only this class is measured.
    """

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("specificity", specificity)
        self.specificity = specificity
        self.num_thresholds = num_thresholds
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["specificity"], rates["sensitivity"],
                                               ops.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "specificity": self.specificity}


@export("lamina.metrics.SpecificityAtSensitivity")
class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity is >= `sensitivity`.

    Args:
        sensitivity: in [0, 1].
        num_thresholds: how many evenly spaced thresholds are tried.
        class_id: only this class is measured.
    """

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("sensitivity", sensitivity)
        self.sensitivity = sensitivity
        self.num_thresholds = num_thresholds
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["sensitivity"], rates["specificity"],
                                               ops.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "sensitivity": self.sensitivity}


@export("lamina.metrics.PrecisionAtRecall")
class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= `recall`.

    Args:
        recall: in [0, 1].
        num_thresholds: how many evenly spaced thresholds are tried.
        class_id: only this class is measured.
    """

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("recall", recall)
        self.recall = recall
        self.num_thresholds = num_thresholds
        super().__init__(value=recall, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["sensitivity"], rates["precision"],
                                               ops.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "recall": self.recall}


@export("lamina.metrics.RecallAtPrecision")
class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= `precision`.

    Args:
        precision: in [0, 1].
        num_thresholds: how many evenly spaced thresholds are tried.
        class_id: only this class is measured.
    """

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        _check_rate("precision", precision)
        self.precision = precision
        self.num_thresholds = num_thresholds
        super().__init__(value=precision, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)

    def result(self):
        rates = self._rates()
        return self._find_max_under_constraint(rates["precision"], rates["sensitivity"],
                                               ops.greater_equal)

    def get_config(self):
        return {**super().get_config(), "num_thresholds": self.num_thresholds,
                "precision": self.precision}


@export("lamina.metrics.AUC")
class AUC(Metric):
    """Area under the ROC or precision-recall curve, from counts at many thresholds.

    Args:
        num_thresholds: how many evenly spaced thresholds discretize the curve (> 1).
        curve: "ROC", "PR" or "PRGAIN".
        summation_method: "interpolation" (trapezoids; for PR the Davis & Goadrich
            interpolation), "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] instead of `num_thresholds`.
        multi_label: whether each label (last axis) gets its own curve, then averaged.
        num_labels: the number of labels, when `multi_label` (else found on first update).
        label_weights: per-label weights of the average (or of the counts when not
            `multi_label`).
        from_logits: whether predictions are logits (a sigmoid is applied).

    Example:
    >>> m = lamina.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            thresholds = sorted(thresholds)
            self._thresholds_distributed_evenly = (
                metrics_utils.is_evenly_distributed_thresholds(
                    np.array([0.0] + thresholds + [1.0])))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. Received: "
                    f"num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._thresholds_distributed_evenly = True
        # Epsilons make predictions of exactly 0 or 1 fall inside the outer thresholds.
        self._thresholds = np.array(
            [0.0 - backend.epsilon()] + list(thresholds) + [1.0 + backend.epsilon()])
        if isinstance(curve, metrics_utils.AUCCurve):
            self.curve = curve
        else:
            self.curve = metrics_utils.AUCCurve.from_str(curve)
        if isinstance(summation_method, metrics_utils.AUCSummationMethod):
            self.summation_method = summation_method
        else:
            self.summation_method = metrics_utils.AUCSummationMethod.from_str(summation_method)
        super().__init__(name=name, dtype=dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        if label_weights is not None:
            self.label_weights = ops.convert_to_tensor(label_weights, dtype=self.dtype)
        else:
            self.label_weights = None
        self._from_logits = from_logits
        self._built = False
        if self.multi_label:
            if num_labels:
                self._build([None, num_labels])
        else:
            if num_labels:
                raise ValueError("`num_labels` is needed only when `multi_label` is True.")
            self._build(None)

    @property
    def thresholds(self):
        """The thresholds used, the two outer ones (0 - eps, 1 + eps) included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    f"`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._build_input_shape = shape
        self.true_positives = _zeros_variable(self, variable_shape, "true_positives")
        self.false_positives = _zeros_variable(self, variable_shape, "false_positives")
        self.true_negatives = _zeros_variable(self, variable_shape, "true_negatives")
        self.false_negatives = _zeros_variable(self, variable_shape, "false_negatives")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Adds a batch: labels, predictions (probabilities or logits), optional weights."""
        y_pred = ops.convert_to_tensor(y_pred)
        if not self._built:
            self._build(tuple(y_pred.shape))
        label_weights = None if self.multi_label else self.label_weights
        if self._from_logits:
            y_pred = ops.sigmoid(y_pred)
        metrics_utils.update_confusion_matrix_variables(
            {_CM.TRUE_POSITIVES: self.true_positives, _CM.TRUE_NEGATIVES: self.true_negatives,
             _CM.FALSE_POSITIVES: self.false_positives,
             _CM.FALSE_NEGATIVES: self.false_negatives},
            y_true, y_pred, self._thresholds,
            thresholds_distributed_evenly=self._thresholds_distributed_evenly,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=label_weights)

    def _average_over_labels(self, by_threshold):
        if not self.multi_label:
            return ops.sum(by_threshold)
        by_label_auc = ops.sum(by_threshold, axis=0)
        if self.label_weights is None:
            return ops.mean(by_label_auc)
        return ops.divide_no_nan(ops.sum(ops.multiply(by_label_auc, self.label_weights)),
                                 ops.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC by the interpolation of Davis & Goadrich (2006): precision varies along
        each segment as the ratio of two linear functions of the true positives."""
        n = self.num_thresholds
        tp = self.true_positives.value
        fp = self.false_positives.value
        fn = self.false_negatives.value
        dtp = ops.subtract(tp[: n - 1], tp[1:])
        p = ops.add(tp, fp)
        dp = ops.subtract(p[: n - 1], p[1:])
        prec_slope = ops.divide_no_nan(dtp, ops.maximum(dp, 0))
        intercept = ops.subtract(tp[1:], ops.multiply(prec_slope, p[1:]))
        safe_p_ratio = ops.where(
            ops.logical_and(p[: n - 1] > 0, p[1:] > 0),
            ops.divide_no_nan(p[: n - 1], ops.maximum(p[1:], 0)),
            ops.ones_like(p[1:]),
        )
        pr_auc_increment = ops.divide_no_nan(
            ops.multiply(prec_slope, ops.add(dtp, ops.multiply(intercept,
                                                               ops.log(safe_p_ratio)))),
            ops.maximum(ops.add(tp[1:], fn[1:]), 0),
        )
        return self._average_over_labels(pr_auc_increment)

    def result(self):
        if (self.curve == metrics_utils.AUCCurve.PR and self.summation_method
                == metrics_utils.AUCSummationMethod.INTERPOLATION):
            return self.interpolate_pr_auc()
        tp = self.true_positives.value
        fp = self.false_positives.value
        tn = self.true_negatives.value
        fn = self.false_negatives.value
        recall = ops.divide_no_nan(tp, ops.add(tp, fn))
        if self.curve == metrics_utils.AUCCurve.ROC:
            x = ops.divide_no_nan(fp, ops.add(fp, tn))
            y = recall
        elif self.curve == metrics_utils.AUCCurve.PR:
            x = recall
            y = ops.divide_no_nan(tp, ops.add(tp, fp))
        else:  # PRGAIN (Flach & Kull, 2015)
            scaling_factor = ops.divide_no_nan(ops.add(tp, fn), ops.add(tn, fp))
            recall_gain = 1.0 - scaling_factor * ops.divide_no_nan(fn, tp)
            precision_gain = 1.0 - scaling_factor * ops.divide_no_nan(fp, tp)
            no_tp = ops.equal(tp, 0.0)
            recall_gain = ops.where(no_tp, ops.zeros_like(recall_gain), recall_gain)
            precision_gain = ops.where(no_tp, ops.ones_like(precision_gain), precision_gain)
            x = ops.maximum(recall_gain, 0.0)
            y = precision_gain
        n = self.num_thresholds
        if self.summation_method == metrics_utils.AUCSummationMethod.INTERPOLATION:
            heights = ops.divide(ops.add(y[: n - 1], y[1:]), 2.0)
        elif self.summation_method == metrics_utils.AUCSummationMethod.MINORING:
            heights = ops.minimum(y[: n - 1], y[1:])
        else:
            heights = ops.maximum(y[: n - 1], y[1:])
        riemann_terms = ops.multiply(ops.subtract(x[: n - 1], x[1:]), heights)
        return self._average_over_labels(riemann_terms)

    def reset_state(self):
        if self._built:
            for v in (self.true_positives, self.false_positives, self.true_negatives,
                      self.false_negatives):
                v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        label_weights = self.label_weights
        if label_weights is not None:
            label_weights = np.asarray(ops.convert_to_numpy(label_weights)).tolist()
        config = {
            "num_thresholds": self.num_thresholds,
            "curve": self.curve.value,
            "summation_method": self.summation_method.value,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": label_weights,
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self.thresholds[1:-1]]
        return {**super().get_config(), **config}
