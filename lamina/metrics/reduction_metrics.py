"""Metrics that accumulate values: `Sum`, `Mean`, and `MeanMetricWrapper` (the mean of a
per-sample function such as a loss)."""

from lamina import backend, ops
from lamina.api_export import export
from lamina.losses import loss as loss_module
from lamina.metrics.metric import Metric
from lamina.saving import serialization_lib


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype, mask=None):
    """`(values, sample_weight)` reduced to one value per sample, weighted.

    `mask` (the mask Keras attaches to `values`) is merged into `sample_weight` when a weight
    is given, as in Keras.
    """
    dtype = dtype or backend.floatx()
    values = ops.cast(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
        if mask is not None:
            sample_weight = loss_module.apply_mask(sample_weight, mask, dtype=dtype,
                                                   reduction="sum")
        values, sample_weight = loss_module.squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = len(sample_weight.shape)
        values_ndim = len(values.shape)
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=list(range(weight_ndim, values_ndim)))
        sample_weight = ops.broadcast_to(sample_weight, ops.shape(values))
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=list(range(1, weight_ndim)))
    values_ndim = len(values.shape)
    if values_ndim > 1:
        values = reduce_fn(values, axis=list(range(1, values_ndim)))
    return values, sample_weight


@export("lamina.metrics.Sum")
class Sum(Metric):
    """The (weighted) sum of all values seen.

    Example:
    >>> m = lamina.metrics.Sum()
    >>> m.update_state([1, 3, 5, 7])
    >>> float(m.result())
    16.0
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")

    def update_state(self, values, sample_weight=None):
        values, _ = reduce_to_samplewise_values(values, sample_weight, reduce_fn=ops.sum,
                                                dtype=self.dtype)
        self.total.assign_add(ops.sum(values))

    def reset_state(self):
        self.total.assign(ops.zeros((), dtype=self.total.dtype))

    def result(self):
        return ops.cast(self.total, self.dtype)


@export("lamina.metrics.Mean")
class Mean(Metric):
    """The (weighted) mean of all values seen: `total / count`.

    Example:
    >>> m = lamina.metrics.Mean()
    >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    >>> float(m.result())
    2.0
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", dtype=self.dtype,
                                       name="count")

    def update_state(self, values, sample_weight=None):
        self._update_mean(values, sample_weight)

    def _update_mean(self, values, sample_weight=None, mask=None):
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, reduce_fn=ops.mean, dtype=self.dtype, mask=mask)
        self.total.assign_add(ops.sum(values))
        if sample_weight is not None:
            num_samples = ops.sum(sample_weight)
        elif len(values.shape) >= 1:
            num_samples = ops.shape(values)[0]
        else:
            num_samples = 1
        self.count.assign_add(ops.cast(num_samples, dtype=self.dtype))

    def reset_state(self):
        self.total.assign(ops.zeros((), dtype=self.total.dtype))
        self.count.assign(ops.zeros((), dtype=self.count.dtype))

    def result(self):
        return ops.divide_no_nan(self.total.value, ops.cast(self.count.value, dtype=self.dtype))


@export("lamina.metrics.MeanMetricWrapper")
class MeanMetricWrapper(Mean):
    """The mean of `fn(y_true, y_pred, **kwargs)` over all samples seen.

    Args:
        fn: a function of `(y_true, y_pred)` giving per-sample values.
        name: the metric's name.
        dtype: the computation's dtype.
        **kwargs: passed to `fn`.

    Example:
    >>> m = lamina.metrics.MeanMetricWrapper(lamina.losses.mean_squared_error)
    >>> m.update_state([[0.0, 1.0]], [[1.0, 1.0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        from lamina import losses

        loss_objects = list(losses.all_objects().values())
        if any(fn is obj for obj in loss_objects) or any(
                type(fn) is obj for obj in loss_objects):
            self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None, mask=None):
        """Adds a batch. `mask` stands for the Keras mask of `y_pred` (entries that count)."""
        masked_fn = getattr(self._fn, "_with_mask", None)
        if masked_fn is not None:
            values, values_mask = masked_fn(y_true, y_pred, **self._fn_kwargs)
        else:
            values, values_mask = self._fn(y_true, y_pred, **self._fn_kwargs), None
        sample_weight = loss_module.apply_mask(sample_weight, mask, dtype=self.dtype,
                                               reduction="sum")
        return self._update_mean(values, sample_weight=sample_weight, mask=values_mask)

    def get_config(self):
        base_config = super().get_config()
        config = {"fn": serialization_lib.serialize_keras_object(self._fn)}
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return {**base_config, **config}

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            config = serialization_lib.deserialize_keras_object(config)
        return cls(**config)
