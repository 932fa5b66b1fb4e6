"""`Embedding`: integer ids to dense vectors."""

from lamina import constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import serialize_keras_object


@export("lamina.layers.Embedding")
class Embedding(Layer):
    """Looks up a row of `embeddings` (shape `(input_dim, output_dim)`) for each id.

    Args:
        input_dim: vocabulary size (largest id + 1).
        output_dim: vector size.
        embeddings_initializer, embeddings_regularizer, embeddings_constraint: for the table.
        mask_zero: whether id 0 is padding; the layer then emits a mask for later layers.

    Input shape:
        `(batch, ...)` integer ids.

    Output shape:
        `(batch, ..., output_dim)`.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, **kwargs):
        input_length = kwargs.pop("input_length", None)
        del input_length  # accepted for compatibility with older Keras code
        super().__init__(**kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or value <= 0:
                raise ValueError(
                    f"Embedding: `{name}` must be a positive int, received {name}={value!r}."
                )
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self._initial_weights = weights
        if lora_rank is not None:
            raise ValueError("Embedding: LoRA (lora_rank) is not supported by lamina yet.")

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer=self.embeddings_initializer,
            name="embeddings", regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def call(self, inputs):
        if inputs.dtype not in ("int32", "int64"):
            inputs = ops.cast(inputs, "int32")
        return ops.take(self.embeddings, inputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": serialize_keras_object(self.embeddings_initializer),
            "embeddings_regularizer": serialize_keras_object(self.embeddings_regularizer),
            "activity_regularizer": serialize_keras_object(self.activity_regularizer),
            "embeddings_constraint": serialize_keras_object(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, module in (("embeddings_initializer", initializers),
                            ("embeddings_regularizer", regularizers),
                            ("activity_regularizer", regularizers),
                            ("embeddings_constraint", constraints)):
            if isinstance(config.get(key), dict):
                config[key] = module.deserialize(config[key])
        return cls(**config)
