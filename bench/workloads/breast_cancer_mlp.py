"""Workload 1: the breast-cancer MLP (30→16→8→1, adam, batch 32, validation_split 0.1)."""

import data
import harness
import models
import training

TITLE = "breast-cancer MLP"
MEASURES = training.FIT_MEASURES


def config(quick):
    return {"epochs": 5 if quick else 100, "batch_size": 32, "validation_split": 0.1}


def describe(cfg):
    return (f"30→16→8→1 MLP, adam, batch {cfg['batch_size']}, {cfg['epochs']} epochs, "
            f"validation_split {cfg['validation_split']}, fitted twice")


def keras_program(keras, cfg, out):
    arrays = data.breast_cancer()
    keras.utils.set_random_seed(0)
    training.keras_fits(keras, models.breast_cancer_mlp(keras), arrays, cfg, out,
                        "binary_crossentropy", cfg.validation_split)


def jax_program(cfg, out):
    import hand_jax

    training.jax_fits(lambda key: hand_jax.mlp_init(key, [30, 16, 8, 1]), hand_jax.mlp,
                      "binary", data.breast_cancer(), cfg, out, cfg.validation_split)


def torch_program(cfg, out):
    import torch

    import hand_torch

    torch.manual_seed(0)
    training.torch_fits(hand_torch.mlp([30, 16, 8, 1]), "binary", data.breast_cancer(), cfg,
                        out, cfg.validation_split)


if __name__ == "__main__":
    harness.main(__import__(__name__))
