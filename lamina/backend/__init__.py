"""The backend layer: a registry of backends and the active one.

Each backend is one folder (`lamina/backend/<name>/`) with the same modules: core, numpy,
nn, math, linalg, random, image, rnn, trainer, layer. Only those folders import a framework.
Everything else reaches the active backend through `active`, e.g. `active.numpy.add(a, b)`;
the backend's package is imported on first use, so `import lamina` stays cheap.

Third parties may add a backend through the entry point group "lamina.backends", whose value
is the import path of a package laid out like the built-in ones.
"""

import importlib

from lamina.backend import config
from lamina.backend.common import dtypes, global_state
from lamina.backend.common.dtypes import (
    is_float_dtype,
    is_int_dtype,
    result_type,
    standardize_dtype,
)
from lamina.backend.common.global_state import get_uid, name_scope
from lamina.backend.common.keras_tensor import KerasTensor, any_symbolic_tensors, is_keras_tensor
from lamina.backend.common.stateless_scope import (
    StatelessScope,
    SymbolicScope,
    get_stateless_scope,
    in_stateless_scope,
    in_symbolic_scope,
)
from lamina.backend.config import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    standardize_data_format,
)

MODULES = ("core", "numpy", "nn", "math", "linalg", "random", "image", "rnn", "trainer",
           "layer")


class BackendSpec:
    """How to load one backend: its package path, the framework it needs, how to install it."""

    def __init__(self, module, requires, install, trains=True):
        self.module = module
        self.requires = requires
        self.install = install
        self.trains = trains


REGISTRY = {
    "jax": BackendSpec("lamina.backend.jax", "jax", "pip install 'lamina[jax]'"),
    "numpy": BackendSpec("lamina.backend.numpy", "numpy", "pip install lamina", trains=False),
    "torch": BackendSpec("lamina.backend.torch", "torch", "pip install 'lamina[torch]'"),
    "tensorflow": BackendSpec(
        "lamina.backend.tensorflow", "tensorflow", "pip install 'lamina[tensorflow]'"
    ),
    "pytensor": BackendSpec(
        "lamina.backend.pytensor", "pytensor", "pip install 'lamina[pytensor]'"
    ),
}


def _registered_plugins():
    try:
        import importlib.metadata  # only when plugins are looked up: slow to import

        points = importlib.metadata.entry_points(group="lamina.backends")
    except TypeError:  # Python < 3.10 API
        points = importlib.metadata.entry_points().get("lamina.backends", [])
    return {p.name: p.value for p in points}


def get_spec(name):
    """The `BackendSpec` of backend `name`, or a ValueError listing the known names."""
    if name in REGISTRY:
        return REGISTRY[name]
    plugins = _registered_plugins()
    if name in plugins:
        spec = BackendSpec(plugins[name], plugins[name].split(".")[0], f"pip install {name}")
        REGISTRY[name] = spec
        return spec
    known = ", ".join(sorted(set(REGISTRY) | set(plugins)))
    raise ValueError(
        f"Unknown backend {name!r}: expected one of {known}. Set LAMINA_BACKEND (or "
        "KERAS_BACKEND) to one of these names."
    )


def _implemented():
    import pathlib

    here = pathlib.Path(__file__).parent
    return sorted(n for n in REGISTRY if (here / n / "__init__.py").exists())


class _ActiveBackend:
    """The modules of the active backend, loaded on first attribute access."""

    def __init__(self):
        self.name = config.requested_backend()
        get_spec(self.name)  # an unknown name fails at import, not at first use
        self._loaded = False

    def _load(self):
        spec = get_spec(self.name)
        try:
            package = importlib.import_module(spec.module)
        except ModuleNotFoundError as e:
            if e.name == spec.module:
                raise ModuleNotFoundError(
                    f"The {self.name!r} backend is not part of this version of lamina yet. "
                    f"Available now: {', '.join(_implemented())}."
                ) from e
            if e.name and e.name.split(".")[0] == spec.requires:
                raise ModuleNotFoundError(
                    f"The {self.name!r} backend needs the {spec.requires!r} package, which is "
                    f"not installed. Install it with `{spec.install}`, or choose another "
                    f"backend with LAMINA_BACKEND (one of {', '.join(sorted(REGISTRY))})."
                ) from e
            raise
        for module in MODULES:
            found = getattr(package, module, None)
            if found is None:  # a module that the package's __init__ does not import
                found = importlib.import_module(f"{spec.module}.{module}")
            setattr(self, module, found)
        self.package = package
        self.trains = spec.trains
        self._loaded = True
        config._BACKEND = self.name

    def __getattr__(self, attr):
        if attr.startswith("__") or self.__dict__.get("_loaded"):
            raise AttributeError(attr)
        self._load()
        return getattr(self, attr)


active = _ActiveBackend()
config._BACKEND = active.name


def backend():
    """The name of the active backend, e.g. "jax".

    Example:
    >>> lamina.backend.backend()
    'jax'
    """
    return active.name


def clear_session(free_memory=True):
    """Resets auto-naming, scopes and the global seed, as in Keras."""
    global_state.clear_session()


__all__ = [
    "KerasTensor",
    "StatelessScope",
    "SymbolicScope",
    "active",
    "any_symbolic_tensors",
    "backend",
    "clear_session",
    "config",
    "dtypes",
    "epsilon",
    "floatx",
    "get_stateless_scope",
    "get_uid",
    "image_data_format",
    "in_stateless_scope",
    "in_symbolic_scope",
    "is_float_dtype",
    "is_int_dtype",
    "is_keras_tensor",
    "name_scope",
    "result_type",
    "set_epsilon",
    "set_floatx",
    "set_image_data_format",
    "standardize_data_format",
    "standardize_dtype",
]
