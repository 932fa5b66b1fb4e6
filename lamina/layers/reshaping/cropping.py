"""`Cropping1D`, `Cropping2D`, `Cropping3D`: cut borders off the spatial dims."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.convolutional.arguments import standardize_tuple
from lamina.layers.layer import InputSpec, Layer

_ORDINALS = ("1st", "2nd", "3rd")


def _pairs(value, rank, name):
    """`value` (an int, `rank` ints, or `rank` pairs of ints) as `rank` (before, after) pairs."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * rank
    if not hasattr(value, "__len__") or len(value) != rank:
        raise ValueError(
            f"`{name}` should be either an int, a tuple of {rank} ints or a tuple of {rank} "
            f"tuples of 2 ints ((before, after) per spatial dim). Received: {name}={value!r}."
        )
    return tuple(standardize_tuple(v, 2, f"{_ORDINALS[i]} entry of {name}", allow_zero=True)
                 for i, v in enumerate(value))


class _BaseCropping(Layer):
    """Removes `cropping[i] = (before, after)` positions from spatial dim `i`."""

    def _spatial_offset(self):
        return 2 if getattr(self, "data_format", "channels_last") == "channels_first" else 1

    def _crops(self):
        return (self.cropping,) if isinstance(self.cropping[0], int) else self.cropping

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        offset = self._spatial_offset()
        for i, (before, after) in enumerate(self._crops()):
            size = shape[offset + i]
            if size is not None:
                if before + after >= size:
                    raise ValueError(
                        f"`cropping` of layer {self.name!r} must be smaller than the spatial "
                        f"dims of the input. Received: input_shape={tuple(input_shape)}, "
                        f"cropping={self.cropping}"
                    )
                shape[offset + i] = size - before - after
        return tuple(shape)

    def call(self, inputs):
        self.compute_output_shape(tuple(inputs.shape))
        offset = self._spatial_offset()
        key = [slice(None)] * len(inputs.shape)
        for i, (before, after) in enumerate(self._crops()):
            key[offset + i] = slice(before, -after if after else None)
        return ops.get_item(inputs, tuple(key))


@export("lamina.layers.Cropping1D")
class Cropping1D(_BaseCropping):
    """Crops `(batch, steps, features)` inputs along the steps.

    Args:
        cropping: an int or (before, after).

    Example:
    >>> Cropping1D((1, 2))(np.ones((2, 6, 3))).shape
    (2, 3, 3)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.input_spec = InputSpec(ndim=3)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}


@export("lamina.layers.Cropping2D")
class Cropping2D(_BaseCropping):
    """Crops images along height and width.

    Args:
        cropping: an int, (height, width) symmetric crops, or ((top, bottom), (left, right)).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Example:
    >>> Cropping2D(((1, 0), (2, 2)))(np.ones((2, 6, 6, 3))).shape
    (2, 5, 2, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 2, "cropping")
        self.input_spec = InputSpec(ndim=4)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}


@export("lamina.layers.Cropping3D")
class Cropping3D(_BaseCropping):
    """Crops volumes along their three spatial dims.

    Args:
        cropping: an int, 3 symmetric crops, or 3 (before, after) pairs.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.cropping = _pairs(cropping, 3, "cropping")
        self.input_spec = InputSpec(ndim=5)
        self.built = True

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
