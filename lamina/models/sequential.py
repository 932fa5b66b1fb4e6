"""`Sequential`: a plain stack of layers, each with one input and one output."""

from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.backend.common import global_state
from lamina.layers.core.input_layer import InputLayer
from lamina.layers.layer import Layer
from lamina.models.functional import Functional
from lamina.models.model import Model


@export("lamina.Sequential", "lamina.models.Sequential")
class Sequential(Model):
    """A model that applies its layers one after the other.

    Args:
        layers: a list of layers (the first may be `lamina.Input(shape)`).
        trainable: whether the model's weights are trainable.
        name: the model's name.

    Example:
    >>> model = lamina.Sequential([
    ...     lamina.Input((30,)),
    ...     lamina.layers.Dense(16, activation="relu"),
    ...     lamina.layers.Dense(1, activation="sigmoid"),
    ... ])
    """

    def __new__(cls, *args, **kwargs):
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        object.__setattr__(self, "_stack", [])
        object.__setattr__(self, "_functional", None)
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input` tensor, which must come first)."""
        if isinstance(layer, KerasTensor) and layer._keras_history is not None:
            layer = layer._keras_history.operation
        if not isinstance(layer, Layer):
            raise ValueError(
                "Only instances of `lamina.Layer` can be added to a Sequential model. "
                f"Received: {layer!r} (of type {type(layer).__name__})"
            )
        if isinstance(layer, InputLayer) and self._stack:
            raise ValueError(
                f"Sequential model {self.name!r} already has layers: an InputLayer can only be "
                "the first layer."
            )
        if any(layer is existing for existing in self._stack):
            raise ValueError(f"Layer {layer.name!r} is already in Sequential model {self.name!r}.")
        names = [l.name for l in self._stack]
        if layer.name in names:
            raise ValueError(
                "All layers added to a Sequential model should have unique names. Name "
                f'"{layer.name}" is already the name of a layer in this model. Update the '
                "`name` argument to pass a unique name."
            )
        self._stack.append(layer)
        if not isinstance(layer, InputLayer):
            self._track(layer)
        if rebuild:
            self._maybe_rebuild()
        else:
            self.built = False

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        layers = self.layers
        if not layers:
            raise ValueError(f"There are no layers in the model {self.name!r}.")
        layer = layers[-1]
        self._stack.pop()
        self._layers = [l for l in self._layers if l is not layer]
        global_state.bump_tracking_version()
        object.__setattr__(self, "_functional", None)
        self.built = False
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _input_batch_shape(self):
        if self._stack and isinstance(self._stack[0], InputLayer):
            return self._stack[0].batch_shape
        if self._stack and self._stack[0]._input_shape_arg is not None:
            return self._stack[0]._input_shape_arg
        return None

    def _maybe_rebuild(self):
        shape = self._input_batch_shape()
        if shape is not None and len(self.layers) > 0:
            self.build(shape)

    def build(self, input_shape=None):
        if input_shape is None:
            input_shape = self._input_batch_shape()
        if input_shape is None:
            raise ValueError(
                f"Sequential model {self.name!r} cannot be built: it has no Input and no "
                "input shape was given. Add `lamina.Input(shape)` first, or call the model on "
                "data."
            )
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            input_shape = input_shape[0]
        if self._stack and isinstance(self._stack[0], InputLayer):
            input_layer = self._stack[0]
            if tuple(input_layer.batch_shape) != tuple(input_shape) and len(input_layer.batch_shape) != len(input_shape):
                raise ValueError(
                    f"Sequential model {self.name!r} has Input shape {input_layer.batch_shape} "
                    f"but was built with shape {tuple(input_shape)}."
                )
        else:
            dtype = None
            if self._stack and self._stack[0]._input_shape_arg is not None:
                dtype = self._stack[0].compute_dtype
            input_layer = InputLayer(batch_shape=tuple(input_shape), dtype=dtype,
                                     )
            self._stack.insert(0, input_layer)
        x = input_layer.output
        inputs = x
        for layer in self._stack[1:]:
            x = layer(x)
        object.__setattr__(self, "_functional", Functional(inputs=inputs, outputs=x,
                                                           name=f"{self.name}_graph"))
        self._build_shapes = tuple(input_shape)
        self.built = True

    @property
    def layers(self):
        return [l for l in self._stack if not isinstance(l, InputLayer)]

    def _maybe_build(self, args):
        if self._functional is None:
            first = args[0]
            shape = tuple(getattr(first, "shape"))
            self.build((None,) + tuple(shape[1:]))

    def call(self, inputs, training=None, mask=None):
        if self._functional is None:
            self.build((None,) + tuple(inputs.shape[1:]))
        return self._functional.call(inputs, training=training, mask=mask)

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is None:
            self.build((None,) + tuple(inputs.shape[1:]))
        return self._functional.call(inputs, training=training, mask=mask)

    @property
    def inputs(self):
        return self._functional.inputs if self._functional is not None else None

    @property
    def outputs(self):
        return self._functional.outputs if self._functional is not None else None

    @property
    def input_shape(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} has not been built yet.")
        return self._functional.input_shape

    @property
    def output_shape(self):
        if self._functional is None:
            raise AttributeError(f"Sequential model {self.name!r} has not been built yet.")
        return self._functional.output_shape

    @property
    def output_names(self):
        return [self.layers[-1].name] if self.layers else []

    def get_config(self):
        from lamina.saving.serialization_lib import serialize_keras_object

        layer_configs = [serialize_keras_object(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable,
                "dtype": self._dtype_policy.get_config_entry(), "layers": layer_configs}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        layer_configs = config.pop("layers")
        config.pop("build_input_shape", None)
        config.pop("dtype", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in layer_configs:
            layer = deserialize_keras_object(layer_config, custom_objects=custom_objects)
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        return model
