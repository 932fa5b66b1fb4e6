"""Augmentation policies that chain other augmentation layers: AugMix and RandAugment."""

import random as python_random

from lamina import ops, random
from lamina.api_export import export
from lamina.layers.augmentation import color, geometric
from lamina.layers.augmentation.base import BaseImagePreprocessingLayer


def _make_sublayers(owner, names, factor, value_range, interpolation, seed, data_format,
                    dtype):
    """The augmentation layers a policy draws from, as attributes of `owner`."""
    common = {"seed": seed, "data_format": data_format, "dtype": dtype}
    makers = {
        "random_shear": lambda: geometric.RandomShear(
            x_factor=factor, y_factor=factor, interpolation=interpolation, **common),
        "random_translation": lambda: geometric.RandomTranslation(
            height_factor=factor, width_factor=factor, interpolation=interpolation, **common),
        "random_rotation": lambda: geometric.RandomRotation(
            factor=factor, interpolation=interpolation, **common),
        "random_brightness": lambda: color.RandomBrightness(
            factor=factor, value_range=value_range, **common),
        "random_color_degeneration": lambda: color.RandomColorDegeneration(
            factor=factor, value_range=value_range, **common),
        "random_contrast": lambda: color.RandomContrast(
            factor=factor, value_range=value_range, **common),
        "random_sharpness": lambda: color.RandomSharpness(
            factor=factor, value_range=value_range, **common),
        "random_posterization": lambda: color.RandomPosterization(
            factor=max(1, int(8 * factor[1])), value_range=value_range, **common),
        "solarization": lambda: color.Solarization(
            addition_factor=factor, threshold_factor=factor, value_range=value_range, **common),
        "auto_contrast": lambda: color.AutoContrast(
            value_range=value_range, data_format=data_format, dtype=dtype),
        "equalization": lambda: color.Equalization(
            value_range=value_range, data_format=data_format, dtype=dtype),
    }
    for name in names:
        setattr(owner, name, makers[name]())


@export("lamina.layers.AugMix")
class AugMix(BaseImagePreprocessingLayer):
    """AugMix (Hendrycks et al., 2020): mixes several chains of random augmentations.

    Each of `num_chains` chains applies up to `chain_depth` operations, each chosen with
    Python's `random` (one step in `len(ops) + 1` is skipped); the chains are mixed with
    Dirichlet(alpha) weights, and the result with the original image by a Beta(alpha, alpha)
    weight.

    Args:
        value_range: the range of the image values.
        num_chains: the number of augmentation chains.
        chain_depth: the most operations per chain.
        factor: a number or a pair in [0, 1]: the strength of the operations.
        alpha: the parameter of the Dirichlet and Beta distributions.
        all_ops: also use brightness, color degeneration, contrast and sharpness.
        interpolation: "nearest" or "bilinear", for the geometric operations.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.AugMix(seed=1)(np.random.random((8, 8, 3)) * 255).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _OPS = ["random_shear", "random_translation", "random_rotation", "random_posterization",
            "solarization", "auto_contrast", "equalization"]
    _EXTRA_OPS = ["random_brightness", "random_color_degeneration", "random_contrast",
                  "random_sharpness"]

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3,
                 alpha=1.0, all_ops=True, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_chains = num_chains
        self.chain_depth = chain_depth
        self._set_factor(factor)
        self.alpha = alpha
        self.all_ops = all_ops
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        self._augment_layers = self._OPS + (self._EXTRA_OPS if all_ops else [])
        _make_sublayers(self, self._augment_layers, self.factor, value_range, interpolation,
                        seed, data_format, kwargs.get("dtype"))

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        seed = self._seed(seed)
        gamma = random.gamma((self.num_chains,), alpha=self.alpha, seed=seed)
        chain_weights = gamma / ops.sum(gamma, axis=-1, keepdims=True)
        weight_sample = random.beta((), self.alpha, self.alpha, seed=seed)
        chains = []
        for _ in range(self.num_chains):
            steps = []
            for _ in range(self.chain_depth):
                name = python_random.choice(self._augment_layers + [None])
                if name is None:
                    continue
                layer = getattr(self, name)
                steps.append((name, layer.get_random_transformation(images, seed=self.generator)))
            chains.append(steps)
        return {"chain_mixing_weights": chain_weights, "weight_sample": weight_sample,
                "chain_transforms": chains}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        chain_weights = ops.cast(transformation["chain_mixing_weights"], self.compute_dtype)
        weight = ops.cast(transformation["weight_sample"], self.compute_dtype)
        mixed = ops.zeros_like(images)
        for index, steps in enumerate(transformation["chain_transforms"]):
            chain = images
            for name, step in steps:
                chain = getattr(self, name).transform_images(chain, step)
            mixed = mixed + chain * chain_weights[index]
        images = weight * images + (1 - weight) * mixed
        return ops.clip(images, self.value_range[0], self.value_range[1])

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_chains": self.num_chains, "chain_depth": self.chain_depth,
                "factor": self.factor, "alpha": self.alpha, "all_ops": self.all_ops,
                "interpolation": self.interpolation, "seed": self.seed}


@export("lamina.layers.RandAugment")
class RandAugment(BaseImagePreprocessingLayer):
    """RandAugment (Cubuk et al., 2019): applies `num_ops` operations drawn at random from
    eleven (shear, translation, rotation, brightness, color degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast, equalization), the same
    operations for the whole batch.

    Args:
        value_range: the range of the image values.
        num_ops: the number of operations applied.
        factor: a number or a pair in [0, 1]: the strength of the operations.
        interpolation: "nearest" or "bilinear", for the geometric operations.
        seed: random seed.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> lamina.layers.RandAugment(seed=1)(np.random.random((8, 8, 3)) * 255).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False
    _FACTOR_BOUNDS = (0, 1)
    _AUGMENT_LAYERS = ["random_shear", "random_translation", "random_rotation",
                       "random_brightness", "random_color_degeneration", "random_contrast",
                       "random_sharpness", "random_posterization", "solarization",
                       "auto_contrast", "equalization"]

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear",
                 seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.value_range = value_range
        self.num_ops = num_ops
        self._set_factor(factor)
        self.interpolation = interpolation
        self.seed = seed
        self.generator = random.SeedGenerator(seed)
        _make_sublayers(self, self._AUGMENT_LAYERS, self.factor, value_range, interpolation,
                        seed, data_format, kwargs.get("dtype"))

    def get_random_transformation(self, images, training=True, seed=None):
        if not training:
            return None
        indices = random.randint((self.num_ops,), 0, len(self._AUGMENT_LAYERS),
                                 seed=self.generator)
        transforms = {
            name: getattr(self, name).get_random_transformation(images, training=True,
                                                                seed=self.generator)
            for name in self._AUGMENT_LAYERS
        }
        return {"transforms": transforms, "layer_idxes": indices}

    def transform_images(self, images, transformation, training=True):
        images = ops.cast(images, self.compute_dtype)
        if not training or transformation is None:
            return images
        indices = transformation["layer_idxes"]
        for step in range(self.num_ops):
            for index, name in enumerate(self._AUGMENT_LAYERS):
                candidate = getattr(self, name).transform_images(
                    images, transformation["transforms"][name])
                images = ops.where(indices[step] == index, candidate, images)
        return ops.cast(images, self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "num_ops": self.num_ops, "factor": self.factor,
                "interpolation": self.interpolation, "seed": self.seed}
