"""Depthwise convolutions: `DepthwiseConv1D`, `DepthwiseConv2D` (each channel on its own)."""

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import (
    conv_output_length, join_shape, spatial_and_channels, standardize_padding, standardize_tuple,
)
from lamina.layers.layer import InputSpec, Layer
from lamina.saving.serialization_lib import serialize_keras_object


class BaseDepthwiseConv(Layer):
    """Convolves each input channel with `depth_multiplier` filters of its own.

    Args:
        rank: the number of spatial dims.
        depth_multiplier: output channels per input channel.
        kernel_size, strides, dilation_rate: an int or `rank` ints each.
        padding: "valid" or "same".
        depthwise_initializer, depthwise_regularizer, depthwise_constraint: for the kernel.
        Other arguments as for `Conv2D`.

    Weights:
        `kernel` of shape `kernel_size + (channels, depth_multiplier)`, then `bias`
        `(channels * depth_multiplier,)`.
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if depth_multiplier is not None and (
                not isinstance(depth_multiplier, int) or depth_multiplier <= 0):
            raise ValueError(
                "Invalid value for argument `depth_multiplier`. Expected a strictly positive "
                f"value. Received depth_multiplier={depth_multiplier}."
            )

    def _channels(self, input_shape):
        return input_shape[-1] if self.data_format == "channels_last" else input_shape[1]

    def build(self, input_shape):
        channels = self._channels(input_shape)
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}": the channel dimension of the inputs must be defined; '
                f"received input shape {tuple(input_shape)}."
            )
        self.compute_output_shape(input_shape)
        axis = -1 if self.data_format == "channels_last" else 1
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(channels * self.depth_multiplier,),
                initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        outputs = ops.depthwise_conv(
            inputs, self.kernel, strides=self.strides, padding=self.padding,
            dilation_rate=self.dilation_rate, data_format=self.data_format,
        )
        if self.bias is not None:
            size = self.bias.shape[0]
            if self.data_format == "channels_last":
                shape = (1,) * (self.rank + 1) + (size,)
            else:
                shape = (1, size) + (1,) * self.rank
            outputs = ops.add(outputs, ops.reshape(self.bias, shape))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        spatial, channels = spatial_and_channels(input_shape, self.data_format)
        out = [conv_output_length(n, k, s, self.padding, d)
               for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(
                f'Layer "{self.name}": the output size would be zero or negative. Received '
                f"inputs shape={tuple(input_shape)}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding}."
            )
        out_channels = None if channels is None else channels * self.depth_multiplier
        return join_shape(input_shape[0], out, out_channels, self.data_format)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": serialize_keras_object(self.depthwise_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "depthwise_regularizer": serialize_keras_object(self.depthwise_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "depthwise_constraint": serialize_keras_object(self.depthwise_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config_


@export("lamina.layers.DepthwiseConv1D")
class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution; arguments as for `BaseDepthwiseConv` (without `rank`).

    Example:
    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((4, 10, 12))).shape
    (4, 8, 24)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)


@export("lamina.layers.DepthwiseConv2D")
class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution; arguments as for `BaseDepthwiseConv` (without `rank`).

    Example:
    >>> DepthwiseConv2D(3, depth_multiplier=2)(np.ones((4, 10, 10, 12))).shape
    (4, 8, 8, 24)
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, kernel_size=kernel_size, strides=strides,
            padding=padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            bias_constraint=bias_constraint, **kwargs)
