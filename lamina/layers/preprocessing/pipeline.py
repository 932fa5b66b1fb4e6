"""`Pipeline`: layers applied one after the other, without being a Model."""

from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


@export("lamina.layers.Pipeline")
class Pipeline(Layer):
    """Applies a sequence of layers in order (a light alternative to `Sequential` for
    preprocessing; it has no optimizer, loss or training loop).

    Args:
        layers: the layers, applied first to last.
        name: the pipeline's name.

    Example:
    >>> pipeline = Pipeline([Rescaling(1 / 255.0), Resizing(32, 32)])
    >>> pipeline(np.ones((2, 64, 64, 3))).shape
    (2, 32, 32, 3)
    """

    def __init__(self, layers, name=None):
        super().__init__(name=name)
        self._pipeline_layers = list(layers)

    @property
    def layers(self):
        return self._pipeline_layers

    def call(self, inputs, training=True, mask=None):
        outputs = inputs
        for layer in self._pipeline_layers:
            kwargs = {}
            if layer._call_has_mask and mask is not None:
                kwargs["mask"] = mask
            if layer._call_has_training and training is not None:
                kwargs["training"] = training
            outputs = layer(inputs, **kwargs)
            inputs = outputs
            mask = getattr(outputs, "_keras_mask", None) if isinstance(outputs, KerasTensor) \
                else None
        return outputs

    def get_config(self):
        return {"layers": serialize_keras_object(self._pipeline_layers), "name": self.name}

    @classmethod
    def from_config(cls, config):
        layers = config.get("layers")
        if not isinstance(layers, (list, tuple)):
            raise ValueError(
                "`Pipeline` config must contain a `layers` key mapping to a list of serialized "
                f"layers. Received config with layers={layers}."
            )
        config = {**config}
        config["layers"] = [deserialize_keras_object(x) for x in layers]
        return cls(**config)
