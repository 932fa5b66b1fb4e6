"""Recurrent layers against hand-written NumPy step loops that use the layers' own weights."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import only_on, requires_training


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def np_simple_rnn_step(x, states, kernel, recurrent_kernel, bias):
    h = np.tanh(x @ kernel + states[0] @ recurrent_kernel + bias)
    return h, [h]


def np_lstm_step(x, states, kernel, recurrent_kernel, bias):
    h, c = states
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h = sigmoid(o) * np.tanh(c)
    return h, [h, c]


def np_gru_step(x, states, kernel, recurrent_kernel, bias, reset_after=True):
    h = states[0]
    units = h.shape[-1]
    if reset_after:
        x_all = x @ kernel + bias[0]
        h_all = h @ recurrent_kernel + bias[1]
        xz, xr, xh = np.split(x_all, 3, axis=-1)
        hz, hr, hh = np.split(h_all, 3, axis=-1)
        z, r = sigmoid(xz + hz), sigmoid(xr + hr)
        candidate = np.tanh(xh + r * hh)
    else:
        xz, xr, xh = np.split(x @ kernel + bias, 3, axis=-1)
        z = sigmoid(xz + h @ recurrent_kernel[:, :units])
        r = sigmoid(xr + h @ recurrent_kernel[:, units:2 * units])
        candidate = np.tanh(xh + (r * h) @ recurrent_kernel[:, 2 * units:])
    h = z * h + (1 - z) * candidate
    return h, [h]


def np_rnn(step, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Keras' loop: masked steps keep the states and repeat the previous output."""
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    for t in steps:
        out, new_states = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t][:, None]
            previous = np.zeros_like(out) if zero_output_for_mask else states[0]
            out = np.where(keep, out, previous)
            new_states = [np.where(keep, n, s) for n, s in zip(new_states, states)]
        states = new_states
        outputs.append(out)
    return np.stack(outputs, axis=1), states


def weights_of(layer):
    return [np.asarray(w) for w in layer.get_weights()]


@pytest.fixture
def sequence(rng):
    return rng.normal(size=(3, 6, 4)).astype("float32")


CASES = [
    (lambda **kw: layers.SimpleRNN(5, **kw), np_simple_rnn_step, 1),
    (lambda **kw: layers.LSTM(5, **kw), np_lstm_step, 2),
    (lambda **kw: layers.GRU(5, **kw), np_gru_step, 1),
]


@pytest.mark.parametrize("make, step, num_states", CASES, ids=["simple_rnn", "lstm", "gru"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_outputs_and_states_match_numpy(sequence, make, step, num_states, go_backwards):
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards)
    result = layer(sequence)
    assert len(result) == 1 + num_states
    w = weights_of(layer)
    zeros = [np.zeros((3, 5), "float32")] * num_states
    expected, states = np_rnn(lambda x, s: step(x, s, *w), sequence, zeros,
                              go_backwards=go_backwards)
    np.testing.assert_allclose(np.asarray(result[0]), expected, rtol=1e-5, atol=1e-5)
    for got, want in zip(result[1:], states):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    last = make(go_backwards=go_backwards)
    last(sequence)
    last.set_weights(w)
    np.testing.assert_allclose(np.asarray(last(sequence)), expected[:, -1], rtol=1e-5,
                               atol=1e-5)


def test_gru_reset_before_matches_numpy(sequence):
    layer = layers.GRU(5, reset_after=False, return_sequences=True)
    out = np.asarray(layer(sequence))
    kernel, recurrent, bias = weights_of(layer)
    assert bias.shape == (15,)
    expected, _ = np_rnn(lambda x, s: np_gru_step(x, s, kernel, recurrent, bias, False),
                         sequence, [np.zeros((3, 5), "float32")])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_unroll_matches_scan(sequence):
    scan = layers.LSTM(5, return_sequences=True, go_backwards=True)
    unrolled = layers.LSTM(5, return_sequences=True, go_backwards=True, unroll=True)
    a = np.asarray(scan(sequence))
    unrolled(sequence)
    unrolled.set_weights(scan.get_weights())
    np.testing.assert_allclose(np.asarray(unrolled(sequence)), a, rtol=1e-5, atol=1e-6)


def test_initial_state(sequence, rng):
    layer = layers.LSTM(5, return_sequences=True)
    h0, c0 = rng.normal(size=(2, 3, 5)).astype("float32")
    out = np.asarray(layer(sequence, initial_state=[h0, c0]))
    w = weights_of(layer)
    expected, _ = np_rnn(lambda x, s: np_lstm_step(x, s, *w), sequence, [h0, c0])
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("make, step, num_states", CASES, ids=["simple_rnn", "lstm", "gru"])
def test_masking_keeps_previous_state(rng, make, step, num_states):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 0, 5, 9]])  # padding (0) at the end and inside
    embedding = layers.Embedding(10, 4, mask_zero=True)
    inputs = lamina.Input((5,), dtype="int32")
    rnn = make(return_sequences=True, return_state=True)
    outputs = rnn(embedding(inputs))
    model = lamina.Model(inputs, outputs)
    result = model(ids)
    x = np.asarray(embedding(ids))
    w = weights_of(rnn)
    zeros = [np.zeros((2, 5), "float32")] * num_states
    expected, states = np_rnn(lambda xt, s: step(xt, s, *w), x, zeros, mask=ids != 0)
    np.testing.assert_allclose(np.asarray(result[0]), expected, rtol=1e-5, atol=1e-5)
    for got, want in zip(result[1:], states):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-5)
    # The output sequence keeps the mask; the states get none.
    assert outputs[0]._keras_mask is not None


def test_masking_last_output_and_explicit_mask(sequence):
    mask = np.array([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1], [1, 0, 1, 0, 1, 0]], bool)
    layer = layers.GRU(5)
    out = np.asarray(layer(sequence, mask=mask))
    w = weights_of(layer)
    expected, _ = np_rnn(lambda x, s: np_gru_step(x, s, *w), sequence,
                         [np.zeros((3, 5), "float32")], mask=mask)
    np.testing.assert_allclose(out, expected[:, -1], rtol=1e-5, atol=1e-5)
    # Unrolled: the same numbers.
    unrolled = layers.GRU(5, unroll=True)
    unrolled(sequence)
    unrolled.set_weights(w)
    np.testing.assert_allclose(np.asarray(unrolled(sequence, mask=mask)), out, rtol=1e-5,
                               atol=1e-5)


def test_zero_output_for_mask(sequence):
    mask = np.array([[1, 1, 0, 0, 1, 1]] * 3, bool)
    layer = layers.SimpleRNN(5, return_sequences=True, zero_output_for_mask=True)
    out = np.asarray(layer(sequence, mask=mask))
    assert np.all(out[:, 2:4] == 0)
    assert np.all(out[:, 4:] != 0)


def test_weight_names_shapes_and_order():
    x = np.zeros((2, 3, 7), "float32")
    expected = {
        layers.SimpleRNN(4): [("simple_rnn_cell", "kernel", (7, 4)),
                              ("simple_rnn_cell", "recurrent_kernel", (4, 4)),
                              ("simple_rnn_cell", "bias", (4,))],
        layers.LSTM(4): [("lstm_cell", "kernel", (7, 16)), ("lstm_cell", "recurrent_kernel", (4, 16)),
                         ("lstm_cell", "bias", (16,))],
        layers.GRU(4): [("gru_cell", "kernel", (7, 12)), ("gru_cell", "recurrent_kernel", (4, 12)),
                        ("gru_cell", "bias", (2, 12))],
        layers.GRU(4, use_bias=False): [("gru_cell", "kernel", (7, 12)),
                                        ("gru_cell", "recurrent_kernel", (4, 12))],
    }
    for layer, names in expected.items():
        layer(x)
        got = [(w.path.split("/")[-2], w.name, tuple(w.shape)) for w in layer.weights]
        assert got == names, (layer.name, got)
        assert layer.weights[0].path == f"{layer.name}/{names[0][0]}/kernel"


def test_lstm_unit_forget_bias():
    layer = layers.LSTM(3)
    layer(np.zeros((1, 2, 2), "float32"))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    plain = layers.LSTM(3, unit_forget_bias=False)
    plain(np.zeros((1, 2, 2), "float32"))
    np.testing.assert_array_equal(plain.get_weights()[2], np.zeros(12))


def test_symbolic_shapes():
    inputs = lamina.Input((None, 4))
    assert layers.LSTM(6)(inputs).shape == (None, 6)
    assert layers.GRU(6, return_sequences=True)(inputs).shape == (None, None, 6)
    out, h, c = layers.LSTM(6, return_state=True)(inputs)
    assert (out.shape, h.shape, c.shape) == ((None, 6),) * 3
    out, h = layers.SimpleRNN(6, return_state=True, return_sequences=True)(inputs)
    assert out.shape == (None, None, 6) and h.shape == (None, 6)
    stacked = layers.RNN([layers.LSTMCell(5), layers.GRUCell(3)], return_state=True)
    out, (h1, c1), h2 = stacked(inputs)
    assert out.shape == (None, 3) and h1.shape == (None, 5) and h2.shape == (None, 3)


def test_stacked_cells_match_two_layers(sequence):
    stacked = layers.RNN([layers.SimpleRNNCell(5), layers.LSTMCell(3)], return_sequences=True)
    out = np.asarray(stacked(sequence))
    k1, r1, b1, k2, r2, b2 = weights_of(stacked)
    first, _ = np_rnn(lambda x, s: np_simple_rnn_step(x, s, k1, r1, b1), sequence,
                      [np.zeros((3, 5), "float32")])
    second, _ = np_rnn(lambda x, s: np_lstm_step(x, s, k2, r2, b2), first,
                       [np.zeros((3, 3), "float32")] * 2)
    np.testing.assert_allclose(out, second, rtol=1e-5, atol=1e-5)
    assert [w.path for w in stacked.weights][0] == "rnn/stacked_rnn_cells/simple_rnn_cell/kernel"


def test_custom_cell_with_generic_rnn(sequence):
    class MinimalCell(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

        def call(self, inputs, states):
            output = lamina.ops.add(lamina.ops.matmul(inputs, self.kernel), states[0])
            return output, [output]

    layer = layers.RNN(MinimalCell(2), return_sequences=True)
    out = np.asarray(layer(sequence))
    kernel = layer.get_weights()[0]
    np.testing.assert_allclose(out, np.cumsum(sequence @ kernel, axis=1), rtol=1e-5, atol=1e-5)


def test_stateful_carries_states(sequence):
    layer = layers.SimpleRNN(5, stateful=True)
    first = np.asarray(layer(sequence))
    second = np.asarray(layer(sequence))
    assert not np.allclose(first, second)
    assert len(layer.weights) == 3  # the states are not weights, as in Keras
    layer.reset_state()
    np.testing.assert_allclose(np.asarray(layer(sequence)), first, rtol=1e-6)
    with pytest.raises(ValueError, match="batch size must be static"):
        layers.LSTM(2, stateful=True)(lamina.Input((3, 4)))


def test_dropout_only_in_training(sequence):
    layer = layers.LSTM(5, dropout=0.5, recurrent_dropout=0.3, seed=1, unroll=True)
    a = np.asarray(layer(sequence))
    b = np.asarray(layer(sequence, training=True))
    c = np.asarray(layer(sequence, training=True))
    assert not np.allclose(a, b) and not np.allclose(b, c)
    gru = layers.GRU(5, dropout=0.5, recurrent_dropout=0.5, seed=2, unroll=True)
    assert not np.allclose(np.asarray(gru(sequence)), np.asarray(gru(sequence, training=True)))
    simple = layers.SimpleRNN(5, dropout=0.5, seed=2)
    assert not np.allclose(np.asarray(simple(sequence)),
                           np.asarray(simple(sequence, training=True)))
    # One mask per call, the same at every step: with constant inputs and no recurrence,
    # every step's output is the same.
    linear = layers.SimpleRNN(5, activation=None, recurrent_initializer="zeros", dropout=0.5,
                              return_sequences=True, seed=4)
    ones = np.ones((8, 6, 4), "float32")
    out = np.asarray(linear(ones, training=True))
    np.testing.assert_allclose(out, np.repeat(out[:, :1], 6, axis=1), rtol=1e-6)
    assert not np.allclose(out, np.asarray(linear(ones)))


def test_config_round_trips(sequence):
    for layer in (
        layers.SimpleRNN(3, activation="relu", return_sequences=True, dropout=0.1),
        layers.LSTM(3, recurrent_activation="hard_sigmoid", go_backwards=True, seed=3,
                    kernel_regularizer="l2", unit_forget_bias=False),
        layers.GRU(3, reset_after=False, return_state=True, recurrent_dropout=0.2),
        layers.RNN(layers.LSTMCell(3), unroll=True, zero_output_for_mask=True),
        layers.RNN([layers.GRUCell(3), layers.SimpleRNNCell(2)]),
    ):
        config = layer.get_config()
        clone = type(layer).from_config(config)
        assert clone.get_config() == config
        layer.build(sequence.shape)
        clone.build(sequence.shape)
        assert [w.shape for w in clone.weights] == [w.shape for w in layer.weights]
    config = layers.LSTM(4).get_config()
    for key in ("units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
                "dropout", "recurrent_dropout", "seed", "return_sequences", "return_state",
                "go_backwards", "stateful", "unroll", "zero_output_for_mask"):
        assert key in config
    assert "cell" not in config
    assert layers.GRU(4).get_config()["reset_after"] is True
    assert layers.RNN(layers.GRUCell(2)).get_config()["cell"]["class_name"] == "GRUCell"


def tree_first(x):
    return x[0] if isinstance(x, (list, tuple)) else x


def test_errors():
    with pytest.raises(ValueError, match="units"):
        layers.LSTM(0)
    with pytest.raises(ValueError, match="state_size"):
        layers.RNN(layers.Dense(3))
    with pytest.raises(ValueError, match="ndim=3"):
        layers.LSTM(3)(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="use_cudnn"):
        layers.GRU(3, use_cudnn="yes")


def test_cell_properties_read_through_layer():
    layer = layers.LSTM(7, dropout=0.25)
    assert layer.units == 7 and layer.dropout == 0.25 and layer.cell.units == 7
    assert layers.GRU(2).reset_after is True


def test_sequential_model_predicts(sequence):
    model = lamina.Sequential([lamina.Input((6, 4)), layers.LSTM(8, return_sequences=True),
                               layers.GRU(4), layers.Dense(1)])
    assert model.predict(sequence, verbose=0).shape == (3, 1)


@requires_training
def test_lstm_learns_sum_sign(rng):
    x = rng.normal(size=(128, 8, 2)).astype("float32")
    y = (x[..., 0].sum(axis=1) > 0).astype("float32")
    model = lamina.Sequential([lamina.Input((8, 2)), layers.LSTM(8, dropout=0.1),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=lamina.optimizers.Adam(0.02), loss="binary_crossentropy")
    history = model.fit(x, y, epochs=8, batch_size=32, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.75 * losses[0]


@only_on("jax", reason="checks jax.jit directly")
def test_scan_loop_compiles_under_jit(sequence):
    import jax

    layer = layers.GRU(5, return_sequences=True)
    eager = np.asarray(layer(sequence))
    values = [v.value for v in layer.trainable_variables]

    @jax.jit
    def run(trainable, x):
        out, _ = layer.stateless_call(trainable, [], x)
        return out

    np.testing.assert_allclose(np.asarray(run(values, sequence)), eager, rtol=1e-5, atol=1e-6)


@requires_training
def test_stateful_lstm_carries_states_through_compiled_fit():
    x = np.random.default_rng(0).normal(size=(4, 5, 3)).astype("float32")
    y = np.ones((4, 2), "float32")
    rnn = layers.LSTM(2, stateful=True)
    model = lamina.Sequential([lamina.Input(batch_shape=(4, 5, 3)), rnn])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    after_fit = [np.array(v.value) for v in rnn._states]
    assert all(np.abs(s).sum() > 0 for s in after_fit)
    rnn.reset_state()
    assert all(np.abs(np.array(v.value)).sum() == 0 for v in rnn._states)
    # The weights file does not hold the states, as in Keras.
    assert len(model.weights) == 3
