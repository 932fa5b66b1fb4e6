"""jax backend: linalg functions."""
