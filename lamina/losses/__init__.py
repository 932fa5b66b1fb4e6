"""`lamina.losses`: loss classes and functions, looked up by name with `get`.

`loss.py` holds the `Loss` base class and the shared weighting/masking/reduction,
`losses.py` every built-in loss. Both are written against `lamina.ops` only.
"""

import inspect

from lamina import api_export
from lamina.api_export import export, populate
from lamina.losses import losses
from lamina.saving import serialization_lib

NAMESPACE = "lamina.losses"
# Every module here registers its losses; a new file needs no list to be edited.
api_export.import_submodules(__name__, __path__)
_HELPERS = ("get", "serialize", "deserialize")

# Short names Keras accepts in `compile(loss=...)` and `losses.get`.
ALIASES = {
    "bce": "binary_crossentropy",
    "BCE": "binary_crossentropy",
    "kld": "kl_divergence",
    "KLD": "kl_divergence",
    "mae": "mean_absolute_error",
    "MAE": "mean_absolute_error",
    "mse": "mean_squared_error",
    "MSE": "mean_squared_error",
    "mape": "mean_absolute_percentage_error",
    "MAPE": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "MSLE": "mean_squared_logarithmic_error",
}


def all_objects():
    """`{name: class or function}` of every built-in loss, aliases included."""
    objects = {k: v for k, v in api_export.symbols(NAMESPACE).items() if k not in _HELPERS}
    objects["LossFunctionWrapper"] = losses.LossFunctionWrapper
    objects.update({alias: objects[target] for alias, target in ALIASES.items()})
    return objects


@export("lamina.losses.serialize")
def serialize(loss):
    """The config of a `Loss` instance or loss function, in Keras' format.

    Example:
    >>> lamina.losses.serialize(lamina.losses.MeanSquaredError())["class_name"]
    'MeanSquaredError'
    """
    return serialization_lib.serialize_keras_object(loss)


@export("lamina.losses.deserialize")
def deserialize(name, custom_objects=None):
    """The `Loss` instance or loss function a config (or name) describes."""
    return serialization_lib.deserialize_keras_object(
        name, module_objects=all_objects(), custom_objects=custom_objects)


@export("lamina.losses.get")
def get(identifier):
    """A loss from a name ("mse", "categorical_crossentropy", "Huber"), a config, a `Loss`
    or a callable; class names give instances, function names the function.

    Example:
    >>> lamina.losses.get("mse") is lamina.losses.mean_squared_error
    True
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = all_objects().get(identifier, None)
        if obj is None:
            from lamina.saving.object_registration import get_registered_object

            obj = get_registered_object(identifier)
    else:
        obj = identifier
    if callable(obj):
        return obj() if inspect.isclass(obj) else obj
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Expected a loss name such as "
        "'mse' or 'categorical_crossentropy', a Loss instance, a config dict or a callable."
    )


populate(__name__, globals())
