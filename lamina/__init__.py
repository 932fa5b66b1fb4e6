"""lamina: a deep-learning framework with the Keras API on several backends.

`import lamina as keras` runs programs written for Keras 3's backend-agnostic API. The
backend is chosen by LAMINA_BACKEND (or KERAS_BACKEND), else ~/.lamina/lamina.json, else jax.
"""

from lamina import backend, tree  # noqa: F401
from lamina import ops  # noqa: F401
from lamina import activations, constraints, initializers, regularizers  # noqa: F401
from lamina import dtype_policies, saving  # noqa: F401
from lamina import layers, losses, metrics, optimizers  # noqa: F401
from lamina import callbacks, models, random, utils  # noqa: F401
from lamina.api_export import populate, register
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.variables import Variable

__version__ = "0.1.0"


def version():
    """lamina's version string."""
    return __version__


register("lamina.Variable", Variable)
register("lamina.KerasTensor", KerasTensor)
register("lamina.name_scope", backend.name_scope)
register("lamina.version", version)

populate(__name__, globals())
