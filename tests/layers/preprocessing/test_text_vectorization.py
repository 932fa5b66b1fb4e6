"""TextVectorization on a tiny corpus, against hand-built vocabularies."""

import json
import math

import numpy as np
import pytest

import lamina
from lamina import layers

CORPUS = np.array(["The cat sat.", "The dog sat!", "the END, the end"])


def out(layer, x):
    return np.asarray(layer(x))


def test_vocabulary_by_frequency_then_token_descending():
    layer = layers.TextVectorization()
    layer.adapt(CORPUS)
    # the: 4, sat: 2, end: 2, then once each: dog, cat (ties from high to low).
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "end", "dog", "cat"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "the"
    assert layer.vocabulary_size() == 7


def test_int_output_pads_and_truncates():
    layer = layers.TextVectorization()
    layer.adapt(CORPUS)
    result = out(layer, np.array(["the cat", "a dog sat here"]))
    np.testing.assert_array_equal(result, [[2, 6, 0, 0], [1, 5, 3, 1]])
    assert result.dtype == np.int64
    fixed = layers.TextVectorization(output_sequence_length=3, vocabulary=["the", "cat"])
    np.testing.assert_array_equal(out(fixed, np.array([["the"], ["cat the cat the"]])),
                                  [[2, 0, 0], [3, 2, 3]])
    assert fixed(lamina.Input((1,), dtype="string")).shape == (None, 3)


def test_multi_hot_count_and_tf_idf():
    vocab = ["the", "cat", "sat"]
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=vocab)
    np.testing.assert_array_equal(out(multi, np.array(["the cat the", "a dog"])),
                                  [[0, 1, 1, 0], [1, 0, 0, 0]])
    assert multi(lamina.Input((1,), dtype="string")).shape == (None, 4)
    count = layers.TextVectorization(output_mode="count", vocabulary=vocab)
    np.testing.assert_array_equal(out(count, np.array(["the cat the", "a dog"])),
                                  [[0, 2, 1, 0], [2, 0, 0, 0]])
    tf_idf = layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(np.array(["a a b", "a c"]))
    assert tf_idf.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    idf_a, idf_once = math.log(1 + 2 / 3), math.log(1 + 2 / 2)
    oov = (idf_a + 2 * idf_once) / 3
    np.testing.assert_allclose(out(tf_idf, np.array(["a a z"])), [[oov, 2 * idf_a, 0, 0]],
                               rtol=1e-6)


def test_ngrams():
    layer = layers.TextVectorization(ngrams=2)
    layer.adapt(np.array(["a b c", "a b"]))
    # a, b, "a b": twice each; c, "b c": once each.
    assert layer.get_vocabulary() == ["", "[UNK]", "b", "a b", "a", "c", "b c"]
    np.testing.assert_array_equal(out(layer, np.array(["a b c"])), [[4, 2, 5, 3, 6]])
    widths = layers.TextVectorization(ngrams=(2,), vocabulary=["a b", "b c"])
    np.testing.assert_array_equal(out(widths, np.array(["a b c d"])), [[2, 3, 1]])


def test_standardize_and_split_options():
    text = np.array(["Hello, World!"])
    as_is = layers.TextVectorization(standardize=None, split=None, vocabulary=["Hello, World!"])
    np.testing.assert_array_equal(out(as_is, text), [[2]])
    lower = layers.TextVectorization(standardize="lower", vocabulary=["hello,", "world!"])
    np.testing.assert_array_equal(out(lower, text), [[2, 3]])
    strip = layers.TextVectorization(standardize="strip_punctuation",
                                     vocabulary=["Hello", "World"])
    np.testing.assert_array_equal(out(strip, text), [[2, 3]])
    chars = layers.TextVectorization(split="character", vocabulary=["a", "b"])
    np.testing.assert_array_equal(out(chars, np.array(["abca"])), [[2, 3, 1, 2]])
    custom = layers.TextVectorization(
        standardize=lambda s: np.char.upper(s.astype(str)),
        split=lambda s: [t.split("-") for t in s], vocabulary=["A", "B"])
    np.testing.assert_array_equal(out(custom, np.array(["a-b-c"])), [[2, 3, 1]])
    with pytest.raises(ValueError, match="standardize"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="split"):
        layers.TextVectorization(split="comma")
    with pytest.raises(ValueError, match="output_sequence_length"):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))


def test_set_vocabulary_and_adapt_errors():
    layer = layers.TextVectorization()
    layer.set_vocabulary(["x", "y"])
    np.testing.assert_array_equal(out(layer, np.array(["y x z"])), [[3, 2, 1]])
    given = layers.TextVectorization(vocabulary=["x"])
    with pytest.raises(ValueError, match="Cannot adapt"):
        given.adapt(np.array(["x"]))
    limited = layers.TextVectorization(max_tokens=4)
    limited.adapt(CORPUS)
    assert limited.get_vocabulary() == ["", "[UNK]", "the", "sat"]


def test_config_round_trip():
    layer = layers.TextVectorization(max_tokens=10, ngrams=(1, 2), output_mode="multi_hot",
                                     vocabulary=["a", "b"], pad_to_max_tokens=True)
    config = layer.get_config()
    json.dumps(config)
    assert config["ngrams"] == (1, 2) and config["vocabulary_size"] == 3
    for key in ("max_tokens", "standardize", "split", "ngrams", "output_mode",
                "output_sequence_length", "pad_to_max_tokens", "sparse", "ragged",
                "vocabulary", "idf_weights", "encoding", "vocabulary_size"):
        assert key in config
    clone = layers.TextVectorization.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    np.testing.assert_array_equal(out(clone, np.array(["a b"])), out(layer, np.array(["a b"])))
    with pytest.raises(ValueError, match="vocabulary file"):
        layers.TextVectorization.from_config({**config, "vocabulary": "/etc/passwd"})
