"""`lamina.layers.serialize` / `deserialize`."""

from lamina import api_export
from lamina.api_export import export


@export("lamina.layers.serialize")
def serialize(layer):
    """The config of a layer, in Keras' format."""
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(layer)


@export("lamina.layers.deserialize")
def deserialize(config, custom_objects=None):
    """The layer a config describes (resolved through lamina's registry only)."""
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(config, custom_objects=custom_objects,
                                    module_objects=api_export.REGISTRY.get("lamina.layers", {}))
