"""Neural-network ops: activations, normalization, convolution, pooling, losses, attention.

Public as `lamina.ops.<name>` and `lamina.ops.nn.<name>`.
"""

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import canonical_axis, op, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}", f"lamina.ops.nn.{name}")


@_public("relu")
@op(rules.unary_float)
def relu(x):
    """`max(x, 0)` elementwise.

    Example:
    >>> ops.relu([-1.0, 2.0])
    """
    return active.nn.relu(*promote_float(x))


@_public("sigmoid")
@op(rules.unary_float)
def sigmoid(x):
    """`1 / (1 + exp(-x))` elementwise."""
    return active.nn.sigmoid(*promote_float(x))


def _softmax_rule(x, axis=-1):
    shape = rules.shape_of(x)
    if isinstance(axis, int):
        canonical_axis(axis, len(shape))
    return KerasTensor(shape, dtypes.float_result(rules.dtype_of(x, weak=False)))


@_public("softmax")
@op(_softmax_rule)
def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis`, computed stably."""
    return active.nn.softmax(*promote_float(x), axis=axis)


@_public("log_softmax")
@op(_softmax_rule)
def log_softmax(x, axis=-1):
    """`log(softmax(x))` along `axis`, computed stably."""
    return active.nn.log_softmax(*promote_float(x), axis=axis)


def _one_hot_rule(x, num_classes, axis=-1, dtype=None, sparse=False):
    shape = list(rules.shape_of(x))
    position = len(shape) if axis == -1 else canonical_axis(axis, len(shape) + 1)
    shape.insert(position, num_classes)
    return KerasTensor(tuple(shape), dtypes.standardize_dtype(dtype))


@_public("one_hot")
@op(_one_hot_rule)
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """Integer class ids as one-hot vectors of length `num_classes` (on a new `axis`)."""
    if sparse:
        raise ValueError("ops.one_hot: sparse=True is not supported on this backend.")
    return active.nn.one_hot(
        to_tensor(x, "int64"), int(num_classes), axis=axis, dtype=dtypes.standardize_dtype(dtype)
    )
