"""jax backend: image functions."""
