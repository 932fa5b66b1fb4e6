"""A few ops the optimizers and schedules need, taken from `lamina.ops` when it has them.

Until every op lands in `lamina.ops`, each one here falls back to a composition of ops that
do exist, so that optimizers stay backend-neutral and traceable either way.
"""

import math

from lamina import ops


def _native(name):
    return getattr(ops, name, None)


def floor(x):
    """Largest integer not above `x`, elementwise (float in, float out)."""
    native = _native("floor")
    if native is not None:
        return native(x)
    x = ops.convert_to_tensor(x)
    truncated = ops.cast(ops.cast(x, "int64"), x.dtype)
    return ops.where(ops.greater(truncated, x), ops.subtract(truncated, 1), truncated)


def ceil(x):
    """Smallest integer not below `x`, elementwise."""
    native = _native("ceil")
    if native is not None:
        return native(x)
    return ops.negative(floor(ops.negative(x)))


def sign(x):
    """-1, 0 or 1 elementwise, in the dtype of `x`."""
    native = _native("sign")
    if native is not None:
        return native(x)
    x = ops.convert_to_tensor(x)
    positive = ops.cast(ops.greater(x, 0), x.dtype)
    negative = ops.cast(ops.less(x, 0), x.dtype)
    return ops.subtract(positive, negative)


def cos(x):
    """Cosine elementwise."""
    native = _native("cos")
    if native is not None:
        return native(x)
    # Reduce to [-pi, pi], then a Taylor series long enough for float64 precision.
    x = ops.convert_to_tensor(x)
    two_pi = 2.0 * math.pi
    turns = floor(ops.divide(ops.add(x, math.pi), two_pi))
    r = ops.subtract(x, ops.multiply(turns, two_pi))
    r2 = ops.square(r)
    term = ops.ones_like(r)
    total = term
    for k in range(1, 16):
        term = ops.negative(ops.divide(ops.multiply(term, r2), (2 * k - 1) * (2 * k)))
        total = ops.add(total, term)
    return total


def isfinite(x):
    """Whether each element is neither inf nor NaN."""
    native = _native("isfinite")
    if native is not None:
        return native(x)
    x = ops.convert_to_tensor(x)
    dtype = ops.dtype(x)
    if not dtype.startswith(("float", "bfloat")):
        return ops.ones_like(x, dtype="bool")
    import ml_dtypes

    from lamina.backend.common import dtypes

    largest = float(ml_dtypes.finfo(dtypes.to_numpy_dtype(dtype)).max)
    # A comparison, unlike `x - x`, raises no floating-point warning on NaN or inf.
    return ops.less_equal(ops.abs(x), largest)


def floor_divide(x, y):
    """`x // y` for non-negative integer tensors (iteration counters)."""
    native = _native("floor_divide")
    if native is not None:
        return native(x, y)
    x = ops.convert_to_tensor(x)
    quotient = floor(ops.divide(ops.cast(x, "float64"), float(y)))
    return ops.cast(quotient, x.dtype)


def mod(x, y):
    """`x % y` for non-negative integer tensors (iteration counters)."""
    native = _native("mod")
    if native is not None:
        return native(x, y)
    return ops.subtract(x, ops.multiply(floor_divide(x, y), y))


def norm(x, axis=None, keepdims=False):
    """The Frobenius / L2 norm over `axis`."""
    return ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=keepdims))

