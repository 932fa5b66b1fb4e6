"""Dropout layers: randomly zero (or perturb) inputs in training only."""

from lamina import ops, random, regularizers
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.layer import Layer


def _check_rate(layer_name, rate):
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
        raise ValueError(
            f"Invalid value received for argument `rate` of {layer_name}. Expected a float value "
            f"between 0 and 1. Received: rate={rate!r}"
        )
    return float(rate)


@export("lamina.layers.Dropout")
class Dropout(Layer):
    """Sets a fraction `rate` of inputs to zero in training, scaling the rest by 1/(1-rate).

    Args:
        rate: fraction of the inputs to drop, in [0, 1].
        noise_shape: shape of the binary mask, broadcast over the input (None dims follow it).
        seed: random seed.

    Example:
    >>> Dropout(0.5)(x, training=True)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate("Dropout", rate)
        self.noise_shape = noise_shape
        self.seed = seed
        if self.rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def _noise_shape(self, inputs):
        if self.noise_shape is None:
            return None
        shape = ops.shape(inputs)
        return tuple(shape[i] if d is None else d for i, d in enumerate(self.noise_shape))

    def call(self, inputs, training=False):
        if training and self.rate > 0:
            return random.dropout(inputs, self.rate, noise_shape=self._noise_shape(inputs),
                                  seed=self.seed_generator)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


class _SpatialDropout(Dropout):
    rank = 1

    def __init__(self, rate, seed=None, name=None, dtype=None, data_format=None, **kwargs):
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.data_format = config.standardize_data_format(data_format) if self.rank > 1 else None

    def _noise_shape(self, inputs):
        shape = ops.shape(inputs)
        if self.rank == 1 or self.data_format == "channels_last":
            return (shape[0],) + (1,) * self.rank + (shape[-1],)
        return (shape[0], shape[1]) + (1,) * self.rank

    def get_config(self):
        config_ = {"rate": self.rate, "seed": self.seed, "name": self.name,
                   "trainable": self.trainable, "dtype": self._dtype_policy.get_config_entry()}
        if self.rank > 1:
            config_["data_format"] = self.data_format
        return config_


@export("lamina.layers.SpatialDropout1D")
class SpatialDropout1D(_SpatialDropout):
    """Drops whole feature maps of `(batch, steps, channels)` inputs."""

    rank = 1


@export("lamina.layers.SpatialDropout2D")
class SpatialDropout2D(_SpatialDropout):
    """Drops whole 2-D feature maps."""

    rank = 2


@export("lamina.layers.SpatialDropout3D")
class SpatialDropout3D(_SpatialDropout):
    """Drops whole 3-D feature maps."""

    rank = 3


@export("lamina.layers.GaussianNoise")
class GaussianNoise(Layer):
    """Adds zero-centered Gaussian noise with `stddev` in training."""

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= stddev:
            raise ValueError(
                f"Invalid value received for argument `stddev`. Expected a float value >= 0. "
                f"Received: stddev={stddev}"
            )
        self.stddev = stddev
        self.seed = seed
        if stddev > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            noise = random.normal(ops.shape(inputs), mean=0.0, stddev=self.stddev,
                                  dtype=self.compute_dtype, seed=self.seed_generator)
            return ops.add(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


@export("lamina.layers.GaussianDropout")
class GaussianDropout(Layer):
    """Multiplies inputs by 1-centered Gaussian noise of stddev sqrt(rate / (1 - rate))."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate("GaussianDropout", rate)
        self.seed = seed
        if self.rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and 0 < self.rate < 1:
            stddev = (self.rate / (1.0 - self.rate)) ** 0.5
            noise = random.normal(ops.shape(inputs), mean=1.0, stddev=stddev,
                                  dtype=self.compute_dtype, seed=self.seed_generator)
            return ops.multiply(inputs, noise)
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


@export("lamina.layers.AlphaDropout")
class AlphaDropout(Layer):
    """Dropout that keeps the mean and variance of SELU activations (Klambauer et al.)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = _check_rate("AlphaDropout", rate)
        self.noise_shape = noise_shape
        self.seed = seed
        if self.rate > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate <= 0:
            return inputs
        alpha = 1.6732632423543772848170429916717
        scale = 1.0507009873554804934193349852946
        alpha_p = -alpha * scale
        shape = ops.shape(inputs) if self.noise_shape is None else tuple(
            ops.shape(inputs)[i] if d is None else d for i, d in enumerate(self.noise_shape))
        keep = ops.greater_equal(
            random.uniform(shape, dtype=self.compute_dtype, seed=self.seed_generator), self.rate)
        keep = ops.cast(keep, self.compute_dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        x = ops.add(ops.multiply(inputs, keep), ops.multiply(alpha_p, ops.subtract(1.0, keep)))
        return ops.add(ops.multiply(a, x), b)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


@export("lamina.layers.ActivityRegularization")
class ActivityRegularization(Layer):
    """Adds `l1 * sum(|x|) + l2 * sum(x^2)` of its input to the losses; passes it through."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config_ = super().get_config()
        config_.pop("activity_regularizer", None)
        return {**config_, "l1": self.l1, "l2": self.l2}
