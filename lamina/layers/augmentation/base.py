"""`BaseImagePreprocessingLayer`: what every image augmentation layer shares.

A layer draws one random transformation per call (`get_random_transformation`) and applies it
to the images, and to the labels and segmentation masks when the input is a dict with those
keys (`transform_images`, `transform_labels`, `transform_segmentation_masks`). Those methods
always see a batch: a single image (rank 3) is given a batch axis of 1 on the way in and loses
it on the way out. As in Keras, `call` defaults to `training=True` (a direct call augments);
inside `fit` the layer augments, inside `predict`/`evaluate` it is the identity (or its
deterministic inference behaviour, e.g. `RandomCrop`'s center crop).
"""

import math

from lamina import ops
from lamina.backend import config
from lamina.layers.layer import Layer


def check_value_range(layer_name, value_range):
    """`value_range` as a sorted list of two numbers, or a ValueError naming the layer."""
    if not isinstance(value_range, (tuple, list)) or len(value_range) != 2:
        raise ValueError(
            f"{layer_name}: the `value_range` argument should be a list of two numbers. "
            f"Received: value_range={value_range}"
        )
    return sorted(value_range)


def factor_pair(layer_name, factor, name, bounds, symmetric=True, open_lower=False):
    """(lower, upper) from a number or a pair, each checked against `bounds`.

    A single number `f` gives `(-|f|, |f|)` when `symmetric` (clipped to the lower bound),
    else `(0, f)`.
    """
    message = (
        f"{layer_name}: the `{name}` argument should be a number (or a list of two numbers) "
        f"in the range [{bounds[0]}, {bounds[1]}]. Received: {name}={factor}"
    )

    def check(value):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(message)
        too_low = value <= bounds[0] if open_lower else value < bounds[0]
        if too_low or value > bounds[1]:
            raise ValueError(message)

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2:
            raise ValueError(message)
        check(factor[0])
        check(factor[1])
        return tuple(sorted(factor))
    check(factor)
    if not symmetric:
        return (0, factor)
    factor = abs(factor)
    return (max(-factor, bounds[0]), factor)


class BaseImagePreprocessingLayer(Layer):
    """Base of the image augmentation layers.

    Args:
        factor: (for layers that use the shared factor) a number or a pair, the range from
            which the layer's strength is drawn; checked against `_FACTOR_BOUNDS`.
        bounding_box_format: accepted for Keras compatibility; bounding boxes are not
            supported yet.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
    """

    _USE_BASE_FACTOR = True
    _FACTOR_BOUNDS = (-1, 1)

    def __init__(self, factor=None, bounding_box_format=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.bounding_box_format = bounding_box_format
        self.data_format = config.standardize_data_format(data_format)
        if self._USE_BASE_FACTOR:
            self._set_factor(factor or 0.0)
        elif factor is not None:
            raise ValueError(
                f"Layer {type(self).__name__} does not take a `factor` argument. "
                f"Received: factor={factor}"
            )
        self.built = True

    def _set_factor(self, factor):
        low, high = self._FACTOR_BOUNDS
        message = (
            f"{type(self).__name__}: the `factor` argument should be a number (or a list of two "
            f"numbers) in the range [{low}, {high}]. Received: factor={factor}"
        )
        if isinstance(factor, (tuple, list)):
            if len(factor) != 2 or factor[0] > high or factor[1] < low:
                raise ValueError(message)
            lower, upper = sorted(factor)
        elif isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if factor < low or factor > high:
                raise ValueError(message)
            factor = abs(factor)
            lower, upper = max(-factor, low), factor
        else:
            raise ValueError(message)
        self.factor = (lower, upper)

    # -- axes and sizes of a batch -------------------------------------------------------------
    @property
    def _height_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    @property
    def _width_axis(self):
        return 2 if self.data_format == "channels_last" else 3

    @property
    def _channel_axis(self):
        return 3 if self.data_format == "channels_last" else 1

    def _image_size(self, images):
        shape = ops.shape(images)
        return shape[self._height_axis], shape[self._width_axis]

    def _batch_size(self, images):
        return ops.shape(images)[0]

    # -- the steps a subclass defines ----------------------------------------------------------
    def get_random_transformation(self, images, training=True, seed=None):
        """The random parameters of one call, for a batch of `images`; None in inference."""
        return None

    def transform_images(self, images, transformation, training=True):
        return ops.cast(images, self.compute_dtype)

    def transform_labels(self, labels, transformation, training=True):
        return labels

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        return segmentation_masks

    def _seed(self, seed=None):
        return self.generator if seed is None else seed

    # -- calling -------------------------------------------------------------------------------
    def _check_rank(self, images):
        rank = len(ops.shape(images))
        if rank not in (3, 4):
            raise ValueError(
                f"{type(self).__name__}: expected an image tensor of rank 3 (single image) or "
                f"4 (batch of images). Received: images.shape={tuple(ops.shape(images))}"
            )
        return rank == 4

    def call(self, data, training=True):
        training = bool(training)
        if isinstance(data, dict):
            return self._call_dict(data, training)
        images = ops.convert_to_tensor(data)
        batched = self._check_rank(images)
        if not batched:
            images = ops.expand_dims(images, 0)
        transformation = self.get_random_transformation(images, training=training)
        outputs = self.transform_images(images, transformation, training=training)
        return outputs if batched else ops.squeeze(outputs, 0)

    def _call_dict(self, data, training):
        if "bounding_boxes" in data:
            raise NotImplementedError(
                f"{type(self).__name__}: bounding boxes are not supported by lamina's image "
                "augmentation layers yet. Pass only 'images' (and optionally 'labels' and "
                "'segmentation_masks')."
            )
        if "images" not in data:
            raise ValueError(
                f"{type(self).__name__}: a dict input must have an 'images' key. Received keys: "
                f"{sorted(data)}"
            )
        images = ops.convert_to_tensor(data["images"])
        batched = self._check_rank(images)

        def batch(x):
            x = ops.convert_to_tensor(x)
            return x if batched else ops.expand_dims(x, 0)

        def unbatch(x):
            return x if batched else ops.squeeze(x, 0)

        images = batch(images)
        transformation = self.get_random_transformation(images, training=training)
        outputs = dict(data)
        outputs["images"] = unbatch(self.transform_images(images, transformation, training))
        if "labels" in data:
            outputs["labels"] = unbatch(
                self.transform_labels(batch(data["labels"]), transformation, training))
        if "segmentation_masks" in data:
            outputs["segmentation_masks"] = unbatch(self.transform_segmentation_masks(
                batch(data["segmentation_masks"]), transformation, training))
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        base = {**super().get_config(), "data_format": self.data_format}
        if self.bounding_box_format is not None:
            base["bounding_box_format"] = self.bounding_box_format
        return base

    # -- shared numerics -----------------------------------------------------------------------
    def _transform_value_range(self, images, original_range, target_range):
        """Maps `images` linearly from `original_range` to `target_range`."""
        if tuple(original_range) == tuple(target_range):
            return images
        images = ops.cast(images, self.compute_dtype)
        low, high = float(original_range[0]), float(original_range[1])
        new_low, new_high = float(target_range[0]), float(target_range[1])
        return (images - low) / (high - low) * (new_high - new_low) + new_low

    def _affine_matrix(self, angle, translate_x, translate_y, scale, shear_x, shear_y, height,
                       width, center_x=0.5, center_y=0.5):
        """(batch, 8) affine transforms (output point -> input point), as Keras builds them:
        scale * shear * rotation about the center, then a translation. Angles in degrees."""
        to_radians = math.pi / 180.0
        angle = angle * to_radians
        shear_x = ops.tan(shear_x * to_radians)
        shear_y = ops.tan(shear_y * to_radians)
        cx = center_x * (width - 1)
        cy = center_y * (height - 1)
        cos, sin = ops.cos(angle), ops.sin(angle)
        a0 = scale * (cos + shear_x * sin)
        a1 = scale * (-sin + shear_x * cos)
        a2 = translate_x + cx - cx * a0 - cy * a1
        b0 = scale * (shear_y * cos + sin)
        b1 = scale * (shear_y * -sin + cos)
        b2 = translate_y + cy - cx * b0 - cy * b1
        zeros = ops.zeros_like(a0)
        return ops.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)

