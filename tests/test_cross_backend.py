"""The same models on every backend: identical initial weights for a seed, equal predictions
for equal weights, and (jax and torch) the same loss curve for a short fit without dropout.

The backend is fixed per process, so a small program runs once per backend in a subprocess
(LAMINA_BACKEND set) and writes its numbers to an .npz file; the test compares the files.
It runs in the jax suite run only (the other runs skip it), so that CI pays for it once.
"""

import importlib.util
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina

if lamina.backend.backend() != "jax":
    pytest.skip("cross-backend comparison runs in the jax suite run", allow_module_level=True)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BACKENDS = ("jax", "torch", "numpy")
MODELS = ("mlp", "conv_bn", "lstm", "embedding_pool", "attention")

PROGRAM = textwrap.dedent('''
    import sys
    import numpy as np
    import lamina
    from lamina import layers

    out_path, trains = sys.argv[1], sys.argv[2] == "1"
    rng = np.random.default_rng(0)
    DATA = {
        "mlp": (rng.standard_normal((32, 6)), rng.standard_normal((32, 2))),
        "conv_bn": (rng.standard_normal((32, 6, 6, 2)), rng.integers(0, 3, 32)),
        "lstm": (rng.standard_normal((32, 5, 3)), rng.standard_normal((32, 1))),
        "embedding_pool": (rng.integers(0, 20, (32, 7)), rng.integers(0, 2, (32, 1))),
        "attention": (rng.standard_normal((32, 5, 8)), rng.standard_normal((32, 1))),
    }


    def build(name):
        if name == "mlp":
            return lamina.Sequential([lamina.Input((6,)), layers.Dense(8, activation="relu"),
                                      layers.Dense(2)]), "mse"
        if name == "conv_bn":
            return lamina.Sequential([
                lamina.Input((6, 6, 2)), layers.Conv2D(4, 3, padding="same"),
                layers.BatchNormalization(), layers.Activation("relu"), layers.MaxPooling2D(),
                layers.Flatten(), layers.Dense(3, activation="softmax"),
            ]), "sparse_categorical_crossentropy"
        if name == "lstm":
            return lamina.Sequential([lamina.Input((5, 3)), layers.LSTM(4),
                                      layers.Dense(1)]), "mse"
        if name == "embedding_pool":
            return lamina.Sequential([
                lamina.Input((7,), dtype="int32"), layers.Embedding(20, 4),
                layers.GlobalAveragePooling1D(), layers.Dense(1, activation="sigmoid"),
            ]), "binary_crossentropy"
        inputs = lamina.Input((5, 8))
        attended = layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
        outputs = layers.Dense(1)(layers.GlobalAveragePooling1D()(attended))
        return lamina.Model(inputs, outputs), "mse"


    def inputs(name):
        x, y = DATA[name]
        x = x.astype("int32") if name == "embedding_pool" else x.astype("float32")
        y = y.astype("int32") if name == "conv_bn" else y.astype("float32")
        return x, y


    results = {}
    for name in %(models)r:
        x, y = inputs(name)
        lamina.utils.set_random_seed(11)
        model, loss = build(name)
        for i, weight in enumerate(model.get_weights()):
            results[f"{name}/init/{i}"] = np.asarray(weight)
        # Weights that do not depend on the backend's initializers, for the predictions.
        weights_rng = np.random.default_rng(1)
        fixed = []
        for variable in model.weights:
            low, high = (0.5, 1.5) if "variance" in variable.path else (-0.4, 0.4)
            fixed.append(weights_rng.uniform(low, high, variable.shape).astype(variable.dtype))
        model.set_weights(fixed)
        results[f"{name}/predict"] = np.asarray(model.predict(x, verbose=0))
        if trains:
            lamina.utils.set_random_seed(11)
            model, loss = build(name)
            model.compile(optimizer=lamina.optimizers.Adam(0.01), loss=loss)
            history = model.fit(x, y, batch_size=16, epochs=5, shuffle=False, verbose=0)
            results[f"{name}/loss"] = np.asarray(history.history["loss"])
    np.savez(out_path, **results)
''')


def _importable(module):
    return importlib.util.find_spec(module) is not None


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """`{backend: {key: array}}` for each backend whose package is installed."""
    folder = tmp_path_factory.mktemp("cross_backend")
    script = folder / "program.py"
    script.write_text(PROGRAM % {"models": MODELS})
    running = {}
    for backend in BACKENDS:
        if backend != "numpy" and not _importable(backend):
            continue
        env = dict(os.environ, LAMINA_BACKEND=backend, OMP_NUM_THREADS="1",
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("KERAS_BACKEND", None)
        out = folder / f"{backend}.npz"
        running[backend] = (out, subprocess.Popen(
            [sys.executable, str(script), str(out), "1" if backend != "numpy" else "0"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    found = {}
    for backend, (out, process) in running.items():
        output, _ = process.communicate(timeout=600)
        if process.returncode != 0:
            pytest.fail(f"the {backend} program failed:\n{output[-4000:]}")
        with np.load(out) as data:
            found[backend] = {key: data[key] for key in data.files}
    return found


def _pair(results, other):
    if other not in results:
        pytest.skip(f"the {other} backend is not installed")
    return results["jax"], results[other]


@pytest.mark.parametrize("other", ["torch", "numpy"])
@pytest.mark.parametrize("model", MODELS)
def test_initial_weights_are_identical(results, model, other):
    reference, values = _pair(results, other)
    keys = sorted(k for k in reference if k.startswith(f"{model}/init/"))
    assert keys and keys == sorted(k for k in values if k.startswith(f"{model}/init/"))
    for key in keys:
        np.testing.assert_array_equal(values[key], reference[key], err_msg=f"{other}: {key}")


@pytest.mark.parametrize("other", ["torch", "numpy"])
@pytest.mark.parametrize("model", MODELS)
def test_predictions_agree(results, model, other):
    reference, values = _pair(results, other)
    key = f"{model}/predict"
    np.testing.assert_allclose(values[key], reference[key], rtol=1e-4, atol=1e-5,
                               err_msg=f"{other}: {key}")


@pytest.mark.parametrize("model", MODELS)
def test_loss_curves_agree_on_jax_and_torch(results, model):
    reference, values = _pair(results, "torch")
    key = f"{model}/loss"
    assert reference[key].shape == (5,)
    assert reference[key][-1] < reference[key][0]
    np.testing.assert_allclose(values[key], reference[key], rtol=1e-4, err_msg=key)
