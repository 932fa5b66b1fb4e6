"""`Model`: a layer that trains (compile/fit/evaluate/predict, from the Trainer).

`Model(inputs, outputs)` builds a `Functional` model; subclassing `Model` and writing `call`
gives a subclassed model. `Sequential` is in sequential.py.
"""

from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.trainers.trainer import Trainer


def _is_functional_call(args, kwargs):
    return ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) == 2) or (len(args) == 1 and "outputs" in kwargs)


@export("lamina.Model", "lamina.models.Model")
class Model(Trainer, Layer):
    """A trainable model: a functional graph, or a subclass with a `call` method.

    Example (functional):
    >>> inputs = lamina.Input((30,))
    >>> outputs = lamina.layers.Dense(1, activation="sigmoid")(inputs)
    >>> model = lamina.Model(inputs, outputs)

    Example (subclassing):
    >>> class MyModel(lamina.Model):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.dense = lamina.layers.Dense(1)
    ...     def call(self, x):
    ...         return self.dense(x)
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and _is_functional_call(args, kwargs):
            from lamina.models.functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return Layer.__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        if args or "inputs" in kwargs:
            raise ValueError(
                "A subclassed Model cannot take `inputs`/`outputs`: call "
                "lamina.Model(inputs, outputs) for a functional model."
            )
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """A layer of the model by `name` or by `index` in `layers`."""
        if index is not None and name is not None:
            raise ValueError(
                "Provide only a layer name or a layer index. Received: "
                f"index={index}, name={name}."
            )
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(
                    f"Was asked to retrieve layer at index {index} but model only has "
                    f"{len(self.layers)} layers."
                )
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(
                f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}."
            )
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, their output shapes and parameter counts."""
        from lamina.utils.summary_utils import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable,
                      layer_range=layer_range)

    def export(self, filepath, format="tf_saved_model", verbose=None, input_signature=None,
               **kwargs):
        """Writes the model's inference function to `filepath` in a format that runs without
        lamina (see `lamina.export.export_model` for the formats each backend can write)."""
        from lamina.export.export_lib import export_model

        return export_model(self, filepath, format=format, verbose=verbose,
                            input_signature=input_signature, **kwargs)

    def to_json(self, **kwargs):
        """The model's architecture as a JSON string (see `lamina.models.model_from_json`)."""
        from lamina.utils.model_utils import model_to_json

        return model_to_json(self, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Saves the weights to a `.weights.h5` file (written atomically)."""
        from lamina.saving import weights_io

        weights_io.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5` file, by layer path; shapes are checked first."""
        from lamina.saving import weights_io

        weights_io.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable}
        if type(self).get_config is Model.get_config and self._auto_config is not None:
            from lamina.layers.layer import _is_serializable_plain

            extra = {k: v for k, v in self._auto_config.items()
                     if k not in ("name", "trainable", "dtype")}
            if all(_is_serializable_plain(v) for v in extra.values()):
                config.update(extra)
        return config
