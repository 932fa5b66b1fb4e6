"""Weights files (`.weights.h5`) in Keras 3's HDF5 layout, read defensively.

The layout: every layer's own variables are the datasets `<path>/vars/0, 1, ...` (trainable
first, then non-trainable, in creation order), where `<path>` is the chain of attribute names
from the model to the layer: a Sequential's or Functional's layers sit under `layers/<key>`
with `<key>` the snake-cased class name made unique in order (`dense`, `dense_1`, ...), a
sublayer stored in an attribute sits under that attribute's name (`cell`, `query_dense`), and
layers in a list attribute under `<attribute>/<key>`. The optimizer's state is
`optimizer/vars/<i>`. Each `vars` group carries the object's name in its `name` attribute.
This is the order Keras 3 walks objects in, so files move both ways.

Reading never follows soft, external or virtual links, never reads a dataset whose shape is
not the variable's, and assigns nothing until every value has been read and checked. Writes
go to a temporary file renamed over the target, so an interrupted save leaves the previous
file intact.
"""

import os
import re
import tempfile

import numpy as np

_SUFFIX = ".weights.h5"
_NUMERIC_KINDS = "biuf"

# Attributes of the containers themselves, never walked (they hold the same layers again, or
# graph bookkeeping): Keras skips the attributes of a bare Layer in the same way.
_CONTAINER_ATTRS = {
    "Sequential": {"_functional", "_stack"},
    "Functional": {"_graph_layers", "_nodes", "_graph_inputs", "_graph_outputs",
                   "_inputs_struct", "_outputs_struct", "operations", "_operations"},
}
_BASE_ATTRS = None


def _base_attrs():
    """Names a plain Layer and Model already have: they are never sublayers to save."""
    global _BASE_ATTRS
    if _BASE_ATTRS is None:
        from lamina.layers.layer import Layer
        from lamina.models.model import Model

        probe = Layer.__new__(Layer)
        Layer.__init__(probe, name="lamina_saving_probe")
        names = set(dir(probe)) | set(dir(Model))
        # A compiled model's optimizer is saved (as Keras does); its metrics are not.
        names.discard("optimizer")
        _BASE_ATTRS = names
    return _BASE_ATTRS


def _is_layer(value):
    from lamina.layers.layer import Layer

    return isinstance(value, Layer)


def _is_model(value):
    from lamina.models.model import Model

    return isinstance(value, Model)


def _is_optimizer(value):
    from lamina.optimizers.base_optimizer import Optimizer

    return isinstance(value, Optimizer)


def _own_variables(obj):
    if _is_optimizer(obj):
        return list(obj.variables)
    if hasattr(obj, "_own_variables"):
        return obj._own_variables()
    return list(getattr(obj, "variables", []))


def _kind(obj):
    from lamina.models.functional import Functional
    from lamina.models.sequential import Sequential

    if isinstance(obj, Sequential):
        return "Sequential"
    if isinstance(obj, Functional):
        return "Functional"
    return "Layer"


def to_snake_case(name):
    """A class name as Keras keys it in weights files: "Conv2D" -> "conv2d"."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _functional_layers(model):
    """A functional model's layers in Keras 3's order: by depth from the outputs (deepest
    first), then in the order a depth-first walk from the outputs first meets them.

    The weights keys (`dense`, `dense_1`, ...) follow this order, so it must be Keras' own
    whatever order the model lists its layers in.
    """
    from lamina.layers.layer import Layer

    input_ids = {id(x) for x in model._graph_inputs}
    finished, in_progress, post_order, first_seen = set(), set(), [], {}

    def visit(tensor):
        history = tensor._keras_history
        if history is None:
            return
        operation = history.operation
        node = operation._inbound_nodes[history.node_index]
        if id(node) in finished or id(node) in in_progress:
            return
        if not node.is_input and id(tensor) in input_ids:
            finished.add(id(node))
            return
        first_seen.setdefault(id(operation), (len(first_seen), operation))
        in_progress.add(id(node))
        if not node.is_input:
            for parent_tensor in node.input_tensors:
                visit(parent_tensor)
        in_progress.discard(id(node))
        finished.add(id(node))
        post_order.append(node)

    for output in model._graph_outputs:
        visit(output)
    in_graph = {id(node) for node in post_order}
    node_depth, operation_depth = {}, {}
    for node in reversed(post_order):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, operation_depth.get(id(node.operation), 0))
        operation_depth[id(node.operation)] = depth
        node_depth[id(node)] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))
    for x in model._graph_inputs:
        operation = x._keras_history.operation
        if id(operation) not in operation_depth:
            operation_depth[id(operation)] = 0
            first_seen[id(operation)] = (-1, operation)
    ordered = sorted(first_seen.values(),
                     key=lambda item: (-operation_depth[id(item[1])], item[0]))
    return [operation for _, operation in ordered if isinstance(operation, Layer)]


def _name_key(name):
    # Public attributes first, as Keras orders them.
    return "~" + name if name.startswith("_") else name


def _unique(base, used):
    if base in used:
        used[base] += 1
        return f"{base}_{used[base]}"
    used[base] = 0
    return base


class _Entry:
    """One saved object: its group path, its name and its own variables."""

    def __init__(self, path, name, variables, obj=None):
        self.path = path
        self.name = name
        self.variables = variables
        self.obj = obj

    @property
    def vars_path(self):
        return f"{self.path}/vars" if self.path else "vars"


def walk(model, include_optimizer=True):
    """Every saved object of `model`, parents before children, in Keras 3's order."""
    entries, visited = [], set()

    def visit(obj, path):
        if id(obj) in visited:
            return
        visited.add(id(obj))
        entries.append(_Entry(path, getattr(obj, "name", None), _own_variables(obj), obj))
        if _is_optimizer(obj):
            return
        kind = _kind(obj)
        children = []
        if kind == "Sequential":
            children.append(("layers", obj.layers))
        elif kind == "Functional":
            children.append(("layers", _functional_layers(obj)))
        skip = _base_attrs() | _CONTAINER_ATTRS.get(kind, set())
        candidates = _candidate_attrs(obj)
        if kind == "Layer" and _is_model(obj):
            # A subclassed model's `layers` is walked in its alphabetical turn, as in Keras:
            # a sublayer whose attribute sorts after "layers" is keyed `layers/<class>`.
            skip = skip - {"layers"}
            candidates.add("layers")
        for attr in sorted(candidates, key=_name_key):
            if attr.startswith("__") or attr in skip:
                continue
            try:
                value = getattr(obj, attr)
            except Exception:  # a property that cannot be read now holds nothing to save
                continue
            children.append((attr, value))
        for attr, value in children:
            if attr == "optimizer" and not include_optimizer:
                continue
            if attr == "optimizer" and not getattr(value, "built", False):
                continue
            child_path = f"{path}/{attr}" if path else attr
            if _is_layer(value) or _is_optimizer(value):
                visit(value, child_path)
            elif isinstance(value, (list, tuple, dict)):
                visit_container(value, child_path, set())
        # Sublayers tracked but reachable by no attribute (rare): kept under `_layers/`, a
        # path Keras never reads, so nothing is lost in lamina's own round trips.
        used = {}
        for layer in getattr(obj, "_layers", []):
            if id(layer) not in visited:
                key = _unique(to_snake_case(type(layer).__name__), used)
                visit(layer, f"{path}/_layers/{key}" if path else f"_layers/{key}")

    def visit_container(container, path, seen):
        if id(container) in seen:
            return
        seen.add(id(container))
        items = list(container.values()) if isinstance(container, dict) else list(container)
        used = {}
        for item in items:
            if _is_layer(item) or _is_optimizer(item):
                key = _unique(to_snake_case(type(item).__name__), used)
                visit(item, f"{path}/{key}")
            elif isinstance(item, (list, tuple, dict)):
                key = _unique("container", used)
                visit_container(item, f"{path}/{key}", seen)

    visit(model, "")
    return entries


def _candidate_attrs(obj):
    """Instance attributes and the properties of the object's own classes."""
    names = set(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        if cls.__module__.startswith(("lamina.layers.layer", "lamina.models.model",
                                      "lamina.trainers", "lamina.ops.operation")):
            continue
        for name, value in vars(cls).items():
            if isinstance(value, property):
                names.add(name)
    return names


def collect(model, include_optimizer=True):
    """`{vars group path: [variables]}` for a model (only objects that own variables)."""
    return {e.vars_path: e.variables for e in walk(model, include_optimizer) if e.variables}


def _atomic_write(path, write):
    directory = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(prefix=".lamina-", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _write_entries(handle, entries):
    for entry in entries:
        group = handle.require_group(entry.vars_path)
        if isinstance(entry.name, str):
            group.attrs["name"] = entry.name
        for i, variable in enumerate(entry.variables):
            value = np.asarray(variable.value if hasattr(variable, "value") else variable)
            if value.dtype.name == "bfloat16":
                dataset = group.create_dataset(str(i), data=value)
                dataset.attrs["dtype"] = "bfloat16"
            else:
                group.create_dataset(str(i), data=value)


def write_model_weights(model, target, include_optimizer=True):
    """Writes every weight of `model` (and its optimizer's) to a path or an open h5py.File."""
    import h5py

    entries = walk(model, include_optimizer)
    if isinstance(target, (str, os.PathLike)):
        def to_file(tmp):
            with h5py.File(tmp, "w") as handle:
                _write_entries(handle, entries)

        _atomic_write(os.fspath(target), to_file)
    else:
        _write_entries(target, entries)


def write_weights_h5(groups, target):
    """Writes `{vars group path: [variables]}` to an HDF5 path or an open h5py.File."""
    import h5py

    entries = [_Entry(path[:-len("/vars")] if path.endswith("/vars") else "", None, variables)
               for path, variables in groups.items()]
    if isinstance(target, (str, os.PathLike)):
        def to_file(tmp):
            with h5py.File(tmp, "w") as handle:
                _write_entries(handle, entries)

        _atomic_write(os.fspath(target), to_file)
    else:
        _write_entries(target, entries)


def _safe_get(handle, path):
    """The object at `path`, reached through hard links only; None when absent."""
    import h5py

    node = handle
    for part in path.split("/"):
        if not isinstance(node, h5py.Group):
            return None
        link = node.get(part, getlink=True)
        if link is None:
            return None
        if not isinstance(link, h5py.HardLink):
            raise ValueError(
                f"Refusing to read the weights file: {node.name.rstrip('/')}/{part} is a "
                f"{type(link).__name__}, which could read another file or object. lamina reads "
                "only plain datasets."
            )
        node = node[part]
    return node


def _check_dataset(dataset, where):
    import h5py

    if not isinstance(dataset, h5py.Dataset):
        raise ValueError(f"Invalid weights file: {where} is not a dataset.")
    if dataset.is_virtual:
        raise ValueError(f"Refusing to read {where}: it is a virtual dataset (it would read "
                         "other files). lamina reads only plain datasets.")
    if dataset.external:
        raise ValueError(f"Refusing to read {where}: its data is stored in external files. "
                         "lamina reads only plain datasets.")
    bfloat16 = dataset.attrs.get("dtype") == "bfloat16" if "dtype" in dataset.attrs else False
    if dataset.dtype.kind not in _NUMERIC_KINDS and not bfloat16:
        raise ValueError(f"Invalid weights file: {where} holds {dataset.dtype}, not numbers.")


def _read_value(dataset):
    value = dataset[()]
    if "dtype" in dataset.attrs and dataset.attrs.get("dtype") == "bfloat16":
        import ml_dtypes

        value = np.asarray(value).view(ml_dtypes.bfloat16) if np.asarray(value).dtype.itemsize == 2 \
            else np.asarray(value, dtype=ml_dtypes.bfloat16)
    return np.asarray(value)


def read_weights_h5(groups, source, skip_mismatch=False, owner="model"):
    """Loads `{vars group path: [variables]}` from a file; checks everything before assigning.

    Raises:
        ValueError: a missing group, a count or shape mismatch (naming the layer and both
            shapes), or a dataset lamina refuses to read (links, external or virtual data).
    """
    import h5py

    def read(handle):
        assignments = []
        for group_path, variables in groups.items():
            layer = group_path.rsplit("/vars", 1)[0] if group_path != "vars" else owner
            group = _safe_get(handle, group_path)
            if group is None:
                if group_path.startswith("optimizer") or skip_mismatch:
                    continue
                raise ValueError(
                    f"The weights file has no weights for {layer!r} (expected group "
                    f"{group_path!r}); it holds: {sorted(_list_groups(handle))}."
                )
            if not isinstance(group, h5py.Group):
                raise ValueError(f"Invalid weights file: {group_path!r} is not a group.")
            keys = list(group.keys())
            if not all(k.isdigit() for k in keys):
                raise ValueError(f"Invalid weights file: {group_path!r} holds unexpected "
                                 f"entries {sorted(keys)[:5]}.")
            stored = sorted(keys, key=int)
            if len(stored) != len(variables):
                if skip_mismatch:
                    continue
                raise ValueError(
                    f"Layer {layer!r} expects {len(variables)} variables, but the file holds "
                    f"{len(stored)}."
                )
            for key, variable in zip(stored, variables):
                dataset = _safe_get(group, key)
                _check_dataset(dataset, f"{group_path}/{key}")
                # Comparing with the variable's shape first bounds every read by the model.
                if tuple(dataset.shape) != tuple(variable.shape):
                    if skip_mismatch:
                        continue
                    raise ValueError(
                        f"Shape mismatch for {variable.path!r} (layer {layer!r}): the model "
                        f"expects {tuple(variable.shape)}, the file holds {tuple(dataset.shape)}."
                    )
                assignments.append((variable, dataset))
        values = [(variable, _read_value(dataset)) for variable, dataset in assignments]
        for variable, value in values:
            variable.assign(value)

    if isinstance(source, (str, os.PathLike)):
        with h5py.File(os.fspath(source), "r") as handle:
            read(handle)
    else:
        read(source)


def _list_groups(handle):
    import h5py

    names = []

    def visit(name, link):
        if isinstance(link, h5py.HardLink) and name.endswith("vars"):
            names.append(name)

    handle.visititems_links(visit)
    return names


def save_weights(model, filepath, overwrite=True):
    """Saves every weight of `model` (and its optimizer's state) to a `.weights.h5` file."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(_SUFFIX):
        raise ValueError(
            "The filename must end in `.weights.h5`. Received: filepath=" + filepath
        )
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"{filepath} exists and overwrite=False.")
    write_model_weights(model, filepath)


def load_weights(model, filepath, skip_mismatch=False):
    """Loads weights saved by `save_weights` (lamina's or Keras') into `model`, by path."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No such weights file: {filepath}")
    read_weights_h5(collect(model), filepath, skip_mismatch=skip_mismatch, owner=model.name)
