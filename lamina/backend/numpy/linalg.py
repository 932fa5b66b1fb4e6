"""numpy backend: linalg functions."""
