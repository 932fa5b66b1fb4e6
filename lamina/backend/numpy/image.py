"""numpy backend: image functions."""
