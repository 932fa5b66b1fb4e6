"""`lamina.config`: global settings (backend, floatx, epsilon, image format, safe mode...)."""

from lamina.api_export import export, populate, register
from lamina.backend import config as _config

_STATE = {"unsafe_deserialization": False, "flash_attention": None, "traceback_filtering": True}

for _name in ("floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
              "set_image_data_format", "max_epochs", "set_max_epochs", "max_steps_per_epoch",
              "set_max_steps_per_epoch"):
    register(f"lamina.config.{_name}", getattr(_config, _name))


@export("lamina.config.backend")
def backend():
    """The name of the active backend."""
    from lamina.backend import backend as active_name

    return active_name()


@export("lamina.config.set_backend")
def set_backend(backend):
    """Backends are chosen once per process: this only accepts the active one.

    Set LAMINA_BACKEND (or KERAS_BACKEND) before importing lamina to choose another; lamina
    never reloads modules to switch a running process.
    """
    from lamina.backend import backend as active_name, get_spec

    get_spec(backend)
    if backend != active_name():
        raise RuntimeError(
            f"The backend of this process is {active_name()!r}; it cannot be switched to "
            f"{backend!r} at run time. Set LAMINA_BACKEND={backend} before starting Python."
        )


@export("lamina.config.enable_unsafe_deserialization")
def enable_unsafe_deserialization():
    """Lets `load_model` accept files that need code execution (trusted files only)."""
    from lamina.saving import object_registration

    if getattr(object_registration, "_LOADING", False):
        raise RuntimeError("enable_unsafe_deserialization() cannot be called while loading a file.")
    _STATE["unsafe_deserialization"] = True


def unsafe_deserialization_enabled():
    return _STATE["unsafe_deserialization"]


@export("lamina.config.enable_flash_attention")
def enable_flash_attention():
    _STATE["flash_attention"] = True


@export("lamina.config.disable_flash_attention")
def disable_flash_attention():
    _STATE["flash_attention"] = False


@export("lamina.config.is_flash_attention_enabled")
def is_flash_attention_enabled():
    return _STATE["flash_attention"]


@export("lamina.config.enable_traceback_filtering")
def enable_traceback_filtering():
    _STATE["traceback_filtering"] = True


@export("lamina.config.disable_traceback_filtering")
def disable_traceback_filtering():
    _STATE["traceback_filtering"] = False


@export("lamina.config.is_traceback_filtering_enabled")
def is_traceback_filtering_enabled():
    return _STATE["traceback_filtering"]


@export("lamina.config.is_nnx_enabled")
def is_nnx_enabled():
    """Flax NNX integration is not part of lamina: always False."""
    return False


populate(__name__, globals())
