"""The benchmark models, written once against the Keras 3 API: `keras` is `lamina` or Keras 3.

hand_jax.py and hand_torch.py build the same models (same sizes, Glorot-uniform kernels,
zero biases, orthogonal recurrent kernel and forget-gate bias 1 for the LSTM).
"""


def breast_cancer_mlp(keras):
    """30 → 16 → 8 → 1, relu, sigmoid output."""
    return keras.Sequential([
        keras.Input((30,)),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def digits_cnn(keras):
    """8×8×1 → Conv 32 (same) → MaxPool 2 → Conv 64 (same) → Flatten → 64 → 10 softmax."""
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])


def sequence_lstm(keras, length):
    """(length, 1) → LSTM(64) → 1 sigmoid."""
    return keras.Sequential([
        keras.Input((length, 1)),
        keras.layers.LSTM(64),
        keras.layers.Dense(1, activation="sigmoid"),
    ])


def wide_mlp(keras, features=512, width=1024, classes=10):
    """features → width relu → width relu → classes softmax."""
    return keras.Sequential([
        keras.Input((features,)),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(width, activation="relu"),
        keras.layers.Dense(classes, activation="softmax"),
    ])
