"""JAX backend: tensors are `jax.Array`s; variables hold one and are swapped out in jit."""

import jax
import jax.numpy as jnp
import numpy as np

from lamina.backend.common import dtypes
from lamina.backend.common.convert import python_value_dtype
from lamina.backend.common.variables import Variable as _BaseVariable

# Keras semantics keep int64 and float64 when asked for; JAX truncates them unless x64 is on.
jax.config.update("jax_enable_x64", True)

IS_THREAD_SAFE = True
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False


class Variable(_BaseVariable):
    def _convert_to_tensor(self, value, dtype=None):
        return convert_to_tensor(value, dtype=dtype)

    # Lets jax functions take a Variable where they expect an array.
    def __jax_array__(self):
        return self.value


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a `jax.Array` of `dtype` (inferred as Keras does when None)."""
    if sparse:
        raise ValueError("The jax backend does not support sparse tensors here: sparse=True.")
    if ragged:
        raise ValueError("The jax backend does not support ragged tensors: received ragged=True.")
    if isinstance(x, _BaseVariable):
        x = x.value
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    if isinstance(x, jax.Array) and (dtype is None or dtypes.standardize_dtype(x.dtype) == dtype):
        return x  # already what was asked for (also a tracer inside a compiled function)
    if isinstance(x, (np.ndarray, np.generic)):
        # Host arrays are converted on the host and transferred: `jnp.asarray` would compile
        # a small program per shape for the same transfer.
        if dtype is not None and dtypes.standardize_dtype(x.dtype) != dtype:
            x = np.asarray(x).astype(dtypes.to_numpy_dtype(dtype))
        return jax.device_put(x)
    if isinstance(x, jax.Array):
        return x.astype(dtypes.to_numpy_dtype(dtype))
    if dtype is None:
        dtype = python_value_dtype(x)
    on_host = not any(isinstance(leaf, jax.Array) for leaf in jax.tree_util.tree_leaves(x))
    if dtype is None:
        array = np.asarray(x) if on_host else jnp.asarray(x)
        if array.dtype.kind in "OUS":
            raise TypeError(
                f"Cannot convert {x!r} to a tensor: expected numbers, received values of "
                f"dtype {array.dtype}."
            )
        return jax.device_put(array) if on_host else array
    if on_host:
        return jax.device_put(np.asarray(x, dtype=dtypes.to_numpy_dtype(dtype)))
    return jnp.asarray(x, dtype=dtypes.to_numpy_dtype(dtype))


def convert_to_numpy(x):
    return np.array(x)


def is_tensor(x):
    return isinstance(x, jax.Array)


def shape(x):
    return tuple(x.shape)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def dtype(x):
    return dtypes.standardize_dtype(x.dtype)


def device_scope(device_name):
    if isinstance(device_name, str):
        kind, _, index = device_name.lower().partition(":")
        kind = "cpu" if kind == "cpu" else kind
        devices = jax.devices(kind)
        device = devices[int(index or 0)]
    else:
        device = device_name
    return jax.default_device(device)


def stop_gradient(x):
    return jax.lax.stop_gradient(x)


def random_seed_dtype():
    """The dtype of the `(2,)` seed tensors that the random functions of this backend take."""
    return "uint32"


def in_tracing_scope():
    """Whether code runs while jax traces a function (jit, grad, vmap, a loop body)."""
    return isinstance(jnp.zeros(()), jax.core.Tracer)


# -- control flow: jax.lax primitives, so that the loops compile -------------------------------


def cond(pred, true_fn, false_fn):
    return jax.lax.cond(pred, true_fn, false_fn)


def switch(index, branches, *operands):
    return jax.lax.switch(index, branches, *operands)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    is_tuple = isinstance(loop_vars, (list, tuple))
    loop_vars = tuple(loop_vars) if is_tuple else (loop_vars,)

    def as_tuple(outputs):
        return tuple(outputs) if is_tuple else (outputs,)

    if maximum_iterations is None:
        outputs = jax.lax.while_loop(
            lambda state: cond(*state), lambda state: as_tuple(body(*state)), loop_vars
        )
    else:
        # The iteration count travels with the loop variables as one more carried value.
        def counted_cond(state):
            return jnp.logical_and(cond(*state[:-1]), state[-1] < maximum_iterations)

        def counted_body(state):
            return as_tuple(body(*state[:-1])) + (state[-1] + 1,)

        outputs = jax.lax.while_loop(counted_cond, counted_body, loop_vars + (jnp.int32(0),))
        outputs = outputs[:-1]
    return outputs if is_tuple else outputs[0]


def fori_loop(lower, upper, body_fun, init_val):
    return jax.lax.fori_loop(lower, upper, body_fun, init_val)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    return jax.lax.scan(f, init, xs=xs, length=length, reverse=reverse, unroll=unroll)


def map(f, xs):  # noqa: A001 - Keras' name
    return jax.lax.map(f, xs)


def vectorized_map(function, elements):
    return jax.vmap(function)(elements)


def associative_scan(f, elems, reverse=False, axis=0):
    return jax.lax.associative_scan(f, elems, reverse=reverse, axis=axis)


# -- slicing and scattering --------------------------------------------------------------------


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    if not isinstance(start_indices, (list, tuple)):
        start_indices = [start_indices[i] for i in range(len(shape))]
    sizes = tuple(
        inputs.shape[i] - start_indices[i] if int(size) == -1 else int(size)
        for i, size in enumerate(shape)
    )
    return jax.lax.dynamic_slice(inputs, start_indices, sizes)


def slice_update(inputs, start_indices, updates):
    if not isinstance(start_indices, (list, tuple)):
        start_indices = [start_indices[i] for i in range(inputs.ndim)]
    return jax.lax.dynamic_update_slice(inputs, updates, start_indices)


def scatter(indices, values, shape):
    out = jnp.zeros(shape, values.dtype)
    return out.at[tuple(jnp.moveaxis(indices, -1, 0))].add(values)


def scatter_update(inputs, indices, updates, reduction=None):
    index = tuple(jnp.moveaxis(jnp.asarray(indices), -1, 0))
    if reduction is None:
        return inputs.at[index].set(updates)
    if reduction == "add":
        return inputs.at[index].add(updates)
    if reduction == "max":
        return inputs.at[index].max(updates)
    if reduction == "min":
        return inputs.at[index].min(updates)
    if reduction == "mul":
        return inputs.at[index].multiply(updates)
    raise ValueError(
        f"scatter_update: unsupported reduction={reduction!r}; expected None, 'add', "
        "'max', 'min' or 'mul'."
    )


def unstack(x, num=None, axis=0):
    return list(jnp.moveaxis(x, axis, 0))


# -- gradients ---------------------------------------------------------------------------------


def custom_gradient(fun):
    """`fun` returning `(output, grad_fn)`, as a function whose vjp is `grad_fn`."""
    with_gradient = jax.custom_gradient(fun)

    def call(*args, **kwargs):
        # Variables are passed as their values: jax differentiates arrays only.
        args, kwargs = jax.tree_util.tree_map(
            lambda x: x.value if isinstance(x, _BaseVariable) else x,
            (args, kwargs),
            is_leaf=lambda x: isinstance(x, _BaseVariable),
        )
        return with_gradient(*args, **kwargs)

    return call


def jvp(fun, primals, tangents, has_aux=False):
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
