"""`Functional`: a model defined by a graph from `Input`s to outputs.

The graph is the nodes recorded when layers and ops were called on symbolic tensors. Calling
the model replays those nodes in topological order on real tensors (or on symbolic ones, to
nest the model in another graph), passing `training` and masks along.
"""

from lamina import tree
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer, current_call_context
from lamina.models.model import Model


def _ordered_nodes(outputs):
    """Every node that leads to `outputs`, parents before children, and their depth order."""
    order, visiting, done = [], set(), set()

    def visit(node):
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("The graph of the model has a cycle.")
        visiting.add(id(node))
        for parent in node.parent_nodes:
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for output in outputs:
        history = output._keras_history
        if history is None:
            raise ValueError(
                f"Output tensor {output} is not the result of a layer or op called on an "
                "Input: every output of a functional Model must come from its inputs."
            )
        visit(history.operation._inbound_nodes[history.node_index])
    return order


@export("lamina.models.Functional")
class Functional(Model):
    """A model built from `inputs` and `outputs` symbolic tensors (see `lamina.Model`).

    Args:
        inputs: an Input tensor, or a list/dict of them.
        outputs: a tensor computed from the inputs, or a list/dict of them.
        name: the model's name.
    """

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, inputs, outputs, name=None, **kwargs):
        trainable = kwargs.pop("trainable", True)
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        if isinstance(inputs, dict):
            for key, value in inputs.items():
                if not isinstance(value, KerasTensor):
                    raise ValueError(f"Input {key!r} of the model must be an Input tensor, "
                                     f"received {value!r}.")
        flat_inputs = tree.flatten(inputs)
        flat_outputs = tree.flatten(outputs)
        for x in flat_inputs:
            if not isinstance(x, KerasTensor):
                raise ValueError(
                    "All `inputs` values must be KerasTensors (what lamina.Input returns). "
                    f"Received: inputs={inputs!r} including invalid value {x!r} of type "
                    f"{type(x).__name__}"
                )
        for x in flat_outputs:
            if not isinstance(x, KerasTensor):
                raise ValueError(
                    "All `outputs` values must be KerasTensors computed from the inputs. "
                    f"Received an invalid value {x!r} of type {type(x).__name__}"
                )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._graph_inputs = flat_inputs
        self._graph_outputs = flat_outputs
        self._nodes = _ordered_nodes(flat_outputs)
        input_ids = {id(x) for x in flat_inputs}
        for node in self._nodes:
            if node.is_input:
                for out in node.outputs:
                    if id(out) not in input_ids:
                        raise ValueError(
                            f"Graph disconnected: cannot find the input {out} (of layer "
                            f"{node.operation.name!r}) in the model's inputs. Pass it in "
                            "`inputs` or remove the layers that depend on it."
                        )
        layers = []
        for node in self._nodes:
            operation = node.operation
            if isinstance(operation, Layer) and not any(operation is l for l in layers):
                layers.append(operation)
        # Input layers first, in the order of the inputs, as Keras lists them.
        input_layers = [x._keras_history.operation for x in flat_inputs]
        others = [l for l in layers if not any(l is i for i in input_layers)]
        object.__setattr__(self, "_graph_layers", input_layers + others)
        for layer in others:
            self._track(layer)
        self.built = True
        self._build_shapes = tree.map_structure(lambda x: x.shape, inputs)

    @property
    def layers(self):
        return list(self._graph_layers)

    @property
    def inputs(self):
        return self._graph_inputs if not isinstance(self._inputs_struct, dict) else self._inputs_struct

    @property
    def outputs(self):
        return self._graph_outputs if not isinstance(self._outputs_struct, dict) else self._outputs_struct

    @property
    def input_names(self):
        return [x._keras_history.operation.name for x in self._graph_inputs]

    @property
    def output_names(self):
        if isinstance(self._outputs_struct, dict):
            # In the order tree.flatten gives the outputs (sorted keys).
            return tree.flatten({k: k for k in self._outputs_struct})
        return [x._keras_history.operation.name for x in self._graph_outputs]

    @property
    def input_shape(self):
        shapes = [x.shape for x in self._graph_inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [x.shape for x in self._graph_outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _standardize_inputs(self, inputs):
        """The call's inputs as a flat list matching the graph's inputs."""
        expected = self._graph_inputs
        if isinstance(inputs, dict):
            names = [x._keras_history.operation.name for x in expected]
            if isinstance(self._inputs_struct, dict):
                keys = list(tree.flatten({k: k for k in self._inputs_struct}))
                names = keys
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name!r} expects inputs named {names}, but the dict passed "
                    f"lacks {missing} (received keys {sorted(inputs)})."
                )
            flat = [inputs[n] for n in names]
        else:
            flat = tree.flatten(inputs)
        if len(flat) != len(expected):
            raise ValueError(
                f'Layer "{self.name}" expects {len(expected)} input(s), but it received '
                f"{len(flat)} input tensors."
            )
        return flat

    def build(self, input_shape):
        self.built = True

    def _maybe_build(self, args):
        self.built = True

    def call(self, inputs, training=None, mask=None):
        flat_inputs = self._standardize_inputs(inputs)
        values, masks = {}, {}
        flat_masks = tree.flatten(mask) if mask is not None else [None] * len(flat_inputs)
        if len(flat_masks) != len(flat_inputs):
            flat_masks = [None] * len(flat_inputs)
        for graph_input, value, m in zip(self._graph_inputs, flat_inputs, flat_masks):
            layer = graph_input._keras_history.operation
            if isinstance(layer, InputLayer) and not isinstance(value, KerasTensor):
                value = self._cast_input(value, layer)
            values[id(graph_input)] = value
            masks[id(graph_input)] = m
        if training is None:
            context = current_call_context()
            training = context.training if context is not None else None
        for node in self._nodes:
            if node.is_input:
                continue
            operation = node.operation
            args, kwargs = node.arguments_with(values)
            if isinstance(operation, Layer):
                if operation._call_has_training and "training" not in kwargs and training is not None:
                    kwargs["training"] = training
                if operation._call_has_mask and kwargs.get("mask") is None:
                    first_inputs = [t for t in tree.flatten(node.call_args[:1]) if isinstance(t, KerasTensor)]
                    input_masks = [masks.get(id(t)) for t in first_inputs]
                    if any(m is not None for m in input_masks):
                        kwargs["mask"] = input_masks[0] if len(input_masks) == 1 else input_masks
                outputs = operation(*args, **kwargs)
            else:
                outputs = operation.call(*args, **kwargs) if not _has_symbolic(args, kwargs) else operation.symbolic_call(*args, **kwargs)
            flat_outputs = tree.flatten(outputs)
            out_masks = self._output_masks(operation, node, args, kwargs, masks, len(flat_outputs))
            for symbolic, value, m in zip(node.outputs, flat_outputs, out_masks):
                values[id(symbolic)] = value
                masks[id(symbolic)] = m
        result = [values[id(x)] for x in self._graph_outputs]
        # The outputs' masks, for the trainer to pass to the losses (read right after a call).
        object.__setattr__(self, "_last_call_masks", [masks.get(id(x)) for x in self._graph_outputs])
        return tree.pack_sequence_as(self._outputs_struct, result)

    def _output_masks(self, operation, node, args, kwargs, masks, count):
        if not isinstance(operation, Layer):
            return [None] * count
        if not operation.supports_masking and type(operation).compute_mask is Layer.compute_mask:
            return [None] * count
        first_inputs = [t for t in tree.flatten(node.call_args[:1]) if isinstance(t, KerasTensor)]
        input_masks = [masks.get(id(t)) for t in first_inputs]
        previous = kwargs.get("mask")
        if previous is None:
            previous = input_masks[0] if len(input_masks) == 1 else (input_masks or None)
            if isinstance(previous, list) and all(m is None for m in previous):
                previous = None
        mask = operation.compute_mask(args[0] if args else None, previous)
        if mask is None:
            return [None] * count
        if isinstance(mask, (list, tuple)):
            return list(mask) + [None] * (count - len(mask))
        return [mask] * count

    def _cast_input(self, value, input_layer):
        from lamina.backend import active
        from lamina.backend.common import dtypes

        if value is None:
            return value
        wanted = input_layer.dtype
        current = dtypes.dtype_of_value(value, weak=False)
        if current != wanted and (dtypes.is_float_dtype(wanted) or not dtypes.is_float_dtype(current)):
            if dtypes.is_float_dtype(wanted) or dtypes.is_int_dtype(wanted) or wanted == "bool":
                return active.core.cast(value, wanted)
        return active.core.convert_to_tensor(value)

    def compute_output_spec(self, inputs, training=None, mask=None):
        return self.call(inputs, training=training, mask=mask)

    def get_layer(self, name=None, index=None):
        return Model.get_layer(self, name=name, index=index)


def _has_symbolic(args, kwargs):
    from lamina.backend import any_symbolic_tensors

    return any_symbolic_tensors(args, kwargs)


# -- serialization: Keras 3's functional config ----------------------------------------------


def _node_key(operation, node):
    return id(operation), id(node)


def functional_get_config(model):
    """The Keras 3 config of a functional model: layers with inbound nodes, inputs, outputs."""
    from lamina.ops.operation import FunctionOperation
    from lamina.saving.serialization_lib import serialize_keras_object

    # Ops called twice get the same name ("get_item"); a config needs unique names.
    from lamina.saving.serialization_lib import unique_operation_names

    names = unique_operation_names(node.operation for node in model._nodes)
    node_index = {}  # (id(op), id(node)) -> index among this model's nodes of the op
    per_operation = {}
    for node in model._nodes:
        operation = node.operation
        count = per_operation.get(id(operation), 0)
        node_index[_node_key(operation, node)] = count
        per_operation[id(operation)] = count + 1

    def tensor_config(x):
        history = x._keras_history
        operation = history.operation
        node = operation._inbound_nodes[history.node_index]
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(x.shape), "dtype": x.dtype,
            "keras_history": [names[id(operation)], node_index[_node_key(operation, node)],
                              history.tensor_index]}}

    def encode(value):
        if isinstance(value, KerasTensor):
            return tensor_config(value)
        if isinstance(value, (list, tuple)):
            return [encode(v) for v in value]
        if isinstance(value, dict):
            return {k: encode(v) for k, v in value.items()}
        return serialize_keras_object(value)

    layer_configs, seen = [], set()
    for node in model._nodes:
        operation = node.operation
        if id(operation) in seen:
            continue
        seen.add(id(operation))
        if isinstance(operation, FunctionOperation):
            # Keras' operation-class format (saving/serialization_lib), readable by Keras 3.
            from lamina.saving.serialization_lib import serialize_operation_node

            entry, call_args, call_kwargs = serialize_operation_node(operation, node)
            entry["name"] = entry["config"]["name"] = names[id(operation)]
            entry["inbound_nodes"] = [{"args": encode(call_args), "kwargs": encode(call_kwargs)}]
            layer_configs.append(entry)
            continue
        else:
            entry = serialize_keras_object(operation)
        entry["name"] = names[id(operation)]
        nodes = []
        for other in model._nodes:
            if other.operation is operation and not other.is_input:
                nodes.append({"args": encode(list(other.call_args)),
                              "kwargs": encode(other.call_kwargs)})
        entry["inbound_nodes"] = nodes
        layer_configs.append(entry)

    def endpoint(x):
        history = x._keras_history
        operation = history.operation
        node = operation._inbound_nodes[history.node_index]
        return [names[id(operation)], node_index[_node_key(operation, node)], history.tensor_index]

    def structure(value, fn):
        if isinstance(value, dict):
            return {k: fn(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [fn(v) for v in value]
        return fn(value)

    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": structure(model._inputs_struct, endpoint),
        "output_layers": structure(model._outputs_struct, endpoint),
    }


def functional_from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model from `functional_get_config`'s output (Keras' format)."""
    from lamina import api_export
    from lamina.saving.serialization_lib import deserialize_keras_object

    created = {}
    outputs_by_node = {}  # (layer name, node index) -> output tensors

    def make_operation(entry):
        if entry.get("class_name") == "LaminaOp":
            name = entry["config"]["function"]
            function = api_export.REGISTRY.get("lamina.ops", {}).get(name)
            if function is None or not hasattr(function, "compute"):
                raise ValueError(f"Unknown lamina op {name!r} in the model config.")
            return ("op", function)
        return ("layer", deserialize_keras_object(entry, custom_objects=custom_objects))

    def decode(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            name, index, tensor_index = value["config"]["keras_history"]
            key = (name, index)
            if key not in outputs_by_node:
                raise _Pending()
            return outputs_by_node[key][tensor_index]
        if isinstance(value, list):
            return [decode(v) for v in value]
        if isinstance(value, dict) and "class_name" not in value:
            return {k: decode(v) for k, v in value.items()}
        if isinstance(value, dict):
            return deserialize_keras_object(value, custom_objects=custom_objects)
        return value

    pending = []
    for entry in config["layers"]:
        kind, operation = make_operation(entry)
        created[entry["name"]] = (kind, operation)
        if kind == "layer" and isinstance(operation, InputLayer):
            outputs_by_node[(entry["name"], 0)] = [operation.output]
            continue
        for index, node in enumerate(entry.get("inbound_nodes", [])):
            pending.append((entry["name"], index, node))
    # Nodes are replayed as soon as their inputs exist (configs list layers in graph order,
    # but a shared layer's later nodes may depend on layers listed after it).
    while pending:
        progressed = False
        remaining = []
        for name, index, node in pending:
            kind, operation = created[name]
            if _is_keras_node_format(node):
                args_config, kwargs_config = node["args"], node.get("kwargs", {})
            else:
                args_config, kwargs_config = _legacy_node(node), {}
            try:
                args = decode(args_config)
                kwargs = decode(kwargs_config)
            except _Pending:
                remaining.append((name, index, node))
                continue
            result = operation(*args, **kwargs)
            outputs_by_node[(name, index)] = tree.flatten(result)
            progressed = True
        if not progressed:
            missing = sorted({n for n, _, _ in remaining})
            raise ValueError(f"The model config has inputs that are never produced: {missing}.")
        pending = remaining

    def endpoint(value):
        name, index, tensor_index = value
        return outputs_by_node[(name, index)][tensor_index]

    def structure(value):
        if isinstance(value, dict):
            return {k: endpoint(v) for k, v in value.items()}
        if isinstance(value, list) and value and isinstance(value[0], list):
            return [endpoint(v) for v in value]
        return endpoint(value)

    inputs = structure(config["input_layers"])
    outputs = structure(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1 and not isinstance(config["input_layers"][0], str):
        inputs = inputs[0] if len(config["input_layers"]) == 1 else inputs
    if isinstance(outputs, list) and len(outputs) == 1 and isinstance(config["output_layers"][0], list):
        outputs = outputs[0]
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"),
               trainable=config.get("trainable", True))


class _Pending(Exception):
    """A node's input is not built yet."""


def _is_keras_node_format(node):
    return isinstance(node, dict) and "args" in node


def _legacy_node(node):
    """Older Keras configs list a node as `[[name, node_index, tensor_index, kwargs], ...]`."""
    args = []
    for item in node:
        name, index, tensor_index = item[0], item[1], item[2]
        args.append({"class_name": "__keras_tensor__",
                     "config": {"keras_history": [name, index, tensor_index]}})
    return [args[0]] if len(args) == 1 else [args]


def _functional_get_config(self):
    return functional_get_config(self)


def _functional_from_config(cls, config, custom_objects=None):
    return functional_from_config(cls, config, custom_objects)


Functional.get_config = _functional_get_config
Functional.from_config = classmethod(_functional_from_config)
