"""Color and intensity augmentations: brightness, contrast, saturation, hue, grayscale,
inversion, posterization, solarization, sharpness, blur, and the deterministic AutoContrast
and Equalization. Each follows Keras 3's factor conventions (noted per layer)."""

from lamina import ops, random
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.augmentation.base import (
    BaseImagePreprocessingLayer,
    check_value_range,
    factor_pair,
)


def _column(values):
    """A (batch,) tensor as (batch, 1, 1, 1), to scale whole images."""
    return ops.reshape(values, (-1, 1, 1, 1))


class _ColorLayer(BaseImagePreprocessingLayer):
    """A pixel-value transform: labels and masks pass through unchanged."""

    def _apply(self, images, transformation):
        raise NotImplementedError

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            images = ops.cast(self._apply(images, transformation), self.compute_dtype)
        return images

    def _batch_draw(self, images, seed, minval=None, maxval=None, dtype=None):
        """One uniform draw per image in [minval, maxval) (the factor range by default)."""
        minval = self.factor[0] if minval is None else minval
        maxval = self.factor[1] if maxval is None else maxval
        return random.uniform((self._batch_size(images),), minval, maxval, dtype=dtype,
                              seed=self._seed(seed))

    def _apply_with_probability(self, images, seed):
        """Per image: whether to apply, drawn with a probability itself drawn from `factor`."""
        probability = self._batch_draw(images, seed)
        return self._batch_draw(images, seed, 0.0, 1.0) < probability

    def get_config(self):
        return {**super().get_config(), "factor": self.factor,
                "value_range": self.value_range, "seed": self.seed}


@export("lamina.layers.RandomBrightness")
class RandomBrightness(_ColorLayer):
    """Adds a random offset to images in training, clipped to `value_range`.

    Args:
        factor: a number or a pair in [-1, 1]: the offset, as a fraction of the value range,
            is drawn from `[lower, upper]` (a single `f` gives `[-f, f]`).
        value_range: the range of the image values.
        seed: random seed.

    Example:
    >>> lamina.layers.RandomBrightness(0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(factor=factor, **kwargs)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.value_range = check_value_range("RandomBrightness", value_range)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        delta = self._batch_draw(images, seed)
        return {"rgb_delta": _column(delta) * (self.value_range[1] - self.value_range[0])}

    def _apply(self, images, transformation):
        images = images + ops.cast(transformation["rgb_delta"], images.dtype)
        return ops.clip(images, self.value_range[0], self.value_range[1])


@export("lamina.layers.RandomContrast")
class RandomContrast(_ColorLayer):
    """Scales each channel's deviation from its mean by a random factor in training.

    As in Keras, the factor is drawn from `[1 - lower, 1 + upper]` where a single number
    `f` gives `(lower, upper) = (0, f)`; a pair `(f, f)` gives `[1 - f, 1 + f]`.

    Args:
        factor: a number or a pair in [0, 1].
        value_range: the range of the image values; outputs are clipped to it.
        seed: random seed.

    Example:
    >>> lamina.layers.RandomContrast(0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(**kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        factor = self._batch_draw(images, seed, 1.0 - self.factor[0], 1.0 + self.factor[1],
                                  dtype=self.compute_dtype)
        return {"contrast_factor": _column(factor)}

    def _apply(self, images, transformation):
        mean = ops.mean(images, axis=(self._height_axis, self._width_axis), keepdims=True)
        images = (images - mean) * ops.cast(transformation["contrast_factor"], images.dtype)
        return ops.clip(images + mean, self.value_range[0], self.value_range[1])


@export("lamina.layers.RandomSaturation")
class RandomSaturation(_ColorLayer):
    """Scales the saturation (HSV) of RGB images by a random factor in training.

    A draw `f` from the factor range multiplies the saturation by `f / (1 - f)`: 0.5 keeps
    the image, 0 makes it gray, values near 1 saturate it fully.

    Args:
        factor: a number or a pair in [-1, 1] (a single `f` gives `[-f, f]`, as in Keras).
        value_range: the range of the image values.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomSaturation(0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = check_value_range("RandomSaturation", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        factor = self._batch_draw(images, seed)
        return {"factor": factor / (1.0 - factor + config.epsilon())}

    def _apply(self, images, transformation):
        scale = ops.reshape(ops.cast(transformation["factor"], images.dtype), (-1, 1, 1))
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        hue, saturation, value = ops.unstack(hsv, 3, axis=self._channel_axis)
        saturation = ops.clip(saturation * scale, self.value_range[0], self.value_range[1])
        hsv = ops.stack([hue, saturation, value], axis=self._channel_axis)
        return ops.image.hsv_to_rgb(hsv, data_format=self.data_format)


@export("lamina.layers.RandomHue")
class RandomHue(_ColorLayer):
    """Rotates the hue of RGB images by a random amount in training.

    Args:
        factor: a number or a pair in [0, 1]: the hue shift, in half turns, is drawn from
            this range with a random sign (a single `f` gives `[0, f]`).
        value_range: the range of the image values.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomHue(0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        sign = ops.where(self._batch_draw(images, seed, 0.0, 1.0) > 0.5, -1.0, 1.0)
        return {"factor": sign * self._batch_draw(images, seed) * 0.5}

    def _apply(self, images, transformation):
        images = self._transform_value_range(images, self.value_range, (0, 1))
        shift = ops.reshape(ops.cast(transformation["factor"], images.dtype), (-1, 1, 1))
        hsv = ops.image.rgb_to_hsv(images, data_format=self.data_format)
        hue, saturation, value = ops.unstack(hsv, 3, axis=self._channel_axis)
        hue = hue + shift
        hue = ops.where(hue > 1.0, hue - 1.0, hue)
        hue = ops.where(hue < 0.0, hue + 1.0, hue)
        hsv = ops.stack([hue, saturation, value], axis=self._channel_axis)
        images = ops.clip(ops.image.hsv_to_rgb(hsv, data_format=self.data_format), 0, 1)
        return self._transform_value_range(images, (0, 1), self.value_range)


@export("lamina.layers.RandomColorDegeneration")
class RandomColorDegeneration(_ColorLayer):
    """Blends RGB images toward their grayscale version by a random factor in training.

    Args:
        factor: a number or a pair in [-1, 1]: the blend weight's range (a single `f`
            gives `[-f, f]`, as in Keras); 1 is fully gray.
        value_range: the range of the image values; outputs are clipped to it.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomColorDegeneration(0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = check_value_range("RandomColorDegeneration", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return {"factor": _column(self._batch_draw(images, seed))}

    def _apply(self, images, transformation):
        factor = ops.cast(transformation["factor"], images.dtype)
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        images = images + factor * (gray - images)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def compute_output_shape(self, input_shape):
        channels = input_shape[-1 if self.data_format == "channels_last" else -3]
        if channels is not None and channels != 3:
            raise ValueError(
                "RandomColorDegeneration: input images must have 3 channels, but received "
                f"images with {channels} channels (shape {tuple(input_shape)})."
            )
        return input_shape


@export("lamina.layers.RandomGrayscale")
class RandomGrayscale(_ColorLayer):
    """Turns each RGB image gray with probability `factor` in training (3 channels kept).

    Args:
        factor: the probability, in [0, 1].
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomGrayscale(0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not 0 <= factor <= 1:
            raise ValueError(
                f"RandomGrayscale: `factor` should be between 0 and 1. Received: factor={factor}"
            )
        self.factor = factor
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return _column(self._batch_draw(images, seed, 0.0, 1.0) < self.factor)

    def _apply(self, images, transformation):
        gray = ops.image.rgb_to_grayscale(images, data_format=self.data_format)
        return ops.where(transformation, gray, images)

    def get_config(self):
        # Keras leaves out the seed here; keeping it makes the round trip reproducible.
        base = BaseImagePreprocessingLayer.get_config(self)
        return {**base, "factor": self.factor, "seed": self.seed}


@export("lamina.layers.RandomInvert")
class RandomInvert(_ColorLayer):
    """Replaces images by `value_range[1] - images`, each with a random probability.

    Args:
        factor: a number or a pair in [0, 1]: the probability of inverting each image is
            drawn from this range (a single `f` gives `[0, f]`).
        value_range: the range of the image values.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomInvert(seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, value_range=(0, 255), seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return {"apply_inversion": self._apply_with_probability(images, seed)}

    def _apply(self, images, transformation):
        inverted = self.value_range[1] - images
        return ops.where(_column(transformation["apply_inversion"]), inverted, images)


@export("lamina.layers.RandomPosterization")
class RandomPosterization(_ColorLayer):
    """Keeps only the `b` most significant bits of each 8-bit value, `b` drawn per image.

    Args:
        factor: a number or a pair in [1, 8]: `b` is drawn from `[lower, upper)` (a single
            `f` gives `[1, f)`; equal bounds give exactly that many bits).
        value_range: the range of the image values.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomPosterization(4, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (1, 8)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = check_value_range("RandomPosterization", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        batch = self._batch_size(images)
        if self.factor[0] != self.factor[1]:
            bits = random.randint((batch,), int(self.factor[0]), int(self.factor[1]),
                                  dtype="uint8", seed=self._seed(seed))
        else:
            bits = ops.full((batch,), int(self.factor[0]), dtype="uint8")
        return {"shift_factor": ops.cast(8 - ops.cast(bits, "int32"), "uint8")}

    def _apply(self, images, transformation):
        shift = _column(transformation["shift_factor"])
        images = self._transform_value_range(images, self.value_range, (0, 255))
        images = ops.cast(images, "uint8")
        images = ops.bitwise_left_shift(ops.bitwise_right_shift(images, shift), shift)
        images = ops.cast(images, self.compute_dtype)
        return self._transform_value_range(images, (0, 255), self.value_range)


@export("lamina.layers.Solarization")
class Solarization(_ColorLayer):
    """Adds a random amount to images, then inverts the values above a random threshold.

    Both draws are on the 0-255 scale: the addition from `[lower, upper * 255]` of
    `addition_factor`, the threshold from `[lower, upper * 255]` of `threshold_factor` (a
    single number `f` gives `(0, f)`). With the defaults every value is inverted.

    Args:
        addition_factor: a number or a pair in [0, 1].
        threshold_factor: a number or a pair in [0, 1].
        value_range: the range of the image values.
        seed: random seed.

    Example:
    >>> lamina.layers.Solarization(0.2, 0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, addition_factor=0.0, threshold_factor=0.0, value_range=(0, 255),
                 seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self.addition_factor = factor_pair("Solarization", addition_factor, "addition_factor",
                                           (0, 1), symmetric=False)
        self.threshold_factor = factor_pair("Solarization", threshold_factor,
                                            "threshold_factor", (0, 1), symmetric=False)
        self.value_range = check_value_range("Solarization", value_range)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        shape = (self._batch_size(images), 1, 1, 1)
        dtype = self.compute_dtype
        additions = random.uniform(shape, self.addition_factor[0],
                                   self.addition_factor[1] * 255, dtype=dtype, seed=seed)
        thresholds = random.uniform(shape, self.threshold_factor[0],
                                    self.threshold_factor[1] * 255, dtype=dtype, seed=seed)
        return {"additions": additions, "thresholds": thresholds}

    def _apply(self, images, transformation):
        images = self._transform_value_range(images, self.value_range, (0, 255))
        results = ops.clip(images + transformation["additions"], 0, 255)
        results = ops.where(results < transformation["thresholds"], results, 255 - results)
        return self._transform_value_range(results, (0, 255), self.value_range)

    def get_config(self):
        return {**BaseImagePreprocessingLayer.get_config(self), "value_range": self.value_range,
                "addition_factor": self.addition_factor,
                "threshold_factor": self.threshold_factor, "seed": self.seed}


@export("lamina.layers.RandomSharpness")
class RandomSharpness(_ColorLayer):
    """Blends images with a smoothed version of themselves by a random amount in training.

    A draw `f` from the factor range gives `images + (1 - 2f) * (smoothed - images)`: 0.5
    keeps the image, 0 blurs it, 1 sharpens it.

    Args:
        factor: a number or a pair in [0, 1] (a single `f` gives `[0, f]`).
        value_range: the range of the image values; outputs are clipped to it.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomSharpness(0.5, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor, value_range=(0, 255), data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.value_range = check_value_range("RandomSharpness", value_range)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        return {"factor": self._batch_draw(images, seed)}

    def _apply(self, images, transformation):
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        strength = ops.cast(_column(transformation["factor"] * 2), images.dtype)
        channels = ops.shape(images)[-1]
        edge, center = 1.0 / 13.0, 5.0 / 13.0
        kernel = ops.convert_to_tensor(
            [[edge, edge, edge], [edge, center, edge], [edge, edge, edge]], dtype=images.dtype)
        kernel = ops.tile(ops.reshape(kernel, (3, 3, 1, 1)), (1, 1, channels, 1))
        smoothed = ops.depthwise_conv(images, kernel, strides=1, padding="same",
                                      data_format="channels_last")
        images = images + (1.0 - strength) * (smoothed - images)
        images = ops.clip(images, self.value_range[0], self.value_range[1])
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 3, 1, 2))
        return images


@export("lamina.layers.RandomGaussianBlur")
class RandomGaussianBlur(_ColorLayer):
    """Blurs each image with a Gaussian, with a random probability, in training.

    Args:
        factor: a number or a pair in [0, 1]: the probability of blurring each image is
            drawn from this range.
        kernel_size: an odd int or a pair of odd ints.
        sigma: a number or a pair in [0, 1]: the range of the Gaussian's standard deviations
            (two are drawn per call, for height and width, shared by the batch).
        value_range: the range of the image values; outputs are clipped to it.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.RandomGaussianBlur(seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, kernel_size=3, sigma=1.0, value_range=(0, 255),
                 data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.kernel_size = self._kernel_size(kernel_size)
        self.sigma = factor_pair("RandomGaussianBlur", sigma, "sigma", (0, 1))
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    @staticmethod
    def _kernel_size(kernel_size):
        sizes = tuple(kernel_size) if isinstance(kernel_size, (tuple, list)) else (
            kernel_size, kernel_size)
        if len(sizes) != 2 or any(not isinstance(s, int) or s % 2 == 0 for s in sizes):
            raise ValueError(
                "RandomGaussianBlur: `kernel_size` must be an odd number or a pair of odd "
                f"numbers. Received: kernel_size={kernel_size}"
            )
        return sizes

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        apply = self._apply_with_probability(images, seed)
        sigma = random.uniform((2,), self.sigma[0], self.sigma[1], dtype=self.compute_dtype,
                               seed=seed) + 1e-6
        return {"should_apply_blur": apply, "blur_factor": sigma}

    def _apply(self, images, transformation):
        blurred = ops.image.gaussian_blur(images, kernel_size=self.kernel_size,
                                          sigma=transformation["blur_factor"],
                                          data_format=self.data_format)
        images = ops.where(_column(transformation["should_apply_blur"]), blurred, images)
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "sigma": self.sigma}


@export("lamina.layers.RandomColorJitter")
class RandomColorJitter(_ColorLayer):
    """Applies RandomBrightness, RandomContrast, RandomSaturation and RandomHue in turn (those
    whose factor is given), with seeds drawn from this layer's generator.

    Args:
        value_range: the range of the image values.
        brightness_factor, contrast_factor, saturation_factor, hue_factor: the `factor` of
            each sub-layer, or None to skip it.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomColorJitter(brightness_factor=0.2, seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), brightness_factor=None, contrast_factor=None,
                 saturation_factor=None, hue_factor=None, seed=None, data_format=None,
                 **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.brightness_factor = brightness_factor
        self.contrast_factor = contrast_factor
        self.saturation_factor = saturation_factor
        self.hue_factor = hue_factor
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        common = {"value_range": value_range, "seed": seed, "data_format": data_format}
        self.random_brightness = self.random_contrast = None
        self.random_saturation = self.random_hue = None
        if brightness_factor is not None:
            self.random_brightness = RandomBrightness(brightness_factor, **common)
        if contrast_factor is not None:
            self.random_contrast = RandomContrast(contrast_factor, **common)
        if saturation_factor is not None:
            self.random_saturation = RandomSaturation(saturation_factor, **common)
        if hue_factor is not None:
            self.random_hue = RandomHue(hue_factor, **common)

    def _stages(self):
        return [layer for layer in (self.random_brightness, self.random_contrast,
                                    self.random_saturation, self.random_hue)
                if layer is not None]

    def get_random_transformation(self, images, training=True, seed=None):
        return {} if training else None

    def _apply(self, images, transformation):
        # Each stage draws from this layer's generator on the images it will transform.
        for layer in self._stages():
            stage = layer.get_random_transformation(images, training=True, seed=self.generator)
            images = layer.transform_images(images, stage, training=True)
        return images

    def get_config(self):
        return {**BaseImagePreprocessingLayer.get_config(self), "value_range": self.value_range,
                "brightness_factor": self.brightness_factor,
                "contrast_factor": self.contrast_factor,
                "saturation_factor": self.saturation_factor, "hue_factor": self.hue_factor,
                "seed": self.seed}


@export("lamina.layers.AutoContrast")
class AutoContrast(_ColorLayer):
    """Stretches each channel of each image to the full `value_range` (no randomness; it
    applies in training and in inference, as in Keras). Constant channels are kept.

    Args:
        value_range: the range of the image values.

    Example:
    >>> lamina.layers.AutoContrast(value_range=(0, 1))(np.random.random((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), **kwargs):
        super().__init__(**kwargs)
        self.value_range = check_value_range("AutoContrast", value_range)

    def transform_images(self, images, transformation=None, training=True):
        original = ops.cast(images, self.compute_dtype)
        images = self._transform_value_range(original, self.value_range, (0, 255))
        axes = (self._height_axis, self._width_axis)
        low = ops.min(images, axis=axes, keepdims=True)
        high = ops.max(images, axis=axes, keepdims=True)
        # A constant channel would divide by zero (NaN in Keras, which keeps the input).
        constant = ops.less_equal(high - low, 0.0)
        scale = 255.0 / ops.where(constant, 1.0, high - low)
        results = ops.clip(images * scale - low * scale, 0.0, 255.0)
        results = self._transform_value_range(results, (0, 255), self.value_range)
        return ops.where(ops.logical_or(constant, ops.isnan(results)), original, results)

    def get_config(self):
        return {**BaseImagePreprocessingLayer.get_config(self), "value_range": self.value_range}


@export("lamina.layers.Equalization")
class Equalization(_ColorLayer):
    """Histogram equalization of each channel in training (identity in inference).

    As in Keras, one histogram per channel is taken over the whole batch.

    Args:
        value_range: the range of the image values.
        bins: the number of histogram bins.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.Equalization()(np.random.randint(0, 255, (8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), bins=256, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.bins = bins
        self.value_range = check_value_range("Equalization", value_range)

    def get_random_transformation(self, images, training=True, seed=None):
        return {} if training else None

    def _equalize(self, channel):
        bins = self.bins
        indices = ops.clip(ops.cast(channel * (bins - 1) / 255.0, "int32"), 0, bins - 1)
        # cdf[k] = how many values fall in bins 0..k; counted on sorted indices because
        # `ops.bincount` needs concrete values under jit.
        ordered = ops.sort(ops.reshape(indices, (-1,)))
        cdf = ops.searchsorted(ordered, ops.arange(bins, dtype="int32"), side="right")
        histogram = cdf - ops.concatenate([ops.zeros((1,), dtype=cdf.dtype), cdf[:-1]])
        cdf_min = ops.take(cdf, ops.argmax(cdf > 0))
        denominator = cdf[-1] - cdf_min
        denominator = ops.where(denominator == 0, 1, denominator)
        lookup = ops.cast(ops.true_divide((cdf - cdf_min) * 255, denominator),
                          self.compute_dtype)
        lookup = ops.clip(ops.round(lookup), 0, 255)
        positions = ops.cast(ops.clip(channel / 255.0 * (bins - 1), 0, bins - 1), "int32")
        equalized = ops.take(lookup, positions)
        used_bins = ops.count_nonzero(histogram)
        return ops.where(used_bins <= 1, channel, equalized)

    def _apply(self, images, transformation):
        images = self._transform_value_range(images, self.value_range, (0, 255))
        channels = ops.unstack(images, axis=self._channel_axis)
        images = ops.stack([self._equalize(c) for c in channels], axis=self._channel_axis)
        return self._transform_value_range(images, (0, 255), self.value_range)

    def get_config(self):
        return {**BaseImagePreprocessingLayer.get_config(self), "bins": self.bins,
                "value_range": self.value_range}
