"""`GroupQueryAttention`: attention where groups of query heads share key/value heads
(Ainslie et al., 2023)."""

import math

from lamina import constraints, initializers, ops, random, regularizers
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.attention.multi_head_attention import MultiHeadAttention, masked_softmax
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.saving.serialization_lib import serialize_keras_object


@export("lamina.layers.GroupQueryAttention", "lamina.layers.GroupedQueryAttention")
class GroupedQueryAttention(MultiHeadAttention):
    """Grouped-query attention: `num_query_heads` query heads, `num_key_value_heads` key and
    value heads, each shared by `num_query_heads // num_key_value_heads` query heads.

    Sublayers (EinsumDense): `query` `(dim, num_query_heads, head_dim)`, `key` and `value`
    `(dim, num_key_value_heads, head_dim)`, `attention_output`
    `(num_query_heads, head_dim, dim)`.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key/value heads (divides `num_query_heads`).
        dropout, use_bias, sliding_window, kernel_*, bias_*, use_gate, seed: as in
            `MultiHeadAttention`.

    Call arguments: as `MultiHeadAttention` (query `(B, T, dim)`, value `(B, S, dim)`,
    key, masks, return_attention_scores, training, use_causal_mask).

    Example:
    >>> x = np.ones((2, 5, 16), "float32")
    >>> GroupQueryAttention(head_dim=4, num_query_heads=4, num_key_value_heads=2)(x, x).shape
    (2, 5, 16)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        if num_query_heads % num_key_value_heads != 0:
            raise ValueError("`num_query_heads` must be divisible by `num_key_value_heads`.")
        super().__init__(
            num_heads=num_query_heads, key_dim=head_dim, dropout=dropout, use_bias=use_bias,
            sliding_window=sliding_window, flash_attention=flash_attention,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, use_gate=use_gate, seed=seed, **kwargs)
        self.head_dim = head_dim
        self.num_query_heads = num_query_heads
        self.num_key_value_heads = num_key_value_heads
        self.num_repeats = num_query_heads // num_key_value_heads
        self.use_gate = use_gate
        self.sliding_window = sliding_window
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._inverse_sqrt_head_dim = 1.0 / math.sqrt(float(head_dim))

    num_heads = property(lambda self: self._num_heads)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)

    def _dense(self, equation, output_shape, bias_axes, name, input_shape, activation=None):
        layer = EinsumDense(equation, output_shape=output_shape,
                            bias_axes=bias_axes if self._use_bias else None, name=name,
                            activation=activation, **self._sublayer_kwargs())
        self._build_child(layer, input_shape)
        return layer

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        self.feature_dim = query_shape[-1]
        heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._dense("bqm,muh->bquh", (None, heads, dim), "uh", "query",
                                        query_shape)
        self._key_dense = self._dense("bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "key",
                                      key_shape)
        if self._use_gate:
            self._gate_dense = self._dense("bqm,muh->bquh", (None, heads, dim), "uh", "gate",
                                           query_shape, activation="sigmoid")
        self._value_dense = self._dense("bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "value",
                                        value_shape)
        self._output_dense = self._dense("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                         "attention_output", (None, None, heads, dim))
        self._attention_axes = (1,)
        self._build_shapes_dict = {"query_shape": tuple(query_shape),
                                   "value_shape": tuple(value_shape),
                                   "key_shape": tuple(key_shape)}
        self.built = True

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        # Each key/value head serves `num_repeats` consecutive query heads.
        key = ops.repeat(key, self.num_repeats, axis=2)
        value = ops.repeat(value, self.num_repeats, axis=2)
        fused = not (self._dropout > 0.0 or return_attention_scores)
        if fused:
            mask = None if attention_mask is None else self._expand_mask(attention_mask, 4)
            output = ops.dot_product_attention(
                query, key, value, mask=mask, scale=self._inverse_sqrt_head_dim,
                is_causal=use_causal_mask)
            return output, None
        if use_causal_mask:
            from lamina.layers.attention.attention import causal_mask

            mask = causal_mask(ops.shape(query)[1], ops.shape(value)[1])
            attention_mask = mask if attention_mask is None else ops.logical_and(
                ops.cast(attention_mask, "bool"), mask)
        query = ops.multiply(query, ops.cast(self._inverse_sqrt_head_dim, query.dtype))
        scores = ops.einsum("bquh,bkuh->buqk", query, key)
        mask = None if attention_mask is None else self._expand_mask(attention_mask, 4)
        scores = masked_softmax(scores, mask, (-1,))
        weights = scores
        if training and self._dropout > 0.0:
            weights = random.dropout(scores, self._dropout, seed=self.seed_generator)
        return ops.einsum("buqk,bkuh->bquh", weights, value), scores

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        if query_shape[-1] != value_shape[-1]:
            raise ValueError(
                "The last dimension of `query_shape` and `value_shape` must be equal, but are "
                f"{query_shape[-1]}, {value_shape[-1]}. Received: query_shape={query_shape}, "
                f"value_shape={value_shape}"
            )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        return tuple(query_shape)

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False, mask=None):
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        output = KerasTensor(shape, self.compute_dtype)
        if return_attention_scores:
            source = (value if key is None else key).shape[1]
            return output, KerasTensor(
                (query.shape[0], self.num_query_heads, query.shape[1], source),
                self.compute_dtype)
        return output

    def get_config(self):
        base = {key: value for key, value in super().get_config().items()
                if key in ("name", "trainable", "dtype")}
        return {
            **base,
            "head_dim": self.head_dim, "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads, "use_bias": self._use_bias,
            "use_gate": self._use_gate, "sliding_window": self._sliding_window,
            "dropout": self._dropout,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "activity_regularizer": serialize_keras_object(self._activity_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
            "seed": self.seed,
        }
