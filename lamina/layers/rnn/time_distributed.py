"""`Wrapper` (a layer around another layer) and `TimeDistributed` (a layer applied to every
time step)."""

from lamina import ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.rnn.rnn import build_sublayer
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


@export("lamina.layers.Wrapper")
class Wrapper(Layer):
    """Base class of layers that wrap another layer (`layer`), e.g. `TimeDistributed`.

    Args:
        layer: the wrapped layer.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer} supplied to Wrapper isn't a supported layer type. Please "
                "ensure wrapped layer is a valid Keras layer."
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        build_sublayer(self.layer, input_shape)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "layer": serialize_keras_object(self.layer)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_keras_object(config.pop("layer"), custom_objects=custom_objects)
        return cls(layer, **config)


@export("lamina.layers.TimeDistributed")
class TimeDistributed(Wrapper):
    """Applies `layer` to every temporal slice `inputs[:, t]` of `(batch, time, ...)` inputs,
    with the same weights at each step.

    The batch and time axes are merged into one for the wrapped layer (one call, not one per
    step), so it compiles to a single computation.

    Args:
        layer: the layer to apply.

    Example:
    >>> TimeDistributed(Dense(8))(np.ones((2, 10, 4), "float32")).shape
    (2, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` "
                f"instance. Received: {layer}"
            )
        super().__init__(layer, **kwargs)
        self.supports_masking = False  # as in Keras: the mask is consumed, not passed on

    def _get_child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                "`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}"
            )
        return (input_shape[0], *input_shape[2:])

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._get_child_input_shape(input_shape))
        return (child[0], input_shape[1], *child[1:])

    def build(self, input_shape):
        build_sublayer(self.layer, self._get_child_input_shape(input_shape))
        self.built = True

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        if mask is not None:
            mask_shape = tuple(mask.shape)
            if len(mask_shape) < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D "
                    f"(e.g., `(batch_size, timesteps)`), but it has {len(mask_shape)} "
                    f"dimension(s) with shape {mask_shape}."
                )
            if mask_shape[:2] != shape[:2]:
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {mask_shape} "
                    f"that is incompatible with the input shape {shape}. The first two "
                    "dimensions of the mask (batch size and timesteps) must match the input's "
                    f"first two dimensions. Expected mask shape prefix: ({shape[0]}, {shape[1]})."
                )
        batch, steps = shape[0], shape[1]
        kwargs = {}
        if self.layer._call_has_training:
            kwargs["training"] = training
        if self.layer._call_has_mask and mask is not None:
            kwargs["mask"] = ops.reshape(mask, (batch * steps,) + tuple(mask.shape[2:]))
        merged = ops.reshape(inputs, (batch * steps,) + shape[2:])
        outputs = self.layer(merged, **kwargs)
        return ops.reshape(outputs, (batch, steps) + tuple(outputs.shape[1:]))
