"""The `lamina.ops.numpy` namespace: NumPy-like ops (defined in elementwise.py, arrays.py)."""

from lamina.api_export import populate
from lamina.ops import arrays, elementwise  # noqa: F401 - they register the symbols

populate(__name__, globals())
