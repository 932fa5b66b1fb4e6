"""Process-wide state: unique-name counters, name scopes and active scopes.

Kept in one thread-local object so that `clear_session()` resets all of it at once.
"""

import collections
import re
import threading

_STATE = threading.local()


def _get(name, factory):
    value = getattr(_STATE, name, None)
    if value is None:
        value = factory()
        setattr(_STATE, name, value)
    return value


# Bumped whenever a layer starts tracking something, a variable is created or a `trainable`
# flag changes: lists of variables computed from the layer tree stay valid while it holds.
_TRACKING_VERSION = [0]


def bump_tracking_version():
    _TRACKING_VERSION[0] += 1


def tracking_version():
    return _TRACKING_VERSION[0]


def get_global_attribute(name, default=None):
    return getattr(_STATE, name, default)


def set_global_attribute(name, value):
    setattr(_STATE, name, value)


def clear_session():
    """Resets unique names, scopes and the global seed generator."""
    for key in list(vars(_STATE)):
        delattr(_STATE, key)


def get_uid(prefix="default"):
    """A counter per prefix: 1 on the first call with `prefix`, then 2, 3, ..."""
    counters = _get("uids", collections.Counter)
    counters[prefix] += 1
    return counters[prefix]


def _to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def uniquify(prefix):
    """Keras-style auto names: "dense", then "dense_1", "dense_2", ..."""
    count = get_uid(prefix)
    return prefix if count == 1 else f"{prefix}_{count - 1}"


def auto_name(class_name):
    """The automatic unique name for an object of `class_name`, e.g. "Dense" -> "dense_1"."""
    return uniquify(_to_snake_case(class_name))


class name_scope:
    """Prefixes the paths of variables created inside it, e.g. "dense/kernel".

    Args:
        name: the scope's name.
        caller: the object that opened it (a layer), if any.
    """

    def __init__(self, name, caller=None, **kwargs):
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"A name scope needs a name without '/', received {name!r}.")
        self.name = name
        self.caller = caller
        self._pushed = False

    def __enter__(self):
        stack = _get("name_scope_stack", list)
        # A layer calling itself again (e.g. a shared layer) does not nest its own name.
        if not (stack and stack[-1].caller is not None and stack[-1].caller is self.caller):
            stack.append(self)
            self._pushed = True
        return self

    def __exit__(self, *exc):
        if self._pushed:
            _get("name_scope_stack", list).pop()
            self._pushed = False


def current_path():
    """The path of the innermost name scopes, "outer/inner", or ""."""
    return "/".join(scope.name for scope in _get("name_scope_stack", list))
