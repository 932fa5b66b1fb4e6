"""`UpSampling1D`, `UpSampling2D`, `UpSampling3D`: repeat (or interpolate) spatial dims."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import standardize_tuple
from lamina.layers.layer import InputSpec, Layer
from lamina.ops import image as image_ops


class _BaseUpSampling(Layer):
    """Repeats each position of spatial dim `i` `size[i]` times."""

    def _spatial_offset(self):
        return 2 if getattr(self, "data_format", "channels_last") == "channels_first" else 1

    def _sizes(self):
        return (self.size,) if isinstance(self.size, int) else self.size

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        offset = self._spatial_offset()
        for i, factor in enumerate(self._sizes()):
            if shape[offset + i] is not None:
                shape[offset + i] *= factor
        return tuple(shape)

    def call(self, inputs):
        offset = self._spatial_offset()
        for i, factor in enumerate(self._sizes()):
            inputs = ops.repeat(inputs, factor, axis=offset + i)
        return inputs


@export("lamina.layers.UpSampling1D")
class UpSampling1D(_BaseUpSampling):
    """Repeats each step of `(batch, steps, features)` inputs `size` times.

    Example:
    >>> UpSampling1D(2)(np.ones((2, 3, 4))).shape
    (2, 6, 4)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = size
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@export("lamina.layers.UpSampling2D")
class UpSampling2D(_BaseUpSampling):
    """Scales images up by `size` = (height factor, width factor).

    Args:
        size: an int or 2 ints.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
        interpolation: "nearest" (repeat rows and columns) or an `ops.image.resize` method
            ("bilinear", "bicubic", "lanczos3", "lanczos5").

    Example:
    >>> UpSampling2D((2, 3))(np.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        self.interpolation = interpolation.lower()
        allowed = ("nearest", "bilinear", "bicubic", "lanczos3", "lanczos5")
        if self.interpolation not in allowed:
            raise ValueError(
                f"UpSampling2D: `interpolation` must be one of {allowed}. Received: "
                f"interpolation={interpolation!r}"
            )
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        height_axis = self._spatial_offset()
        height, width = inputs.shape[height_axis], inputs.shape[height_axis + 1]
        return image_ops.resize(
            inputs, (height * self.size[0], width * self.size[1]),
            interpolation=self.interpolation, data_format=self.data_format,
        )

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format,
                "interpolation": self.interpolation}


@export("lamina.layers.UpSampling3D")
class UpSampling3D(_BaseUpSampling):
    """Repeats the three spatial dims of volumes by `size` (an int or 3 ints).

    Args:
        size: an int or 3 ints.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
