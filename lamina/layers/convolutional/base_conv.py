"""`BaseConv`: the N-D convolution layer that `Conv1D`, `Conv2D` and `Conv3D` specialize."""

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.backend import config
from lamina.layers.convolutional.arguments import (
    conv_output_length, join_shape, spatial_and_channels, standardize_padding, standardize_tuple,
)
from lamina.layers.layer import InputSpec, Layer
from lamina.saving.serialization_lib import serialize_keras_object


class BaseConv(Layer):
    """`activation(conv(inputs, kernel) + bias)` over `rank` spatial dims.

    Args:
        rank: the number of spatial dims (1, 2 or 3).
        filters: the number of output channels.
        kernel_size: an int or `rank` ints, the window size.
        strides: an int or `rank` ints; strides > 1 exclude dilation_rate > 1.
        padding: "valid", "same" (or "causal" when rank is 1: left padding only).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
        dilation_rate: an int or `rank` ints.
        groups: input channels and filters are split in `groups` independent convolutions.
        activation: activation name or function (None: linear).
        use_bias: whether to add a bias vector.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: for the weights; activity_regularizer: the output.

    Weights:
        `kernel` of shape `kernel_size + (channels // groups, filters)`, then `bias` `(filters,)`.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, lora_alpha=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if lora_rank is not None:
            raise ValueError(f"{type(self).__name__}: LoRA (lora_rank) is not supported yet.")
        self.rank = rank
        self.filters = filters
        self.groups = groups
        self.kernel_size = standardize_tuple(kernel_size, rank, "kernel_size")
        self.strides = standardize_tuple(strides, rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=rank == 1)
        self.data_format = config.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=rank + 2)
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(
                "Invalid value for argument `filters`. Expected a strictly positive value. "
                f"Received filters={filters}."
            )
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(
                f"The number of groups must be a positive integer. Received: groups={groups}."
            )
        if filters is not None and filters % groups:
            raise ValueError(
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={groups}, filters={filters}."
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                "`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}"
            )

    def _channel_axis(self):
        return -1 if self.data_format == "channels_last" else 1

    def build(self, input_shape):
        channels = input_shape[self._channel_axis()]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}": the channel dimension of the inputs must be defined; '
                f"received input shape {tuple(input_shape)}."
            )
        if channels % self.groups:
            raise ValueError(
                "The number of input channels must be evenly divisible by the number of groups. "
                f"Received groups={self.groups}, but the input has {channels} channels (full "
                f"input shape is {tuple(input_shape)})."
            )
        self.compute_output_shape(input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2, axes={self._channel_axis(): channels})
        self.kernel = self.add_weight(
            name="kernel", shape=self.kernel_size + (channels // self.groups, self.filters),
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                name="bias", shape=(self.filters,), initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )
        else:
            self.bias = None
        self.built = True

    def convolution_op(self, inputs, kernel):
        padding = self.padding
        if padding == "causal":
            # Left padding only, so that output t sees inputs up to t.
            left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
            widths = [(0, 0), (left, 0), (0, 0)]
            if self.data_format == "channels_first":
                widths = [(0, 0), (0, 0), (left, 0)]
            inputs = ops.pad(inputs, widths)
            padding = "valid"
        return ops.conv(inputs, kernel, strides=self.strides, padding=padding,
                        dilation_rate=self.dilation_rate, data_format=self.data_format)

    def _add_bias(self, outputs, bias, size):
        if self.data_format == "channels_last":
            shape = (1,) * (self.rank + 1) + (size,)
        else:
            shape = (1, size) + (1,) * self.rank
        return ops.add(outputs, ops.reshape(bias, shape))

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.bias is not None:
            outputs = self._add_bias(outputs, self.bias, self.filters)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        spatial, _ = spatial_and_channels(input_shape, self.data_format)
        if len(spatial) != self.rank:
            raise ValueError(
                f'Layer "{self.name}" expects inputs of rank {self.rank + 2}; received input '
                f"shape {tuple(input_shape)}."
            )
        out = [conv_output_length(n, k, s, self.padding, d)
               for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(
                f'Layer "{self.name}": the output size would be zero or negative. Received '
                f"inputs shape={tuple(input_shape)}, kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate}, strides={self.strides}, "
                f"padding={self.padding}."
            )
        return join_shape(input_shape[0], out, self.filters, self.data_format)

    def get_config(self):
        config_ = super().get_config()
        config_.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        })
        return config_
