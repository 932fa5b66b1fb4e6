"""The object registry: the only way a name in a config becomes a class or function.

Built-in public objects are found through the export registry (lamina/api_export.py); user
objects through `register_keras_serializable` or `custom_objects` (argument or scope).
"""

import inspect
import threading

from lamina.api_export import export

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_SCOPE = threading.local()


@export("lamina.saving.CustomObjectScope", "lamina.utils.CustomObjectScope")
class CustomObjectScope:
    """Makes user objects resolvable by name while the scope is open.

    Args:
        custom_objects: a dict `{name: class_or_function}`.

    Example:
    >>> with CustomObjectScope({"MyLayer": MyLayer}):
    ...     model = lamina.models.load_model("m.keras")
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(
                f"`custom_objects` must be a dict, received {type(custom_objects).__name__}."
            )
        self.custom_objects = custom_objects or {}
        self._backup = None

    def __enter__(self):
        self._backup = getattr(_SCOPE, "objects", {})
        _SCOPE.objects = {**self._backup, **self.custom_objects}
        return self

    def __exit__(self, *exc):
        _SCOPE.objects = self._backup


custom_object_scope = export(
    "lamina.saving.custom_object_scope", "lamina.utils.custom_object_scope"
)(CustomObjectScope)


@export("lamina.saving.get_custom_objects", "lamina.utils.get_custom_objects")
def get_custom_objects():
    """The global dict of registered user objects (may be edited directly, as in Keras)."""
    return _GLOBAL_CUSTOM_OBJECTS


def scope_custom_objects():
    return getattr(_SCOPE, "objects", {})


@export(
    "lamina.saving.register_keras_serializable",
    "lamina.utils.register_keras_serializable",
    "lamina.saving.register_lamina_serializable",
)
def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under "package>name" so that configs can name it.

    Example:
    >>> @register_keras_serializable(package="my_pkg")
    ... class MyLayer(lamina.layers.Layer): ...
    """

    def decorate(arg):
        class_name = name if name is not None else arg.__name__
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError(
                f"Cannot register {arg.__name__}: a registered class must implement get_config()."
            )
        if registered_name in _GLOBAL_CUSTOM_OBJECTS:
            raise ValueError(f"{registered_name} has already been registered to "
                             f"{_GLOBAL_CUSTOM_OBJECTS[registered_name]}.")
        if arg in _GLOBAL_CUSTOM_NAMES:
            raise ValueError(f"{arg} has already been registered to {_GLOBAL_CUSTOM_NAMES[arg]}.")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorate


@export("lamina.saving.get_registered_name", "lamina.utils.get_registered_name")
def get_registered_name(obj):
    """The name `obj` is registered under ("package>Name"), else its own name."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return obj.__name__


@export("lamina.saving.get_registered_object", "lamina.utils.get_registered_object")
def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered as `name` (scope, argument, global, module), or None."""
    scoped = scope_custom_objects()
    if name in scoped:
        return scoped[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


# -- loading state ------------------------------------------------------------------------
# How many loads are running (lamina.config.enable_unsafe_deserialization refuses to run while
# this is non-zero), and whether the innermost one is in safe mode.
_LOADING = 0
_SAFE_MODE = threading.local()


class LoadingScope:
    """Marks a load in progress: nested loads cannot turn safe mode off."""

    def __init__(self, safe_mode):
        self.safe_mode = safe_mode

    def __enter__(self):
        global _LOADING
        if in_safe_mode() and not self.safe_mode:
            raise ValueError(
                "Refusing to load with safe_mode=False from inside a safe-mode load: a file "
                "cannot turn safe mode off. Load it yourself, outside any other load, if you "
                "trust it."
            )
        self._previous = getattr(_SAFE_MODE, "value", None)
        _SAFE_MODE.value = self.safe_mode
        _LOADING += 1
        return self

    def __exit__(self, *exc):
        global _LOADING
        _LOADING -= 1
        _SAFE_MODE.value = self._previous


def in_safe_mode():
    """True while a safe-mode load runs in this thread."""
    return bool(getattr(_SAFE_MODE, "value", None))


def safe_mode_setting():
    """The safe mode of the load running in this thread: True, False, or None outside any."""
    return getattr(_SAFE_MODE, "value", None)


def code_loading_allowed(safe_mode=None):
    """Whether a config may have code run or files read that it names (a Lambda's source, a
    vocabulary file): only when `safe_mode=False` is passed, inside a load made with
    `safe_mode=False`, or, outside any load, after
    `lamina.config.enable_unsafe_deserialization()`. Fails closed otherwise."""
    if safe_mode is not None:
        return not safe_mode
    setting = safe_mode_setting()
    if setting is not None:
        return not setting
    from lamina import config

    return config.unsafe_deserialization_enabled()
