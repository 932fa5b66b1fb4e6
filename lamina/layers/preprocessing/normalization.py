"""`Normalization`: `(x - mean) / sqrt(variance)` with statistics given or learned by `adapt`."""

import math

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.backend import active
from lamina.layers.layer import Layer


def _batches(data):
    """`data` as an iterator of NumPy batches (array, tensor, iterable of batches)."""
    if isinstance(data, np.ndarray) or active.core.is_tensor(data):
        yield np.asarray(ops.convert_to_numpy(data))
        return
    if not isinstance(data, (list, tuple)) and hasattr(data, "__getitem__") and hasattr(
            data, "__len__"):
        # A PyDataset (or any sequence of batches).
        sequence = data
        data = (sequence[i] for i in range(len(sequence)))
    elif not hasattr(data, "__iter__"):
        raise TypeError(
            f"Normalization.adapt: unsupported data type {type(data).__name__}; pass a NumPy "
            "array, a tensor, a PyDataset, or an iterable of batches (e.g. a list of arrays, "
            "a generator)."
        )
    for batch in data:
        if isinstance(batch, tuple):
            batch = batch[0]
        yield np.asarray(ops.convert_to_numpy(batch))


@export("lamina.layers.Normalization")
class Normalization(Layer):
    """Shifts and scales inputs to mean 0 and variance 1 per index of `axis`.

    Args:
        axis: the axis or axes that keep separate statistics (default -1: one mean and
            variance per feature); None for one scalar mean and variance.
        mean, variance: the statistics to use, broadcast to the kept axes; give both or
            neither (then call `adapt` before using the layer).
        invert: apply the inverse transformation, `mean + x * sqrt(variance)`.

    Input shape:
        Any; the kept axes must have known sizes.

    Output shape:
        Same as the input.

    Example:
    >>> layer = Normalization(axis=None)
    >>> layer.adapt(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    >>> [round(v, 4) for v in np.asarray(layer(np.array([1.0, 2.0, 3.0]))).tolist()]
    [-1.4142, -0.7071, 0.0]
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        else:
            axis = tuple(axis)
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True
        self._build_input_shape = None
        self.mean = None
        if (mean is not None) != (variance is not None):
            raise ValueError(
                "Normalization: when setting values directly, both `mean` and `variance` must "
                f"be set. Received: mean={mean} and variance={variance}"
            )
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(
                    "Normalization: `mean` and `variance` must have the same shape. Received: "
                    f"mean shape {np.shape(mean)} and variance shape {np.shape(variance)}"
                )
            if len(np.shape(mean)) > len(self.axis):
                raise ValueError(
                    "Normalization: the rank of `mean` must be at most the number of axes "
                    f"({len(self.axis)}). Received: mean shape {np.shape(mean)} for axis "
                    f"{self.axis}"
                )

    def build(self, input_shape):
        if input_shape is None:
            return
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        self._build_input_shape = input_shape
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(
                "Normalization: all `axis` values must be in the range [-ndim, ndim). Received "
                f"inputs with ndim={ndim}, while axis={self.axis}"
            )
        self._keep_axis = tuple(sorted(d % ndim for d in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(
                    "Normalization: all `axis` values to be kept must have a known shape. "
                    f"Received axis={self.axis}, inputs.shape={input_shape}, with unknown "
                    f"axis at index {d}"
                )
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(
            input_shape[d] if d in self._keep_axis else 1 for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance",
                                                  shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int64",
                                         initializer="zeros", trainable=False)
        else:
            mean = np.asarray(self.input_mean, dtype="float64")
            variance = np.asarray(self.input_variance, dtype="float64")
            if mean.ndim > 0:
                expanded = [1] * ndim
                for i in range(1, mean.ndim + 1):
                    expanded[self._keep_axis[-i]] = mean.shape[-i]
                try:
                    mean = mean.reshape(expanded)
                    variance = variance.reshape(expanded)
                except ValueError:
                    raise ValueError(
                        f"Normalization: `mean` of shape {np.shape(self.input_mean)} cannot be "
                        f"broadcast to the kept axes {self._keep_axis} of input shape "
                        f"{input_shape}."
                    ) from None
            self.mean = np.broadcast_to(mean, self._broadcast_shape).astype(self.compute_dtype)
            self.variance = np.broadcast_to(variance, self._broadcast_shape).astype(
                self.compute_dtype)
        self.built = True

    def adapt(self, data):
        """Computes the mean and variance of `data` (an array, tensor or iterable of batches)
        over the non-kept axes and stores them in the layer's weights."""
        if self.input_mean is not None:
            raise ValueError(
                f'Normalization layer "{self.name}" was given `mean` and `variance`; it cannot '
                "be adapted. Create it without them to learn them with adapt()."
            )
        total_mean = total_var = None
        total_count = 0
        for batch in _batches(data):
            batch = batch.astype("float64")
            if not self.built:
                self.build(batch.shape)
                self._build_shapes = tuple(batch.shape)
            for d in self._keep_axis:
                if batch.ndim != len(self._build_input_shape) or (
                        batch.shape[d] != self._build_input_shape[d]):
                    raise ValueError(
                        f"Normalization: the layer was built with input_shape="
                        f"{self._build_input_shape}, but adapt() received data with an "
                        f"incompatible shape, data.shape={batch.shape}"
                    )
            batch_mean = batch.mean(axis=self._reduce_axis)
            batch_var = batch.var(axis=self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            if total_mean is None:
                total_mean, total_var, total_count = batch_mean, batch_var, batch_count
                continue
            # Chan et al.'s parallel update: exact mean and (population) variance of the union.
            total_count += batch_count
            weight = batch_count / total_count
            new_mean = total_mean * (1 - weight) + batch_mean * weight
            total_var = ((total_var + (total_mean - new_mean) ** 2) * (1 - weight)
                         + (batch_var + (batch_mean - new_mean) ** 2) * weight)
            total_mean = new_mean
        if total_mean is None:
            raise ValueError("Normalization.adapt() received no data (an empty iterable).")
        self.adapt_mean.assign(np.asarray(total_mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(np.asarray(total_var, dtype=self.adapt_variance.dtype))
        self.count.assign(np.asarray(total_count, dtype="int64"))

    def finalize_state(self):
        """Kept for Keras compatibility; the statistics are read from the weights on each call."""

    def _statistics(self):
        if self.input_mean is not None:
            return self.mean, self.variance
        mean = ops.cast(ops.reshape(self.adapt_mean, self._broadcast_shape), self.compute_dtype)
        variance = ops.cast(ops.reshape(self.adapt_variance, self._broadcast_shape),
                            self.compute_dtype)
        return mean, variance

    def call(self, inputs):
        if not self.built or self._build_input_shape is None:
            raise ValueError(
                f'Normalization layer "{self.name}": call `build(input_shape)` or `adapt()` '
                "before using it."
            )
        inputs = ops.cast(inputs, self.compute_dtype)
        mean, variance = self._statistics()
        scale = ops.maximum(ops.sqrt(variance), backend.epsilon())
        if self.invert:
            return ops.add(mean, ops.multiply(inputs, scale))
        return ops.divide(ops.subtract(inputs, mean), scale)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis,
            "invert": self.invert,
            "mean": np.array(self.input_mean).tolist(),
            "variance": np.array(self.input_variance).tolist(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)

    def get_build_config(self):
        if self._build_input_shape:
            return {"input_shape": self._build_input_shape}
        return None

    def build_from_config(self, config):
        if config:
            self.build(tuple(config["input_shape"]))
            self._build_shapes = tuple(config["input_shape"])
