"""Files move both ways between lamina and the real Keras 3 (run in its own process).

Keras runs in a subprocess with KERAS_BACKEND=jax (tests/saving/keras_side.py): one process
builds and saves every case, one loads every lamina-saved file, so Keras is started twice
per session. Predictions are compared with the other side's.
"""

import importlib.util
import json
import os
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers, ops

from tests.conftest import BACKEND, TRAINING_BACKENDS

BACKEND_TRAINS = BACKEND in TRAINING_BACKENDS
HERE = os.path.dirname(os.path.abspath(__file__))
KERAS_SIDE = os.path.join(HERE, "keras_side.py")

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("keras") is None or importlib.util.find_spec("jax") is None,
    reason="the interop tests need the keras package and jax (requirements/dev.txt)",
)


def run_keras(command, directory):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAMINA_", "KERAS_"))}
    env.update(KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONWARNINGS="ignore")
    result = subprocess.run([sys.executable, KERAS_SIDE, command, str(directory)], env=env,
                            capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"Keras side failed ({command}):\n{result.stderr[-4000:]}")


@lamina.saving.register_keras_serializable(package="interop")
class ScaledDense(layers.Layer):
    """The lamina twin of keras_side.ScaledDense (same registered name, same weights)."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")
        self.inner.build(input_shape)

    def call(self, x):
        return self.inner(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Subclassed(lamina.Model):
    """The lamina twin of keras_side.Subclassed."""

    def __init__(self):
        super().__init__()
        self.alpha = layers.Dense(3, activation="relu")
        self.zeta = layers.Dense(2)
        self.blocks = [layers.Dense(3), layers.BatchNormalization()]

    def call(self, x):
        return self.zeta(self.blocks[1](self.blocks[0](self.alpha(x))))


def build_subclassed():
    model = Subclassed()
    x = np.random.default_rng(3).normal(size=(5, 4)).astype("float32")
    model(x)
    return model, x


def needs(*names):
    missing = [n for n in names if not hasattr(lamina.layers, n)]
    if missing:
        pytest.skip(f"lamina.layers has no {', '.join(missing)} yet")


REQUIRED = {"conv_batchnorm": ("Conv2D", "BatchNormalization", "Flatten"),
            "lstm": ("LSTM",), "multi_head_attention": ("MultiHeadAttention",),
            "embedding": ("Embedding", "Flatten"),
            "recurrent_mix": ("Conv1D", "LayerNormalization", "Bidirectional", "GRU",
                              "SimpleRNN", "TimeDistributed", "GlobalAveragePooling1D",
                              "Dropout", "Flatten", "Concatenate", "EinsumDense", "Add"),
            "conv_variants": ("DepthwiseConv2D", "Conv2DTranspose", "MaxPooling2D",
                              "GroupNormalization", "GlobalAveragePooling2D")}
CASES = ["sequential_dense", "functional_dense_ops", "functional_ops",
         "functional_two_outputs", "embedding",
         "custom_layer", "nested_sequential", "conv_batchnorm", "lstm", "multi_head_attention",
         "recurrent_mix", "conv_variants", "functional_slicing",
         "shared_layer_two_inputs"]


def build_lamina(case):
    """The lamina twin of keras_side.build(case)."""
    rng = np.random.default_rng(1)
    if case == "sequential_dense":
        model = lamina.Sequential([lamina.Input((4,)), layers.Dense(8, activation="relu"),
                                   layers.Dense(3, activation="softmax")])
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_dense_ops":
        inp = lamina.Input((4,), name="features")
        h = layers.Dense(5, activation="tanh")(inp)
        h = ops.add(h, 1.0)
        h = h * 2.0
        model = lamina.Model(inp, layers.Dense(2)(h))
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_ops":
        inp = lamina.Input((4,), name="values")
        total = ops.sum(inp, axis=1, keepdims=True)
        joined = ops.tanh(ops.concatenate([total, inp * 0.5], axis=-1))
        out = ops.mean(ops.reshape(joined, (-1, 5, 1)), axis=1)
        model = lamina.Model(inp, layers.Dense(2)(out))
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_two_outputs":
        inp = lamina.Input((4,), name="features")
        a = layers.Dense(3, name="head_a")(inp)
        b = layers.Dense(2, activation="sigmoid", name="head_b")(layers.Dense(4)(inp))
        model = lamina.Model(inp, [a, b])
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "embedding":
        model = lamina.Sequential([lamina.Input((5,), dtype="int32"), layers.Embedding(10, 4),
                                   layers.Flatten(), layers.Dense(2)])
        x = rng.integers(0, 10, size=(6, 5)).astype("int32")
    elif case == "custom_layer":
        inp = lamina.Input((4,))
        model = lamina.Model(inp, ScaledDense(3)(layers.Dense(5)(inp)))
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "nested_sequential":
        inner = lamina.Sequential([layers.Dense(4, activation="relu"), layers.Dense(3)])
        inp = lamina.Input((5,))
        model = lamina.Model(inp, layers.Dense(2)(inner(inp)))
        x = rng.normal(size=(6, 5)).astype("float32")
    elif case == "conv_batchnorm":
        model = lamina.Sequential([lamina.Input((6, 6, 2)),
                                   layers.Conv2D(3, 3, activation="relu"),
                                   layers.BatchNormalization(), layers.Flatten(),
                                   layers.Dense(2)])
        x = rng.normal(size=(4, 6, 6, 2)).astype("float32")
    elif case == "lstm":
        model = lamina.Sequential([lamina.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
        x = rng.normal(size=(4, 5, 3)).astype("float32")
    elif case == "recurrent_mix":
        inp = lamina.Input((8, 3))
        x = layers.Conv1D(4, 3, padding="same")(inp)
        x = layers.LayerNormalization()(x)
        x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
        x = layers.SimpleRNN(3, return_sequences=True)(x)
        x = layers.TimeDistributed(layers.Dense(2))(x)
        a = layers.GlobalAveragePooling1D()(x)
        b = layers.Dropout(0.3)(layers.Flatten()(x))
        out = layers.Concatenate()([a, layers.EinsumDense("ab,bc->ac", output_shape=3)(b)])
        model = lamina.Model(inp, layers.Add()([out, out]))
        x = rng.normal(size=(3, 8, 3)).astype("float32")
    elif case == "conv_variants":
        inp = lamina.Input((8, 8, 2))
        x = layers.DepthwiseConv2D(3, padding="same")(inp)
        x = layers.Conv2DTranspose(3, 2, strides=2)(x)
        x = layers.MaxPooling2D()(x)
        x = layers.GroupNormalization(groups=3)(x)
        model = lamina.Model(inp, layers.GlobalAveragePooling2D()(x))
        x = rng.normal(size=(2, 8, 8, 2)).astype("float32")
    elif case == "functional_slicing":
        inp = lamina.Input((4, 3), name="sequence")
        first = inp[:, 0]
        middle = layers.Flatten()(inp[:, 1:3, ...])
        model = lamina.Model(inp, [layers.Dense(2)(first), middle])
        x = rng.normal(size=(2, 4, 3)).astype("float32")
    elif case == "shared_layer_two_inputs":
        left, right = lamina.Input((4,), name="left"), lamina.Input((4,), name="right")
        shared = layers.Dense(3, activation="tanh")
        merged = layers.Concatenate()([shared(left), shared(right)])
        model = lamina.Model([left, right], layers.Dense(1)(merged))
        x = rng.normal(size=(2, 5, 4)).astype("float32")
    elif case == "multi_head_attention":
        inp = lamina.Input((5, 4))
        model = lamina.Model(inp, layers.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp))
        x = rng.normal(size=(3, 5, 4)).astype("float32")
    else:
        raise ValueError(case)
    return model, x


def feed(model, x):
    """A multi-input case stacks its inputs along the first axis of `x`."""
    return list(x) if len(model.inputs) > 1 else x


def as_list(predictions):
    return list(predictions) if isinstance(predictions, (list, tuple)) else [predictions]


@pytest.fixture(scope="module")
def keras_files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("keras_saved")
    run_keras("save", directory)
    return directory


@pytest.fixture(scope="module")
def keras_loads_lamina_files(tmp_path_factory):
    """Saves every case lamina can build, has Keras load them all; returns the results."""
    directory = tmp_path_factory.mktemp("lamina_saved")
    expected = {}
    for case in CASES:
        if any(not hasattr(lamina.layers, n) for n in REQUIRED.get(case, ())):
            continue
        model, x = build_lamina(case)
        rng = np.random.default_rng(7)
        model.set_weights([rng.uniform(0.1, 0.9, size=w.shape).astype(w.dtype)
                           for w in model.get_weights()])
        if case == "sequential_dense":
            model.compile(optimizer="adam", loss="categorical_crossentropy",
                          metrics=["accuracy"])
            if BACKEND_TRAINS:
                y = np.eye(3, dtype="float32")[np.arange(len(x)) % 3]
                model.fit(x, y, epochs=2, batch_size=3, verbose=0)
                expected["optimizer"] = np.array(
                    [np.asarray(v.value).sum() for v in model.optimizer.variables])
        model.save(directory / f"{case}.keras")
        np.save(directory / f"{case}.x.npy", x)
        expected[case] = as_list(model.predict(feed(model, x), verbose=0))
    subclassed, x = build_subclassed()
    rng = np.random.default_rng(8)
    subclassed.set_weights([rng.uniform(0.1, 0.9, size=w.shape).astype(w.dtype)
                            for w in subclassed.get_weights()])
    subclassed.save_weights(directory / "subclassed.weights.h5")
    expected["subclassed"] = [subclassed.predict(x, verbose=0)]
    run_keras("load", directory)
    report = json.loads((directory / "report.json").read_text())
    return directory, expected, report


@pytest.mark.parametrize("case", CASES)
def test_keras_saved_model_loads_in_lamina(keras_files, case):
    needs(*REQUIRED.get(case, ()))
    data = np.load(keras_files / f"{case}.npz")
    model = lamina.models.load_model(keras_files / f"{case}.keras")
    predictions = as_list(model.predict(feed(model, data["x"]), verbose=0))
    assert len(predictions) == len([k for k in data.files if k.startswith("y")])
    for i, value in enumerate(predictions):
        np.testing.assert_allclose(np.asarray(value), data[f"y{i}"], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_lamina_saved_model_loads_in_keras(keras_loads_lamina_files, case):
    needs(*REQUIRED.get(case, ()))
    directory, expected, report = keras_loads_lamina_files
    assert report[case] == "ok", report[case]
    out = np.load(directory / f"{case}.out.npz")
    assert len(out.files) == len(expected[case])
    for i, value in enumerate(expected[case]):
        np.testing.assert_allclose(out[f"y{i}"], np.asarray(value), rtol=1e-5, atol=1e-5)


def test_subclassed_model_weights_move_both_ways(keras_files, keras_loads_lamina_files):
    model, _ = build_subclassed()
    model.load_weights(keras_files / "subclassed.weights.h5")
    data = np.load(keras_files / "subclassed.npz")
    np.testing.assert_allclose(model.predict(data["x"], verbose=0), data["y0"], rtol=1e-5,
                               atol=1e-5)
    directory, expected, report = keras_loads_lamina_files
    assert report["subclassed"] == "ok", report["subclassed"]
    np.testing.assert_allclose(np.load(directory / "subclassed.out.npy"),
                               expected["subclassed"][0], rtol=1e-5, atol=1e-5)


def test_keras_compile_state_and_optimizer_variables_restored(keras_files):
    model = lamina.models.load_model(keras_files / "sequential_dense.keras")
    assert model.compiled
    assert type(model.optimizer).__name__ == "Adam"
    sums = np.load(keras_files / "sequential_dense.optimizer.npy")
    ours = np.array([np.asarray(v.value if hasattr(v, "value") else v).sum()
                     for v in model.optimizer.variables])
    assert len(ours) == len(sums)
    np.testing.assert_allclose(ours, sums, rtol=1e-5)
    assert int(np.asarray(model.optimizer.iterations.value)) == 4


@pytest.mark.skipif(not BACKEND_TRAINS, reason=f"the {BACKEND} backend does not train")
def test_lamina_optimizer_state_loads_in_keras(keras_loads_lamina_files):
    directory, expected, report = keras_loads_lamina_files
    assert report["sequential_dense"] == "ok", report["sequential_dense"]
    theirs = np.load(directory / "sequential_dense.optimizer.npy")
    assert len(theirs) == len(expected["optimizer"])
    np.testing.assert_allclose(theirs, expected["optimizer"], rtol=1e-5)


def test_keras_weights_file_loads_into_lamina_model(keras_files):
    model, _ = build_lamina("sequential_dense")
    model.load_weights(keras_files / "weights_only.weights.h5")
    ours = np.concatenate([w.ravel() for w in model.get_weights()])
    np.testing.assert_array_equal(ours, np.load(keras_files / "weights_only.npy"))


def test_lamina_config_uses_keras_module_names(tmp_path):
    model, _ = build_lamina("custom_layer")
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
    assert (config["module"], config["class_name"], config["registered_name"]) == (
        "keras.src.models.functional", "Functional", None)
    entries = {l["class_name"]: l for l in config["config"]["layers"]}
    assert (entries["Dense"]["module"], entries["Dense"]["registered_name"]) == (
        "keras.layers", None)
    assert entries["ScaledDense"]["registered_name"] == "interop>ScaledDense"
    assert entries["Dense"]["config"]["dtype"]["class_name"] == "DTypePolicy"
    assert entries["Dense"]["config"]["kernel_initializer"]["module"] == "keras.initializers"
    assert set(metadata) >= {"keras_version", "date_saved"}
    assert metadata["keras_version"].startswith("3.")
