"""`ZeroPadding1D`, `ZeroPadding2D`, `ZeroPadding3D`: zeros around the spatial dims."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import standardize_tuple
from lamina.layers.layer import InputSpec, Layer
from lamina.layers.reshaping.cropping import _pairs


class _BaseZeroPadding(Layer):
    """Adds `padding[i] = (before, after)` zeros to spatial dim `i`."""

    def __init__(self, padding, rank, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        if rank == 1:
            self.padding = standardize_tuple(padding, 2, "padding", allow_zero=True)
        else:
            self.padding = _pairs(padding, rank, "padding")
        self.input_spec = InputSpec(ndim=rank + 2)
        self.built = True

    def _pads(self):
        return (self.padding,) if isinstance(self.padding[0], int) else self.padding

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        offset = 2 if self.data_format == "channels_first" else 1
        for i, (before, after) in enumerate(self._pads()):
            if shape[offset + i] is not None:
                shape[offset + i] += before + after
        return tuple(shape)

    def call(self, inputs):
        spatial = list(self._pads())
        if self.data_format == "channels_first":
            widths = [(0, 0), (0, 0)] + spatial
        else:
            widths = [(0, 0)] + spatial + [(0, 0)]
        return ops.pad(inputs, widths)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding,
                "data_format": self.data_format}


@export("lamina.layers.ZeroPadding1D")
class ZeroPadding1D(_BaseZeroPadding):
    """Pads `(batch, steps, features)` inputs with zeros along the steps.

    Args:
        padding: an int or (before, after).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Example:
    >>> ZeroPadding1D(2)(np.ones((2, 3, 4))).shape
    (2, 7, 4)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, 1, data_format=data_format, **kwargs)


@export("lamina.layers.ZeroPadding2D")
class ZeroPadding2D(_BaseZeroPadding):
    """Pads images with zeros along height and width.

    Args:
        padding: an int, (height, width) symmetric pads, or ((top, bottom), (left, right)).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Example:
    >>> ZeroPadding2D(((1, 0), (2, 2)))(np.ones((2, 3, 3, 1))).shape
    (2, 4, 7, 1)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, 2, data_format=data_format, **kwargs)


@export("lamina.layers.ZeroPadding3D")
class ZeroPadding3D(_BaseZeroPadding):
    """Pads volumes with zeros along their three spatial dims.

    Args:
        padding: an int, 3 symmetric pads, or 3 (before, after) pairs.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, 3, data_format=data_format, **kwargs)
