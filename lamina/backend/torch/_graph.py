"""torch backend: a step traced once into a graph of aten operations, then replayed.

`Traced(function)` runs `function(state, batch) -> state` under `make_fx` on fake tensors, once
per input signature (structure, shapes, dtypes), and from then on calls the recorded graph:
forward, backward and update as plain aten calls, without lamina's Python layer. Before the
first replay the graph is made cheaper (`optimize`): aliases that only matter to autograd
(`detach`) and copies of constants nobody writes (`lift_fresh_copy`) are dropped, whatever
depends on constants alone is computed once, repeated computations are merged (the optimizer's
bias corrections, traced once per variable), and constants become extra inputs (a read of a
module attribute per constant per step costs more than the arithmetic on small models).

The graph may write into its inputs in place (the fused optimizer update does); the passes
never move, merge or fold a computation that reads a tensor something writes.
"""

import contextlib
import functools
import logging
import sys
import time
import warnings

import torch

from lamina import tree

_log = logging.getLogger("lamina")
_aten = torch.ops.aten
_tracing = []


def tracing():
    """Whether a step is being traced now (code may then allocate instead of reusing buffers
    that live outside the graph)."""
    return bool(_tracing)


@contextlib.contextmanager
def _tracing_scope():
    _tracing.append(True)
    try:
        yield
    finally:
        _tracing.pop()


class Traced:
    """`function(state, batch) -> state` traced per input signature and replayed.

    `state` is a tuple of lists of tensors (a `TrainingState`); `batch` any structure. With
    `adaptive=False` (`jit_compile=True`) each signature is traced when first seen. With
    `adaptive=True` (`jit_compile="auto"`) steps run eagerly until they have taken about what
    tracing costs (`_TRACE_COST_S`; more before the first trace in a process, which imports
    torch's tracing machinery), then a signature seen a few times whose steps are short is
    traced, and its graph is kept only if replaying it turns out faster than the eager step
    it replaces. Either way the numbers are those of the eager step: the graph runs the same
    aten kernels in the same order, and its first replay runs beside the eager step, on
    copies, and must give the same bits, or the graph is dropped.

    A step that cannot be traced (it reads a tensor's value in Python: seeded random draws,
    `cond` on a tensor, NumPy round trips) runs eagerly from then on; the fallback is logged,
    never warned about. Warnings raised while tracing are re-raised once.
    """

    max_signatures = 8

    def __init__(self, function, name="step", adaptive=False, eager_seconds=None):
        self.function = function
        self.name = name
        self.adaptive = adaptive
        # Eager time that counts toward the trace cost: a one-item list that the steps of one
        # model share (its validation steps are worth tracing once its training steps are).
        self.eager_seconds = [0.0] if eager_seconds is None else eager_seconds
        self.graphs = {}  # signature -> _Graph, or None where the eager step stays
        self.stats = {}  # signature -> [eager steps, eager seconds] (adaptive only)
        self.failed = None

    def __call__(self, state, batch):
        if self.failed is not None:
            return self.function(state, batch)
        tensors = [t for part in state for t in part]
        leaves = tree.flatten(batch)
        key = (tuple(len(part) for part in state), _signature(tensors), _skeleton(batch))
        entry = self.graphs.get(key, False)
        if entry is False and self._trace_now(key):
            entry = self._trace(state, batch)
            if entry is not None:
                inputs = tensors + [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
                return self._first_replay(key, entry, state, batch, inputs)
            self.graphs[key] = None
        if entry:
            inputs = tensors + [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]
            if entry.trial is None:
                return entry.replay(type(state), inputs)
            started = time.perf_counter()
            new_state = entry.replay(type(state), inputs)
            self._judge(key, entry, time.perf_counter() - started)
            return new_state
        if not self.adaptive:
            return self.function(state, batch)
        started = time.perf_counter()
        new_state = self.function(state, batch)
        elapsed = time.perf_counter() - started
        self.eager_seconds[0] += elapsed
        stats = self.stats.setdefault(key, [0, 0.0])
        stats[0] += 1
        stats[1] += elapsed
        return new_state

    def _first_replay(self, key, entry, state, batch, inputs):
        """Runs a new graph once beside the eager step, on copies of the inputs (the graph may
        write into them), and keeps it only if every output is bit for bit the eager one;
        returns the eager step's result either way."""
        copies = [t.clone() for t in inputs]
        expected = self.function(state, batch)
        try:
            got = entry.replay(type(state), copies)
            same = _identical(got, expected)
            why = "its results differ from the eager step's"
        except Exception as error:  # noqa: BLE001 - a graph that cannot replay is dropped
            same, why = False, f"{type(error).__name__}: {str(error)[:200]}"
        if same:
            self.graphs[key] = entry
        else:
            self.graphs[key] = None
            _log.info("torch: the traced %s does not replay (%s); running it eagerly.",
                      self.name, why)
        return expected

    def _trace_now(self, key):
        if len(self.graphs) >= self.max_signatures:
            return False
        if not self.adaptive:
            return True
        cost = _TRACE_COST_S if "torch._dynamo" in sys.modules else _FIRST_TRACE_COST_S
        steps, seconds = self.stats.get(key, (0, 0.0))
        return (self.eager_seconds[0] >= cost and steps >= _SEEN_BEFORE_TRACE
                and seconds / steps <= _MAX_STEP_S)

    def _judge(self, key, entry, elapsed):
        """Times a new graph's first replays; drops it if it is not faster than eager."""
        entry.trial.append(elapsed)
        if len(entry.trial) < _TRIAL_STEPS:
            return
        replay = sorted(entry.trial)[len(entry.trial) // 2]
        steps, seconds = self.stats.get(key, (0, 0.0))
        entry.trial = None
        if steps and replay > _KEEP_IF_FASTER * seconds / steps:
            self.graphs[key] = None
            _log.info("torch: replaying the traced %s took %.3g ms, eager %.3g ms: running it "
                      "eagerly.", self.name, replay * 1e3, seconds / steps * 1e3)

    def _trace(self, state, batch):
        from torch.fx.experimental.proxy_tensor import make_fx

        state_type, lengths = type(state), [len(part) for part in state]
        leaves = tree.flatten(batch)
        tensor_at = [i for i, leaf in enumerate(leaves) if isinstance(leaf, torch.Tensor)]
        count = sum(lengths)
        found = {}

        def flat(*tensors):
            merged = list(leaves)
            for i, tensor in zip(tensor_at, tensors[count:]):
                merged[i] = tensor
            new_state = self.function(_split_parts(state_type, lengths, tensors),
                                      tree.pack_sequence_as(batch, merged))
            outputs = [t for part in new_state for t in part]
            if not all(isinstance(o, torch.Tensor) for o in outputs):
                raise TypeError(f"the {self.name} returned values that are not tensors")
            found["lengths"] = [len(part) for part in new_state]
            return tuple(outputs)

        inputs = [t for part in state for t in part] + [leaves[i] for i in tensor_at]
        try:
            with warnings.catch_warnings(record=True) as caught, _tracing_scope():
                warnings.simplefilter("always")
                graph = make_fx(flat, tracing_mode="fake")(*inputs)
        except Exception as error:  # noqa: BLE001 - any tracing failure runs eagerly
            self.failed = f"{type(error).__name__}: {str(error)[:200]}"
            _log.info("torch: the %s cannot be traced, running it eagerly (%s).", self.name,
                      self.failed)
            return None
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        constants = optimize(graph)
        return _Graph(graph, constants, found["lengths"], trial=self.adaptive)


# jit_compile="auto": eager seconds spent before tracing (the first trace in a process also
# imports torch._dynamo, ~1.9 s on the 2-core CI machine; a trace then takes ~0.3 s for a
# small model), how often a signature must have been seen, how many replays are timed, and
# how much faster than eager they must be for the graph to stay.
_FIRST_TRACE_COST_S = 2.0
_TRACE_COST_S = 0.5
_SEEN_BEFORE_TRACE = 3
_TRIAL_STEPS = 8
_KEEP_IF_FASTER = 0.9
# Steps longer than this are left eager: their time is their kernels' (lamina's Python costs
# a few milliseconds per step at most), and a replay would not pay for the trace.
_MAX_STEP_S = 0.025


class _Graph:
    def __init__(self, module, constants, lengths, trial):
        self.module = module
        self.constants = constants
        self.lengths = lengths
        self.trial = [] if trial else None

    def replay(self, state_type, inputs):
        return _split_parts(state_type, self.lengths, self.module(*inputs, *self.constants))


def _split_parts(state_type, lengths, values):
    parts, start = [], 0
    for length in lengths:
        parts.append(list(values[start:start + length]))
        start += length
    return state_type(*parts)


def _identical(got, expected):
    got = [t for part in got for t in part]
    expected = [t for part in expected for t in part]
    return len(got) == len(expected) and all(
        a.shape == b.shape and a.dtype == b.dtype and torch.equal(a, b)
        for a, b in zip(got, expected))


def _signature(tensors):
    return tuple((t.shape, t.dtype, t.device) for t in tensors)


def _skeleton(x):
    """A hashable description of a structure: nesting, tensor shapes and dtypes, constants."""
    if isinstance(x, torch.Tensor):
        return ("tensor", tuple(x.shape), x.dtype, x.device.type)
    if isinstance(x, dict):
        return ("dict",) + tuple((k, _skeleton(v)) for k, v in sorted(
            x.items(), key=lambda item: str(item[0])))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__,) + tuple(_skeleton(v) for v in x)
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    return ("constant", type(x).__name__, x)


# -- graph passes --------------------------------------------------------------------------------


def optimize(graph_module):
    """Simplifies the traced graph in place; returns the constants it now takes as its last
    inputs (in order)."""
    graph = graph_module.graph
    written = _written(graph)
    _drop_aliases(graph, written)
    _merge_repeated(graph, written)
    _fold_constants(graph_module, written)
    _scalars_as_tensors(graph_module)
    _merge_repeated(graph, written)
    graph.eliminate_dead_code()
    constants = _constants_as_inputs(graph_module)
    graph.lint()
    graph_module.recompile()
    return constants


def _schema(node):
    target = node.target
    if node.op == "call_function" and isinstance(target, torch._ops.OpOverload):
        return target._schema
    return None


def _nodes_in(value):
    if isinstance(value, torch.fx.Node):
        return [value]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _nodes_in(v)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _nodes_in(v)]
    return []


def _written(graph):
    """`is_written(node)`: whether `node`'s storage (shared with its views) is written by an
    in-place op somewhere in the graph, or leaves the graph (the caller may write it)."""
    base = {}
    written_bases = set()
    for node in graph.nodes:
        schema = _schema(node)
        base[node] = node
        if schema is None:
            if node.op == "output":
                written_bases.update(base.get(n, n) for n in _nodes_in(node.args))
            continue
        returns_alias = schema.returns and schema.returns[0].alias_info is not None
        if returns_alias and node.args and isinstance(node.args[0], torch.fx.Node):
            base[node] = base.get(node.args[0], node.args[0])  # a view or an in-place result
        if schema.is_mutable:
            for argument, value in zip(schema.arguments, node.args):
                if argument.alias_info is not None and argument.alias_info.is_write:
                    written_bases.update(base.get(n, n) for n in _nodes_in(value))
            for name, value in node.kwargs.items():
                argument = next((a for a in schema.arguments if a.name == name), None)
                if argument is not None and argument.alias_info is not None \
                        and argument.alias_info.is_write:
                    written_bases.update(base.get(n, n) for n in _nodes_in(value))
    return lambda node: base.get(node, node) in written_bases


def _pure(node):
    schema = _schema(node)
    return (schema is not None and not schema.is_mutable
            and torch.Tag.nondeterministic_seeded not in node.target.tags)


def _drop_aliases(graph, written):
    for node in list(graph.nodes):
        if node.op != "call_function":
            continue
        if node.target is _aten.detach.default or (
                node.target is _aten.lift_fresh_copy.default and not written(node)):
            node.replace_all_uses_with(node.args[0])
            graph.erase_node(node)


def _fold_constants(graph_module, written):
    """Computes once the nodes whose inputs are all constants, as new constants."""
    graph = graph_module.graph
    values = {}
    count = 0
    for node in list(graph.nodes):
        if node.op == "get_attr":
            values[node] = getattr(graph_module, node.target)
            continue
        if not _pure(node) or written(node):
            continue
        inputs = _nodes_in((node.args, node.kwargs))
        if not inputs or any(n not in values or written(n) for n in inputs):
            continue
        args, kwargs = torch.fx.node.map_arg((node.args, node.kwargs), lambda n: values[n])
        with torch.no_grad():
            result = node.target(*args, **kwargs)
        if not isinstance(result, torch.Tensor):
            continue
        name = f"_folded_{count}"
        count += 1
        graph_module.register_buffer(name, result.clone())
        with graph.inserting_before(node):
            constant = graph.get_attr(name)
        values[constant] = getattr(graph_module, name)
        node.replace_all_uses_with(constant)
        graph.erase_node(node)


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    hash(value)
    return value


def _merge_repeated(graph, written):
    """Replaces each pure computation repeated with the same inputs by its first occurrence,
    unless one of the inputs is written somewhere (then the two may read different values)."""
    seen = {}
    for node in list(graph.nodes):
        if node.op == "get_attr" and not written(node):
            key = ("get_attr", node.target)
            if key in seen:
                node.replace_all_uses_with(seen[key])
                graph.erase_node(node)
            else:
                seen[key] = node
            continue
        if not _pure(node) or written(node):
            continue
        if any(written(n) for n in _nodes_in((node.args, node.kwargs))):
            continue
        try:
            key = (node.target, _hashable(node.args), _hashable(node.kwargs))
        except TypeError:
            continue
        first = seen.get(key)
        if first is None:
            seen[key] = node
            continue
        node.replace_all_uses_with(first)
        graph.erase_node(node)


@functools.cache
def _tensor_forms():
    """Ops taking a Python number -> (the same op taking a 0-d tensor, positions of numbers)."""
    forms = {}
    for name in ("add", "sub", "mul", "div"):
        op = getattr(_aten, name)
        forms[op.Tensor] = forms[op.Scalar] = (op.Tensor, (1,))
    for name in ("rsub", "eq", "ne", "ge", "gt", "le", "lt"):
        op = getattr(_aten, name)
        forms[op.Scalar] = (op.Tensor, (1,))
    forms[_aten.clamp.default] = (_aten.clamp.Tensor, (1, 2))
    for name in ("add", "mul", "sub", "div"):
        for suffix in ("", "_"):
            op = getattr(_aten, f"_foreach_{name}{suffix}")
            if "Tensor" in op.overloads():
                forms[op.Scalar] = (op.Tensor, (1,))
    return forms


def _scalars_as_tensors(graph_module):
    """Gives element-wise ops their Python-number operands as 0-d tensors of the other
    operand's dtype, made once: wrapping a number into a tensor at every call costs more than
    the arithmetic on small tensors. The kernels read a 0-d operand exactly as a number (both
    are CPU scalars, converted to the op's float32/float64/integer type), so the results are
    the same; half-precision operands, whose kernels compute numbers in float32, keep them."""
    forms = _tensor_forms()
    graph = graph_module.graph
    made = {}
    for node in list(graph.nodes):
        form = forms.get(node.target) if node.op == "call_function" else None
        if form is None or set(node.kwargs) - {"alpha"} or node.kwargs.get("alpha", 1) != 1:
            continue
        target, positions = form
        operand = node.args[0]
        values = [n.meta.get("val") for n in _nodes_in(operand)]
        if not values or not all(isinstance(v, torch.Tensor) for v in values):
            continue
        dtype, device = values[0].dtype, values[0].device
        if any(v.dtype != dtype or v.device != device for v in values):
            continue
        numbers = [node.args[i] for i in positions if i < len(node.args)]
        if not numbers or not all(_exact_number(x, dtype) for x in numbers
                                  if x is not None):
            continue
        foreach = isinstance(operand, (list, tuple))
        place = device if foreach else torch.device("cpu")
        args = list(node.args)
        for i in positions:
            if i >= len(args) or args[i] is None:
                continue
            key = (args[i], type(args[i]), dtype, place)
            if key not in made:
                name = f"_number_{len(made)}"
                graph_module.register_buffer(name, torch.tensor(args[i], dtype=dtype,
                                                                device=place))
                with graph.inserting_before(next(iter(graph.nodes))):
                    made[key] = graph.get_attr(name)
            args[i] = made[key]
        node.target = target
        node.args = tuple(args)


def _exact_number(number, dtype):
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        return False
    if dtype in (torch.float32, torch.float64):
        return True
    return isinstance(number, int) and not dtype.is_floating_point and not dtype.is_complex \
        and dtype != torch.bool


def _constants_as_inputs(graph_module):
    """Turns each constant the graph reads into an input after the others; returns their
    values in order."""
    graph = graph_module.graph
    placeholders = [n for n in graph.nodes if n.op == "placeholder"]
    constants = []
    for node in [n for n in graph.nodes if n.op == "get_attr"]:
        value = getattr(graph_module, node.target)
        if not isinstance(value, torch.Tensor):
            continue
        with graph.inserting_after(placeholders[-1]):
            placeholder = graph.placeholder(f"constant_{len(constants)}")
        placeholders.append(placeholder)
        node.replace_all_uses_with(placeholder)
        graph.erase_node(node)
        constants.append(value)
    return constants
