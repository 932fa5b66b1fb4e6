"""jax backend: random functions."""
