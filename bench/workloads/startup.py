"""Workload 6: start-up: the framework's import time, and the time from the start of the
import to the end of the first training step (import → build → compile → first
train_on_batch on 32 samples of 30 features)."""

import time

import harness

TITLE = "start-up"
MEASURES = [
    ("import_s", "import (hand: the backend alone)", "s"),
    ("import_extra_s", "import minus the backend's import", "s"),
    ("first_step_s", "import → first trained step done", "s"),
]


def config(quick):
    return {}


def describe(cfg):
    return ("`import lamina` / `import keras` / `import jax, jax.numpy` or `import torch` in a "
            "fresh process (nothing heavy imported before), then the breast-cancer MLP built, "
            "compiled and trained on one batch; `import minus the backend's import` subtracts "
            "the hand-written column's median")


def derive(medians):
    """Rows computed across frameworks (`medians[framework][measure]`)."""
    backend = medians.get("hand", {}).get("import_s")
    for framework in ("lamina", "keras"):
        own = medians.get(framework, {}).get("import_s")
        if own is not None and backend is not None:
            medians[framework]["import_extra_s"] = own - backend


def _batch():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 30)).astype("float32")
    return x, (x[:, 0] > 0).astype("float32")


def keras_program(keras, cfg, out):
    import models

    x, y = _batch()
    model = models.breast_cancer_mlp(keras)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.train_on_batch(x, y)
    out["first_step_s"] = time.perf_counter() - cfg.start


def jax_program(cfg, out):
    import jax

    import hand_jax

    x, y = _batch()
    params = hand_jax.mlp_init(jax.random.PRNGKey(0), [30, 16, 8, 1])
    step = hand_jax.make_train_step(hand_jax.mlp, "binary")
    params, opt_state, loss = step(params, hand_jax.adam_init(params), x, y)
    float(loss)
    out["first_step_s"] = time.perf_counter() - cfg.start


def torch_program(cfg, out):
    import hand_torch

    x, y = hand_torch.tensors(*_batch())
    model = hand_torch.mlp([30, 16, 8, 1])
    optimizer = hand_torch.adam(model)
    loss = hand_torch.loss_function("binary")(model(x), y)
    loss.backward()
    optimizer.step()
    loss.item()
    out["first_step_s"] = time.perf_counter() - cfg.start


if __name__ == "__main__":
    harness.main(__import__(__name__))
