"""`Rescaling`: `inputs * scale + offset`."""

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


@export("lamina.layers.Rescaling")
class Rescaling(Layer):
    """Rescales inputs (often images) to `inputs * scale + offset`, as floats.

    Args:
        scale: a float, or one float per channel.
        offset: a float, or one float per channel.

    Example:
    >>> np.asarray(Rescaling(1.0 / 127.5, offset=-1.0)(np.array([0.0, 255.0]))).tolist()
    [-1.0, 1.0]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self.compute_dtype
        scale = ops.cast(self.scale, dtype)
        offset = ops.cast(self.offset, dtype)
        scale_shape = tuple(scale.shape)
        if len(scale_shape) > 0 and backend.image_data_format() == "channels_first":
            scale = ops.reshape(scale, scale_shape + (1,) * (3 - len(scale_shape)))
        return ops.add(ops.multiply(ops.cast(inputs, dtype), scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": serialize_keras_object(self.scale),
                       "offset": serialize_keras_object(self.offset)})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["scale"] = deserialize_keras_object(config["scale"], custom_objects)
        config["offset"] = deserialize_keras_object(config["offset"], custom_objects)
        return cls(**config)
