"""jax backend: layers are plain Python objects here (no backend base class), and torch
modules cannot be wrapped (`TorchModuleWrapper` needs the torch backend)."""


class BackendLayer:
    """The base that `lamina.layers.Layer` takes from the backend: nothing on jax."""


def _needs_torch():
    return ValueError(
        "TorchModuleWrapper needs the torch backend, but the active backend is 'jax'. Set "
        "LAMINA_BACKEND=torch (before importing lamina) to run torch modules in lamina models."
    )


def torch_module_variables(module):
    raise _needs_torch()


def call_torch_module(module, parameters, buffers, args, kwargs, training):
    raise _needs_torch()


def torch_module_output_shape(module, parameters, buffers, input_shape, dtype):
    raise _needs_torch()


def load_torch_module(data):
    raise _needs_torch()
