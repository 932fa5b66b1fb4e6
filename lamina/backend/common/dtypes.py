"""Dtype names and the type-promotion rules shared by every backend.

A dtype inside lamina is always a canonical string ("float32", "int64", "bool", ...).
Promotion follows a lattice in the style of JAX's, which Keras 3 also uses: Python scalars
are *weak* ("int" / "float") and take the dtype of the tensor they meet, and the result of
mixing kinds is the least upper bound in the lattice below.
"""

import functools

import ml_dtypes
import numpy as np

from lamina.backend import config

FLOAT_TYPES = ("bfloat16", "float16", "float32", "float64")
INT_TYPES = ("uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64")
COMPLEX_TYPES = ("complex64", "complex128")
ALLOWED_DTYPES = ("bool",) + INT_TYPES + FLOAT_TYPES + COMPLEX_TYPES + ("string",)

_ALIASES = {
    "float": "float32",  # resolved to floatx() at call time, see standardize_dtype
    "double": "float64",
    "half": "float16",
    "int": "int64",
    "uint": "uint64",
    "bool_": "bool",
    "boolean": "bool",
    "str": "string",
    "complex": "complex128",
}


def standardize_dtype(dtype):
    """Returns the canonical string name of `dtype`.

    Accepts strings, NumPy dtypes and scalar types, Python types and backend dtype objects
    (anything with a `name` attribute or whose `str()` ends with the dtype's name).

    Args:
        dtype: the dtype to name; `None` means `floatx()`.

    Returns:
        A string from `ALLOWED_DTYPES`.

    Example:
    >>> standardize_dtype(np.float32)
    'float32'
    """
    if dtype is None:
        return config.floatx()
    try:
        return _STANDARD_NAMES[dtype]
    except (KeyError, TypeError):  # not seen yet, or unhashable
        pass
    name = _standardize_uncached(dtype)
    try:
        _STANDARD_NAMES[dtype] = name
    except TypeError:
        pass
    return name


# Every dtype object seen by `standardize_dtype`, with its canonical name.
_STANDARD_NAMES = {}


def _standardize_uncached(dtype):
    if isinstance(dtype, str):
        name = dtype
    elif dtype is float:
        return "float32"
    elif dtype is int:
        return "int64"
    elif dtype is bool:
        return "bool"
    elif dtype is str:
        return "string"
    elif hasattr(dtype, "name") and isinstance(dtype.name, str):
        name = dtype.name
    elif hasattr(dtype, "__name__"):
        name = dtype.__name__
    else:
        name = str(dtype)
    name = name.split(".")[-1].replace("'>", "").replace("<class '", "")
    name = _ALIASES.get(name, name)
    if name.startswith("torch."):
        name = name[len("torch.") :]
    if name not in ALLOWED_DTYPES:
        raise ValueError(
            f"Invalid dtype: expected one of {', '.join(ALLOWED_DTYPES)}, "
            f"but received {dtype!r}."
        )
    return name


def to_numpy_dtype(dtype):
    """The NumPy dtype object for a lamina dtype name (bfloat16 via ml_dtypes)."""
    name = standardize_dtype(dtype)
    if name == "bfloat16":
        return np.dtype(ml_dtypes.bfloat16)
    if name == "string":
        return np.dtype(object)
    return np.dtype(name)


def is_float_dtype(dtype):
    """Whether `dtype` is a floating-point type."""
    return standardize_dtype(dtype) in FLOAT_TYPES


def is_int_dtype(dtype):
    """Whether `dtype` is a signed or unsigned integer type."""
    return standardize_dtype(dtype) in INT_TYPES


def is_complex_dtype(dtype):
    """Whether `dtype` is a complex type."""
    return standardize_dtype(dtype) in COMPLEX_TYPES


# The promotion lattice. "int*", "float*" and "complex*" are the weak types of Python
# scalars; every edge points from a type to the types it may be promoted to.
_LATTICE = {
    "bool": ("int*",),
    "int*": ("uint8", "int8"),
    "uint8": ("uint16", "int16"),
    "uint16": ("uint32", "int32"),
    "uint32": ("uint64", "int64"),
    "uint64": ("float*",),
    "int8": ("int16",),
    "int16": ("int32",),
    "int32": ("int64",),
    "int64": ("float*",),
    "float*": ("bfloat16", "float16", "complex*"),
    "bfloat16": ("float32",),
    "float16": ("float32",),
    "float32": ("float64", "complex64"),
    "float64": ("complex128",),
    "complex*": ("complex64",),
    "complex64": ("complex128",),
    "complex128": (),
}


@functools.lru_cache(maxsize=None)
def _upper_bounds(node):
    """Every type `node` may be promoted to, itself included."""
    result = {node}
    for parent in _LATTICE[node]:
        result |= _upper_bounds(parent)
    return frozenset(result)


@functools.lru_cache(maxsize=4096)
def _least_upper_bound(nodes):
    common = frozenset.intersection(*(_upper_bounds(n) for n in nodes))
    for candidate in common:
        if _upper_bounds(candidate) == common:
            return candidate
    raise ValueError(f"No common dtype for {', '.join(nodes)}.")  # unreachable: complex128 tops


def _lattice_node(dtype):
    if dtype is int or dtype == "int*":
        return "int*"
    if dtype is float or dtype == "float*":
        return "float*"
    if dtype is complex or dtype == "complex*":
        return "complex*"
    if dtype is bool:
        return "bool"
    return standardize_dtype(dtype)


def result_type(*dtypes):
    """The dtype that results from combining values of the given dtypes.

    Python's `int`, `float` and `complex` (the types, as stand-ins for scalars) are weak: they
    adopt the other operand's type of the same kind. With no strong dtype at all, a weak int
    gives "int32" and a weak float gives `floatx()`, as in Keras 3.

    Args:
        *dtypes: dtype names, dtype objects, or the Python types `int`, `float`, `complex`.

    Returns:
        The canonical name of the result dtype.

    Example:
    >>> result_type("int8", "uint8")
    'int16'
    >>> result_type("int32", float)
    'float32'
    """
    if not dtypes:
        return config.floatx()
    nodes = tuple(sorted({_lattice_node(d) for d in dtypes}))
    if "string" in nodes:
        if len(nodes) > 1:
            raise ValueError(f"Cannot combine string with other dtypes: {nodes}.")
        return "string"
    out = _least_upper_bound(nodes)
    if out == "int*":
        return "int32"
    if out == "float*":
        return config.floatx()
    if out == "complex*":
        return "complex64"
    return out


def float_result(dtype):
    """The dtype of a float-valued elementwise op (sin, exp, ...) applied to `dtype`."""
    name = _lattice_node(dtype)
    if name in FLOAT_TYPES or name in COMPLEX_TYPES:
        return name
    return config.floatx()


def dtype_of_python_value(value):
    """The weak lattice type of a Python scalar, or `None` for anything else."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return int
    if isinstance(value, float):
        return float
    if isinstance(value, complex):
        return complex
    return None


def dtype_of_value(x, weak=True):
    """The dtype of a tensor, variable, array or Python value.

    Python scalars give the weak types `int`, `float`, `complex` when `weak` is true (so that
    they adopt the dtype of the tensor they meet), else the dtype they convert to.
    """
    if hasattr(x, "dtype"):
        return standardize_dtype(x.dtype)
    kind = dtype_of_python_value(x)
    if kind is not None:
        if weak or kind == "bool":
            return kind
        return {int: "int32", float: config.floatx(), complex: "complex64"}[kind]
    from lamina.backend.common.convert import python_value_dtype

    found = python_value_dtype(x)
    if found is None:
        raise TypeError(f"Expected a tensor or a number, received {x!r} of type {type(x).__name__}.")
    return found
