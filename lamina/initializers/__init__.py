"""`lamina.initializers`: weight initializers, drawn from NumPy so that every backend starts
from the same weights for the same seed."""

import inspect

from lamina import api_export
from lamina.api_export import export, populate
from lamina.initializers import initializers  # noqa: F401
from lamina.saving import serialization_lib

NAMESPACE = "lamina.initializers"
api_export.register("lamina.Initializer", initializers.Initializer)
# Names Keras also accepts for some initializers.
_ALIASES = {"uniform": "RandomUniform", "normal": "RandomNormal",
            "truncated_normal": "TruncatedNormal"}


@export("lamina.initializers.serialize")
def serialize(initializer):
    """The config of an initializer, in Keras' format."""
    return serialization_lib.serialize_keras_object(initializer)


@export("lamina.initializers.deserialize")
def deserialize(config, custom_objects=None):
    """The initializer a config describes."""
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects,
        module_objects=api_export.symbols(NAMESPACE),
    )


@export("lamina.initializers.get")
def get(identifier):
    """An initializer from a name ("glorot_uniform"), a config, an instance or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        identifier = _ALIASES.get(identifier, identifier)
        found = api_export.symbols(NAMESPACE).get(identifier)
        if found is None:
            from lamina.saving.object_registration import get_registered_object

            found = get_registered_object(identifier)
        if found is None or not inspect.isclass(found):
            raise ValueError(
                f"Unknown initializer identifier: {identifier!r}. Expected a name such as "
                "'glorot_uniform', 'zeros', 'he_normal', an Initializer or a callable."
            )
        return found()
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier!r}.")


populate(__name__, globals())
