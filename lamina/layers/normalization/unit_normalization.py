"""`UnitNormalization`: scale each sample to unit L2 norm along `axis`."""

from lamina import ops
from lamina.api_export import export
from lamina.layers.layer import Layer


@export("lamina.layers.UnitNormalization")
class UnitNormalization(Layer):
    """`x / max(||x||_2, 1e-12)` along `axis` (an int or a list of ints).

    Example:
    >>> [round(float(v), 3) for v in UnitNormalization()(np.array([[3.0, 4.0]]))[0]]
    [0.6, 0.8]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError(
                "Invalid value for `axis` argument: expected an int or a list/tuple of ints. "
                f"Received: axis={axis!r}"
            )
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        return ops.normalize(inputs, axis=axis, order=2, epsilon=1e-12)

    def compute_output_shape(self, input_shape):
        for axis in self.axis if isinstance(self.axis, list) else [self.axis]:
            if not -len(input_shape) <= axis < len(input_shape):
                raise ValueError(
                    f"Axis {self.axis} is out of bounds for input shape {tuple(input_shape)}."
                )
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
