"""numpy backend: math functions."""
