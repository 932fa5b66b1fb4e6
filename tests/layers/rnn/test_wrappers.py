"""Bidirectional and TimeDistributed against NumPy computations with the layers' weights."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.layers.rnn.test_rnn import np_gru_step, np_lstm_step, np_rnn


@pytest.fixture
def sequence(rng):
    return rng.normal(size=(2, 5, 3)).astype("float32")


def directions(layer, sequence, step, num_states, mask=None, zero_output_for_mask=False):
    w = [np.asarray(v) for v in layer.get_weights()]
    half = len(w) // 2
    zeros = [np.zeros((sequence.shape[0], 4), "float32")] * num_states
    forward, f_states = np_rnn(lambda x, s: step(x, s, *w[:half]), sequence, zeros, mask=mask,
                               zero_output_for_mask=zero_output_for_mask)
    backward, b_states = np_rnn(lambda x, s: step(x, s, *w[half:]), sequence, zeros, mask=mask,
                                go_backwards=True, zero_output_for_mask=zero_output_for_mask)
    return forward, backward[:, ::-1], f_states, b_states


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_merge_modes(sequence, merge_mode):
    layer = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode=merge_mode)
    out = layer(sequence)
    forward, backward, _, _ = directions(layer, sequence, np_lstm_step, 2)
    expected = {
        "concat": lambda: np.concatenate([forward, backward], -1),
        "sum": lambda: forward + backward,
        "mul": lambda: forward * backward,
        "ave": lambda: (forward + backward) / 2,
        None: lambda: None,
    }[merge_mode]()
    if merge_mode is None:
        np.testing.assert_allclose(np.asarray(out[0]), forward, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.asarray(out[1]), backward, rtol=1e-5, atol=1e-5)
    else:
        np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)
    symbolic = layers.Bidirectional(layers.LSTM(4, return_sequences=True),
                                    merge_mode=merge_mode)(lamina.Input((5, 3)))
    if merge_mode is None:
        assert [t.shape for t in symbolic] == [(None, 5, 4)] * 2
    else:
        assert symbolic.shape == (None, 5, 8 if merge_mode == "concat" else 4)


def test_return_state_and_last_output(sequence):
    layer = layers.Bidirectional(layers.GRU(4, return_state=True))
    out, h_forward, h_backward = layer(sequence)
    forward, backward, f_states, b_states = directions(layer, sequence, np_gru_step, 1)
    # The backward layer's last output is at the sequence's first step.
    np.testing.assert_allclose(np.asarray(out), np.concatenate([forward[:, -1], backward[:, 0]],
                                                               -1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h_forward), f_states[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.asarray(h_backward), b_states[0], rtol=1e-5, atol=1e-5)
    shapes = [t.shape for t in layers.Bidirectional(layers.LSTM(4, return_state=True))(
        lamina.Input((5, 3)))]
    assert shapes == [(None, 8)] + [(None, 4)] * 4


def test_masked_bidirectional(sequence):
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    layer = layers.Bidirectional(layers.LSTM(4, return_sequences=True), merge_mode="sum")
    out = np.asarray(layer(sequence, mask=mask))
    forward, backward, _, _ = directions(layer, sequence, np_lstm_step, 2, mask=mask,
                                         zero_output_for_mask=True)
    np.testing.assert_allclose(out, forward + backward, rtol=1e-5, atol=1e-5)
    assert np.all(out[0, 3:] == 0)


def test_weights_names_and_config(sequence):
    layer = layers.Bidirectional(layers.LSTM(4, name="enc"))
    layer(sequence)
    assert [w.path for w in layer.weights][:1] == ["bidirectional/forward_enc/lstm_cell/kernel"]
    assert layer.weights[3].path == "bidirectional/backward_enc/lstm_cell/kernel"
    assert layer.backward_layer.go_backwards and not layer.forward_layer.go_backwards
    config = layer.get_config()
    assert config["merge_mode"] == "concat"
    assert config["layer"]["config"]["name"] == "forward_enc"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    clone = layers.Bidirectional.from_config(config)
    clone(sequence)
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(sequence)), np.asarray(layer(sequence)),
                               rtol=1e-6)


def test_custom_backward_layer_and_errors(sequence):
    layer = layers.Bidirectional(layers.GRU(4), backward_layer=layers.SimpleRNN(
        3, go_backwards=True))
    assert layer(sequence).shape == (2, 7)
    with pytest.raises(ValueError, match="go_backwards"):
        layers.Bidirectional(layers.GRU(4), backward_layer=layers.GRU(4))
    with pytest.raises(ValueError, match="merge mode"):
        layers.Bidirectional(layers.GRU(4), merge_mode="max")
    with pytest.raises(ValueError, match="Layer"):
        layers.Bidirectional("lstm")


def test_time_distributed(rng):
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    layer = layers.TimeDistributed(layers.Dense(5))
    out = np.asarray(layer(x))
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out, x @ kernel + bias, rtol=1e-5, atol=1e-6)
    assert layer.weights[0].path == "time_distributed/dense/kernel"
    assert layers.TimeDistributed(layers.Dense(5))(lamina.Input((None, 3))).shape == (None, None, 5)
    images = rng.normal(size=(2, 3, 6, 6, 1)).astype("float32")
    conv = layers.TimeDistributed(layers.Conv2D(2, 3))
    assert conv(images).shape == (2, 3, 4, 4, 2)
    assert conv(lamina.Input((3, 6, 6, 1))).shape == (None, 3, 4, 4, 2)
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    clone = layers.TimeDistributed.from_config(config)
    assert clone(x).shape == (2, 4, 5)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        layers.TimeDistributed(layers.Dense(2))(lamina.Input((3,)))
    with pytest.raises(ValueError, match="incompatible"):
        layer(x, mask=np.ones((2, 5), bool))
