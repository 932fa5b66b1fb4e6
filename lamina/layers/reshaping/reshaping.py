"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector."""

import math

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.layer import InputSpec, Layer


@export("lamina.layers.Flatten")
class Flatten(Layer):
    """Flattens every dim but the batch dim: `(batch, d1, d2, ...)` -> `(batch, d1*d2*...)`.

    Args:
        data_format: "channels_last" or "channels_first" (channels moved last first).
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = config.standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)
        self.built = True

    def call(self, inputs):
        rank = len(inputs.shape)
        if self.data_format == "channels_first" and rank > 2:
            inputs = ops.transpose(inputs, (0,) + tuple(range(2, rank)) + (1,))
        shape = inputs.shape
        rest = shape[1:]
        if all(d is not None for d in rest):
            return ops.reshape(inputs, (-1, int(math.prod(rest))))
        return ops.reshape(inputs, (ops.shape(inputs)[0], -1))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else int(math.prod(rest))
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@export("lamina.layers.Reshape")
class Reshape(Layer):
    """Reshapes the non-batch dims to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(
                f"Reshape: at most one dim of `target_shape` may be -1, received "
                f"target_shape={self.target_shape}."
            )
        self.built = True

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        target = list(self.target_shape)
        if -1 in target:
            known = math.prod(d for d in target if d != -1)
            if any(d is None for d in rest):
                target[target.index(-1)] = None
            else:
                total = math.prod(rest)
                if known == 0 or total % known:
                    raise ValueError(
                        f"Reshape: the input shape {tuple(input_shape)} cannot be reshaped to "
                        f"target_shape={self.target_shape}."
                    )
                target[target.index(-1)] = total // known
        elif all(d is not None for d in rest) and math.prod(rest) != math.prod(target):
            raise ValueError(
                f"Reshape: total size of the input, {math.prod(rest)} (shape "
                f"{tuple(input_shape)}), must equal that of target_shape={self.target_shape} "
                f"({math.prod(target)})."
            )
        return (input_shape[0],) + tuple(target)

    def call(self, inputs):
        target = self.compute_output_shape(tuple(inputs.shape))[1:]
        target = tuple(-1 if d is None else d for d in target)
        return ops.reshape(inputs, (ops.shape(inputs)[0],) + target if -1 in target else (-1,) + target)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


@export("lamina.layers.Permute")
class Permute(Layer):
    """Permutes the non-batch dims; `dims` are 1-indexed, e.g. `(2, 1)` swaps the two."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(
                "Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                f"`dims` must be consecutive and start from 1. Received dims={self.dims}"
            )
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}


@export("lamina.layers.RepeatVector")
class RepeatVector(Layer):
    """Repeats a `(batch, features)` input `n` times: `(batch, n, features)`."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n).__name__}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)
        self.built = True

    def call(self, inputs):
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
