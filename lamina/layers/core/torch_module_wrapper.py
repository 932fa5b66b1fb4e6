"""`TorchModuleWrapper`: a `torch.nn.Module` as a lamina layer (torch backend only).

The torch-specific work is in `lamina/backend/torch/layer.py`, reached through
`active.layer`; on other backends those functions raise a clear error.
"""

from lamina import backend
from lamina.api_export import export
from lamina.backend import active
from lamina.layers.layer import Layer


@export("lamina.layers.TorchModuleWrapper")
class TorchModuleWrapper(Layer):
    """Wraps a `torch.nn.Module` so that it trains and saves its weights as a lamina layer.

    The module's parameters become the layer's variables (trainable when they require grad)
    and its buffers (e.g. batch norm statistics) non-trainable variables; both share the
    module's tensors, so `fit`, `get_weights`/`set_weights` and the module itself see the
    same values. Only on the torch backend.

    Args:
        module: the `torch.nn.Module` (a lazy module must have been called once).
        name: the layer's name.
        output_shape: the full output shape (with None for the batch dim), for the
            functional API; inferred by running the module on "meta" tensors otherwise.

    Saving: the module's code and structure cannot be stored without pickle, which lamina
    never writes: `get_config` raises. Save the weights (`model.save_weights`) and rebuild the
    model in code, or subclass the wrapper with a `get_config`/`from_config` that rebuilds the
    module from its arguments.

    Example (LAMINA_BACKEND=torch)::

        layer = lamina.layers.TorchModuleWrapper(torch.nn.Linear(4, 2))
        model = lamina.Sequential([lamina.Input((4,)), layer])
        model.compile(optimizer="sgd", loss="mse")
        model.fit(torch_data_loader, epochs=5)
    """

    def __init__(self, module, name=None, output_shape=None, **kwargs):
        super().__init__(name=name, **kwargs)
        with backend.name_scope(self.name, caller=self):
            module, parameters, buffers = active.layer.torch_module_variables(module)
        self.module = module
        self.output_shape = None if output_shape is None else tuple(output_shape)
        self._torch_parameters = parameters
        self._torch_buffers = buffers
        for _, variable in parameters + buffers:
            self._track(variable)
        self.built = True

    def call(self, *args, training=None, **kwargs):
        return active.layer.call_torch_module(
            self.module, self._torch_parameters, self._torch_buffers, args, kwargs, training)

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None:
            return self.output_shape
        return active.layer.torch_module_output_shape(
            self.module, self._torch_parameters, self._torch_buffers, input_shape,
            self.compute_dtype)

    def get_config(self):
        raise NotImplementedError(
            f"TorchModuleWrapper {self.name!r} cannot be saved with its module: a torch "
            "module can only be stored by pickling it, which lamina never writes (loading it "
            "would run code from the file). Save the weights with `model.save_weights(...)` "
            "and rebuild the model in code, or subclass TorchModuleWrapper with a "
            "`get_config()` that records how to build the module and a `from_config()` that "
            "builds it."
        )

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        module = config.get("module")
        if isinstance(module, str):
            # A Keras file: the module pickled with torch.save (base64 text).
            if not _unsafe_loading_allowed(safe_mode):
                raise ValueError(
                    "Requested the deserialization of a TorchModuleWrapper whose torch module "
                    "is pickled in the file: loading it would run code from the file, which "
                    "safe mode refuses. If you trust the file, load it with "
                    "`safe_mode=False` (or call "
                    "`lamina.config.enable_unsafe_deserialization()`); otherwise rebuild the "
                    "model in code and load only its weights."
                )
            config["module"] = active.layer.load_torch_module(module)
        elif module is None:
            raise ValueError(
                "TorchModuleWrapper.from_config: the config has no `module`. Rebuild the "
                "layer in code with its torch module."
            )
        return cls(**config)


def _unsafe_loading_allowed(safe_mode):
    """Whether the user turned safe mode off: explicitly here, for the running load, or
    globally. A direct `from_config` call outside any load counts as safe (fails closed)."""
    from lamina import config as lamina_config
    from lamina.saving import object_registration

    if safe_mode is not None:
        return not safe_mode
    if lamina_config.unsafe_deserialization_enabled():
        return True
    return getattr(object_registration._SAFE_MODE, "value", None) is False
