"""Windowed pooling: `MaxPooling1D`-`3D` and `AveragePooling1D`-`3D` (aliases `MaxPool*`,
`AvgPool*`)."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import (
    conv_output_length, join_shape, spatial_and_channels, standardize_padding, standardize_tuple,
)
from lamina.layers.layer import InputSpec, Layer


class BasePooling(Layer):
    """The max or mean over sliding windows of the spatial dims.

    Args:
        pool_size: an int or `pool_dimensions` ints, the window size.
        strides: an int or ints, steps between windows; None means `pool_size`.
        pool_dimensions: the number of spatial dims.
        pool_mode: "max" or "average".
        padding: "valid" or "same" (output size `ceil(size / strides)`; padding is not
            counted in averages).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    def __init__(self, pool_size, strides, pool_dimensions, pool_mode="max", padding="valid",
                 data_format=None, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.pool_size = standardize_tuple(pool_size, pool_dimensions, "pool_size")
        strides = pool_size if strides is None else strides
        self.strides = standardize_tuple(strides, pool_dimensions, "strides", allow_zero=True)
        if pool_mode not in ("max", "average"):
            raise ValueError(
                f"`pool_mode` must be either 'max' or 'average'. Received: {pool_mode}."
            )
        self.pool_mode = pool_mode
        standardize_padding(padding)
        self.padding = padding
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def call(self, inputs):
        pool = ops.max_pool if self.pool_mode == "max" else ops.average_pool
        return pool(inputs, pool_size=self.pool_size, strides=self.strides,
                    padding=self.padding, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        spatial, channels = spatial_and_channels(input_shape, self.data_format)
        padding = self.padding.lower()
        out = [conv_output_length(n, k, s, padding, 1)
               for n, k, s in zip(spatial, self.pool_size, self.strides)]
        if any(n is not None and n <= 0 for n in out):
            raise ValueError(
                f'Layer "{self.name}": the output size would be zero or negative. Received '
                f"input shape={tuple(input_shape)}, pool_size={self.pool_size}, "
                f"strides={self.strides}, padding={self.padding}."
            )
        return join_shape(input_shape[0], out, channels, self.data_format)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"pool_size": self.pool_size, "padding": self.padding,
                        "strides": self.strides, "data_format": self.data_format})
        return config_


@export("lamina.layers.MaxPooling1D", "lamina.layers.MaxPool1D")
class MaxPooling1D(BasePooling):
    """Max over windows of `(batch, steps, channels)` inputs.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).

    Example:
    >>> MaxPooling1D(2)(np.ones((4, 10, 3))).shape
    (4, 5, 3)
    """

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@export("lamina.layers.MaxPooling2D", "lamina.layers.MaxPool2D")
class MaxPooling2D(BasePooling):
    """Max over windows of `(batch, height, width, channels)` images.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).

    Example:
    >>> MaxPooling2D()(np.ones((4, 10, 10, 3))).shape
    (4, 5, 5, 3)
    """

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@export("lamina.layers.MaxPooling3D", "lamina.layers.MaxPool3D")
class MaxPooling3D(BasePooling):
    """Max over windows of `(batch, d1, d2, d3, channels)` volumes.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).
    """

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="max",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@export("lamina.layers.AveragePooling1D", "lamina.layers.AvgPool1D")
class AveragePooling1D(BasePooling):
    """Mean over windows of `(batch, steps, channels)` inputs.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).

    Example:
    >>> AveragePooling1D(2)(np.ones((4, 10, 3))).shape
    (4, 5, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=1, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@export("lamina.layers.AveragePooling2D", "lamina.layers.AvgPool2D")
class AveragePooling2D(BasePooling):
    """Mean over windows of `(batch, height, width, channels)` images.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).

    Example:
    >>> AveragePooling2D(2, padding="same")(np.ones((4, 5, 5, 3))).shape
    (4, 3, 3, 3)
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=2, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)


@export("lamina.layers.AveragePooling3D", "lamina.layers.AvgPool3D")
class AveragePooling3D(BasePooling):
    """Mean over windows of `(batch, d1, d2, d3, channels)` volumes.

    Arguments as for `BasePooling` (without `pool_dimensions`, `pool_mode`).
    """

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(pool_size, strides, pool_dimensions=3, pool_mode="average",
                         padding=padding, data_format=data_format, name=name, **kwargs)
