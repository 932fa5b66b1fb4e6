"""`lamina.regularizers`: penalties on weights, added to the training loss."""

import math

from lamina import api_export, ops
from lamina.api_export import export, populate

NAMESPACE = "lamina.regularizers"


def _check_factor(name, value):
    if value is None or not isinstance(value, (int, float)) or math.isnan(value) or value < 0:
        raise ValueError(
            f"Value for argument `{name}` must be a non-negative number, received {name}={value!r}."
        )
    return float(value)


@export("lamina.regularizers.Regularizer", "lamina.Regularizer")
class Regularizer:
    """Base class: a callable `weight -> scalar penalty` with a config."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} must implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@export("lamina.regularizers.L1L2", "lamina.regularizers.l1_l2")
class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x^2)`."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check_factor("l1", l1)
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        total = ops.convert_to_tensor(0.0)
        if self.l1:
            total = ops.add(total, ops.multiply(self.l1, ops.sum(ops.absolute(x))))
        if self.l2:
            total = ops.add(total, ops.multiply(self.l2, ops.sum(ops.square(x))))
        return total

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


@export("lamina.regularizers.L1", "lamina.regularizers.l1")
class L1(Regularizer):
    """`l1 * sum(|x|)`."""

    def __init__(self, l1=0.01):
        self.l1 = _check_factor("l1", l1)

    def __call__(self, x):
        return ops.multiply(self.l1, ops.sum(ops.absolute(x)))

    def get_config(self):
        return {"l1": self.l1}


@export("lamina.regularizers.L2", "lamina.regularizers.l2")
class L2(Regularizer):
    """`l2 * sum(x^2)`."""

    def __init__(self, l2=0.01):
        self.l2 = _check_factor("l2", l2)

    def __call__(self, x):
        return ops.multiply(self.l2, ops.sum(ops.square(x)))

    def get_config(self):
        return {"l2": self.l2}


@export("lamina.regularizers.OrthogonalRegularizer", "lamina.regularizers.orthogonal_regularizer")
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a 2-D weight toward being orthonormal.

    Args:
        factor: strength of the penalty.
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _check_factor("factor", factor)
        if mode not in ("rows", "columns"):
            raise ValueError(
                f"Invalid value for argument `mode`: expected 'rows' or 'columns', received "
                f"mode={mode!r}."
            )
        self.mode = mode

    def __call__(self, x):
        if len(x.shape) != 2:
            raise ValueError(
                "OrthogonalRegularizer needs a 2-D weight, received a weight of shape "
                f"{tuple(x.shape)}."
            )
        if self.mode == "columns":
            x = ops.transpose(x)
        norms = ops.sqrt(ops.maximum(ops.sum(ops.square(x), axis=1, keepdims=True), 1e-12))
        x = ops.divide(x, norms)
        product = ops.matmul(x, ops.transpose(x))
        size = x.shape[0]
        off_diagonal = ops.multiply(product, ops.subtract(1.0, ops.eye(size, dtype=product.dtype)))
        pairs = size * (size - 1) / 2.0
        return ops.multiply(self.factor, ops.divide(ops.sum(ops.absolute(off_diagonal)), 2 * pairs))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


@export("lamina.regularizers.serialize")
def serialize(regularizer):
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(regularizer)


@export("lamina.regularizers.deserialize")
def deserialize(config, custom_objects=None):
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=api_export.symbols(NAMESPACE))


@export("lamina.regularizers.get")
def get(identifier):
    """A regularizer from a name ("l2"), a config, an instance or a callable."""
    from lamina.saving.serialization_lib import get_object

    return get_object(identifier, NAMESPACE, "regularizer")


populate(__name__, globals())
