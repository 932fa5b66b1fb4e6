"""The `.keras` file: a zip of `config.json`, `metadata.json` and `model.weights.h5`.

Saving writes a temporary file and renames it over the target. Loading reads the zip
defensively (member names and sizes checked, nothing else read), resolves every class name
through lamina's registries only, and loads weights by layer path with shapes checked.
"""

import datetime
import io
import json
import os
import zipfile

from lamina.saving import weights_io

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
_MAX_MEMBER_BYTES = 2 * 1024**3
_MAX_CONFIG_BYTES = 64 * 1024**2


def save(model, filepath, overwrite=True):
    import h5py

    from lamina import __version__
    from lamina.saving.serialization_lib import serialize_keras_object

    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    config = serialize_keras_object(model)
    metadata = {"keras_version": "3.15.0", "lamina_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config_bytes = json.dumps(config, sort_keys=True, indent=None).encode("utf-8")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        weights_io.write_weights_h5(weights_io.collect(model), handle)
    weights_bytes = buffer.getvalue()

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            archive.writestr(CONFIG, config_bytes)
            archive.writestr(WEIGHTS, weights_bytes)

    weights_io._atomic_write(filepath, write)


def _read_member(archive, name, limit):
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ValueError(f"Invalid .keras file: it has no {name}.") from None
    if info.file_size > limit:
        raise ValueError(
            f"Invalid .keras file: {name} declares {info.file_size} bytes, over the limit of "
            f"{limit}."
        )
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"Invalid .keras file: {name} decompresses to more than {limit} bytes.")
    return data


def load(filepath, custom_objects=None, compile=True, safe_mode=True):
    import h5py

    from lamina.saving.serialization_lib import deserialize_keras_object

    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    if not zipfile.is_zipfile(filepath):
        raise ValueError(f"{filepath} is not a .keras (zip) file.")
    with zipfile.ZipFile(filepath, "r") as archive:
        for name in archive.namelist():
            if name.startswith("/") or ".." in name.split("/") or "\\" in name:
                raise ValueError(f"Invalid .keras file: unsafe member name {name!r}.")
        config = json.loads(_read_member(archive, CONFIG, _MAX_CONFIG_BYTES))
        weights_bytes = _read_member(archive, WEIGHTS, _MAX_MEMBER_BYTES)
    if not compile:
        config = dict(config)
        config.pop("compile_config", None)
    model = deserialize_keras_object(config, custom_objects=custom_objects, safe_mode=safe_mode)
    compile_config = config.get("compile_config") if compile else None
    optimizer = getattr(model, "optimizer", None)
    if compile_config and optimizer is not None and not getattr(optimizer, "built", False):
        optimizer.build(model.trainable_variables)
    with h5py.File(io.BytesIO(weights_bytes), "r") as handle:
        weights_io.read_weights_h5(weights_io.collect(model), handle, owner=model.name)
    return model


