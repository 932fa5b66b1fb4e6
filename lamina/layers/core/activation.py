"""`Activation`: applies an activation function."""

from lamina import activations
from lamina.api_export import export
from lamina.layers.layer import Layer


@export("lamina.layers.Activation")
class Activation(Layer):
    """Applies `activation` to its input.

    Args:
        activation: an activation name ("relu") or function.

    Example:
    >>> Activation("relu")(np.array([-1.0, 2.0]))
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
