"""Weights files and .keras files round trip in lamina (Keras interop is tested apart)."""

import json
import os
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from tests.conftest import requires_training


def functional():
    inp = lamina.Input((4,), name="inp")
    hidden = layers.Dense(8, activation="relu")(inp)
    shifted = ops.add(hidden, 1.0)
    out = layers.Dense(2, activation="softmax")(shifted)
    return lamina.Model(inp, out)


def test_keras_file_layout_and_round_trip(tmp_path):
    model = functional()
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
    assert config["class_name"] == "Functional"
    assert [l["class_name"] for l in config["config"]["layers"]] == [
        "InputLayer", "Dense", "Add", "Dense"]
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               rtol=1e-6)


def test_same_model_saves_same_config_bytes(tmp_path):
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])
    model.save(tmp_path / "a.keras")
    model.save(tmp_path / "b.keras")
    read = lambda p: zipfile.ZipFile(p).read("config.json")  # noqa: E731
    assert read(tmp_path / "a.keras") == read(tmp_path / "b.keras")


def test_weights_load_by_path_into_model_built_another_way(tmp_path):
    a = lamina.Sequential([lamina.Input((3,)), layers.Dense(4), layers.Dense(1)])
    a.save_weights(tmp_path / "w.weights.h5")
    inp = lamina.Input((3,))
    b = lamina.Model(inp, layers.Dense(1)(layers.Dense(4)(inp)))
    b.load_weights(tmp_path / "w.weights.h5")
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)


def test_shape_mismatch_names_layer_and_changes_nothing(tmp_path):
    a = lamina.Sequential([lamina.Input((3,)), layers.Dense(4), layers.Dense(1)])
    a.save_weights(tmp_path / "w.weights.h5")
    b = lamina.Sequential([lamina.Input((3,)), layers.Dense(4), layers.Dense(2)])
    before = b.get_weights()
    with pytest.raises(ValueError, match=r"Shape mismatch for 'dense_3/kernel'.*expects \(4, 2\), "
                       r"the file holds \(4, 1\)"):
        b.load_weights(tmp_path / "w.weights.h5")
    for x, y in zip(before, b.get_weights()):
        np.testing.assert_array_equal(x, y)
    b.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(b.layers[0].get_weights()[0], a.layers[0].get_weights()[0])


def test_bad_extensions():
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match="`.keras` extension"):
        model.save("model.h5")
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        model.save_weights("weights.h5")


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    from lamina.saving import keras_file

    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(1)])
    path = tmp_path / "m.keras"
    model.save(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(keras_file.zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.keras"]


@requires_training
def test_training_resumes_exactly_after_save_and_load(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3)).astype("float32")
    y = (x.sum(-1, keepdims=True) > 0).astype("float32")

    def build():
        lamina.utils.set_random_seed(1)
        model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4, "relu"),
                                   layers.Dense(1, "sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return model

    straight = build()
    straight.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    first = build()
    first.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = lamina.models.load_model(tmp_path / "half.keras")
    resumed.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_layer_assets_travel_in_the_archive(tmp_path):
    if not hasattr(layers, "StringLookup"):
        pytest.skip("lamina.layers has no StringLookup yet")
    lookup = layers.StringLookup()
    lookup.adapt(np.array(["a", "b", "b", "c"]))
    inp = lamina.Input((2,), dtype="string")
    model = lamina.Model(inp, lookup(inp))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        assert "assets/layers/string_lookup/vocabulary.txt" in archive.namelist()
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[1].get_vocabulary() == lookup.get_vocabulary()


def test_weights_file_layout_is_keras(tmp_path):
    import h5py

    inp = lamina.Input((3,), name="x")
    model = lamina.Model(inp, layers.Dense(1, name="out")(layers.Dense(2)(inp)))
    model.save_weights(tmp_path / "w.weights.h5")
    names = []
    with h5py.File(tmp_path / "w.weights.h5") as handle:
        handle.visit(names.append)
        assert handle["layers/dense_1/vars"].attrs["name"] == "out"
    assert sorted(names) == [
        "layers", "layers/dense", "layers/dense/vars", "layers/dense/vars/0",
        "layers/dense/vars/1", "layers/dense_1", "layers/dense_1/vars", "layers/dense_1/vars/0",
        "layers/dense_1/vars/1", "layers/input_layer", "layers/input_layer/vars", "vars"]
