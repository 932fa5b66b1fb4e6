"""numpy backend: random functions."""
