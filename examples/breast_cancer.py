"""The classic first model: Wisconsin Breast Cancer, a small MLP, trained with lamina.

Run it with `make demo` (or `python examples/breast_cancer.py`). Pass `--epochs N` for a
shorter run and `--quiet` for one line per epoch.
"""

import argparse
import time

from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import lamina as keras


def main(epochs=100, verbose=1, seed=42):
    keras.utils.set_random_seed(seed)
    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=seed, stratify=y)
    scaler = StandardScaler().fit(x_train)
    x_train, x_test = scaler.transform(x_train), scaler.transform(x_test)

    model = keras.Sequential([
        keras.Input((30,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()

    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=epochs, batch_size=32, validation_split=0.1,
                        verbose=verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    probabilities = model.predict(x_test[:5], verbose=0)
    print(f"Trained {epochs} epochs in {seconds:.1f}s on the {keras.backend.backend()} backend.")
    print("First test probabilities:", [round(float(p), 3) for p in probabilities.ravel()])
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {accuracy:.4f}")
    return history, accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--quiet", action="store_true", help="one line per epoch")
    args = parser.parse_args()
    main(epochs=args.epochs, verbose=2 if args.quiet else 1)
