"""Workload 2: a CNN on scikit-learn's 8×8 digits (Conv 32 → MaxPool → Conv 64 → Dense 64 →
Dense 10, adam, batch 64)."""

import data
import harness
import models
import training

TITLE = "digits CNN"
MEASURES = training.FIT_MEASURES


def config(quick):
    return {"epochs": 2 if quick else 20, "batch_size": 64}


def describe(cfg):
    return (f"8×8×1 → Conv2D 32 (3×3, same) → MaxPool 2 → Conv2D 64 (3×3, same) → Flatten → "
            f"Dense 64 → Dense 10, adam, batch {cfg['batch_size']}, {cfg['epochs']} epochs, "
            "fitted twice")


def keras_program(keras, cfg, out):
    arrays = data.digits()
    keras.utils.set_random_seed(0)
    training.keras_fits(keras, models.digits_cnn(keras), arrays, cfg, out,
                        "sparse_categorical_crossentropy")


def jax_program(cfg, out):
    import hand_jax

    training.jax_fits(hand_jax.cnn_init, hand_jax.cnn, "categorical", data.digits(), cfg, out)


def torch_program(cfg, out):
    import torch

    import hand_torch

    torch.manual_seed(0)
    x_train, y_train, x_test, y_test = data.digits()
    nchw = (x_train.transpose(0, 3, 1, 2), y_train, x_test.transpose(0, 3, 1, 2), y_test)
    training.torch_fits(hand_torch.DigitsCNN(), "categorical", nchw, cfg, out)


if __name__ == "__main__":
    harness.main(__import__(__name__))
