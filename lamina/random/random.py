"""The random functions of `lamina.random`, with Keras 3's signatures.

Each validates its arguments, draws a seed tensor (`seed_generator.draw_seed`: an int gives
the same numbers every call, a `SeedGenerator` new ones each call, None the global generator)
and calls the active backend's sampler. Functions of a tensor (`dropout`, `shuffle`,
`categorical`) also have a symbolic rule for the functional API; drawing no seed there.
"""

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.operation import op, to_tensor
from lamina.ops.rules import KerasTensor
from lamina.random.seed_generator import draw_seed


def _shape(name, shape):
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise ValueError(
            f"random.{name}: `shape` must be a tuple of non-negative ints. Received: "
            f"shape={shape!r}"
        ) from None
    if any(d < 0 for d in shape):
        raise ValueError(
            f"random.{name}: `shape` must be a tuple of non-negative ints. Received: "
            f"shape={shape!r}"
        )
    return shape


def _float_dtype(name, dtype):
    dtype = dtypes.standardize_dtype(dtype)
    if not dtypes.is_float_dtype(dtype):
        raise ValueError(
            f"random.{name} requires a floating point `dtype`. Received: dtype={dtype}"
        )
    return dtype


@export("lamina.random.normal")
def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution.

    Args:
        shape: the shape of the result.
        mean: the mean of the distribution.
        stddev: its standard deviation.
        dtype: a float dtype; `floatx()` by default.
        seed: an int (same values on every call), a `SeedGenerator` (new values on every
            call, reproducible), or None (the global generator).

    Example:
    >>> tuple(lamina.random.normal((2, 3), seed=42).shape)
    (2, 3)
    """
    shape, dtype = _shape("normal", shape), _float_dtype("normal", dtype)
    return active.random.normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                                seed=draw_seed(seed))


@export("lamina.random.uniform")
def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniformly from `[minval, maxval)`; `dtype` must be a float dtype.

    Example:
    >>> x = ops.convert_to_numpy(lamina.random.uniform((2, 3), minval=-1.0, maxval=1.0, seed=42))
    >>> bool((x >= -1.0).all() and (x < 1.0).all())
    True
    """
    shape, dtype = _shape("uniform", shape), _float_dtype("uniform", dtype)
    return active.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype,
                                 seed=draw_seed(seed))


@export("lamina.random.truncated_normal")
def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples from a normal distribution, values beyond two `stddev`s from `mean` redrawn.

    Example:
    >>> x = ops.convert_to_numpy(lamina.random.truncated_normal((2, 3), stddev=0.05, seed=42))
    >>> bool((abs(x) <= 0.1).all())
    True
    """
    shape = _shape("truncated_normal", shape)
    dtype = _float_dtype("truncated_normal", dtype)
    return active.random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=dtype,
                                          seed=draw_seed(seed))


@export("lamina.random.randint")
def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Samples integers uniformly from `[minval, maxval)`; `dtype` must be an int dtype.

    Example:
    >>> ops.dtype(lamina.random.randint((4,), 0, 10, seed=42))
    'int32'
    """
    shape = _shape("randint", shape)
    dtype = dtypes.standardize_dtype(dtype)
    if not dtypes.is_int_dtype(dtype):
        raise ValueError(
            f"random.randint requires an integer `dtype`. Received: dtype={dtype}"
        )
    return active.random.randint(shape, minval=minval, maxval=maxval, dtype=dtype,
                                 seed=draw_seed(seed))


def _categorical_rule(logits, num_samples, dtype="int32", seed=None):
    shape = rules.shape_of(logits)
    if len(shape) != 2:
        raise ValueError(
            "random.categorical: `logits` should be a 2-D tensor with shape "
            f"(batch_size, num_classes). Received: logits.shape={shape}"
        )
    return KerasTensor((shape[0], int(num_samples)), dtypes.standardize_dtype(dtype))


@export("lamina.random.categorical")
@op(_categorical_rule)
def categorical(logits, num_samples, dtype="int32", seed=None):
    """Samples class ids from the categorical distributions given by `logits` (2-D,
    `(batch_size, num_classes)`, unnormalized log-probabilities).

    Returns:
        A `(batch_size, num_samples)` tensor of ints.

    Example:
    >>> tuple(lamina.random.categorical([[0.0, 1.0, 2.0]], 5, seed=42).shape)
    (1, 5)
    """
    logits = to_tensor(logits)
    _categorical_rule(logits, num_samples, dtype)
    dtype = dtypes.standardize_dtype(dtype)
    return active.random.categorical(logits, int(num_samples), dtype=dtype,
                                     seed=draw_seed(seed))


def _dropout_rule(inputs, rate, noise_shape=None, seed=None):
    return KerasTensor(rules.shape_of(inputs), rules.dtype_of(inputs, weak=False))


@export("lamina.random.dropout")
@op(_dropout_rule)
def dropout(inputs, rate, noise_shape=None, seed=None):
    """`inputs` with each entry zeroed with probability `rate`, the rest scaled by
    `1 / (1 - rate)`.

    Args:
        inputs: the tensor.
        rate: the probability of dropping an entry, in `[0, 1]`.
        noise_shape: the shape of the keep/drop mask, broadcast to `inputs` (None entries
            take the size of `inputs`), e.g. `(batch, 1, features)` to drop whole timesteps.
        seed: an int, a `SeedGenerator`, or None.

    Example:
    >>> x = ops.convert_to_numpy(lamina.random.dropout(ops.ones((2, 4)), 0.5, seed=1))
    >>> sorted(set(x.ravel().tolist()) - {0.0})
    [2.0]
    """
    inputs = to_tensor(inputs)
    if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
        raise ValueError(f"random.dropout: `rate` must be in [0, 1]. Received: rate={rate}")
    if isinstance(rate, (int, float)) and rate == 1:
        return active.numpy.zeros(tuple(inputs.shape), dtypes.standardize_dtype(inputs.dtype))
    if isinstance(rate, (int, float)) and rate == 0:
        return inputs
    shape = tuple(inputs.shape)
    if noise_shape is not None:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != len(shape):
            raise ValueError(
                f"random.dropout: `noise_shape`={noise_shape} must have the rank of `inputs` "
                f"(shape {shape})."
            )
        noise_shape = tuple(d if n is None else int(n) for n, d in zip(noise_shape, shape))
    return active.random.dropout(inputs, rate, noise_shape=noise_shape, seed=draw_seed(seed))


def _shuffle_rule(x, axis=0, seed=None):
    shape = rules.shape_of(x)
    rules.canonical_axis(axis, len(shape))
    return KerasTensor(shape, rules.dtype_of(x, weak=False))


@export("lamina.random.shuffle")
@op(_shuffle_rule)
def shuffle(x, axis=0, seed=None):
    """`x` with the entries of each 1-D slice along `axis` randomly permuted.

    Example:
    >>> sorted(ops.convert_to_numpy(lamina.random.shuffle(ops.arange(4), seed=42)).tolist())
    [0, 1, 2, 3]
    """
    x = to_tensor(x)
    axis = rules.canonical_axis(axis, len(x.shape))
    return active.random.shuffle(x, axis=axis, seed=draw_seed(seed))


@export("lamina.random.gamma")
def gamma(shape, alpha, dtype=None, seed=None):
    """Samples from a gamma distribution of shape parameter `alpha` (scale 1).

    Example:
    >>> bool((ops.convert_to_numpy(lamina.random.gamma((3,), alpha=2.0, seed=42)) > 0).all())
    True
    """
    shape, dtype = _shape("gamma", shape), _float_dtype("gamma", dtype)
    return active.random.gamma(shape, alpha=alpha, dtype=dtype, seed=draw_seed(seed))


@export("lamina.random.binomial")
def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Samples the number of successes in `counts` trials of success probability
    `probabilities` (both broadcast to `shape`).

    Example:
    >>> x = lamina.random.binomial((3,), counts=10, probabilities=0.5, seed=42)
    >>> x = ops.convert_to_numpy(x)
    >>> bool(((x >= 0) & (x <= 10)).all())
    True
    """
    shape, dtype = _shape("binomial", shape), dtypes.standardize_dtype(dtype)
    return active.random.binomial(shape, counts=counts, probabilities=probabilities,
                                  dtype=dtype, seed=draw_seed(seed))


@export("lamina.random.beta")
def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples from a beta distribution of parameters `alpha` and `beta`.

    Example:
    >>> x = ops.convert_to_numpy(lamina.random.beta((3,), alpha=2.0, beta=5.0, seed=42))
    >>> bool(((x > 0) & (x < 1)).all())
    True
    """
    shape, dtype = _shape("beta", shape), _float_dtype("beta", dtype)
    return active.random.beta(shape, alpha=alpha, beta=beta, dtype=dtype,
                              seed=draw_seed(seed))
