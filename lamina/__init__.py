"""lamina: a deep-learning framework with the Keras API on several backends.

`import lamina as keras` runs programs written for Keras 3's backend-agnostic API. The
backend is chosen by LAMINA_BACKEND (or KERAS_BACKEND), else ~/.lamina/lamina.json, else jax.

Importing lamina loads only the backend; every other package (`lamina.layers`,
`lamina.models`, ...) and the top-level names defined in them (`lamina.Sequential`, ...) load
on first use (PEP 562), so that `import lamina` costs little more than the backend itself.
"""

import importlib as _importlib

from lamina import api_export as _api
from lamina import backend
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.backend.common.variables import Variable

__version__ = "0.1.0"

# Top-level names exported by a package, and the package whose import exports them. A test
# (tests/test_lazy_import.py) checks this table against the registry after a full import.
_EXPORTED_BY = {
    "DTypePolicy": "dtype_policies",
    "FloatDTypePolicy": "dtype_policies",
    "Initializer": "initializers",
    "Input": "layers",
    "InputSpec": "layers",
    "Layer": "layers",
    "Loss": "losses",
    "Metric": "metrics",
    "Model": "models",
    "Operation": "ops",
    "Optimizer": "optimizers",
    "Regularizer": "regularizers",
    "Sequential": "models",
}


def version():
    """lamina's version string."""
    return __version__


def device(device_name):
    """A context in which new tensors are placed on `device_name` ("cpu:0", "gpu:0")."""
    return backend.active.core.device_scope(device_name)


_api.register("lamina.Variable", Variable)
_api.register("lamina.KerasTensor", KerasTensor)
_api.register("lamina.name_scope", backend.name_scope)
_api.register("lamina.version", version)
_api.register("lamina.StatelessScope", backend.StatelessScope)
_api.register("lamina.SymbolicScope", backend.SymbolicScope)
_api.register("lamina.device", device)
for _name in ("backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
              "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type",
              "set_epsilon", "set_floatx", "set_image_data_format", "standardize_dtype"):
    _api.register(f"lamina.backend.{_name}", getattr(backend, _name))
globals().update(_api.symbols(__name__))
del _name


def _public_names():
    return sorted(set(_api.public_modules()) | set(_EXPORTED_BY) | set(_api.symbols(__name__)))


def __getattr__(name):
    if name == "__all__":  # `from lamina import *` takes every public name
        return _public_names()
    package = _EXPORTED_BY.get(name)
    if package is not None:
        _importlib.import_module(f"{__name__}.{package}")
    return _api.resolve(__name__, name)


def __dir__():
    return sorted(set(_public_names()) | set(globals()))


# Load the active backend now: loading it later, e.g. first inside a user's jax.jit trace,
# would change framework settings (jax's 64-bit mode) in the middle of that trace.
backend.active.core  # noqa: B018
