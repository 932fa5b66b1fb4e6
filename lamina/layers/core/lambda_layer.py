"""`Lambda`: wraps a function of tensors as a layer."""

import inspect

from lamina import tree
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer


@export("lamina.layers.Lambda")
class Lambda(Layer):
    """Applies `function(inputs, **arguments)`.

    Args:
        function: the function; it must use lamina.ops so it runs on symbolic tensors too.
        output_shape: the output shape (without batch dim) or a function of the input shape,
            when it cannot be inferred.
        mask: an output mask, or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.

    Saving: a Lambda holding a plain Python function cannot be loaded in safe mode, since
    loading it would run code from the file; prefer a registered function or layer subclass.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r}.")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._takes_training = "training" in inspect.signature(function).parameters
        self._takes_mask = "mask" in inspect.signature(function).parameters
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, inputs, mask=None, training=None):
        if self._output_shape is None:
            return super().compute_output_spec(inputs, mask=mask, training=training)
        shapes = tree.map_structure(lambda t: t.shape, inputs)
        if callable(self._output_shape):
            out = self._output_shape(shapes)
        else:
            batch = tree.flatten(shapes)[0][0] if tree.flatten(shapes) else None
            out = (batch,) + tuple(self._output_shape)
        return KerasTensor(tuple(out), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        from lamina.saving.object_registration import _GLOBAL_CUSTOM_NAMES
        from lamina.saving.serialization_lib import serialize_keras_object

        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.get_config_entry()}
        function = self.function
        if function.__name__ == "<lambda>" or (
                function not in _GLOBAL_CUSTOM_NAMES and inspect.isfunction(function)
                and function.__module__ not in ("lamina.activations.activations",)
                and not function.__module__.startswith("lamina.ops")):
            config["function"] = {"class_name": "__lambda__",
                                  "config": {"value": _source_of(function)}}
        else:
            config["function"] = serialize_keras_object(function)
        config["arguments"] = serialize_keras_object(self.arguments)
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        function = config.pop("function")
        if isinstance(function, dict) and function.get("class_name") == "__lambda__":
            raise ValueError(
                "Requested the deserialization of a `Lambda` layer whose function is Python "
                "code stored in the file. lamina refuses to load code from a file: register "
                "the function with lamina.saving.register_keras_serializable() and pass it in "
                "`custom_objects`, or rebuild the layer in code."
            )
        config["function"] = deserialize_keras_object(function, custom_objects=custom_objects)
        return cls(**config)


def _source_of(function):
    try:
        return inspect.getsource(function).strip()
    except (OSError, TypeError):
        return function.__name__
