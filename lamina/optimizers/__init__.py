"""`lamina.optimizers`: optimizers, written once against `lamina.ops` (never a framework).

`base_optimizer.Optimizer` holds everything shared (clipping, weight decay, EMA, gradient
accumulation, `stateless_apply`); each algorithm is one file with `build` and `update_step`.
Learning rate schedules live in the `schedules` subpackage. Every module here is imported
with the package (they register the public symbols), so a new file needs no list to be edited.
"""

from lamina import api_export
from lamina.api_export import export, populate
from lamina.optimizers import loss_scale_optimizer
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving import serialization_lib

NAMESPACE = "lamina.optimizers"

api_export.import_submodules(__name__, __path__)
api_export.register("lamina.Optimizer", Optimizer)
api_export.register("lamina.mixed_precision.LossScaleOptimizer",
                    loss_scale_optimizer.LossScaleOptimizer)


def _by_lowercase_name():
    return {name.lower(): obj for name, obj in api_export.symbols(NAMESPACE).items()
            if isinstance(obj, type) and issubclass(obj, Optimizer)}


@export("lamina.optimizers.serialize")
def serialize(optimizer):
    """The config of an optimizer, in Keras' format (`{"class_name": ..., "config": ...}`)."""
    return serialization_lib.serialize_keras_object(optimizer)


@export("lamina.optimizers.deserialize")
def deserialize(config, custom_objects=None):
    """The optimizer a config describes; built-in class names match case-insensitively."""
    config = dict(config)
    builtin = _by_lowercase_name()
    class_name = config.get("class_name")
    if isinstance(class_name, str) and class_name.lower() in builtin and not (
        custom_objects and class_name in custom_objects
    ):
        config["class_name"] = builtin[class_name.lower()].__name__
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects,
        module_objects=api_export.symbols(NAMESPACE),
    )


@export("lamina.optimizers.get")
def get(identifier):
    """An optimizer from a name ("adam", "sgd", "rmsprop", ...), a config or an instance.

    Example:
    >>> lamina.optimizers.get("adam").learning_rate
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = deserialize({"class_name": identifier, "config": {}})
    else:
        obj = identifier
    if isinstance(obj, Optimizer):
        return obj
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


populate(__name__, globals())
