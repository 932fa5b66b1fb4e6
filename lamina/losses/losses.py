"""Every built-in loss: a function of `(y_true, y_pred)` giving per-sample values, and a
`Loss` class wrapping it with a reduction. Written once against `lamina.ops`.
"""

import warnings

from lamina import backend, ops, tree
from lamina.api_export import export
from lamina.losses.loss import Loss, squeeze_or_expand_to_same_rank
from lamina.saving import serialization_lib


def _loss_and_metric(name):
    return export(f"lamina.losses.{name}", f"lamina.metrics.{name}")


def _canonical_axis(axis, ndim, fn_name):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(
            f"{fn_name}: `axis` must be of type `int`. Received: axis={axis!r} of type "
            f"{type(axis).__name__}"
        )
    if not -ndim <= axis < ndim:
        raise ValueError(
            f"{fn_name}: `axis`={axis} is out of bounds for `y_pred` of rank {ndim}."
        )
    return axis % ndim


def _with_mask(masked_fn):
    """Attaches `masked_fn` (returning `(values, mask)`) to the public loss function, so that
    `Loss` objects and metrics can use the mask that Keras attaches to the values."""

    def decorate(fn):
        fn._with_mask = masked_fn
        return fn

    return decorate


class LossFunctionWrapper(Loss):
    """A `Loss` made from a function `fn(y_true, y_pred, **kwargs)` of per-sample losses.

    Args:
        fn: the loss function.
        reduction: see `Loss`.
        name: the loss's name.
        dtype: the computation's dtype.
        **kwargs: passed to `fn` on every call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def _same_rank(self, y_true, y_pred):
        pairs = tree.map_structure(squeeze_or_expand_to_same_rank, y_true, y_pred)
        y_true = tree.map_structure_up_to(y_true, lambda x: x[0], pairs)
        y_pred = tree.map_structure_up_to(y_pred, lambda x: x[1], pairs)
        return y_true, y_pred

    def call(self, y_true, y_pred):
        y_true, y_pred = self._same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _call_with_mask(self, y_true, y_pred):
        masked_fn = getattr(self.fn, "_with_mask", None)
        if masked_fn is None or type(self).call is not LossFunctionWrapper.call:
            return super()._call_with_mask(y_true, y_pred)
        y_true, y_pred = self._same_rank(y_true, y_pred)
        return masked_fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update({"fn": serialization_lib.serialize_keras_object(self.fn)})
        config.update(serialization_lib.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        if "fn" in config:
            config = serialization_lib.deserialize_keras_object(config)
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class _PlainWrapper(LossFunctionWrapper):
    """A wrapper whose config is only the base `Loss` config (name and reduction)."""

    def get_config(self):
        return Loss.get_config(self)


# -- regression ---------------------------------------------------------------------------------


@export("lamina.losses.MeanSquaredError")
class MeanSquaredError(_PlainWrapper):
    """Mean of the squares of the errors: `mean(square(y_true - y_pred), axis=-1)`.

    Example:
    >>> float(lamina.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.MeanAbsoluteError")
class MeanAbsoluteError(_PlainWrapper):
    """Mean of the absolute errors: `mean(abs(y_true - y_pred), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.MeanAbsolutePercentageError")
class MeanAbsolutePercentageError(_PlainWrapper):
    """`100 * mean(abs((y_true - y_pred) / y_true), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


@export("lamina.losses.MeanSquaredLogarithmicError")
class MeanSquaredLogarithmicError(_PlainWrapper):
    """`mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


@export("lamina.losses.CosineSimilarity")
class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity along `axis`: -1 for equal directions, 1 for opposite.

    Args:
        axis: the axis of the vectors.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)

    def get_config(self):
        config = super().get_config()
        config.pop("fn")
        return config


@export("lamina.losses.Huber")
class Huber(LossFunctionWrapper):
    """Quadratic for errors up to `delta`, linear beyond.

    Args:
        delta: where the loss turns from quadratic to linear.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)

    def get_config(self):
        config = super().get_config()
        config.pop("fn")
        return config


@export("lamina.losses.LogCosh")
class LogCosh(_PlainWrapper):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


# -- hinge --------------------------------------------------------------------------------------


@export("lamina.losses.Hinge")
class Hinge(_PlainWrapper):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; 0/1 labels are mapped to -1/1."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.SquaredHinge")
class SquaredHinge(_PlainWrapper):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.CategoricalHinge")
class CategoricalHinge(_PlainWrapper):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)


# -- probabilistic ------------------------------------------------------------------------------


@export("lamina.losses.KLDivergence")
class KLDivergence(_PlainWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.Poisson")
class Poisson(_PlainWrapper):
    """`mean(y_pred - y_true * log(y_pred), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.BinaryCrossentropy")
class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy between binary labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits rather than probabilities.
        label_smoothing: in [0, 1]; labels move towards 0.5 by this amount.
        axis: the axis averaged over.

    Example:
    >>> round(float(lamina.losses.BinaryCrossentropy()([[0.0, 1.0]], [[0.4, 0.6]])), 4)
    0.5108
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                       "axis": self.axis})
        return config


@export("lamina.losses.BinaryFocalCrossentropy")
class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy scaled by `(1 - p_t) ** gamma` to focus on hard examples.

    Args:
        apply_class_balancing: whether to weight positives by `alpha`, negatives by
            `1 - alpha`.
        alpha: the class-balancing weight.
        gamma: the focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1].
        axis: the axis averaged over.
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = Loss.get_config(self)
        config.update({
            "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
            "axis": self.axis, "apply_class_balancing": self.apply_class_balancing,
            "alpha": self.alpha, "gamma": self.gamma,
        })
        return config


@export("lamina.losses.CategoricalCrossentropy")
class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot (or soft) labels and predicted distributions.

    Args:
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards `1 / num_classes`.
        axis: the class axis.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
                       "axis": self.axis})
        return config


@export("lamina.losses.CategoricalFocalCrossentropy")
class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical cross-entropy scaled by `alpha * (1 - p) ** gamma`.

    Args:
        alpha: the weighting factor.
        gamma: the focusing parameter.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1].
        axis: the class axis.
    """

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = Loss.get_config(self)
        config.update({
            "from_logits": self.from_logits, "label_smoothing": self.label_smoothing,
            "axis": self.axis, "alpha": self.alpha, "gamma": self.gamma,
        })
        return config


@export("lamina.losses.SparseCategoricalCrossentropy")
class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer labels and predicted distributions.

    Args:
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value whose entries do not count (e.g. a padding class).
        axis: the class axis.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class,
                         axis=axis)

    def get_config(self):
        config = super().get_config()
        config.pop("fn")
        return config


@export("lamina.losses.CategoricalGeneralizedCrossEntropy")
class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy `(1 - p ** q) / q` (Zhang & Sabuncu, 2018), robust to noisy
    integer labels.

    Args:
        q: in (0, 1); near 0 it behaves like cross-entropy, near 1 like mean absolute error.
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(
                f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval (0, 1). "
                f"Received: q={q}"
            )
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"q": self.q})
        return config


# -- sequences, segmentation, similarity --------------------------------------------------------


@export("lamina.losses.CTC")
class CTC(_PlainWrapper):
    """Connectionist temporal classification loss; `y_true` holds label ids (0 is padding),
    `y_pred` logits of shape `(batch, time, classes)`."""

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)


@export("lamina.losses.Dice")
class Dice(LossFunctionWrapper):
    """`1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred))` over `axis`.

    Args:
        axis: the axes summed over (all when None).
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"axis": self.axis})
        return config


@export("lamina.losses.Tversky")
class Tversky(LossFunctionWrapper):
    """`1 - TP / (TP + alpha * FP + beta * FN)` over `axis`; Dice when alpha = beta = 0.5.

    Args:
        alpha: weight of false positives.
        beta: weight of false negatives.
        axis: the axes summed over (all when None).
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"alpha": self.alpha, "beta": self.beta, "axis": self.axis})
        return config


@export("lamina.losses.Circle")
class Circle(LossFunctionWrapper):
    """Circle loss (Sun et al., 2020) on L2-normalized embeddings `y_pred` with integer
    labels `y_true`; pairs of equal labels are pulled together, others pushed apart.

    Args:
        gamma: the scale factor.
        margin: the relaxation margin.
        remove_diagonal: whether each embedding's pair with itself is left out.
    """

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"gamma": self.gamma, "margin": self.margin,
                       "remove_diagonal": self.remove_diagonal})
        return config


# -- the functions ------------------------------------------------------------------------------


def convert_binary_labels_to_hinge(y_true):
    """Labels in {0, 1} as {-1, 1}; other labels unchanged (decided on the whole tensor)."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, 2.0 * y_true - 1.0, y_true)


@_loss_and_metric("hinge")
def hinge(y_true, y_pred):
    """Hinge loss `mean(maximum(1 - y_true * y_pred, 0), axis=-1)` (0/1 labels become -1/1).

    Example:
    >>> round(float(lamina.losses.hinge([[0.0, 1.0]], [[0.6, 0.4]])[0]), 4)
    1.1
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(ops.cast(y_true, y_pred.dtype))
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


@_loss_and_metric("squared_hinge")
def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)` (0/1 labels become -1/1)."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = convert_binary_labels_to_hinge(ops.cast(y_true, y_pred.dtype))
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


@_loss_and_metric("categorical_hinge")
def categorical_hinge(y_true, y_pred):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` over the last axis."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, ops.cast(0.0, y_pred.dtype))


def _regression_inputs(y_true, y_pred):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


@_loss_and_metric("mean_squared_error")
def mean_squared_error(y_true, y_pred):
    """`mean(square(y_true - y_pred), axis=-1)`.

    Example:
    >>> float(lamina.losses.mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]])[0])
    0.5
    """
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


@_loss_and_metric("mean_absolute_error")
def mean_absolute_error(y_true, y_pred):
    """`mean(abs(y_true - y_pred), axis=-1)`."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


@_loss_and_metric("mean_absolute_percentage_error")
def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / maximum(abs(y_true), epsilon)), axis=-1)`."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    epsilon = ops.convert_to_tensor(backend.epsilon(), dtype=y_pred.dtype)
    diff = ops.abs((y_true - y_pred) / ops.maximum(ops.abs(y_true), epsilon))
    return 100.0 * ops.mean(diff, axis=-1)


@_loss_and_metric("mean_squared_logarithmic_error")
def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(maximum(y_pred, eps) + 1) - log(maximum(y_true, eps) + 1)), axis=-1)`."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    epsilon = ops.convert_to_tensor(backend.epsilon(), dtype=y_pred.dtype)
    first_log = ops.log(ops.maximum(y_pred, epsilon) + 1.0)
    second_log = ops.log(ops.maximum(y_true, epsilon) + 1.0)
    return ops.mean(ops.square(first_log - second_log), axis=-1)


@export("lamina.losses.cosine_similarity")
def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity of `y_true` and `y_pred` along `axis`."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    y_pred = ops.normalize(y_pred, axis=axis)
    y_true = ops.normalize(y_true, axis=axis)
    return -ops.sum(y_true * y_pred, axis=axis)


@_loss_and_metric("huber")
def huber(y_true, y_pred, delta=1.0):
    """Huber loss: `0.5 * x**2` where `|x| <= delta`, else `delta * |x| - 0.5 * delta**2`."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    delta = ops.convert_to_tensor(delta, dtype=y_pred.dtype)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    half = ops.convert_to_tensor(0.5, dtype=abs_error.dtype)
    return ops.mean(
        ops.where(abs_error <= delta, half * ops.square(error),
                  delta * abs_error - half * ops.square(delta)),
        axis=-1,
    )


@_loss_and_metric("log_cosh")
def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed without overflow."""
    y_true, y_pred = _regression_inputs(y_true, y_pred)
    log2 = ops.convert_to_tensor(0.6931471805599453, dtype=y_pred.dtype)
    error = y_pred - y_true
    # log(cosh(x)) = x + log(1 + exp(-2x)) - log(2), stable for large |x|.
    return ops.mean(error + ops.softplus(error * -2.0) - log2, axis=-1)


@_loss_and_metric("kl_divergence")
def kl_divergence(y_true, y_pred):
    """`sum(y_true * log(y_true / y_pred), axis=-1)`, both clipped to [epsilon, 1]."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, y_pred.dtype)
    y_true = ops.clip(y_true, backend.epsilon(), 1)
    y_pred = ops.clip(y_pred, backend.epsilon(), 1)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


@_loss_and_metric("poisson")
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + epsilon), axis=-1)`."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true, dtype=y_pred.dtype)
    epsilon = ops.convert_to_tensor(backend.epsilon(), dtype=y_pred.dtype)
    return ops.mean(y_pred - y_true * ops.log(y_pred + epsilon), axis=-1)


def _warn_single_class(fn_name, y_pred, axis):
    if y_pred.shape[axis] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _smooth_categorical(y_true, y_pred, label_smoothing, axis):
    if not label_smoothing:
        return y_true
    num_classes = ops.cast(ops.shape(y_pred)[axis], y_pred.dtype)
    return y_true * (1.0 - label_smoothing) + (label_smoothing / num_classes)


@_loss_and_metric("categorical_crossentropy")
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Categorical cross-entropy of one-hot labels along `axis`.

    Args:
        y_true: one-hot (or soft) labels.
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards `1 / num_classes`.
        axis: the class axis.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    axis = _canonical_axis(axis, len(y_pred.shape), "categorical_crossentropy")
    y_true = ops.cast(y_true, y_pred.dtype)
    _warn_single_class("categorical_crossentropy", y_pred, axis)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing, axis)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


@_loss_and_metric("categorical_focal_crossentropy")
def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical focal cross-entropy: `sum(-alpha * (1 - p) ** gamma * y_true * log(p))`."""
    y_pred = ops.convert_to_tensor(y_pred)
    axis = _canonical_axis(axis, len(y_pred.shape), "categorical_focal_crossentropy")
    y_true = ops.cast(y_true, y_pred.dtype)
    _warn_single_class("categorical_focal_crossentropy", y_pred, axis)
    y_true = _smooth_categorical(y_true, y_pred, label_smoothing, axis)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    output = y_pred / ops.sum(y_pred, axis=axis, keepdims=True)
    output = ops.clip(output, backend.epsilon(), 1.0 - backend.epsilon())
    cce = -y_true * ops.log(output)
    weighting_factor = ops.multiply(ops.power(1.0 - output, gamma), alpha)
    return ops.sum(ops.multiply(weighting_factor, cce), axis=axis)


def _sparse_categorical_crossentropy_and_mask(y_true, y_pred, from_logits=False,
                                              ignore_class=None, axis=-1):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.convert_to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[axis] == 1:
        y_true = ops.squeeze(y_true, axis=axis)
    valid_mask = None
    if ignore_class is not None:
        class_axis = _canonical_axis(axis, len(y_pred.shape), "sparse_categorical_crossentropy")
        res_shape = tuple(d for i, d in enumerate(ops.shape(y_pred)) if i != class_axis)
        valid_mask = ops.not_equal(y_true, ops.cast(ignore_class, y_pred.dtype))
        y_true = ops.where(valid_mask, y_true, ops.zeros_like(y_true))
        # Ignored entries get ones (Keras uses zeros, which make 0/0 in the probability
        # normalization and NaN gradients); their loss is masked to 0 below either way.
        y_pred = ops.where(ops.expand_dims(valid_mask, axis), y_pred, ops.ones_like(y_pred))
    res = ops.sparse_categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)
    if valid_mask is not None:
        valid_mask = ops.reshape(valid_mask, res_shape)
        res = ops.where(valid_mask, res, ops.zeros_like(res))
    return res, valid_mask


@_loss_and_metric("sparse_categorical_crossentropy")
@_with_mask(_sparse_categorical_crossentropy_and_mask)
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Categorical cross-entropy of integer labels.

    Args:
        y_true: integer class ids (a trailing axis of size 1 is squeezed).
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        ignore_class: a label value whose entries get loss 0.
        axis: the class axis.
    """
    return _sparse_categorical_crossentropy_and_mask(
        y_true, y_pred, from_logits=from_logits, ignore_class=ignore_class, axis=axis)[0]


def _smooth_binary(y_true, label_smoothing):
    if not label_smoothing:
        return y_true
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


@_loss_and_metric("binary_crossentropy")
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy averaged over `axis`.

    Args:
        y_true: labels in [0, 1].
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` holds logits.
        label_smoothing: in [0, 1]; labels move towards 0.5.
        axis: the axis averaged over.
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _smooth_binary(ops.cast(y_true, y_pred.dtype), label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


@_loss_and_metric("binary_focal_crossentropy")
def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy scaled by `(1 - p_t) ** gamma` (and by `alpha` per class when
    `apply_class_balancing`), averaged over `axis`."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = _smooth_binary(ops.cast(y_true, y_pred.dtype), label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    p_t = y_true * y_pred + (1 - y_true) * (1 - y_pred)
    focal_bce = ops.power(1.0 - p_t, gamma) * bce
    if apply_class_balancing:
        weight = y_true * alpha + (1 - y_true) * (1 - alpha)
        focal_bce = weight * focal_bce
    return ops.mean(focal_bce, axis=axis)


@export("lamina.losses.ctc")
def ctc(y_true, y_pred):
    """CTC loss of label ids `y_true` `(batch, max_label_length)` (0 pads) and logits
    `y_pred` `(batch, time, classes)` (class 0 is the blank)."""
    if len(ops.shape(y_true)) != 2:
        raise ValueError(
            "ctc: targets `y_true` are expected to be a tensor of shape "
            f"`(batch_size, max_length)` in integer format. Received: "
            f"y_true.shape={ops.shape(y_true)}"
        )
    if len(ops.shape(y_pred)) != 3:
        raise ValueError(
            "ctc: logits `y_pred` are expected to be a tensor of shape "
            f"`(batch_size, max_length, num_classes)`. Received: y_pred.shape={ops.shape(y_pred)}"
        )
    mask_index = 0
    batch_length, input_length = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
    input_length = input_length * ops.ones((batch_length,), dtype="int32")
    label_length = ops.cast(ops.sum(ops.not_equal(y_true, mask_index), axis=-1), dtype="int32")
    return ops.ctc_loss(y_true, y_pred, label_length, input_length, mask_index=mask_index)


@export("lamina.losses.dice")
def dice(y_true, y_pred, axis=None):
    """Dice loss `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)`."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    score = ops.divide(
        2.0 * intersection,
        ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + backend.epsilon(),
    )
    return 1 - score


@export("lamina.losses.tversky")
def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss `1 - TP / (TP + alpha * FP + beta * FN + eps)`."""
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, y_pred.dtype)
    intersection = ops.sum(y_pred * y_true, axis=axis)
    fp = ops.sum((1 - y_true) * y_pred, axis=axis)
    fn = ops.sum(y_true * (1 - y_pred), axis=axis)
    score = ops.divide(intersection,
                       intersection + fp * alpha + fn * beta + backend.epsilon())
    return 1 - score


def build_pos_neg_masks(query_labels, key_labels, remove_diagonal=True):
    """Boolean masks of the (query, key) pairs with equal and with different labels."""
    if len(query_labels.shape) == 1:
        query_labels = ops.reshape(query_labels, (-1, 1))
    if len(key_labels.shape) == 1:
        key_labels = ops.reshape(key_labels, (-1, 1))
    positive_mask = ops.equal(query_labels, ops.transpose(key_labels))
    negative_mask = ops.logical_not(positive_mask)
    if remove_diagonal:
        rows, cols = positive_mask.shape
        off_diagonal = ops.logical_not(ops.eye(rows, cols, k=0, dtype="bool"))
        positive_mask = ops.logical_and(positive_mask, off_diagonal)
    return positive_mask, negative_mask


def _circle_and_mask(y_true, y_pred, ref_labels=None, ref_embeddings=None,
                     remove_diagonal=True, gamma=80, margin=0.4):
    y_pred = ops.convert_to_tensor(y_pred)
    y_true = ops.cast(y_true, "int32")
    ref_embeddings = (y_pred if ref_embeddings is None
                      else ops.convert_to_tensor(ref_embeddings))
    ref_labels = y_true if ref_labels is None else ops.cast(ref_labels, "int32")
    optim_pos, optim_neg = margin, 1 + margin
    delta_pos, delta_neg = margin, 1 - margin
    distances = 1 - ops.matmul(y_pred, ops.transpose(ref_embeddings))
    distances = ops.maximum(distances, 0.0)
    positive_mask, negative_mask = build_pos_neg_masks(
        y_true, ref_labels, remove_diagonal=remove_diagonal)
    positive_weight = ops.cast(positive_mask, distances.dtype)
    negative_weight = ops.cast(negative_mask, distances.dtype)
    pos_weights = ops.maximum((optim_pos + distances) * positive_weight, 0.0)
    neg_weights = ops.maximum((optim_neg - distances) * negative_weight, 0.0)
    pos_wdists = -1 * gamma * pos_weights * (delta_pos - distances)
    neg_wdists = gamma * neg_weights * (delta_neg - distances)
    p_loss = ops.logsumexp(ops.where(positive_mask, pos_wdists, float("-inf")), axis=1)
    n_loss = ops.logsumexp(ops.where(negative_mask, neg_wdists, float("-inf")), axis=1)
    circle_loss = ops.softplus(p_loss + n_loss)
    return circle_loss, ops.greater(circle_loss, 0)


@export("lamina.losses.circle")
@_with_mask(_circle_and_mask)
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True,
           gamma=80, margin=0.4):
    """Circle loss per query embedding.

    Args:
        y_true: integer labels `(batch,)`.
        y_pred: L2-normalized embeddings `(batch, dim)`.
        ref_labels: labels of the reference embeddings (default: `y_true`).
        ref_embeddings: reference embeddings (default: `y_pred`).
        remove_diagonal: whether each embedding's pair with itself is left out.
        gamma: the scale factor.
        margin: the relaxation margin.
    """
    return _circle_and_mask(y_true, y_pred, ref_labels=ref_labels,
                            ref_embeddings=ref_embeddings, remove_diagonal=remove_diagonal,
                            gamma=gamma, margin=margin)[0]


@export("lamina.losses.categorical_generalized_cross_entropy")
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized cross-entropy `(1 - p ** q) / q`, `p` the probability of the true class.

    Args:
        y_true: integer labels.
        y_pred: predicted probabilities `(..., num_classes)`.
        q: in (0, 1).
    """
    y_pred = ops.convert_to_tensor(y_pred)
    y_true_one_hot = ops.one_hot(ops.cast(y_true, "int64"), num_classes=ops.shape(y_pred)[-1])
    y_true_one_hot = ops.cast(y_true_one_hot, y_pred.dtype)
    p = ops.sum(y_pred * y_true_one_hot, axis=-1)
    return (1 - ops.power(p, q)) / q
