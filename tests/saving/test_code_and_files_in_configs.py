"""What a file may run or read once the user turns safe mode off, and only then: a Lambda's
function saved as source text, and a lookup layer's vocabulary file. Keras' marshalled
bytecode is never unmarshalled, in any mode."""

import base64
import json
import marshal
import zipfile

import numpy as np
import pytest

import lamina
from lamina import layers, ops
from lamina.layers.core.lambda_layer import CAPTURED, SOURCE

OFFSET = 0.5  # a module global a saved lambda reads


def members_of(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rewrite(path, target, edit):
    members = members_of(path)
    config = json.loads(members["config.json"])
    edit(config)
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def lambda_entry(config, name):
    return next(layer for layer in config["config"]["layers"] if layer["config"]["name"] == name)


@pytest.fixture
def unsafe_flag_restored(monkeypatch):
    monkeypatch.setitem(lamina.config._STATE, "unsafe_deserialization", False)


def x34():
    return np.linspace(-1.0, 1.0, 12, dtype="float32").reshape(3, 4)


# -- Lambda: source text, loaded with safe mode off ---------------------------------------------


def test_lambda_is_saved_as_its_source_with_captured_values(tmp_path):
    scale = 3.0
    inp = lamina.Input((4,))
    model = lamina.Model(inp, layers.Lambda(lambda x: x * scale + OFFSET, name="scaled")(inp))
    config = model.layers[1].get_config()["function"]
    assert config["class_name"] == "__lambda__"
    assert config["config"][SOURCE] == "lambda x: x * scale + OFFSET"
    assert config["config"][CAPTURED] == {"OFFSET": 0.5, "scale": 3.0}
    assert "code" not in config["config"]  # no bytecode is written
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Python code stored in the file.*safe_mode=False"):
        lamina.models.load_model(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), x34() * 3.0 + 0.5, rtol=1e-6)


def test_def_function_using_ops_loads_with_safe_mode_off(tmp_path):
    @staticmethod  # a decorator: it must not be part of the stored source
    def soft_double(x, power=2):
        y = ops.relu(x)
        return y * power

    function = soft_double.__func__
    inp = lamina.Input((4,))
    model = lamina.Model(inp, layers.Lambda(function, arguments={"power": 3})(inp))
    source = model.layers[1].get_config()["function"]["config"][SOURCE]
    assert source.startswith("def soft_double(x, power=2):") and "staticmethod" not in source
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), np.maximum(x34(), 0) * 3,
                               rtol=1e-6)


def test_two_lambdas_on_one_line_keep_their_own_source(tmp_path):
    inp = lamina.Input((4,))
    out = layers.Lambda(lambda x: x + 1.0)(layers.Lambda(lambda x: x * 2.0)(inp))
    model = lamina.Model(inp, out)
    sources = [l.get_config()["function"]["config"][SOURCE] for l in model.layers[1:]]
    assert sources == ["lambda x: x * 2.0", "lambda x: x + 1.0"]
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras", safe_mode=False)
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), x34() * 2.0 + 1.0, rtol=1e-6)


def test_output_shape_function_and_custom_objects_are_available_to_the_source(tmp_path):
    def helper(x):
        return x - 1.0

    inp = lamina.Input((4,))
    layer = layers.Lambda(lambda x: helper(x)[:, :2], output_shape=lambda s: (s[0], 2))
    model = lamina.Model(inp, layer(inp))
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras", safe_mode=False,
                                      custom_objects={"helper": helper})
    assert loaded.outputs[0].shape == (None, 2)
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), x34()[:, :2] - 1.0)


def test_enable_unsafe_deserialization_allows_source(tmp_path, unsafe_flag_restored):
    inp = lamina.Input((4,))
    lamina.Model(inp, layers.Lambda(lambda x: x * 2.0)(inp)).save(tmp_path / "m.keras")
    lamina.config.enable_unsafe_deserialization()
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), 2 * x34())


def test_from_config_fails_closed_outside_a_load():
    config = layers.Lambda(lambda x: x * 2.0, name="twice").get_config()
    with pytest.raises(ValueError, match="Python code stored in the file"):
        layers.Lambda.from_config(config)
    assert float(layers.Lambda.from_config(config, safe_mode=False)(np.ones(1, "float32"))[0]) \
        == 2.0
    entry = lamina.saving.serialize_keras_object(layers.Lambda(lambda x: x * 2.0))
    with pytest.raises(ValueError, match="Python code"):
        lamina.saving.deserialize_keras_object(entry)
    rebuilt = lamina.saving.deserialize_keras_object(entry, safe_mode=False)
    assert float(rebuilt(np.ones(1, "float32"))[0]) == 2.0


def test_source_never_runs_in_safe_mode(tmp_path):
    sentinel = tmp_path / "ran"
    inp = lamina.Input((4,))
    model = lamina.Model(inp, layers.Lambda(lambda x: x, name="quiet")(inp))
    model.save(tmp_path / "m.keras")
    hostile = f"lambda x: (open({str(sentinel)!r}, 'w'), x)[1]"
    path = rewrite(tmp_path / "m.keras", tmp_path / "hostile.keras", lambda c: lambda_entry(
        c, "quiet")["config"]["function"]["config"].update({SOURCE: hostile}))
    with pytest.raises(ValueError, match="Python code stored in the file"):
        lamina.models.load_model(path)
    assert not sentinel.exists()


def test_source_cannot_turn_safe_mode_off_inside_a_safe_load(tmp_path):
    inp = lamina.Input((4,))
    model = lamina.Model(inp, layers.Lambda(lambda x: x, name="quiet")(inp))
    model.save(tmp_path / "m.keras")
    # Even an unsafe load of this file cannot start another load with safe mode off from
    # inside a safe one; and a safe load never reaches the source.
    source = "lambda x: (lamina.config.enable_unsafe_deserialization(), x)[1]"
    path = rewrite(tmp_path / "m.keras", tmp_path / "hostile.keras", lambda c: lambda_entry(
        c, "quiet")["config"]["function"]["config"].update({SOURCE: source}))
    with pytest.raises(ValueError, match="Python code stored in the file"):
        lamina.models.load_model(path)
    assert not lamina.config.unsafe_deserialization_enabled()


def test_keras_bytecode_is_refused_even_with_safe_mode_off(tmp_path):
    inp = lamina.Input((4,))
    lamina.Model(inp, layers.Lambda(lambda x: x, name="from_keras")(inp)).save(
        tmp_path / "m.keras")
    code = compile("lambda x: x * 10.0", "<keras>", "eval").co_consts[0]
    keras_function = {"class_name": "__lambda__", "config": {
        "code": base64.b64encode(marshal.dumps(code)).decode(), "defaults": None,
        "closure": None}}
    path = rewrite(tmp_path / "m.keras", tmp_path / "keras.keras", lambda c: lambda_entry(
        c, "from_keras")["config"].update(function=keras_function))
    for safe_mode in (True, False):
        with pytest.raises(ValueError, match="never unmarshals bytecode.*custom_objects"):
            lamina.models.load_model(path, safe_mode=safe_mode)
    # The user supplies the function under the layer's name: it loads, in safe mode.
    loaded = lamina.models.load_model(path, custom_objects={"from_keras": lambda x: x * 10.0})
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), 10 * x34(), rtol=1e-6)


def test_registered_functions_are_saved_by_name_and_load_in_safe_mode(tmp_path):
    inp = lamina.Input((4,))
    model = lamina.Model(inp, layers.Lambda(ops.relu)(inp))
    assert model.layers[1].get_config()["function"]["class_name"] == "function"
    model.save(tmp_path / "m.keras")
    loaded = lamina.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x34(), verbose=0), np.maximum(x34(), 0))


# -- vocabulary files ------------------------------------------------------------------------------


def vocabulary_file_model(tmp_path, layer, shape):
    vocabulary = tmp_path / "vocab.txt"
    vocabulary.write_text("red\ngreen\nblue\n", encoding="utf-8")
    inp = lamina.Input(shape, dtype="string")
    model = lamina.Model(inp, layer(inp))
    model.save(tmp_path / "m.keras")
    name = model.layers[1].name
    return rewrite(tmp_path / "m.keras", tmp_path / "file.keras", lambda c: lambda_entry(
        c, name)["config"].update(vocabulary=str(vocabulary)))


@pytest.mark.parametrize("make, shape, tokens, expected", [
    (lambda: layers.StringLookup(vocabulary=["a"]), (3,), [["blue", "red", "pink"]],
     [3, 1, 0]),
    (lambda: layers.TextVectorization(vocabulary=["a"], output_sequence_length=3), (1,),
     [["blue red pink"]], [4, 2, 1]),
], ids=["StringLookup", "TextVectorization"])
def test_vocabulary_file_is_read_only_with_safe_mode_off(tmp_path, make, shape, tokens,
                                                          expected):
    path = vocabulary_file_model(tmp_path, make(), shape)
    with pytest.raises(ValueError, match="vocabulary file.*safe_mode=False"):
        lamina.models.load_model(path)
    loaded = lamina.models.load_model(path, safe_mode=False)
    # (string tensors exist inside the lookup layers only: call the layer itself)
    got = np.asarray(loaded.layers[1](np.array(tokens))).reshape(-1)
    np.testing.assert_array_equal(got, expected)
    assert loaded.layers[1].get_vocabulary()[-3:] == ["red", "green", "blue"]


def test_integer_lookup_vocabulary_file_with_safe_mode_off(tmp_path):
    vocabulary = tmp_path / "ids.txt"
    vocabulary.write_text("10\n20\n30\n", encoding="utf-8")
    inp = lamina.Input((3,), dtype="int64")
    model = lamina.Model(inp, layers.IntegerLookup(vocabulary=[1], name="ids")(inp))
    model.save(tmp_path / "m.keras")
    path = rewrite(tmp_path / "m.keras", tmp_path / "file.keras", lambda c: lambda_entry(
        c, "ids")["config"].update(vocabulary=str(vocabulary)))
    with pytest.raises(ValueError, match="vocabulary file"):
        lamina.models.load_model(path)
    loaded = lamina.models.load_model(path, safe_mode=False)
    got = lamina.ops.convert_to_numpy(loaded(np.array([[30, 10, 99]], "int64")))
    np.testing.assert_array_equal(got, [[3, 1, 0]])
