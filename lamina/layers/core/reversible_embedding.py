"""`ReversibleEmbedding`: an embedding that can also map vectors back to vocabulary logits."""

from lamina import initializers, ops
from lamina.api_export import export
from lamina.layers.core.embedding import Embedding


@export("lamina.layers.ReversibleEmbedding")
class ReversibleEmbedding(Embedding):
    """An Embedding whose `call(x, reverse=True)` projects vectors to logits over the vocabulary.

    Args:
        input_dim: vocabulary size.
        output_dim: vector size.
        tie_weights: whether the reverse projection uses the transposed embedding table;
            otherwise a separate `reverse_embeddings` weight `(output_dim, input_dim)` is made.
        reverse_dtype: dtype of the reverse projection's computation (default: the layer's).
        logit_soft_cap: if set, logits become `tanh(logits / cap) * cap`.
        (other arguments as Embedding)

    Example:
    >>> layer = ReversibleEmbedding(100, 16)
    >>> vectors = layer(ids)                  # (batch, seq, 16)
    >>> logits = layer(vectors, reverse=True)  # (batch, seq, 100)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True,
                 embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = (ops.transpose(self.embeddings) if self.tie_weights
                  else self.reverse_embeddings.value)
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_output_spec(self, inputs, reverse=False):
        from lamina.backend import KerasTensor

        if reverse:
            dtype = self.reverse_dtype or self.compute_dtype
            return KerasTensor(tuple(inputs.shape[:-1]) + (self.input_dim,), dtype)
        return KerasTensor(tuple(inputs.shape) + (self.output_dim,), self.compute_dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("embeddings_initializer"), dict):
            config["embeddings_initializer"] = initializers.deserialize(
                config["embeddings_initializer"])
        return super().from_config.__func__(cls, config)


