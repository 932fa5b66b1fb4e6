"""An LSTM sequence classifier on synthetic variable-length token sequences.

Each sequence holds 4 to 20 tokens from a vocabulary of 30 ids (0 is padding); its label says
whether more of its tokens come from the upper half of the vocabulary than from the lower half.
An `Embedding(mask_zero=True)` marks the padding, and the bidirectional LSTM skips it.

Run it with `python examples/lstm_classifier.py` (`--epochs N`, `--quiet`).
"""

import argparse
import time

import numpy as np

import lamina as keras

VOCABULARY = 30
MAX_LENGTH = 20


def make_data(samples, rng):
    """Padded id sequences `(samples, MAX_LENGTH)` and their 0/1 labels."""
    lengths = rng.integers(4, MAX_LENGTH + 1, size=samples)
    ids = rng.integers(1, VOCABULARY, size=(samples, MAX_LENGTH))
    ids[np.arange(MAX_LENGTH)[None, :] >= lengths[:, None]] = 0
    upper = ((ids >= VOCABULARY // 2) & (ids > 0)).sum(axis=1)
    lower = ((ids < VOCABULARY // 2) & (ids > 0)).sum(axis=1)
    labels = (upper > lower).astype("float32")
    return ids.astype("int32"), labels


def build_model():
    return keras.Sequential([
        keras.Input((MAX_LENGTH,), dtype="int32"),
        keras.layers.Embedding(VOCABULARY, 16, mask_zero=True),
        keras.layers.Bidirectional(keras.layers.LSTM(16)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def main(epochs=10, verbose=1, seed=7):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x_train, y_train = make_data(2000, rng)
    x_test, y_test = make_data(500, rng)

    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="binary_crossentropy",
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
