"""Sequential: building with and without Input, add/pop, layers, summary."""

import numpy as np
import pytest

import lamina
from lamina import layers


def test_sequential_with_input_is_built():
    model = lamina.Sequential([lamina.Input((30,)), layers.Dense(16, activation="relu"),
                               layers.Dense(1, activation="sigmoid")])
    assert model.built
    assert [l.name for l in model.layers] == ["dense", "dense_1"]
    assert model.output_shape == (None, 1)
    assert model.count_params() == 30 * 16 + 16 + 17


def test_sequential_without_input_builds_on_first_call():
    model = lamina.Sequential([layers.Dense(4), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((3, 5), "float32"))
    assert out.shape == (3, 2) and model.built
    assert model.layers[0].kernel.shape == (5, 4)


def test_add_and_pop():
    model = lamina.Sequential()
    model.add(lamina.Input((3,)))
    model.add(layers.Dense(2))
    model.add(layers.Dense(5))
    assert model.output_shape == (None, 5)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and model.output_shape == (None, 2)
    with pytest.raises(ValueError, match="Only instances of `lamina.Layer`"):
        model.add("dense")


def test_input_shape_keyword_builds():
    model = lamina.Sequential([layers.Dense(2, input_shape=(4,))])
    assert model.built and model.input_shape == (None, 4)


def test_matches_manual_computation(rng):
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(4, activation="relu"),
                               layers.Dense(1)])
    x = rng.normal(size=(6, 3)).astype("float32")
    k1, b1, k2, b2 = model.get_weights()
    expected = np.maximum(x @ k1 + b1, 0) @ k2 + b2
    np.testing.assert_allclose(np.asarray(model(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_summary_lists_layers_and_totals():
    model = lamina.Sequential([lamina.Input((30,)), layers.Dense(16), layers.Dense(1)])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert 'Model: "sequential"' in text
    assert "dense (Dense)" in text and "(None, 16)" in text and "496" in text
    assert "Total params: 513" in text and "Non-trainable params: 0" in text


def test_wrong_input_shape_is_reported_with_layer_name():
    model = lamina.Sequential([lamina.Input((30,)), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 30"):
        model(np.ones((2, 29), "float32"))
