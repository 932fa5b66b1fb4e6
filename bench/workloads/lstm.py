"""Workload 3: an LSTM(64) classifier on synthetic sequences (the sum-sign task, fixed
NumPy seed), adam, batch 64."""

import data
import harness
import models
import training

TITLE = "LSTM classifier"
MEASURES = training.FIT_MEASURES
MAX_REPEATS = 2  # the Keras-API LSTM on torch steps through time in Python: the costliest run


def config(quick):
    if quick:
        return {"count": 500, "length": 20, "epochs": 1, "batch_size": 64}
    return {"count": 4000, "length": 50, "epochs": 2, "batch_size": 64}


def describe(cfg):
    return (f"{cfg['count']} sequences × {cfg['length']} steps × 1 feature (80 % train) → "
            f"LSTM(64) → Dense 1 sigmoid, adam, batch {cfg['batch_size']}, "
            f"{cfg['epochs']} epochs, fitted twice")


def _arrays(cfg):
    return data.sequences(cfg.count, cfg.length)


def keras_program(keras, cfg, out):
    arrays = _arrays(cfg)
    keras.utils.set_random_seed(0)
    training.keras_fits(keras, models.sequence_lstm(keras, cfg.length), arrays, cfg, out,
                        "binary_crossentropy")


def jax_program(cfg, out):
    import hand_jax

    training.jax_fits(hand_jax.lstm_model_init, hand_jax.lstm_model, "binary", _arrays(cfg),
                      cfg, out)


def torch_program(cfg, out):
    import torch

    import hand_torch

    torch.manual_seed(0)
    training.torch_fits(hand_torch.SequenceLSTM(), "binary", _arrays(cfg), cfg, out)


if __name__ == "__main__":
    harness.main(__import__(__name__))
