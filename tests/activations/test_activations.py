"""Activations by name and as functions, against NumPy."""

import numpy as np
import pytest

from lamina import activations

X = np.linspace(-4, 4, 17, dtype="float32").reshape(1, 17)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


REFERENCES = {
    "relu": lambda x: np.maximum(x, 0),
    "sigmoid": sigmoid,
    "tanh": np.tanh,
    "linear": lambda x: x,
    "exponential": np.exp,
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
    "silu": lambda x: x * sigmoid(x),
    "swish": lambda x: x * sigmoid(x),
    "relu6": lambda x: np.clip(x, 0, 6),
    "hard_sigmoid": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    "mish": lambda x: x * np.tanh(np.log1p(np.exp(x))),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(-1, keepdims=True),
    "log_softmax": lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_activation_by_name(name):
    fn = activations.get(name)
    assert activations.serialize(fn) == name or name == "swish"
    np.testing.assert_allclose(np.asarray(fn(X)), REFERENCES[name](X), rtol=1e-5, atol=1e-6)


def test_relu_options():
    out = np.asarray(activations.relu(X, negative_slope=0.1, max_value=2.0, threshold=1.0))
    expected = np.where(X >= 1.0, np.minimum(X, 2.0), 0.1 * (X - 1.0))
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_get_none_callable_and_unknown():
    assert activations.get(None) is activations.linear
    fn = lambda x: x  # noqa: E731
    assert activations.get(fn) is fn
    with pytest.raises(ValueError, match="Unknown activation function: 'relu7'"):
        activations.get("relu7")


def test_softmax_of_rank_1_is_an_error():
    with pytest.raises(ValueError, match="Cannot apply softmax to a tensor that is 1D"):
        activations.softmax(np.ones((3,), "float32"))
