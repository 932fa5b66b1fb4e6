"""The `Loss` base class and the weighting/masking/reduction that every loss shares.

A loss's `call(y_true, y_pred)` returns per-sample values; `Loss.__call__` merges the mask
into the sample weights, weights the values and reduces them as Keras 3 does.
"""

import math

from lamina import backend, ops, tree
from lamina.api_export import export
from lamina.backend.common import dtypes, global_state

REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def compute_dtype_of(dtype):
    """The compute dtype a `dtype` argument (None, name, policy or policy config) stands for."""
    if dtype is None:
        return backend.floatx()
    compute = getattr(dtype, "compute_dtype", None)
    if compute is not None:
        return dtypes.standardize_dtype(compute)
    if isinstance(dtype, dict):  # a serialized DTypePolicy
        dtype = dtype.get("config", {}).get("name", None)
        if dtype is None:
            return backend.floatx()
    if isinstance(dtype, str) and dtype.startswith("mixed_"):
        return dtypes.standardize_dtype(dtype[len("mixed_"):])
    return dtypes.standardize_dtype(dtype)


@export("lamina.Loss", "lamina.losses.Loss")
class Loss:
    """Base class of losses: subclasses implement `call(y_true, y_pred)`.

    Args:
        name: the loss's name (an automatic one by default).
        reduction: "sum_over_batch_size" (default), "sum", "mean",
            "mean_with_sample_weight", "none" or None.
        dtype: the dtype of the computation; `floatx()` by default.

    Example:
    >>> class MyMSE(lamina.losses.Loss):
    ...     def call(self, y_true, y_pred):
    ...         return ops.mean(ops.square(y_pred - y_true), axis=-1)
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or global_state.auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype_arg = dtype
        self._dtype = compute_dtype_of(dtype)

    @property
    def dtype(self):
        return self._dtype

    def __call__(self, y_true, y_pred, sample_weight=None, mask=None):
        """The reduced loss. `mask` (lamina's stand-in for Keras' `_keras_mask` of `y_pred`)
        marks the entries that count."""
        with backend.name_scope(self.name.replace("/", ">")):
            y_pred = tree.map_structure(lambda x: ops.convert_to_tensor(x, dtype=self.dtype),
                                        y_pred)
            y_true = tree.map_structure(lambda x: ops.convert_to_tensor(x, dtype=self.dtype),
                                        y_true)
            losses, out_mask = self._call_with_mask(y_true, y_pred)
            if mask is not None and out_mask is not None:
                mask = ops.logical_and(ops.cast(mask, "bool"), ops.cast(out_mask, "bool"))
            elif out_mask is not None:
                mask = out_mask
            return reduce_weighted_values(
                losses, sample_weight=sample_weight, mask=mask, reduction=self.reduction,
                dtype=self.dtype,
            )

    def _call_with_mask(self, y_true, y_pred):
        """`(losses, mask)`: the per-sample losses and the mask they carry (or None)."""
        return self.call(y_true, y_pred), None

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _obj_type(self):
        return "Loss"

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def standardize_reduction(reduction):
    """`reduction` if it is one Keras accepts, else a ValueError listing them."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`: expected one of "
            f"{', '.join(repr(r) for r in REDUCTIONS)}. Received: reduction={reduction!r}"
        )
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """`x1, x2` with a trailing axis of size 1 squeezed (or added) when ranks differ by one."""
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2:
        return x1, x2
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = ops.expand_dims(x2, axis=-1)
        else:
            x1 = ops.squeeze(x1, axis=-1)
    if rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = ops.expand_dims(x1, axis=-1)
        else:
            x2 = ops.squeeze(x2, axis=-1)
    return x1, x2


def _size(x, dtype):
    """The number of elements of `x` as a scalar of `dtype` (static shapes in every backend)."""
    shape = ops.shape(x)
    if None in shape:
        return ops.cast(ops.prod(ops.convert_to_tensor(shape, dtype="int32")), dtype)
    return ops.cast(math.prod(shape), dtype)


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sums `values` and divides as `reduction` asks; "none"/None and scalars pass through."""
    if reduction is None or reduction == "none" or tuple(values.shape) in ((), (0,)):
        return values
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = ops.cast(ops.sum(sample_weight), loss.dtype)
        else:
            divisor = _size(values, loss.dtype)
        loss = ops.divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size", dtype=None):
    """Weights `values` by `sample_weight` and `mask`, then reduces them."""
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=dtype)
    if mask is not None:
        mask = ops.convert_to_tensor(mask, dtype=dtype)
    sample_weight = apply_mask(sample_weight, mask, dtype=values.dtype, reduction=reduction)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = ops.multiply(values, sample_weight)
    return reduce_values(values, sample_weight, reduction)


def apply_mask(sample_weight, mask, dtype, reduction):
    """`sample_weight` with `mask` merged in.

    For the averaging reductions, valid entries get weight `total / valid` so that the
    average runs over the valid entries only.
    """
    if mask is None:
        return sample_weight
    if reduction in ("mean", "sum_over_batch_size"):
        total = _size(mask, dtype)
        valid = ops.sum(ops.cast(mask, dtype=dtype))  # may be 0
        mask_weight = ops.divide_no_nan(total, valid)
        float_mask = ops.where(ops.cast(mask, "bool"), mask_weight, ops.zeros_like(mask_weight))
        float_mask = ops.cast(float_mask, dtype)
    else:
        float_mask = ops.cast(mask, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.cast(sample_weight, dtype=dtype)
        float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
        return ops.multiply(sample_weight, float_mask)
    return float_mask
