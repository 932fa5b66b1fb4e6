"""ConvLSTM layers: shapes, weights, config, and a 1x1 kernel against a per-pixel LSTM."""

import numpy as np

import lamina
from lamina import layers
from tests.layers.rnn.test_rnn import np_lstm_step, np_rnn


def test_conv_lstm2d_with_1x1_kernel_is_a_per_pixel_lstm(rng):
    x = rng.normal(size=(2, 4, 3, 3, 2)).astype("float32")
    layer = layers.ConvLSTM2D(5, 1, return_sequences=True)
    out = np.asarray(layer(x))
    assert out.shape == (2, 4, 3, 3, 5)
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (1, 1, 2, 20) and recurrent.shape == (1, 1, 5, 20)
    pixels = x.transpose(0, 2, 3, 1, 4).reshape(18, 4, 2)
    zeros = [np.zeros((18, 5), "float32")] * 2
    expected, _ = np_rnn(lambda xt, s: np_lstm_step(xt, s, kernel[0, 0], recurrent[0, 0], bias),
                         pixels, zeros)
    expected = expected.reshape(2, 3, 3, 4, 5).transpose(0, 3, 1, 2, 4)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-5)


def test_conv_lstm_shapes_weights_and_config(rng):
    x1 = rng.normal(size=(2, 3, 8, 3)).astype("float32")
    layer = layers.ConvLSTM1D(4, 3)
    assert layer(x1).shape == (2, 6, 4)
    assert [w.path for w in layer.weights] == [
        "conv_lstm1d/conv_lstm_cell/kernel", "conv_lstm1d/conv_lstm_cell/recurrent_kernel",
        "conv_lstm1d/conv_lstm_cell/bias"]
    out, h, c = layers.ConvLSTM2D(4, 3, padding="same", return_state=True)(
        lamina.Input((None, 6, 6, 2)))
    assert out.shape == h.shape == c.shape == (None, 6, 6, 4)
    seq = layers.ConvLSTM3D(2, 2, return_sequences=True)(lamina.Input((3, 4, 4, 4, 1)))
    assert seq.shape == (None, 3, 3, 3, 3, 2)
    config = layers.ConvLSTM2D(4, (3, 3), strides=2, dropout=0.1).get_config()
    assert config["kernel_size"] == (3, 3) and config["strides"] == (2, 2)
    assert layers.ConvLSTM2D.from_config(config).get_config() == config
    drop = layers.ConvLSTM1D(4, 3, dropout=0.5, recurrent_dropout=0.5, seed=1)
    assert not np.allclose(np.asarray(drop(x1)), np.asarray(drop(x1, training=True)))
