"""jax backend: rnn functions."""
