"""`lamina.mixed_precision`: dtype policies under their older Keras names."""

from lamina import dtype_policies  # noqa: F401 - registers the symbols
from lamina.api_export import populate

populate(__name__, globals())
