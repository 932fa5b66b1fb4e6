"""Core ops: tensor conversion, casting, shapes, control flow, slicing and scattering,
gradient helpers. Public as `lamina.ops.<name>`.

The control-flow ops take Python functions. Their symbolic rules run those functions on
symbolic tensors (lamina ops applied to KerasTensors, no backend) to learn and check the
output specs; their compute functions hand the functions to the backend's loop primitives
(Python loops on numpy, `jax.lax` on jax), with outputs made tensors of Keras' dtypes.
"""

import builtins
import functools

import ml_dtypes
import numpy as np

from lamina import tree
from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.backend.common.keras_tensor import KerasTensor, any_symbolic_tensors, is_keras_tensor
from lamina.backend.common.stateless_scope import SymbolicScope
from lamina.ops import rules
from lamina.ops.operation import op


@export("lamina.ops.convert_to_tensor")
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` (array, list, scalar, variable) as a tensor of the active backend.

    Example:
    >>> ops.convert_to_tensor([1.0, 2.0])
    """
    if is_keras_tensor(x):  # symbolic tensors pass through (cast when a dtype is given)
        return x if dtype is None or x.dtype == dtypes.standardize_dtype(dtype) else cast(x, dtype)
    return active.core.convert_to_tensor(x, dtype=dtype, sparse=sparse, ragged=ragged)


@export("lamina.ops.convert_to_numpy")
def convert_to_numpy(x):
    """`x` as a NumPy array (copied from the device when needed)."""
    if is_keras_tensor(x):
        raise ValueError(
            "A symbolic tensor cannot be converted to NumPy: it holds no data. Call the model "
            "on real inputs first."
        )
    return active.core.convert_to_numpy(x)


@export("lamina.ops.is_tensor")
def is_tensor(x):
    """Whether `x` is a tensor of the active backend (not a NumPy array)."""
    return active.core.is_tensor(x)


@export("lamina.ops.shape")
def shape(x):
    """The shape of `x` as a tuple (None for unknown dims of a symbolic tensor)."""
    if is_keras_tensor(x):
        return x.shape
    return active.core.shape(x)


@export("lamina.ops.dtype")
def dtype(x):
    """The dtype name of `x`."""
    return dtypes.dtype_of_value(x, weak=False)


def _cast_rule(x, dtype):
    return KerasTensor(rules.shape_of(x), dtypes.standardize_dtype(dtype))


@export("lamina.ops.cast")
@op(_cast_rule)
def cast(x, dtype):
    """`x` converted to `dtype`."""
    return active.core.cast(x, dtypes.standardize_dtype(dtype))


@export("lamina.ops.stop_gradient")
@op(rules.unary_same)
def stop_gradient(variable):
    """`variable`'s value, through which no gradient flows."""
    return active.core.stop_gradient(variable)


# -- helpers shared by the control-flow ops ----------------------------------------------------


def _spec(x):
    """A leaf as a KerasTensor (shape and dtype only); None stays None."""
    if x is None or isinstance(x, KerasTensor):
        return x
    return KerasTensor(rules.shape_of(x), rules.dtype_of(x, weak=False))


def _specs(structure):
    return tree.map_structure(_spec, structure)


def _trace(fn, *args):
    """`fn` run on symbolic tensors: the specs of what it returns, with no backend run."""
    with SymbolicScope():
        outputs = fn(*args)
    return _specs(outputs)


def _row(spec):
    """The spec of one slice of `spec` along its leading axis."""
    if spec.ndim == 0:
        raise ValueError(
            f"Expected tensors with a leading axis to loop over, received a scalar {spec}."
        )
    return KerasTensor(spec.shape[1:], spec.dtype)


def _leading_dim(op_name, structure, name):
    dims = {s.shape[0] for s in tree.flatten(structure) if s is not None and s.ndim}
    known = {d for d in dims if d is not None}
    if len(known) > 1:
        raise ValueError(
            f"ops.{op_name}: every tensor in `{name}` must have the same leading dimension; "
            f"received shapes {[s.shape for s in tree.flatten(structure) if s is not None]}."
        )
    return known.pop() if known else None


def _compatible(a, b):
    """Whether two specs (or Nones) can be the same tensor: equal dtype, shapes agreeing."""
    if a is None or b is None:
        return a is None and b is None
    if a.dtype != b.dtype or a.ndim != b.ndim:
        return False
    return all(x is None or y is None or x == y for x, y in zip(a.shape, b.shape))


def _same_specs(a, b):
    try:
        tree.assert_same_structure(a, b)
    except (ValueError, TypeError):
        return False
    return all(_compatible(x, y) for x, y in zip(tree.flatten(a), tree.flatten(b)))


def _as_tensors(structure):
    """Every leaf as a tensor of the active backend (Python numbers take Keras' dtypes)."""
    return tree.map_structure(lambda x: x if x is None else active.core.convert_to_tensor(x),
                              structure)


def _tensor_outputs(fn):
    """`fn` with its outputs' leaves made tensors, so loop carries keep Keras' dtypes."""

    @functools.wraps(fn)
    def wrapped(*args):
        return _as_tensors(fn(*args))

    return wrapped


# -- control flow ------------------------------------------------------------------------------


def _cond_rule(pred, true_fn, false_fn):
    pred_shape = rules.shape_of(pred)
    if len(pred_shape) != 0:
        raise ValueError(f"ops.cond: `pred` must be a scalar, received shape {pred_shape}.")
    true_spec = _trace(true_fn)
    false_spec = _trace(false_fn)
    if not _same_specs(true_spec, false_spec):
        raise ValueError(
            "ops.cond: `true_fn` and `false_fn` must return outputs of the same structure, "
            f"shapes and dtypes. Received {true_spec} and {false_spec}."
        )
    return true_spec


@export("lamina.ops.cond")
@op(_cond_rule)
def cond(pred, true_fn, false_fn):
    """`true_fn()` if `pred` else `false_fn()`; both are traced when compiled.

    Example:
    >>> x = ops.convert_to_tensor(-3.0)
    >>> float(ops.cond(x > 0, lambda: x, lambda: -x))
    3.0
    """
    if not isinstance(pred, bool):
        pred = active.core.convert_to_tensor(pred)
    return active.core.cond(pred, _tensor_outputs(true_fn), _tensor_outputs(false_fn))


def _switch_rule(index, branches, *operands):
    if not branches:
        raise ValueError("ops.switch: `branches` must hold at least one function.")
    operand_specs = _specs(operands)
    specs = [_trace(branch, *operand_specs) for branch in branches]
    for i, spec in enumerate(specs[1:], start=1):
        if not _same_specs(specs[0], spec):
            raise ValueError(
                "ops.switch: every branch must return outputs of the same structure, shapes "
                f"and dtypes. Branch 0 returned {specs[0]}, branch {i} returned {spec}."
            )
    return specs[0]


@export("lamina.ops.switch")
@op(_switch_rule)
def switch(index, branches, *operands):
    """`branches[index](*operands)`, with `index` clamped to `[0, len(branches) - 1]`.

    Example:
    >>> float(ops.switch(1, [lambda x: x + 1, lambda x: x - 1], 2.0))
    1.0
    """
    if not branches:
        raise ValueError("ops.switch: `branches` must hold at least one function.")
    branches = [_tensor_outputs(branch) for branch in branches]
    if not isinstance(index, int):
        index = active.core.convert_to_tensor(index)
    return active.core.switch(index, branches, *_as_tensors(operands))


def _loop_vars_spec(loop_vars):
    # A list of loop variables comes back as a tuple, as from the backends.
    return _specs(tuple(loop_vars) if isinstance(loop_vars, list) else loop_vars)


def _while_loop_rule(cond, body, loop_vars, maximum_iterations=None):
    specs = _loop_vars_spec(loop_vars)
    is_tuple = isinstance(loop_vars, (list, tuple))
    args = specs if is_tuple else (specs,)
    _trace(cond, *args)
    outputs = _trace(body, *args)
    outputs = tuple(outputs) if is_tuple and isinstance(outputs, (list, tuple)) else outputs
    if not _same_specs(specs, outputs):
        raise ValueError(
            "ops.while_loop: `body` must return values of the same structure, shapes and "
            f"dtypes as `loop_vars`. Expected {specs}, received {outputs}."
        )
    return specs


@export("lamina.ops.while_loop")
@op(_while_loop_rule)
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs `loop_vars = body(*loop_vars)` while `cond(*loop_vars)` (at most
    `maximum_iterations` times); tuples and lists of loop variables are unpacked.

    Example:
    >>> int(ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0))
    10
    """
    loop_vars = _as_tensors(tuple(loop_vars) if isinstance(loop_vars, list) else loop_vars)
    return active.core.while_loop(
        cond, _tensor_outputs(body), loop_vars, maximum_iterations=maximum_iterations
    )


def _fori_loop_rule(lower, upper, body_fun, init_val):
    spec = _specs(init_val)
    out = _trace(body_fun, KerasTensor((), "int32"), spec)
    if not _same_specs(spec, out):
        raise ValueError(
            "ops.fori_loop: `body_fun` must return a value of the same structure, shape and "
            f"dtype as `init_val`. Expected {spec}, received {out}."
        )
    return spec


@export("lamina.ops.fori_loop")
@op(_fori_loop_rule)
def fori_loop(lower, upper, body_fun, init_val):
    """`val = body_fun(i, val)` for `i` in `range(lower, upper)`, starting from `init_val`.

    Example:
    >>> int(ops.fori_loop(0, 10, lambda i, s: s + i, 0))
    45
    """
    # Python int bounds stay ints: jax then loops with a scan, which reverse-mode can traverse.
    lower, upper = (b if isinstance(b, int) else active.core.convert_to_tensor(b)
                    for b in (lower, upper))
    return active.core.fori_loop(lower, upper, _tensor_outputs(body_fun), _as_tensors(init_val))


def _check_unroll(unroll):
    if isinstance(unroll, bool):
        return
    if not isinstance(unroll, int) or unroll < 1:
        raise ValueError(
            f"ops.scan: `unroll` must be a positive integer or a boolean. Received: "
            f"unroll={unroll!r}"
        )


def _scan_rule(f, init, xs=None, length=None, reverse=False, unroll=1):
    _check_unroll(unroll)
    if xs is None and length is None:
        raise ValueError("ops.scan: no `xs` to scan over and no `length` given; pass one.")
    init_spec = _specs(init)
    if xs is None:
        n, x_spec = int(length), None
    else:
        xs_spec = _specs(xs)
        n = int(length) if length is not None else _leading_dim("scan", xs_spec, "xs")
        x_spec = tree.map_structure(lambda s: None if s is None else _row(s), xs_spec)
    out = _trace(f, init_spec, x_spec)
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        raise ValueError(f"ops.scan: `f` must return a pair `(carry, y)`, received {out}.")
    carry, y = out
    if not _same_specs(init_spec, carry):
        raise ValueError(
            "ops.scan: the carry returned by `f` must have the structure, shapes and dtypes "
            f"of `init`. Expected {init_spec}, received {carry}."
        )
    ys = tree.map_structure(
        lambda s: None if s is None else KerasTensor((n,) + s.shape, s.dtype), y
    )
    return carry, ys


@export("lamina.ops.scan")
@op(_scan_rule)
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loops `carry, y = f(carry, x)` over the leading axis of `xs`; returns the last carry
    and the stacked `y`s.

    Args:
        f: `(carry, x) -> (carry, y)`; the carry keeps its structure, shapes and dtypes.
        init: the first carry (a tensor or a nested structure of them).
        xs: the values scanned over their leading axis, or None to loop `length` times.
        length: the number of steps when `xs` is None.
        reverse: whether to scan from the last slice to the first.
        unroll: how many steps each compiled loop iteration runs (or True for all).

    Returns:
        `(carry, ys)`.

    Example:
    >>> carry, ys = ops.scan(lambda c, x: (c + x, c + x), 0, ops.convert_to_tensor([1, 2, 3]))
    >>> int(carry), ops.convert_to_numpy(ys).tolist()
    (6, [1, 3, 6])
    """
    _check_unroll(unroll)
    if xs is None and length is None:
        raise ValueError("ops.scan: no `xs` to scan over and no `length` given; pass one.")
    xs = None if xs is None else _as_tensors(xs)
    return active.core.scan(
        _tensor_outputs(f), _as_tensors(init), xs, length=length, reverse=reverse, unroll=unroll
    )


def _map_rule(f, xs):
    xs_spec = _specs(xs)
    n = _leading_dim("map", xs_spec, "xs")
    y = _trace(f, tree.map_structure(_row, xs_spec))
    return tree.map_structure(lambda s: KerasTensor((n,) + s.shape, s.dtype), y)


@export("lamina.ops.map")
@op(_map_rule)
def map(f, xs):  # noqa: A001 - Keras' public name
    """`f` applied to each slice of `xs` along its leading axis, results stacked.

    Example:
    >>> ops.convert_to_numpy(ops.map(lambda x: x * x, ops.convert_to_tensor([1, 2, 3]))).tolist()
    [1, 4, 9]
    """
    return active.core.map(_tensor_outputs(f), _as_tensors(xs))


def _vectorized_map_rule(function, elements):
    return _map_rule(function, elements)


@export("lamina.ops.vectorized_map")
@op(_vectorized_map_rule)
def vectorized_map(function, elements):
    """`function` applied to each slice of `elements` along axis 0, vectorized where the
    backend can; `elements` may be a nested structure, passed to `function` as one.

    Example:
    >>> batch = ops.convert_to_tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ops.convert_to_numpy(ops.vectorized_map(lambda row: ops.sum(row * row), batch)).tolist()
    [5.0, 25.0]
    """
    return active.core.vectorized_map(_tensor_outputs(function), _as_tensors(elements))


def _associative_scan_rule(f, elems, reverse=False, axis=0):
    specs = _specs(elems)
    flat = tree.flatten(specs)
    if not flat:
        raise ValueError("ops.associative_scan: `elems` holds no tensor.")
    axes = [rules.canonical_axis(axis, s.ndim) for s in flat]
    lengths = {s.shape[a] for s, a in zip(flat, axes)} - {None}
    if len(lengths) > 1:
        raise ValueError(
            "ops.associative_scan: every tensor in `elems` must have the same length along "
            f"axis {axis}; received shapes {[s.shape for s in flat]}."
        )
    pieces = [
        KerasTensor(s.shape[:a] + (1,) + s.shape[a + 1 :], s.dtype) for s, a in zip(flat, axes)
    ]
    piece = tree.pack_sequence_as(specs, pieces)
    out = _trace(f, piece, piece)
    if not _same_specs(piece, out):
        raise ValueError(
            "ops.associative_scan: `f(a, b)` must return the structure, shapes and dtypes of "
            f"its arguments. Expected {piece}, received {out}."
        )
    return tree.pack_sequence_as(
        specs, [KerasTensor(s.shape, o.dtype) for s, o in zip(flat, tree.flatten(out))]
    )


@export("lamina.ops.associative_scan")
@op(_associative_scan_rule)
def associative_scan(f, elems, reverse=False, axis=0):
    """Inclusive prefix scan with an associative `f`: `[a, f(a, b), f(f(a, b), c), ...]`
    along `axis`, computed in parallel where the backend can.

    Example:
    >>> xs = ops.convert_to_tensor([1, 2, 3, 4])
    >>> ops.convert_to_numpy(ops.associative_scan(lambda a, b: a + b, xs)).tolist()
    [1, 3, 6, 10]
    """
    if not callable(f):
        raise TypeError(f"ops.associative_scan: `f` must be callable, received f={f!r}.")
    elems = _as_tensors(elems)
    flat = tree.flatten(elems)
    axis = rules.canonical_axis(axis, len(flat[0].shape))
    lengths = {int(x.shape[axis]) for x in flat}
    if len(lengths) > 1:
        raise ValueError(
            "ops.associative_scan: every tensor in `elems` must have the same length along "
            f"axis {axis}; received shapes {[tuple(x.shape) for x in flat]}."
        )
    return active.core.associative_scan(_tensor_outputs(f), elems, reverse=reverse, axis=axis)


# -- slicing and scattering --------------------------------------------------------------------


def _index_tensor(x, what):
    """Indices as an integer tensor (an empty float list becomes int32)."""
    x = active.core.convert_to_tensor(x)
    dtype = dtypes.standardize_dtype(x.dtype)
    if dtypes.is_int_dtype(dtype):
        return x
    if 0 in tuple(x.shape):
        return active.core.cast(x, "int32")
    raise TypeError(f"{what} must hold integers, received dtype {dtype}.")


def _start_indices(op_name, start_indices, ndim):
    if isinstance(start_indices, KerasTensor):
        count = start_indices.shape[0] if start_indices.ndim == 1 else None
    elif isinstance(start_indices, (list, tuple)):
        count = len(start_indices)
    else:
        count = rules.shape_of(start_indices)[0] if len(rules.shape_of(start_indices)) else None
    if count is not None and count != ndim:
        raise ValueError(
            f"ops.{op_name}: `start_indices` must hold one start per dimension of `inputs` "
            f"({ndim}); received start_indices={start_indices!r}."
        )


def _starts_arg(start_indices, op_name):
    """Python ints as they are; anything else as int32 scalars (one dtype, as XLA wants)."""
    what = f"{op_name}: `start_indices`"
    if isinstance(start_indices, (list, tuple)):
        if builtins.all(isinstance(s, int) for s in start_indices):
            return list(start_indices)
        return [active.core.cast(_index_tensor(s, what), "int32") for s in start_indices]
    return active.core.cast(_index_tensor(start_indices, what), "int32")


def _slice_rule(inputs, start_indices, shape):
    input_shape = rules.shape_of(inputs)
    shape = tuple(shape)
    if len(shape) != len(input_shape):
        raise ValueError(
            "ops.slice: `shape` must have one size per dimension of `inputs`. Received "
            f"inputs.shape={input_shape} and shape={shape}."
        )
    _start_indices("slice", start_indices, len(input_shape))
    out = []
    for i, (dim, size) in enumerate(zip(input_shape, shape)):
        if size != -1:
            out.append(int(size))
        elif not isinstance(start_indices, (list, tuple)) or dim is None or is_keras_tensor(
            start_indices[i]
        ):
            out.append(None)
        else:
            out.append(dim - int(start_indices[i]))
    return KerasTensor(tuple(out), rules.dtype_of(inputs, weak=False))


@export("lamina.ops.slice")
@op(_slice_rule)
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' public name
    """The window of `inputs` of size `shape` starting at `start_indices` (which may be a
    tensor); a size of -1 takes the rest of that axis. Starts are clamped so that the window
    fits, as in XLA.

    Example:
    >>> x = ops.convert_to_tensor([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    >>> ops.convert_to_numpy(ops.slice(x, [1, 1], (2, -1))).tolist()
    [[4, 5], [7, 8]]
    """
    _slice_rule(_spec(inputs), start_indices, shape)
    inputs = active.core.convert_to_tensor(inputs)
    start_indices = _starts_arg(start_indices, "ops.slice")
    return active.core.slice(inputs, start_indices, tuple(int(s) for s in shape))


def _slice_update_rule(inputs, start_indices, updates):
    input_shape = rules.shape_of(inputs)
    update_shape = rules.shape_of(updates)
    if len(update_shape) != len(input_shape):
        raise ValueError(
            "ops.slice_update: `updates` must have the rank of `inputs`. Received "
            f"inputs.shape={input_shape} and updates.shape={update_shape}."
        )
    for dim, size in zip(input_shape, update_shape):
        if dim is not None and size is not None and size > dim:
            raise ValueError(
                "ops.slice_update: `updates` must fit in `inputs`. Received "
                f"inputs.shape={input_shape} and updates.shape={update_shape}."
            )
    _start_indices("slice_update", start_indices, len(input_shape))
    return KerasTensor(input_shape, rules.dtype_of(inputs, weak=False))


@export("lamina.ops.slice_update")
@op(_slice_update_rule)
def slice_update(inputs, start_indices, updates):
    """`inputs` with the window starting at `start_indices` replaced by `updates` (cast to
    the dtype of `inputs`); starts are clamped so that the window fits, as in XLA.

    Example:
    >>> x = ops.convert_to_tensor([[0, 0, 0], [0, 0, 0]])
    >>> ops.convert_to_numpy(ops.slice_update(x, [0, 1], [[1, 2]])).tolist()
    [[0, 1, 2], [0, 0, 0]]
    """
    inputs = active.core.convert_to_tensor(inputs)
    updates = active.core.convert_to_tensor(updates, dtype=dtypes.standardize_dtype(inputs.dtype))
    _slice_update_rule(_spec(inputs), start_indices, _spec(updates))
    start_indices = _starts_arg(start_indices, "ops.slice_update")
    return active.core.slice_update(inputs, start_indices, updates)


def _scatter_rule(indices, values, shape):
    shape = tuple(int(d) for d in shape)
    depth = rules.shape_of(indices)[-1] if len(rules.shape_of(indices)) else None
    if depth is not None and depth > len(shape):
        raise ValueError(
            f"ops.scatter: the last axis of `indices` ({depth}) cannot exceed the rank of "
            f"`shape`={shape}."
        )
    return KerasTensor(shape, rules.dtype_of(values, weak=False))


@export("lamina.ops.scatter")
@op(_scatter_rule)
def scatter(indices, values, shape):
    """A tensor of `shape`, zero except at `indices` which get `values` (duplicates add).

    Example:
    >>> ops.convert_to_numpy(ops.scatter([[0, 1], [1, 1]], [1.0, 1.0], (2, 2))).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    shape = tuple(int(d) for d in shape)
    indices = _index_tensor(indices, "ops.scatter: `indices`")
    values = active.core.convert_to_tensor(values)
    _scatter_rule(_spec(indices), values, shape)
    return active.core.scatter(indices, values, shape)


_REDUCTIONS = ("add", "max", "min", "mul")


def _check_reduction(reduction):
    if reduction is None:
        return None
    name = str(reduction).lower()
    if name not in _REDUCTIONS:
        raise ValueError(
            f"ops.scatter_update: invalid reduction={reduction!r}. Supported values are: "
            "None, 'add', 'max', 'min', 'mul'."
        )
    return name


def _scatter_update_rule(inputs, indices, updates, reduction=None):
    _check_reduction(reduction)
    input_shape = rules.shape_of(inputs)
    index_shape = rules.shape_of(indices)
    if index_shape and index_shape[-1] is not None and index_shape[-1] > len(input_shape):
        raise ValueError(
            f"ops.scatter_update: the last axis of `indices` ({index_shape[-1]}) cannot exceed "
            f"the rank of `inputs` (shape {input_shape})."
        )
    return KerasTensor(input_shape, rules.dtype_of(inputs, weak=False))


@export("lamina.ops.scatter_update")
@op(_scatter_update_rule)
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with the entries at `indices` (shape `(N, k)`) set to `updates`, or combined
    with them by `reduction` ("add", "max", "min", "mul"); `inputs` itself is unchanged.

    Example:
    >>> x = ops.convert_to_tensor([0.0, 0.0, 0.0, 0.0])
    >>> out = ops.scatter_update(x, [[0], [0], [1]], [1.0, 1.0, 1.0], reduction="add")
    >>> ops.convert_to_numpy(out).tolist()
    [2.0, 1.0, 0.0, 0.0]
    """
    reduction = _check_reduction(reduction)
    inputs = active.core.convert_to_tensor(inputs)
    indices = _index_tensor(indices, "ops.scatter_update: `indices`")
    updates = active.core.convert_to_tensor(updates, dtype=dtypes.standardize_dtype(inputs.dtype))
    _scatter_update_rule(inputs, indices, updates, reduction)
    return active.core.scatter_update(inputs, indices, updates, reduction=reduction)


def _unstack_rule(x, num=None, axis=0):
    shape = rules.shape_of(x)
    axis = rules.canonical_axis(axis, len(shape))
    count = shape[axis] if num is None else num
    if count is None:
        raise ValueError(
            f"ops.unstack: cannot infer `num` from shape {shape}: axis {axis} is unknown. Pass "
            "`num` explicitly."
        )
    if num is not None and shape[axis] is not None and num != shape[axis]:
        raise ValueError(
            f"ops.unstack: num={num} does not match the size {shape[axis]} of axis {axis} of "
            f"a tensor of shape {shape}."
        )
    rest = shape[:axis] + shape[axis + 1 :]
    dtype = rules.dtype_of(x, weak=False)
    return [KerasTensor(rest, dtype) for _ in range(count)]


@export("lamina.ops.unstack")
@op(_unstack_rule)
def unstack(x, num=None, axis=0):
    """The slices of `x` along `axis`, as a list of tensors of one rank less.

    Example:
    >>> parts = ops.unstack(ops.convert_to_tensor([[1, 2], [3, 4]]), axis=1)
    >>> [ops.convert_to_numpy(t).tolist() for t in parts]
    [[1, 3], [2, 4]]
    """
    x = active.core.convert_to_tensor(x)
    _unstack_rule(x, num, axis)
    return active.core.unstack(x, num=num, axis=axis)


def _dtype_limits(dtype):
    if dtype == "bool":
        return 0, 1
    if dtypes.is_int_dtype(dtype):
        info = ml_dtypes.iinfo(dtype)
        return int(info.min), int(info.max)
    if dtypes.is_float_dtype(dtype):
        info = ml_dtypes.finfo(dtypes.to_numpy_dtype(dtype))
        return float(info.min), float(info.max)
    raise ValueError(f"ops.saturate_cast: unsupported dtype {dtype} (not real-valued).")


def _saturate_cast_rule(x, dtype):
    return KerasTensor(rules.shape_of(x), dtypes.standardize_dtype(dtype))


@export("lamina.ops.saturate_cast")
@op(_saturate_cast_rule)
def saturate_cast(x, dtype):
    """`x` cast to `dtype`, values beyond its range clipped to the range first.

    Example:
    >>> x = ops.convert_to_tensor([-1.0, 256.0])
    >>> ops.convert_to_numpy(ops.saturate_cast(x, "uint8")).tolist()  # a plain cast wraps around
    [0, 255]
    """
    dtype = dtypes.standardize_dtype(dtype)
    x = active.core.convert_to_tensor(x)
    in_dtype = dtypes.standardize_dtype(x.dtype)
    if in_dtype != "bool":
        in_min, in_max = _dtype_limits(in_dtype)
        out_min, out_max = _dtype_limits(dtype)
        np_in = dtypes.to_numpy_dtype(in_dtype)
        # The limits are taken in the input's dtype; one that rounds past the output's range
        # (float32(2**31 - 1) == 2**31) is nudged towards zero so that the cast stays defined.
        # Python's int/float comparisons are exact, unlike NumPy's mixed-type ones.
        exact = float if dtypes.is_float_dtype(in_dtype) else int
        low = np.asarray(builtins.max(in_min, out_min)).astype(np_in)
        if exact(low) < out_min:
            low = np.nextafter(low, np.zeros((), np_in))
        high = np.asarray(builtins.min(in_max, out_max)).astype(np_in)
        if exact(high) > out_max:
            high = np.nextafter(high, np.zeros((), np_in))
        x = active.numpy.clip(
            x,
            active.core.convert_to_tensor(low, dtype=in_dtype),
            active.core.convert_to_tensor(high, dtype=in_dtype),
        )
    return active.core.cast(x, dtype)


# -- gradients ---------------------------------------------------------------------------------


@export("lamina.ops.custom_gradient")
def custom_gradient(f):
    """Decorates `f(*args) -> (output, grad_fn)` into a function returning `output` whose
    gradient is given by `grad_fn(upstream)` (one gradient per argument).

    Example:
    >>> @ops.custom_gradient
    ... def log1pexp(x):
    ...     e = ops.exp(x)
    ...     def grad(*args, upstream=None):
    ...         upstream = args[0] if upstream is None else upstream
    ...         return upstream * (1.0 - 1.0 / (1.0 + e))
    ...     return ops.log(1.0 + e), grad
    >>> round(float(log1pexp(ops.convert_to_tensor(0.0))), 4)
    0.6931
    """
    if not callable(f):
        raise TypeError(f"ops.custom_gradient: expected a function, received {f!r}.")
    with_gradient = active.core.custom_gradient(f)

    @functools.wraps(f)
    def call(*args, **kwargs):
        if any_symbolic_tensors(args, kwargs):
            output, _ = f(*args, **kwargs)
            return output
        return with_gradient(*args, **kwargs)

    return call


def _jvp_rule(fun, primals, tangents, has_aux=False):
    outputs = _trace(fun, *_specs(tuple(primals)))
    if has_aux:
        if not isinstance(outputs, (list, tuple)) or len(outputs) != 2:
            raise ValueError(
                "ops.jvp: with has_aux=True, `fun` must return a pair `(output, aux)`; "
                f"received {outputs}."
            )
        primal_out, aux = outputs
        return primal_out, tree.map_structure(_clone_spec, primal_out), aux
    return outputs, tree.map_structure(_clone_spec, outputs)


def _clone_spec(spec):
    return None if spec is None else KerasTensor(spec.shape, spec.dtype)


@export("lamina.ops.jvp", "lamina.ops.linalg.jvp")
@op(_jvp_rule)
def jvp(fun, primals, tangents, has_aux=False):
    """The forward-mode Jacobian-vector product of `fun` at `primals` along `tangents`.

    Args:
        fun: the function; it takes `len(primals)` positional arguments.
        primals: a tuple or list of the arguments.
        tangents: a tuple or list of directions, structured and shaped as `primals`.
        has_aux: whether `fun` returns `(output, aux)`.

    Returns:
        `(fun(*primals), jvp)`, or `(output, jvp, aux)` when `has_aux`.

    Example:
    >>> x, direction = ops.convert_to_tensor(0.0), ops.convert_to_tensor(2.0)
    >>> out, tangent = ops.jvp(ops.exp, (x,), (direction,))
    >>> float(out), float(tangent)
    (1.0, 2.0)
    """
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)):
        raise TypeError(
            "ops.jvp: `primals` and `tangents` must be tuples or lists of arguments. Received "
            f"primals={type(primals).__name__}, tangents={type(tangents).__name__}."
        )
    if len(primals) != len(tangents):
        raise ValueError(
            f"ops.jvp: `tangents` needs one entry per primal; received {len(primals)} primals "
            f"and {len(tangents)} tangents."
        )
    return active.core.jvp(
        fun, tuple(_as_tensors(list(primals))), tuple(_as_tensors(list(tangents))),
        has_aux=has_aux,
    )


from lamina.ops import einops  # noqa: E402, F401 - registers ops.rearrange (see einops.py)
