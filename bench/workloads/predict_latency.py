"""Workload 5: inference latency of the breast-cancer MLP: `predict` of 1 and of 1,000
samples, an eager `model(x)` call, and `predict` on batch sizes not seen before (3, then 5)."""

import numpy as np

import data
import harness
import models

TITLE = "predict latency"
MEASURES = [
    ("predict_first_s", "first predict, 1 sample (incl. compile)", "s"),
    ("predict_1_s", "predict, 1 sample", "s"),
    ("predict_1000_s", "predict, 1,000 samples", "s"),
    ("call_1_s", "model(x), 1 sample, to NumPy", "s"),
    ("predict_3_first_s", "first predict of 3 samples", "s"),
    ("predict_5_first_s", "then first predict of 5 samples", "s"),
    ("new_size_compiles", "XLA compiles during those two (jax)", "count"),
]


def config(quick):
    return {"repeats": 5 if quick else 200, "repeats_1000": 2 if quick else 20}


def describe(cfg):
    return (f"the breast-cancer MLP, untrained; means of {cfg['repeats']} calls (1 sample) and "
            f"{cfg['repeats_1000']} calls (1,000 samples, default batch size 32) after a "
            "warm-up call; hand-written: the jitted forward (jax) / the module under no_grad "
            "(torch) over batches of 32, and its `model(x)` is the same jitted forward (jax) "
            "/ a plain module call (torch)")


def _inputs():
    x_test = data.breast_cancer()[2]
    return x_test[:1], np.resize(x_test, (1000, x_test.shape[1])), x_test[:3], x_test[:5]


def _measure(predict, call, cfg, out):
    one, many, three, five = _inputs()
    with harness.timed(out, "predict_first_s"):
        predict(one)
    out["predict_1_s"] = harness.mean_seconds(lambda: predict(one), cfg.repeats)
    predict(many)
    out["predict_1000_s"] = harness.mean_seconds(lambda: predict(many), cfg.repeats_1000)
    call(one)
    out["call_1_s"] = harness.mean_seconds(lambda: call(one), cfg.repeats)
    counter = harness.CompileCounter(cfg.backend)
    with harness.timed(out, "predict_3_first_s"):
        predict(three)
    with harness.timed(out, "predict_5_first_s"):
        predict(five)
    out["new_size_compiles"] = counter.count


def keras_program(keras, cfg, out):
    keras.utils.set_random_seed(0)
    model = models.breast_cancer_mlp(keras)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    _measure(lambda x: model.predict(x, verbose=0),
             lambda x: keras.ops.convert_to_numpy(model(x)), cfg, out)


def jax_program(cfg, out):
    import jax

    import hand_jax

    params = hand_jax.mlp_init(jax.random.PRNGKey(0), [30, 16, 8, 1])
    forward = jax.jit(hand_jax.probabilities(hand_jax.mlp, "binary"))
    _measure(lambda x: hand_jax.predict(forward, params, x),
             lambda x: np.asarray(forward(params, x)), cfg, out)


def torch_program(cfg, out):
    import torch

    import hand_torch

    torch.manual_seed(0)
    model = hand_torch.mlp([30, 16, 8, 1])
    _measure(lambda x: hand_torch.predict(model, torch.from_numpy(x), "binary"),
             lambda x: torch.sigmoid(model(torch.from_numpy(x))).detach().numpy(), cfg, out)


if __name__ == "__main__":
    harness.main(__import__(__name__))
