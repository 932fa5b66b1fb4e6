"""Activation layers with parameters: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import serialize_keras_object


class _Elementwise(Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.built = True

    def compute_output_shape(self, input_shape):
        return input_shape


@export("lamina.layers.ReLU")
class ReLU(_Elementwise):
    """`max(x, 0)`, with an optional cap `max_value`, `negative_slope` and `threshold`."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be negative, received {max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                f"negative_slope of a ReLU layer cannot be negative, received {negative_slope}")
        if threshold is None or threshold < 0:
            raise ValueError(f"threshold of a ReLU layer cannot be negative, received {threshold}")
        self.max_value = max_value
        self.negative_slope = negative_slope
        self.threshold = threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


@export("lamina.layers.LeakyReLU")
class LeakyReLU(_Elementwise):
    """`x` for positives, `negative_slope * x` otherwise (default slope 0.3, as Keras)."""

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError(
                "The negative_slope value of a Leaky ReLU layer cannot be None or negative, "
                f"received {negative_slope}")
        self.negative_slope = negative_slope

    def call(self, inputs):
        return ops.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


@export("lamina.layers.ELU")
class ELU(_Elementwise):
    """Exponential linear unit with scale `alpha`."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = alpha

    def call(self, inputs):
        return ops.elu(inputs, alpha=self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


@export("lamina.layers.Softmax")
class Softmax(_Elementwise):
    """Softmax over `axis`; masked positions get zero probability."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs, mask=None):
        if mask is not None:
            penalty = ops.multiply(ops.subtract(1.0, ops.cast(mask, inputs.dtype)), -1e9)
            inputs = ops.add(inputs, penalty)
        if isinstance(self.axis, (tuple, list)) and len(self.axis) > 1:
            outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=self.axis,
                                                                 keepdims=True)))
        else:
            axis = self.axis[0] if isinstance(self.axis, (tuple, list)) else self.axis
            outputs = ops.softmax(inputs, axis=axis)
        if mask is not None:  # masked positions are exactly zero, as in Keras
            outputs = ops.multiply(outputs, ops.cast(mask, outputs.dtype))
        return outputs

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


@export("lamina.layers.PReLU")
class PReLU(Layer):
    """Leaky ReLU with a learned slope per unit (shared along `shared_axes`)."""

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None or isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes) if shared_axes is not None else None
        else:
            self.shared_axes = [shared_axes]

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        self.alpha = self.add_weight(shape=tuple(shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        positive = ops.relu(inputs)
        negative = ops.multiply(ops.negative(self.alpha), ops.relu(ops.negative(inputs)))
        return ops.add(positive, negative)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": serialize_keras_object(self.alpha_initializer),
                "alpha_regularizer": serialize_keras_object(self.alpha_regularizer),
                "alpha_constraint": serialize_keras_object(self.alpha_constraint),
                "shared_axes": self.shared_axes}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("alpha_initializer"), dict):
            config["alpha_initializer"] = initializers.deserialize(config["alpha_initializer"])
        if isinstance(config.get("alpha_regularizer"), dict):
            config["alpha_regularizer"] = regularizers.deserialize(config["alpha_regularizer"])
        if isinstance(config.get("alpha_constraint"), dict):
            config["alpha_constraint"] = constraints.deserialize(config["alpha_constraint"])
        return cls(**config)
