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
    """Loads a model saved with `save_model` / `model.save` (lamina's or Keras 3's `.keras`).

    Loading is safe by design: every class or function a file names is looked up in
    lamina's modeling namespaces (layers, models, ops, activations, losses, metrics,
    optimizers, initializers, regularizers, constraints), the registered objects and
    `custom_objects`; nothing is imported, unpickled or unmarshalled, and lambdas stored as
    code are refused. Archive members, sizes and HDF5 datasets are checked before reading.

    WARNING: `safe_mode=False` (or `lamina.config.enable_unsafe_deserialization()`) tells
    lamina that you trust the file completely. It cannot be turned off from inside a load.
    Only pass it for files you wrote yourself.

    Args:
        filepath: path to a `.keras` file.
        custom_objects: `{name: class_or_function}` for user objects the file names.
        compile: whether to restore the optimizer (with its state), loss and metrics.
        safe_mode: keep True unless the file is yours.

    Returns:
        The model, with its weights (and optimizer state when `compile`).

    Raises:
        ValueError: the file is not a valid `.keras` file, is refused by safe mode, or its
            weights do not fit the model (the message names the layer and both shapes).
        TypeError: the file names an object lamina does not know; pass it in
            `custom_objects` or register it.
    """
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
