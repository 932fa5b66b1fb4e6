"""Dense: numbers against NumPy, shapes, config, errors."""

import numpy as np
import pytest

import lamina
from lamina import layers


def test_dense_matches_numpy(rng):
    layer = layers.Dense(4, activation="relu")
    x = rng.normal(size=(5, 3)).astype("float32")
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-6)


def test_dense_on_rank_3_and_symbolic():
    layer = layers.Dense(2, use_bias=False)
    assert layer(np.ones((2, 3, 4), "float32")).shape == (2, 3, 2)
    assert len(layer.weights) == 1
    assert layers.Dense(6)(lamina.Input((7, 3))).shape == (None, 7, 6)


def test_dense_config_round_trip():
    layer = layers.Dense(3, activation="tanh", kernel_initializer="he_normal",
                         kernel_regularizer="l2", name="d")
    config = layer.get_config()
    assert config["activation"] == "tanh" and config["units"] == 3
    assert config["kernel_initializer"]["class_name"] == "HeNormal"
    clone = layers.Dense.from_config(config)
    assert clone.units == 3 and clone.activation is lamina.activations.tanh
    assert isinstance(clone.kernel_regularizer, lamina.regularizers.L2)


@pytest.mark.parametrize("units", [0, -1, 2.5, "3"])
def test_dense_rejects_bad_units(units):
    with pytest.raises(ValueError, match="Received an invalid value for `units`"):
        layers.Dense(units)


def test_unknown_activation_lists_names():
    with pytest.raises(ValueError, match="Unknown activation function: 'relux'"):
        layers.Dense(2, activation="relux")
