"""numpy backend: rnn functions."""
