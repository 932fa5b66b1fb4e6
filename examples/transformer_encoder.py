"""A small Transformer encoder classifier on synthetic token sequences.

Each sequence holds 16 token ids from a vocabulary of 20 (no padding); its label says whether
the token 1 appears somewhere before the token 2 (both appear exactly once) — a question about
the order of two positions, which self-attention with position embeddings answers.

The encoder block (`TransformerEncoder` below) is multi-head self-attention and a feed-forward
network, each with a residual connection and layer normalization.

Run it with `python examples/transformer_encoder.py` (`--epochs N`, `--quiet`).
"""

import argparse
import time

import numpy as np

import lamina as keras
from lamina import layers, ops

VOCABULARY = 20
LENGTH = 16


def make_data(samples, rng):
    """`(samples, LENGTH)` ids with one 1 and one 2 at random places; label: 1 before 2."""
    ids = rng.integers(3, VOCABULARY, size=(samples, LENGTH))
    for row in ids:
        first, second = rng.choice(LENGTH, size=2, replace=False)
        row[first], row[second] = 1, 2
    labels = (np.argmax(ids == 1, axis=1) < np.argmax(ids == 2, axis=1)).astype("float32")
    return ids.astype("int32"), labels


class TokenAndPositionEmbedding(layers.Layer):
    """Token embeddings plus learned position embeddings."""

    def __init__(self, length, vocabulary, dim, **kwargs):
        super().__init__(**kwargs)
        self.length, self.vocabulary, self.dim = length, vocabulary, dim
        self.tokens = layers.Embedding(vocabulary, dim)
        self.positions = layers.Embedding(length, dim)

    def call(self, ids):
        positions = ops.arange(ops.shape(ids)[-1])
        return ops.add(self.tokens(ids), self.positions(positions))

    def get_config(self):
        return {**super().get_config(), "length": self.length,
                "vocabulary": self.vocabulary, "dim": self.dim}


class TransformerEncoder(layers.Layer):
    """Self-attention and a feed-forward network, each with a residual and a LayerNorm."""

    def __init__(self, dim, heads, hidden, dropout=0.1, **kwargs):
        super().__init__(**kwargs)
        self.dim, self.heads, self.hidden, self.rate = dim, heads, hidden, dropout
        self.attention = layers.MultiHeadAttention(num_heads=heads, key_dim=dim // heads)
        self.feed_forward = keras.Sequential([layers.Dense(hidden, activation="relu"),
                                              layers.Dense(dim)])
        self.norm1 = layers.LayerNormalization(epsilon=1e-6)
        self.norm2 = layers.LayerNormalization(epsilon=1e-6)
        self.dropout1 = layers.Dropout(dropout)
        self.dropout2 = layers.Dropout(dropout)

    def call(self, inputs, training=False):
        attended = self.attention(inputs, inputs, training=training)
        x = self.norm1(ops.add(inputs, self.dropout1(attended, training=training)))
        transformed = self.feed_forward(x, training=training)
        return self.norm2(ops.add(x, self.dropout2(transformed, training=training)))

    def get_config(self):
        return {**super().get_config(), "dim": self.dim, "heads": self.heads,
                "hidden": self.hidden, "dropout": self.rate}


def build_model(dim=32, heads=4, hidden=64):
    inputs = keras.Input((LENGTH,), dtype="int32")
    x = TokenAndPositionEmbedding(LENGTH, VOCABULARY, dim)(inputs)
    x = TransformerEncoder(dim, heads, hidden)(x)
    x = layers.GlobalAveragePooling1D()(x)
    x = layers.Dense(32, activation="relu")(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    return keras.Model(inputs, outputs, name="transformer_classifier")


def main(epochs=10, verbose=1, seed=3):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = make_data(3000, rng)
    x_test, y_test = make_data(500, rng)

    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(0.002), loss="binary_crossentropy",
                  metrics=["accuracy"])
    if verbose:
        model.summary()
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=64, validation_split=0.1,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Trained {epochs} epochs in {seconds:.1f}s on the {keras.backend.backend()} backend.")
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return history, accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2 if args.quiet else 1)
