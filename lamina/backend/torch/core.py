"""torch backend: tensors are `torch.Tensor`s on the best device (CUDA if present, else CPU).

Variables hold one persistent `torch.nn.Parameter` (requires_grad = trainable), visible to
torch code (a layer is a `torch.nn.Module`: layer.py); lamina's trainer differentiates
detached copies of their values with autograd (see trainer.py).
Torch lacks most kernels for uint16/32/64: those dtypes are stored as such but computed in
int64 (see `_widen_unsigned`), which keeps Keras' wrap-around results.
"""

import builtins
import contextlib
import functools
import inspect
import warnings

import ml_dtypes
import numpy as np
import torch

from lamina import tree
from lamina.backend.common import dtypes
from lamina.backend.common.convert import python_value_dtype
from lamina.backend.common.variables import Variable as _BaseVariable

IS_THREAD_SAFE = True
SUPPORTS_SPARSE_TENSORS = False
SUPPORTS_RAGGED_TENSORS = False

_DEVICES = ["cuda" if torch.cuda.is_available() else "cpu"]

TORCH_DTYPES = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "uint16": torch.uint16,
    "uint32": torch.uint32,
    "uint64": torch.uint64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "bfloat16": torch.bfloat16,
    "float16": torch.float16,
    "float32": torch.float32,
    "float64": torch.float64,
    "complex64": torch.complex64,
    "complex128": torch.complex128,
}
DTYPE_NAMES = {torch_dtype: name for name, torch_dtype in TORCH_DTYPES.items()}
UNSIGNED_WIDE = (torch.uint16, torch.uint32, torch.uint64)


def _accept_numpy_copy_keyword():
    """NumPy 2 calls `__array__(dtype, copy=...)`; torch's takes no `copy` and NumPy warns
    (an error under strict settings) on `np.array(tensor)`. Adds the keyword."""
    original = torch.Tensor.__array__
    if getattr(original, "_lamina_patched", False):
        return
    takes_copy = "copy" in inspect.signature(original).parameters

    @functools.wraps(original)
    def __array__(self, dtype=None, copy=None):
        # Values computed from trainable variables require grad (see Variable) and tensors on
        # an accelerator are not on the host: backend-neutral code reading logs, weights or
        # predictions with np.asarray works on both.
        tensor = self.detach()
        if tensor.device.type != "cpu":
            tensor = tensor.cpu()
        if takes_copy:
            return original(tensor, dtype, copy=copy)
        out = original(tensor) if dtype is None else original(tensor, dtype)
        return out.copy() if copy else out

    __array__._lamina_patched = True

    torch.Tensor.__array__ = __array__


_accept_numpy_copy_keyword()


def _float_without_grad_warning():
    """`float(t)` warns when `t` requires grad (recent torch). Values computed eagerly from
    trainable variables require grad (their Parameters do, for torch interop), and reading
    one as a Python number (a loss, a metric) is how Keras programs inspect results; the
    number never carried a gradient, so the warning is dropped."""
    original = torch.Tensor.__float__
    if getattr(original, "_lamina_patched", False):
        return

    @functools.wraps(original)
    def __float__(self):
        return original(self.detach())

    __float__._lamina_patched = True
    torch.Tensor.__float__ = __float__


_float_without_grad_warning()


def _device():
    """The device new tensors are placed on."""
    return _DEVICES[-1]


def _torch_dtype(dtype):
    """The torch dtype of a lamina dtype name (or anything `standardize_dtype` accepts)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    name = dtypes.standardize_dtype(dtype)
    if name not in TORCH_DTYPES:
        raise ValueError(f"The torch backend has no dtype {name!r}.")
    return TORCH_DTYPES[name]


_BASE_OF = torch.Tensor._base.__get__


class _Unsigned(torch.Tensor):
    """A uint16/32/64 tensor whose operations fall back to int64 where torch has no kernel for
    its dtype (most arithmetic and comparisons); results wrap around as in NumPy and JAX."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        with torch._C.DisableTorchFunctionSubclass():
            if func == _BASE_OF:
                # The tensor it views, as it is: re-tagging it would make a new view, whose
                # base is a view again, without end (tools walking `_base` never stop).
                return func(*args, **kwargs)
            try:
                return _tag_unsigned(func(*args, **kwargs), None)
            except (NotImplementedError, RuntimeError) as error:
                if "UInt" not in str(error):
                    raise
            found = []

            def widen(t):
                if isinstance(t, torch.Tensor) and t.dtype in UNSIGNED_WIDE:
                    found.append(t.dtype)
                    return t.to(torch.int64)
                return t

            args, kwargs = _walk(args, widen), _walk(kwargs, widen)
            return _tag_unsigned(func(*args, **kwargs), found[0])


def _walk(x, function):
    if isinstance(x, (list, tuple)):
        return type(x)(_walk(item, function) for item in x)
    if isinstance(x, dict):
        return {k: _walk(v, function) for k, v in x.items()}
    return function(x)


def _tag_unsigned(out, wide):
    """Unsigned results as `_Unsigned`; int64 results of a widened call back to `wide`."""

    def back(t):
        if not isinstance(t, torch.Tensor):
            return t
        if wide is not None and t.dtype == torch.int64:
            t = t.to(wide)
        if t.dtype in UNSIGNED_WIDE and type(t) is not _Unsigned:
            return t.as_subclass(_Unsigned)
        return t

    return _walk(out, back)


def _widen_unsigned(function):
    """Runs `function` with uint16/32/64 tensors as int64 (torch has few kernels for them) and
    casts int64 results back to the unsigned dtype, wrapping around as NumPy and JAX do."""

    @functools.wraps(function)
    def call(*args, **kwargs):
        wide = None
        for a in args:
            if isinstance(a, torch.Tensor) and a.dtype in UNSIGNED_WIDE:
                wide = a.dtype
                break
        if wide is None:
            return function(*args, **kwargs)
        args = [a.to(torch.int64) if isinstance(a, torch.Tensor) and a.dtype in UNSIGNED_WIDE
                else a for a in args]
        out = function(*args, **kwargs)

        def back(t):
            if isinstance(t, torch.Tensor) and t.dtype == torch.int64:
                return t.to(wide)
            return t

        if isinstance(out, (list, tuple)):
            return type(out)(back(t) for t in out)
        return back(out)

    return call


class Variable(_BaseVariable):
    """A variable backed by one persistent `torch.nn.Parameter` (requires_grad = trainable).

    The Parameter object lives as long as the variable, so torch code can hold it: a model's
    `parameters()` yields it, a torch optimizer updates it in place, `model(x)` is
    differentiable with respect to it. `assign` gives it a new storage (`.data = copy`)
    instead of writing into the old one, and `value` is a view of it: a value read earlier (a
    step's collected state, the metrics' reset values) keeps the numbers it had when read.
    uint16/32/64 values (seed states) are not Parameters; they are replaced on assignment.
    """

    def _convert_to_tensor(self, value, dtype=None):
        return convert_to_tensor(value, dtype=dtype)

    def _initialize(self, value):
        if isinstance(value, torch.nn.Parameter) and DTYPE_NAMES.get(value.dtype) == self._dtype:
            # A torch module's own Parameter (TorchModuleWrapper): shared, not copied, so the
            # module and the variable stay one object.
            self._value = value
            return
        self._value = None
        self._direct_assign(value)

    def _requires_grad(self):
        return self._trainable and self._dtype in dtypes.FLOAT_TYPES

    def _direct_assign(self, value):
        value = convert_to_tensor(value, dtype=self._dtype).detach()
        if value.dtype in UNSIGNED_WIDE:
            self._value = value  # keeps its `_Unsigned` arithmetic
            return
        # A copy: the storage must be the Parameter's own, since torch optimizers and
        # load_state_dict write into it (it may come from a user's NumPy array).
        value = value.clone()
        if isinstance(self._value, torch.Tensor) and not isinstance(self._value, _Unsigned):
            self._value.data = value
        else:
            self._value = torch.nn.Parameter(value, requires_grad=self._requires_grad())

    @property
    def value(self):
        # A StatelessScope may map the variable to a NumPy array or a Python number.
        value = _BaseVariable.value.fget(self)
        if value is self._value and not isinstance(value, _Unsigned):
            return value.view_as(value)
        return value if isinstance(value, torch.Tensor) else convert_to_tensor(value, self._dtype)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        _BaseVariable.trainable.fset(self, value)
        if isinstance(self._value, torch.nn.Parameter):
            self._value.requires_grad_(self._requires_grad())

    def numpy(self):
        return convert_to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        out = convert_to_numpy(self.value)
        return out.astype(dtype) if dtype is not None else out

    # Lets torch functions take a Variable where they expect a tensor.
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        def unwrap(x):
            return x.value if isinstance(x, _BaseVariable) else x

        args = tree.map_structure(unwrap, args)
        kwargs = tree.map_structure(unwrap, kwargs or {})
        return func(*args, **kwargs)


def _from_numpy(array):
    bfloat16 = array.dtype == ml_dtypes.bfloat16
    if array.dtype.kind in "OUSV" and not bfloat16:
        raise TypeError(
            f"Cannot convert an array of dtype {array.dtype} to a torch tensor: expected "
            "numbers or bools."
        )
    if not array.flags.c_contiguous or not array.flags.writeable or (
            array.dtype.byteorder not in "=|"):
        # (np.ascontiguousarray would make a 0-d array 1-d.)
        array = np.array(array, dtype=array.dtype.newbyteorder("="), order="C")
    if bfloat16:
        tensor = torch.from_numpy(array.view(np.uint16)).view(torch.bfloat16)
    else:
        tensor = torch.from_numpy(array)
    return _tag_unsigned(tensor.to(_device()), None)


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """`x` as a `torch.Tensor` of `dtype` (inferred as Keras does when None)."""
    if sparse:
        raise ValueError("The torch backend does not support sparse tensors: received sparse=True.")
    if ragged:
        raise ValueError("The torch backend does not support ragged tensors: received ragged=True.")
    if isinstance(x, _BaseVariable):
        x = x.value
    if dtype is not None:
        dtype = dtypes.standardize_dtype(dtype)
    if isinstance(x, torch.Tensor):
        if dtype is None or DTYPE_NAMES.get(x.dtype) == dtype:
            return x
        return _tag_unsigned(x.to(TORCH_DTYPES[dtype]), None)
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if isinstance(x, np.ndarray):
        if dtype is not None and dtypes.standardize_dtype(x.dtype) != dtype:
            if x.dtype.kind in "OUSV" and x.dtype != ml_dtypes.bfloat16:
                raise TypeError(f"Cannot convert {x!r} to a tensor of dtype {dtype}.")
            x = x.astype(dtypes.to_numpy_dtype(dtype))
        return _from_numpy(x)
    if isinstance(x, (list, tuple)) and _holds_tensors(x):
        items = [convert_to_tensor(item) for item in x]
        common = dtype or dtypes.result_type(*(dtypes.standardize_dtype(t.dtype) for t in items))
        return torch.stack([t.to(TORCH_DTYPES[common]) for t in items])
    if dtype is None:
        dtype = python_value_dtype(x)
    if dtype is None:
        array = np.asarray(x)
        if array.dtype.kind in "OUSV":
            raise TypeError(
                f"Cannot convert {x!r} to a tensor: expected numbers, received values of "
                f"dtype {array.dtype}."
            )
        return _from_numpy(array)
    return _from_numpy(np.asarray(x, dtype=dtypes.to_numpy_dtype(dtype)))


def _holds_tensors(items):
    for item in items:
        if isinstance(item, (torch.Tensor, _BaseVariable)):
            return True
        if isinstance(item, (list, tuple)) and _holds_tensors(item):
            return True
    return False


def convert_to_numpy(x):
    if isinstance(x, _BaseVariable):
        x = x.value
    if isinstance(x, torch.Tensor):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
        if x.dtype == torch.bfloat16:
            return x.view(torch.uint16).numpy().view(ml_dtypes.bfloat16).copy()
        if x.is_conj():
            x = x.resolve_conj()
        return x.numpy().copy()
    return np.array(x)


def is_tensor(x):
    return isinstance(x, torch.Tensor)


def shape(x):
    return tuple(x.shape)


def cast(x, dtype):
    return convert_to_tensor(x, dtype=dtype)


def dtype(x):
    name = DTYPE_NAMES.get(x.dtype)
    return name if name is not None else dtypes.standardize_dtype(x.dtype)


@contextlib.contextmanager
def device_scope(device_name):
    if isinstance(device_name, str):
        kind, _, index = device_name.lower().partition(":")
        kind = "cuda" if kind == "gpu" else kind
        device = f"{kind}:{index}" if index else kind
    else:
        device = device_name
    _DEVICES.append(device)
    try:
        with torch.device(device):
            yield
    finally:
        _DEVICES.pop()


def stop_gradient(x):
    return convert_to_tensor(x).detach()


def random_seed_dtype():
    """The dtype of the `(2,)` seed tensors that the random functions of this backend take."""
    return "uint32"


def in_tracing_scope():
    """Whether code runs while torch.compile traces it."""
    return torch.compiler.is_compiling()


# -- control flow: eager Python loops over torch tensors ---------------------------------------


def cond(pred, true_fn, false_fn):
    return true_fn() if bool(pred) else false_fn()


def switch(index, branches, *operands):
    index = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
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
            xs, [torch.zeros(x.shape[1:], dtype=x.dtype, device=x.device) for x in xs_flat]
        )
        _, y = f(init, dummy)
        if y is None:
            return carry, None
        empty = tree.map_structure(
            lambda t: torch.zeros((0,) + tuple(convert_to_tensor(t).shape),
                                  dtype=convert_to_tensor(t).dtype, device=_device()), y
        )
        return carry, empty
    if ys[0] is None:
        return carry, None
    stacked = tree.map_structure(
        lambda *ts: torch.stack([convert_to_tensor(t) for t in ts]), *ys
    )
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
        flat = [torch.flip(e, (axis,)) for e in flat]

    def element(k):
        return [torch.narrow(e, axis, k, 1) for e in flat]

    def combine(a, b):
        out = f(tree.pack_sequence_as(elems, a), tree.pack_sequence_as(elems, b))
        return [convert_to_tensor(t) for t in tree.flatten(out)]

    # The sequential prefix fold; equal to the parallel tree for an associative `f`.
    running = element(0) if n else list(flat)
    pieces = [running]
    for k in range(1, n):
        running = combine(running, element(k))
        pieces.append(running)
    result = [torch.cat(parts, dim=axis) for parts in zip(*pieces)] if n else flat
    if reverse:
        result = [torch.flip(r, (axis,)) for r in result]
    return tree.pack_sequence_as(elems, result)


# -- slicing and scattering --------------------------------------------------------------------


def _int_list(values):
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.reshape(-1).tolist()]
    return [int(v) for v in values]


def _clamped_starts(shape, start_indices, sizes):
    # As XLA's dynamic slices: starts are clamped so that the window fits in the array.
    return [
        builtins.min(builtins.max(int(start), 0), dim - size)
        for start, dim, size in zip(start_indices, shape, sizes)
    ]


def slice(inputs, start_indices, shape):  # noqa: A001 - Keras' name
    start_indices = _int_list(start_indices)
    sizes = [
        inputs.shape[i] - start_indices[i] if int(size) == -1 else int(size)
        for i, size in enumerate(shape)
    ]
    starts = _clamped_starts(inputs.shape, start_indices, sizes)
    window = tuple(builtins.slice(s, s + size) for s, size in zip(starts, sizes))
    return inputs[window]


def slice_update(inputs, start_indices, updates):
    start_indices = _int_list(start_indices)
    starts = _clamped_starts(inputs.shape, start_indices, updates.shape)
    window = tuple(builtins.slice(s, s + size) for s, size in zip(starts, updates.shape))
    out = inputs.clone()
    out[window] = updates
    return out


def _index_tuple(indices):
    indices = convert_to_tensor(indices).to(torch.int64)
    return tuple(torch.unbind(indices, dim=-1))


@_widen_unsigned
def scatter(indices, values, shape):
    out = torch.zeros(tuple(shape), dtype=values.dtype, device=values.device)
    depth = indices.shape[-1]
    index = _index_tuple(indices.reshape(-1, depth))
    values = values.reshape((-1,) + tuple(shape[depth:]))
    return out.index_put(index, values, accumulate=True)


@_widen_unsigned
def scatter_update(inputs, indices, updates, reduction=None):
    indices = convert_to_tensor(indices).to(torch.int64)
    if reduction is None:
        return inputs.index_put(_index_tuple(indices), updates)
    if reduction == "add":
        return inputs.index_put(_index_tuple(indices), updates, accumulate=True)
    reduce = {"max": "amax", "min": "amin", "mul": "prod"}.get(reduction)
    if reduce is None:
        raise ValueError(
            f"scatter_update: unsupported reduction={reduction!r}; expected None, 'add', "
            "'max', 'min' or 'mul'."
        )
    depth = indices.shape[-1]
    lead = tuple(inputs.shape[:depth])
    flat_inputs = inputs.reshape((-1,) + tuple(inputs.shape[depth:]))
    strides = torch.tensor(
        [int(np.prod(lead[i + 1:])) for i in range(depth)], dtype=torch.int64,
        device=indices.device,
    )
    index = (indices.reshape(-1, depth) % torch.tensor(lead, device=indices.device)) @ strides
    flat_updates = updates.reshape((-1,) + tuple(inputs.shape[depth:]))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="index_reduce.. is in beta")
        out = flat_inputs.index_reduce(0, index, flat_updates, reduce, include_self=True)
    return out.reshape(inputs.shape)


def unstack(x, num=None, axis=0):
    return list(torch.unbind(x, dim=axis))


# -- gradients ---------------------------------------------------------------------------------


def custom_gradient(fun):
    """`fun` returning `(output, grad_fn)`, as a function whose vjp is `grad_fn`."""

    def call(*args, **kwargs):
        args = [a.value if isinstance(a, _BaseVariable) else a for a in args]

        class _WithGradient(torch.autograd.Function):
            @staticmethod
            def forward(ctx, *inputs):
                output, grad_fn = fun(*inputs, **kwargs)
                ctx.grad_fn = grad_fn
                return output

            @staticmethod
            def backward(ctx, *upstream):
                grads = ctx.grad_fn(*upstream)
                if not isinstance(grads, (list, tuple)):
                    grads = (grads,)
                grads = [None if g is None else convert_to_tensor(g) for g in grads]
                return tuple(grads) + (None,) * (len(args) - len(grads))

        return _WithGradient.apply(*args)

    return call


def jvp(fun, primals, tangents, has_aux=False):
    with warnings.catch_warnings():
        # torch.func's first use touches the deprecated torch.jit.script internally.
        warnings.filterwarnings("ignore", message=".*torch.jit.script.*is deprecated",
                                category=DeprecationWarning)
        return torch.func.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
