"""F-scores: the weighted harmonic mean of precision and recall, per class or averaged."""

from lamina import backend, ops
from lamina.api_export import export
from lamina.metrics.metric import Metric


@export("lamina.metrics.FBetaScore")
class FBetaScore(Metric):
    """`(1 + beta**2) * precision * recall / (beta**2 * precision + recall)` over classes.

    Args:
        average: None (one score per class), "micro" (counts pooled over classes), "macro"
            (unweighted mean of class scores) or "weighted" (mean weighted by support).
        beta: how much more recall counts than precision (a float > 0).
        threshold: predictions above it count as positive; None: the largest prediction of
            each sample.

    Example:
    >>> m = lamina.metrics.FBetaScore(average="macro", beta=2.0)
    >>> m.update_state(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.6, 0.4]]))
    >>> round(float(m.result()), 4)
    1.0
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError(
                "Invalid `average` argument value. Expected one of: {None, 'micro', 'macro', "
                f"'weighted'}}. Received: average={average}"
            )
        if not isinstance(beta, float):
            raise ValueError(
                "Invalid `beta` argument value. It should be a Python float. Received: "
                f"beta={beta} of type '{type(beta)}'"
            )
        if beta <= 0.0:
            raise ValueError(
                f"Invalid `beta` argument value. It should be > 0. Received: beta={beta}")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(
                    "Invalid `threshold` argument value. It should be a Python float. "
                    f"Received: threshold={threshold} of type '{type(threshold)}'"
                )
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(
                    "Invalid `threshold` argument value. It should verify 0 < threshold <= 1. "
                    f"Received: threshold={threshold}"
                )
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim). Received "
                f"input shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                "FBetaScore expects 2D inputs with shape (batch_size, output_dim), with "
                "output_dim fully defined (not None). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        shape = () if self.average == "micro" else (y_pred_shape[-1],)

        def zeros(name):
            return self.add_variable(name=name, shape=shape, initializer="zeros",
                                     dtype=self.dtype)

        self.true_positives = zeros("true_positives")
        self.false_positives = zeros("false_positives")
        self.false_negatives = zeros("false_negatives")
        self.intermediate_weights = zeros("intermediate_weights")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if self.threshold is None:
            threshold = ops.max(y_pred, axis=-1, keepdims=True)
            # The largest prediction of each row is positive (unless it is 0).
            y_pred = ops.logical_and(y_pred >= threshold, ops.abs(y_pred) > 1e-9)
        else:
            y_pred = y_pred > self.threshold
        y_pred = ops.cast(y_pred, dtype=self.dtype)
        y_true = ops.cast(y_true, dtype=self.dtype)
        if sample_weight is not None:
            sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
            if len(sample_weight.shape) < len(y_true.shape):
                sample_weight = ops.expand_dims(
                    sample_weight, axis=list(range(len(sample_weight.shape), len(y_true.shape))))

        def weighted_sum(value):
            if sample_weight is not None:
                value = ops.multiply(value, sample_weight)
            return ops.sum(value, axis=self.axis)

        self.true_positives.assign(self.true_positives.value + weighted_sum(y_pred * y_true))
        self.false_positives.assign(
            self.false_positives.value + weighted_sum(y_pred * (1 - y_true)))
        self.false_negatives.assign(
            self.false_negatives.value + weighted_sum((1 - y_pred) * y_true))
        self.intermediate_weights.assign(
            self.intermediate_weights.value + weighted_sum(y_true))

    def result(self):
        tp = self.true_positives.value
        precision = ops.divide(tp, tp + self.false_positives.value + backend.epsilon())
        recall = ops.divide(tp, tp + self.false_negatives.value + backend.epsilon())
        precision = ops.convert_to_tensor(precision, dtype=self.dtype)
        recall = ops.convert_to_tensor(recall, dtype=self.dtype)
        mul_value = precision * recall
        add_value = (self.beta**2) * precision + recall
        mean = ops.divide(mul_value, add_value + backend.epsilon())
        f1_score = mean * (1 + self.beta**2)
        if self.average == "weighted":
            weights = ops.divide(self.intermediate_weights.value,
                                 ops.sum(self.intermediate_weights.value) + backend.epsilon())
            f1_score = ops.sum(f1_score * weights)
        elif self.average is not None:  # micro and macro
            f1_score = ops.mean(f1_score)
        return f1_score

    def get_config(self):
        return {**super().get_config(), "name": self.name, "dtype": self.dtype,
                "average": self.average, "beta": self.beta, "threshold": self.threshold}

    def reset_state(self):
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))


@export("lamina.metrics.F1Score")
class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (`FBetaScore` with beta = 1).

    Args:
        average: None, "micro", "macro" or "weighted" (see `FBetaScore`).
        threshold: predictions above it count as positive; None: the row's largest.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
