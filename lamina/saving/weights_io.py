"""Weights files (`.weights.h5`): one HDF5 group per layer, by path, as Keras 3 lays them out.

`layers/<name>/vars/<i>` holds the i-th variable of a layer (nested layers nest their groups),
`optimizer/vars/<i>` the optimizer's. Writes go to a temporary file renamed over the target,
so an interrupted save leaves the previous file intact; loads check every shape first and
change nothing when one does not match.
"""

import os
import tempfile

import numpy as np

from lamina.backend.common.global_state import _to_snake_case as to_snake_case

_SUFFIX = ".weights.h5"


def _own_variables(obj):
    if hasattr(obj, "_own_variables"):
        return obj._own_variables()
    return list(getattr(obj, "variables", []))


def _children(layer):
    from lamina.models.sequential import Sequential

    if isinstance(layer, Sequential):
        return list(layer.layers)
    return list(getattr(layer, "_layers", []))


def collect(model, include_optimizer=True):
    """`{group path: [variables]}` for a model, in a stable order."""
    out = {}

    def walk(layer, path):
        variables = _own_variables(layer)
        if variables:
            out[f"{path}/vars" if path else "vars"] = variables
        # Children are keyed by class ("dense", "dense_1", ...) in order, not by their
        # auto-generated names, so that a model built another way loads the same file.
        used = {}
        for child in _children(layer):
            key = to_snake_case(type(child).__name__)
            if key in used:
                used[key] += 1
                key = f"{key}_{used[key]}"
            else:
                used[key] = 0
            walk(child, f"{path}/layers/{key}" if path else f"layers/{key}")

    walk(model, "")
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None and getattr(optimizer, "built", False):
        out["optimizer/vars"] = list(optimizer.variables)
    return out


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".lamina-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def write_weights_h5(groups, target):
    """Writes `{group: [variables]}` to an HDF5 file path or an open h5py.File."""
    import h5py

    def write(handle):
        for group_path, variables in groups.items():
            group = handle.require_group(group_path)
            for i, variable in enumerate(variables):
                value = np.asarray(variable.value if hasattr(variable, "value") else variable)
                if value.dtype.name == "bfloat16":
                    value = value.astype("float32")
                group.create_dataset(str(i), data=value)

    if isinstance(target, (str, os.PathLike)):
        def to_file(tmp):
            with h5py.File(tmp, "w") as handle:
                write(handle)

        _atomic_write(os.fspath(target), to_file)
    else:
        write(target)


def read_weights_h5(groups, source, skip_mismatch=False, owner="model"):
    """Loads values into `{group: [variables]}` from a file; checks all before assigning."""
    import h5py

    def read(handle):
        assignments = []
        for group_path, variables in groups.items():
            if group_path not in handle:
                if group_path.startswith("optimizer"):
                    continue
                if skip_mismatch:
                    continue
                raise ValueError(
                    f"The weights file has no weights for {group_path.rsplit('/vars', 1)[0] or owner!r}"
                    f" (expected group {group_path!r}); it holds: {sorted(_list_groups(handle))}."
                )
            group = handle[group_path]
            stored = sorted(group.keys(), key=int)
            if len(stored) != len(variables):
                if skip_mismatch:
                    continue
                raise ValueError(
                    f"Layer {group_path.rsplit('/vars', 1)[0]!r} expects {len(variables)} "
                    f"variables, but the file holds {len(stored)}."
                )
            for key, variable in zip(stored, variables):
                dataset = group[key]
                if tuple(dataset.shape) != tuple(variable.shape):
                    if skip_mismatch:
                        continue
                    raise ValueError(
                        f"Shape mismatch for {variable.path!r} (layer "
                        f"{group_path.rsplit('/vars', 1)[0]!r}): the model expects "
                        f"{tuple(variable.shape)}, the file holds {tuple(dataset.shape)}."
                    )
                if dataset.size > 10**10:
                    raise ValueError(f"Refusing to read dataset {dataset.name} of shape "
                                     f"{dataset.shape}: it is too large.")
                assignments.append((variable, dataset))
        values = [(variable, np.asarray(dataset[()])) for variable, dataset in assignments]
        for variable, value in values:
            variable.assign(value)

    if isinstance(source, (str, os.PathLike)):
        with h5py.File(os.fspath(source), "r") as handle:
            read(handle)
    else:
        read(source)


def _list_groups(handle):
    names = []
    handle.visit(lambda name: names.append(name) if name.endswith("vars") else None)
    return names


def save_weights(model, filepath, overwrite=True):
    """Saves every weight of `model` (and its optimizer's state) to a `.weights.h5` file."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(_SUFFIX):
        raise ValueError(
            "The filename must end in `.weights.h5`. Received: filepath=" + filepath
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    write_weights_h5(collect(model), filepath)


def load_weights(model, filepath, skip_mismatch=False):
    """Loads weights saved by `save_weights` into `model`, matching layers by path."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such weights file: {filepath}")
    read_weights_h5(collect(model), filepath, skip_mismatch=skip_mismatch, owner=model.name)
