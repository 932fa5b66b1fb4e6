"""Discretization, CategoryEncoding, Hashing and HashedCrossing."""

import hashlib

import numpy as np
import pytest

import lamina
from lamina import layers


def out(layer, *args, **kwargs):
    return np.asarray(layer(*args, **kwargs))


def test_discretization_with_boundaries():
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    x = np.array([[-1.5, 1.0, 3.4, 0.5]], "float32")
    result = out(layer, x)
    np.testing.assert_array_equal(result, [[0, 2, 3, 1]])
    np.testing.assert_array_equal(result, np.digitize(x, [0.0, 1.0, 2.0]))
    assert result.dtype == np.int32
    one_hot = out(layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="one_hot"),
                  np.array([-1.0, 0.5, 2.0], "float32"))
    np.testing.assert_array_equal(one_hot, np.eye(3))
    multi = out(layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="multi_hot"),
                np.array([[-1.0, 2.0], [0.5, 0.7]], "float32"))
    np.testing.assert_array_equal(multi, [[1, 0, 1], [0, 1, 0]])
    count = out(layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="count"),
                np.array([[0.5, 0.7, 3.0]], "float32"))
    np.testing.assert_array_equal(count, [[0, 2, 1]])


def test_discretization_adapt():
    layer = layers.Discretization(num_bins=4, epsilon=0.01)
    layer.adapt(np.array([[-1.5, 1.0, 3.4, 0.5], [0.0, 3.0, 1.3, 0.0]]))
    # 8 values, each of weight 1; quantiles at cumulative weights 2/8, 4/8, 6/8 of the sorted
    # values -1.5, 0, 0, 0.5, 1, 1.3, 3, 3.4.
    np.testing.assert_allclose(layer.bin_boundaries, [0.0, 0.5, 1.3], rtol=1e-6)
    np.testing.assert_array_equal(out(layer, np.array([[-1.5, 1.0, 3.4, 0.4]])), [[0, 2, 3, 1]])
    batches = layers.Discretization(num_bins=3)
    batches.adapt([np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0])])
    assert len(batches.bin_boundaries) == 2
    generated = layers.Discretization(num_bins=4)
    generated.adapt((np.full(20, float(i)) for i in range(100)), steps=5)
    assert max(generated.bin_boundaries) <= 4.0
    uniform = layers.Discretization(num_bins=4)
    uniform.adapt(np.arange(1000.0))
    np.testing.assert_allclose(uniform.bin_boundaries, [250, 500, 750], atol=2)
    with pytest.raises(ValueError, match="bin_boundaries"):
        layers.Discretization(bin_boundaries=[1.0]).adapt(np.ones(3))
    with pytest.raises(ValueError, match="either `num_bins` or `bin_boundaries`"):
        layers.Discretization()
    with pytest.raises(ValueError, match="adapt"):
        layers.Discretization(num_bins=3)(np.ones(3))


def test_discretization_symbolic_and_config():
    layer = layers.Discretization(bin_boundaries=[0.0, 1.0], output_mode="multi_hot")
    symbolic = layer(lamina.Input((5,)))
    assert symbolic.shape == (None, 3) and symbolic.dtype == "float32"
    int_out = layers.Discretization(bin_boundaries=[0.0])(lamina.Input((5,)))
    assert int_out.shape == (None, 5) and int_out.dtype == "int32"
    config = layer.get_config()
    assert set(config) == {"bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse",
                           "name", "dtype"}
    assert layers.Discretization.from_config(config).get_config() == config
    adapted = layers.Discretization(num_bins=2)
    adapted.adapt(np.arange(10.0))
    clone = layers.Discretization.from_config(adapted.get_config())
    assert clone.bin_boundaries == adapted.bin_boundaries


def test_category_encoding_modes():
    ids = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    multi = out(layers.CategoryEncoding(num_tokens=4, output_mode="multi_hot"), ids)
    np.testing.assert_array_equal(multi, [[1, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0],
                                          [0, 1, 0, 1]])
    one_hot = out(layers.CategoryEncoding(num_tokens=4, output_mode="one_hot"),
                  np.array([3, 2, 0, 1]))
    np.testing.assert_array_equal(one_hot, np.eye(4)[[3, 2, 0, 1]])
    column = out(layers.CategoryEncoding(num_tokens=4, output_mode="one_hot"),
                 np.array([[3], [2]]))
    assert column.shape == (2, 4)
    count = layers.CategoryEncoding(num_tokens=4, output_mode="count")
    np.testing.assert_array_equal(out(count, ids), [[1, 1, 0, 0], [2, 0, 0, 0], [0, 1, 1, 0],
                                                    [0, 1, 0, 1]])
    weights = np.array([[0.1, 0.2], [0.1, 0.1], [0.2, 0.3], [0.4, 0.2]], "float32")
    np.testing.assert_allclose(out(count, ids, count_weights=weights),
                               [[0.1, 0.2, 0, 0], [0.2, 0, 0, 0], [0, 0.2, 0.3, 0],
                                [0, 0.2, 0, 0.4]], rtol=1e-6)
    assert layers.CategoryEncoding(3, output_mode="binary").output_mode == "multi_hot"


def test_category_encoding_errors_symbolic_and_config():
    with pytest.raises(ValueError, match="num_tokens must be set|`num_tokens` must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="output_mode"):
        layers.CategoryEncoding(3, output_mode="ordinal")
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(3)(np.array([[1]]), count_weights=np.array([[1.0]]))
    layer = layers.CategoryEncoding(5, output_mode="one_hot")
    assert layer(lamina.Input((1,), dtype="int32")).shape == (None, 5)
    assert layer(lamina.Input((3,), dtype="int32")).shape == (None, 3, 5)
    assert layers.CategoryEncoding(5)(lamina.Input((3,), dtype="int32")).shape == (None, 5)
    config = layer.get_config()
    assert config["num_tokens"] == 5 and config["output_mode"] == "one_hot"
    assert not config["sparse"]
    assert layers.CategoryEncoding.from_config(config).get_config() == config


def blake_bin(text, bins, salt=None):
    key = b"" if salt is None else b"".join(s.to_bytes(8, "little", signed=True) for s in salt)
    digest = hashlib.blake2b(text.encode(), digest_size=8, key=key).digest()
    return int.from_bytes(digest, "little") % bins


def test_hashing_is_a_documented_stable_hash():
    values = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])
    result = out(layers.Hashing(num_bins=3), values)
    np.testing.assert_array_equal(result[:, 0], [blake_bin(v, 3) for v in "ABCDE"])
    assert result.dtype == np.int64
    # Integers hash their decimal text; floats are truncated to integers first.
    ints = out(layers.Hashing(num_bins=7), np.array([[12], [-3]]))
    np.testing.assert_array_equal(ints[:, 0], [blake_bin("12", 7), blake_bin("-3", 7)])
    floats = out(layers.Hashing(num_bins=7), np.array([12.7, -3.2]))
    np.testing.assert_array_equal(floats, ints[:, 0])
    salted = out(layers.Hashing(num_bins=5, salt=[133, 137]), values)
    np.testing.assert_array_equal(salted[:, 0], [blake_bin(v, 5, (133, 137)) for v in "ABCDE"])
    assert layers.Hashing(num_bins=5, salt=7).salt == [7, 7]


def test_hashing_mask_and_output_modes():
    masked = out(layers.Hashing(num_bins=3, mask_value=""), np.array([["A"], [""], ["C"]]))
    assert masked[1, 0] == 0
    assert masked[0, 0] == blake_bin("A", 2) + 1 and masked[2, 0] == blake_bin("C", 2) + 1
    one_hot = out(layers.Hashing(num_bins=3, output_mode="one_hot"), np.array([["A"], ["B"]]))
    np.testing.assert_array_equal(one_hot, np.eye(3)[[blake_bin("A", 3), blake_bin("B", 3)]])
    assert one_hot.dtype == np.float32
    multi = out(layers.Hashing(num_bins=3, output_mode="multi_hot"), np.array([["A", "A"]]))
    assert multi.sum() == 1
    with pytest.raises(ValueError, match="num_bins"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="integer type"):
        layers.Hashing(num_bins=3, dtype="float32")
    with pytest.raises(ValueError, match="salt"):
        layers.Hashing(num_bins=3, salt="pepper")


def test_hashing_symbolic_and_config():
    layer = layers.Hashing(num_bins=4, mask_value="", salt=[1, 2])
    symbolic = layer(lamina.Input((3,), dtype="string"))
    assert symbolic.shape == (None, 3) and symbolic.dtype == "int64"
    assert layers.Hashing(4, output_mode="count")(lamina.Input((3,), dtype="string")).shape == (
        None, 4)
    config = layer.get_config()
    assert config["salt"] == [1, 2] and config["mask_value"] == "" and config["num_bins"] == 4
    assert layers.Hashing.from_config(config).get_config() == config


def test_hashed_crossing():
    a, b = np.array([1, 2, 1]), np.array(["A", "B", "A"])
    result = out(layers.HashedCrossing(num_bins=5), (a, b))
    expected = [blake_bin(f"{x}_X_{y}", 5) for x, y in zip(a, b)]
    np.testing.assert_array_equal(result, expected)
    assert result[0] == result[2]
    one_hot = out(layers.HashedCrossing(num_bins=5, output_mode="one_hot"),
                  (a[:, None], b[:, None]))
    np.testing.assert_array_equal(one_hot, np.eye(5)[expected])
    with pytest.raises(ValueError, match="at least two"):
        layers.HashedCrossing(3)([a])
    with pytest.raises(ValueError, match="equal shape"):
        layers.HashedCrossing(3)([a, b[:2]])
    symbolic = layers.HashedCrossing(5, output_mode="one_hot")(
        [lamina.Input((1,), dtype="int64"), lamina.Input((1,), dtype="string")])
    assert symbolic.shape == (None, 5)
    config = layers.HashedCrossing(5).get_config()
    assert config == {"num_bins": 5, "output_mode": "int", "sparse": False,
                      "name": config["name"], "dtype": "int64"}
    assert layers.HashedCrossing.from_config(config).get_config() == config
