"""`Bidirectional`: a recurrent layer run forwards and backwards, outputs merged."""

from lamina import ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import build_sublayer
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object

_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_with(layer, name, **overrides):
    """A new layer from `layer`'s config with another name (and other overrides)."""
    config = serialize_keras_object(layer)
    config["config"] = {**config["config"], "name": name, **overrides}
    return deserialize_keras_object(config)


def _strip(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


@export("lamina.layers.Bidirectional")
class Bidirectional(Layer):
    """Runs an RNN layer over the sequence in both directions and merges the two outputs.

    Args:
        layer: an RNN layer (`LSTM`, `GRU`, `RNN(cell)`, ...); a copy of it named
            "forward_<name>" runs forwards.
        merge_mode: "concat" (default), "sum", "mul", "ave", or None (a list of both).
        weights: initial weights (forward's then backward's).
        backward_layer: the layer to run backwards (it must have `go_backwards=True`); by
            default a copy of `layer` named "backward_<name>" with `go_backwards=True`.

    Example:
    >>> Bidirectional(LSTM(4, return_sequences=True))(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 8)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer}"
            )
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                "`backward_layer` need to be a `keras.layers.Layer` instance. "
                f"Received: {backward_layer}"
            )
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}'
            )
        super().__init__(**kwargs)
        self.forward_layer = _copy_with(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy_with(layer, f"backward_{_strip(layer.name, 'backward_')}",
                                        go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        self._verify_layer_config()
        # Masked steps output zeros, so both directions line up when merged.
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self._initial_weights = weights
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = False
        self.input_spec = layer.input_spec

    def _verify_layer_config(self):
        forward, backward = self.forward_layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. "
                f"Received: forward_layer.go_backwards {forward.go_backwards}, "
                f"backward_layer.go_backwards={backward.go_backwards}"
            )
        for attribute in ("stateful", "return_sequences", "return_state"):
            a, b = getattr(forward, attribute), getattr(backward, attribute)
            if a != b:
                raise ValueError(
                    "Forward layer and backward layer are expected to have the same value for "
                    f'attribute "{attribute}", got "{a}" for forward layer and "{b}" for '
                    "backward layer"
                )

    @property
    def states(self):
        if self.forward_layer.states and self.backward_layer.states:
            return tuple(self.forward_layer.states) + tuple(self.backward_layer.states)
        return None

    def reset_state(self):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    def reset_states(self):
        self.reset_state()

    def build(self, sequences_shape, initial_state_shape=None):
        build_sublayer(self.forward_layer, sequences_shape)
        build_sublayer(self.backward_layer, sequences_shape)
        if self._initial_weights:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self._initial_weights = None
        self.built = True

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        output_shape = self.forward_layer.compute_output_shape(sequences_shape)
        state_shapes = ()
        if self.return_state:
            output_shape, state_shapes = output_shape[0], tuple(output_shape[1:])
        if self.merge_mode == "concat":
            output_shape = tuple(output_shape[:-1]) + (
                None if output_shape[-1] is None else 2 * output_shape[-1],)
        if self.merge_mode is None:
            outputs = (tuple(output_shape), tuple(output_shape))
        else:
            outputs = (tuple(output_shape),)
        if self.return_state:
            return outputs + state_shapes + state_shapes
        return outputs if self.merge_mode is None else outputs[0]

    def compute_mask(self, inputs, mask):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = (mask, mask) if not self.merge_mode else mask
        else:
            output_mask = (None, None) if not self.merge_mode else None
        if self.return_state:
            states = len(self.forward_layer.state_size) * 2
            outputs = list(output_mask) if isinstance(output_mask, tuple) else [output_mask]
            return outputs + [None] * states
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        if self.forward_layer._call_has_training:
            kwargs["training"] = training
        if self.forward_layer._call_has_mask:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y = ops.cast(y, self.compute_dtype)
        y_rev = ops.cast(y_rev, self.compute_dtype)
        if self.return_sequences:
            y_rev = ops.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = (ops.concatenate([y, y_rev], axis=-1),)
        elif self.merge_mode == "sum":
            output = (ops.add(y, y_rev),)
        elif self.merge_mode == "ave":
            output = (ops.divide(ops.add(y, y_rev), 2.0),)
        elif self.merge_mode == "mul":
            output = (ops.multiply(y, y_rev),)
        else:
            output = (y, y_rev)
        if self.return_state:
            return output + states
        return output[0] if self.merge_mode is not None else output

    def get_config(self):
        return {**super().get_config(), "merge_mode": self.merge_mode,
                "layer": serialize_keras_object(self.forward_layer),
                "backward_layer": serialize_keras_object(self.backward_layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["layer"] = deserialize_keras_object(config["layer"],
                                                   custom_objects=custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = deserialize_keras_object(backward,
                                                                custom_objects=custom_objects)
        return cls(**config)
