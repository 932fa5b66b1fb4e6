"""`GroupNormalization`: normalize each sample over groups of channels."""

from lamina import backend, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.layers.layer import InputSpec, Layer
from lamina.saving.serialization_lib import serialize_keras_object


@export("lamina.layers.GroupNormalization")
class GroupNormalization(Layer):
    """Splits the channels along `axis` into `groups` and normalizes each group per sample
    (over the group's channels and every other non-batch axis).

    `groups=1` is layer normalization over all features; `groups=-1` (one group per
    channel) is instance normalization.

    Args:
        groups: the number of groups (dividing the channels), or -1.
        axis: the channel axis.
        epsilon: added to the variance.
        center, scale: whether to learn `beta` / `gamma` (one value per channel).
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: for the weights.

    Example:
    >>> GroupNormalization(groups=2)(np.random.rand(2, 5, 4)).shape
    (2, 5, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        if not isinstance(groups, int) or (groups <= 0 and groups != -1):
            raise ValueError(
                "Received an invalid value for argument `groups`, expected a positive integer "
                f"(or `-1` for instance normalization). Received: groups={groups}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self.autocast = False
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def build(self, input_shape):
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(
                f"Axis {self.axis} of input tensor should have a defined dimension but the "
                f"layer received an input with shape {tuple(input_shape)}."
            )
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) cannot be more than the number of channels "
                f"({channels})."
            )
        if channels % self.groups:
            raise ValueError(
                f"Number of groups ({self.groups}) must be a divisor of the number of channels "
                f"({channels})."
            )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={self.axis: channels})
        self.gamma = self.add_weight(
            shape=(channels,), name="gamma", initializer=self.gamma_initializer,
            regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            autocast=False) if self.scale else None
        self.beta = self.add_weight(
            shape=(channels,), name="beta", initializer=self.beta_initializer,
            regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            autocast=False) if self.center else None
        self.built = True

    def call(self, inputs):
        input_dtype = inputs.dtype
        x = ops.cast(inputs, backend.result_type(input_dtype, "float32"))
        rank = len(x.shape)
        axis = self.axis % rank
        shape = ops.shape(x)
        # (batch, ..., groups, channels // groups, ...): the group axis is inserted at `axis`.
        grouped_shape = [-1] + [shape[i] for i in range(1, rank)]
        grouped_shape[axis] = shape[axis] // self.groups
        grouped_shape.insert(axis, self.groups)
        grouped = ops.reshape(x, grouped_shape)
        reduction_axes = [i for i in range(1, rank + 1) if i != axis]
        mean, variance = ops.moments(grouped, axes=reduction_axes, keepdims=True)
        inv = ops.divide(1.0, ops.sqrt(ops.add(variance, self.epsilon)))
        broadcast = [1] * (rank + 1)
        broadcast[axis] = self.groups
        broadcast[axis + 1] = shape[axis] // self.groups
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(ops.cast(self.gamma, x.dtype), broadcast))
        offset = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            offset = ops.add(offset, ops.reshape(ops.cast(self.beta, x.dtype), broadcast))
        outputs = ops.add(ops.multiply(grouped, inv), offset)
        outputs = ops.reshape(outputs, shape)
        return ops.cast(outputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        if not -len(input_shape) <= self.axis < len(input_shape):
            raise ValueError(
                f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}. "
                f"Received: axis={self.axis}"
            )
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": serialize_keras_object(self.beta_initializer),
            "gamma_initializer": serialize_keras_object(self.gamma_initializer),
            "beta_regularizer": serialize_keras_object(self.beta_regularizer),
            "gamma_regularizer": serialize_keras_object(self.gamma_regularizer),
            "beta_constraint": serialize_keras_object(self.beta_constraint),
            "gamma_constraint": serialize_keras_object(self.gamma_constraint),
        }
