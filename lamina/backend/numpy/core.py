"""NumPy backend: tensors are `numpy.ndarray`s. The reference every other backend matches."""

import builtins

import numpy as np

from lamina import tree
from lamina.backend.common import dtypes
from lamina.backend.common.convert import python_value_dtype
from lamina.backend.common.variables import Variable as _BaseVariable

IS_THREAD_SAFE = True
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False


class Variable(_BaseVariable):
    def _convert_to_tensor(self, value, dtype=None):
        return convert_to_tensor(value, dtype=dtype)

    def _direct_assign(self, value):
        self._value = np.array(value, copy=True)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as an `np.ndarray` of `dtype` (inferred as Keras does when None)."""
    if sparse:
        raise ValueError("The numpy backend does not support sparse tensors: received sparse=True.")
    if ragged:
        raise ValueError("The numpy backend does not support ragged tensors: received ragged=True.")
    if isinstance(x, _BaseVariable):
        x = x.value
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if isinstance(x, np.ndarray):
        if dtype is None or dtypes.standardize_dtype(x.dtype) == dtype:
            return x
        return x.astype(dtypes.to_numpy_dtype(dtype))
    if dtype is None:
        dtype = python_value_dtype(x)
    if dtype is None:
        array = np.asarray(x)
        if array.dtype.kind in "US":
            return array
        return array
    return np.asarray(x, dtype=dtypes.to_numpy_dtype(dtype))


def convert_to_numpy(x):
    return np.array(x)


def is_tensor(x):
    return isinstance(x, (np.ndarray, np.generic))


def shape(x):
    return tuple(np.shape(x))


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def dtype(x):
    return dtypes.standardize_dtype(np.asarray(x).dtype)


def device_scope(device_name):
    import contextlib

    return contextlib.nullcontext()


def stop_gradient(x):
    return x


def random_seed_dtype():
    """The dtype of the `(2,)` seed tensors that the random functions of this backend take."""
    return "uint32"


def in_tracing_scope():
    """Whether code runs while a function is being traced for compilation (never here)."""
    return False


# -- control flow: plain Python loops, the readable specification of each primitive -----------


def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    index = min(max(int(index), 0), len(branches) - 1)
    return branches[index](*operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (list, tuple))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)
    loop_vars = tree.map_structure(convert_to_tensor, loop_vars)
    iteration = 0
    while maximum_iterations is None or iteration < maximum_iterations:
        if not bool(cond(*loop_vars)):
            break
        loop_vars = body(*loop_vars)
        loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)
        iteration += 1
    return loop_vars if is_tuple else loop_vars[0]


def fori_loop(lower, upper, body_fun, init_val):
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    init = tree.map_structure(convert_to_tensor, init)
    if xs is None:
        xs_flat = []
        n = int(length)
    else:
        xs_flat = [convert_to_tensor(x) for x in tree.flatten(xs)]
        n = int(length) if length is not None else xs_flat[0].shape[0]
        for x in xs_flat:
            if x.ndim == 0 or x.shape[0] != n:
                raise ValueError(
                    "scan: every array in `xs` must have a leading axis of length "
                    f"{n}; received shapes {[tuple(t.shape) for t in xs_flat]}."
                )

    def x_at(i):
        if xs is None:
            return None
        return tree.pack_sequence_as(xs, [x[i] for x in xs_flat])

    carry = init
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        carry, y = f(carry, x_at(i))
        ys.append(y)
    if reverse:
        ys.reverse()
    if n == 0:
        # No step ran: call `f` once on zeros only to learn the shapes of its outputs.
        dummy = None if xs is None else tree.pack_sequence_as(
            xs, [np.zeros(x.shape[1:], x.dtype) for x in xs_flat]
        )
        _, y = f(init, dummy)
        if y is None:
            return carry, None
        empty = tree.map_structure(
            lambda t: np.zeros((0,) + np.shape(t), np.asarray(t).dtype), y
        )
        return carry, empty
    if ys[0] is None:
        return carry, None
    stacked = tree.map_structure(lambda *ts: np.stack([np.asarray(t) for t in ts]), *ys)
    return carry, stacked


def map(f, xs):  # noqa: A001 - Keras' name
    _, ys = scan(lambda carry, x: (carry, f(x)), (), xs)
    return ys


def vectorized_map(function, elements):
    return map(function, elements)


def associative_scan(f, elems, reverse=False, axis=0):
    flat = [convert_to_tensor(e) for e in tree.flatten(elems)]
    n = flat[0].shape[axis]
    if reverse:
        flat = [np.flip(e, axis) for e in flat]

    def element(k):
        return [np.take(e, [k], axis=axis) for e in flat]

    def combine(a, b):
        out = f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b))
        return [np.asarray(t) for t in tree.flatten(out)]

    # The sequential prefix fold; equal to the parallel tree for an associative `f`.
    running = element(0) if n else [e for e in flat]
    pieces = [running]
    for k in range(1, n):
        running = combine(running, element(k))
        pieces.append(running)
    result = [np.concatenate(parts, axis=axis) for parts in zip(*pieces)] if n else flat
    if reverse:
        result = [np.flip(r, axis) for r in result]
    return tree.pack_sequence_as(elems, result)


# -- slicing and scattering --------------------------------------------------------------------


def _clamped_starts(shape, start_indices, sizes):
    # As XLA's dynamic slices: starts are clamped so that the window fits in the array.
    return [
        min(max(int(start), 0), dim - size)
        for start, dim, size in zip(start_indices, shape, sizes)
    ]


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    start_indices = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    sizes = [
        inputs.shape[i] - start_indices[i] if int(size) == -1 else int(size)
        for i, size in enumerate(shape)
    ]
    starts = _clamped_starts(inputs.shape, start_indices, sizes)
    window = tuple(builtins.slice(s, s + size) for s, size in zip(starts, sizes))
    return inputs[window]


def slice_update(inputs, start_indices, updates):
    start_indices = [int(s) for s in np.asarray(start_indices).reshape(-1)]
    starts = _clamped_starts(inputs.shape, start_indices, updates.shape)
    window = tuple(builtins.slice(s, s + size) for s, size in zip(starts, updates.shape))
    out = np.array(inputs, copy=True)
    out[window] = updates
    return out


def scatter(indices, values, shape):
    out = np.zeros(shape, dtype=values.dtype)
    depth = indices.shape[-1]
    indices = indices.reshape(-1, depth)
    values = values.reshape((-1,) + tuple(shape[depth:]))
    np.add.at(out, tuple(indices.T), values)
    return out


def scatter_update(inputs, indices, updates, reduction=None):
    out = np.array(inputs, copy=True)
    index = tuple(np.asarray(indices).T)
    if reduction is None:
        out[index] = updates
    elif reduction == "add":
        np.add.at(out, index, updates)
    elif reduction == "max":
        np.maximum.at(out, index, updates)
    elif reduction == "min":
        np.minimum.at(out, index, updates)
    elif reduction == "mul":
        np.multiply.at(out, index, updates)
    else:
        raise ValueError(
            f"scatter_update: unsupported reduction={reduction!r}; expected None, 'add', "
            "'max', 'min' or 'mul'."
        )
    return out


def unstack(x, num=None, axis=0):
    return list(np.moveaxis(x, axis, 0))


# -- gradients ---------------------------------------------------------------------------------


def custom_gradient(fun):
    """`fun`'s forward value only: the numpy backend computes no gradients."""

    def forward(*args, **kwargs):
        output, _ = fun(*args, **kwargs)
        return output

    return forward


def jvp(fun, primals, tangents, has_aux=False):
    raise NotImplementedError(
        "ops.jvp needs automatic differentiation, which the numpy backend does not have. "
        "Use the jax backend (LAMINA_BACKEND=jax) for Jacobian-vector products."
    )
