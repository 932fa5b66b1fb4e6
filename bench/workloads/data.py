"""The benchmark data sets: the same arrays for every framework (fixed seeds, float32 inputs).

Each function returns `(x_train, y_train, x_test, y_test)` as NumPy arrays.
"""

import numpy as np


def breast_cancer():
    """scikit-learn's breast-cancer set, standardized; binary float32 labels."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = load_breast_cancer(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=0.2, random_state=42, stratify=y)
    scaler = StandardScaler().fit(x_train)
    return (scaler.transform(x_train).astype("float32"), y_train.astype("float32"),
            scaler.transform(x_test).astype("float32"), y_test.astype("float32"))


def digits():
    """scikit-learn's 8×8 digits as (n, 8, 8, 1) images in [0, 1]; int32 labels 0–9."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).reshape(-1, 8, 8, 1).astype("float32")
    x_train, x_test, y_train, y_test = train_test_split(
        x, y.astype("int32"), test_size=0.2, random_state=42, stratify=y)
    return x_train, y_train, x_test, y_test


def sequences(count=4000, length=50, test_fraction=0.2, seed=0):
    """The sum-sign task: is the sum of a sequence of N(0, 1) draws positive? (n, length, 1)
    float32 inputs, binary float32 labels."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, length, 1)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")
    split = int(count * (1 - test_fraction))
    return x[:split], y[:split], x[split:], y[split:]


def wide(count=65536, features=512, classes=10, test_count=4096, seed=0):
    """Gaussian inputs labelled by a fixed random linear map (learnable, so accuracy shows
    that every framework trained): (n, features) float32, int32 labels."""
    rng = np.random.default_rng(seed)
    mapping = rng.normal(size=(features, classes)).astype("float32")
    x = rng.normal(size=(count + test_count, features)).astype("float32")
    y = np.argmax(x @ mapping, axis=1).astype("int32")
    return x[:count], y[:count], x[count:], y[count:]


def validation_split(x, y, fraction):
    """The split `fit(validation_split=...)` makes in Keras 3: the last rows, not shuffled."""
    split = int(np.floor(len(x) * (1 - fraction)))
    return x[:split], y[:split], x[split:], y[split:]


def steps(samples, batch_size, epochs=1):
    """Training steps of `epochs` epochs (the last batch may be partial)."""
    return -(-samples // batch_size) * epochs
