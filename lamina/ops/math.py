"""Math ops that NumPy lacks: segment reductions, top-k, Fourier transforms (STFT included),
special functions. Public as `lamina.ops.<name>`.

Complex values cross the API as `(real, imag)` pairs of float tensors, as in Keras; Fourier
transforms of float16/bfloat16 compute in float32 and return the input's dtype. `cdist`,
`stft`, `istft` and the complex views are composed here from backend primitives.
"""

import numpy as np

from lamina.api_export import export
from lamina.backend import active
from lamina.backend.common import dtypes
from lamina.ops import rules
from lamina.ops.linalg import _cast, _float_dtype, _float_inputs, _matrix_shape
from lamina.ops.operation import broadcast_shapes, op, promote_float, to_tensor
from lamina.ops.rules import KerasTensor


def _public(name):
    return export(f"lamina.ops.{name}")


def _check_int(op_name, name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"ops.{op_name}: argument `{name}` must be an integer >= {minimum}. "
            f"Received: {name}={value!r}."
        )


# -- segment reductions ---------------------------------------------------------------------


def _segment_rule(name):
    def rule(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        data_shape, ids_shape = rules.shape_of(data), rules.shape_of(segment_ids)
        if len(ids_shape) != 1:
            raise ValueError(
                f"ops.{name}: `segment_ids` must be a 1-D tensor, one id per row of `data`. "
                f"Received: segment_ids.shape={tuple(ids_shape)}. Flatten the leading axes of "
                "both first, or map the op over them."
            )
        if not data_shape:
            raise ValueError(f"ops.{name}: `data` must have rank >= 1. Received a scalar.")
        if None not in (ids_shape[0], data_shape[0]) and ids_shape[0] != data_shape[0]:
            raise ValueError(
                f"ops.{name}: `segment_ids` and `data` must have the same leading dimension. "
                f"Received: segment_ids.shape={tuple(ids_shape)}, data.shape={tuple(data_shape)}."
            )
        if num_segments is not None:
            _check_int(name, "num_segments", num_segments, minimum=0)
        out_shape = (num_segments,) + tuple(data_shape[1:])
        return KerasTensor(out_shape, rules.dtype_of(data, weak=False))

    return rule


def _segment_op(reduction, doc):
    name = f"segment_{reduction}"
    rule = _segment_rule(name)

    def compute(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
        rule(data, segment_ids, num_segments, sorted)
        return active.math.segment_reduction(
            to_tensor(data), to_tensor(segment_ids, "int32"), num_segments, reduction, sorted
        )

    compute.__name__ = compute.__qualname__ = name
    compute.__doc__ = doc
    return _public(name)(op(rule)(compute))


_SEGMENT_DOC = """The {what} of the rows of `data` in each segment.

    Args:
        data: tensor whose rows (axis 0) are reduced.
        segment_ids: 1-D int tensor, the segment of each row; ids outside
            `[0, num_segments)` are dropped.
        num_segments: the number of segments; inferred as `max(segment_ids) + 1` when None
            (which a compiled function cannot do).
        sorted: whether `segment_ids` is sorted (a hint some backends use).

    Returns:
        A tensor of shape `(num_segments,) + data.shape[1:]`; empty segments hold {empty}.

    Example:
    >>> ops.segment_{name}([1, 2, 10, 20], [0, 0, 1, 1], num_segments=2)
"""

segment_sum = _segment_op("sum", _SEGMENT_DOC.format(what="sum", empty="0", name="sum"))
segment_prod = _segment_op("prod", _SEGMENT_DOC.format(what="product", empty="1", name="prod"))
segment_max = _segment_op(
    "max", _SEGMENT_DOC.format(what="maximum", empty="the dtype's lowest value", name="max")
)
segment_min = _segment_op(
    "min", _SEGMENT_DOC.format(what="minimum", empty="the dtype's highest value", name="min")
)


# -- top-k ----------------------------------------------------------------------------------


def _top_k_rule(x, k, sorted=True, is_stable=True):  # noqa: A002
    shape = rules.shape_of(x)
    _check_int("top_k", "k", k, minimum=0)
    if not shape:
        raise ValueError("ops.top_k: `x` must have rank >= 1. Received a scalar.")
    if shape[-1] is not None and k > shape[-1]:
        raise ValueError(
            f"ops.top_k: `k` must not exceed the size of the last axis of `x`. Received: k={k}, "
            f"x.shape={tuple(shape)}."
        )
    out_shape = tuple(shape[:-1]) + (k,)
    return KerasTensor(out_shape, rules.dtype_of(x, weak=False)), KerasTensor(out_shape, "int32")


@_public("top_k")
@op(_top_k_rule)
def top_k(x, k, sorted=True, is_stable=True):  # noqa: A002
    """The `k` largest values along the last axis and their indices.

    Values come in descending order; equal values keep their order (the lower index first)
    and NaN counts as the largest value, on every backend.

    Args:
        x: tensor of rank >= 1.
        k: how many values to take.
        sorted: accepted for Keras compatibility; the result is always sorted.
        is_stable: accepted for Keras compatibility; ties are always broken by index.

    Returns:
        `(values, indices)`: values of `x`'s dtype and int32 indices, shaped `x.shape[:-1] + (k,)`.

    Example:
    >>> ops.top_k([5, 2, 7, 1, 9, 3], k=3)
    """
    x = to_tensor(x)
    _top_k_rule(x, k)
    return active.math.top_k(x, int(k), sorted=sorted)


def _in_top_k_rule(targets, predictions, k):
    t_shape, p_shape = rules.shape_of(targets), rules.shape_of(predictions)
    if len(p_shape) < 1 or len(t_shape) != len(p_shape) - 1:
        raise ValueError(
            "ops.in_top_k: `predictions` must have one more axis than `targets` (the classes). "
            f"Received: targets.shape={tuple(t_shape)}, predictions.shape={tuple(p_shape)}."
        )
    broadcast_shapes(t_shape, p_shape[:-1])
    return KerasTensor(tuple(t_shape), "bool")


@_public("in_top_k")
@op(_in_top_k_rule)
def in_top_k(targets, predictions, k):
    """Whether each target class is among the `k` highest predictions of its row.

    Args:
        targets: int tensor of class indices, shape `(batch,)`.
        predictions: scores, shape `(batch, classes)`.
        k: how many top predictions count.

    Returns:
        A bool tensor shaped like `targets` (False where the target's score is NaN).

    Example:
    >>> ops.in_top_k([2, 0], [[0.1, 0.5, 0.4], [0.1, 0.5, 0.4]], k=2)
    """
    _in_top_k_rule(targets, predictions, k)
    return active.math.in_top_k(to_tensor(targets, "int32"), to_tensor(predictions), k)


# -- reductions and distances -----------------------------------------------------------------


def _axis_arg(axis):
    if axis is None or isinstance(axis, int):
        return axis
    return tuple(int(a) for a in axis)


@_public("logsumexp")
@op(rules.reduction_float)
def logsumexp(x, axis=None, keepdims=False):
    """`log(sum(exp(x)))` over `axis` (all axes when None), computed stably.

    Example:
    >>> ops.logsumexp([1.0, 2.0, 3.0])
    """
    (x,) = promote_float(x)
    return active.math.logsumexp(x, axis=_axis_arg(axis), keepdims=keepdims)


def _cdist_rule(x, y):
    x_shape, y_shape = rules.shape_of(x), rules.shape_of(y)
    if len(x_shape) < 2 or len(y_shape) < 2:
        raise ValueError(
            "ops.cdist: both inputs must have rank >= 2, shaped `(..., m, d)` and `(..., n, d)`. "
            f"Received: x.shape={tuple(x_shape)}, y.shape={tuple(y_shape)}."
        )
    if None not in (x_shape[-1], y_shape[-1]) and x_shape[-1] != y_shape[-1]:
        raise ValueError(
            "ops.cdist: the last dimension (the vectors' size) of both inputs must match. "
            f"Received: x.shape={tuple(x_shape)}, y.shape={tuple(y_shape)}."
        )
    batch = broadcast_shapes(x_shape[:-2], y_shape[:-2])
    return KerasTensor(batch + (x_shape[-2], y_shape[-2]), _float_dtype(x, y))


@_public("cdist")
@op(_cdist_rule)
def cdist(x, y):
    """Euclidean distances between every vector of `x` and every vector of `y`.

    Args:
        x: tensor of shape `(..., m, d)`.
        y: tensor of shape `(..., n, d)`.

    Returns:
        A float tensor of shape `(..., m, n)`.

    Example:
    >>> ops.cdist([[0.0, 0.0], [1.0, 1.0]], [[1.0, 0.0]])
    """
    _cdist_rule(x, y)
    x, y = promote_float(x, y)
    diff = active.numpy.subtract(active.numpy.expand_dims(x, -2), active.numpy.expand_dims(y, -3))
    return active.numpy.sqrt(active.numpy.sum(active.numpy.square(diff), axis=-1))


# -- framing --------------------------------------------------------------------------------


def _extract_sequences_rule(x, sequence_length, sequence_stride):
    shape = rules.shape_of(x)
    _check_int("extract_sequences", "sequence_length", sequence_length)
    _check_int("extract_sequences", "sequence_stride", sequence_stride)
    if not shape:
        raise ValueError("ops.extract_sequences: `x` must have rank >= 1. Received a scalar.")
    num = None
    if shape[-1] is not None:
        num = max(0, 1 + (shape[-1] - sequence_length) // sequence_stride)
    return KerasTensor(
        tuple(shape[:-1]) + (num, sequence_length), rules.dtype_of(x, weak=False)
    )



@_public("extract_sequences")
@op(_extract_sequences_rule)
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of `sequence_length` values taken every `sequence_stride` along the last axis.

    Args:
        x: tensor of shape `(..., n)`.
        sequence_length: the length of each frame.
        sequence_stride: the hop between the starts of consecutive frames.

    Returns:
        A tensor of shape `(..., 1 + (n - sequence_length) // sequence_stride, sequence_length)`.

    Example:
    >>> ops.extract_sequences([1, 2, 3, 4, 5, 6], 3, 2)
    """
    x = to_tensor(x)
    _extract_sequences_rule(x, sequence_length, sequence_stride)
    return active.math.extract_sequences(x, int(sequence_length), int(sequence_stride))


# -- Fourier transforms ---------------------------------------------------------------------


def _pair_shape(op_name, x, min_rank):
    """The common shape of a `(real, imag)` pair, or a ValueError naming the op."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(
            f"ops.{op_name}: `x` must be a tuple `(real, imag)` of two float tensors. "
            f"Received: x={x!r}."
        )
    real_shape, imag_shape = tuple(rules.shape_of(x[0])), tuple(rules.shape_of(x[1]))
    if len(real_shape) != len(imag_shape) or any(
        None not in (a, b) and a != b for a, b in zip(real_shape, imag_shape)
    ):
        raise ValueError(
            f"ops.{op_name}: the real and imaginary parts must have the same shape. Received: "
            f"x[0].shape={real_shape}, x[1].shape={imag_shape}."
        )
    if len(real_shape) < min_rank:
        raise ValueError(
            f"ops.{op_name}: the input must have rank >= {min_rank}. Received: "
            f"x[0].shape={real_shape}."
        )
    return tuple(a if a is not None else b for a, b in zip(real_shape, imag_shape))


def _fft_op(name, ndim, inverse, doc):
    def rule(x):
        shape = _pair_shape(name, x, ndim)
        dtype = _float_dtype(*x)
        return KerasTensor(shape, dtype), KerasTensor(shape, dtype)

    def compute(x):
        _pair_shape(name, x, ndim)
        dtype, (real, imag) = _float_inputs(*x)
        real, imag = active.math.fft(real, imag, ndim=ndim, inverse=inverse)
        return _cast(real, dtype), _cast(imag, dtype)

    compute.__name__ = compute.__qualname__ = name
    compute.__doc__ = doc
    return _public(name)(op(rule)(compute))


fft = _fft_op(
    "fft", 1, False,
    """The discrete Fourier transform over the last axis.

    Args:
        x: `(real, imag)`, two float tensors of the same shape.

    Returns:
        `(real, imag)` of the transform, of the inputs' float dtype.

    Example:
    >>> ops.fft((np.array([1.0, 2.0]), np.array([0.0, 1.0])))
    """,
)
fft2 = _fft_op(
    "fft2", 2, False,
    """The 2-D discrete Fourier transform over the last two axes; `x` is `(real, imag)`.""",
)
ifft2 = _fft_op(
    "ifft2", 2, True,
    """The inverse 2-D discrete Fourier transform over the last two axes; `x` is `(real, imag)`.""",
)


def _rfft_rule(x, fft_length=None):
    shape = rules.shape_of(x)
    if not shape:
        raise ValueError("ops.rfft: `x` must have rank >= 1. Received a scalar.")
    if fft_length is not None:
        _check_int("rfft", "fft_length", fft_length)
        n = fft_length
    else:
        n = shape[-1]
    out = tuple(shape[:-1]) + (None if n is None else n // 2 + 1,)
    dtype = _float_dtype(x)
    return KerasTensor(out, dtype), KerasTensor(out, dtype)


@_public("rfft")
@op(_rfft_rule)
def rfft(x, fft_length=None):
    """The Fourier transform of a real signal over the last axis: its `n // 2 + 1` lowest bins.

    Args:
        x: real tensor of shape `(..., n)`.
        fft_length: the transform's length; `x` is cropped or zero-padded to it. Defaults to n.

    Returns:
        `(real, imag)`, each of shape `(..., fft_length // 2 + 1)`.

    Example:
    >>> ops.rfft(np.array([0.0, 1.0, 2.0, 3.0, 4.0]))
    """
    _rfft_rule(x, fft_length)
    dtype, (x,) = _float_inputs(x)
    real, imag = active.math.rfft(x, fft_length)
    return _cast(real, dtype), _cast(imag, dtype)


def _irfft_rule(x, fft_length=None):
    shape = _pair_shape("irfft", x, 1)
    if fft_length is not None:
        _check_int("irfft", "fft_length", fft_length)
        n = fft_length
    else:
        n = None if shape[-1] is None else 2 * (shape[-1] - 1)
    return KerasTensor(shape[:-1] + (n,), _float_dtype(*x))


@_public("irfft")
@op(_irfft_rule)
def irfft(x, fft_length=None):
    """The real signal whose `rfft` is `x`, over the last axis.

    Args:
        x: `(real, imag)` of shape `(..., m)`.
        fft_length: the output's length; defaults to `2 * (m - 1)` (pass it when it is odd).

    Returns:
        A float tensor of shape `(..., fft_length)`.

    Example:
    >>> ops.irfft(ops.rfft(np.array([0.0, 1.0, 2.0, 3.0, 4.0])), 5)
    """
    _irfft_rule(x, fft_length)
    dtype, (real, imag) = _float_inputs(*x)
    return _cast(active.math.irfft(real, imag, fft_length), dtype)


def _check_stft_args(op_name, sequence_length, sequence_stride, fft_length, window):
    _check_int(op_name, "sequence_length", sequence_length)
    _check_int(op_name, "sequence_stride", sequence_stride)
    _check_int(op_name, "fft_length", fft_length)
    if fft_length < sequence_length:
        raise ValueError(
            f"ops.{op_name}: `fft_length` must be >= `sequence_length`. Received: "
            f"sequence_length={sequence_length}, fft_length={fft_length}."
        )
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(
                f'ops.{op_name}: a string `window` must be "hann" or "hamming". Received: '
                f"window={window!r}."
            )
    elif window is not None:
        shape = tuple(rules.shape_of(window))
        if len(shape) != 1 or shape[0] not in (sequence_length, None):
            raise ValueError(
                f"ops.{op_name}: the shape of `window` must be equal to (sequence_length,) = "
                f"({sequence_length},). Received: window shape={shape}."
            )


def _check_stft_dtype(op_name, dtype):
    if dtype not in ("float32", "float64"):
        raise TypeError(
            f"ops.{op_name}: the input must be float32 or float64. Received: dtype={dtype}."
        )


def _padded_window(window, sequence_length, fft_length, dtype):
    """The window as a tensor of `fft_length` (zero-padded on both sides), or None."""
    if window is None:
        return None
    left = (fft_length - sequence_length) // 2
    right = fft_length - sequence_length - left
    if isinstance(window, str):
        # Periodic ("fftbins") windows, as scipy.signal.get_window and librosa use.
        n = np.arange(sequence_length)
        a = 0.5 if window == "hann" else 0.54
        values = a - (1 - a) * np.cos(2 * np.pi * n / sequence_length)
        if sequence_length == 1:
            values = np.ones(1)
        return to_tensor(np.pad(values, (left, right)), dtype)
    zeros_left, zeros_right = to_tensor(np.zeros(left), dtype), to_tensor(np.zeros(right), dtype)
    return active.numpy.concatenate([zeros_left, to_tensor(window, dtype), zeros_right], axis=0)


def _reflect_pad(x, width):
    """`x` padded by `width` along the last axis by reflection (the edge value not repeated)."""
    n = x.shape[-1]
    if width >= n:
        raise ValueError(
            f"ops.stft: with center=True the signal must be longer than fft_length // 2 = "
            f"{width}. Received a signal of length {n}."
        )
    if width == 0:
        return x
    # `flip` rather than a negative-step slice, which not every backend's tensors support.
    left = active.numpy.flip(x[..., 1 : width + 1], axis=-1)
    right = active.numpy.flip(x[..., n - 1 - width : n - 1], axis=-1)
    return active.numpy.concatenate([left, x, right], axis=-1)


def _stft_rule(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    _check_stft_args("stft", sequence_length, sequence_stride, fft_length, window)
    dtype = rules.dtype_of(x, weak=False)
    _check_stft_dtype("stft", dtype)
    shape = rules.shape_of(x)
    if not shape:
        raise ValueError("ops.stft: `x` must have rank >= 1. Received a scalar.")
    num = None
    if shape[-1] is not None:
        padded = shape[-1] + (fft_length // 2) * 2 if center else shape[-1]
        num = max(0, 1 + (padded - fft_length) // sequence_stride)
    out = tuple(shape[:-1]) + (num, fft_length // 2 + 1)
    return KerasTensor(out, dtype), KerasTensor(out, dtype)


@_public("stft")
@op(_stft_rule)
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform along the last axis.

    Args:
        x: float32 or float64 signal of shape `(..., n)`.
        sequence_length: the length of each windowed frame.
        sequence_stride: the hop between frames.
        fft_length: the FFT size (>= sequence_length); frames are zero-padded to it, centred.
        window: "hann", "hamming", a tensor of shape `(sequence_length,)`, or None (no window).
        center: whether to pad `x` by reflection with `fft_length // 2` on both sides, so that
            frame t is centred at `t * sequence_stride`.

    Returns:
        `(real, imag)`, each of shape `(..., num_frames, fft_length // 2 + 1)`.

    Example:
    >>> ops.stft(np.array([0.0, 1.0, 2.0, 3.0, 4.0]), 3, 2, 3)
    """
    _stft_rule(x, sequence_length, sequence_stride, fft_length, window, center)
    x = to_tensor(x)
    dtype = dtypes.standardize_dtype(x.dtype)
    if center:
        x = _reflect_pad(x, fft_length // 2)
    frames = active.math.extract_sequences(x, fft_length, sequence_stride)
    win = _padded_window(window, sequence_length, fft_length, dtype)
    if win is not None:
        frames = active.numpy.multiply(frames, win)
    return active.math.rfft(frames, fft_length)


def _istft_rule(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
                center=True):
    _check_stft_args("istft", sequence_length, sequence_stride, fft_length, window)
    shape = _pair_shape("istft", x, 2)
    dtype = _float_dtype(*x)
    if length is not None:
        _check_int("istft", "length", length, minimum=0)
        size = length
    elif shape[-2] is None:
        size = None
    else:
        size = (shape[-2] - 1) * sequence_stride + fft_length
        if center:
            size -= (fft_length // 2) * 2
    return KerasTensor(shape[:-2] + (size,), dtype)


@_public("istft")
@op(_istft_rule)
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse short-time Fourier transform: the signal whose `stft` is `x`.

    Pass the arguments given to `stft`. Frames are windowed, overlap-added and divided by the
    overlap-added squared window, as SciPy and Keras' JAX backend do.

    Args:
        x: `(real, imag)`, each of shape `(..., num_frames, fft_length // 2 + 1)`.
        sequence_length: the frame length used by `stft`.
        sequence_stride: the hop used by `stft`.
        fft_length: the FFT size used by `stft`.
        length: the output's length (cropped or zero-padded); None keeps all samples.
        window: the window used by `stft`: "hann", "hamming", a tensor, or None.
        center: whether `stft` padded the signal (the padding is removed).

    Returns:
        A float tensor of shape `(..., length)`.

    Example:
    >>> ops.istft(ops.stft(np.arange(8.0), 4, 2, 4), 4, 2, 4)
    """
    _istft_rule(x, sequence_length, sequence_stride, fft_length, length, window, center)
    result_dtype, (real, imag) = _float_inputs(*x)
    dtype = dtypes.standardize_dtype(real.dtype)
    frames = active.math.irfft(real, imag, fft_length)
    num_frames = frames.shape[-2]
    win = _padded_window(window, sequence_length, fft_length, dtype)
    if win is None:
        # SciPy's normalisation with a window of ones, then Keras' division by the stride.
        win = to_tensor(np.ones(fft_length), dtype)
        frames = active.numpy.multiply(frames, to_tensor(fft_length / sequence_stride, dtype))
    frames = active.numpy.multiply(frames, win)
    signal = active.math.overlap_add(frames, sequence_stride)
    win_frames = active.numpy.multiply(
        to_tensor(np.ones((num_frames, 1)), dtype), active.numpy.square(win)
    )
    norm = active.math.overlap_add(win_frames, sequence_stride)
    tiny = active.numpy.greater(norm, to_tensor(1e-10, dtype))
    norm = active.numpy.where(tiny, norm, to_tensor(np.ones(()), dtype))
    signal = active.numpy.divide(signal, norm)

    total = (num_frames - 1) * sequence_stride + fft_length
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    else:
        end = total - start
    signal = signal[..., start:end]
    missing = end - start - signal.shape[-1]
    if missing > 0:
        zeros = to_tensor(np.zeros(tuple(signal.shape[:-1]) + (missing,)), dtype)
        signal = active.numpy.concatenate([signal, zeros], axis=-1)
    return _cast(signal, result_dtype)



# -- elementwise special functions ----------------------------------------------------------


def _unary_float_op(name, doc):
    def compute(x):
        return getattr(active.math, name)(*promote_float(x))

    compute.__name__ = compute.__qualname__ = name
    compute.__doc__ = doc
    return _public(name)(op(rules.unary_float)(compute))


rsqrt = _unary_float_op(
    "rsqrt", "`1 / sqrt(x)` elementwise; ints give floats.\n\nExample:\n>>> ops.rsqrt([1.0, 4.0])"
)
erf = _unary_float_op(
    "erf", "The error function elementwise.\n\nExample:\n>>> ops.erf([0.0, 1.0])"
)
erfc = _unary_float_op("erfc", "The complementary error function `1 - erf(x)` elementwise.")
erfinv = _unary_float_op("erfinv", "The inverse of the error function elementwise, on (-1, 1).")


@_public("gammainc")
@op(rules.binary_float)
def gammainc(x1, x2):
    """The regularized lower incomplete gamma function `P(x1, x2)`, broadcasting.

    Example:
    >>> ops.gammainc(1.0, 0.5)
    """
    return active.math.gammainc(*promote_float(x1, x2))


def _logdet_rule(x):
    shape = _matrix_shape("logdet", x, square=True)
    return KerasTensor(shape[:-2], _float_dtype(x))


@_public("logdet")
@op(_logdet_rule)
def logdet(x):
    """`log(|det(x)|)` of square matrices (the log-determinant of positive-definite ones).

    Args:
        x: tensor of shape `(..., M, M)`.

    Returns:
        A float tensor of shape `(...)`.

    Example:
    >>> ops.logdet([[2.0, 0.0], [0.0, 3.0]])
    """
    _logdet_rule(x)
    dtype, (x,) = _float_inputs(x)
    return active.core.cast(active.math.logdet(x), dtype)


# -- complex views --------------------------------------------------------------------------


def _view_as_complex_rule(x):
    shape = rules.shape_of(x)
    if not shape or shape[-1] not in (2, None):
        raise ValueError(
            "ops.view_as_complex: the last axis of `x` must have size 2 (real, imaginary). "
            f"Received: x.shape={tuple(shape)}."
        )
    return KerasTensor(tuple(shape[:-1]), "complex64")


@_public("view_as_complex")
@op(_view_as_complex_rule)
def view_as_complex(x):
    """A complex64 tensor from a real one whose last axis holds (real, imaginary).

    Example:
    >>> ops.view_as_complex(np.array([[1.0, 2.0], [3.0, 4.0]]))
    """
    x = to_tensor(x)
    _view_as_complex_rule(KerasTensor(tuple(x.shape)))
    real = active.core.cast(x[..., 0], "complex64")
    imag = active.core.cast(x[..., 1], "complex64")
    return active.numpy.add(real, active.numpy.multiply(imag, to_tensor(1j, "complex64")))


def _view_as_real_rule(x):
    dtype = rules.dtype_of(x, weak=False)
    dtype = {"complex64": "float32", "complex128": "float64"}.get(dtype, dtype)
    return KerasTensor(tuple(rules.shape_of(x)) + (2,), dtypes.float_result(dtype))


@_public("view_as_real")
@op(_view_as_real_rule)
def view_as_real(x):
    """A real tensor with a last axis of size 2 holding the real and imaginary parts of `x`.

    Example:
    >>> ops.view_as_real(np.array([1 + 2j, 3 + 4j]))
    """
    x = to_tensor(x)
    dtype = _view_as_real_rule(x).dtype
    real = active.core.cast(active.numpy.real(x), dtype)
    imag = active.core.cast(active.numpy.imag(x), dtype)
    return active.numpy.stack([real, imag], axis=-1)
