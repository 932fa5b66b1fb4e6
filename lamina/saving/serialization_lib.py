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
    if isinstance(obj, slice):
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, np.ndarray) or hasattr(obj, "__array__") and hasattr(obj, "dtype"):
        array = np.asarray(obj)
        return {
            "class_name": "__numpy__",
            "config": {"value": array.tolist(), "dtype": str(array.dtype)},
        }
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        registered = object_registration._GLOBAL_CUSTOM_NAMES.get(obj)
        name = registered or obj.__name__
        return {
            "module": obj.__module__ if registered else _public_module_of(obj),
            "class_name": "function",
            "config": name,
            "registered_name": name,
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
    if not isinstance(config, dict):
        raise TypeError(f"The get_config() of {cls.__name__} must return a dict, it returned "
                        f"{type(config).__name__}.")
    registered = object_registration._GLOBAL_CUSTOM_NAMES.get(cls)
    builtin = registered is None and _public_namespace_of(cls) is not None
    out = {
        # Keras' conventions: built-ins name their public module and no registered name;
        # user classes their Python module and "package>Name" (or their own name).
        "module": _public_module_of(cls) if builtin else cls.__module__,
        "class_name": cls.__name__,
        "config": serialize_keras_object(config),
        "registered_name": None if builtin else (registered or cls.__name__),
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
    """The lamina namespace a config's `module` names, or None for any other module."""
    if not isinstance(module, str):
        return None
    if module.startswith("keras.src."):
        return "lamina." + module[len("keras.src."):].split(".")[0]
    if module == "keras" or module.startswith("keras."):
        return "lamina" + module[len("keras"):]
    if module == "lamina" or module.startswith("lamina."):
        return module
    return None


def _is_allowed(obj, namespace, name):
    """Whether a file may name `obj`: a class of a modeling namespace, or a pure function."""
    if name in _NON_MODELING_NAMES:
        return False
    if inspect.isclass(obj):
        # Serializable classes only (not scopes, tensors or variables).
        return hasattr(obj, "get_config")
    return callable(obj) and _in_namespaces(namespace, _FUNCTION_NAMESPACES)


def _lookup(name, namespace):
    """`name` in `namespace` or its sub-namespaces (sorted, so the result is deterministic)."""
    candidates = [namespace] + sorted(
        ns for ns in api_export.REGISTRY
        if ns.startswith(namespace + ".") and _in_namespaces(ns, _MODELING_NAMESPACES[1:]))
    for ns in candidates:
        found = api_export.REGISTRY.get(ns, {}).get(name)
        if found is not None:
            return found if _is_allowed(found, ns, name) else None
    return None


def resolve_name(class_name, module=None, registered_name=None, custom_objects=None,
                 module_objects=None):
    """The class or function a config names, looked up only in lamina's registries.

    Order: the user's objects (`custom_objects`, scopes, registered) by registered name then
    by name; then lamina's modeling namespaces (layers, models, ops, activations,
    initializers, regularizers, constraints, losses, metrics, optimizers, dtype policies).
    A `module` outside lamina and Keras resolves only through the user's objects. Returns
    None when nothing matches; nothing is ever imported.
    """
    if not isinstance(class_name, str):
        return None
    for name in (registered_name, class_name):
        if isinstance(name, str) and name:
            found = object_registration.get_registered_object(name, custom_objects, module_objects)
            if found is not None:
                return found
    if module in (None, "builtins"):
        for namespace in _MODELING_NAMESPACES:
            found = _lookup(class_name, namespace) if namespace != "lamina" else None
            if found is not None:
                return found
        return None
    namespace = _lamina_namespace(module)
    if namespace is None or not _in_namespaces(namespace, _MODELING_NAMESPACES):
        return None
    found = _lookup(class_name, namespace)
    if found is None and namespace == "lamina":
        # Keras names some classes at its root ("keras" for Sequential, DTypePolicy, ...).
        for other in _MODELING_NAMESPACES[1:]:
            found = _lookup(class_name, other)
            if found is not None and inspect.isclass(found):
                return found
        return None
    return found


def _keras_operation(class_name, namespace):
    """A lamina op for a Keras operation class (`Add` in keras.src.ops.numpy -> ops.add)."""
    from lamina.backend.common.global_state import _to_snake_case

    if namespace is None or not _in_namespaces(namespace, ("lamina.ops",)):
        return None
    function = api_export.REGISTRY.get("lamina.ops", {}).get(_to_snake_case(class_name))
    if function is None or not hasattr(function, "compute"):
        return None
    return function


class KerasOperationCall:
    """A Keras op node of a functional config (`{"class_name": "Sum", "config": {"axis": 1}}`)
    replayed as the lamina op called with the node's arguments and the op's own config."""

    def __init__(self, function, config):
        self.function = function
        self.name = config.get("name")
        self.options = {k: v for k, v in config.items() if k != "name"}

    def __call__(self, *args, **kwargs):
        if self.function.__name__ == "get_item" and len(args) == 2 and isinstance(args[1], list):
            # JSON has no tuples: a multi-axis index `x[:, 0]` comes back as a list.
            args = (args[0], tuple(args[1]))
        return self.function(*args, **{**self.options, **kwargs})


# Arguments of ops that Keras' operation classes take in `call` (tensors, or values standing
# in for tensors, such as the 1.0 of `x + 1.0`); all other arguments go to the constructor.
_OPERATION_CALL_ARGUMENTS = {
    "x", "x1", "x2", "y", "a", "b", "xs", "inputs", "condition", "indices", "values",
    "updates", "target", "output", "query", "key", "value", "mask", "arr", "condlist",
    "choicelist", "elements", "test_elements", "sequence", "logits", "labels", "weights",
    "bias", "kernel", "predictions", "targets", "images", "image", "start", "stop", "step",
    "key",
}


def unique_operation_names(operations):
    """`{id(operation): name}` with unique names: a repeated name gets "_1", "_2", ... as
    Keras' automatic names do (layers keep theirs; only repeated op names change)."""
    operations = list({id(o): o for o in operations}.values())
    taken = {o.name for o in operations}
    seen, out = set(), {}
    for operation in operations:
        name = operation.name
        if name in seen:
            suffix = 1
            while f"{name}_{suffix}" in taken:
                suffix += 1
            name = f"{name}_{suffix}"
            taken.add(name)
        seen.add(name)
        out[id(operation)] = name
    return out


def serialize_operation_node(operation, node):
    """A functional graph's op node in Keras 3's format.

    Keras records `ops.sum(x, axis=1)` as the operation class `Sum` (module
    `keras.src.ops.numpy`, config `{"name": ..., "axis": 1}`) called on `x`. Returns
    `(entry, call_args, call_kwargs)`: the layer-list entry without `name`/`inbound_nodes`,
    and the arguments the node passes to the operation's call.
    """
    from lamina.backend import KerasTensor
    from lamina import tree

    function, namespace = None, None
    for ns, names in sorted(api_export.REGISTRY.items()):
        if not ns.startswith("lamina.ops"):
            continue
        candidate = names.get(operation._compute.__name__)
        if candidate is not None and getattr(candidate, "compute", None) is operation._compute:
            function = candidate
            if namespace is None or (namespace == "lamina.ops" and ns != "lamina.ops"):
                namespace = ns
    if function is None:
        raise TypeError(f"Cannot serialize the op {operation.name!r}: it is not a public "
                        "lamina op.")
    family = namespace.split(".")[2] if namespace.count(".") >= 2 else "numpy"
    bound = inspect.signature(function).bind(*node.call_args, **node.call_kwargs)
    call_args, options = [], {"name": operation.name}
    in_call = True
    for name, value in bound.arguments.items():
        parameter = bound.signature.parameters[name]
        has_tensor = any(isinstance(t, KerasTensor) for t in tree.flatten(value)) \
            if isinstance(value, (list, tuple, dict)) else isinstance(value, KerasTensor)
        if parameter.kind == parameter.VAR_POSITIONAL:
            call_args.extend(value)
        elif in_call and (has_tensor or name in _OPERATION_CALL_ARGUMENTS):
            call_args.append(value)
        else:
            in_call = False
            if has_tensor:
                raise TypeError(f"Cannot serialize the op {operation.name!r}: its argument "
                                f"{name!r} is a tensor after non-tensor arguments.")
            options[name] = serialize_keras_object(value)
    class_name = "".join(part[:1].upper() + part[1:] for part in function.__name__.split("_"))
    entry = {"module": f"keras.src.ops.{family}", "class_name": class_name,
             "config": options, "registered_name": class_name}
    return entry, call_args, {}


def _refuse_lambda(inner):
    if isinstance(inner, dict) and "code" in inner:
        what = "Python bytecode (marshal)"
    else:
        what = "Python code"
    raise ValueError(
        f"Refusing to deserialize a lambda stored as {what}: loading it would run code from "
        "the file, and lamina never unmarshals bytecode. Register the function with "
        "lamina.saving.register_keras_serializable() and pass it in `custom_objects`, or "
        "rebuild the layer in code."
    )


_LAYER_BASE_ARGUMENTS = {"name", "trainable", "dtype", "autocast", "activity_regularizer",
                         "input_dim", "input_shape", "batch_input_shape", "batch_size", "weights"}


def _drop_unknown_nulls(cls, config):
    """`config` without the null entries `cls` does not take.

    Newer Keras versions add arguments whose null value means "absent" (an initializer's
    `input_axes`, a layer's `quantization_config`); dropping them lets those files load. A
    non-null value is kept, so that the class reports the feature it lacks.
    """
    try:
        parameters = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return config
    accepted = {n for n, p in parameters.items()
                if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    takes_anything = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    from lamina.layers.layer import Layer

    if issubclass(cls, Layer):
        accepted |= _LAYER_BASE_ARGUMENTS
    elif takes_anything:
        return config
    return {k: v for k, v in config.items() if v is not None or k in accepted}


@export("lamina.saving.deserialize_keras_object", "lamina.utils.deserialize_keras_object",
        "lamina.saving.deserialize_lamina_object")
def deserialize_keras_object(config, custom_objects=None, safe_mode=True, module_objects=None,
                             **kwargs):
    """The object a config from `serialize_keras_object` describes.

    Names resolve only through lamina's modeling namespaces, registered objects and
    `custom_objects`; a file can never name another module's function or class, and lambdas
    stored as code are refused.

    Raises:
        TypeError: the config names something that is not a lamina object, nor registered,
            nor in `custom_objects`.
        ValueError: the config is malformed or asks for code execution.
    """
    if object_registration.safe_mode_setting() is None and isinstance(config, (dict, list)):
        # Outside any load: this call is the load, in the safe mode it was given (code in
        # the config, e.g. a Lambda's source, then sees it).
        from lamina import config as lamina_config

        if safe_mode and lamina_config.unsafe_deserialization_enabled():
            safe_mode = False
        with object_registration.LoadingScope(bool(safe_mode)):
            return deserialize_keras_object(config, custom_objects, safe_mode, module_objects,
                                            **kwargs)
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
        return [deserialize_keras_object(c, custom_objects, safe_mode, module_objects)
                for c in config]
    if not isinstance(config, dict):
        raise TypeError(f"Cannot deserialize {config!r}: expected a dict, string or number.")
    if "class_name" not in config or "config" not in config:
        return {k: deserialize_keras_object(v, custom_objects, safe_mode, module_objects)
                if isinstance(v, dict) and "class_name" in v else v for k, v in config.items()}
    class_name = config["class_name"]
    inner = config["config"]
    if not isinstance(class_name, str):
        raise ValueError(f"Invalid config: class_name must be a string, received {class_name!r}.")
    if class_name == "__slice__":
        parts = [inner.get(k) for k in ("start", "stop", "step")]
        if not all(p is None or isinstance(p, int) and not isinstance(p, bool) for p in parts):
            raise ValueError(f"Invalid __slice__ config: {inner!r}.")
        return slice(*parts)
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name in ("__numpy__", "__tensor__"):
        dtype = np.dtype(inner["dtype"]) if isinstance(inner, dict) else None
        if dtype is None or dtype.kind not in _SAFE_NUMPY_KINDS:
            raise ValueError(f"Invalid __numpy__ config: dtype must be numeric, received "
                             f"{inner.get('dtype') if isinstance(inner, dict) else inner!r}.")
        return np.array(inner["value"], dtype=dtype)
    if class_name == "__tuple__":
        return tuple(deserialize_keras_object(v, custom_objects, safe_mode, module_objects)
                     for v in inner["value"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        _refuse_lambda(inner)
    if class_name.startswith("__"):
        raise ValueError(f"Invalid config: {class_name!r} cannot appear here.")
    module = config.get("module")
    registered = config.get("registered_name")
    is_function = class_name == "function"
    what = inner if is_function else class_name
    target = resolve_name(what, module, registered, custom_objects, module_objects)
    if target is None and not is_function:
        operation = _keras_operation(class_name, _lamina_namespace(module))
        if operation is not None:
            if not isinstance(inner, dict):
                raise ValueError(f"Invalid config for operation {class_name!r}: {inner!r}.")
            return KerasOperationCall(operation, inner)
    if target is None:
        raise TypeError(
            f"Could not locate {'function' if is_function else 'class'} {what!r} "
            f"(module {module!r}). Only lamina's modeling objects (layers, models, ops, "
            "activations, losses, metrics, optimizers, initializers, regularizers, "
            "constraints), registered objects and `custom_objects` can be loaded from a file; "
            "pass it in `custom_objects` or register it with "
            "lamina.saving.register_keras_serializable()."
        )
    if is_function:
        return target
    if not inspect.isclass(target):
        raise TypeError(f"{class_name!r} names {target!r}, which is not a class.")
    if not isinstance(inner, dict):
        raise ValueError(f"Invalid config for {class_name!r}: expected a dict, received "
                         f"{type(inner).__name__}.")
    if _public_namespace_of(target) is not None:
        inner = _drop_unknown_nulls(target, inner)
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
