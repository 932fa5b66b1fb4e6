"""Recurrent layers: cells (one time step), `RNN` (the time loop over a cell), the built-in
SimpleRNN/LSTM/GRU layers, ConvLSTM, and the `Bidirectional`/`TimeDistributed` wrappers.

Written against `lamina.ops` only; the time loop is `ops.scan`, so it compiles.
"""
