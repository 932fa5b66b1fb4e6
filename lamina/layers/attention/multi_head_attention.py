"""`MultiHeadAttention` (Vaswani et al., 2017), with Keras' sublayers and weight shapes."""

import math
import string

import numpy as np

from lamina import backend, constraints, initializers, ops, random, regularizers
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.attention.attention import causal_mask
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import serialize_keras_object


def _letters(start, count):
    return string.ascii_lowercase[start:start + count]


def build_projection_equation(free_dims, bound_dims, output_dims):
    """EinsumDense equation, bias axes and output rank of a projection: the first
    `free_dims` axes pass through, `bound_dims` are contracted, `output_dims` are new."""
    free = _letters(0, free_dims)
    bound = _letters(free_dims, bound_dims)
    new = _letters(free_dims + bound_dims, output_dims)
    return f"{free}{bound},{bound}{new}->{free}{new}", new, free_dims + output_dims


def partial_output_shape(output_rank, known_last_dims):
    return [None] * (output_rank - len(known_last_dims)) + list(known_last_dims)


def build_attention_equation(rank, attention_axes):
    """The einsum equations `key, query -> scores` and `scores, value -> output` of
    projected tensors of `rank` (batch..., attended axes..., heads, depth), and the scores'
    rank. Scores are laid out (batch/other axes..., heads, query axes..., key axes...)."""
    target = _letters(0, rank)
    batch_dims = [i for i in range(rank) if i not in attention_axes and i != rank - 1]
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += string.ascii_lowercase[offset]
            offset += 1
    product = ("".join(target[i] for i in batch_dims)
               + "".join(target[i] for i in attention_axes)
               + "".join(source[i] for i in attention_axes))
    return (f"{source},{target}->{product}", f"{product},{source}->{target}", len(product))


def masked_softmax(scores, mask, axes):
    """Keras' masked softmax: masked scores set to -1e9 before and zeroed after."""
    if mask is not None:
        big = 65504.0 if scores.dtype == "float16" else 1.0e9
        scores = ops.where(mask, scores, -big)
    if len(axes) == 1:
        weights = ops.softmax(scores, axis=axes[0])
    else:
        weights = ops.exp(ops.subtract(scores, ops.logsumexp(scores, axis=axes, keepdims=True)))
    if mask is not None:
        weights = ops.where(mask, weights, ops.zeros_like(weights))
    return weights


@export("lamina.layers.MultiHeadAttention")
class MultiHeadAttention(Layer):
    """Multi-head attention: `num_heads` scaled dot-product attentions over learned
    projections of query, key and value, projected back to the query's size.

    Sublayers (EinsumDense): `query` and `key` with kernels `(dim, num_heads, key_dim)`,
    `value` with `(dim, num_heads, value_dim)`, `attention_output` with
    `(num_heads, value_dim, output_dim)`; biases `(num_heads, key_dim)`... and `(output_dim,)`.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default `key_dim`).
        dropout: dropout rate on the attention weights.
        use_bias: whether the projections have biases.
        output_shape: the output's last dimension(s) (default: the query's last dim).
        attention_axes: the axes attention runs over (default: all but batch, heads and
            features).
        kernel_*, bias_*: initializers, regularizers and constraints of the projections.
        seed: random seed for dropout.

    Call arguments:
        query `(B, T, dim)`, value `(B, S, dim)`, key `(B, S, dim)` (default value);
        query_mask `(B, T)`, value_mask `(B, S)`, key_mask `(B, S)`; attention_mask
        `(B, T, S)` booleans (True = attend); return_attention_scores; training;
        use_causal_mask.

    Example:
    >>> x = np.ones((2, 5, 16), "float32")
    >>> MultiHeadAttention(num_heads=2, key_dim=8)(x, x).shape
    (2, 5, 16)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        for name, value in (("num_heads", num_heads), ("key_dim", key_dim)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Received an invalid value for argument `{name}`, expected a positive "
                    f"integer. Received: {name}={value}"
                )
        if value_dim is not None and (not isinstance(value_dim, int) or value_dim <= 0):
            raise ValueError(
                "Received an invalid value for argument `value_dim`, expected a positive "
                f"integer or `None`. Received: value_dim={value_dim}"
            )
        super().__init__(**kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self._output_shape = output_shape or None
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._activity_regularizer = regularizers.get(activity_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(
                "`attention_axes` must be an int, list, or tuple. "
                f"Received: attention_axes={attention_axes}"
            )
        self._attention_axes = tuple(attention_axes) if attention_axes else None
        if sliding_window is not None and (
                not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(
                "`sliding_window` must be `None` or a positive integer. "
                f"Received: sliding_window={sliding_window}"
            )
        self._sliding_window = sliding_window
        self.seed = seed
        if dropout > 0:
            self.seed_generator = random.SeedGenerator(seed)
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(self._key_dim))

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # -- building ---------------------------------------------------------------------------
    def _sublayer_kwargs(self):
        return dict(
            kernel_regularizer=self._kernel_regularizer, bias_regularizer=self._bias_regularizer,
            activity_regularizer=self._activity_regularizer,
            kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
            dtype=self.dtype_policy,
            # Fresh initializer objects so that seeded ones do not repeat across sublayers.
            kernel_initializer=self._kernel_initializer.__class__.from_config(
                self._kernel_initializer.get_config()),
            bias_initializer=self._bias_initializer.__class__.from_config(
                self._bias_initializer.get_config()),
        )

    def _projection(self, input_rank, last_dims, name, bound_dims=1, activation=None):
        equation, bias_axes, output_rank = build_projection_equation(
            input_rank - 1, bound_dims, len(last_dims))
        return EinsumDense(equation, output_shape=partial_output_shape(output_rank - 1, last_dims),
                           bias_axes=bias_axes if self._use_bias else None, name=name,
                           activation=activation, **self._sublayer_kwargs())

    def _build_child(self, layer, shape):
        with backend.name_scope(layer.name, caller=layer):
            layer.build(shape)
        layer._build_shapes = tuple(shape)
        layer.built = True

    def build(self, query_shape, value_shape=None, key_shape=None):
        value_shape = query_shape if value_shape is None else value_shape
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        query_rank = len(query_shape)
        heads = self._num_heads
        self._query_dense = self._projection(query_rank, [heads, self._key_dim], "query")
        self._build_child(self._query_dense, query_shape)
        self._key_dense = self._projection(len(key_shape), [heads, self._key_dim], "key")
        self._build_child(self._key_dense, key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(query_rank, [heads, self._value_dim], "gate",
                                                activation="sigmoid")
            self._build_child(self._gate_dense, query_shape)
        self._value_dense = self._projection(len(value_shape), [heads, self._value_dim],
                                             "value")
        self._build_child(self._value_dense, value_shape)
        rank = query_rank + 1  # projected: (batch, axes..., heads, depth)
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            self._attention_axes = tuple(a if a >= 0 else (rank - 1) + a
                                         for a in self._attention_axes)
        self._dot_product_equation, self._combine_equation, scores_rank = \
            build_attention_equation(rank, self._attention_axes)
        self._norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        output_last = list(self._output_shape) if self._output_shape else [query_shape[-1]]
        self._output_dense = self._projection(query_rank, output_last, "attention_output",
                                              bound_dims=2)
        projected = list(self._query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self._build_child(self._output_dense, tuple(projected))
        self._build_shapes_dict = {"query_shape": tuple(query_shape),
                                   "value_shape": tuple(value_shape),
                                   "key_shape": tuple(key_shape)}
        self.built = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None:
            raise ValueError(f'Layer "{self.name}" needs `query` and `value` arguments.')
        if not self.built:
            shape = lambda t: None if t is None else tuple(getattr(t, "shape", np.shape(t)))
            with backend.name_scope(self.name, caller=self):
                self.build(shape(query), shape(value), shape(key))
        return super().__call__(query, value, key, **kwargs)

    def get_build_config(self):
        if getattr(self, "_build_shapes_dict", None) is None:
            return None
        return {"shapes_dict": {k: list(v) for k, v in self._build_shapes_dict.items()}}

    def build_from_config(self, config):
        if config and not self.built:
            shapes = config.get("shapes_dict") or {}
            as_tuple = lambda s: None if s is None else tuple(s)
            with backend.name_scope(self.name, caller=self):
                self.build(as_tuple(shapes.get("query_shape")),
                           as_tuple(shapes.get("value_shape")),
                           as_tuple(shapes.get("key_shape")))

    # -- masks ------------------------------------------------------------------------------
    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None,
                                key_mask=None, attention_mask=None, use_causal_mask=False):
        auto = None
        if query_mask is not None:
            auto = ops.expand_dims(ops.cast(query_mask, "bool"), -1)  # (B, T, 1)
        for mask in (value_mask, key_mask):
            if mask is not None:
                mask = ops.expand_dims(ops.cast(mask, "bool"), -2)  # (B, 1, S)
                auto = mask if auto is None else ops.logical_and(auto, mask)
        if use_causal_mask:
            mask = causal_mask(ops.shape(query)[1], ops.shape(value)[1])
            auto = mask if auto is None else ops.logical_and(auto, mask)
        if self._sliding_window is not None:
            rows = ops.reshape(ops.arange(ops.shape(query)[1], dtype="int32"), (1, -1, 1))
            cols = ops.reshape(ops.arange(ops.shape(value)[1], dtype="int32"), (1, 1, -1))
            mask = ops.less(ops.abs(ops.subtract(rows, cols)), self._sliding_window)
            auto = mask if auto is None else ops.logical_and(auto, mask)
        if attention_mask is not None:
            attention_mask = ops.cast(attention_mask, "bool")
            return attention_mask if auto is None else ops.logical_and(attention_mask, auto)
        return auto

    def _expand_mask(self, mask, scores_rank):
        """A `(B, T, S)` mask with singleton axes for the heads (and any other axes)."""
        axis = -len(self._attention_axes) * 2 - 1
        while len(mask.shape) < scores_rank:
            mask = ops.expand_dims(mask, axis)
        return mask

    # -- attention --------------------------------------------------------------------------
    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False, use_causal_mask=False):
        fused = not (self._dropout > 0.0 or return_attention_scores or len(query.shape) != 4)
        if fused:
            # Keras' path for the common case: the fused op, masks as (B, 1, T, S).
            mask = None if attention_mask is None else self._expand_mask(attention_mask, 4)
            output = ops.dot_product_attention(
                query, key, value, mask=mask, scale=self._inverse_sqrt_key_dim,
                is_causal=use_causal_mask)
            return output, None
        if use_causal_mask:
            mask = causal_mask(ops.shape(query)[1], ops.shape(value)[1])
            attention_mask = mask if attention_mask is None else ops.logical_and(
                ops.cast(attention_mask, "bool"), mask)
        query = ops.multiply(query, ops.cast(self._inverse_sqrt_key_dim, query.dtype))
        scores = ops.einsum(self._dot_product_equation, key, query)
        mask = None if attention_mask is None else self._expand_mask(attention_mask,
                                                                     len(scores.shape))
        scores = masked_softmax(scores, mask, self._norm_axes)
        weights = scores
        if training and self._dropout > 0.0:
            weights = random.dropout(scores, self._dropout, seed=self.seed_generator)
        return ops.einsum(self._combine_equation, weights, value), scores

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, mask=None):
        # `mask` is the query's mask as a functional graph passes it; a self-attention call
        # (value/key the same tensor as query) uses it for them too, as Keras' masks do.
        if mask is not None:
            query_mask = mask if query_mask is None else query_mask
            if value is query and value_mask is None:
                value_mask = mask
            if key is query and key_mask is None:
                key_mask = mask
        if key is None:
            key = value
        causal_only = (use_causal_mask and query_mask is None and value_mask is None
                       and key_mask is None and attention_mask is None
                       and self._sliding_window is None)
        if not causal_only:
            attention_mask = self._compute_attention_mask(
                query, value, query_mask=query_mask, value_mask=value_mask,
                key_mask=key_mask, attention_mask=attention_mask,
                use_causal_mask=use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        query = self._query_dense(query)
        key = self._key_dense(key)
        value = self._value_dense(value)
        output, scores = self._compute_attention(
            query, key, value, attention_mask, training, return_attention_scores,
            use_causal_mask=causal_only)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        value_shape = query_shape if value_shape is None else tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(
                "All dimensions of `value` and `key`, except the last one, must be equal. "
                f"Received: value_shape={value_shape} and key_shape={key_shape}"
            )
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def compute_output_spec(self, query, value, key=None, query_mask=None, value_mask=None,
                            key_mask=None, attention_mask=None, return_attention_scores=False,
                            training=None, use_causal_mask=False, mask=None):
        shape = self.compute_output_shape(query.shape, value.shape,
                                          None if key is None else key.shape)
        output = KerasTensor(shape, self.compute_dtype)
        if return_attention_scores:
            source = (value if key is None else key).shape[1]
            return output, KerasTensor((query.shape[0], self._num_heads, query.shape[1], source),
                                       self.compute_dtype)
        return output

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self._num_heads, "key_dim": self._key_dim,
            "value_dim": self._value_dim, "dropout": self._dropout, "use_bias": self._use_bias,
            "use_gate": self._use_gate, "output_shape": self._output_shape,
            "attention_axes": self._attention_axes, "sliding_window": self._sliding_window,
            "kernel_initializer": serialize_keras_object(self._kernel_initializer),
            "bias_initializer": serialize_keras_object(self._bias_initializer),
            "kernel_regularizer": serialize_keras_object(self._kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self._bias_regularizer),
            "activity_regularizer": serialize_keras_object(self._activity_regularizer),
            "kernel_constraint": serialize_keras_object(self._kernel_constraint),
            "bias_constraint": serialize_keras_object(self._bias_constraint),
            "seed": self.seed,
        }
