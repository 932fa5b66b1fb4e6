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
from lamina import config, mixed_precision, preprocessing  # noqa: F401
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
register("lamina.Operation", ops.operation.Operation)
register("lamina.StatelessScope", backend.StatelessScope)
register("lamina.SymbolicScope", backend.SymbolicScope)
register("lamina.Initializer", initializers.Initializer)
register("lamina.Optimizer", optimizers.Optimizer)
register("lamina.mixed_precision.LossScaleOptimizer", optimizers.LossScaleOptimizer)
populate("lamina.mixed_precision", mixed_precision.__dict__)
register("lamina.Regularizer", regularizers.Regularizer)


def device(device_name):
    """A context in which new tensors are placed on `device_name` ("cpu:0", "gpu:0")."""
    return backend.active.core.device_scope(device_name)


register("lamina.device", device)
register("lamina.utils.clear_session", backend.clear_session)
register("lamina.utils.standardize_dtype", backend.standardize_dtype)
populate("lamina.utils", utils.__dict__)
for _name in ("backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
              "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type",
              "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype"):
    register(f"lamina.backend.{_name}", getattr(backend, _name))

populate(__name__, globals())

# Load the active backend now: loading it later, e.g. first inside a user's jax.jit trace,
# would change framework settings (jax's 64-bit mode) in the middle of that trace.
backend.active.core  # noqa: B018
