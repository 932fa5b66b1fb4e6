"""Geometric augmentations: flips, rotations, zooms, translations, shears, crops, perspective
and elastic distortions. Segmentation masks follow the images with nearest interpolation."""

from lamina import ops, random
from lamina.api_export import export
from lamina.layers.augmentation.base import BaseImagePreprocessingLayer, factor_pair
from lamina.random.seed_generator import make_default_seed

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _check_fill_and_interpolation(layer_name, fill_mode, interpolation,
                                  fill_modes=_FILL_MODES):
    if fill_mode not in fill_modes:
        raise NotImplementedError(
            f"{layer_name}: unknown `fill_mode` {fill_mode!r}. Expected one of {fill_modes}."
        )
    if interpolation not in _INTERPOLATIONS:
        raise NotImplementedError(
            f"{layer_name}: unknown `interpolation` {interpolation!r}. Expected one of "
            f"{_INTERPOLATIONS}."
        )


class _GeometricLayer(BaseImagePreprocessingLayer):
    """A geometric transform: images use `self.interpolation`, masks "nearest"."""

    interpolation = "bilinear"

    def _transform(self, images, transformation, interpolation):
        raise NotImplementedError

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            images = self._transform(images, transformation, self.interpolation)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training and transformation is not None:
            return self._transform(segmentation_masks, transformation, "nearest")
        return segmentation_masks


class _AffineLayer(_GeometricLayer):
    """A layer whose transformation is a batch of affine matrices."""

    def _transform(self, images, transformation, interpolation):
        return ops.image.affine_transform(
            images, transformation["matrix"], interpolation=interpolation,
            fill_mode=self.fill_mode, fill_value=self.fill_value, data_format=self.data_format)

    def _common_config(self):
        return {"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "seed": self.seed, "fill_value": self.fill_value,
                "data_format": self.data_format}


@export("lamina.layers.RandomFlip")
class RandomFlip(_GeometricLayer):
    """Randomly flips images left-right and/or top-bottom in training.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (in which case an image
            is flipped both ways or not at all, as in Keras).
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomFlip("horizontal", seed=1)(np.ones((2, 8, 8, 3))).shape
    (2, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in self._MODES:
            raise ValueError(
                f"RandomFlip: invalid `mode` {mode!r}. Expected one of {self._MODES}."
            )
        self.mode = mode
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        shape = (self._batch_size(images), 1, 1, 1)
        return {"flips": ops.less_equal(random.uniform(shape, seed=self._seed(seed)), 0.5)}

    def _transform(self, images, transformation, interpolation):
        flips = transformation["flips"]
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=self._width_axis), images)
        if self.mode in ("vertical", "horizontal_and_vertical"):
            images = ops.where(flips, ops.flip(images, axis=self._height_axis), images)
        return images

    def get_config(self):
        return {**super().get_config(), "seed": self.seed, "mode": self.mode}


@export("lamina.layers.RandomRotation")
class RandomRotation(_AffineLayer):
    """Rotates images by a random angle in training, `factor` in fractions of a full turn.

    Args:
        factor: a number or a pair: angles are drawn from `[lower * 360, upper * 360]`
            degrees (a single `f` gives `[-f, f]`); positive angles turn counter-clockwise.
        fill_mode: "reflect", "wrap", "constant" or "nearest".
        interpolation: "nearest" or "bilinear".
        seed: random seed.
        fill_value: the value of "constant" filling.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomRotation(0.1, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(factor=factor, data_format=data_format, **kwargs)
        _check_fill_and_interpolation("RandomRotation", fill_mode, interpolation)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = fill_value

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        batch = self._batch_size(images)
        height, width = self._image_size(images)
        angle = random.uniform((batch,), minval=self.factor[0] * 360.0,
                               maxval=self.factor[1] * 360.0, seed=self._seed(seed))
        zeros, ones = ops.zeros((batch,)), ops.ones((batch,))
        matrix = self._affine_matrix(angle, zeros, zeros, ones, zeros, zeros, height, width)
        return {"angle": angle, "matrix": matrix}

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, **self._common_config()}


class _RangeFactorLayer(_AffineLayer):
    """Layers whose factors are (lower, upper) ranges checked against [-1, 1]."""

    _USE_BASE_FACTOR = False
    _OPEN_LOWER = False

    def _factor(self, factor, name):
        return factor_pair(type(self).__name__, factor, name, (-1.0, 1.0),
                           open_lower=self._OPEN_LOWER)


@export("lamina.layers.RandomZoom")
class RandomZoom(_RangeFactorLayer):
    """Zooms images by a random factor in training.

    Args:
        height_factor: a number or a pair in (-1, 1]: the vertical zoom is drawn from
            `[1 + lower, 1 + upper]`; values above 1 zoom out, below 1 zoom in.
        width_factor: the same for the horizontal zoom; None keeps the aspect ratio (the
            vertical zoom is used).
        fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Example:
    >>> lamina.layers.RandomZoom(0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _OPEN_LOWER = True

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._factor(height_factor, "height_factor")
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = self._factor(width_factor, "width_factor")
        _check_fill_and_interpolation("RandomZoom", fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        shape = (self._batch_size(images),)
        height_zoom = random.uniform(shape, minval=1.0 + self.height_lower,
                                     maxval=1.0 + self.height_upper, seed=seed)
        if self.width_factor is not None:
            width_zoom = random.uniform(shape, minval=1.0 + self.width_lower,
                                        maxval=1.0 + self.width_upper, seed=seed)
        else:
            width_zoom = height_zoom
        height, width = self._image_size(images)
        zeros = ops.zeros_like(width_zoom)
        matrix = ops.stack([
            width_zoom, zeros, (width - 1.0) / 2.0 * (1.0 - width_zoom),
            zeros, height_zoom, (height - 1.0) / 2.0 * (1.0 - height_zoom), zeros, zeros,
        ], axis=1)
        return {"height_zoom": height_zoom, "width_zoom": width_zoom, "matrix": matrix}

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._common_config()}


@export("lamina.layers.RandomTranslation")
class RandomTranslation(_RangeFactorLayer):
    """Shifts images by a random fraction of their height and width in training.

    Args:
        height_factor: a number or a pair in [-1, 1]: the vertical shift, as a fraction of
            the height, is drawn from `[lower, upper]` (positive moves down).
        width_factor: the same for the horizontal shift (positive moves right).
        fill_mode, interpolation, seed, fill_value, data_format: as in `RandomRotation`.

    Example:
    >>> lamina.layers.RandomTranslation(0.2, 0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect",
                 interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = self._factor(height_factor, "height_factor")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = self._factor(width_factor, "width_factor")
        _check_fill_and_interpolation("RandomTranslation", fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        shape = (self._batch_size(images),)
        height, width = self._image_size(images)
        shift_y = random.uniform(shape, minval=self.height_lower, maxval=self.height_upper,
                                 seed=seed) * height
        shift_x = random.uniform(shape, minval=self.width_lower, maxval=self.width_upper,
                                 seed=seed) * width
        zeros, ones = ops.zeros_like(shift_x), ops.ones_like(shift_x)
        matrix = ops.stack([ones, zeros, -shift_x, zeros, ones, -shift_y, zeros, zeros], axis=1)
        return {"translations": ops.stack([shift_x, shift_y], axis=1), "matrix": matrix}

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor,
                "width_factor": self.width_factor, **self._common_config()}


@export("lamina.layers.RandomShear")
class RandomShear(_AffineLayer):
    """Shears images along x and/or y by random amounts (with a random sign) in training.

    Args:
        x_factor: a number or a pair in [0, 1]: the horizontal shear coefficient's range.
        y_factor: the same for the vertical shear.
        interpolation, fill_mode, fill_value, data_format, seed: as in `RandomRotation`.

    Example:
    >>> lamina.layers.RandomShear(0.2, 0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear",
                 fill_mode="reflect", fill_value=0.0, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.x_factor = self._factor(x_factor, "x_factor")
        self.y_factor = self._factor(y_factor, "y_factor")
        _check_fill_and_interpolation("RandomShear", fill_mode, interpolation)
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    @staticmethod
    def _factor(factor, name):
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            factor_pair("RandomShear", factor, name, (0.0, 1.0))
            return (-abs(factor), abs(factor))
        # Pairs may be negative so that `get_config()` output (e.g. (-0.3, 0.3)) round-trips.
        return factor_pair("RandomShear", factor, name, (-1.0, 1.0))

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        shape = (self._batch_size(images),)
        dtype = self.compute_dtype
        sign = random.uniform(shape, seed=seed, dtype=dtype)
        sign = ops.where(sign > 0.5, -1.0, 1.0)
        shear_y = random.uniform(shape, self.y_factor[0], self.y_factor[1], dtype=dtype, seed=seed)
        shear_x = random.uniform(shape, self.x_factor[0], self.x_factor[1], dtype=dtype, seed=seed)
        shear_x, shear_y = ops.cast(shear_x * sign, dtype), ops.cast(shear_y * sign, dtype)
        zeros, ones = ops.zeros_like(shear_x), ops.ones_like(shear_x)
        matrix = ops.stack([ones, shear_x, zeros, shear_y, ones, zeros, zeros, zeros], axis=1)
        return {"shear_factor": ops.stack([shear_x, shear_y], axis=1), "matrix": matrix}

    def get_config(self):
        return {**super().get_config(), "x_factor": self.x_factor, "y_factor": self.y_factor,
                **self._common_config()}


@export("lamina.layers.RandomCrop")
class RandomCrop(_GeometricLayer):
    """Crops a random `height` x `width` window in training (the same for the whole batch).

    In inference, and in training when the image is not larger than the target, the largest
    central window of the target aspect ratio is cropped and resized to the target size.

    Args:
        height: the output height.
        width: the output width.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomCrop(4, 4, seed=1)(np.ones((2, 8, 8, 3))).shape
    (2, 4, 4, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, height, width, seed=None, data_format=None, name=None, **kwargs):
        super().__init__(data_format=data_format, name=name, **kwargs)
        self.height = height
        self.width = width
        self.seed = seed if seed is not None else make_default_seed()
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        input_height, input_width = self._image_size(images)
        if training and input_height > self.height and input_width > self.width:
            seed = self._seed(seed)
            top = ops.cast(random.uniform((), 0, float(input_height - self.height + 1),
                                          seed=seed), "int32")
            left = ops.cast(random.uniform((), 0, float(input_width - self.width + 1),
                                           seed=seed), "int32")
            return {"top": top, "left": left, "crop_height": self.height,
                    "crop_width": self.width}
        crop_height = max(min(input_height, int(input_width * self.height / self.width)), 1)
        crop_width = max(min(input_width, int(input_height * self.width / self.height)), 1)
        return {"top": (input_height - crop_height) // 2, "left": (input_width - crop_width) // 2,
                "crop_height": crop_height, "crop_width": crop_width}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        return self._transform(images, transformation, "bilinear")

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return self._transform(segmentation_masks, transformation, "nearest")

    def _transform(self, images, transformation, interpolation):
        shape = list(ops.shape(images))
        start = [0, 0, 0, 0]
        start[self._height_axis] = transformation["top"]
        start[self._width_axis] = transformation["left"]
        shape[self._height_axis] = transformation["crop_height"]
        shape[self._width_axis] = transformation["crop_width"]
        images = ops.slice(images, start, shape)
        if (shape[self._height_axis], shape[self._width_axis]) != (self.height, self.width):
            images = ops.image.resize(images, (self.height, self.width),
                                      interpolation=interpolation, data_format=self.data_format)
        return images

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        rank = len(shape)
        height_axis = rank - 3 if self.data_format == "channels_last" else rank - 2
        shape[height_axis] = self.height
        shape[height_axis + 1] = self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "seed": self.seed, "data_format": self.data_format}


@export("lamina.layers.RandomPerspective")
class RandomPerspective(_GeometricLayer):
    """Moves the image corners by random amounts (a perspective warp) in training.

    Args:
        factor: a number or a pair in [0, 1]: the probability of warping each image is
            drawn from this range.
        scale: in [0, 1]: each corner moves by up to `scale / 2` of its coordinates.
        interpolation: "nearest" or "bilinear".
        fill_value: the value of points that fall outside the image.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomPerspective(seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0,
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        if not 0.0 <= scale <= 1.0:
            raise ValueError(
                "RandomPerspective: the `scale` argument should be a number in the range "
                f"[0, 1]. Received: scale={scale}"
            )
        _check_fill_and_interpolation("RandomPerspective", "constant", interpolation)
        self.scale = scale
        self.fill_value = fill_value
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        batch = self._batch_size(images)
        height, width = self._image_size(images)
        probability = random.uniform((batch,), self.factor[0], self.factor[1], seed=seed)
        apply = random.uniform((batch,), 0.0, 1.0, seed=seed) < probability
        moves = random.uniform((batch, 4, 2), -0.5 * self.scale, 0.5 * self.scale, seed=seed,
                               dtype=self.compute_dtype)
        corners = [[0.0, 0.0], [width - 1.0, 0.0], [0.0, height - 1.0],
                   [width - 1.0, height - 1.0]]
        start = ops.broadcast_to(ops.convert_to_tensor([corners], dtype=self.compute_dtype),
                                 (batch, 4, 2))
        end = ops.where(apply[:, None, None], start + start * moves, start)
        return {"apply_perspective": apply, "start_points": start, "end_points": end}

    def _transform(self, images, transformation, interpolation):
        outputs = ops.image.perspective_transform(
            images, transformation["start_points"], transformation["end_points"],
            interpolation=interpolation, fill_value=self.fill_value,
            data_format=self.data_format)
        return ops.where(transformation["apply_perspective"][:, None, None, None], outputs,
                         images)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_value": self.fill_value,
                "seed": self.seed}


@export("lamina.layers.RandomElasticTransform")
class RandomElasticTransform(_GeometricLayer):
    """Deforms images with a random smooth displacement field in training.

    The displacement has scale `0.1 * s * max(height, width)` and smoothness
    `0.05 * s * min(height, width)`, with `s` drawn from `scale` once per call. A constant
    `scale` range uses `ops.image.elastic_transform`; otherwise `s` is a tensor (jit-friendly)
    and the field is smoothed with a kernel sized for the largest `s`, so its tails differ
    slightly from the op's.

    Args:
        factor: a number or a pair in [0, 1]: the probability of deforming each image.
        scale: a number or a pair in [0, 1]: the range of the distortion strength.
        interpolation: "nearest" or "bilinear".
        fill_mode: "constant", "nearest", "wrap", "mirror" or "reflect".
        fill_value: the value of "constant" filling.
        value_range: the range of the image values; outputs are clipped to it.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomElasticTransform(seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect",
                 fill_value=0.0, value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_pair("RandomElasticTransform", scale, "scale", (0, 1))
        _check_fill_and_interpolation("RandomElasticTransform", fill_mode, interpolation,
                                      ("constant", "nearest", "wrap", "mirror", "reflect"))
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        seed = self._seed(seed)
        batch = self._batch_size(images)
        probability = random.uniform((batch,), self.factor[0], self.factor[1], seed=seed)
        apply = random.uniform((batch,), 0.0, 1.0, seed=seed) < probability
        strength = random.uniform((), self.scale[0], self.scale[1], seed=seed,
                                  dtype=self.compute_dtype)
        return {"apply_transform": apply, "distortion_factor": strength, "seed": seed}

    def _transform(self, images, transformation, interpolation):
        height, width = self._image_size(images)
        if self.scale[0] == self.scale[1]:
            strength = float(self.scale[0])
            deformed = ops.image.elastic_transform(
                images, alpha=max(height, width) * 0.1 * strength,
                sigma=min(height, width) * 0.05 * strength, interpolation=interpolation,
                fill_mode=self.fill_mode, fill_value=self.fill_value,
                seed=transformation["seed"], data_format=self.data_format)
        else:
            deformed = self._deform(images, transformation["distortion_factor"],
                                    transformation["seed"], interpolation)
        images = ops.where(transformation["apply_transform"][:, None, None, None], deformed,
                           images)
        return ops.cast(ops.clip(images, self.value_range[0], self.value_range[1]),
                        self.compute_dtype)

    def _deform(self, images, strength, seed, interpolation):
        """The elastic warp with a tensor `strength`, composed from ops."""
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        batch, height, width, channels = ops.shape(images)
        dtype = self.compute_dtype
        strength = ops.cast(strength, dtype)
        alpha = max(height, width) * 0.1 * strength
        sigma = min(height, width) * 0.05 * strength + 1e-6
        kernel = int(6 * min(height, width) * 0.05 * self.scale[1]) | 1

        def field():
            noise = random.normal((batch, height, width, 1), dtype=dtype, seed=seed) * sigma
            smooth = ops.image.gaussian_blur(noise, (kernel, kernel), ops.stack([sigma, sigma]),
                                             data_format="channels_last")
            return alpha * smooth

        shift_x, shift_y = field(), field()
        coordinates = [
            ops.broadcast_to(ops.reshape(ops.arange(batch, dtype=dtype), (-1, 1, 1, 1)),
                             (batch, height, width, channels)),
            ops.broadcast_to(ops.reshape(ops.arange(height, dtype=dtype), (1, -1, 1, 1))
                             + shift_y, (batch, height, width, channels)),
            ops.broadcast_to(ops.reshape(ops.arange(width, dtype=dtype), (1, 1, -1, 1))
                             + shift_x, (batch, height, width, channels)),
            ops.broadcast_to(ops.reshape(ops.arange(channels, dtype=dtype), (1, 1, 1, -1)),
                             (batch, height, width, channels)),
        ]
        order = 0 if interpolation == "nearest" else 1
        deformed = ops.image.map_coordinates(images, coordinates, order,
                                             fill_mode=self.fill_mode,
                                             fill_value=self.fill_value)
        if self.data_format == "channels_first":
            deformed = ops.transpose(deformed, (0, 3, 1, 2))
        return deformed

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "interpolation": self.interpolation, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
