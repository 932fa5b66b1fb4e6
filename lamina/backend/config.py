"""Global configuration: which backend, floatx, epsilon, image data format.

The backend is chosen once per process, first to last from `LAMINA_BACKEND`,
`KERAS_BACKEND`, `~/.lamina/lamina.json` (key "backend"), then "jax". The other settings
come from the same file when present and may be changed at run time with the setters.
"""

import json
import os

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_BACKEND = None
_MAX_EPOCHS = None
_MAX_STEPS_PER_EPOCH = None


def config_path():
    """The path of the user's config file (`$LAMINA_HOME/lamina.json`, default ~/.lamina)."""
    home = os.environ.get("LAMINA_HOME") or os.path.join(os.path.expanduser("~"), ".lamina")
    return os.path.join(home, "lamina.json")


def _read_config_file():
    path = config_path()
    if not os.path.exists(path):
        return {}
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not read the lamina config file {path}: {e}") from e
    if not isinstance(data, dict):
        raise ValueError(f"The lamina config file {path} must hold a JSON object.")
    return data


_FILE_CONFIG = _read_config_file()


def floatx():
    """The default float dtype name, e.g. "float32"."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float dtype ("bfloat16", "float16", "float32" or "float64")."""
    global _FLOATX
    accepted = ("bfloat16", "float16", "float32", "float64")
    value = str(value)
    if value not in accepted:
        raise ValueError(f"Unknown floatx type: expected one of {accepted}, received {value!r}.")
    _FLOATX = value


def epsilon():
    """The fuzz factor used to avoid division by zero, 1e-7 by default."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """"channels_last" (default) or "channels_first"."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image data format."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    _IMAGE_DATA_FORMAT = data_format


def standardize_data_format(data_format):
    """`data_format` checked, or the global default when it is None."""
    if data_format is None:
        return image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "The `data_format` argument must be one of {'channels_first', 'channels_last'}. "
            f"Received: data_format={data_format!r}"
        )
    return data_format


def requested_backend():
    """The backend name the environment asks for (not checked against the registry)."""
    for var in ("LAMINA_BACKEND", "KERAS_BACKEND"):
        value = os.environ.get(var)
        if value:
            return value.strip().lower()
    value = _FILE_CONFIG.get("backend")
    if value:
        return str(value).strip().lower()
    return "jax"


def backend():
    """The name of the active backend, e.g. "jax"."""
    return _BACKEND


def max_epochs():
    return _MAX_EPOCHS


def set_max_epochs(value):
    """Caps the number of epochs of every `fit` (None for no cap)."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = value


def max_steps_per_epoch():
    return _MAX_STEPS_PER_EPOCH


def set_max_steps_per_epoch(value):
    """Caps the number of steps per epoch of every `fit` (None for no cap)."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = value


if "floatx" in _FILE_CONFIG:
    set_floatx(_FILE_CONFIG["floatx"])
if "epsilon" in _FILE_CONFIG:
    set_epsilon(_FILE_CONFIG["epsilon"])
if "image_data_format" in _FILE_CONFIG:
    set_image_data_format(_FILE_CONFIG["image_data_format"])
