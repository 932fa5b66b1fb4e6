"""jax backend: math functions."""
