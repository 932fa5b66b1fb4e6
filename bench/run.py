"""Side-by-side benchmarks: lamina vs Keras 3 vs a hand-written loop, same machine, same run.

Each workload runs in a fresh subprocess per framework (so imports and compilation are
counted fairly and frameworks never share a process), several times; the report gives
medians and the ratios lamina/Keras and lamina/hand-written, written to bench/RESULTS.md and
bench/results.json. Keras 3 runs only where it is importable (`pip install keras`); its
absence is reported, not hidden.

Usage:
    python bench/run.py [--repeats N] [--only NAME ...] [--backend jax]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# Each workload is a program per framework printing one JSON line with its timings.
BREAST_CANCER_DATA = """
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
x, y = load_breast_cancer(return_X_y=True)
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42, stratify=y)
scaler = StandardScaler().fit(x_train)
x_train = scaler.transform(x_train).astype("float32"); x_test = scaler.transform(x_test).astype("float32")
y_train = y_train.astype("float32"); y_test = y_test.astype("float32")
"""

KERAS_LIKE_MLP = """
import time, json
start_import = time.perf_counter()
import {module} as keras
import_seconds = time.perf_counter() - start_import
{data}
keras.utils.set_random_seed(0)
model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(16, activation="relu"),
                          keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
t = time.perf_counter()
model.fit(x_train, y_train, epochs=100, batch_size=32, validation_split=0.1, verbose=0)
first_fit = time.perf_counter() - t
t = time.perf_counter()
model.fit(x_train, y_train, epochs=100, batch_size=32, validation_split=0.1, verbose=0)
second_fit = time.perf_counter() - t
loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
one = x_test[:1]
model.predict(one, verbose=0)
t = time.perf_counter()
for _ in range(20):
    model.predict(one, verbose=0)
predict_one = (time.perf_counter() - t) / 20
many = np.repeat(x_test, 10, axis=0)[:1000]
model.predict(many, verbose=0)
t = time.perf_counter()
for _ in range(5):
    model.predict(many, verbose=0)
predict_1000 = (time.perf_counter() - t) / 5
model(one)
t = time.perf_counter()
for _ in range(50):
    model(one)
call_one = (time.perf_counter() - t) / 50
print(json.dumps({{"import_s": import_seconds, "fit_s": first_fit, "second_fit_s": second_fit,
                  "accuracy": float(accuracy), "predict_1_s": predict_one,
                  "predict_1000_s": predict_1000, "call_1_s": call_one}}))
"""

JAX_HAND_MLP = """
import time, json
import numpy as np
start_import = time.perf_counter()
import jax, jax.numpy as jnp
import_seconds = time.perf_counter() - start_import
{data}

def init(key, sizes):
    params = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        key, sub = jax.random.split(key)
        limit = np.sqrt(6 / (a + b))
        params.append((jax.random.uniform(sub, (a, b), minval=-limit, maxval=limit), jnp.zeros(b)))
    return params

def forward(params, x):
    for w, b in params[:-1]:
        x = jax.nn.relu(x @ w + b)
    w, b = params[-1]
    return jax.nn.sigmoid(x @ w + b)[:, 0]

def loss_fn(params, x, y):
    p = jnp.clip(forward(params, x), 1e-7, 1 - 1e-7)
    return -jnp.mean(y * jnp.log(p) + (1 - y) * jnp.log(1 - p))

def adam_init(params):
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    return (zeros, zeros, 0)

@jax.jit
def step(params, opt, x, y):
    m, v, t = opt
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    t = t + 1
    m = jax.tree_util.tree_map(lambda m, g: 0.9 * m + 0.1 * g, m, grads)
    v = jax.tree_util.tree_map(lambda v, g: 0.999 * v + 0.001 * g * g, v, grads)
    lr = 1e-3 * jnp.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
    params = jax.tree_util.tree_map(lambda p, m, v: p - lr * m / (jnp.sqrt(v) + 1e-7), params, m, v)
    return params, (m, v, t), loss

@jax.jit
def evaluate(params, x, y):
    p = forward(params, x)
    return loss_fn(params, x, y), jnp.mean((p > 0.5) == (y > 0.5))

def fit(params, opt):
    n = int(len(x_train) * 0.9)
    xt, yt, xv, yv = x_train[:n], y_train[:n], x_train[n:], y_train[n:]
    rng = np.random.default_rng(0)
    for epoch in range(100):
        order = rng.permutation(n)
        for start in range(0, n, 32):
            idx = order[start:start + 32]
            params, opt, loss = step(params, opt, xt[idx], yt[idx])
        float(loss)
        evaluate(params, xv, yv)[0].block_until_ready()
    return params, opt

params = init(jax.random.PRNGKey(0), [30, 16, 8, 1])
opt = adam_init(params)
t = time.perf_counter()
params, opt = fit(params, opt)
first_fit = time.perf_counter() - t
t = time.perf_counter()
params, opt = fit(params, opt)
second_fit = time.perf_counter() - t
loss, accuracy = evaluate(params, x_test, y_test)
fwd = jax.jit(forward)
one = x_test[:1]
fwd(params, one).block_until_ready()
t = time.perf_counter()
for _ in range(50):
    np.asarray(fwd(params, one))
predict_one = (time.perf_counter() - t) / 50
print(json.dumps({{"import_s": import_seconds, "fit_s": first_fit, "second_fit_s": second_fit,
                  "accuracy": float(accuracy), "predict_1_s": predict_one,
                  "predict_1000_s": None, "call_1_s": predict_one}}))
"""

WORKLOADS = {
    "breast_cancer_mlp": {
        "lamina": KERAS_LIKE_MLP.format(module="lamina", data=BREAST_CANCER_DATA),
        "keras": KERAS_LIKE_MLP.format(module="keras", data=BREAST_CANCER_DATA),
        "hand": JAX_HAND_MLP.format(data=BREAST_CANCER_DATA),
    },
}


def run_program(source, backend):
    env = dict(os.environ, LAMINA_BACKEND=backend, KERAS_BACKEND=backend,
               PYTHONPATH=os.path.dirname(HERE))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], capture_output=True,
                         text=True, env=env, timeout=1800)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--backend", default="jax")
    args = parser.parse_args()
    results = {}
    for name, programs in WORKLOADS.items():
        if args.only and name not in args.only:
            continue
        results[name] = {}
        for framework, source in programs.items():
            runs = [run_program(source, args.backend) for _ in range(args.repeats)]
            errors = [r["error"] for r in runs if "error" in r]
            good = [r for r in runs if "error" not in r]
            if not good:
                results[name][framework] = {"error": errors[0]}
                print(f"{name} / {framework}: unavailable ({errors[0]})", flush=True)
                continue
            summary = {key: median([r[key] for r in good]) for key in good[0]}
            results[name][framework] = summary
            print(f"{name} / {framework}: {summary}", flush=True)
    write_report(results, args)


def fmt(value, unit="s"):
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s" if value >= 0.1 else f"{value * 1e3:.2f} ms"
    return f"{value:.2f}×"


def write_report(results, args):
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump({"machine": platform.platform(), "python": platform.python_version(),
                   "date": time.strftime("%Y-%m-%d"), "backend": args.backend,
                   "repeats": args.repeats, "results": results}, f, indent=2)
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores; backend {args.backend}; "
        f"medians of {args.repeats} runs, each in a fresh process. Generated by "
        "`python bench/run.py`.",
        "",
        "| workload | measure | lamina | Keras 3 | hand-written | lamina/Keras | lamina/hand |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, by_framework in results.items():
        lam = by_framework.get("lamina", {})
        ker = by_framework.get("keras", {})
        hand = by_framework.get("hand", {})
        for key in ("fit_s", "second_fit_s", "predict_1_s", "predict_1000_s", "call_1_s",
                    "import_s", "accuracy"):
            if key not in lam:
                continue
            unit = "" if key == "accuracy" else "s"
            cell = (lambda d: "—" if d.get(key) is None else (
                f"{d[key]:.4f}" if unit == "" else fmt(d[key])))
            lines.append(
                f"| {name} | {key} | {cell(lam)} | {cell(ker) if 'error' not in ker else 'n/a'} | "
                f"{cell(hand) if 'error' not in hand else 'n/a'} | "
                f"{fmt(ratio(lam.get(key), ker.get(key)), 'x') if unit else '—'} | "
                f"{fmt(ratio(lam.get(key), hand.get(key)), 'x') if unit else '—'} |")
        for framework, data in by_framework.items():
            if "error" in data:
                lines.append(f"\n{name}: {framework} unavailable: `{data['error']}`")
    lines.append("")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
