"""A small convolutional network on scikit-learn's 8x8 handwritten digits, trained with lamina.

Run it with `python examples/digits_cnn.py` (`--epochs N` for a shorter run, `--quiet` for one
line per epoch).
"""

import argparse
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import lamina as keras


def main(epochs=20, verbose=1, seed=42):
    keras.utils.set_random_seed(seed)
    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).reshape(-1, 8, 8, 1).astype("float32")  # pixel values are 0..16
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y)

    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.summary()

    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Trained {epochs} epochs in {seconds:.1f}s on the {keras.backend.backend()} backend.")
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return history, accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2 if args.quiet else 1)
