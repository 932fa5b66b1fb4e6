"""The backend-neutral part of `lamina.Variable`.

A backend subclasses `Variable` and implements `_convert_to_tensor` and `_direct_assign`
(and, where its arrays need it, `__array__`-style hooks). Reads go through `value`, which
honours an active `StatelessScope`; writes go through `assign`, which records into the scope
instead of changing the variable while one is active.
"""

import numpy as np

from lamina.backend.common import dtypes, global_state
from lamina.backend.common.keras_tensor import standardize_shape
from lamina.backend.common.stateless_scope import get_stateless_scope


class Variable:
    """A named, mutable tensor: a weight of a layer, a slot of an optimizer, a metric's state.

    Args:
        initializer: an initial value (array-like) or a callable `(shape, dtype) -> value`
            such as an initializer object.
        shape: the shape; required when `initializer` is a callable.
        dtype: the dtype; by default the value's (floats become `floatx()`).
        trainable: whether gradients flow to it in training.
        autocast: whether it is cast to a layer's compute dtype when read in a call.
        aggregation: how values are combined across replicas ("none", "mean", "sum",
            "only_first_replica").
        synchronization: kept for API compatibility with Keras.
        name: the variable's name; its `path` adds the enclosing name scopes.

    Example:
    >>> v = lamina.Variable(np.zeros((2,)), name="counter")
    >>> v.assign_add(np.ones((2,)))
    """

    def __new__(cls, *args, **kwargs):
        # `lamina.Variable(...)` builds the active backend's subclass.
        if cls is Variable:
            from lamina.backend import active

            cls = active.core.Variable
        return super().__new__(cls)

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                 aggregation="none", synchronization="auto", name=None):
        name = name or global_state.auto_name(self.__class__.__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                "Argument `name` of Variable must be a string without '/', "
                f"received name={name!r}."
            )
        if aggregation not in ("none", "mean", "sum", "only_first_replica"):
            raise ValueError(
                "Argument `aggregation` of Variable must be one of 'none', 'mean', 'sum', "
                f"'only_first_replica', received aggregation={aggregation!r}."
            )
        global_state.bump_tracking_version()
        self._name = name
        parent = global_state.current_path()
        self._path = f"{parent}/{name}" if parent else name
        self._trainable = bool(trainable)
        self._autocast = bool(autocast)
        self._aggregation = aggregation
        self._synchronization = synchronization
        self._overwrite_with_gradient = False
        if callable(initializer):
            if shape is None:
                raise ValueError(
                    f"Variable {self._path!r}: when `initializer` is a callable, `shape` must "
                    "be given."
                )
            self._shape = standardize_shape(shape)
            if None in self._shape:
                raise ValueError(
                    f"Variable {self._path!r}: shapes must be fully defined, "
                    f"received shape={self._shape}."
                )
            self._dtype = dtypes.standardize_dtype(dtype)
            value = initializer(self._shape, dtype=self._dtype)
        else:
            value = initializer
            if dtype is None:
                dtype = _infer_dtype(value)
            self._dtype = dtypes.standardize_dtype(dtype)
        value = self._convert_to_tensor(value, dtype=self._dtype)
        value_shape = standardize_shape(tuple(value.shape))
        if shape is not None and standardize_shape(shape) != value_shape:
            raise ValueError(
                f"Variable {self._path!r}: initial value has shape {value_shape}, "
                f"expected shape={standardize_shape(shape)}."
            )
        self._shape = value_shape
        self._initialize(value)

    # -- to be implemented by each backend ---------------------------------------------------
    def _convert_to_tensor(self, value, dtype=None):
        raise NotImplementedError

    def _initialize(self, value):
        self._value = value

    def _direct_assign(self, value):
        self._value = value

    # -- state ------------------------------------------------------------------------------
    @property
    def value(self):
        """The current value (the stateless scope's value when one maps this variable)."""
        scope = get_stateless_scope()
        value = self._value
        if scope is not None:
            mapped = scope.get_current_value(self)
            if mapped is not None:
                value = mapped
        if self._autocast:
            # Inside a layer's call under mixed precision, float variables are read in the
            # layer's compute dtype.
            autocast_dtype = global_state.get_global_attribute("autocast_dtype")
            if autocast_dtype is not None and autocast_dtype != self._dtype and (
                    self._dtype in dtypes.FLOAT_TYPES):
                from lamina.backend import active

                return active.core.cast(value, autocast_dtype)
        return value

    def numpy(self):
        return np.array(self.value)

    def assign(self, value):
        value = self._convert_to_tensor(value, dtype=self._dtype)
        if standardize_shape(tuple(value.shape)) != self._shape:
            raise ValueError(
                f"Variable {self._path!r} has shape {self._shape}; the value assigned to it "
                f"has shape {tuple(value.shape)}."
            )
        scope = get_stateless_scope()
        if scope is not None:
            scope.add_update(self, value)
        else:
            self._direct_assign(value)
        return value

    def assign_add(self, value):
        return self.assign(self.value + self._convert_to_tensor(value, dtype=self._dtype))

    def assign_sub(self, value):
        return self.assign(self.value - self._convert_to_tensor(value, dtype=self._dtype))

    # -- attributes -------------------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def path(self):
        return self._path

    @property
    def shape(self):
        return self._shape

    @property
    def ndim(self):
        return len(self._shape)

    @property
    def dtype(self):
        """The variable's dtype; inside a mixed-precision layer call, the dtype it is read in."""
        if self._autocast and self._dtype in dtypes.FLOAT_TYPES:
            autocast_dtype = global_state.get_global_attribute("autocast_dtype")
            if autocast_dtype is not None:
                return autocast_dtype
        return self._dtype

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        global_state.bump_tracking_version()

    @property
    def autocast(self):
        return self._autocast

    @property
    def aggregation(self):
        return self._aggregation

    @property
    def synchronization(self):
        return self._synchronization

    @property
    def overwrite_with_gradient(self):
        """Whether an optimizer replaces this variable with its "gradient" (e.g. float8 stats)."""
        return self._overwrite_with_gradient

    @overwrite_with_gradient.setter
    def overwrite_with_gradient(self, value):
        self._overwrite_with_gradient = bool(value)

    def __repr__(self):
        return (
            f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
            f"value={np.array(self.value)}>"
        )

    def __array__(self, dtype=None, copy=None):
        out = np.asarray(self.value)
        return out.astype(dtype) if dtype is not None else out

    def __len__(self):
        return self._shape[0]

    def __bool__(self):
        raise TypeError("A Variable has no truth value; compare its value explicitly.")

    def __hash__(self):
        return id(self)

    def __getitem__(self, key):
        from lamina import ops

        return ops.get_item(self.value, key)

    # Arithmetic reads the value and dispatches to lamina.ops.
    def _op(name):
        def method(self, *args):
            from lamina import ops

            return getattr(ops, name)(self.value, *args)

        return method

    def _rop(name):
        def method(self, other):
            from lamina import ops

            return getattr(ops, name)(other, self.value)

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
    __neg__ = _op("negative")
    __abs__ = _op("absolute")

    def __pos__(self):
        return self.value

    @property
    def T(self):
        from lamina import ops

        return ops.transpose(self.value)

    del _op, _rop


def _infer_dtype(value):
    """The dtype a variable takes from an initial value when none is given."""
    if hasattr(value, "dtype"):
        name = dtypes.standardize_dtype(value.dtype)
        return None if name in dtypes.FLOAT_TYPES else name
    kind = dtypes.dtype_of_python_value(value)
    if kind is float:
        return None  # floatx
    if kind is int:
        return "int32"
    if kind == "bool":
        return "bool"
    array = np.asarray(value)
    if array.dtype.kind == "f":
        return None
    if array.dtype.kind in "iu":
        return "int32" if array.dtype == np.int64 else array.dtype.name
    return array.dtype.name
