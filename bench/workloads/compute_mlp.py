"""Workload 4: a compute-bound MLP (65,536 × 512 float32 inputs → Dense 1024 relu → 1024 relu
→ 10 softmax, adam, batch 512): throughput against the backend's own matmul peak."""

import time

import data
import harness
import models
import training

TITLE = "compute-bound MLP"
MAX_REPEATS = 2  # about 15 s of arithmetic per run and framework
MEASURES = [
    ("fit_s", "first fit (incl. compile)", "s"),
    ("second_fit_s", "second fit", "s"),
    ("samples_per_s", "throughput (second fit)", "samples/s"),
    ("gflops", "achieved (second fit)", "GFLOP/s"),
    ("peak_gflops", "matmul peak, same process", "GFLOP/s"),
    ("peak_pct", "achieved / peak", "pct"),
    ("accuracy", "test accuracy", "acc"),
]
# Counted at 6 FLOPs per multiply-accumulate per sample (2 forward, 4 backward); biases,
# activations, softmax and the optimizer are left out.
FEATURES, WIDTH, CLASSES = 512, 1024, 10
MACS = FEATURES * WIDTH + WIDTH * WIDTH + WIDTH * CLASSES


def config(quick):
    if quick:
        return {"count": 4096, "epochs": 1, "batch_size": 512, "peak_size": 512,
                "peak_repeats": 3}
    return {"count": 65536, "epochs": 1, "batch_size": 512, "peak_size": 2048,
            "peak_repeats": 10}


def describe(cfg):
    return (f"{cfg['count']:,} × {FEATURES} → {WIDTH} → {WIDTH} → {CLASSES}, adam, batch "
            f"{cfg['batch_size']}, {cfg['epochs']} epoch(s) per fit, fitted twice; GFLOP/s = "
            f"6 × {MACS:,} MACs × samples / second-fit seconds; peak = float32 "
            f"{cfg['peak_size']}² matmul in the backend (jnp.dot under jit / torch.mm), best "
            f"of {cfg['peak_repeats']}")


def matmul_peak(cfg):
    """GFLOP/s of a square float32 matmul in the backend itself (the best of several)."""
    import numpy as np

    a = np.random.default_rng(0).random((cfg.peak_size, cfg.peak_size), dtype=np.float32)
    if cfg.backend == "jax":
        import jax
        import jax.numpy as jnp

        a = jnp.asarray(a)
        dot = jax.jit(jnp.dot)

        def run():
            dot(a, a).block_until_ready()
    else:
        import torch

        a = torch.from_numpy(a)

        def run():
            torch.mm(a, a)
    run()
    best = float("inf")
    for _ in range(cfg.peak_repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return 2 * cfg.peak_size ** 3 / best / 1e9


def _throughput(cfg, out):
    out["samples_per_s"] = cfg.count * cfg.epochs / out["second_fit_s"]
    out["gflops"] = out["samples_per_s"] * 6 * MACS / 1e9
    out["peak_pct"] = 100 * out["gflops"] / out["peak_gflops"]


def keras_program(keras, cfg, out):
    out["peak_gflops"] = matmul_peak(cfg)
    arrays = data.wide(cfg.count, FEATURES, CLASSES)
    keras.utils.set_random_seed(0)
    training.keras_fits(keras, models.wide_mlp(keras, FEATURES, WIDTH, CLASSES), arrays, cfg,
                        out, "sparse_categorical_crossentropy")
    _throughput(cfg, out)


def jax_program(cfg, out):
    import hand_jax

    out["peak_gflops"] = matmul_peak(cfg)
    sizes = [FEATURES, WIDTH, WIDTH, CLASSES]
    training.jax_fits(lambda key: hand_jax.mlp_init(key, sizes), hand_jax.mlp, "categorical",
                      data.wide(cfg.count, FEATURES, CLASSES), cfg, out)
    _throughput(cfg, out)


def torch_program(cfg, out):
    import torch

    import hand_torch

    out["peak_gflops"] = matmul_peak(cfg)
    torch.manual_seed(0)
    training.torch_fits(hand_torch.mlp([FEATURES, WIDTH, WIDTH, CLASSES]), "categorical",
                        data.wide(cfg.count, FEATURES, CLASSES), cfg, out)
    _throughput(cfg, out)


if __name__ == "__main__":
    harness.main(__import__(__name__))
