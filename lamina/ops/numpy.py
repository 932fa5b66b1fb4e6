"""The `lamina.ops.numpy` namespace: NumPy-like ops (defined in elementwise.py, arrays.py,
indexing.py and products.py)."""

from lamina.api_export import populate
from lamina.ops import arrays, elementwise, indexing, products  # noqa: F401 - they register

populate(__name__, globals())
