"""Activation functions, by name and as functions, each written with lamina.ops."""

from lamina import ops
from lamina.api_export import export


def _public(name):
    return export(f"lamina.activations.{name}")


@_public("relu")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras' optional slope, cap and threshold.

    Args:
        x: input tensor.
        negative_slope: slope for values below `threshold`.
        max_value: upper bound of the output, or None.
        threshold: values below it are damped by `negative_slope` (or zeroed).
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return ops.relu(x)
    x = ops.convert_to_tensor(x)
    below = ops.multiply(negative_slope, ops.subtract(x, threshold))
    out = ops.where(ops.greater_equal(x, threshold), x, below)
    if negative_slope == 0.0:
        out = ops.where(ops.greater_equal(x, threshold), x, ops.zeros_like(x))
    if max_value is not None:
        out = ops.minimum(out, ops.cast(max_value, out.dtype))
    return out


@_public("leaky_relu")
def leaky_relu(x, negative_slope=0.2):
    """`x` for positives, `negative_slope * x` otherwise."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


@_public("relu6")
def relu6(x):
    """`min(max(x, 0), 6)`."""
    return ops.relu6(x)


@_public("elu")
def elu(x, alpha=1.0):
    """Exponential linear unit."""
    return ops.elu(x, alpha=alpha)


@_public("selu")
def selu(x):
    """Scaled exponential linear unit."""
    return ops.selu(x)


@_public("softplus")
def softplus(x):
    """`log(exp(x) + 1)`."""
    return ops.softplus(x)


@_public("softsign")
def softsign(x):
    """`x / (|x| + 1)`."""
    return ops.softsign(x)


@_public("soft_shrink")
def soft_shrink(x, threshold=0.5):
    """Shrinks values toward zero by `threshold`."""
    return ops.soft_shrink(x, threshold=threshold)


@_public("sparse_plus")
def sparse_plus(x):
    """SparsePlus activation."""
    return ops.sparse_plus(x)


@_public("silu")
def silu(x):
    """`x * sigmoid(x)`."""
    return ops.silu(x)


@_public("swish")
def swish(x):
    """Same as silu."""
    return ops.silu(x)


@_public("squareplus")
def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`."""
    return ops.squareplus(x, b=b)


@_public("gelu")
def gelu(x, approximate=False):
    """Gaussian error linear unit (tanh approximation when `approximate`)."""
    return ops.gelu(x, approximate=approximate)


@_public("celu")
def celu(x, alpha=1.0):
    """Continuously differentiable exponential linear unit."""
    return ops.celu(x, alpha=alpha)


@_public("glu")
def glu(x, axis=-1):
    """Gated linear unit: one half of `x` gated by the sigmoid of the other."""
    return ops.glu(x, axis=axis)


@_public("tanh")
def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(x)


@_public("tanh_shrink")
def tanh_shrink(x):
    """`x - tanh(x)`."""
    return ops.tanh_shrink(x)


@_public("hard_tanh")
def hard_tanh(x):
    """`clip(x, -1, 1)`."""
    return ops.hard_tanh(x)


@_public("hard_shrink")
def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


@_public("threshold")
def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, else `default_value`."""
    return ops.threshold(x, threshold, default_value)


@_public("sigmoid")
def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return ops.sigmoid(x)


@_public("exponential")
def exponential(x):
    """`exp(x)`."""
    return ops.exp(x)


@_public("hard_sigmoid")
def hard_sigmoid(x):
    """Piecewise-linear sigmoid: `clip(x / 6 + 0.5, 0, 1)`."""
    return ops.hard_sigmoid(x)


@_public("hard_silu")
def hard_silu(x):
    """`x * hard_sigmoid(x)`."""
    return ops.hard_silu(x)


@_public("hard_swish")
def hard_swish(x):
    """Same as hard_silu."""
    return ops.hard_silu(x)


@_public("linear")
def linear(x):
    """The identity."""
    return x


@_public("mish")
def mish(x):
    """`x * tanh(softplus(x))`."""
    return ops.multiply(x, ops.tanh(ops.softplus(x)))


@_public("log_sigmoid")
def log_sigmoid(x):
    """`log(sigmoid(x))`, stably."""
    return ops.log_sigmoid(x)


@_public("sparse_sigmoid")
def sparse_sigmoid(x):
    """Sparse sigmoid activation."""
    return ops.sparse_sigmoid(x)


@_public("softmax")
def softmax(x, axis=-1):
    """Softmax over `axis`; a rank-1 input is an error, as in Keras."""
    x = ops.convert_to_tensor(x) if not hasattr(x, "shape") else x
    if len(x.shape) <= 1:
        raise ValueError(
            f"Cannot apply softmax to a tensor that is 1D. Received input shape: {x.shape}."
        )
    return ops.softmax(x, axis=axis)


@_public("log_softmax")
def log_softmax(x, axis=-1):
    """`log(softmax(x))` over `axis`."""
    return ops.log_softmax(x, axis=axis)


@_public("sparsemax")
def sparsemax(x, axis=-1):
    """Sparsemax: a projection onto the simplex."""
    return ops.sparsemax(x, axis=axis)
