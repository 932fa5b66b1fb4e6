"""`Lambda`: wraps a function of tensors as a layer.

Saving: a registered function (or one of lamina's) is saved by name and loads anywhere. Any
other Python function (a lambda or a `def`) is saved as its source text, with the plain
values it reads from enclosing scopes, under lamina's own fields of Keras' `"__lambda__"`
entry. Loading rebuilds it from the source only when the user turns safe mode off
(`load_model(..., safe_mode=False)` or `lamina.config.enable_unsafe_deserialization()`);
marshalled bytecode written by Keras is never unmarshalled.
"""

import ast
import builtins
import inspect
import textwrap

import numpy as np

from lamina import tree
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer

# lamina's fields in a "__lambda__" entry (Keras' own are "code", "defaults", "closure").
SOURCE = "lamina_source"
CAPTURED = "lamina_captured"


@export("lamina.layers.Lambda")
class Lambda(Layer):
    """Applies `function(inputs, **arguments)`.

    Args:
        function: the function; it must use lamina.ops so it runs on symbolic tensors too.
        output_shape: the output shape (without batch dim) or a function of the input shape,
            when it cannot be inferred.
        mask: an output mask, or a function `(inputs, mask) -> mask`.
        arguments: extra keyword arguments for `function`.

    Saving: a function that is not registered is stored as source code, which loads only
    with `safe_mode=False` (it runs code from the file); prefer a registered function or a
    layer subclass for files others will load.

    Example:
    >>> layer = lamina.layers.Lambda(lambda x: x * 2.0)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r}.")
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        self._takes_training = "training" in inspect.signature(function).parameters
        self._takes_mask = "mask" in inspect.signature(function).parameters
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._takes_mask:
            kwargs["mask"] = mask
        if self._takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_output_spec(self, inputs, mask=None, training=None):
        if self._output_shape is None:
            return super().compute_output_spec(inputs, mask=mask, training=training)
        shapes = tree.map_structure(lambda t: t.shape, inputs)
        if callable(self._output_shape):
            out = self._output_shape(shapes)
        else:
            batch = tree.flatten(shapes)[0][0] if tree.flatten(shapes) else None
            out = (batch,) + tuple(self._output_shape)
        return KerasTensor(tuple(out), self.compute_dtype)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def get_config(self):
        from lamina.saving.serialization_lib import serialize_keras_object

        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.get_config_entry(),
                  "function": _serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (_serialize_function(self._output_shape)
                                      if callable(self._output_shape)
                                      else list(self._output_shape))
        if self.mask is not None:
            config["mask"] = (_serialize_function(self.mask) if callable(self.mask)
                              else serialize_keras_object(self.mask))
        config["arguments"] = serialize_keras_object(self.arguments)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        from lamina.saving import object_registration
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        name = config.get("name")
        allowed = object_registration.code_loading_allowed(safe_mode)
        config["function"] = _deserialize_function(config.pop("function"), name, "function",
                                                   custom_objects, allowed)
        if isinstance(config.get("output_shape"), dict):
            config["output_shape"] = _deserialize_function(config["output_shape"], name,
                                                           "output_shape", custom_objects,
                                                           allowed)
        elif isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        if isinstance(config.get("mask"), dict):
            config["mask"] = _deserialize_function(config["mask"], name, "mask",
                                                   custom_objects, allowed)
        if "arguments" in config:
            config["arguments"] = deserialize_keras_object(config["arguments"],
                                                           custom_objects=custom_objects)
        return cls(**config)


# -- functions as source -------------------------------------------------------------------------
def _serialize_function(function):
    from lamina.saving.object_registration import _GLOBAL_CUSTOM_NAMES
    from lamina.saving.serialization_lib import _public_namespace_of, serialize_keras_object

    if function in _GLOBAL_CUSTOM_NAMES or _public_namespace_of(function) is not None \
            or not inspect.isfunction(function):
        return serialize_keras_object(function)
    source = function_source(function)
    return {"class_name": "__lambda__",
            "config": {SOURCE: source, CAPTURED: _captured_values(function, source)}}


def function_source(function):
    """The source text of a lambda (the expression alone) or a `def` (dedented, without its
    decorators), or None when Python cannot find it (functions made in a REPL or by exec)."""
    code = function.__code__
    try:
        lines, _ = inspect.findsource(function)
    except (OSError, TypeError):
        return None
    text = "".join(lines)
    try:
        module = ast.parse(text)
    except SyntaxError:
        return None
    if function.__name__ == "<lambda>":
        candidates = [n for n in ast.walk(module) if isinstance(n, ast.Lambda)
                      and n.lineno == code.co_firstlineno]
        matching = [n for n in candidates if _same_lambda(ast.get_source_segment(text, n), code)]
        node = (matching or candidates or [None])[0]
        return None if node is None else ast.get_source_segment(text, node)
    for node in ast.walk(module):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.name == function.__name__ and \
                min([node.lineno] + [d.lineno for d in node.decorator_list]) == code.co_firstlineno:
            return textwrap.dedent(ast.get_source_segment(text, node, padded=True))
    return None


def _same_lambda(segment, code):
    """Whether the lambda expression `segment` compiles to the code of `code` (the same
    arguments, names and constants; captured variables compile as globals on their own)."""
    try:
        compiled = compile("(" + segment + "\n)", "<lambda>", "eval")
    except SyntaxError:
        return False
    inner = next((c for c in compiled.co_consts if inspect.iscode(c)), None)
    if inner is None:
        return False

    def plain(consts):
        return [c for c in consts if not inspect.iscode(c)]

    return (inner.co_varnames[:inner.co_argcount] == code.co_varnames[:code.co_argcount]
            and set(inner.co_names) == set(code.co_names) | set(code.co_freevars)
            and plain(inner.co_consts) == plain(code.co_consts))


def _captured_values(function, source):
    """The plain values (numbers, strings, arrays, lists of them) the function reads from
    enclosing scopes and module globals, by name, so that the source runs again."""
    from lamina.saving.serialization_lib import serialize_keras_object

    if source is None:
        return {}
    values = {}
    if function.__closure__:
        for name, cell in zip(function.__code__.co_freevars, function.__closure__):
            try:
                values[name] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
    try:
        names = {n.id for n in ast.walk(ast.parse("(" + source + "\n)" if
                                                  function.__name__ == "<lambda>" else source))
                 if isinstance(n, ast.Name)}
    except SyntaxError:
        names = set()
    for name in names - set(values):
        if name in function.__globals__:
            values[name] = function.__globals__[name]
    return {name: serialize_keras_object(value) for name, value in sorted(values.items())
            if _is_plain(value)}


def _is_plain(value, depth=0):
    if value is None or isinstance(value, (bool, int, float, str, np.generic)):
        return True
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biuf" and value.size <= 1_000_000
    if depth < 4 and isinstance(value, (list, tuple)):
        return len(value) <= 10_000 and all(_is_plain(v, depth + 1) for v in value)
    if depth < 4 and isinstance(value, dict):
        return all(isinstance(k, str) and _is_plain(v, depth + 1) for k, v in value.items())
    return False


def _deserialize_function(spec, layer_name, field, custom_objects, allowed):
    """The function a Lambda config's `field` names; code stored in the file runs only when
    `allowed` (safe mode off), bytecode never."""
    from lamina.saving import object_registration
    from lamina.saving.serialization_lib import deserialize_keras_object

    if not (isinstance(spec, dict) and spec.get("class_name") == "__lambda__"):
        return deserialize_keras_object(spec, custom_objects=custom_objects)
    user = _user_function(layer_name, field, custom_objects, object_registration)
    if user is not None:
        return user
    inner = spec.get("config")
    hint = (f"pass the function in `custom_objects` under the layer's name, e.g. "
            f"custom_objects={{{layer_name!r}: my_function}}"
            + ("" if field == "function" else f" (for `{field}`: "
               f"{{{layer_name + ':' + field!r}: my_function}})")
            + ", or rebuild the layer in code")
    if not isinstance(inner, dict) or not isinstance(inner.get(SOURCE), str):
        if isinstance(inner, dict) and "code" in inner:
            what = "Python bytecode (marshal)"
        elif isinstance(inner, dict) and SOURCE in inner:
            what = "a function whose source was not available when it was saved"
        else:
            what = "Python code lamina cannot read"
        raise ValueError(
            f"Lambda layer {layer_name!r}: its `{field}` is stored as {what}. lamina never "
            f"unmarshals bytecode, even with safe_mode=False: {hint}."
        )
    if not allowed:
        raise ValueError(
            f"Requested the deserialization of Lambda layer {layer_name!r}, whose `{field}` is "
            "Python code stored in the file. Loading it would run that code, so it is refused "
            "in safe mode. If you wrote the file yourself, load it with "
            "`load_model(..., safe_mode=False)` (or call "
            f"`lamina.config.enable_unsafe_deserialization()`); otherwise {hint}."
        )
    return _function_from_source(inner[SOURCE], inner.get(CAPTURED) or {}, layer_name, field,
                                 custom_objects, object_registration)


def _user_function(layer_name, field, custom_objects, object_registration):
    """A function the user passed for this layer, under its name (or "name:field")."""
    if not isinstance(layer_name, str):
        return None
    key = layer_name if field == "function" else f"{layer_name}:{field}"
    found = (custom_objects or {}).get(key) or object_registration.scope_custom_objects().get(key)
    return found if callable(found) and not inspect.isclass(found) else None


def _function_from_source(source, captured, layer_name, field, custom_objects,
                          object_registration):
    """Runs the stored source (safe mode is off) with lamina's public names, the captured
    values and the user's custom objects in scope, and returns the function it defines."""
    import lamina
    from lamina.saving.serialization_lib import deserialize_keras_object

    namespace = {"__builtins__": builtins, "__name__": f"lamina_lambda_{layer_name}",
                 "np": np, "numpy": np, "lamina": lamina, "keras": lamina}
    namespace.update({k: v for k, v in vars(lamina).items() if not k.startswith("_")})
    if isinstance(captured, dict):
        namespace.update({k: deserialize_keras_object(v) for k, v in captured.items()
                          if isinstance(k, str) and k.isidentifier()})
    namespace.update(object_registration.scope_custom_objects())
    namespace.update(custom_objects or {})
    filename = f"<Lambda {layer_name!r} {field} from a saved file>"
    try:
        tree_ = ast.parse(source)
        if len(tree_.body) == 1 and isinstance(tree_.body[0], ast.Expr):
            function = eval(compile("(" + source + "\n)", filename, "eval"), namespace)
        else:
            names = [n.name for n in tree_.body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
            exec(compile(source, filename, "exec"), namespace)
            function = namespace.get(names[-1]) if names else None
    except Exception as error:
        raise ValueError(
            f"Lambda layer {layer_name!r}: its `{field}` source could not be rebuilt "
            f"({type(error).__name__}: {error}). Pass the names it needs in `custom_objects`."
            f" Source:\n{source}"
        ) from error
    if not callable(function):
        raise ValueError(f"Lambda layer {layer_name!r}: its `{field}` source does not define "
                         f"a function. Source:\n{source}")
    return function
