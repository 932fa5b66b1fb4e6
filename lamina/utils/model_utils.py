"""Helpers on models and tensors: source inputs, model cloning, JSON round trips."""

import json

from lamina.api_export import export
from lamina.backend.common.keras_tensor import is_keras_tensor


@export("lamina.utils.get_source_inputs")
def get_source_inputs(tensor):
    """The `Input` tensors a symbolic tensor was computed from."""
    if not is_keras_tensor(tensor):
        raise ValueError(f"get_source_inputs expects a symbolic tensor, received {tensor!r}.")
    out, seen = [], set()
    stack = [tensor]
    while stack:
        t = stack.pop()
        history = t._keras_history
        if history is None:
            continue
        node = history.operation._inbound_nodes[history.node_index]
        if node.is_input:
            if id(t) not in seen:
                seen.add(id(t))
                out.append(t)
            continue
        stack.extend(reversed(node.input_tensors))
    return out


@export("lamina.utils.is_keras_tensor")
def is_keras_tensor_(x):
    """Whether `x` is a symbolic tensor."""
    return is_keras_tensor(x)


@export("lamina.models.clone_model")
def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture and new weights (from its config)."""
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential
    from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

    if clone_function is not None:
        if isinstance(model, Sequential):
            new_layers = [clone_function(layer) for layer in model.layers]
            from lamina.layers.core.input_layer import InputLayer

            first = model._stack[0]
            stack = ([InputLayer(batch_shape=first.batch_shape, dtype=first.dtype)]
                     if isinstance(first, InputLayer) else [])
            return Sequential(stack + new_layers, name=model.name)
        raise NotImplementedError(
            "clone_model(clone_function=...) is supported for Sequential models; for functional "
            "models, rebuild the graph with the cloned layers."
        )
    if not isinstance(model, (Functional, Sequential)):
        config = serialize_keras_object(model)
        return deserialize_keras_object(config)
    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    config.pop("build_config", None)
    return deserialize_keras_object(config)


@export("lamina.models.model_from_json")
def model_from_json(json_string, custom_objects=None):
    """The model a `model.to_json()` string describes (new weights)."""
    from lamina.saving.serialization_lib import deserialize_keras_object

    return deserialize_keras_object(json.loads(json_string), custom_objects=custom_objects)


def model_to_json(model, **kwargs):
    from lamina.saving.serialization_lib import serialize_keras_object

    config = serialize_keras_object(model)
    config.pop("compile_config", None)
    return json.dumps(config, **kwargs)
