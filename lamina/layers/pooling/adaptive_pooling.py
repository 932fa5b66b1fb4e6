"""Adaptive pooling to a fixed output size: `AdaptiveAveragePooling1D`-`3D`,
`AdaptiveMaxPooling1D`-`3D`."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.layer import Layer


class BaseAdaptivePooling(Layer):
    """Pools each spatial dim of size `n` into `m = output_size` windows
    `[floor(i * n / m), ceil((i + 1) * n / m))`, whatever `n` is.

    Args:
        output_size: an int or one int per spatial dim.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    rank = 1
    mode = "average"

    def __init__(self, output_size, data_format=None, **kwargs):
        if isinstance(output_size, int) and not isinstance(output_size, bool):
            output_size = (output_size,) * self.rank
        elif isinstance(output_size, (tuple, list)) and len(output_size) == self.rank:
            output_size = tuple(output_size)
        else:
            raise TypeError(
                f"{type(self).__name__}: `output_size` must be an integer or a tuple of "
                f"{self.rank} integers. Received: output_size={output_size!r}"
            )
        super().__init__(**kwargs)
        self.output_size = output_size
        self.data_format = config.standardize_data_format(data_format)
        self.built = True

    def call(self, inputs):
        pool = ops.adaptive_average_pool if self.mode == "average" else ops.adaptive_max_pool
        return pool(inputs, output_size=self.output_size, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            return (input_shape[0], *self.output_size, input_shape[-1])
        return (input_shape[0], input_shape[1], *self.output_size)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}


@export("lamina.layers.AdaptiveAveragePooling1D")
class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Mean pooling of `(batch, steps, channels)` to `output_size` steps.

    Example:
    >>> AdaptiveAveragePooling1D(4)(np.ones((2, 10, 3))).shape
    (2, 4, 3)
    """

    rank = 1

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@export("lamina.layers.AdaptiveAveragePooling2D")
class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Mean pooling of images to `output_size` = (height, width)."""

    rank = 2

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@export("lamina.layers.AdaptiveAveragePooling3D")
class AdaptiveAveragePooling3D(BaseAdaptivePooling):
    """Mean pooling of volumes to `output_size` = (d1, d2, d3)."""

    rank = 3

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@export("lamina.layers.AdaptiveMaxPooling1D")
class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Max pooling of `(batch, steps, channels)` to `output_size` steps."""

    rank = 1
    mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@export("lamina.layers.AdaptiveMaxPooling2D")
class AdaptiveMaxPooling2D(BaseAdaptivePooling):
    """Max pooling of images to `output_size` = (height, width)."""

    rank = 2
    mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)


@export("lamina.layers.AdaptiveMaxPooling3D")
class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Max pooling of volumes to `output_size` = (d1, d2, d3)."""

    rank = 3
    mode = "max"

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(output_size, data_format, **kwargs)
