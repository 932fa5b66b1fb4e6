"""Symbolic tensors: a shape (None for an unknown dim) and a dtype, and no data.

`lamina.Input` returns one; every op applied to one returns another (computed by the op's
shape/dtype rule, without any backend), and remembers the operation that made it in
`_keras_history` so that the functional API can replay the graph.
"""

from lamina.backend.common import dtypes


def standardize_shape(shape):
    """`shape` as a tuple of ints and Nones, checked."""
    if shape is None:
        raise ValueError("Undefined shapes are not supported: expected a tuple, received None.")
    if not isinstance(shape, (tuple, list)):
        if hasattr(shape, "__iter__"):
            shape = tuple(shape)
        else:
            raise ValueError(f"Cannot convert {shape!r} to a shape: expected a tuple of ints.")
    out = []
    for dim in shape:
        if dim is None:
            out.append(None)
            continue
        if hasattr(dim, "__index__"):
            dim = dim.__index__()
        elif hasattr(dim, "value"):  # e.g. a TensorFlow Dimension
            dim = dim.value
        if dim is not None and (not isinstance(dim, int) or dim < 0):
            raise ValueError(
                f"Cannot convert {tuple(shape)!r} to a shape: expected non-negative ints or "
                f"None, received {dim!r}."
            )
        out.append(dim)
    return tuple(out)


class KerasTensor:
    """A symbolic tensor: what `lamina.Input` and ops on it return.

    Args:
        shape: tuple of ints or None.
        dtype: dtype name; `floatx()` by default.
        sparse: whether the tensor stands for a sparse one.
        ragged: whether the tensor stands for a ragged one.
        name: optional name.
    """

    def __init__(self, shape, dtype="float32", sparse=False, ragged=False, record_history=True,
                 name=None):
        self._shape = standardize_shape(shape)
        self._dtype = dtypes.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.name = name
        self._keras_history = None

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, value):
        raise AttributeError(
            f"The shape of {self!r} is fixed; build a new tensor with ops.reshape instead."
        )

    @property
    def dtype(self):
        return self._dtype

    @property
    def ndim(self):
        return len(self._shape)

    def __len__(self):
        raise TypeError(
            "A symbolic tensor has no length: it holds no data. Use `tensor.shape[0]` instead."
        )

    def __iter__(self):
        raise TypeError(
            "A symbolic tensor cannot be iterated over: it holds no data. Use ops on it instead."
        )

    def __bool__(self):
        raise TypeError(
            "A symbolic tensor has no truth value: it holds no data. Use ops.cond or ops.where."
        )

    def __array__(self, *args, **kwargs):
        raise ValueError(
            "A symbolic tensor cannot be converted to a NumPy array: it holds no data. It is "
            "a placeholder for a value that flows through a model when the model is called."
        )

    def numpy(self):
        return self.__array__()

    def reshape(self, newshape):
        from lamina import ops

        return ops.reshape(self, newshape)

    def squeeze(self, axis=None):
        from lamina import ops

        return ops.squeeze(self, axis=axis)

    def __repr__(self):
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse={self.sparse}{name}>"

    def __hash__(self):
        return id(self)

    # Operators dispatch to lamina.ops, which take the symbolic path for these tensors.
    def _op(name):
        def method(self, *args):
            from lamina import ops

            return getattr(ops, name)(self, *args)

        method.__name__ = f"__{name}__"
        return method

    def _rop(name):
        def method(self, other):
            from lamina import ops

            return getattr(ops, name)(other, self)

        return method

    __add__ = _op("add")
    __radd__ = _rop("add")
    __sub__ = _op("subtract")
    __rsub__ = _rop("subtract")
    __mul__ = _op("multiply")
    __rmul__ = _rop("multiply")
    __truediv__ = _op("true_divide")
    __rtruediv__ = _rop("true_divide")
    __floordiv__ = _op("floor_divide")
    __rfloordiv__ = _rop("floor_divide")
    __mod__ = _op("mod")
    __rmod__ = _rop("mod")
    __pow__ = _op("power")
    __rpow__ = _rop("power")
    __matmul__ = _op("matmul")
    __rmatmul__ = _rop("matmul")
    __lt__ = _op("less")
    __le__ = _op("less_equal")
    __gt__ = _op("greater")
    __ge__ = _op("greater_equal")
    __eq__ = _op("equal")
    __ne__ = _op("not_equal")
    __and__ = _op("logical_and")
    __rand__ = _rop("logical_and")
    __or__ = _op("logical_or")
    __ror__ = _rop("logical_or")
    __xor__ = _op("logical_xor")
    __rxor__ = _rop("logical_xor")
    __neg__ = _op("negative")
    __pos__ = lambda self: self  # noqa: E731
    __abs__ = _op("absolute")
    __invert__ = _op("logical_not")

    @property
    def T(self):
        from lamina import ops

        return ops.transpose(self)

    def __getitem__(self, key):
        from lamina import ops

        return ops.get_item(self, key)

    del _op, _rop


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor."""
    return isinstance(x, KerasTensor)


def any_symbolic_tensors(args=(), kwargs=None):
    """Whether any tensor in `args` or `kwargs` (searched through nests) is symbolic."""
    stack = list(args)
    if kwargs:
        stack.extend(kwargs.values())
    while stack:
        x = stack.pop()
        if isinstance(x, KerasTensor):
            return True
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, dict):
            stack.extend(x.values())
    return False
