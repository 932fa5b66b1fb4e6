"""Regression metrics: mean errors, RMSE, cosine similarity, log-cosh and R²."""

from lamina import ops
from lamina.api_export import export
from lamina.losses.loss import squeeze_or_expand_to_same_rank
from lamina.losses.losses import (
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
)
from lamina.metrics.metric import Metric
from lamina.metrics.reduction_metrics import Mean, MeanMetricWrapper


class _NamedWrapper(MeanMetricWrapper):
    """A mean-of-function metric whose config is its name and dtype."""

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@export("lamina.metrics.MeanSquaredError")
class MeanSquaredError(_NamedWrapper):
    """Mean of `square(y_true - y_pred)` over all values seen.

    Example:
    >>> m = lamina.metrics.MeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.25
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(fn=mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"


@export("lamina.metrics.MeanAbsoluteError")
class MeanAbsoluteError(_NamedWrapper):
    """Mean of `abs(y_true - y_pred)` over all values seen."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)
        self._direction = "down"


@export("lamina.metrics.MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(_NamedWrapper):
    """Mean of `100 * abs((y_true - y_pred) / y_true)` over all values seen."""

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)
        self._direction = "down"


@export("lamina.metrics.MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(_NamedWrapper):
    """Mean of `square(log(y_true + 1) - log(y_pred + 1))` over all values seen."""

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)
        self._direction = "down"


@export("lamina.metrics.RootMeanSquaredError")
class RootMeanSquaredError(Mean):
    """`sqrt` of the mean of `square(y_true - y_pred)` over all values seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        error_sq = ops.square(y_pred - y_true)
        return super().update_state(error_sq, sample_weight=sample_weight)

    def result(self):
        return ops.sqrt(super().result())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity of `y_true` and `y_pred` along `axis` (1 for equal directions)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_pred = ops.normalize(y_pred, axis=axis)
    y_true = ops.normalize(y_true, axis=axis)
    return ops.sum(y_true * y_pred, axis=axis)


@export("lamina.metrics.CosineSimilarity")
class CosineSimilarity(_NamedWrapper):
    """Mean cosine similarity between labels and predictions along `axis`.

    Args:
        axis: the axis of the vectors.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self._direction = "up"


@export("lamina.metrics.LogCoshError")
class LogCoshError(_NamedWrapper):
    """Mean of `log(cosh(y_pred - y_true))` over all values seen."""

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)
        self._direction = "down"


@export("lamina.metrics.R2Score")
class R2Score(Metric):
    """The coefficient of determination, `1 - SS_res / SS_tot`, per output then aggregated.

    Args:
        class_aggregation: None (one score per output), "uniform_average" or
            "variance_weighted_average".
        num_regressors: for the adjusted R², the number of independent variables (0: plain
            R²). When there are not more samples than regressors + 1, the plain score is
            returned.

    Example:
    >>> m = lamina.metrics.R2Score()
    >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
    >>> round(float(m.result()), 4)
    0.5714
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0,
                 name="r2_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        valid = (None, "uniform_average", "variance_weighted_average")
        if class_aggregation not in valid:
            raise ValueError(
                f"Invalid value for argument `class_aggregation`. Expected one of {valid}. "
                f"Received: class_aggregation={class_aggregation}"
            )
        if num_regressors < 0:
            raise ValueError(
                "Invalid value for argument `num_regressors`. Expected a value >= 0. "
                f"Received: num_regressors={num_regressors}"
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(shape=(), initializer="zeros", name="num_samples")
        self._built = False

    def _build(self, y_true_shape, y_pred_shape):
        if len(y_pred_shape) != 2 or len(y_true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={tuple(y_pred_shape)} and "
                f"y_true.shape={tuple(y_true_shape)}."
            )
        if y_pred_shape[-1] is None or y_true_shape[-1] is None:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim), with "
                "output_dim fully defined (not None). Received input shapes: "
                f"y_pred.shape={tuple(y_pred_shape)} and y_true.shape={tuple(y_true_shape)}."
            )
        num_classes = y_pred_shape[-1]
        self.squared_sum = self.add_variable(name="squared_sum", shape=(num_classes,),
                                             initializer="zeros")
        self.sum = self.add_variable(name="sum", shape=(num_classes,), initializer="zeros")
        self.total_mse = self.add_variable(name="residual", shape=(num_classes,),
                                           initializer="zeros")
        self.count = self.add_variable(name="count", shape=(num_classes,), initializer="zeros")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if sample_weight is None:
            sample_weight = 1
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=self.dtype)
        if len(sample_weight.shape) == 1:
            sample_weight = ops.expand_dims(sample_weight, axis=1)
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(y_true))
        weighted_y_true = y_true * sample_weight
        self.sum.assign(self.sum.value + ops.sum(weighted_y_true, axis=0))
        self.squared_sum.assign(self.squared_sum.value + ops.sum(y_true * weighted_y_true, axis=0))
        self.total_mse.assign(
            self.total_mse.value + ops.sum(ops.square(y_true - y_pred) * sample_weight, axis=0))
        self.count.assign(self.count.value + ops.sum(sample_weight, axis=0))
        nonzero_per_sample = ops.any(ops.not_equal(sample_weight, 0.0), axis=-1)
        self.num_samples.assign_add(ops.sum(ops.cast(nonzero_per_sample, self.dtype)))

    def result(self):
        mean = self.sum.value / self.count.value
        total = self.squared_sum.value - self.sum.value * mean
        raw_scores = 1 - self.total_mse.value / total
        raw_scores = ops.where(ops.isinf(raw_scores), ops.zeros_like(raw_scores), raw_scores)
        if self.class_aggregation == "uniform_average":
            r2_score = ops.mean(raw_scores)
        elif self.class_aggregation == "variance_weighted_average":
            r2_score = ops.sum(total * raw_scores) / ops.sum(total)
        else:
            r2_score = raw_scores
        if self.num_regressors != 0:
            # Keras warns and falls back to the plain score when n - 1 <= p; the choice is
            # made with `where` so that it also works inside a compiled step.
            n = ops.cast(self.num_samples.value, "float32")
            p = ops.cast(self.num_regressors, "float32")
            den = ops.subtract(ops.subtract(n, p), 1.0)
            safe_den = ops.where(den > 0, den, ops.ones_like(den))
            adjusted = ops.subtract(
                1.0, ops.divide(ops.multiply(ops.subtract(1.0, r2_score), ops.subtract(n, 1.0)),
                                safe_den))
            r2_score = ops.where(den > 0, adjusted, r2_score)
        return r2_score

    def reset_state(self):
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
