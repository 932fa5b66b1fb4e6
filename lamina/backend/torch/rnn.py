"""torch backend: rnn functions."""
