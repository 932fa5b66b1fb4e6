"""`model.export(filepath, format=...)`: the model's inference function as a file that runs
without lamina.

The model is traced by the active backend's own exporter (lamina/backend/<name>/export.py):
ONNX through jax2onnx on JAX and through torch.onnx (dynamo) on PyTorch; a `torch.export`
program on PyTorch. The traced function is the model's `predict_step` with the variable
values passed in, so exporting never changes a weight or any other state. Before the file
is written, the graph is run with onnxruntime (when installed) and compared with the model;
the file is written to a temporary name and renamed, so a failed export leaves nothing (and
any previous file at `filepath` intact).
"""

import importlib
import os

import numpy as np

from lamina import tree
from lamina.api_export import export
from lamina.backend import KerasTensor, active, floatx, standardize_dtype
from lamina.layers.layer import InputSpec

FORMATS = ("tf_saved_model", "onnx", "openvino", "litert", "torch")
# Formats that need a framework lamina has no backend for yet.
_UNAVAILABLE = {
    "tf_saved_model": ("a TensorFlow SavedModel", "tensorflow"),
    "litert": ("a LiteRT (TFLite) flatbuffer", "tensorflow"),
    "openvino": ("an OpenVINO IR", "openvino"),
}
_ONNX_OPTIONS = ("opset_version", "verify")
# Tolerances of the check against the model: loose enough for the reordered float sums of
# a compiled graph, tight enough to catch a graph that computes something else.
_VERIFY_RTOL = 1e-3
_VERIFY_ATOL = 1e-4


def export_model(model, filepath, format="tf_saved_model", verbose=None, input_signature=None,
                 **kwargs):
    """Writes `model`'s inference function to `filepath` in `format`.

    Args:
        model: a built `lamina.Model` (functional, Sequential, or subclassed and called once).
        filepath: the file to write.
        format: "onnx" (jax and torch backends), "torch" (a `torch.export` program, torch
            backend); "tf_saved_model", "litert" and "openvino" need TensorFlow/OpenVINO,
            which lamina has no backend for yet, and raise a ValueError saying so.
        verbose: print where the file was written (default True, as Keras).
        input_signature: the inputs, as the model takes them: `lamina.InputSpec`s,
            KerasTensors, arrays or shape tuples (`(None, 4)`), in a list (one per input,
            or Keras' `[[spec_a, spec_b]]`) or a dict. Default: the model's inputs. A `None`
            dimension stays dynamic in the graph (the batch dimension always is unless an
            `InputSpec` fixes it).
        **kwargs: `opset_version` (int) for "onnx"; `verify` (default True) to check the
            graph against the model with onnxruntime before writing.

    Raises:
        ValueError: unknown format, a format this backend cannot write, a model that is not
            built, or a layer/op the exporter cannot convert (the message names it).
    """
    filepath = os.fspath(filepath)
    if format not in FORMATS:
        raise ValueError(f"Unrecognized format={format!r}. Supported formats are: "
                         f"{list(FORMATS)}.")
    if format in _UNAVAILABLE:
        what, package = _UNAVAILABLE[format]
        raise ValueError(
            f"format={format!r} writes {what}, which lamina could only produce through a "
            f"backend built on the {package!r} package, and it has none yet (this process "
            f"runs the {active.name!r} backend"
            + ("" if _installed(package) else f", and {package!r} is not installed")
            + "). Use format='onnx' instead: ONNX files run in onnxruntime, and "
            "OpenVINO, TensorRT and TFLite converters read them."
        )
    unknown = sorted(set(kwargs) - set(_ONNX_OPTIONS))
    if unknown:
        raise TypeError(f"model.export() got unexpected keyword argument(s) {unknown} for "
                        f"format={format!r}; accepted: {list(_ONNX_OPTIONS)}.")
    verify = kwargs.get("verify", True)
    opset_version = kwargs.get("opset_version")
    if format == "torch" and opset_version is not None:
        raise TypeError("opset_version applies to format='onnx' only.")
    traced = _Traced.of_model(model, input_signature)
    data = _export(model, traced, format, opset_version, verify)
    from lamina.saving.weights_io import _atomic_write

    def write(tmp):
        with open(tmp, "wb") as handle:
            handle.write(data)

    _atomic_write(filepath, write)
    if verbose is None or verbose:
        print(f"Saved artifact at '{filepath}'.")


def _installed(package):
    import importlib.util

    return importlib.util.find_spec(package) is not None


def _backend_module():
    try:
        return importlib.import_module(active.package.__name__ + ".export")
    except ModuleNotFoundError as error:
        if error.name != active.package.__name__ + ".export":
            raise
        raise _LaminaExportError(f"The {active.name!r} backend cannot export models yet; export on "
                         "the jax or torch backend (weights load across backends).") from None


# -- the traced function ---------------------------------------------------------------------
class _Traced:
    """An inference function to export: `function(state, *flat_inputs) -> [flat outputs]`,
    the variable values `state`, the flat input specs `(shape, dtype)` (a dynamic dimension
    named by a string) and the input and output names."""

    def __init__(self, function, state, specs, names, output_names):
        self.function, self.state = function, state
        self.specs, self.names, self.output_names = specs, names, output_names

    @classmethod
    def of_model(cls, model, input_signature):
        if not getattr(model, "built", False):
            raise ValueError(f"Model {model.name!r} has not been built: call it on data (or "
                             "build it) before export, or pass `input_signature`.")
        structure = (_default_signature(model) if input_signature is None
                     else _user_signature(model, input_signature))
        flat = tree.flatten(structure)
        if not flat:
            raise ValueError(f"Model {model.name!r} has no inputs to export.")
        specs, names, taken = [], [], set()
        for i, spec in enumerate(flat):
            specs.append((tuple(("batch" if axis == 0 else f"dim_{i}_{axis}") if d is None
                                else int(d) for axis, d in enumerate(spec.shape)), spec.dtype))
            name = spec.name if isinstance(spec.name, str) and spec.name.isidentifier() \
                else f"input_{i}"
            while name in taken:
                name = f"{name}_{i}"
            taken.add(name)
            names.append(name)
        trainable_count = len(model.trainable_variables)
        state = [v.value for v in list(model.trainable_variables)
                 + list(model.non_trainable_variables)]

        def function(state, *flat_inputs):
            x = tree.pack_sequence_as(structure, list(flat_inputs))
            x = x[0] if len(x) == 1 else list(x)
            state = list(state)
            y = model.predict_step((state[:trainable_count], state[trainable_count:]), x)
            return tree.flatten(y)

        traced = cls(function, state, specs, names, None)
        traced.output_names = _output_names(model) or [
            f"output_{i}" for i in range(len(traced.run(traced.sample(2))))]
        return traced

    @classmethod
    def of_layer(cls, layer):
        """The layer alone on its recorded input (for naming the layer an export trips on),
        or None when it has no single symbolic input."""
        try:
            inputs, outputs = layer.input, layer.output
        except Exception:  # never called, or called on several inputs
            return None
        flat = tree.flatten(inputs)
        if not flat or not all(isinstance(x, KerasTensor) for x in flat):
            return None
        specs = [(tuple(("batch" if axis == 0 else f"dim_{i}_{axis}") if d is None else d
                        for axis, d in enumerate(x.shape)), standardize_dtype(x.dtype))
                 for i, x in enumerate(flat)]
        count = len(layer.trainable_variables)
        state = [v.value for v in list(layer.trainable_variables)
                 + list(layer.non_trainable_variables)]

        def function(state, *flat_inputs):
            x = tree.pack_sequence_as(inputs, list(flat_inputs))
            state = list(state)
            y, _ = layer.stateless_call(state[:count], state[count:], x, training=False)
            return tree.flatten(y)

        return cls(function, state, specs, [f"input_{i}" for i in range(len(specs))],
                   [f"output_{i}" for i in range(len(tree.flatten(outputs)))])

    def sample(self, batch_size, seed=0):
        """Concrete flat inputs: uniform floats in [-1, 1), zeros for integers and bools."""
        rng = np.random.default_rng(seed)
        out = []
        for shape, dtype in self.specs:
            concrete = [batch_size if d == "batch" else (5 if isinstance(d, str) else d)
                        for d in shape]
            if dtype in ("float16", "bfloat16", "float32", "float64"):
                out.append(rng.uniform(-1.0, 1.0, size=concrete).astype(dtype))
            else:
                out.append(np.zeros(concrete, dtype=dtype))
        return out

    def run(self, flat_inputs):
        """The function's outputs on concrete inputs, as NumPy arrays."""
        outputs = self.function(self.state,
                                *[active.core.convert_to_tensor(x) for x in flat_inputs])
        return [np.asarray(active.core.convert_to_numpy(y)) for y in outputs]


def _output_names(model):
    names = getattr(model, "output_names", None)
    outputs = getattr(model, "outputs", None)
    flat = tree.flatten(outputs) if outputs is not None else []
    if isinstance(names, (list, tuple)) and len(names) == len(flat) and \
            all(isinstance(n, str) and n.isidentifier() for n in names) and \
            len(set(names)) == len(names):
        return list(names)
    return None


class _Spec:
    """One flat input: its shape (None for a dynamic dimension), dtype and name. Not a
    sequence, so that `tree` treats it as a leaf."""

    def __init__(self, shape, dtype, name=None):
        self.shape, self.dtype, self.name = tuple(shape), dtype, name


def _spec_of(value, dtype=None, keep_batch=False):
    """The `_Spec` of one input: an InputSpec, KerasTensor, array or shape tuple."""
    if isinstance(value, InputSpec):
        if value.shape is None:
            raise ValueError(f"input_signature: an InputSpec must have a shape, received "
                             f"{value.get_config()}.")
        return _Spec(value.shape, standardize_dtype(value.dtype or dtype or floatx()),
                     value.name)
    if isinstance(value, KerasTensor) or hasattr(value, "shape") and hasattr(value, "dtype"):
        shape = tuple(None if d is None else int(d) for d in value.shape)
        if shape and not keep_batch:
            shape = (None,) + shape[1:]
        return _Spec(shape, standardize_dtype(value.dtype), getattr(value, "name", None))
    if _is_shape(value):
        return _Spec(value, standardize_dtype(dtype or floatx()))
    raise TypeError(
        f"input_signature: unsupported entry {value!r} (of type {type(value).__name__}). "
        "Expected lamina.InputSpec, a KerasTensor, an array, or a shape tuple like (None, 4)."
    )


def _is_shape(value):
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, (int, np.integer)) and not isinstance(d, bool)
        for d in value)


def _model_input_dtypes(model):
    inputs = _model_inputs(model)
    return [standardize_dtype(x.dtype) for x in tree.flatten(inputs)] if inputs is not None \
        else []


def _model_inputs(model):
    structure = getattr(model, "_inputs_struct", None)
    if structure is None:
        structure = getattr(model, "inputs", None)
        if isinstance(structure, (list, tuple)) and len(structure) == 1:
            structure = structure[0]
    return structure


def _default_signature(model):
    """`[structure of _Spec]`: the model's inputs, with a dynamic batch dimension."""
    inputs = _model_inputs(model)
    if inputs is not None:
        return [tree.map_structure(_spec_of, inputs)]
    shapes = getattr(model, "_build_shapes", None)
    if shapes is None:
        raise ValueError(
            f"Model {model.name!r} has never been called, so its input shapes are unknown: "
            "call it on a batch first, or pass `input_signature`.")
    dtype = getattr(model, "input_dtype", None) or floatx()
    if _is_shape(shapes):
        return [_spec_of((None,) + tuple(shapes)[1:], dtype)]
    return [tree.map_shape_structure(lambda s: _spec_of((None,) + tuple(s)[1:], dtype),
                                     shapes)]


def _user_signature(model, signature):
    """The structure of specs of `signature`, in Keras' forms: `[spec]`, `[[a, b]]`, `[a, b]`,
    `{name: spec}`, `[{name: spec}]`, or a single spec or shape."""
    dtypes = _model_input_dtypes(model)
    if isinstance(signature, dict) or not isinstance(signature, (list, tuple)) or \
            _is_shape(signature):
        signature = [signature]
    position = [0]

    def convert(value):
        dtype = dtypes[position[0]] if position[0] < len(dtypes) else None
        position[0] += 1
        return _spec_of(value, dtype, keep_batch=isinstance(value, InputSpec))

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(value[k]) for k in value}
        if isinstance(value, (list, tuple)) and not _is_shape(value):
            return [walk(v) for v in value]
        return convert(value)

    return [walk(v) for v in signature]


# -- converting and checking, with the layer named on failure ------------------------------
def _export(model, traced, format, opset_version, verify):
    """The file's bytes; a ValueError naming the layer (and the exporter's reason) if the
    exporter fails or its graph does not compute what the model computes."""
    try:
        return _convert(traced, format, opset_version, verify)
    except _LaminaExportError:
        raise
    except Exception as error:  # the exporters raise their own types; report them as ours
        cause = error
    culprit = None
    for layer in list(getattr(model, "layers", []))[:200]:
        probe = _Traced.of_layer(layer)
        if probe is None:
            continue
        try:
            _convert(probe, format, opset_version, verify)
        except Exception:
            culprit = layer
            break
    where = (f"layer {culprit.name!r} ({type(culprit).__name__}) cannot be exported"
             if culprit is not None else "the model cannot be exported")
    reason = _describe(cause)
    if any(sign in reason for sign in _SPECIALIZED):
        advice = ("The layer's code reads a dynamic dimension (the batch size) as a Python "
                  "number; to export for one batch size, pass input_signature="
                  "[lamina.InputSpec(shape=(1, ...), dtype=...)].")
    else:
        advice = ("Replace that layer (or op), or export on the other backend (jax/torch) "
                  "after moving the weights with model.save().")
    raise ValueError(
        f"Export of model {model.name!r} to {_FORMAT_NAMES[format]} on the {active.name!r} "
        f"backend failed: {where}: {reason}\nNo file was written. {advice}"
    ) from cause


# What the exporters say when code turns a symbolic dimension into a number.
_SPECIALIZED = ("Symbolic dimension", "Constraints violated", "was fixed to")


_FORMAT_NAMES = {"onnx": "ONNX", "torch": "a torch.export program"}


class _LaminaExportError(ValueError):
    """A refusal that already says what to do (no layer search needed)."""


class _Mismatch(RuntimeError):
    """The exported graph does not compute what the model computes."""


def _convert(traced, format, opset_version, verify):
    backend_export = _backend_module()
    # The exporters get neutral output names; the graph's outputs are renamed afterwards,
    # since a layer's name ("conv2d") may already name one of the exporter's own values.
    neutral = [f"lamina_output_{i}" for i in range(len(traced.output_names))]
    arguments = (traced.function, traced.state, traced.specs, traced.names,
                 traced.output_names if format == "torch" else neutral, opset_version)
    try:
        if format == "torch":
            return backend_export.export_torch(*arguments)
        proto = backend_export.export_onnx(*arguments)
    except (ValueError, ImportError) as error:
        if _is_lamina_message(error):
            raise _LaminaExportError(str(error)) from None
        raise
    _name_outputs(proto.graph, traced.output_names)
    _check_dynamic_dims(traced, proto)
    if verify:
        _verify_onnx(traced, proto)
    return _serialize(proto)


def _name_outputs(graph, names):
    """Gives the graph's outputs `names`: an internal value already called so is renamed
    first, and an output that is also an input gets an Identity node of its own."""
    used = _value_names(graph)
    inputs = {i.name for i in graph.input}
    for output, name in zip(graph.output, names):
        if output.name == name:
            continue
        if name in used:
            fresh = name + "_value"
            while fresh in used:
                fresh += "_"
            _rename(graph, name, fresh)
            used.add(fresh)
        if output.name in inputs:
            graph.node.add(op_type="Identity", input=[output.name], output=[name],
                           name=f"{name}_identity")
            output.name = name
        else:
            _rename(graph, output.name, name)
        used.add(name)


def _value_names(graph):
    names = {v.name for v in list(graph.input) + list(graph.output) + list(graph.value_info)}
    names |= {i.name for i in graph.initializer}
    for node in graph.node:
        names |= set(node.input) | set(node.output)
        for attribute in node.attribute:
            for subgraph in [attribute.g] * attribute.HasField("g") + list(attribute.graphs):
                names |= _value_names(subgraph)
    return names


def _rename(graph, old, new):
    """Renames value `old` to `new` everywhere in `graph` and its subgraphs."""
    for collection in (graph.input, graph.output, graph.value_info, graph.initializer):
        for value in collection:
            if value.name == old:
                value.name = new
    for node in graph.node:
        for field in (node.input, node.output):
            for i, value in enumerate(field):
                if value == old:
                    field[i] = new
        for attribute in node.attribute:
            for subgraph in [attribute.g] * attribute.HasField("g") + list(attribute.graphs):
                _rename(subgraph, old, new)


def _is_lamina_message(error):
    return str(error).startswith(("The numpy backend cannot export", "format='torch' writes",
                                  "Exporting to ONNX on the"))


def _describe(error):
    """The exporter's own reason: the innermost cause's type and first lines."""
    seen = set()
    while error.__cause__ is not None and id(error) not in seen:
        seen.add(id(error))
        error = error.__cause__
    text = " ".join(line.strip() for line in str(error).strip().splitlines()[:6]
                    if line.strip())
    text = text if len(text) <= 700 else text[:700] + " ..."
    return f"{type(error).__name__}: {text}"


def _check_dynamic_dims(traced, proto):
    """A dimension asked to be dynamic must be symbolic in the graph, not the example's size."""
    for (shape, _), graph_input in zip(traced.specs, proto.graph.input):
        dims = graph_input.type.tensor_type.shape.dim
        for axis, (want, have) in enumerate(zip(shape, dims)):
            if isinstance(want, str) and not have.dim_param:
                raise _Mismatch(
                    f"dimension {axis} ({want!r}) of input {graph_input.name!r} was fixed to "
                    f"{have.dim_value} by the exporter: the layer reads it as a Python number. "
                    "Pass an input_signature with that dimension fixed to export for one size.")


def _serialize(proto):
    try:
        return proto.SerializeToString()
    except ValueError as error:  # protobuf's 2 GiB limit
        raise _LaminaExportError(f"The ONNX graph is too large to write as one file ({error}); "
                                 "models over 2 GiB are not supported by lamina's exporter "
                                 "yet.") from None


def _verify_onnx(traced, proto):
    """Runs the graph with onnxruntime (when installed) at batch sizes 1 and 3 and compares
    it with the function itself."""
    try:
        import onnxruntime
    except ImportError:
        return
    options = onnxruntime.SessionOptions()
    options.log_severity_level = 4  # failures are reported by the exception, not on stderr
    session = onnxruntime.InferenceSession(proto.SerializeToString(), options,
                                           providers=["CPUExecutionProvider"])
    feed_names = [i.name for i in session.get_inputs()]
    for batch_size in (1, 3):
        sample = traced.sample(batch_size, seed=batch_size)
        expected = traced.run(sample)
        got = session.run(None, dict(zip(feed_names, sample)))
        for i, (want, have) in enumerate(zip(expected, got)):
            have = np.asarray(have)
            scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
            if want.shape != have.shape or not np.allclose(
                    have, want, rtol=_VERIFY_RTOL, atol=_VERIFY_ATOL * scale, equal_nan=True):
                difference = (float(np.max(np.abs(have.astype("float64") - want)))
                              if want.shape == have.shape and want.size else "-")
                raise _Mismatch(
                    f"onnxruntime computes output {i} differently from the model at batch "
                    f"size {batch_size} (expected shape {want.shape}, got {have.shape}; "
                    f"largest difference {difference}): the exporter mis-converted an op. "
                    "Pass verify=False to write the file anyway.")


@export("lamina.export.ExportArchive")
class ExportArchive:
    """Keras' builder of TensorFlow SavedModels with several endpoints.

    It writes TensorFlow's format, and lamina has no TensorFlow backend yet: constructing
    one raises a ValueError. Use `model.export(path, format="onnx")`.
    """

    def __init__(self):
        raise ValueError(
            "lamina.export.ExportArchive builds TensorFlow SavedModels, which need the "
            "tensorflow backend; lamina has none yet. Use model.export(path, format='onnx') "
            "(the jax and torch backends write ONNX)."
        )
