"""What `compile` turns its `loss` and `metrics` arguments into.

`CompileLoss` maps one loss per output (a name, function or Loss object; a list or dict for
several outputs) and sums them with `loss_weights`. `CompileMetrics` does the same for metrics,
resolving "accuracy" to the accuracy that fits the loss and shapes, as Keras does. Both are
built on the first batch, when the shapes of `y` and of the outputs are known.
"""

import numpy as np

from lamina import ops, tree


def _output_names(model, count):
    names = getattr(model, "output_names", None)
    if names and len(names) == count:
        return list(names)
    return [f"output_{i}" for i in range(count)] if count > 1 else ["output"]


def _structure_per_output(value, names, what):
    """`value` as a list with one entry per output (None where absent)."""
    if isinstance(value, dict):
        unknown = [k for k in value if k not in names]
        if unknown:
            raise ValueError(
                f"In the dict passed as `{what}`, the keys {unknown} do not match any model "
                f"output. Expected keys among the output names: {names}."
            )
        return [value.get(n) for n in names]
    if isinstance(value, (list, tuple)) and len(names) > 1:
        if len(value) != len(names):
            raise ValueError(
                f"`{what}` is a list of {len(value)} entries but the model has {len(names)} "
                f"outputs ({names}): give one entry per output, or a dict keyed by output name."
            )
        return list(value)
    return [value] * len(names)


class CompileLoss:
    """The model's total loss: one loss per output, weighted and summed.

    Args:
        loss: the `loss` argument of compile.
        loss_weights: a float per output (list or dict), or None.
        reduction: the reduction of the built-in losses.
    """

    def __init__(self, loss, loss_weights=None, reduction="sum_over_batch_size"):
        self._loss_arg = loss
        self._loss_weights_arg = loss_weights
        self.reduction = reduction
        self.built = False
        self.losses = []
        self.weights = []
        self.names = []

    def build(self, model, y_true, y_pred):
        from lamina import losses as losses_module

        flat_pred = tree.flatten(y_pred)
        names = _output_names(model, len(flat_pred))
        if isinstance(self._loss_arg, dict) or (isinstance(self._loss_arg, (list, tuple))
                                                and len(flat_pred) > 1):
            per_output = _structure_per_output(self._loss_arg, names, "loss")
        elif len(flat_pred) > 1:
            per_output = [self._loss_arg] * len(flat_pred)
        else:
            loss = self._loss_arg
            if isinstance(loss, (list, tuple)):
                if len(loss) != 1:
                    raise ValueError(
                        f"The model has one output but `loss` has {len(loss)} entries."
                    )
                loss = loss[0]
            per_output = [loss]
        self.losses = [None if l is None else _as_loss_object(losses_module, l)
                       for l in per_output]
        weights = self._loss_weights_arg
        if weights is None:
            self.weights = [1.0] * len(per_output)
        elif isinstance(weights, dict):
            self.weights = [float(weights.get(n, 1.0)) for n in names]
        elif isinstance(weights, (list, tuple)):
            if len(weights) != len(per_output):
                raise ValueError(
                    f"`loss_weights` has {len(weights)} entries but the model has "
                    f"{len(per_output)} outputs."
                )
            self.weights = [float(w) for w in weights]
        else:
            self.weights = [float(weights)] * len(per_output)
        self.names = names
        self.built = True

    def __call__(self, y_true, y_pred, sample_weight=None, masks=None):
        """`(total, [per-output losses])` for a batch; `masks` are the outputs' masks."""
        flat_pred = tree.flatten(y_pred)
        flat_masks = list(masks) if masks is not None and len(masks) == len(flat_pred) else [
            None] * len(flat_pred)
        flat_true = _flatten_like(y_true, len(flat_pred), self.names)
        flat_sw = _flatten_like(sample_weight, len(flat_pred), self.names) if sample_weight is not None else [None] * len(flat_pred)
        total = None
        terms = []
        for loss, weight, yt, yp, sw, mask in zip(self.losses, self.weights, flat_true,
                                                  flat_pred, flat_sw, flat_masks):
            if loss is None or yt is None:
                terms.append(None)
                continue
            value = _call_loss(loss, yt, yp, sw, mask)
            terms.append(value)
            weighted = ops.multiply(value, weight) if weight != 1.0 else value
            total = weighted if total is None else ops.add(total, weighted)
        if total is None:
            total = ops.convert_to_tensor(0.0)
        return total, terms


def _as_loss_object(losses_module, identifier):
    """A Loss object; plain functions are wrapped so that ranks and weights are handled."""
    from lamina.losses.loss import Loss
    from lamina.losses.losses import LossFunctionWrapper

    loss = losses_module.get(identifier)
    if isinstance(loss, Loss):
        return loss
    name = getattr(loss, "__name__", None)
    return LossFunctionWrapper(loss, name=name)


def _call_loss(loss, y_true, y_pred, sample_weight, mask=None):
    from lamina.losses.loss import Loss

    if isinstance(loss, Loss):
        if mask is not None:
            return loss(y_true, y_pred, sample_weight=sample_weight, mask=mask)
        return loss(y_true, y_pred, sample_weight=sample_weight)
    # A plain function gives per-sample losses; reduce them as Loss would.
    values = loss(y_true, y_pred)
    values = ops.convert_to_tensor(values)
    if sample_weight is not None:
        sw = ops.cast(sample_weight, values.dtype)
        while len(sw.shape) < len(values.shape):
            sw = ops.expand_dims(sw, -1)
        while len(sw.shape) > len(values.shape) and sw.shape[-1] == 1:
            sw = ops.squeeze(sw, -1)
        values = ops.multiply(values, sw)
    return ops.mean(values)


def _flatten_like(value, count, names):
    if value is None:
        return [None] * count
    if isinstance(value, dict):
        return [value.get(n) for n in names]
    if count == 1:
        if isinstance(value, (list, tuple)) and len(value) == 1:
            return [value[0]]
        return [value]
    flat = tree.flatten(value)
    if len(flat) != count:
        raise ValueError(
            f"The model has {count} outputs ({names}) but {len(flat)} targets were given."
        )
    return flat


_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def _resolve_metric(identifier, loss, y_true, y_pred):
    """A metric object for one output, with Keras' resolution of "accuracy"/"crossentropy"."""
    from lamina import metrics as metrics_module

    if identifier is None:
        return None
    if isinstance(identifier, str) and identifier in _ACCURACY_NAMES + _CROSSENTROPY_NAMES:
        is_accuracy = identifier in _ACCURACY_NAMES
        kind = _target_kind(loss, y_true, y_pred)
        if is_accuracy:
            fn = {"binary": metrics_module.binary_accuracy,
                  "sparse": metrics_module.sparse_categorical_accuracy,
                  "categorical": metrics_module.categorical_accuracy}[kind]
        else:
            fn = {"binary": metrics_module.binary_crossentropy,
                  "sparse": metrics_module.sparse_categorical_crossentropy,
                  "categorical": metrics_module.categorical_crossentropy}[kind]
        return metrics_module.MeanMetricWrapper(fn, name=identifier)
    metric = metrics_module.get(identifier)
    if isinstance(metric, metrics_module.Metric):
        if isinstance(identifier, str) and identifier[:1].islower():
            metric._log_name = identifier  # Keras logs a metric by the name the user wrote
        return metric
    name = getattr(metric, "__name__", None) or str(identifier)
    return metrics_module.MeanMetricWrapper(metric, name=name)


def _target_kind(loss, y_true, y_pred):
    loss_name = getattr(loss, "name", None) or getattr(loss, "__name__", "") or ""
    loss_fn = getattr(loss, "fn", None)
    if loss_fn is not None:
        loss_name = getattr(loss_fn, "__name__", loss_name)
    loss_name = str(loss_name).lower()
    pred_shape = tuple(y_pred.shape)
    true_shape = tuple(np.shape(y_true)) if y_true is not None else None
    if "binary" in loss_name or (pred_shape and pred_shape[-1] == 1):
        return "binary"
    if "sparse" in loss_name:
        return "sparse"
    if true_shape is not None and (len(true_shape) == len(pred_shape) - 1 or
                                   (len(true_shape) == len(pred_shape) and true_shape[-1] == 1)):
        return "sparse"
    return "categorical"


class CompileMetrics:
    """The compiled metrics: one list per output, updated together, reported by name."""

    def __init__(self, metrics, weighted_metrics):
        self._metrics_arg = metrics
        self._weighted_arg = weighted_metrics
        self.built = False
        self.per_output = []
        self.weighted_per_output = []

    def _per_output_lists(self, value, names, what):
        if value is None:
            return [[] for _ in names]
        if isinstance(value, dict):
            unknown = [k for k in value if k not in names]
            if unknown:
                raise ValueError(
                    f"In the dict passed as `{what}`, the keys {unknown} do not match any "
                    f"model output. Expected keys among the output names: {names}."
                )
            return [_as_list(value.get(n)) for n in names]
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"Expected `{what}` to be a list or a dict, received {type(value).__name__}: "
                f"{value!r}."
            )
        if len(names) > 1 and value and all(isinstance(v, (list, tuple)) or v is None for v in value):
            if len(value) != len(names):
                raise ValueError(
                    f"`{what}` has {len(value)} lists but the model has {len(names)} outputs."
                )
            return [_as_list(v) for v in value]
        if len(names) > 1:
            return [list(value) for _ in names]
        return [list(value)]

    def build(self, model, compile_loss, y_true, y_pred):
        flat_pred = tree.flatten(y_pred)
        names = _output_names(model, len(flat_pred))
        flat_true = _flatten_like(y_true, len(flat_pred), names)
        losses = compile_loss.losses if compile_loss is not None and compile_loss.built else [None] * len(flat_pred)
        metric_lists = self._per_output_lists(self._metrics_arg, names, "metrics")
        weighted_lists = self._per_output_lists(self._weighted_arg, names, "weighted_metrics")
        multi = len(flat_pred) > 1
        self.per_output = []
        self.weighted_per_output = []
        for i, name in enumerate(names):
            built = []
            for identifier in metric_lists[i]:
                metric = _resolve_metric(identifier, losses[i], flat_true[i], flat_pred[i])
                if multi:
                    metric._log_name = f"{name}_{log_name(metric)}"
                built.append(metric)
            self.per_output.append(built)
            weighted = []
            for identifier in weighted_lists[i]:
                metric = _resolve_metric(identifier, losses[i], flat_true[i], flat_pred[i])
                prefix = f"{name}_" if multi else ""
                base = log_name(metric)
                metric._log_name = f"{prefix}weighted_{base}" if base in [
                    log_name(m) for m in built] else f"{prefix}{base}"
                weighted.append(metric)
            self.weighted_per_output.append(weighted)
        self.names = names
        self.built = True

    @property
    def metrics(self):
        return [m for group in self.per_output + self.weighted_per_output for m in group]

    def update_state(self, y_true, y_pred, sample_weight=None):
        flat_pred = tree.flatten(y_pred)
        flat_true = _flatten_like(y_true, len(flat_pred), self.names)
        flat_sw = _flatten_like(sample_weight, len(flat_pred), self.names)
        for metrics, weighted, yt, yp, sw in zip(self.per_output, self.weighted_per_output,
                                                 flat_true, flat_pred, flat_sw):
            if yt is None:
                continue
            for metric in metrics:
                metric.update_state(yt, yp)
            for metric in weighted:
                metric.update_state(yt, yp, sample_weight=sw)


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def log_name(metric):
    return getattr(metric, "_log_name", None) or metric.name
