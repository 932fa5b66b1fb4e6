"""`lamina.activations`: activation functions, looked up by name with `get`."""

import inspect

from lamina import api_export
from lamina.activations import activations  # noqa: F401
from lamina.api_export import export, populate

NAMESPACE = "lamina.activations"


@export("lamina.activations.serialize")
def serialize(activation):
    """The name of a built-in activation, or the config of a registered/custom one."""
    for name, fn in api_export.symbols(NAMESPACE).items():
        if fn is activation and inspect.isfunction(fn) and name not in ("get", "serialize",
                                                                        "deserialize"):
            return activation.__name__
    from lamina.saving.serialization_lib import serialize_keras_object

    return serialize_keras_object(activation)


@export("lamina.activations.deserialize")
def deserialize(config, custom_objects=None):
    """The activation function a name or config describes."""
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(
        config, custom_objects=custom_objects,
        module_objects={k: v for k, v in api_export.symbols(NAMESPACE).items()
                        if k not in ("get", "serialize", "deserialize")},
    )


@export("lamina.activations.get")
def get(identifier):
    """An activation function from a name ("relu"), a config, or a callable; None is linear."""
    if identifier is None:
        return activations.linear
    if isinstance(identifier, str):
        found = api_export.symbols(NAMESPACE).get(identifier)
        if found is None or identifier in ("get", "serialize", "deserialize"):
            from lamina.saving.object_registration import get_registered_object

            found = get_registered_object(identifier)
        if found is None:
            known = sorted(k for k in api_export.symbols(NAMESPACE)
                           if k not in ("get", "serialize", "deserialize"))
            raise ValueError(
                f"Unknown activation function: {identifier!r}. Expected one of "
                f"{', '.join(known)}, or a callable."
            )
        return found
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(
        f"Could not interpret activation function identifier: {identifier!r} "
        f"(of type {type(identifier).__name__})."
    )


populate(__name__, globals())
