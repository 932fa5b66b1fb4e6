"""`Discretization`: continuous values to bucket ids by boundaries, given or learned."""

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.encoding import (check_output_mode, encode_categorical,
                                                  encoded_shape)


def _summarize(values, epsilon):
    """A weighted sample of sorted `values`: about 1/epsilon points, each with its weight."""
    values = np.sort(np.reshape(values, [-1]))
    step = max(values.size * epsilon, 1)
    boundaries = values[int(step - 1)::int(step)]
    return np.stack([boundaries, np.ones_like(boundaries) * step])


def _compress(summary, epsilon):
    """Re-samples a summary at cumulative-weight quantiles epsilon, 2*epsilon, ..., 1."""
    if summary.shape[1] * epsilon < 1:
        return summary
    percents = epsilon + np.arange(0.0, 1.0, epsilon)
    cum_weights = summary[1].cumsum()
    cum_percents = cum_weights / cum_weights[-1]
    new_bins = np.interp(percents, cum_percents, summary[0])
    cum_weights = np.interp(percents, cum_percents, cum_weights)
    new_weights = cum_weights - np.concatenate(([0.0], cum_weights[:-1]))
    return np.stack((new_bins, new_weights)).astype("float32")


def _merge(first, second, epsilon):
    merged = np.concatenate((first, second), axis=1)
    return _compress(np.take(merged, np.argsort(merged[0]), axis=1), epsilon)


@export("lamina.layers.Discretization")
class Discretization(Layer):
    """Buckets continuous values: id `i` for `bin_boundaries[i-1] <= x < bin_boundaries[i]`.

    Args:
        bin_boundaries: sorted boundaries; `len(bin_boundaries) + 1` buckets.
        num_bins: instead of boundaries, the number of buckets to learn with `adapt`
            (approximate quantiles of the data).
        epsilon: the error tolerance of the quantile summary used by `adapt`.
        output_mode: "int" (bucket ids, int32), "one_hot", "multi_hot" or "count".
        sparse: must be False.

    Example:
    >>> layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    >>> np.asarray(layer(np.array([[-1.5, 1.0, 3.4, 0.5]]))).tolist()
    [[0, 2, 3, 1]]
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None):
        super().__init__(name=name, dtype=dtype)
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported by lamina.")
        output_mode = check_output_mode("Discretization", output_mode,
                                        ("int", "one_hot", "multi_hot", "count"))
        if num_bins is not None and num_bins < 0:
            raise ValueError(
                "Discretization: `num_bins` must be greater than or equal to 0. "
                f"Received: `num_bins={num_bins}`"
            )
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(
                "Discretization: both `num_bins` and `bin_boundaries` should not be set. "
                f"Received: `num_bins={num_bins}` and `bin_boundaries={bin_boundaries}`"
            )
        if num_bins is None and bin_boundaries is None:
            raise ValueError(
                "Discretization: you need to set either `num_bins` or `bin_boundaries`.")
        self.bin_boundaries = list(bin_boundaries) if bin_boundaries is not None else None
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if self.bin_boundaries else np.array([[], []], dtype="float32")

    @property
    def output_dtype(self):
        return self.compute_dtype if self.output_mode != "int" else "int32"

    def adapt(self, data, steps=None):
        """Learns `num_bins` bucket boundaries from approximate quantiles of `data` (an
        array or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError(
                "Cannot adapt a Discretization layer that has been initialized with "
                "`bin_boundaries`, use `num_bins` instead."
            )
        self.reset_state()
        if isinstance(data, (np.ndarray, list, tuple)) and not (
                isinstance(data, (list, tuple)) and data and hasattr(data[0], "shape")):
            self.update_state(data)
        elif ops.is_tensor(data):
            self.update_state(data)
        else:
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        self.finalize_state()

    def update_state(self, data):
        data = np.asarray(ops.convert_to_numpy(data)).astype("float32")
        self.summary = _merge(_summarize(data, self.epsilon), self.summary, self.epsilon)

    def finalize_state(self):
        if self.num_bins is None:
            return
        self.bin_boundaries = _compress(self.summary, 1.0 / self.num_bins)[0, :-1].tolist()

    def reset_state(self):
        if self.num_bins is None:
            return
        self.summary = np.array([[], []], dtype="float32")

    def _depth(self):
        if self.bin_boundaries is not None:
            return len(self.bin_boundaries) + 1
        return self.num_bins

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError(
                "Discretization: you need to either pass the `bin_boundaries` argument at "
                "construction time or call `adapt(dataset)` before you can start using the "
                "layer."
            )
        indices = ops.digitize(inputs, np.asarray(self.bin_boundaries, dtype="float32"))
        return encode_categorical(indices, self.output_mode, self._depth(), self.output_dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return backend.KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        return {"bin_boundaries": self.bin_boundaries, "num_bins": self.num_bins,
                "epsilon": self.epsilon, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config.pop("trainable", None)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            bin_boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = list(bin_boundaries)
            return layer
        return cls(**config)
