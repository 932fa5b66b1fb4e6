"""`Resizing` and `CenterCrop`: images to a fixed height and width."""

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer

_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5")


def _image_axes(ndim, data_format, layer_name):
    if ndim not in (3, 4):
        raise ValueError(
            f"{layer_name}: expected an image (rank 3) or a batch of images (rank 4), received "
            f"an input of rank {ndim}."
        )
    if data_format == "channels_last":
        return ndim - 3, ndim - 2
    return ndim - 2, ndim - 1


def _resized_shape(input_shape, height, width, data_format, layer_name):
    shape = list(input_shape)
    h_axis, w_axis = _image_axes(len(shape), data_format, layer_name)
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


@export("lamina.layers.Resizing")
class Resizing(Layer):
    """Resizes images to `(height, width)`.

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default), "nearest", "bicubic", "lanczos3", "lanczos5".
        crop_to_aspect_ratio: crop the largest centered window with the target aspect ratio
            before resizing, so that images are not distorted.
        pad_to_aspect_ratio: pad evenly with `fill_value` to the target aspect ratio instead.
        fill_mode: how padding is filled (only "constant").
        fill_value: the padding value.
        antialias: low-pass filter when downsampling.
        data_format: "channels_last" or "channels_first" (default: `image_data_format()`).

    Input shape:
        `(batch, height, width, channels)` or unbatched `(height, width, channels)`
        (channels first with "channels_first").

    Output shape:
        The same with the new height and width.

    Example:
    >>> Resizing(2, 2)(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(
                f"Resizing: invalid `interpolation` {interpolation!r}; expected one of "
                f"{_INTERPOLATIONS}."
            )
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.data_format = backend.standardize_data_format(data_format)
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)

    def call(self, inputs):
        return ops.image.resize(
            inputs, (self.height, self.width), interpolation=self.interpolation,
            antialias=self.antialias, crop_to_aspect_ratio=self.crop_to_aspect_ratio,
            pad_to_aspect_ratio=self.pad_to_aspect_ratio, fill_mode=self.fill_mode,
            fill_value=self.fill_value, data_format=self.data_format)

    def compute_output_spec(self, inputs, **kwargs):
        shape = _resized_shape(inputs.shape, self.height, self.width, self.data_format,
                               "Resizing")
        return backend.KerasTensor(shape, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.height, self.width, self.data_format,
                              "Resizing")

    def get_config(self):
        config = super().get_config()
        config.update({
            "height": self.height, "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias,
            "data_format": self.data_format,
        })
        return config


@export("lamina.layers.CenterCrop")
class CenterCrop(Layer):
    """Crops the central `(height, width)` window of images.

    An image smaller than the target is first cropped to the target's aspect ratio and then
    resized (bilinear) to the target, as Keras does.

    Args:
        height, width: the output size.
        data_format: "channels_last" or "channels_first" (default: `image_data_format()`).

    Example:
    >>> CenterCrop(2, 2)(np.ones((1, 4, 4, 3))).shape
    (1, 2, 2, 3)
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.height = height
        self.width = width
        self.data_format = backend.standardize_data_format(data_format)

    def call(self, inputs):
        inputs = ops.cast(inputs, self.compute_dtype)
        h_axis, w_axis = _image_axes(len(inputs.shape), self.data_format, "CenterCrop")
        in_height, in_width = inputs.shape[h_axis], inputs.shape[w_axis]
        h_diff, w_diff = in_height - self.height, in_width - self.width
        if h_diff >= 0 and w_diff >= 0:
            index = [slice(None)] * len(inputs.shape)
            index[h_axis] = slice(h_diff // 2, h_diff // 2 + self.height)
            index[w_axis] = slice(w_diff // 2, w_diff // 2 + self.width)
            return inputs[tuple(index)]
        return ops.image.resize(inputs, (self.height, self.width), interpolation="bilinear",
                                crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_spec(self, inputs, **kwargs):
        shape = _resized_shape(inputs.shape, self.height, self.width, self.data_format,
                               "CenterCrop")
        return backend.KerasTensor(shape, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return _resized_shape(input_shape, self.height, self.width, self.data_format,
                              "CenterCrop")

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width,
                       "data_format": self.data_format})
        return config
