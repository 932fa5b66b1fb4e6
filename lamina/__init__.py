"""lamina: a deep-learning framework with the Keras API on several backends.

`import lamina as keras` runs programs written for Keras 3's backend-agnostic API. The
backend is chosen by LAMINA_BACKEND (or KERAS_BACKEND), else ~/.lamina/lamina.json, else jax.
"""

from lamina import backend, tree  # noqa: F401
from lamina import ops  # noqa: F401
from lamina.api_export import populate, register
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.variables import Variable

__version__ = "0.1.0"
version = lambda: __version__  # noqa: E731 - keras.version() is a function

register("lamina.Variable", Variable)
register("lamina.KerasTensor", KerasTensor)
register("lamina.name_scope", backend.name_scope)

populate(__name__, globals())
