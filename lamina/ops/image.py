"""Image ops: the public namespace `lamina.ops.image`, as Keras 3's `keras.ops.image`.

Each op takes a concrete data format (the global `image_data_format()` when None), checks its
arguments in its rule, and accepts a single image (rank 3) or a batch (rank 4). Ops built
from other primitives are composed here once: color conversions, padding and cropping,
Gaussian blur, Sobel edges and SSIM (depthwise convolutions), patch extraction (a
convolution with an identity kernel) and its inverse (reshapes). Resampling ops call
`active.image`: `resize`, `scale_and_translate`, `map_coordinates`, and the affine,
perspective and elastic transforms, which receive a batch in channels-last layout.
"""

import math

import ml_dtypes
import numpy as np

from lamina.api_export import export
from lamina.backend import active, config
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import op, shape_of, to_tensor
from lamina.ops.rules import KerasTensor

__all__ = [
    "affine_transform",
    "crop_images",
    "elastic_transform",
    "extract_patches",
    "extract_patches_3d",
    "gaussian_blur",
    "hsv_to_rgb",
    "map_coordinates",
    "pad_images",
    "perspective_transform",
    "reconstruct_patches",
    "resize",
    "rgb_to_grayscale",
    "rgb_to_hsv",
    "scale_and_translate",
    "sobel_edges",
    "ssim",
]

_RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic")
_TRANSFORM_INTERPOLATIONS = {"nearest": 0, "bilinear": 1}  # name -> spline order
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
_SCALE_AND_TRANSLATE_METHODS = (
    "linear", "bilinear", "trilinear", "cubic", "bicubic", "tricubic", "lanczos3", "lanczos5",
)

# -- shared checks -------------------------------------------------------------------------------


def _dtype(x):
    return rules.dtype_of(x, weak=False)


def _images_shape(op_name, images, name="images", ranks=(3, 4)):
    shape = tuple(shape_of(images))
    if len(shape) not in ranks:
        kinds = {3: "3 (a single image)", 4: "4 (a batch of images)"}
        if ranks == (4, 5):
            kinds = {4: "4 (a single volume)", 5: "5 (a batch of volumes)"}
        if ranks == (4,):
            kinds = {4: "4 (a batch of images)"}
        expected = " or ".join(kinds[r] for r in ranks)
        raise ValueError(
            f"ops.image.{op_name}: expected `{name}` of rank {expected}. "
            f"Received: {name}.shape={shape}"
        )
    return shape


def _axes(ndim, data_format):
    """(height, width, channels) axes of an image tensor of rank `ndim`."""
    if data_format == "channels_last":
        return ndim - 3, ndim - 2, ndim - 1
    return ndim - 2, ndim - 1, ndim - 3


def _check_choice(op_name, name, value, choices):
    if value not in choices:
        raise ValueError(
            f"ops.image.{op_name}: invalid `{name}`={value!r}. Expected one of "
            f"{', '.join(repr(c) for c in choices)}."
        )
    return value


def _require_float(op_name, dtype):
    if not dtypes.is_float_dtype(dtype):
        raise ValueError(
            f"ops.image.{op_name}: `images` must have a float dtype. Received: images.dtype={dtype}"
        )


def _as_batch_channels_last(images, data_format):
    """`images` as (batch, height, width, channels), and a function undoing it."""
    unbatched = images.ndim == 3
    if unbatched:
        images = active.numpy.expand_dims(images, 0)
    if data_format == "channels_first":
        images = active.numpy.transpose(images, (0, 2, 3, 1))

    def restore(x):
        if data_format == "channels_first":
            x = active.numpy.transpose(x, (0, 3, 1, 2))
        if unbatched:
            x = active.numpy.squeeze(x, 0)
        return x

    return images, restore


def _constant(value, dtype):
    return to_tensor(value, dtype=dtype)


# -- color ---------------------------------------------------------------------------------------


def _rgb_to_grayscale_rule(images, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = list(_images_shape("rgb_to_grayscale", images))
    channels_axis = _axes(len(shape), data_format)[2]
    if shape[channels_axis] not in (None, 1, 3):
        raise ValueError(
            "ops.image.rgb_to_grayscale: expected 3 channels (RGB) or 1 (grayscale). "
            f"Received: images.shape={tuple(shape)} with data_format={data_format!r}"
        )
    shape[channels_axis] = 1
    return KerasTensor(tuple(shape), _dtype(images))


@export("lamina.ops.image.rgb_to_grayscale")
@op(_rgb_to_grayscale_rule)
def rgb_to_grayscale(images, data_format=None):
    """Converts RGB images to grayscale: `0.2989 R + 0.5870 G + 0.1140 B`.

    Args:
        images: an image (rank 3) or a batch of images (rank 4), with 3 or 1 channels.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The grayscale images, with one channel and the dtype of `images`.

    Example:
    >>> ops.image.rgb_to_grayscale(np.random.random((2, 4, 4, 3))).shape
    (2, 4, 4, 1)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _rgb_to_grayscale_rule(images, data_format)
    channels_axis = _axes(images.ndim, data_format)[2]
    if images.shape[channels_axis] == 1:
        return active.numpy.copy(images)
    dtype = _dtype(images)
    compute_dtype = dtypes.result_type(dtype, float)
    weights_shape = [1] * images.ndim
    weights_shape[channels_axis] = 3
    weights = _constant(np.reshape([0.2989, 0.5870, 0.1140], weights_shape), compute_dtype)
    weighted = active.core.cast(images, compute_dtype) * weights
    gray = active.numpy.sum(weighted, axis=channels_axis, keepdims=True)
    return active.core.cast(gray, dtype)


def _hsv_rule(op_name):
    def rule(images, data_format=None):
        data_format = config.standardize_data_format(data_format)
        shape = _images_shape(op_name, images)
        _require_float(op_name, _dtype(images))
        channels = shape[_axes(len(shape), data_format)[2]]
        if channels not in (None, 3):
            raise ValueError(
                f"ops.image.{op_name}: expected images with 3 channels. Received: "
                f"images.shape={shape} with data_format={data_format!r}"
            )
        return KerasTensor(shape, _dtype(images))

    return rule


def _planes(images, channels_axis):
    return [active.numpy.take(images, i, axis=channels_axis) for i in range(3)]


@export("lamina.ops.image.rgb_to_hsv")
@op(_hsv_rule("rgb_to_hsv"))
def rgb_to_hsv(images, data_format=None):
    """Converts RGB images (float, values in [0, 1]) to HSV, all channels in [0, 1].

    A hue of 0 is red, 1/3 green, 2/3 blue.

    Args:
        images: an image (rank 3) or a batch of images (rank 4) of a float dtype.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The HSV images, same shape and dtype.

    Example:
    >>> ops.image.rgb_to_hsv(np.random.random((4, 4, 3))).shape
    (4, 4, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _hsv_rule("rgb_to_hsv")(images, data_format)
    dtype = _dtype(images)
    np_ = active.numpy
    zero, one = _constant(0.0, dtype), _constant(1.0, dtype)
    eps = ml_dtypes.finfo(dtypes.to_numpy_dtype(dtype)).eps
    # Values within eps of zero count as zero, so that tiny noise does not pick a hue.
    images = np_.where(np_.absolute(images) < _constant(eps, dtype), zero, images)
    channels_axis = _axes(images.ndim, data_format)[2]
    red, green, blue = _planes(images, channels_axis)
    value = np_.maximum(np_.maximum(red, green), blue)
    range_ = value - np_.minimum(np_.minimum(red, green), blue)
    safe_value = np_.where(value > zero, value, one)
    safe_range = np_.where(range_ > zero, range_, one)
    saturation = np_.where(value > zero, range_ / safe_value, zero)
    norm = 1.0 / (6.0 * safe_range)
    hue = np_.where(
        value == green, norm * (blue - red) + 2.0 / 6.0, norm * (red - green) + 4.0 / 6.0
    )
    hue = np_.where(value == red, norm * (green - blue), hue)
    hue = np_.where(range_ > zero, hue, zero) + active.core.cast(hue < zero, dtype)
    return np_.stack([hue, saturation, value], axis=channels_axis)


@export("lamina.ops.image.hsv_to_rgb")
@op(_hsv_rule("hsv_to_rgb"))
def hsv_to_rgb(images, data_format=None):
    """Converts HSV images (float, values in [0, 1]) to RGB.

    Args:
        images: an image (rank 3) or a batch of images (rank 4) of a float dtype.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The RGB images, same shape and dtype.

    Example:
    >>> ops.image.hsv_to_rgb(np.random.random((4, 4, 3))).shape
    (4, 4, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _hsv_rule("hsv_to_rgb")(images, data_format)
    dtype = _dtype(images)
    np_ = active.numpy
    zero, one = _constant(0.0, dtype), _constant(1.0, dtype)
    channels_axis = _axes(images.ndim, data_format)[2]
    hue, saturation, value = _planes(images, channels_axis)
    sector = np_.mod(hue, one) * 6.0
    red_part = np_.clip(np_.absolute(sector - 3.0) - 1.0, zero, one)
    green_part = np_.clip(2.0 - np_.absolute(sector - 2.0), zero, one)
    blue_part = np_.clip(2.0 - np_.absolute(sector - 4.0), zero, one)
    one_minus_s = 1.0 - saturation
    planes = [
        value * (one_minus_s + saturation * part) for part in (red_part, green_part, blue_part)
    ]
    return np_.stack(planes, axis=channels_axis)


# -- resizing ------------------------------------------------------------------------------------


def _resize_size(size):
    if not isinstance(size, (list, tuple)) or len(size) != 2:
        raise ValueError(
            "ops.image.resize: `size` must be a tuple of 2 integers (height, width). "
            f"Received: size={size!r}"
        )
    if any(isinstance(s, int) and s <= 0 for s in size):
        raise ValueError(
            f"ops.image.resize: `size` must have positive height and width. Received: size={size}"
        )
    return tuple(int(s) for s in size)


def _resize_rule(images, size, interpolation="bilinear", antialias=False,
                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
                 fill_value=0.0, data_format=None):
    data_format = config.standardize_data_format(data_format)
    size = _resize_size(size)
    shape = list(_images_shape("resize", images))
    _check_choice("resize", "interpolation", interpolation, _RESIZE_INTERPOLATIONS)
    _check_choice("resize", "fill_mode", fill_mode, ("constant",))
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(
            "ops.image.resize: only one of `pad_to_aspect_ratio` and `crop_to_aspect_ratio` "
            "can be True."
        )
    height_axis, width_axis, _ = _axes(len(shape), data_format)
    shape[height_axis], shape[width_axis] = size
    return KerasTensor(tuple(shape), _dtype(images))


def _crop_to_aspect_ratio(images, size, height_axis, width_axis):
    """The largest centered window of `images` with the aspect ratio of `size`."""
    height, width = images.shape[height_axis], images.shape[width_axis]
    target_height, target_width = size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top = int(float(height - crop_height) / 2)
    left = int(float(width - crop_width) / 2)
    key = [slice(None)] * images.ndim
    key[height_axis] = slice(top, top + crop_height)
    key[width_axis] = slice(left, left + crop_width)
    return active.numpy.get_item(images, tuple(key))


def _pad_to_aspect_ratio(images, size, height_axis, width_axis, fill_value):
    """`images` padded evenly on its short side to the aspect ratio of `size`."""
    height, width = images.shape[height_axis], images.shape[width_axis]
    target_height, target_width = size
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    widths = [(0, 0)] * images.ndim
    if top > 0:
        widths[height_axis] = (top, top)
    elif left > 0:
        widths[width_axis] = (left, left)
    else:
        return images
    return active.numpy.pad(images, widths, mode="constant", constant_values=fill_value)


def _round_to(x, dtype):
    """Float `x` rounded and saturated into the integer `dtype`."""
    from lamina.ops.core import saturate_cast

    return saturate_cast(active.numpy.round(x), dtype)


@export("lamina.ops.image.resize")
@op(_resize_rule)
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resizes images to `size` = (height, width).

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        size: the output (height, width).
        interpolation: "bilinear", "nearest", "bicubic", "lanczos3" or "lanczos5".
        antialias: whether to low-pass filter when downsampling.
        crop_to_aspect_ratio: crop the largest centered window of the target aspect ratio
            first, so that the aspect ratio is kept.
        pad_to_aspect_ratio: pad evenly with `fill_value` to the target aspect ratio first.
        fill_mode: how padding is filled; only "constant".
        fill_value: the padding value.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The resized images, same dtype (integers are rounded and saturated).

    Example:
    >>> ops.image.resize(np.random.random((2, 4, 4, 3)), (2, 2)).shape
    (2, 2, 2, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _resize_rule(images, size, interpolation, antialias, crop_to_aspect_ratio,
                 pad_to_aspect_ratio, fill_mode, fill_value, data_format)
    size = _resize_size(size)
    height_axis, width_axis, _ = _axes(images.ndim, data_format)
    if crop_to_aspect_ratio:
        images = _crop_to_aspect_ratio(images, size, height_axis, width_axis)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect_ratio(images, size, height_axis, width_axis, fill_value)
    dtype = _dtype(images)
    if interpolation != "nearest" and not dtypes.is_float_dtype(dtype):
        # Integers are resampled in float32 (as Keras does), then rounded back.
        images = active.core.cast(images, dtypes.result_type(dtype, float))
    resized = active.image.resize(images, size, interpolation=interpolation,
                                  antialias=bool(antialias), data_format=data_format)
    if _dtype(resized) == dtype:
        return resized
    if dtypes.is_int_dtype(dtype):
        return _round_to(resized, dtype)
    return active.core.cast(resized, dtype)


def _scale_and_translate_rule(images, output_shape, scale, translation, spatial_dims, method,
                              antialias=True):
    _check_choice("scale_and_translate", "method", method, _SCALE_AND_TRANSLATE_METHODS)
    shape = shape_of(images)
    output_shape = tuple(int(d) for d in output_shape)
    if len(output_shape) != len(shape):
        raise ValueError(
            "ops.image.scale_and_translate: `output_shape` must have one size per dimension of "
            f"`images`. Received: output_shape={output_shape}, images.shape={tuple(shape)}"
        )
    spatial_dims = tuple(spatial_dims)
    for name, value in (("scale", scale), ("translation", translation)):
        count = shape_of(value)[0] if len(shape_of(value)) == 1 else None
        if len(shape_of(value)) != 1 or (count is not None and count != len(spatial_dims)):
            raise ValueError(
                f"ops.image.scale_and_translate: `{name}` must be a vector with one entry per "
                f"dimension of `spatial_dims`={spatial_dims}. Received: "
                f"{name}.shape={tuple(shape_of(value))}"
            )
    return KerasTensor(output_shape, dtypes.result_type(_dtype(images), float))


@export("lamina.ops.image.scale_and_translate")
@op(_scale_and_translate_rule)
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resamples `images` to `output_shape` under a scale and a translation.

    An input location `x` (half-integer pixel centers) goes to `x * scale + translation` along
    each of `spatial_dims`; output locations that fall outside the input get zero.

    Args:
        images: the input array (any rank).
        output_shape: the output shape, one size per dimension of `images`.
        scale: a vector, one scale per entry of `spatial_dims`.
        translation: a vector, one translation per entry of `spatial_dims`.
        spatial_dims: the dimensions that are resampled.
        method: "linear" ("bilinear", "trilinear"), "cubic" ("bicubic", "tricubic"),
            "lanczos3" or "lanczos5".
        antialias: whether to low-pass filter when downsampling.

    Returns:
        The resampled array (integer inputs give floats).

    Example:
    >>> image = np.arange(9, dtype="float32").reshape((3, 3))
    >>> ops.image.scale_and_translate(image, (5, 5), np.array([2.0, 2.0]),
    ...                               np.array([-0.5, -0.5]), (0, 1), "linear").shape
    (5, 5)
    """
    images = to_tensor(images)
    rule = _scale_and_translate_rule(images, output_shape, scale, translation, spatial_dims,
                                     method, antialias)
    images = active.core.cast(images, rule.dtype)
    scale, translation = to_tensor(scale), to_tensor(translation)
    factor_dtype = dtypes.result_type(_dtype(scale), _dtype(translation), float)
    return active.image.scale_and_translate(
        images, tuple(int(d) for d in output_shape), active.core.cast(scale, factor_dtype),
        active.core.cast(translation, factor_dtype), tuple(int(d) for d in spatial_dims),
        method, antialias=bool(antialias),
    )


# -- geometric transforms ------------------------------------------------------------------------


def _affine_rule(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                 data_format=None):
    config.standardize_data_format(data_format)
    shape = _images_shape("affine_transform", images)
    _check_choice("affine_transform", "interpolation", interpolation, _TRANSFORM_INTERPOLATIONS)
    _check_choice("affine_transform", "fill_mode", fill_mode, _FILL_MODES)
    transform_shape = tuple(shape_of(transform))
    if len(transform_shape) not in (1, 2) or transform_shape[-1] not in (None, 8):
        raise ValueError(
            "ops.image.affine_transform: `transform` must have shape (8,) (one transform) or "
            f"(batch, 8). Received: transform.shape={transform_shape}"
        )
    rows = transform_shape[0] if len(transform_shape) == 2 else 1
    batch = shape[0] if len(shape) == 4 else 1
    if rows not in (None, 1) and batch is not None and rows != batch:
        raise ValueError(
            "ops.image.affine_transform: `transform` needs one row per image (or a single "
            f"row). Received: images.shape={shape}, transform.shape={transform_shape}"
        )
    return KerasTensor(shape, _dtype(images))


def _transform_dtype(x):
    return "float64" if _dtype(x) == "float64" else "float32"


@export("lamina.ops.image.affine_transform")
@op(_affine_rule)
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Applies affine transform(s) to image(s).

    A transform row `[a0, a1, a2, b0, b1, b2, c0, c1]` maps an output point `(x, y)` to the
    input point `(a0 x + a1 y + a2, b0 x + b1 y + b2)` (the inverse of the image's motion);
    `c0` and `c1` are ignored (taken as 0), as on Keras' non-TensorFlow backends.

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        transform: shape (8,), or (batch, 8) with one row per image.
        interpolation: "nearest" or "bilinear".
        fill_mode: how points outside the input are filled: "constant" (`fill_value`),
            "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value of "constant" filling.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The transformed images, same shape and dtype.

    Example:
    >>> shift = np.array([1, 0, -2, 0, 1, 0, 0, 0], "float32")  # 2 pixels to the right
    >>> ops.image.affine_transform(np.random.random((8, 8, 3)), shift).shape
    (8, 8, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images, transform = to_tensor(images), to_tensor(transform)
    _affine_rule(images, transform, interpolation, fill_mode, fill_value, data_format)
    batch, restore = _as_batch_channels_last(images, data_format)
    transform = active.core.cast(transform, _transform_dtype(transform))
    if transform.ndim == 1:
        transform = active.numpy.expand_dims(transform, 0)
    if transform.shape[0] != batch.shape[0]:
        transform = active.numpy.broadcast_to(transform, (batch.shape[0], 8))
    out = active.image.affine_transform(
        batch, transform, interpolation=interpolation, fill_mode=fill_mode, fill_value=fill_value
    )
    return restore(out)


def _points_shape(name, points):
    shape = tuple(shape_of(points))
    if len(shape) not in (2, 3) or shape[-2:] != (4, 2):
        raise ValueError(
            f"ops.image.perspective_transform: `{name}` must have shape (4, 2) for one image or "
            f"(batch, 4, 2). Received: {name}.shape={shape}"
        )
    return shape


def _perspective_rule(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                      data_format=None):
    config.standardize_data_format(data_format)
    shape = _images_shape("perspective_transform", images)
    _check_choice("perspective_transform", "interpolation", interpolation,
                  _TRANSFORM_INTERPOLATIONS)
    start = _points_shape("start_points", start_points)
    end = _points_shape("end_points", end_points)
    if start != end:
        raise ValueError(
            "ops.image.perspective_transform: `start_points` and `end_points` must have the "
            f"same shape. Received: start_points.shape={start}, end_points.shape={end}"
        )
    return KerasTensor(shape, _dtype(images))


@export("lamina.ops.image.perspective_transform")
@op(_perspective_rule)
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Applies the perspective transform(s) that move `start_points` to `end_points`.

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        start_points: (4, 2) or (batch, 4, 2) points `(x, y)` in the input image.
        end_points: the same points in the output image, same shape.
        interpolation: "nearest" or "bilinear".
        fill_value: the value of points that fall outside the input.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The transformed images, same shape and dtype.

    Example:
    >>> corners = np.array([[0, 0], [0, 8], [8, 0], [8, 8]], "float32")
    >>> ops.image.perspective_transform(np.random.random((8, 8, 3)), corners, corners).shape
    (8, 8, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    start_points, end_points = to_tensor(start_points), to_tensor(end_points)
    _perspective_rule(images, start_points, end_points, interpolation, fill_value, data_format)
    batch, restore = _as_batch_channels_last(images, data_format)
    points = []
    for p in (start_points, end_points):
        p = active.core.cast(p, "float32")
        if p.ndim == 2:
            p = active.numpy.expand_dims(p, 0)
        if p.shape[0] != batch.shape[0]:
            p = active.numpy.broadcast_to(p, (batch.shape[0], 4, 2))
        points.append(p)
    out = active.image.perspective_transform(
        batch, points[0], points[1], interpolation=interpolation, fill_value=fill_value
    )
    return restore(out)


def _map_coordinates_rule(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    _check_choice("map_coordinates", "order", order, (0, 1))
    _check_choice("map_coordinates", "fill_mode", fill_mode, _FILL_MODES)
    input_shape = tuple(shape_of(inputs))
    coordinate_shape = _coordinates_shape(coordinates)
    if len(coordinate_shape) < 2:
        raise ValueError(
            "ops.image.map_coordinates: `coordinates` must have rank 2 or more, "
            f"(rank of inputs, *output shape). Received: coordinates.shape={coordinate_shape}"
        )
    if coordinate_shape[0] is not None and coordinate_shape[0] != len(input_shape):
        raise ValueError(
            "ops.image.map_coordinates: the first dimension of `coordinates` must equal the "
            f"rank of `inputs` ({len(input_shape)}). Received: inputs.shape={input_shape}, "
            f"coordinates.shape={coordinate_shape}"
        )
    return KerasTensor(coordinate_shape[1:], _dtype(inputs))


def _coordinates_shape(coordinates):
    if isinstance(coordinates, (list, tuple)) and coordinates and all(
        hasattr(c, "shape") for c in coordinates
    ):
        return (len(coordinates),) + tuple(shape_of(coordinates[0]))
    return tuple(shape_of(coordinates))


@export("lamina.ops.image.map_coordinates")
@op(_map_coordinates_rule)
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """Samples `inputs` at `coordinates` by spline interpolation of order 0 or 1.

    Near the boundaries this differs from `scipy.ndimage.map_coordinates` (scipy issue 2640):
    each interpolation node outside the input is filled on its own, according to `fill_mode`.

    Args:
        inputs: the array to sample.
        coordinates: shape (rank of inputs, *output shape): the (fractional) index of each
            output element in `inputs`.
        order: 0 (nearest neighbor) or 1 (linear).
        fill_mode: "constant" (`fill_value`), "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value of "constant" filling.

    Returns:
        An array of shape `coordinates.shape[1:]` and the dtype of `inputs`.

    Example:
    >>> line = np.arange(4.0)
    >>> ops.convert_to_numpy(ops.image.map_coordinates(line, [[0.5, 2.25]], order=1)).tolist()
    [0.5, 2.25]
    """
    inputs = to_tensor(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = active.numpy.stack([to_tensor(c) for c in coordinates])
    coordinates = to_tensor(coordinates)
    _map_coordinates_rule(inputs, coordinates, order, fill_mode, fill_value)
    coordinates = active.core.cast(coordinates, dtypes.result_type(_dtype(coordinates), float))
    return active.image.map_coordinates(
        inputs, coordinates, order, fill_mode=fill_mode, fill_value=fill_value
    )


def _elastic_rule(images, alpha=20.0, sigma=5.0, interpolation="bilinear", fill_mode="reflect",
                  fill_value=0.0, seed=None, data_format=None):
    config.standardize_data_format(data_format)
    shape = _images_shape("elastic_transform", images)
    _check_choice("elastic_transform", "interpolation", interpolation, _TRANSFORM_INTERPOLATIONS)
    _check_choice("elastic_transform", "fill_mode", fill_mode, _FILL_MODES)
    return KerasTensor(shape, _dtype(images))


@export("lamina.ops.image.elastic_transform")
@op(_elastic_rule)
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Deforms image(s) by a random displacement field smoothed with a Gaussian.

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        alpha: the scale of the displacements.
        sigma: the standard deviation of the smoothing Gaussian (its kernel has size
            `int(6 * sigma) | 1`) and of the raw displacements.
        interpolation: "nearest" or "bilinear".
        fill_mode: "constant" (`fill_value`), "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value of "constant" filling.
        seed: an int, a `SeedGenerator`, or None (the global generator).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The deformed images, same shape and dtype.

    Example:
    >>> ops.image.elastic_transform(np.random.random((8, 8, 3)), seed=1).shape
    (8, 8, 3)
    """
    from lamina.random.seed_generator import draw_seed

    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _elastic_rule(images, alpha, sigma, interpolation, fill_mode, fill_value, seed, data_format)
    batch, restore = _as_batch_channels_last(images, data_format)
    out = active.image.elastic_transform(
        batch, alpha=float(alpha), sigma=float(sigma), interpolation=interpolation,
        fill_mode=fill_mode, fill_value=fill_value, seed=draw_seed(seed),
    )
    return restore(out)


# -- padding and cropping ------------------------------------------------------------------------


def _two_of_three(op_name, names, values):
    if [v is None for v in values].count(True) != 1:
        given = ", ".join(f"{n}={v}" for n, v in zip(names, values))
        raise ValueError(
            f"ops.image.{op_name}: specify exactly two of {', '.join(names)}. Received: {given}"
        )
    for name, value in zip(names, values):
        if value is not None and value < 0:
            raise ValueError(
                f"ops.image.{op_name}: `{name}` must be >= 0. Received: {name}={value}"
            )


def _solve_pads(op_name, size, before, after, target, names):
    """The (before, after, target) sizes of one axis, the missing one derived from `size`."""
    if size is None:
        return before, after, target
    if target is None:
        target = before + size + after
    elif before is None:
        before = target - size - after
    elif after is None:
        after = target - size - before
    for name, value in zip(names, (before, after)):
        if value < 0:
            raise ValueError(
                f"ops.image.{op_name}: `{name}` must be >= 0; the image has size {size} along "
                f"this axis, so the arguments do not fit. Received: {name}={value}"
            )
    return before, after, target


def _pad_images_rule(images, top_padding=None, left_padding=None, bottom_padding=None,
                     right_padding=None, target_height=None, target_width=None, data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = list(_images_shape("pad_images", images))
    _two_of_three("pad_images", ("top_padding", "bottom_padding", "target_height"),
                  (top_padding, bottom_padding, target_height))
    _two_of_three("pad_images", ("left_padding", "right_padding", "target_width"),
                  (left_padding, right_padding, target_width))
    height_axis, width_axis, _ = _axes(len(shape), data_format)
    _, _, shape[height_axis] = _solve_pads(
        "pad_images", shape[height_axis], top_padding, bottom_padding, target_height,
        ("top_padding", "bottom_padding"))
    _, _, shape[width_axis] = _solve_pads(
        "pad_images", shape[width_axis], left_padding, right_padding, target_width,
        ("left_padding", "right_padding"))
    return KerasTensor(tuple(shape), _dtype(images))


@export("lamina.ops.image.pad_images")
@op(_pad_images_rule)
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Pads images with zeros: give two of (top, bottom, target height), and of (left,
    right, target width).

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        top_padding, left_padding, bottom_padding, right_padding: rows/columns of zeros.
        target_height, target_width: the output height and width.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The padded images.

    Example:
    >>> ops.image.pad_images(np.ones((15, 25, 3)), 2, 3, target_height=20, target_width=30).shape
    (20, 30, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _pad_images_rule(images, top_padding, left_padding, bottom_padding, right_padding,
                     target_height, target_width, data_format)
    height_axis, width_axis, _ = _axes(images.ndim, data_format)
    top, bottom, _ = _solve_pads("pad_images", images.shape[height_axis], top_padding,
                                 bottom_padding, target_height, ("top_padding", "bottom_padding"))
    left, right, _ = _solve_pads("pad_images", images.shape[width_axis], left_padding,
                                 right_padding, target_width, ("left_padding", "right_padding"))
    widths = [(0, 0)] * images.ndim
    widths[height_axis] = (int(top), int(bottom))
    widths[width_axis] = (int(left), int(right))
    return active.numpy.pad(images, widths, mode="constant", constant_values=0)


def _solve_crops(size, before, after, target, names):
    """(start, length) of the kept window of one axis, or a ValueError."""
    if target is None:
        target = size - before - after
    elif before is None:
        before = size - target - (after or 0)
    if before < 0 or target < 0 or before + target > size:
        raise ValueError(
            f"ops.image.crop_images: the crop does not fit in an axis of size {size}: "
            f"{names[0]}={before}, {names[1]}={after}, {names[2]}={target}. Each must be >= 0 "
            "and together they must not exceed the size."
        )
    return before, target


def _crop_images_rule(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                      right_cropping=None, target_height=None, target_width=None,
                      data_format=None):
    data_format = config.standardize_data_format(data_format)
    shape = list(_images_shape("crop_images", images))
    height_names = ("top_cropping", "bottom_cropping", "target_height")
    width_names = ("left_cropping", "right_cropping", "target_width")
    _two_of_three("crop_images", height_names, (top_cropping, bottom_cropping, target_height))
    _two_of_three("crop_images", width_names, (left_cropping, right_cropping, target_width))
    height_axis, width_axis, _ = _axes(len(shape), data_format)
    for axis, names, (before, after, target) in (
        (height_axis, height_names, (top_cropping, bottom_cropping, target_height)),
        (width_axis, width_names, (left_cropping, right_cropping, target_width)),
    ):
        if shape[axis] is None:
            if target is None:
                raise ValueError(
                    f"ops.image.crop_images: when the {names[2][7:]} of the images is unknown, "
                    f"`{names[2]}` must be given. Received: images.shape={tuple(shape)}, "
                    f"{names[2]}=None"
                )
            shape[axis] = target
        else:
            shape[axis] = _solve_crops(shape[axis], before, after, target, names)[1]
    return KerasTensor(tuple(shape), _dtype(images))


@export("lamina.ops.image.crop_images")
@op(_crop_images_rule)
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crops images: give two of (top, bottom, target height), and of (left, right, target
    width).

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        top_cropping, left_cropping, bottom_cropping, right_cropping: rows/columns removed.
        target_height, target_width: the output height and width.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The cropped images.

    Example:
    >>> ops.image.crop_images(np.ones((3, 3, 3)), 0, 0, 2, 2).shape
    (1, 1, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _crop_images_rule(images, top_cropping, left_cropping, bottom_cropping, right_cropping,
                      target_height, target_width, data_format)
    height_axis, width_axis, _ = _axes(images.ndim, data_format)
    top, height = _solve_crops(images.shape[height_axis], top_cropping, bottom_cropping,
                               target_height, ("top_cropping", "bottom_cropping", "target_height"))
    left, width = _solve_crops(images.shape[width_axis], left_cropping, right_cropping,
                               target_width, ("left_cropping", "right_cropping", "target_width"))
    key = [slice(None)] * images.ndim
    key[height_axis] = slice(int(top), int(top + height))
    key[width_axis] = slice(int(left), int(left + width))
    return active.numpy.get_item(images, tuple(key))


# -- filters -------------------------------------------------------------------------------------


def _depthwise(images, kernel, padding):
    """Per-channel correlation of channels-last `images` with a 2D `kernel` (kh, kw)."""
    channels = images.shape[-1]
    kernel = active.numpy.reshape(kernel, tuple(kernel.shape) + (1, 1))
    kernel = active.numpy.tile(kernel, (1, 1, channels, 1))
    return active.nn.depthwise_conv(images, kernel, (1, 1), padding, "channels_last", (1, 1))


def _gaussian_1d(size, sigma, dtype):
    positions = _constant(np.arange(size) - (size - 1) / 2, dtype)
    weights = active.numpy.exp(-0.5 * (positions / sigma) ** 2)
    return weights / active.numpy.sum(weights)


def _pair(value, name, op_name):
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(
                f"ops.image.{op_name}: `{name}` must be a number or a pair. Received: "
                f"{name}={value!r}"
            )
        return tuple(value)
    return (value, value)


def _blur_rule(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    config.standardize_data_format(data_format)
    shape = _images_shape("gaussian_blur", images)
    for size in _pair(kernel_size, "kernel_size", "gaussian_blur"):
        if int(size) < 1:
            raise ValueError(
                "ops.image.gaussian_blur: `kernel_size` must be positive. Received: "
                f"kernel_size={kernel_size}"
            )
    return KerasTensor(shape, _dtype(images))


@export("lamina.ops.image.gaussian_blur")
@op(_blur_rule)
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blurs image(s) with a Gaussian kernel, zero padding at the borders.

    As in Keras, the kernel is `outer(g(kernel_size[1], sigma[1]), g(kernel_size[0],
    sigma[0]))`: its rows (height) use the second entries of `kernel_size` and `sigma`.

    Args:
        images: an image (rank 3) or a batch of images (rank 4).
        kernel_size: two ints, the size of the kernel.
        sigma: two floats (or tensors), the standard deviations.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The blurred images, same shape and dtype.

    Example:
    >>> ops.image.gaussian_blur(np.random.random((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _blur_rule(images, kernel_size, sigma, data_format)
    dtype = _dtype(images)
    compute_dtype = dtypes.result_type(dtype, float)
    sizes = tuple(int(s) for s in _pair(kernel_size, "kernel_size", "gaussian_blur"))
    sigma = to_tensor(sigma, dtype=compute_dtype)
    sigmas = (sigma, sigma) if sigma.ndim == 0 else (sigma[0], sigma[1])
    rows = _gaussian_1d(sizes[1], sigmas[1], compute_dtype)
    columns = _gaussian_1d(sizes[0], sigmas[0], compute_dtype)
    kernel = active.numpy.reshape(rows, (-1, 1)) * active.numpy.reshape(columns, (1, -1))
    batch, restore = _as_batch_channels_last(active.core.cast(images, compute_dtype), data_format)
    return active.core.cast(restore(_depthwise(batch, kernel, "same")), dtype)


def _sobel_rule(images, data_format=None):
    config.standardize_data_format(data_format)
    shape = _images_shape("sobel_edges", images, ranks=(4,))
    return KerasTensor(shape + (2,), _dtype(images))


@export("lamina.ops.image.sobel_edges")
@op(_sobel_rule)
def sobel_edges(images, data_format=None):
    """The Sobel gradients `[dy, dx]` of each channel (zero padding at the borders).

    Args:
        images: a batch of images (rank 4).
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        Shape `images.shape + (2,)`: the last axis holds the vertical and the horizontal
        gradient.

    Example:
    >>> ops.image.sobel_edges(np.zeros((1, 8, 8, 1), "float32")).shape
    (1, 8, 8, 1, 2)
    """
    data_format = config.standardize_data_format(data_format)
    images = to_tensor(images)
    _sobel_rule(images, data_format)
    dtype = _dtype(images)
    vertical = _constant([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype)
    horizontal = _constant([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype)
    batch, restore = _as_batch_channels_last(images, data_format)
    edges = [restore(_depthwise(batch, k, "same")) for k in (vertical, horizontal)]
    return active.numpy.stack(edges, axis=-1)


# -- patches -------------------------------------------------------------------------------------


def _per_dim(value, count, name, op_name):
    if isinstance(value, int):
        return (value,) * count
    if not isinstance(value, (list, tuple)) or len(value) != count:
        raise ValueError(
            f"ops.image.{op_name}: `{name}` must be an int or a tuple of {count} ints. "
            f"Received: {name}={value!r}"
        )
    return tuple(int(v) for v in value)


def _patch_args(op_name, images, size, strides, dilation_rate, padding, data_format, dims):
    if not isinstance(size, int) and not isinstance(size, (list, tuple)):
        raise TypeError(
            f"ops.image.{op_name}: `size` must be an int or a tuple. Received: size={size!r} "
            f"of type {type(size).__name__}"
        )
    size = _per_dim(size, dims, "size", op_name)
    strides = size if not strides else _per_dim(strides, dims, "strides", op_name)
    dilation_rate = _per_dim(dilation_rate, dims, "dilation_rate", op_name)
    padding = _check_choice(op_name, "padding", str(padding).lower(), ("valid", "same"))
    data_format = config.standardize_data_format(data_format)
    name = "volumes" if op_name == "extract_patches_3d" else "images"
    shape = _images_shape(op_name, images, name=name, ranks=(dims + 1, dims + 2))
    return size, strides, dilation_rate, padding, data_format, shape


def _patch_output(size, strides, dilation_rate, padding, data_format, shape):
    dims = len(size)
    batched = len(shape) == dims + 2
    full = shape if batched else (1,) + shape
    if data_format == "channels_last":
        spatial, channels = full[1:-1], full[-1]
    else:
        spatial, channels = full[2:], full[1]
    out = []
    for n, k, s, d in zip(spatial, size, strides, dilation_rate):
        if n is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-n // s))
        else:
            out.append(max((n - (k - 1) * d - 1) // s + 1, 0))
    depth = None if channels is None else math.prod(size) * channels
    result = (full[0],) + tuple(out) + (depth,) if data_format == "channels_last" else (
        (full[0], depth) + tuple(out))
    return result if batched else result[1:]


def _extract(op_name, images, size, strides, dilation_rate, padding, data_format, dims):
    images = to_tensor(images)
    size, strides, dilation_rate, padding, data_format, shape = _patch_args(
        op_name, images, size, strides, dilation_rate, padding, data_format, dims)
    channels = shape[-1] if data_format == "channels_last" else shape[-dims - 1]
    depth = math.prod(size) * channels
    # A convolution whose kernel is the identity copies each window into the channels.
    kernel = _constant(np.eye(depth).reshape(size + (channels, depth)), _dtype(images))
    unbatched = len(shape) == dims + 1
    if unbatched:
        images = active.numpy.expand_dims(images, 0)
    patches = active.nn.conv(images, kernel, strides, padding, data_format, dilation_rate)
    return active.numpy.squeeze(patches, 0) if unbatched else patches


def _extract_patches_rule(images, size, strides=None, dilation_rate=1, padding="valid",
                          data_format=None):
    dims = 3 if isinstance(size, (list, tuple)) and len(size) == 3 else 2
    args = _patch_args("extract_patches", images, size, strides, dilation_rate, padding,
                       data_format, dims)
    return KerasTensor(_patch_output(*args), _dtype(images))


@export("lamina.ops.image.extract_patches")
@op(_extract_patches_rule)
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Extracts patches from image(s), or from volume(s) when `size` has 3 entries.

    Each patch becomes a vector along the channels axis, ordered (rows, columns, channels).

    Args:
        images: for 2D patches (H, W, C) or (N, H, W, C); for 3D patches (D, H, W, C) or
            (N, D, H, W, C) (channels first with "channels_first").
        size: the patch size: an int or 2 ints, or 3 ints for 3D patches.
        strides: the steps between patches; `size` (no overlap) by default.
        dilation_rate: the spacing of the sampled pixels inside a patch.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The patches; rank as `images`, with `prod(size) * channels` channels.

    Example:
    >>> ops.image.extract_patches(np.random.random((2, 20, 20, 3)), (5, 5)).shape
    (2, 4, 4, 75)
    """
    if isinstance(size, (list, tuple)) and len(size) not in (2, 3):
        raise ValueError(
            "ops.image.extract_patches: `size` must be an int or a tuple of length 2 or 3. "
            f"Received: size={size!r}"
        )
    dims = 3 if isinstance(size, (list, tuple)) and len(size) == 3 else 2
    return _extract("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, dims)


def _extract_patches_3d_rule(volumes, size, strides=None, dilation_rate=1, padding="valid",
                             data_format=None):
    args = _patch_args("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                       data_format, 3)
    return KerasTensor(_patch_output(*args), _dtype(volumes))


@export("lamina.ops.image.extract_patches_3d")
@op(_extract_patches_3d_rule)
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Extracts 3D patches from volume(s) (D, H, W, C) or (N, D, H, W, C).

    Args:
        volumes: a volume (rank 4) or a batch of volumes (rank 5).
        size: an int or 3 ints (depth, height, width).
        strides: the steps between patches; `size` by default.
        dilation_rate: the spacing of the sampled voxels inside a patch.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The patches, with `prod(size) * channels` channels.

    Example:
    >>> ops.image.extract_patches_3d(np.random.random((10, 10, 10, 3)), 3).shape
    (3, 3, 3, 81)
    """
    return _extract("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


# -- image quality -------------------------------------------------------------------------------


def _ssim_rule(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
               data_format=None):
    shape1 = _images_shape("ssim", image1, name="image1")
    shape2 = _images_shape("ssim", image2, name="image2")
    if len(shape1) != len(shape2) or any(
        a is not None and b is not None and a != b for a, b in zip(shape1, shape2)
    ):
        raise ValueError(
            "ops.image.ssim: `image1` and `image2` must have the same shape. Received: "
            f"image1.shape={shape1}, image2.shape={shape2}"
        )
    if int(filter_size) < 1:
        raise ValueError(
            f"ops.image.ssim: `filter_size` must be >= 1. Received: filter_size={filter_size}"
        )
    data_format = config.standardize_data_format(data_format)
    height_axis, width_axis, _ = _axes(len(shape1), data_format)
    for dim in (shape1[height_axis], shape1[width_axis]):
        if dim is not None and dim < int(filter_size):
            raise ValueError(
                "ops.image.ssim: the images must be at least `filter_size` pixels high and "
                f"wide. Received: image1.shape={shape1}, filter_size={filter_size}, "
                f"data_format={data_format!r}"
            )
    return KerasTensor(() if len(shape1) == 3 else (shape1[0],), _dtype(image1))


@export("lamina.ops.image.ssim")
@op(_ssim_rule)
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """The structural similarity (SSIM, Wang et al. 2004) of two images, in [-1, 1].

    Local means, variances and covariance are Gaussian-weighted over valid windows; the SSIM
    map is averaged over positions and channels.

    Args:
        image1: an image (rank 3) or a batch of images (rank 4).
        image2: the same shape as `image1`.
        max_val: the dynamic range of the pixels (1.0, or 255.0 for 8-bit images).
        filter_size: the size of the Gaussian window.
        filter_sigma: its standard deviation.
        k1, k2: the stabilizing constants.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        One SSIM per image pair (a scalar for single images), in the dtype of `image1`.

    Example:
    >>> image = np.random.random((32, 32, 3)).astype("float32")
    >>> float(ops.image.ssim(image, image)) > 0.99
    True
    """
    data_format = config.standardize_data_format(data_format)
    image1, image2 = to_tensor(image1), to_tensor(image2)
    _ssim_rule(image1, image2, max_val, filter_size, filter_sigma, k1, k2, data_format)
    dtype = _dtype(image1)
    compute_dtype = dtypes.result_type(dtype, float)
    x1, restore = _as_batch_channels_last(active.core.cast(image1, compute_dtype), data_format)
    x2, _ = _as_batch_channels_last(active.core.cast(image2, compute_dtype), data_format)
    size = int(filter_size)
    positions = _constant(np.arange(size) - (size - 1) / 2.0, compute_dtype)
    weights = active.numpy.exp(-(positions**2) / (2.0 * filter_sigma**2))
    weights = weights / active.numpy.sum(weights)
    kernel = active.numpy.reshape(weights, (-1, 1)) * active.numpy.reshape(weights, (1, -1))

    def local_mean(x):
        return _depthwise(x, kernel, "valid")

    c1 = (k1 * max_val) ** 2
    c2 = (k2 * max_val) ** 2
    mu1, mu2 = local_mean(x1), local_mean(x2)
    mu1_sq, mu2_sq, mu1_mu2 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    sigma1_sq = local_mean(x1 * x1) - mu1_sq
    sigma2_sq = local_mean(x2 * x2) - mu2_sq
    sigma12 = local_mean(x1 * x2) - mu1_mu2
    numerator = (2.0 * mu1_mu2 + c1) * (2.0 * sigma12 + c2)
    denominator = (mu1_sq + mu2_sq + c1) * (sigma1_sq + sigma2_sq + c2)
    per_image = active.numpy.mean(numerator / denominator, axis=(1, 2, 3))
    if image1.ndim == 3:
        per_image = active.numpy.squeeze(per_image, 0)
    return active.core.cast(per_image, dtype)


# -- patches back to images ----------------------------------------------------------------------


def _reconstruct_args(patches, size, output_size, strides, padding, data_format):
    if not isinstance(size, (int, list, tuple)):
        raise TypeError(
            "ops.image.reconstruct_patches: `size` must be an int or a tuple. Received: "
            f"size={size!r} of type {type(size).__name__}"
        )
    if isinstance(size, (list, tuple)) and len(size) not in (2, 3):
        raise ValueError(
            "ops.image.reconstruct_patches: `size` must be an int or a tuple of length 2 or 3. "
            f"Received: size={size!r}"
        )
    if not isinstance(output_size, (list, tuple)):
        raise TypeError(
            "ops.image.reconstruct_patches: `output_size` must be a tuple. Received: "
            f"output_size={output_size!r} of type {type(output_size).__name__}"
        )
    dims = 3 if isinstance(size, (list, tuple)) and len(size) == 3 else 2
    size = _per_dim(size, dims, "size", "reconstruct_patches")
    output_size = _per_dim(tuple(output_size), dims, "output_size", "reconstruct_patches")
    strides = size if strides is None else _per_dim(strides, dims, "strides",
                                                    "reconstruct_patches")
    if strides != size:
        raise NotImplementedError(
            "ops.image.reconstruct_patches supports only non-overlapping patches (strides equal "
            f"to size). Received: strides={strides}, size={size}"
        )
    padding = _check_choice("reconstruct_patches", "padding", str(padding).lower(),
                            ("valid", "same"))
    data_format = config.standardize_data_format(data_format)
    shape = tuple(shape_of(patches))
    if len(shape) not in (dims + 1, dims + 2):
        raise ValueError(
            f"ops.image.reconstruct_patches: for {dims}D patches, `patches` must have rank "
            f"{dims + 1} (unbatched) or {dims + 2} (batched). Received: patches.shape={shape}"
        )
    batched = len(shape) == dims + 2
    core = shape[1:] if batched else shape
    flat, grid = (core[-1], core[:-1]) if data_format == "channels_last" else (core[0], core[1:])
    volume = math.prod(size)
    if flat is not None and flat % volume:
        raise ValueError(
            f"ops.image.reconstruct_patches: the patch axis of `patches` ({flat}) must be a "
            f"multiple of prod(size)={volume}. Received: patches.shape={shape}, size={size}"
        )
    for g, p, o in zip(grid, size, output_size):
        if g is None:
            continue
        if padding == "valid" and g * p != o:
            raise ValueError(
                "ops.image.reconstruct_patches: with padding='valid', `output_size` must be the "
                f"patch grid times `size`. Received: output_size={output_size}, grid="
                f"{tuple(grid)}, size={size}"
            )
        if padding == "same" and not (g - 1) * p < o <= g * p:
            raise ValueError(
                "ops.image.reconstruct_patches: with padding='same', each `output_size` entry "
                f"must lie in ((grid - 1) * size, grid * size]. Received: "
                f"output_size={output_size}, grid={tuple(grid)}, size={size}"
            )
    channels = None if flat is None else flat // volume
    return size, output_size, padding, data_format, shape, batched, channels


def _reconstruct_patches_rule(patches, size, output_size, strides=None, padding="valid",
                              data_format=None):
    size, output_size, _, data_format, shape, batched, channels = _reconstruct_args(
        patches, size, output_size, strides, padding, data_format)
    out = output_size + (channels,) if data_format == "channels_last" else (
        (channels,) + output_size)
    return KerasTensor((shape[0],) + out if batched else out, _dtype(patches))


@export("lamina.ops.image.reconstruct_patches")
@op(_reconstruct_patches_rule)
def reconstruct_patches(patches, size, output_size, strides=None, padding="valid",
                        data_format=None):
    """Reassembles images (or volumes) from non-overlapping patches: the inverse of
    `extract_patches` with `strides == size`.

    Args:
        patches: as `extract_patches` returns them, e.g. (N, gH, gW, pH*pW*C).
        size: the patch size used for extraction (an int, 2 or 3 ints).
        output_size: the spatial shape to rebuild; with "valid" the grid times `size`, with
            "same" the original shape (the extraction padding is cut off).
        strides: must equal `size` (the default).
        padding: "valid" or "same", as used for extraction.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.

    Returns:
        The images or volumes.

    Example:
    >>> patches = ops.image.extract_patches(np.random.random((2, 20, 20, 3)), (5, 5))
    >>> ops.image.reconstruct_patches(patches, (5, 5), (20, 20)).shape
    (2, 20, 20, 3)
    """
    patches = to_tensor(patches)
    size, output_size, padding, data_format, shape, batched, channels = _reconstruct_args(
        patches, size, output_size, strides, padding, data_format)
    dims = len(size)
    np_ = active.numpy
    x = patches if batched else np_.expand_dims(patches, 0)
    if data_format == "channels_first":
        x = np_.moveaxis(x, 1, -1)
    grid = tuple(x.shape[1:-1])
    batch = x.shape[0]
    x = np_.reshape(x, (batch,) + grid + size + (channels,))
    # (B, g1, ..., p1, ..., C) -> (B, g1, p1, g2, p2, ..., C): each patch back in its place.
    order = [0] + [a for i in range(dims) for a in (1 + i, 1 + dims + i)] + [1 + 2 * dims]
    x = np_.transpose(x, tuple(order))
    x = np_.reshape(x, (batch,) + tuple(g * p for g, p in zip(grid, size)) + (channels,))
    if padding == "same":
        key = [slice(None)] + [
            slice((g * p - o) // 2, (g * p - o) // 2 + o)
            for g, p, o in zip(grid, size, output_size)
        ] + [slice(None)]
        x = np_.get_item(x, tuple(key))
    if data_format == "channels_first":
        x = np_.moveaxis(x, -1, 1)
    return x if batched else np_.squeeze(x, 0)
