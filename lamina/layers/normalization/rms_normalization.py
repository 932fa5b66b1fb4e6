"""`RMSNormalization`: scale by the inverse root mean square over `axis`."""

from lamina import ops
from lamina.api_export import export
from lamina.layers.layer import Layer


@export("lamina.layers.RMSNormalization")
class RMSNormalization(Layer):
    """`x / sqrt(mean(x**2, axis) + epsilon) * scale`, with a learned `scale`.

    Args:
        axis: an int or a list of ints, the axes normalized (and the shape of `scale`).
        epsilon: added to the mean square.

    Weights:
        `scale` of shape `inputs.shape[axis]`, initialized to ones.

    Example:
    >>> RMSNormalization()(np.random.rand(2, 5)).shape
    (2, 5)
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon

    def build(self, input_shape):
        if isinstance(self.axis, (list, tuple)):
            self.axis = sorted(self.axis)
        else:
            self.axis = [self.axis]
        shape = tuple(input_shape[a] for a in self.axis)
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, x):
        return ops.rms_normalization(x, scale=self.scale, axis=self.axis, epsilon=self.epsilon)

    def compute_output_shape(self, input_shape):
        for axis in self.axis if isinstance(self.axis, (list, tuple)) else [self.axis]:
            if not -len(input_shape) <= axis < len(input_shape):
                raise ValueError(
                    f"Axis {axis} is out of bounds for input shape {tuple(input_shape)}. "
                    f"Received: axis={self.axis}"
                )
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
