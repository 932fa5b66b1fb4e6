"""The `.keras` file: a zip of `metadata.json`, `config.json` and `model.weights.h5`.

The same layout, field names and weights paths as Keras 3, so files move both ways. Saving
writes a temporary file and renames it over the target. Loading reads the zip defensively
(member names, sizes and compression ratios checked, nothing else read), resolves every name
through lamina's registries only (see serialization_lib), never unpickles or unmarshals, and
loads weights by layer path with every shape checked. Every problem with the file itself is a
ValueError (TypeError for an object that is not known), whatever part of it is damaged.
"""

import datetime
import io
import json
import os
import tempfile
import zipfile

from lamina.saving import object_registration, weights_io

CONFIG = "config.json"
METADATA = "metadata.json"
WEIGHTS = "model.weights.h5"
ASSETS = "assets"
# The Keras version whose format lamina writes (Keras reads files of the same major version).
KERAS_FORMAT_VERSION = "3.8.0"
_MAX_MEMBERS = 10_000
_MAX_MEMBER_BYTES = 8 * 1024**3
_MAX_CONFIG_BYTES = 64 * 1024**2
_MAX_METADATA_BYTES = 1024**2
# Weights compress a little, configs a lot; a member that inflates more than this and to more
# than _BOMB_FLOOR bytes is a decompression bomb.
_MAX_RATIO = 1000
_BOMB_FLOOR = 64 * 1024**2
_H5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def save(model, filepath, overwrite=True):
    import h5py

    from lamina import __version__
    from lamina.saving.serialization_lib import serialize_keras_object

    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    config = serialize_keras_object(model)
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "lamina_version": __version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    config_bytes = json.dumps(config, sort_keys=True, indent=None).encode("utf-8")
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as handle:
        weights_io.write_model_weights(model, handle)
    weights_bytes = buffer.getvalue()
    assets = _collect_assets(model)

    def write(tmp):
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            archive.writestr(CONFIG, config_bytes)
            archive.writestr(WEIGHTS, weights_bytes)
            for name, data in assets:
                archive.writestr(name, data)

    weights_io._atomic_write(filepath, write)


def _collect_assets(model):
    """`[(member name, bytes)]` of the files layers write with `save_assets` (vocabularies),
    under `assets/<the layer's weights path>/`, as Keras lays them out."""
    out = []
    for entry in weights_io.walk(model):
        if not hasattr(entry.obj, "save_assets"):
            continue
        with tempfile.TemporaryDirectory() as directory:
            entry.obj.save_assets(directory)
            for root, _, files in sorted(os.walk(directory)):
                for file in sorted(files):
                    full = os.path.join(root, file)
                    relative = os.path.relpath(full, directory).replace(os.sep, "/")
                    prefix = f"{ASSETS}/{entry.path}" if entry.path else ASSETS
                    with open(full, "rb") as handle:
                        out.append((f"{prefix}/{relative}", handle.read()))
    return out


def _load_assets(model, assets):
    """Gives each layer with `load_assets` a folder holding its files from the archive."""
    if not assets:
        return
    for entry in weights_io.walk(model):
        if not hasattr(entry.obj, "load_assets"):
            continue
        prefix = (f"{ASSETS}/{entry.path}" if entry.path else ASSETS) + "/"
        own = {name[len(prefix):]: data for name, data in assets.items()
               if name.startswith(prefix) and "/" not in name[len(prefix):]}
        if not own:
            continue
        with tempfile.TemporaryDirectory() as directory:
            for name, data in own.items():
                with open(os.path.join(directory, name), "wb") as handle:
                    handle.write(data)
            entry.obj.load_assets(directory)


def _read_assets(archive):
    assets, total = {}, 0
    for info in archive.infolist():
        if not info.filename.startswith(ASSETS + "/") or info.is_dir():
            continue
        total += info.file_size
        if total > _MAX_MEMBER_BYTES:
            raise ValueError(f"Invalid .keras file: its assets exceed {_MAX_MEMBER_BYTES} bytes.")
        assets[info.filename] = _read_member(archive, info.filename, _MAX_MEMBER_BYTES)
    return assets


def _check_members(archive):
    infos = archive.infolist()
    if len(infos) > _MAX_MEMBERS:
        raise ValueError(f"Invalid .keras file: it has {len(infos)} members, over the limit of "
                         f"{_MAX_MEMBERS}.")
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or "\\" in name or ":" in parts[0] \
                or "\x00" in name:
            raise ValueError(f"Invalid .keras file: unsafe member name {name!r} (absolute or "
                             "leaving the archive).")
        if info.file_size > _BOMB_FLOOR and info.file_size > _MAX_RATIO * max(info.compress_size, 1):
            raise ValueError(
                f"Invalid .keras file: {name} would inflate from {info.compress_size} to "
                f"{info.file_size} bytes (a decompression bomb)."
            )


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
    # zipfile never yields more than the declared size, so this read is bounded.
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"Invalid .keras file: {name} decompresses to more than {limit} bytes.")
    return data


def _read_json(archive, name, limit):
    data = _read_member(archive, name, limit)
    try:
        value = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError(f"Invalid .keras file: {name} is nested too deeply.") from None
    except ValueError as error:
        raise ValueError(f"Invalid .keras file: {name} is not valid JSON ({error}).") from None
    if not isinstance(value, dict):
        raise ValueError(f"Invalid .keras file: {name} must hold a JSON object, it holds "
                         f"{type(value).__name__}.")
    return value


def _refuse_legacy_h5(filepath, safe_mode):
    with open(filepath, "rb") as handle:
        head = handle.read(len(_H5_SIGNATURE))
    if head == _H5_SIGNATURE:
        raise ValueError(
            f"{filepath} is a legacy HDF5 model file (Keras 2). lamina does not load whole "
            "models from this format: its configs may hold marshalled Python code"
            + (" and safe mode is on" if safe_mode else "") + ". Rebuild the model in code and "
            "load its weights with model.load_weights(), or re-save it as .keras with Keras."
        )


def load(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a `.keras` file; see `lamina.saving.load_model`."""
    import h5py

    from lamina import config as lamina_config
    from lamina.saving.serialization_lib import deserialize_keras_object

    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is an "
                         "accessible `.keras` zip file.")
    if safe_mode and lamina_config.unsafe_deserialization_enabled():
        safe_mode = False
    with object_registration.LoadingScope(bool(safe_mode)):
        if not zipfile.is_zipfile(filepath):
            _refuse_legacy_h5(filepath, safe_mode)
            raise ValueError(f"{filepath} is not a .keras (zip) file.")
        try:
            with zipfile.ZipFile(filepath, "r") as archive:
                _check_members(archive)
                config = _read_json(archive, CONFIG, _MAX_CONFIG_BYTES)
                if METADATA in archive.namelist():
                    _read_json(archive, METADATA, _MAX_METADATA_BYTES)
                weights_bytes = _read_member(archive, WEIGHTS, _MAX_MEMBER_BYTES)
                assets = _read_assets(archive)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError,
                NotImplementedError, RuntimeError) as error:
            raise ValueError(f"Invalid .keras file {filepath}: the zip cannot be read "
                             f"({type(error).__name__}: {error}).") from error
        if not compile:
            config = dict(config)
            config.pop("compile_config", None)
        try:
            model = deserialize_keras_object(config, custom_objects=custom_objects,
                                             safe_mode=safe_mode)
        except (ValueError, TypeError):
            raise
        except RecursionError:
            raise ValueError("Invalid .keras file: config.json is nested too deeply.") from None
        except Exception as error:
            raise ValueError(
                f"Invalid .keras file {filepath}: the model in config.json cannot be rebuilt "
                f"({type(error).__name__}: {error})."
            ) from error
        if not hasattr(model, "layers") or not hasattr(model, "trainable_variables"):
            raise ValueError(f"Invalid .keras file: config.json describes a "
                             f"{type(model).__name__}, not a model.")
        optimizer = getattr(model, "optimizer", None)
        if compile and optimizer is not None and not getattr(optimizer, "built", False):
            optimizer.build(model.trainable_variables)
        try:
            with h5py.File(io.BytesIO(weights_bytes), "r") as handle:
                weights_io.read_weights_h5(weights_io.collect(model), handle, owner=model.name)
            _load_assets(model, assets)
        except (ValueError, TypeError):
            raise
        except Exception as error:
            raise ValueError(f"Invalid .keras file {filepath}: its weights or assets cannot be "
                             f"read ({type(error).__name__}: {error}).") from error
    return model
