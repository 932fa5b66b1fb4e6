"""IntegerLookup and StringLookup: vocabularies, OOV and mask handling, encodings."""

import json
import math

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training

DATA = np.array([["a", "c", "d"], ["d", "z", "b"]])


def out(layer, x):
    return np.asarray(layer(x))


def test_string_lookup_with_vocabulary():
    layer = layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    result = out(layer, DATA)
    np.testing.assert_array_equal(result, [[1, 3, 4], [4, 0, 2]])
    assert result.dtype == np.int64
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c", "d"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["a", "b", "c", "d"]
    assert layer.vocabulary_size() == 5
    # A vocabulary that already starts with the special tokens is taken as is.
    same = layers.StringLookup(vocabulary=["[UNK]", "a", "b", "c", "d"])
    np.testing.assert_array_equal(out(same, DATA), result)
    # Byte strings and lists work too.
    np.testing.assert_array_equal(out(layer, np.array([b"a", b"q"])), [1, 0])
    np.testing.assert_array_equal(out(layer, ["d"]), [4])


def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = layers.StringLookup()
    layer.adapt(DATA)
    # "d" appears twice; the others once, ordered from high to low.
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    np.testing.assert_array_equal(out(layer, DATA), [[5, 3, 1], [1, 2, 4]])
    limited = layers.StringLookup(max_tokens=3)
    limited.adapt(DATA)
    assert limited.get_vocabulary() == ["[UNK]", "d", "z"]
    batched = layers.StringLookup()
    batched.adapt(iter([DATA[:1], DATA[1:]]))
    assert batched.get_vocabulary() == layer.get_vocabulary()


def test_mask_and_oov_indices():
    layer = layers.StringLookup(vocabulary=["a", "b", "c", "d"], mask_token="")
    np.testing.assert_array_equal(out(layer, np.array([["a", "", "z"]])), [[2, 0, 1]])
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "b", "c", "d"]
    two_oov = layers.StringLookup(vocabulary=["a", "b", "c", "d"], num_oov_indices=2)
    result = out(two_oov, np.array(["a", "z", "q", "z"]))
    assert result[0] == 2 and set(result[1:]) <= {0, 1} and result[1] == result[3]
    strict = layers.StringLookup(vocabulary=["a", "b"], num_oov_indices=0)
    np.testing.assert_array_equal(out(strict, np.array(["b", "a"])), [1, 0])
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(np.array(["zz"]))
    with pytest.raises(ValueError, match="repeated"):
        layers.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="mask token"):
        layers.StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match="larger than the maximum"):
        layers.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3)


def test_integer_lookup_vocabulary_adapt_and_oov():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    np.testing.assert_array_equal(out(layer, data), [[1, 3, 4], [4, 0, 2]])
    assert layer.get_vocabulary() == [-1, 12, 36, 1138, 42]
    adapted = layers.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    masked = layers.IntegerLookup(vocabulary=[12, 36], mask_token=0)
    np.testing.assert_array_equal(out(masked, np.array([[12, 0, 7]])), [[2, 0, 1]])
    floormod = layers.IntegerLookup(vocabulary=[12, 36], num_oov_indices=3)
    # OOV value v goes to index v mod 3.
    np.testing.assert_array_equal(out(floormod, np.array([12, 7, 8, 9, 36])), [3, 1, 2, 0, 4])
    strict = layers.IntegerLookup(vocabulary=[1, 2], num_oov_indices=0)
    with pytest.raises(ValueError, match="num_oov_indices=0"):
        strict(np.array([3]))


def test_invert_round_trips():
    strings = layers.StringLookup(vocabulary=["a", "b", "c", "d"])
    inverse = layers.StringLookup(vocabulary=["a", "b", "c", "d"], invert=True)
    np.testing.assert_array_equal(out(inverse, out(strings, DATA)),
                                  [["a", "c", "d"], ["d", "[UNK]", "b"]])
    ints = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    np.testing.assert_array_equal(out(ints, np.array([[1, 3, 4], [4, 0, 2], [9, 9, 9]])),
                                  [[12, 1138, 42], [42, -1, 36], [-1, -1, -1]])
    masked = layers.IntegerLookup(vocabulary=[5, 6], mask_token=0, invert=True)
    np.testing.assert_array_equal(out(masked, np.array([0, 1, 2, 3])), [0, -1, 5, 6])
    with pytest.raises(ValueError, match="invert"):
        layers.StringLookup(vocabulary=["a"], invert=True, output_mode="one_hot")


def test_encoded_output_modes():
    vocab = ["a", "b", "c", "d"]
    one_hot = out(layers.StringLookup(vocabulary=vocab, output_mode="one_hot"),
                  np.array(["a", "b", "c", "d", "z"]))
    np.testing.assert_array_equal(one_hot, np.eye(5)[[1, 2, 3, 4, 0]])
    multi = out(layers.StringLookup(vocabulary=vocab, output_mode="multi_hot"), DATA)
    np.testing.assert_array_equal(multi, [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    count = out(layers.StringLookup(vocabulary=vocab, output_mode="count"),
                np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))
    np.testing.assert_array_equal(count, [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    padded = out(layers.StringLookup(vocabulary=vocab, output_mode="multi_hot", max_tokens=8,
                                     pad_to_max_tokens=True), DATA)
    assert padded.shape == (2, 8)
    masked = out(layers.StringLookup(vocabulary=vocab, output_mode="multi_hot",
                                     mask_token=""), np.array([["a", ""]]))
    np.testing.assert_array_equal(masked, [[0, 1, 0, 0, 0]])
    with pytest.raises(RuntimeError, match="vocabulary before calling"):
        layers.StringLookup(output_mode="multi_hot")(DATA)


def test_tf_idf_given_and_adapted():
    layer = layers.StringLookup(output_mode="tf_idf", vocabulary=["a", "b", "c", "d"],
                                idf_weights=[0.25, 0.75, 0.6, 0.4])
    result = out(layer, np.array([["a", "c", "d", "d"], ["d", "z", "b", "z"]]))
    # The OOV weight is the mean of the given weights (0.5).
    np.testing.assert_allclose(result, [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]],
                               rtol=1e-6)
    adapted = layers.StringLookup(output_mode="tf_idf")
    adapted.adapt(np.array([["a", "a", "b"], ["a", "c", "c"]]))
    assert adapted.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    idf = [math.log(1 + 2 / 3), math.log(1 + 2 / 2), math.log(1 + 2 / 2)]
    result = out(adapted, np.array([["a", "c", "c"]]))
    np.testing.assert_allclose(result, [[0, idf[0], 2 * idf[1], 0]], rtol=1e-6)
    with pytest.raises(ValueError, match="idf_weights"):
        layers.StringLookup(output_mode="tf_idf", vocabulary=["a"])


def test_symbolic_shapes_and_dtypes():
    strings = lamina.Input((3,), dtype="string")
    assert layers.StringLookup(vocabulary=["a"])(strings).dtype == "int64"
    multi = layers.StringLookup(vocabulary=["a", "b"], output_mode="multi_hot")(strings)
    assert multi.shape == (None, 3) and multi.dtype == "float32"
    inverse = layers.StringLookup(vocabulary=["a"], invert=True)(lamina.Input((3,), dtype="int64"))
    assert inverse.dtype == "string" and inverse.shape == (None, 3)
    ints = layers.IntegerLookup(vocabulary=[4, 5], output_mode="one_hot")
    assert ints(lamina.Input((1,), dtype="int64")).shape == (None, 3)


@pytest.mark.parametrize("make", [
    lambda: layers.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=2),
    lambda: layers.StringLookup(output_mode="tf_idf", vocabulary=["a", "b"],
                                idf_weights=[0.5, 0.2]),
    lambda: layers.IntegerLookup(vocabulary=[3, 4], mask_token=0, invert=True),
    lambda: layers.IntegerLookup(max_tokens=10, output_mode="count", pad_to_max_tokens=True),
], ids=["string", "tf_idf", "integer_invert", "integer_count"])
def test_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    json.dumps(config)
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    assert clone.get_vocabulary() == layer.get_vocabulary()


def test_config_keys_match_keras():
    config = layers.StringLookup(vocabulary=["a"]).get_config()
    for key in ("invert", "max_tokens", "num_oov_indices", "oov_token", "mask_token",
                "output_mode", "sparse", "pad_to_max_tokens", "idf_weights", "vocabulary",
                "vocabulary_size", "oov_method", "salt", "encoding", "name"):
        assert key in config
    assert "vocabulary_dtype" not in config
    assert config["vocabulary"] == ["a"] and config["vocabulary_size"] == 2
    assert layers.IntegerLookup().get_config()["vocabulary_dtype"] == "int64"


def test_vocabulary_files(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    np.testing.assert_array_equal(out(layer, np.array(["c", "a", "x"])), [3, 1, 0])
    # The config carries the terms read from the file, never the path.
    assert layer.get_config()["vocabulary"] == ["a", "b", "c"]
    config = {**layer.get_config(), "vocabulary": str(path)}
    with pytest.raises(ValueError, match="vocabulary file"):
        layers.StringLookup.from_config(config)
    from lamina.saving.object_registration import LoadingScope

    with LoadingScope(safe_mode=True), pytest.raises(ValueError, match="safe mode"):
        layers.StringLookup(vocabulary=str(path))


@requires_training
def test_integer_lookup_runs_inside_a_trained_model():
    rng = np.random.default_rng(0)
    ids = rng.choice([10, 20, 30, 99], size=(64, 3))
    y = (ids == 30).any(-1).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((3,), dtype="int64"), layers.IntegerLookup(vocabulary=[10, 20, 30]),
        layers.Embedding(4, 4), layers.Flatten(), layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(ids, y, epochs=10, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_assets_hooks_round_trip_an_adapted_vocabulary(tmp_path):
    layer = layers.StringLookup()
    layer.adapt(DATA)
    layer.save_assets(str(tmp_path))
    clone = layers.StringLookup.from_config(layer.get_config())
    clone.load_assets(str(tmp_path))
    assert clone.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(out(clone, DATA), out(layer, DATA))
    ints = layers.IntegerLookup()
    ints.adapt(np.array([5, 5, 7]))
    ints.save_assets(str(tmp_path))
    restored = layers.IntegerLookup()
    restored.load_assets(str(tmp_path))
    assert restored.get_vocabulary() == [-1, 5, 7]


def test_model_with_lookup_and_normalization_saves_and_loads(tmp_path, rng):
    norm = layers.Normalization()
    norm.adapt(rng.normal(size=(32, 2)).astype("float32"))
    ids = lamina.Input((2,), dtype="int64")
    values = lamina.Input((2,))
    embedded = layers.Flatten()(layers.Embedding(4, 3)(
        layers.IntegerLookup(vocabulary=[10, 20, 30])(ids)))
    merged = layers.Concatenate()([embedded, norm(values)])
    model = lamina.Model([ids, values], layers.Dense(1)(merged))
    x = [np.array([[10, 30], [99, 20]]), rng.normal(size=(2, 2)).astype("float32")]
    expected = np.asarray(model.predict(x, verbose=0))
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = lamina.saving.load_model(path)
    np.testing.assert_allclose(np.asarray(loaded.predict(x, verbose=0)), expected, rtol=1e-6)
