"""`lamina.ops`: every op, with a symbolic rule and a backend dispatch.

Modules here import only `lamina.backend` (never a framework): `elementwise`/`arrays` (the
NumPy-like namespace), `nn`, `math`, `linalg`, `image`, `core` (conversion and control flow).
"""

from lamina.api_export import populate
from lamina.ops import arrays, core, einops, elementwise, image, linalg, math, nn  # noqa: F401
from lamina.ops import numpy  # noqa: F401

populate(__name__, globals())
