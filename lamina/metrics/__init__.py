"""`lamina.metrics`: metric classes and functions, looked up by name with `get`.

`metric.py` holds the `Metric` base class; the other modules group metrics as Keras does.
Everything is written against `lamina.ops` (never a framework), so that a metric runs
eagerly and inside a compiled step through `stateless_update_state`.
"""

import inspect
import re

from lamina import api_export
from lamina.api_export import export, populate
from lamina.losses import losses as _losses  # noqa: F401 - registers metric functions too
from lamina.saving import serialization_lib

NAMESPACE = "lamina.metrics"
# Every module here registers its metrics; a new file needs no list to be edited.
api_export.import_submodules(__name__, __path__)
_HELPERS = ("get", "serialize", "deserialize")

ALIASES = {
    "bce": "BinaryCrossentropy",
    "BCE": "BinaryCrossentropy",
    "mse": "MeanSquaredError",
    "MSE": "MeanSquaredError",
    "mae": "MeanAbsoluteError",
    "MAE": "MeanAbsoluteError",
    "mape": "MeanAbsolutePercentageError",
    "MAPE": "MeanAbsolutePercentageError",
    "msle": "MeanSquaredLogarithmicError",
    "MSLE": "MeanSquaredLogarithmicError",
}


def to_snake_case(name):
    """Keras' snake case of a class name: "MeanSquaredError" -> "mean_squared_error"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def all_objects():
    """`{name: class}` of every built-in metric class, by class name, snake-case name and
    alias (as Keras' `metrics.get` resolves them; functions are not included)."""
    classes = {k: v for k, v in api_export.symbols(NAMESPACE).items()
               if inspect.isclass(v) and k not in _HELPERS}
    objects = dict(classes)
    objects.update({to_snake_case(name): cls for name, cls in classes.items()})
    objects.update({alias: classes[target] for alias, target in ALIASES.items()})
    return objects


@export("lamina.metrics.serialize")
def serialize(metric):
    """The config of a `Metric` (or metric function), in Keras' format."""
    return serialization_lib.serialize_keras_object(metric)


@export("lamina.metrics.deserialize")
def deserialize(config, custom_objects=None):
    """The metric a config (or name) describes."""
    return serialization_lib.deserialize_keras_object(
        config, module_objects=all_objects(), custom_objects=custom_objects)


@export("lamina.metrics.get")
def get(identifier):
    """A metric from a name ("mse", "accuracy", "AUC"), a config, a `Metric` or a callable;
    names of classes give new instances.

    Example:
    >>> type(lamina.metrics.get("mae")).__name__
    'MeanAbsoluteError'
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
        f"Could not interpret metric identifier: {identifier!r}. Expected a metric name such "
        "as 'accuracy' or 'mae', a Metric instance, a config dict or a callable."
    )


populate(__name__, globals())
