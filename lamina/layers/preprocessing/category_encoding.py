"""`CategoryEncoding`: integer ids to one-hot, multi-hot or count vectors."""

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.layers.preprocessing.encoding import (check_output_mode, encode_categorical,
                                                  encoded_shape)


@export("lamina.layers.CategoryEncoding")
class CategoryEncoding(Layer):
    """Encodes integer ids in `[0, num_tokens)` as dense vectors.

    Args:
        num_tokens: the number of ids; the size of the last output axis.
        output_mode: "multi_hot" (default; 1 for each id present in the last input axis),
            "one_hot" (one vector per id) or "count" (how often each id appears).
        sparse: must be False (lamina has no sparse tensors).

    Call args:
        inputs: integer ids.
        count_weights: with "count", weights added instead of 1 per occurrence.

    Example:
    >>> np.asarray(CategoryEncoding(4, output_mode="one_hot")(np.array([3, 1]))).tolist()
    [[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0]]
    >>> np.asarray(CategoryEncoding(4)(np.array([[0, 1], [3, 3]]))).tolist()
    [[1.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        output_mode = check_output_mode("CategoryEncoding", output_mode,
                                        ("count", "one_hot", "multi_hot"))
        if num_tokens is None:
            raise ValueError(
                "CategoryEncoding: `num_tokens` must be set to use this layer. If the number "
                "of tokens is not known beforehand, use the IntegerLookup layer instead."
            )
        if num_tokens < 1:
            raise ValueError(
                f"CategoryEncoding: `num_tokens` must be >= 1. Received: num_tokens={num_tokens}."
            )
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported by lamina.")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(
                    "CategoryEncoding: `count_weights` is only used when `output_mode` is "
                    f"'count'. Received output_mode={self.output_mode!r}."
                )
            count_weights = ops.cast(count_weights, self.compute_dtype)
        inputs = ops.convert_to_tensor(inputs)
        return encode_categorical(inputs, self.output_mode, self.num_tokens,
                                  self.compute_dtype, count_weights)

    def compute_output_spec(self, inputs, count_weights=None):
        return backend.KerasTensor(
            encoded_shape(inputs.shape, self.output_mode, self.num_tokens), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode, "sparse": self.sparse}
