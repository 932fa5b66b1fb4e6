"""`lamina.preprocessing`: the legacy Keras preprocessing helpers (sequence padding)."""

from lamina.preprocessing import sequence  # noqa: F401
