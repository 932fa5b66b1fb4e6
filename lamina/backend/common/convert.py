"""Helpers shared by the backends' `convert_to_tensor`."""

import numpy as np

from lamina.backend import config
from lamina.backend.common import dtypes


def python_value_dtype(value):
    """The dtype lamina gives a Python scalar or (nested) list of them, as Keras does.

    Floats become `floatx()`, ints "int32", bools "bool"; mixed ints and floats are floats.
    Returns None for anything that is not a Python scalar or list of them.
    """
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int32"
    if isinstance(value, float):
        return config.floatx()
    if isinstance(value, complex):
        return "complex64"
    if isinstance(value, (list, tuple)):
        kinds = set()
        stack = list(value)
        while stack:
            item = stack.pop()
            if isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, bool):
                kinds.add("bool")
            elif isinstance(item, int):
                kinds.add("int")
            elif isinstance(item, float):
                kinds.add("float")
            elif isinstance(item, complex):
                kinds.add("complex")
            elif hasattr(item, "dtype"):
                kinds.add(dtypes.standardize_dtype(item.dtype))
            else:
                return None
        if not kinds:
            return config.floatx()
        if "complex" in kinds:
            return "complex64"
        if "float" in kinds:
            return config.floatx()
        if kinds == {"bool"}:
            return "bool"
        if kinds <= {"int", "bool"}:
            return "int32"
        strong = [k for k in kinds if k not in ("int", "bool")]
        weak = [int] if "int" in kinds else []
        return dtypes.result_type(*strong, *weak)
    return None


def check_numeric(array, what="value"):
    """Raises a TypeError naming `what` when `array` is not numeric (e.g. strings, objects)."""
    if array.dtype.kind in "OUSV":
        raise TypeError(
            f"Expected a numeric {what}, but received an array of dtype {array.dtype} "
            f"(e.g. {array.flat[0]!r} )." if array.size else
            f"Expected a numeric {what}, but received an array of dtype {array.dtype}."
        )
    return array
