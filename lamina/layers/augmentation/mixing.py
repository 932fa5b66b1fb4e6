"""Augmentations that mix samples of a batch (MixUp, CutMix) or erase parts of images
(RandomErasing). MixUp and CutMix also mix the labels of a dict input by the same weights."""

from lamina import ops, random
from lamina.api_export import export
from lamina.layers.augmentation.base import (
    BaseImagePreprocessingLayer,
    factor_pair,
)


def _box_mask(layer, images, x0, x1, y0, y1):
    """(batch, h, w, 1) or (batch, 1, h, w) booleans: inside each image's box [x0, x1) x
    [y0, y1)."""
    height, width = layer._image_size(images)
    dtype = layer.compute_dtype
    rows = ops.arange(height, dtype=dtype)[None, :, None]
    columns = ops.arange(width, dtype=dtype)[None, None, :]
    x0, x1 = x0[:, None, None], x1[:, None, None]
    y0, y1 = y0[:, None, None], y1[:, None, None]
    inside = (columns >= x0) & (columns < x1) & (rows >= y0) & (rows < y1)
    return ops.expand_dims(inside, layer._channel_axis)


def _crop_bounds(layer, batch, length, ratio, seed):
    """Random [start, end) of a window of `ratio * length` per image."""
    crop = ops.cast(ratio * length, layer.compute_dtype)
    start = random.uniform((batch,), 0.0, 1.0, dtype=layer.compute_dtype, seed=seed) * (
        length - crop)
    return start, start + crop


@export("lamina.layers.MixUp")
class MixUp(BaseImagePreprocessingLayer):
    """Blends each image (and label) with another sample of the batch in training.

    The weight of an image is drawn from Beta(alpha, alpha); its partner comes from a random
    permutation of the batch.

    Args:
        alpha: the Beta distribution's parameter.
        data_format: "channels_last" or "channels_first".
        seed: random seed.

    Example:
    >>> lamina.layers.MixUp(seed=1)({"images": np.ones((4, 8, 8, 3)),
    ...                              "labels": np.eye(4)})["labels"].shape
    (4, 4)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, alpha=0.2, data_format=None, seed=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.alpha = alpha
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        batch = self._batch_size(images)
        order = random.shuffle(ops.arange(0, batch, dtype="int32"), seed=seed)
        weight = random.beta((batch,), self.alpha, self.alpha, seed=seed)
        return {"mix_weight": weight, "permutation_order": order}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            weight = ops.cast(ops.reshape(transformation["mix_weight"], (-1, 1, 1, 1)),
                              self.compute_dtype)
            partners = ops.take(images, transformation["permutation_order"], axis=0)
            images = weight * images + (1.0 - weight) * partners
        return images

    def transform_labels(self, labels, transformation, training=True):
        if training and transformation is not None:
            labels = ops.convert_to_tensor(labels)
            weight = ops.reshape(transformation["mix_weight"], (-1, 1))
            partners = ops.take(labels, transformation["permutation_order"], axis=0)
            labels = weight * labels + (1.0 - weight) * partners
        return labels

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha, "seed": self.seed}


@export("lamina.layers.CutMix")
class CutMix(BaseImagePreprocessingLayer):
    """Pastes a random box from another sample of the batch into each image in training;
    labels are mixed by the area each sample keeps.

    Args:
        factor: a number or a pair in [0, 1]: the Beta parameter of the box size is drawn
            from this range.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.CutMix(seed=1)(np.ones((4, 8, 8, 3))).shape
    (4, 8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        batch = self._batch_size(images)
        height, width = self._image_size(images)
        dtype = self.compute_dtype
        alpha = random.uniform((), self.factor[0], self.factor[1], dtype=dtype, seed=seed) + 1e-6
        weight = random.beta((batch,), alpha, alpha, dtype=dtype, seed=seed)
        ratio = ops.sqrt(1.0 - weight)
        x0, x1 = _crop_bounds(self, batch, width, ratio, seed)
        y0, y1 = _crop_bounds(self, batch, height, ratio, seed)
        masks = _box_mask(self, images, x0, x1, y0, y1)
        weight = 1.0 - (x1 - x0) * (y1 - y0) / (width * height)
        order = random.shuffle(ops.arange(0, batch, dtype="int32"), seed=seed)
        return {"permutation_order": order, "batch_masks": masks, "mix_weight": weight}

    def _paste(self, images, transformation):
        partners = ops.take(images, transformation["permutation_order"], axis=0)
        return ops.where(transformation["batch_masks"], partners, images)

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            images = self._paste(images, transformation)
        return images

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        if training and transformation is not None:
            return self._paste(ops.convert_to_tensor(segmentation_masks), transformation)
        return segmentation_masks

    def transform_labels(self, labels, transformation, training=True):
        if training and transformation is not None:
            labels = ops.convert_to_tensor(labels)
            partners = ops.take(labels, transformation["permutation_order"], axis=0)
            weight = ops.reshape(transformation["mix_weight"], (-1, 1))
            labels = weight * labels + (1.0 - weight) * partners
        return labels

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}


@export("lamina.layers.RandomErasing")
class RandomErasing(BaseImagePreprocessingLayer):
    """Fills a random box of each image with noise or a constant, with a random
    probability, in training.

    Args:
        factor: a number or a pair in [0, 1]: the probability of erasing each image is drawn
            from this range.
        scale: a number or a pair in [0, 1]: the box's height and width, as squared
            fractions of the image's, are drawn from this range.
        fill_value: None (Gaussian noise times `value_range[1]`), a number, or three numbers
            (one per channel); clipped to `value_range`.
        value_range: the range of the image values.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandomErasing(seed=1)(np.ones((8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255),
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self._set_factor(factor)
        self.scale = factor_pair("RandomErasing", scale, "scale", (0, 1))
        if fill_value is not None and not (
            isinstance(fill_value, (int, float))
            or (isinstance(fill_value, (tuple, list)) and len(fill_value) == 3)
        ):
            raise ValueError(
                "RandomErasing: the `fill_value` argument should be a number (or a list of "
                f"three numbers). Received: fill_value={fill_value}"
            )
        self.fill_value = fill_value
        self.value_range = value_range
        self.seed = seed
        self.generator = random.SeedGenerator(seed)

    def _fill(self, images, seed):
        shape = ops.shape(images)
        if self.fill_value is None:
            fill = random.normal(shape, dtype=self.compute_dtype, seed=seed) * self.value_range[1]
        elif isinstance(self.fill_value, (tuple, list)):
            per_channel = [1, 1, 1, 1]
            per_channel[self._channel_axis] = 3
            fill = ops.broadcast_to(
                ops.reshape(ops.convert_to_tensor(self.fill_value, dtype=self.compute_dtype),
                            per_channel), shape)
        else:
            fill = ops.full(shape, self.fill_value, dtype=self.compute_dtype)
        return ops.clip(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        batch = self._batch_size(images)
        height, width = self._image_size(images)
        sizes = ops.sqrt(random.uniform((batch, 2), self.scale[0], self.scale[1],
                                        dtype=self.compute_dtype, seed=seed))
        x0, x1 = _crop_bounds(self, batch, width, sizes[:, 0], seed)
        y0, y1 = _crop_bounds(self, batch, height, sizes[:, 1], seed)
        masks = _box_mask(self, images, x0, x1, y0, y1)
        probability = random.uniform((batch,), self.factor[0], self.factor[1], seed=seed)
        apply = random.uniform((batch,), 0.0, 1.0, seed=seed) < probability
        return {"apply_erasing": apply, "batch_masks": masks,
                "fill_value": self._fill(images, seed)}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if training and transformation is not None:
            erased = ops.where(transformation["batch_masks"], transformation["fill_value"],
                               images)
            apply = ops.reshape(transformation["apply_erasing"], (-1, 1, 1, 1))
            images = ops.where(apply, erased, images)
        return images

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "scale": self.scale,
                "fill_value": self.fill_value, "value_range": self.value_range,
                "seed": self.seed}
