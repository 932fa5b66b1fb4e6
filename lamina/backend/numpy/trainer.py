"""numpy backend: trainer functions."""
