"""Functional models: many inputs and outputs, shared layers, nesting, sub-models."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops


def test_two_inputs_two_outputs_and_dict_inputs(rng):
    a = lamina.Input((3,), name="a")
    b = lamina.Input((2,), name="b")
    merged = ops.concatenate([layers.Dense(4, name="da")(a), layers.Dense(4, name="db")(b)], axis=-1)
    out1 = layers.Dense(1, name="out1")(merged)
    out2 = layers.Dense(2, name="out2")(merged)
    model = lamina.Model([a, b], [out1, out2])
    assert [l.name for l in model.layers][:2] == ["a", "b"]
    assert model.output_names == ["out1", "out2"]
    xa, xb = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 2)).astype("float32")
    y1, y2 = model([xa, xb])
    assert y1.shape == (5, 1) and y2.shape == (5, 2)
    y1d, _ = model({"a": xa, "b": xb})
    np.testing.assert_allclose(np.asarray(y1), np.asarray(y1d), rtol=1e-6)


def test_shared_layer_is_one_set_of_weights(rng):
    shared = layers.Dense(3)
    a, b = lamina.Input((4,)), lamina.Input((4,))
    model = lamina.Model([a, b], ops.add(shared(a), shared(b)))
    assert len(model.weights) == 2
    x = rng.normal(size=(2, 4)).astype("float32")
    k, bias = shared.get_weights()
    np.testing.assert_allclose(np.asarray(model([x, x])), 2 * (x @ k + bias), rtol=1e-5)


def test_nested_model_as_layer_and_submodel(rng):
    inner_in = lamina.Input((4,))
    inner = lamina.Model(inner_in, layers.Dense(2, name="inner_dense")(inner_in), name="inner")
    x = lamina.Input((4,))
    hidden = layers.Dense(4, name="hidden")(x)
    out = inner(hidden)
    model = lamina.Model(x, out)
    assert model.get_layer("inner") is inner
    assert len(model.weights) == 4
    sub = lamina.Model(x, hidden)
    data = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(np.asarray(inner(sub(data))), np.asarray(model(data)), rtol=1e-6)


def test_disconnected_graph_is_an_error():
    a, b = lamina.Input((2,)), lamina.Input((2,))
    out = layers.Dense(1)(ops.add(a, b))
    with pytest.raises(ValueError, match="Graph disconnected"):
        lamina.Model(a, out)


def test_get_layer_errors():
    x = lamina.Input((2,))
    model = lamina.Model(x, layers.Dense(1, name="d")(x))
    assert model.get_layer(index=1).name == "d"
    with pytest.raises(ValueError, match="No such layer: nope"):
        model.get_layer("nope")


def test_subclassed_model(rng):
    class TwoLayer(lamina.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(5, activation="relu")
            self.out = layers.Dense(1)

        def call(self, x):
            return self.out(self.hidden(x))

    model = TwoLayer()
    x = rng.normal(size=(4, 3)).astype("float32")
    y = np.asarray(model(x))
    k1, b1, k2, b2 = model.get_weights()
    np.testing.assert_allclose(y, np.maximum(x @ k1 + b1, 0) @ k2 + b2, rtol=1e-5, atol=1e-6)
    assert [l.name for l in model.layers] == ["dense", "dense_1"]
