"""torch backend: lamina layers are `torch.nn.Module`s, and torch modules run inside lamina.

`BackendLayer` is a base class of `lamina.layers.Layer` on this backend (the other backends'
is an empty class). It makes every layer and model a `torch.nn.Module` whose parameters are
the Parameters of its lamina variables (see `Variable` in core.py), so that torch code works
on lamina models: `model.parameters()` in a torch optimizer, `state_dict()`, `.to()`,
`train()`/`eval()`. Calling a layer stays lamina's `Layer.__call__` (its `forward` calls it).

nn.Module's registries of parameters and submodules are not kept by nn.Module's
`__setattr__` (lamina's own attribute tracking replaces it): they are derived from lamina's
tracking on each read, and cached until anything is tracked anew.

The functions below serve `lamina.layers.TorchModuleWrapper`: a torch module's parameters and
buffers become lamina variables sharing their tensors, and the module runs with the values
the variables have (so that lamina's stateless training step differentiates it).
"""

import base64
import io

import torch

from lamina.backend.common import global_state
from lamina.backend.torch.core import DTYPE_NAMES, Variable, _device


class BackendLayer(torch.nn.Module):
    """Makes a lamina layer a `torch.nn.Module` (mixed into `Layer` on the torch backend)."""

    def __new__(cls, *args, **kwargs):
        layer = super().__new__(cls)
        # nn.Module's bookkeeping (hooks, `training`), before Layer.__init__ runs.
        torch.nn.Module.__init__(layer)
        return layer

    def forward(self, *args, **kwargs):
        return self(*args, **kwargs)

    # nn.Module reads these two dicts to walk parameters and submodules.
    @property
    def _parameters(self):
        return self._torch_registry()[0]

    @_parameters.setter
    def _parameters(self, value):
        pass  # nn.Module.__init__'s empty dict: the registry is derived, never stored.

    @property
    def _modules(self):
        return self._torch_registry()[1]

    @_modules.setter
    def _modules(self, value):
        pass

    def _torch_registry(self):
        version = global_state.tracking_version()
        cached = self.__dict__.get("_torch_registry_cache")
        if cached is None or cached[0] != version:
            modules = _child_modules(self)
            cached = (version, _own_parameters(self, modules), modules)
            # (object.__setattr__: Layer.__setattr__ would count it as a tracking change.)
            object.__setattr__(self, "_torch_registry_cache", cached)
        return cached[1], cached[2]

    def __getattr__(self, name):
        # Reached only when the normal lookup failed. nn.Module's version would look in its
        # registries (whose entries are plain attributes here) and replace the original
        # error, e.g. a property's message, by a generic one: re-raise the original instead.
        return object.__getattribute__(self, name)

    def __delattr__(self, name):
        object.__delattr__(self, name)
        global_state.bump_tracking_version()

    def __getstate__(self):
        state = torch.nn.Module.__getstate__(self)
        state.pop("_torch_registry_cache", None)
        return state


def _unique(key, taken):
    key = key.replace(".", "_")
    candidate, index = key, 1
    while candidate in taken:
        candidate = f"{key}_{index}"
        index += 1
    return candidate


def _child_modules(layer):
    """Sublayers by name, then torch modules held in attributes (e.g. a wrapped module)."""
    modules = {}
    for sublayer in layer.__dict__.get("_layers", ()):
        if sublayer is not layer:
            modules[_unique(sublayer.name, modules)] = sublayer
    for name, value in layer.__dict__.items():
        if isinstance(value, torch.nn.Module) and not isinstance(value, BackendLayer):
            modules[_unique(name, modules)] = value
    return modules


def _own_parameters(layer, modules):
    """The Parameters of the layer's own variables, by variable name; those that a torch
    module among `modules` holds already are left to that module."""
    held = {id(t) for m in modules.values() if not isinstance(m, BackendLayer)
            for t in list(m.parameters()) + list(m.buffers())}
    parameters = {}
    own = layer.__dict__.get("_trainable_variables", []) + layer.__dict__.get(
        "_non_trainable_variables", [])
    for variable in own:
        tensor = variable.__dict__.get("_value")
        if isinstance(tensor, torch.nn.Parameter) and id(tensor) not in held:
            parameters[_unique(variable.name, parameters)] = tensor
    return parameters


# -- TorchModuleWrapper ------------------------------------------------------------------------


def torch_module_variables(module):
    """`(module, parameters, buffers)`: the module on lamina's device, and `(name, Variable)`
    pairs for its parameters (trainable when they require grad) and buffers (non-trainable),
    each variable sharing the module's tensor. Create them inside the layer's name scope."""
    if not isinstance(module, torch.nn.Module):
        raise TypeError(
            "TorchModuleWrapper: argument `module` must be a torch.nn.Module, received "
            f"{type(module).__name__}."
        )
    lazy = getattr(torch.nn.modules.lazy, "LazyModuleMixin", ())
    if isinstance(module, lazy) and module.has_uninitialized_params():
        raise ValueError(
            "TorchModuleWrapper: lazy torch modules must be initialized before they are "
            f"wrapped (call the module once on an example input). Received: {module}"
        )
    module = module.to(_device())
    parameters = []
    for name, parameter in module.named_parameters():
        variable = Variable(parameter, dtype=DTYPE_NAMES[parameter.dtype],
                            trainable=parameter.requires_grad, name=name)
        parameters.append((name, variable))
    buffers = []
    for name, buffer in module.named_buffers():
        variable = Variable(buffer, dtype=DTYPE_NAMES[buffer.dtype], trainable=False, name=name)
        variable._value = buffer  # shared: the module's state_dict() shows its updates
        buffers.append((name, variable))
    return module, parameters, buffers


def call_torch_module(module, parameters, buffers, args, kwargs, training):
    """Runs `module(*args, **kwargs)` with its parameters and buffers taken from the variables
    (their values in a stateless scope), then assigns the buffers it updated (e.g. a batch
    norm's running statistics) back to their variables."""
    if training is not None:
        module.train(bool(training))
    values = {name: variable.value for name, variable in parameters}
    written = []
    for name, variable in buffers:
        # A copy: the module updates buffers in place, and the value read may be a training
        # step's state, which must not change. (Kernels such as batch_norm's do not bump the
        # version counter of what they update, so every buffer is assigned back.)
        value = variable.value.clone()
        values[name] = value
        written.append((variable, value))
    outputs = torch.func.functional_call(module, values, tuple(args), kwargs)
    for variable, value in written:
        variable.assign(value)
    return outputs


def torch_module_output_shape(module, parameters, buffers, input_shape, dtype):
    """The output shape(s) of `module` for inputs of `input_shape` (a shape or a structure of
    shapes, None for unknown dims), found by running it on "meta" tensors (no data, no
    compute) with each unknown dim as 64 and then 65: dims that differ come out as None."""
    from lamina import tree
    from lamina.backend.torch.core import _torch_dtype

    torch_dtype = _torch_dtype(dtype)
    values = {name: torch.empty_like(v._value, device="meta")
              for name, v in list(parameters) + list(buffers)}

    def probe(size):
        inputs = tree.map_shape_structure(
            lambda shape: torch.empty([size if d is None else d for d in shape],
                                      dtype=torch_dtype, device="meta"), input_shape)
        was_training = module.training
        try:
            with torch.no_grad():
                out = torch.func.functional_call(module.eval(), values, (inputs,))
        finally:
            module.train(was_training)
        return tree.map_structure(lambda t: tuple(t.shape), out)

    try:
        small, large = probe(64), probe(65)
    except Exception as error:  # noqa: BLE001 - any failure of the user's module
        raise ValueError(
            "TorchModuleWrapper could not infer the output shape of its module for inputs of "
            f"shape {input_shape} ({type(error).__name__}: {error}). Pass "
            "`output_shape=...` to TorchModuleWrapper."
        ) from error
    return _merge_shapes(small, large)


def _merge_shapes(a, b):
    if isinstance(a, dict):
        return {k: _merge_shapes(a[k], b[k]) for k in a}
    if isinstance(a, (list, tuple)) and a and not all(isinstance(d, int) for d in a):
        return type(a)(_merge_shapes(x, y) for x, y in zip(a, b))
    return tuple(x if x == y else None for x, y in zip(a, b))


def load_torch_module(data):
    """The torch module pickled (`torch.save`, base64 text) in a Keras config. Runs pickle:
    call it only for a file the user trusts (safe mode off)."""
    buffer = io.BytesIO(base64.b64decode(data.encode("ascii")))
    return torch.load(buffer, weights_only=False, map_location=_device())
