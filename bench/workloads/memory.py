"""Workload 7: memory and reuse over repeated calls: the breast-cancer MLP, 50 × (fit one
epoch, predict the test set) in one process; resident memory before and after."""

import data
import harness
import models

TITLE = "memory, repeated fit/predict"
MEASURES = [
    ("rss_before_mb", "RSS after one warm-up fit+predict", "mb"),
    ("rss_after_mb", "RSS after the repeated calls", "mb"),
    ("rss_growth_pct", "RSS growth", "pct"),
    ("rss_growth_second_half_pct", "RSS growth over the second half of the calls", "pct"),
    ("pair_s", "one fit(1 epoch) + predict", "s"),
    ("loop_compiles", "XLA compiles during the repeated calls (jax)", "count"),
]
MAX_REPEATS = 1  # a growth measure, not a timing: one run is enough


def config(quick):
    return {"calls": 5 if quick else 50, "batch_size": 32}


def describe(cfg):
    return (f"{cfg['calls']} × (fit 1 epoch, batch {cfg['batch_size']}; predict 114 test "
            "samples) after one warm-up pair; RSS from psutil after gc.collect(), also after "
            "half of the calls (growth over the second half separates a one-time cost, such "
            "as torch's tracing machinery imported when lamina first traces a step, from a "
            "leak)")


def _measure(fit, predict, cfg, out):
    fit()
    predict()
    out["rss_before_mb"] = harness.rss_mb()
    counter = harness.CompileCounter(cfg.backend)
    with harness.timed(out, "loop_s"):
        for i in range(cfg.calls):
            fit()
            predict()
            if i + 1 == cfg.calls // 2:  # one-time costs (e.g. an import) vs steady growth
                middle = harness.rss_mb()
    out["loop_compiles"] = counter.count
    out["pair_s"] = out["loop_s"] / cfg.calls
    out["rss_after_mb"] = harness.rss_mb()
    out["rss_growth_pct"] = 100 * (out["rss_after_mb"] / out["rss_before_mb"] - 1)
    out["rss_growth_second_half_pct"] = 100 * (out["rss_after_mb"] / middle - 1)


def keras_program(keras, cfg, out):
    x_train, y_train, x_test, _ = data.breast_cancer()
    keras.utils.set_random_seed(0)
    model = models.breast_cancer_mlp(keras)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    _measure(lambda: model.fit(x_train, y_train, epochs=1, batch_size=cfg.batch_size,
                               verbose=0),
             lambda: model.predict(x_test, verbose=0), cfg, out)


def jax_program(cfg, out):
    import jax

    import hand_jax

    x_train, y_train, x_test, _ = data.breast_cancer()
    state = {"params": hand_jax.mlp_init(jax.random.PRNGKey(0), [30, 16, 8, 1])}
    state["opt"] = hand_jax.adam_init(state["params"])
    step = hand_jax.make_train_step(hand_jax.mlp, "binary")
    forward = jax.jit(hand_jax.probabilities(hand_jax.mlp, "binary"))
    seeds = iter(range(10**6))

    def fit():
        state["params"], state["opt"] = hand_jax.fit(
            step, state["params"], state["opt"], x_train, y_train, cfg.batch_size, 1,
            next(seeds))

    _measure(fit, lambda: hand_jax.predict(forward, state["params"], x_test), cfg, out)


def torch_program(cfg, out):
    import torch

    import hand_torch

    torch.manual_seed(0)
    x_train, y_train, x_test, _ = hand_torch.tensors(*data.breast_cancer())
    model = hand_torch.mlp([30, 16, 8, 1])
    optimizer = hand_torch.adam(model)
    seeds = iter(range(10**6))
    _measure(lambda: hand_torch.fit(model, optimizer, "binary", x_train, y_train,
                                    cfg.batch_size, 1, next(seeds)),
             lambda: hand_torch.predict(model, x_test, "binary"), cfg, out)


if __name__ == "__main__":
    harness.main(__import__(__name__))
