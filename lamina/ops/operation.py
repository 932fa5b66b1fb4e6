"""Operations, nodes, and the `op` decorator that gives every op its symbolic path.

An op is a compute function (dispatching to the active backend) paired with a *rule*: a
function of the same arguments that returns the output's `KerasTensor`(s) — shape and dtype —
without running any backend. Called on real tensors, an op computes; called with any
`KerasTensor` among its arguments, it applies the rule and records a `Node` so that the
functional API can replay the graph later. Layers are operations too.
"""

import functools

import numpy as np

from lamina import tree
from lamina.backend.common import dtypes, global_state
from lamina.backend.common.keras_tensor import KerasTensor, any_symbolic_tensors


class KerasHistory:
    """Where a symbolic tensor comes from: `(operation, node_index, tensor_index)`."""

    __slots__ = ("operation", "node_index", "tensor_index")

    def __init__(self, operation, node_index, tensor_index):
        self.operation = operation
        self.node_index = node_index
        self.tensor_index = tensor_index

    def __iter__(self):
        return iter((self.operation, self.node_index, self.tensor_index))


class Node:
    """One call of an operation on symbolic tensors: its arguments and its outputs.

    Args:
        operation: the operation called.
        call_args: the positional arguments, symbolic tensors among them.
        call_kwargs: the keyword arguments.
        outputs: the symbolic tensor(s) the call produced.
    """

    def __init__(self, operation, call_args=(), call_kwargs=None, outputs=None):
        self.operation = operation
        self.call_args = tuple(call_args)
        self.call_kwargs = dict(call_kwargs or {})
        self.outputs = [] if outputs is None else tree.flatten(outputs)
        self.input_tensors = [
            x for x in tree.flatten((self.call_args, self.call_kwargs)) if isinstance(x, KerasTensor)
        ]
        self.parent_nodes = []
        for x in self.input_tensors:
            history = x._keras_history
            if history is not None:
                parent = history.operation._inbound_nodes[history.node_index]
                if parent not in self.parent_nodes:
                    self.parent_nodes.append(parent)
                history.operation._outbound_nodes.append(self)
        node_index = len(operation._inbound_nodes)
        operation._inbound_nodes.append(self)
        for i, x in enumerate(self.outputs):
            if isinstance(x, KerasTensor):
                x._keras_history = KerasHistory(operation, node_index, i)

    @property
    def is_input(self):
        return not self.input_tensors

    def arguments_with(self, values_by_id):
        """The call's args and kwargs with each symbolic tensor replaced from the mapping."""

        def replace(x):
            if isinstance(x, KerasTensor):
                return values_by_id[id(x)]
            return x

        args = tree.map_structure(replace, self.call_args)
        kwargs = tree.map_structure(replace, self.call_kwargs)
        return args, kwargs


class Operation:
    """Something callable on tensors that can be recorded in a graph: an op or a layer."""

    def __init__(self, name=None):
        if name is None:
            name = global_state.auto_name(self.__class__.__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "Argument `name` must be a string without '/'. "
                f"Received: name={name!r} (of type {type(name).__name__})."
            )
        self.name = name
        self._inbound_nodes = []
        self._outbound_nodes = []

    def __call__(self, *args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        outputs = self.compute_output_spec(*args, **kwargs)
        Node(self, call_args=args, call_kwargs=kwargs, outputs=outputs)
        return outputs

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{self.__class__.__name__} must implement call().")

    def compute_output_spec(self, *args, **kwargs):
        raise NotImplementedError(
            f"{self.__class__.__name__} must implement compute_output_spec() to run on "
            "symbolic tensors."
        )

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    @property
    def input(self):
        return self._inbound_nodes[0].input_tensors[0] if self._inbound_nodes else None

    @property
    def output(self):
        return self._get_node_attribute("output")

    def _get_node_attribute(self, attr):
        if not self._inbound_nodes:
            raise AttributeError(
                f"The operation {self.name!r} has never been called and thus has no defined "
                f"{attr}."
            )
        if len(self._inbound_nodes) > 1:
            raise AttributeError(
                f"The operation {self.name!r} has been called {len(self._inbound_nodes)} times: "
                f"its {attr} is ambiguous. Use `get_{attr}_at(node_index)` instead."
            )
        outputs = self._inbound_nodes[0].outputs
        return outputs[0] if len(outputs) == 1 else outputs


class FunctionOperation(Operation):
    """A function op recorded in a graph: one instance per symbolic call."""

    def __init__(self, compute, rule, name):
        self._compute = compute
        self._rule = rule
        self.name = name
        self._inbound_nodes = []
        self._outbound_nodes = []

    def call(self, *args, **kwargs):
        return self._compute(*args, **kwargs)

    def compute_output_spec(self, *args, **kwargs):
        return self._rule(*args, **kwargs)

    def get_config(self):
        return {"name": self.name, "function": self._compute.__name__}


def op(rule):
    """Pairs a compute function with its symbolic `rule` (same arguments -> KerasTensor(s)).

    Example:
    >>> @op(unary_same)
    ... def negative(x):
    ...     return active.numpy.negative(x)
    """

    def decorate(compute):
        name = compute.__name__

        @functools.wraps(compute)
        def dispatch(*args, **kwargs):
            if any_symbolic_tensors(args, kwargs):
                return FunctionOperation(compute, rule, name).symbolic_call(*args, **kwargs)
            return compute(*args, **kwargs)

        dispatch.rule = rule
        dispatch.compute = compute
        return dispatch

    return decorate


# -- what rules use to read their inputs --------------------------------------------------------


def shape_of(x):
    """The shape of a tensor, symbolic tensor, variable, array or Python scalar/list."""
    if isinstance(x, KerasTensor):
        return x.shape
    if hasattr(x, "shape"):
        # A dimension that is not an int is symbolic (jax shape polymorphism, torch SymInt
        # while exporting): unknown here; int() would fail or freeze it to one size.
        return tuple(int(d) if isinstance(d, (int, np.integer)) else None for d in x.shape)
    return np.shape(x)


def dtype_of(x, weak=True):
    """The dtype of `x`; Python scalars give the weak types `int`/`float` when `weak`."""
    if isinstance(x, (KerasTensor,)):
        return x.dtype
    if hasattr(x, "dtype"):
        return dtypes.standardize_dtype(x.dtype)
    kind = dtypes.dtype_of_python_value(x)
    if kind is not None:
        if not weak:
            return {int: "int32", float: dtypes.config.floatx(), complex: "complex64"}.get(kind, kind)
        return kind
    from lamina.backend.common.convert import python_value_dtype

    found = python_value_dtype(x)
    if found is None:
        raise TypeError(f"Expected a tensor or a number, received {x!r}.")
    return found


def broadcast_shapes(*shapes):
    """The broadcast of several shapes (None for unknown dims), or a ValueError."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(ndim):
        dims = [s[axis - ndim + len(s)] for s in shapes if axis - ndim + len(s) >= 0]
        known = {d for d in dims if d is not None and d != 1}
        if len(known) > 1:
            raise ValueError(
                "Cannot broadcast shapes "
                + ", ".join(str(tuple(s)) for s in shapes)
                + f": dimensions {sorted(known)} differ at axis {axis - ndim}."
            )
        if known:
            out.append(known.pop())
        elif None in dims:
            out.append(None)
        else:
            out.append(1)
    return tuple(out)


def canonical_axis(axis, ndim, name="axis"):
    """`axis` in [0, ndim), or a ValueError naming the argument."""
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(
            f"Argument `{name}`={axis} is out of bounds for a tensor of rank {ndim}: expected a "
            f"value in [{-ndim}, {ndim})."
        )
    return axis % ndim if ndim else 0


def reduce_shape(shape, axis=None, keepdims=False):
    """The shape left after reducing `shape` over `axis` (None: all axes)."""
    ndim = len(shape)
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    axes = {canonical_axis(a, ndim) for a in axes}
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    return tuple(d for i, d in enumerate(shape) if i not in axes)


# -- what compute functions use to prepare their inputs ------------------------------------------


def to_tensor(x, dtype=None):
    """`x` as a tensor of the active backend (optionally cast to `dtype`)."""
    from lamina.backend import active

    return active.core.convert_to_tensor(x, dtype=dtype)


def promote(*values):
    """The values as tensors of one dtype: Keras' promotion of their dtypes (weak scalars)."""
    from lamina.backend import active

    dtype = dtypes.result_type(*(dtypes.dtype_of_value(v) for v in values))
    convert = active.core.convert_to_tensor
    return tuple(convert(v, dtype=dtype) for v in values)


def promote_float(*values):
    """Like `promote`, with ints and bools made floatx (for true division, trig, ...)."""
    from lamina.backend import active

    dtype = dtypes.float_result(dtypes.result_type(*(dtypes.dtype_of_value(v) for v in values)))
    convert = active.core.convert_to_tensor
    return tuple(convert(v, dtype=dtype) for v in values)
