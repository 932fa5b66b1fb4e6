"""numpy backend: rnn functions.

`lstm` and `gru` are the optional fused fast paths of the `LSTM` and `GRU` layers (see the
torch backend). The numpy backend has none: they raise NotImplementedError and the layers run
their generic loop.
"""


def lstm(inputs, initial_state_h, initial_state_c, mask, kernel, recurrent_kernel, bias,
         activation, recurrent_activation, return_sequences=False, go_backwards=False,
         unroll=False):
    """No fused LSTM on numpy: always raises NotImplementedError."""
    raise NotImplementedError("the numpy backend has no fused LSTM")


def gru(inputs, initial_state, mask, kernel, recurrent_kernel, bias, activation,
        recurrent_activation, return_sequences=False, go_backwards=False, unroll=False,
        reset_after=True):
    """No fused GRU on numpy: always raises NotImplementedError."""
    raise NotImplementedError("the numpy backend has no fused GRU")
