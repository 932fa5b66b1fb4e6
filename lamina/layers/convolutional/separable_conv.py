"""Separable convolutions: `SeparableConv1D`, `SeparableConv2D` (depthwise, then 1x1)."""

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import (
    conv_output_length, join_shape, spatial_and_channels, standardize_padding, standardize_tuple,
)
from lamina.layers.layer import InputSpec, Layer
from lamina.saving.serialization_lib import serialize_keras_object


class BaseSeparableConv(Layer):
    """A depthwise convolution (`depth_multiplier` filters per channel), then a pointwise one.

    Args:
        rank: the number of spatial dims.
        depth_multiplier: depthwise output channels per input channel.
        filters: output channels of the pointwise convolution.
        depthwise_*, pointwise_*: initializer, regularizer and constraint of each kernel.
        Other arguments as for `Conv2D`.

    Weights:
        `depthwise_kernel` `kernel_size + (channels, depth_multiplier)`, `pointwise_kernel`
        `(1,) * rank + (channels * depth_multiplier, filters)`, then `bias` `(filters,)`.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = depth_multiplier
        self.filters = filters
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        for arg, value in (("depth_multiplier", depth_multiplier), ("filters", filters)):
            if value is not None and (not isinstance(value, int) or value <= 0):
                raise ValueError(
                    f"Invalid value for argument `{arg}`. Expected a strictly positive value. "
                    f"Received {arg}={value}."
                )

    def build(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}": the channel dimension of the inputs must be defined; '
                f"received input shape {tuple(input_shape)}."
            )
        self.compute_output_shape(input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={axis: channels})
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def call(self, inputs):
        outputs = ops.separable_conv(
            inputs, self.depthwise_kernel, self.pointwise_kernel, strides=self.strides,
            padding=self.padding, dilation_rate=self.dilation_rate, data_format=self.data_format,
        )
        if self.bias is not None:
            if self.data_format == "channels_last":
                shape = (1,) * (self.rank + 1) + (self.filters,)
            else:
                shape = (1, self.filters) + (1,) * self.rank
            outputs = ops.add(outputs, ops.reshape(self.bias, shape))
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        spatial, _ = spatial_and_channels(input_shape, self.data_format)
        out = [conv_output_length(n, k, s, self.padding, d)
               for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(
                f'Layer "{self.name}": the output size would be zero or negative. Received '
                f"inputs shape={tuple(input_shape)}, kernel_size={self.kernel_size}, "
                f"strides={self.strides}, padding={self.padding}."
            )
        return join_shape(input_shape[0], out, self.filters, self.data_format)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": serialize_keras_object(self.depthwise_initializer),
            "pointwise_initializer": serialize_keras_object(self.pointwise_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "depthwise_regularizer": serialize_keras_object(self.depthwise_regularizer),
            "pointwise_regularizer": serialize_keras_object(self.pointwise_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "depthwise_constraint": serialize_keras_object(self.depthwise_constraint),
            "pointwise_constraint": serialize_keras_object(self.pointwise_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config_




@export("lamina.layers.SeparableConv1D", "lamina.layers.SeparableConvolution1D")
class SeparableConv1D(BaseSeparableConv):
    """1D separable convolution; arguments as for `BaseSeparableConv` (without `rank`).

    Example:
    >>> SeparableConv1D(4, 3, depth_multiplier=2)(np.ones((4, 10, 12))).shape
    (4, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            rank=1, depth_multiplier=depth_multiplier, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)


@export("lamina.layers.SeparableConv2D", "lamina.layers.SeparableConvolution2D")
class SeparableConv2D(BaseSeparableConv):
    """2D separable convolution; arguments as for `BaseSeparableConv` (without `rank`).

    Example:
    >>> SeparableConv2D(4, 3, depth_multiplier=2)(np.ones((4, 10, 10, 12))).shape
    (4, 8, 8, 4)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            rank=2, depth_multiplier=depth_multiplier, filters=filters, kernel_size=kernel_size,
            strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs)
