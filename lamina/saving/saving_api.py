"""`save_model` / `load_model`: the entry points of the `.keras` format."""

import os

from lamina.api_export import export


@export("lamina.saving.save_model", "lamina.models.save_model")
def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` to a `.keras` file."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(
            "Invalid filepath extension for saving. Please add the `.keras` extension (or "
            f"use save_weights with `.weights.h5`). Received: filepath={filepath}"
        )
    from lamina.saving import keras_file

    keras_file.save(model, filepath, overwrite=overwrite)


@export("lamina.saving.load_model", "lamina.models.load_model")
def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved with `save_model` / `model.save`."""
    from lamina.saving import keras_file

    return keras_file.load(os.fspath(filepath), custom_objects=custom_objects, compile=compile,
                           safe_mode=safe_mode)


@export("lamina.saving.save_weights")
def save_weights(model, filepath, overwrite=True, **kwargs):
    """Saves `model`'s weights to a `.weights.h5` file."""
    model.save_weights(filepath, overwrite=overwrite)


@export("lamina.saving.load_weights")
def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Loads a `.weights.h5` file into `model`."""
    model.load_weights(filepath, skip_mismatch=skip_mismatch)
