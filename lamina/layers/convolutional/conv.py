"""`Conv1D`, `Conv2D`, `Conv3D` (aliases `Convolution1D`-`Convolution3D`)."""

from lamina.api_export import export
from lamina.layers.convolutional.base_conv import BaseConv


@export("lamina.layers.Conv1D", "lamina.layers.Convolution1D")
class Conv1D(BaseConv):
    """1D convolution over `(batch, steps, channels)`; `padding="causal"` pads on the left.

    Arguments as for `BaseConv` (without `rank`).

    Input shape:
        `(batch, steps, channels)` (or `(batch, channels, steps)` channels first).

    Output shape:
        `(batch, new_steps, filters)` (or channels first).

    Example:
    >>> Conv1D(32, 3, activation="relu")(np.ones((4, 10, 128))).shape
    (4, 8, 32)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=1, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


@export("lamina.layers.Conv2D", "lamina.layers.Convolution2D")
class Conv2D(BaseConv):
    """2D convolution over `(batch, height, width, channels)` images.

    Arguments as for `BaseConv` (without `rank`).

    Input shape:
        `(batch, height, width, channels)` (or `(batch, channels, height, width)`).

    Output shape:
        `(batch, new_height, new_width, filters)` (or channels first).

    Example:
    >>> Conv2D(32, 3, activation="relu")(np.ones((4, 10, 10, 128))).shape
    (4, 8, 8, 32)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=2, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)


@export("lamina.layers.Conv3D", "lamina.layers.Convolution3D")
class Conv3D(BaseConv):
    """3D convolution over `(batch, depth, height, width, channels)` volumes.

    Arguments as for `BaseConv` (without `rank`).

    Input shape:
        `(batch, d1, d2, d3, channels)` (or `(batch, channels, d1, d2, d3)`).

    Output shape:
        `(batch, new_d1, new_d2, new_d3, filters)` (or channels first).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank=3, filters=filters, kernel_size=kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, groups=groups,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs)
