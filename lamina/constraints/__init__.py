"""`lamina.constraints`: projections applied to weights after each optimizer step."""

from lamina import api_export, backend, ops
from lamina.api_export import export, populate

NAMESPACE = "lamina.constraints"


@export("lamina.constraints.Constraint")
class Constraint:
    """Base class: a callable `weight -> projected weight` with a config."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


@export("lamina.constraints.MaxNorm", "lamina.constraints.max_norm")
class MaxNorm(Constraint):
    """Rescales slices whose L2 norm over `axis` exceeds `max_value`."""

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(backend.epsilon(), norms)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@export("lamina.constraints.NonNeg", "lamina.constraints.non_neg")
class NonNeg(Constraint):
    """Sets negative weights to zero."""

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), w.dtype))


@export("lamina.constraints.UnitNorm", "lamina.constraints.unit_norm")
class UnitNorm(Constraint):
    """Rescales slices to unit L2 norm over `axis`."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        return ops.divide(w, ops.add(backend.epsilon(), _norms(w, self.axis)))

    def get_config(self):
        return {"axis": self.axis}


@export("lamina.constraints.MinMaxNorm", "lamina.constraints.min_max_norm")
class MinMaxNorm(Constraint):
    """Keeps slice norms within `[min_value, max_value]`, moving them by `rate`."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = ops.convert_to_tensor(w)
        norms = _norms(w, self.axis)
        desired = ops.add(
            ops.multiply(self.rate, ops.clip(norms, self.min_value, self.max_value)),
            ops.multiply(1 - self.rate, norms),
        )
        return ops.multiply(w, ops.divide(desired, ops.add(backend.epsilon(), norms)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


@export("lamina.constraints.serialize")
def serialize(constraint):
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(constraint)


@export("lamina.constraints.deserialize")
def deserialize(config, custom_objects=None):
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=api_export.symbols(NAMESPACE))


@export("lamina.constraints.get")
def get(identifier):
    """A constraint from a name ("non_neg"), a config, an instance or a callable."""
    from lamina.saving.serialization_lib import get_object

    return get_object(identifier, NAMESPACE, "constraint")


populate(__name__, globals())
