"""Turning objects into JSON-ready configs and back, in Keras 3's format.

A serialized object is `{"module": ..., "class_name": ..., "config": ...,
"registered_name": ...}`. Deserialization resolves names only through lamina's public API,
the user's registered objects and `custom_objects` — never an arbitrary module path from the
config — so a file cannot make lamina import or call anything else.
"""

import inspect

import numpy as np

from lamina import api_export
from lamina.api_export import export
from lamina.saving import object_registration

# Keras module paths map to lamina namespaces, so that Keras files resolve.
_KERAS_MODULE_PREFIXES = {
    "keras.layers": "lamina.layers",
    "keras.src.layers": "lamina.layers",
    "keras.models": "lamina.models",
    "keras.src.models": "lamina.models",
    "keras.optimizers": "lamina.optimizers",
    "keras.src.optimizers": "lamina.optimizers",
    "keras.losses": "lamina.losses",
    "keras.src.losses": "lamina.losses",
    "keras.metrics": "lamina.metrics",
    "keras.src.metrics": "lamina.metrics",
    "keras.initializers": "lamina.initializers",
    "keras.src.initializers": "lamina.initializers",
    "keras.regularizers": "lamina.regularizers",
    "keras.src.regularizers": "lamina.regularizers",
    "keras.constraints": "lamina.constraints",
    "keras.src.constraints": "lamina.constraints",
    "keras.activations": "lamina.activations",
    "keras.src.activations": "lamina.activations",
    "keras.callbacks": "lamina.callbacks",
    "keras.src.callbacks": "lamina.callbacks",
    "keras.src.optimizers.schedules": "lamina.optimizers.schedules",
    "keras.optimizers.schedules": "lamina.optimizers.schedules",
    "keras": "lamina",
    "builtins": None,
}


# Only these namespaces hold objects a file may name: layers, models, the math, and what
# `compile` takes. Anything else (lamina.config, lamina.saving, lamina.utils, ...) is never
# reachable from a file, so a config cannot call `load_model`, `enable_unsafe_deserialization`
# or a downloader.
_MODELING_NAMESPACES = (
    "lamina", "lamina.layers", "lamina.models", "lamina.ops", "lamina.activations",
    "lamina.initializers", "lamina.regularizers", "lamina.constraints", "lamina.losses",
    "lamina.metrics", "lamina.optimizers", "lamina.dtype_policies", "lamina.mixed_precision",
    "lamina.quantizers", "lamina.random",
)
# Functions may come only from these (classes from any modeling namespace).
_FUNCTION_NAMESPACES = (
    "lamina.activations", "lamina.losses", "lamina.metrics", "lamina.ops", "lamina.random",
    "lamina.layers",
)
_NON_MODELING_NAMES = {
    "get", "serialize", "deserialize", "load_model", "save_model", "model_from_json",
    "clone_model", "Input",
}
# Keras keeps Functional outside its public API; it writes this module for it.
_KERAS_FUNCTIONAL_MODULE = "keras.src.models.functional"
_SAFE_NUMPY_KINDS = "biufc"


def _in_namespaces(namespace, roots):
    return any(namespace == root or namespace.startswith(root + ".") for root in roots)


def _public_namespace_of(obj):
    """The shortest public lamina namespace `obj` is exported in, or None."""
    best = None
    for namespace, names in api_export.REGISTRY.items():
        for value in names.values():
            if value is obj and (best is None or len(namespace) < len(best)):
                best = namespace
    return best


def _public_module_of(obj):
    """The module a config names for `obj`: Keras' name for lamina's public objects.

    lamina writes `keras.layers` where it exports `lamina.layers`, so that Keras 3 resolves
    the same class from the file; lamina maps the names back when loading.
    """
    namespace = _public_namespace_of(obj)
    if namespace is None:
        return getattr(obj, "__module__", None)
    if getattr(obj, "__name__", None) == "Functional" and namespace == "lamina.models":
        return _KERAS_FUNCTIONAL_MODULE
    return "keras" + namespace[len("lamina"):]


@export("lamina.saving.serialize_keras_object", "lamina.utils.serialize_keras_object",
        "lamina.saving.serialize_lamina_object")
def serialize_keras_object(obj):
    """A JSON-ready description of `obj`: plain values as they are, objects as configs."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, (list, tuple)):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, dict):
        return {k: serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__") and hasattr(obj, "dtype"):
        array = np.asarray(obj)
        return {
            "class_name": "__numpy__",
            "config": {"value": array.tolist(), "dtype": str(array.dtype)},
        }
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        registered = object_registration._GLOBAL_CUSTOM_NAMES.get(obj)
        return {
            "module": _public_module_of(obj),
            "class_name": "function",
            "config": obj.__name__,
            "registered_name": registered or obj.__name__,
        }
    if inspect.isclass(obj):
        raise TypeError(f"Cannot serialize the class {obj.__name__}; serialize an instance.")
    if not hasattr(obj, "get_config"):
        raise TypeError(
            f"Cannot serialize {obj!r}: it has no get_config(). Implement get_config() and "
            "register the class with lamina.saving.register_keras_serializable()."
        )
    cls = type(obj)
    config = obj.get_config()
    out = {
        "module": _public_module_of(cls),
        "class_name": cls.__name__,
        "config": serialize_keras_object(config),
        "registered_name": object_registration.get_registered_name(cls),
    }
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            out["build_config"] = serialize_keras_object(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            out["compile_config"] = serialize_keras_object(compile_config)
    return out


def _lamina_namespace(module):
    if module is None:
        return None
    for prefix in sorted(_KERAS_MODULE_PREFIXES, key=len, reverse=True):
        if module == prefix or module.startswith(prefix + "."):
            target = _KERAS_MODULE_PREFIXES[prefix]
            return target
    return module


def resolve_name(class_name, module=None, registered_name=None, custom_objects=None,
                 module_objects=None):
    """The class or function a config names, looked up only in lamina's registries."""
    for name in (registered_name, class_name):
        if name:
            found = object_registration.get_registered_object(name, custom_objects, module_objects)
            if found is not None:
                return found
    namespace = _lamina_namespace(module)
    if namespace and namespace.startswith("lamina"):
        # The exact namespace first, then any sub-namespace of it (e.g. lamina.layers.*).
        names = api_export.REGISTRY.get(namespace, {})
        if class_name in names:
            return names[class_name]
        for ns, names in api_export.REGISTRY.items():
            if ns.startswith(namespace + ".") and class_name in names:
                return names[class_name]
    if module_objects is None and namespace is None:
        for ns in sorted(api_export.REGISTRY):
            if class_name in api_export.REGISTRY[ns]:
                return api_export.REGISTRY[ns][class_name]
    return None


@export("lamina.saving.deserialize_keras_object", "lamina.utils.deserialize_keras_object",
        "lamina.saving.deserialize_lamina_object")
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None,
                             **kwargs):
    """The object a config from `serialize_keras_object` describes.

    Names resolve only through lamina's public API, registered objects and `custom_objects`;
    an unknown name is a TypeError naming it, never an import.
    """
    if config is None or isinstance(config, (bool, int, float)):
        return config
    if isinstance(config, str):
        found = resolve_name(config, None, None, custom_objects, module_objects)
        if found is None:
            raise ValueError(
                f"Unknown object {config!r}: it is not a lamina object nor a registered or "
                "custom object. Pass it in `custom_objects` or register it with "
                "lamina.saving.register_keras_serializable()."
            )
        return found
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects) for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Cannot deserialize {config!r}: expected a dict, string or number.")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, module_objects)
                if isinstance(v, dict) and "class_name" in v else v for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    if class_name == "__numpy__":
        return np.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        raise ValueError(
            "Refusing to deserialize a lambda (Python bytecode) in safe mode: loading it would "
            "run code from the file. Only load files you trust with safe_mode=False."
        ) if safe_mode else ValueError("Lambdas stored as bytecode are not supported by lamina.")
    module = config.get("module")
    registered = config.get("registered_name")
    target = resolve_name(
        inner if class_name == "function" else class_name, module, registered, custom_objects,
        module_objects,
    )
    if target is None:
        what = inner if class_name == "function" else class_name
        raise TypeError(
            f"Could not locate {'function' if class_name == 'function' else 'class'} {what!r} "
            f"(module {module!r}). Only lamina's own objects, registered objects and "
            "`custom_objects` can be loaded; pass it in `custom_objects` or register it."
        )
    if class_name == "function":
        return target
    if not inspect.isclass(target):
        raise TypeError(f"{class_name!r} names {target!r}, which is not a class.")
    with object_registration.CustomObjectScope(custom_objects or {}):
        if hasattr(target, "from_config"):
            obj = target.from_config(inner)
        else:
            obj = target(**inner)
        build_config = config.get("build_config")
        if build_config and hasattr(obj, "build_from_config"):
            obj.build_from_config(build_config)
        compile_config = config.get("compile_config")
        if compile_config and hasattr(obj, "compile_from_config"):
            obj.compile_from_config(compile_config)
    return obj


def get_object(identifier, namespace, kind, custom_objects=None, allow_callable=True):
    """Shared `get` of the public packages: an instance, a name, a config dict or a callable.

    Args:
        identifier: what the user passed.
        namespace: the public namespace names resolve in, e.g. "lamina.losses".
        kind: what it is, for error messages, e.g. "loss".
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize_keras_object(
            identifier, custom_objects=custom_objects,
            module_objects=api_export.REGISTRY.get(namespace, {}),
        )
    if isinstance(identifier, str):
        names = api_export.REGISTRY.get(namespace, {})
        found = object_registration.get_registered_object(identifier, custom_objects, names)
        if found is None:
            known = sorted(n for n in names if not n[0].isupper() or True)
            raise ValueError(
                f"Unknown {kind} identifier: {identifier!r}. Expected one of the names in "
                f"{namespace} (e.g. {', '.join(known[:12])}, ...), a {kind} object or a callable."
            )
        return found() if inspect.isclass(found) else found
    if allow_callable and callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret {kind} identifier: {identifier!r} (of type "
        f"{type(identifier).__name__})."
    )
