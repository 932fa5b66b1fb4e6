"""jax backend: trainer functions."""
