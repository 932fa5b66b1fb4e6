"""Math ops (lamina.ops.math) against NumPy/SciPy, on the active backend (see harness.check_op)."""

import warnings

import numpy as np
import pytest
import scipy.signal
import scipy.special

from lamina import api_export
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.ops import math as m
from tests.ops.harness import BACKEND, check_op

rng = np.random.default_rng(0)
A = rng.normal(size=(3, 4)).astype("float32")
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0], "float32")


def test_exported_as_lamina_ops():
    for name in ["cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2",
                 "rfft", "irfft", "stft", "istft", "in_top_k", "top_k", "logdet", "logsumexp",
                 "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum",
                 "view_as_complex", "view_as_real", "gammainc"]:
        assert api_export.REGISTRY["lamina.ops"][name] is getattr(m, name), name


# -- segment reductions ---------------------------------------------------------------------


def _segment_reference(reduction, num_segments=None):
    ufunc = {"sum": np.add, "prod": np.multiply, "max": np.maximum, "min": np.minimum}[reduction]

    def reference(data, ids, num_segments=num_segments, sorted=False):
        n = int(ids.max()) + 1 if num_segments is None else num_segments
        if reduction in ("sum", "prod"):
            init = 0 if reduction == "sum" else 1
        elif data.dtype.kind == "f":
            init = -np.inf if reduction == "max" else np.inf
        else:
            info = np.iinfo(data.dtype)
            init = info.min if reduction == "max" else info.max
        out = np.full((n,) + data.shape[1:], init, data.dtype)
        for row, segment in zip(data, ids):
            if 0 <= segment < n:
                out[segment] = ufunc(out[segment], row)
        return out

    return reference


SEGMENT_OPS = [(m.segment_sum, "sum"), (m.segment_prod, "prod"), (m.segment_max, "max"),
               (m.segment_min, "min")]
IDS = np.array([3, 0, 1, 0, 3, 3], "int32")  # segment 2 is empty


@pytest.mark.parametrize("op, reduction", SEGMENT_OPS, ids=[r for _, r in SEGMENT_OPS])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_segment_ops(op, reduction, dtype):
    data = rng.integers(-4, 5, size=(6, 2, 3)).astype(dtype)
    check_op(op, _segment_reference(reduction), data, IDS, kwargs={"num_segments": 5},
             dtype=dtype)
    sorted_ids = np.sort(IDS)
    check_op(op, _segment_reference(reduction), data, sorted_ids,
             kwargs={"num_segments": 4, "sorted": True})


@pytest.mark.parametrize("op, reduction", SEGMENT_OPS, ids=[r for _, r in SEGMENT_OPS])
def test_segment_ops_infer_num_segments_and_drop_out_of_range(op, reduction):
    data = A[:, 0].copy()[[0, 1, 2, 0]]
    ids = np.array([0, 2, 1, 2], "int32")
    out = check_op(op, _segment_reference(reduction), data, ids, symbolic=False)
    assert out.shape == (3,)
    ids = np.array([0, -1, 5, 1], "int32")  # -1 and 5 are outside [0, 2): dropped
    check_op(op, _segment_reference(reduction, 2), data, ids, kwargs={"num_segments": 2})


def test_segment_symbolic_shape_and_errors():
    out = m.segment_sum(KerasTensor((None, 3)), KerasTensor((None,), "int32"), num_segments=7)
    assert out.shape == (7, 3)
    assert m.segment_max(KerasTensor((5, 3)), KerasTensor((5,), "int32")).shape == (None, 3)
    with pytest.raises(ValueError, match=r"segment_ids` must be a 1-D tensor.*\(5, 1\)"):
        m.segment_sum(np.ones((5, 3)), np.zeros((5, 1), "int32"))
    with pytest.raises(ValueError, match=r"same leading dimension.*\(4,\).*\(5, 3\)"):
        m.segment_min(KerasTensor((5, 3)), KerasTensor((4,), "int32"))
    with pytest.raises(ValueError, match="num_segments"):
        m.segment_sum(np.ones((2,)), np.zeros((2,), "int32"), num_segments=-1)


# -- top-k ----------------------------------------------------------------------------------


def _top_k_reference(x, k, sorted=True):
    # Descending by value (NaN largest), ties by ascending index.
    key = np.where(np.isnan(x), np.inf, x)
    nan_first = np.isnan(x)
    order = np.lexsort((np.broadcast_to(np.arange(x.shape[-1]), x.shape), -key, ~nan_first),
                       axis=-1)[..., :k]
    return np.take_along_axis(x, order, axis=-1), order.astype("int32")


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_top_k(dtype):
    x = rng.integers(-3, 4, size=(3, 2, 8)).astype(dtype)  # many ties
    check_op(m.top_k, _top_k_reference, x, 3, dtype=[dtype, "int32"])
    check_op(m.top_k, _top_k_reference, x, 8)
    check_op(m.top_k, _top_k_reference, x, 0)


def test_top_k_special_values_and_errors():
    check_op(m.top_k, _top_k_reference, SPECIAL, 4)
    with pytest.raises(ValueError, match=r"`k` must not exceed.*k=5.*\(3, 4\)"):
        m.top_k(A, 5)
    with pytest.raises(ValueError, match="rank >= 1"):
        m.top_k(KerasTensor(()), 1)


def _in_top_k_reference(targets, predictions, k):
    at = predictions[np.arange(len(targets)), targets][:, None]
    at = np.where(np.isnan(at), -np.inf, at)
    return 1 + np.sum(predictions > at, axis=-1) <= k


def test_in_top_k():
    predictions = rng.normal(size=(6, 5)).astype("float32")
    predictions[1, 2] = predictions[1, 3]  # a tie
    predictions[4, 0] = np.nan
    targets = np.array([0, 2, 3, 4, 0, 1], "int32")
    for k in (1, 2, 5):
        check_op(m.in_top_k, _in_top_k_reference, targets, predictions, k, dtype="bool")
    with pytest.raises(ValueError, match="one more axis"):
        m.in_top_k(KerasTensor((3, 2)), KerasTensor((3, 5)), 1)


# -- reductions and distances -----------------------------------------------------------------


def _logsumexp(x, axis=None, keepdims=False):
    return scipy.special.logsumexp(x, axis=axis, keepdims=keepdims).astype(
        np.result_type(x.dtype, np.float32) if x.dtype.kind == "f" else "float32"
    )


@pytest.mark.parametrize("kwargs", [{}, {"axis": 1}, {"axis": -1, "keepdims": True},
                                    {"axis": (0, 2)}, {"keepdims": True}])
def test_logsumexp(kwargs):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    check_op(m.logsumexp, _logsumexp, x, kwargs=kwargs, dtype="float32")
    check_op(m.logsumexp, _logsumexp, x.astype("float64"), kwargs=kwargs, dtype="float64")


def test_logsumexp_special_and_int():
    rows = np.array([[-np.inf, -np.inf], [np.inf, 1.0], [np.nan, 1.0], [1000.0, 1000.0]],
                    "float32")
    check_op(m.logsumexp, _logsumexp, rows, kwargs={"axis": 1})
    check_op(m.logsumexp, lambda x, axis: _logsumexp(x.astype("float32"), axis),
             np.arange(6, dtype="int32").reshape(2, 3), kwargs={"axis": 0}, dtype="float32")


def _cdist(x, y):
    diff = x[..., :, None, :] - y[..., None, :, :]
    return np.sqrt(np.sum(diff * diff, axis=-1))


def test_cdist():
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    y = rng.normal(size=(4, 3)).astype("float32")
    check_op(m.cdist, _cdist, x, y, dtype="float32")
    check_op(m.cdist, _cdist, y, y)
    check_op(m.cdist, lambda x, y: _cdist(x, y).astype("float32"),
             np.arange(6, dtype="int32").reshape(3, 2), np.ones((2, 2), "int32"), dtype="float32")
    assert m.cdist(KerasTensor((None, 5, 3)), KerasTensor((7, 3))).shape == (None, 5, 7)
    with pytest.raises(ValueError, match=r"last dimension.*\(5, 3\).*\(4, 2\)"):
        m.cdist(KerasTensor((5, 3)), KerasTensor((4, 2)))
    with pytest.raises(ValueError, match="rank >= 2"):
        m.cdist(KerasTensor((3,)), KerasTensor((4, 3)))


# -- framing --------------------------------------------------------------------------------


def _extract_sequences(x, sequence_length, sequence_stride):
    n = max(0, 1 + (x.shape[-1] - sequence_length) // sequence_stride)
    frames = [x[..., i * sequence_stride: i * sequence_stride + sequence_length] for i in range(n)]
    if not frames:
        return np.zeros(x.shape[:-1] + (0, sequence_length), x.dtype)
    return np.stack(frames, axis=-2)


@pytest.mark.parametrize("length, stride", [(4, 3), (3, 1), (10, 10), (1, 2)])
def test_extract_sequences(length, stride):
    x = rng.normal(size=(2, 3, 10)).astype("float32")
    check_op(m.extract_sequences, _extract_sequences, x, length, stride, dtype="float32")
    check_op(m.extract_sequences, _extract_sequences, np.arange(10, dtype="int32"), length, stride,
             dtype="int32")


def test_extract_sequences_short_signal_and_errors():
    check_op(m.extract_sequences, _extract_sequences, np.ones((2, 3), "float32"), 4, 1)
    with pytest.raises(ValueError, match="sequence_stride"):
        m.extract_sequences(A, 2, 0)


# -- Fourier transforms ---------------------------------------------------------------------


def _complex_ref(transform):
    def reference(x):
        out = transform(x[0] + 1j * x[1])
        return np.real(out).astype(x[0].dtype), np.imag(out).astype(x[0].dtype)

    return reference


@pytest.mark.parametrize("op, transform", [(m.fft, np.fft.fft), (m.fft2, np.fft.fft2),
                                           (m.ifft2, np.fft.ifft2)],
                         ids=["fft", "fft2", "ifft2"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fft_family(op, transform, dtype):
    real = rng.normal(size=(2, 4, 6)).astype(dtype)
    imag = rng.normal(size=(2, 4, 6)).astype(dtype)
    tol = {"rtol": 1e-4, "atol": 1e-4} if dtype == "float32" else {}
    check_op(op, _complex_ref(transform), (real, imag), dtype=[dtype, dtype], **tol)


def test_fft_roundtrip_and_errors():
    real, imag = A, A[::-1].copy()
    back = m.ifft2(m.fft2((real, imag)))
    np.testing.assert_allclose(np.asarray(back[0]), real, atol=1e-5)
    np.testing.assert_allclose(np.asarray(back[1]), imag, atol=1e-5)
    with pytest.raises(ValueError, match=r"same shape.*\(3, 4\).*\(4,\)"):
        m.fft((A, A[0]))
    with pytest.raises(ValueError, match=r"tuple `\(real, imag\)`"):
        m.fft(A)
    with pytest.raises(ValueError, match="rank >= 2"):
        m.fft2((KerasTensor((4,)), KerasTensor((4,))))


@pytest.mark.parametrize("fft_length", [None, 4, 7, 12])
def test_rfft_irfft(fft_length):
    x = rng.normal(size=(2, 3, 8)).astype("float32")

    def rfft_ref(x, fft_length=None):
        out = np.fft.rfft(x, n=fft_length)
        return np.real(out).astype(x.dtype), np.imag(out).astype(x.dtype)

    def irfft_ref(x, fft_length=None):
        return np.fft.irfft(x[0] + 1j * x[1], n=fft_length).astype(x[0].dtype)

    spectrum = check_op(m.rfft, rfft_ref, x, kwargs={"fft_length": fft_length},
                        dtype=["float32", "float32"], rtol=1e-4, atol=1e-5)
    check_op(m.irfft, irfft_ref, tuple(spectrum), kwargs={"fft_length": fft_length},
             dtype="float32", rtol=1e-4, atol=1e-5)
    check_op(m.rfft, rfft_ref, x.astype("float64"), kwargs={"fft_length": fft_length},
             dtype=["float64", "float64"])


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_fft_half_precision(dtype):
    import ml_dtypes

    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    x = A.astype(np_dtype)

    def rfft_ref(x):
        out = np.fft.rfft(x.astype("float32"))
        return out.real.astype(np_dtype), out.imag.astype(np_dtype)

    def fft_ref(x):
        out = np.fft.fft(x[0].astype("float32") + 1j * x[1].astype("float32"))
        return out.real.astype(np_dtype), out.imag.astype(np_dtype)

    check_op(m.rfft, rfft_ref, x, dtype=[dtype, dtype], rtol=2e-2, atol=5e-2)
    check_op(m.fft, fft_ref, (x, x), dtype=[dtype, dtype], rtol=2e-2, atol=5e-2)


def test_rfft_of_ints_is_float():
    check_op(m.rfft, lambda x: (np.real(np.fft.rfft(x)).astype("float32"),
                                np.imag(np.fft.rfft(x)).astype("float32")),
             np.arange(6, dtype="int32"), dtype=["float32", "float32"], atol=1e-5)


# -- STFT -----------------------------------------------------------------------------------


def _window(window, sequence_length, fft_length, dtype):
    left = (fft_length - sequence_length) // 2
    right = fft_length - sequence_length - left
    if window is None:
        return None
    if isinstance(window, str):
        window = scipy.signal.get_window(window, sequence_length)
    return np.pad(np.asarray(window, dtype), (left, right))


def _stft_reference(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Keras' reference: scipy.signal.stft with the window padded to fft_length, unscaled."""
    if center:
        pad = [(0, 0)] * (x.ndim - 1) + [(fft_length // 2, fft_length // 2)]
        x = np.pad(x, pad, mode="reflect")
    win = _window(window, sequence_length, fft_length, x.dtype)
    if win is None:
        win = np.ones(fft_length, x.dtype)
    out = scipy.signal.stft(x, fs=1.0, window=win, nperseg=fft_length,
                            noverlap=fft_length - sequence_stride, nfft=fft_length,
                            boundary=None, padded=False)[-1]
    out = np.swapaxes(out * win.sum(), -2, -1)
    return np.real(out).astype(x.dtype), np.imag(out).astype(x.dtype)


def _istft_reference(x, sequence_length, sequence_stride, fft_length, length=None,
                     window="hann", center=True):
    """Keras' NumPy backend: scipy.signal.istft, rescaled, then cropped."""
    spectrum = x[0] + 1j * x[1]
    dtype = x[0].dtype
    win = _window(window, sequence_length, fft_length, dtype)
    if win is None:
        win = np.ones(fft_length, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's NOLA warning for windows that vanish
        out = scipy.signal.istft(spectrum, fs=1.0, window=win, nperseg=fft_length,
                                 noverlap=fft_length - sequence_stride, nfft=fft_length,
                                 boundary=False, time_axis=-2, freq_axis=-1)[-1]
    out = out / win.sum() if window is not None else out / sequence_stride
    total = fft_length + sequence_stride * (spectrum.shape[-2] - 1)
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else (total - start)
    out = out[..., start:end]
    if length is not None and out.shape[-1] < length:
        out = np.concatenate([out, np.zeros(out.shape[:-1] + (length - out.shape[-1],))], -1)
    return out.astype(dtype)


STFT_CASES = [
    (32, 8, 32, "hann", True),
    (8, 8, 16, "hann", True),
    (4, 4, 7, "hann", True),
    (32, 8, 32, "hamming", True),
    (32, 8, 32, "hann", False),
    (8, 4, 8, "hann", False),
    (32, 8, 32, np.ones((32,)), True),
    (32, 8, 32, None, True),
    (1, 1, 1, "hann", True),
]


@pytest.mark.parametrize("sequence_length, sequence_stride, fft_length, window, center",
                         STFT_CASES)
def test_stft(sequence_length, sequence_stride, fft_length, window, center):
    args = (sequence_length, sequence_stride, fft_length, window, center)
    x = rng.random((2, 3, 64))
    check_op(m.stft, _stft_reference, x, *args, dtype=["float64", "float64"])
    check_op(m.stft, _stft_reference, x[0, 0].astype("float32"), *args,
             dtype=["float32", "float32"], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("sequence_length, sequence_stride, fft_length, window, center",
                         STFT_CASES)
def test_istft(sequence_length, sequence_stride, fft_length, window, center):
    x = rng.random((2, 3, 64))
    spectrum = _stft_reference(x, sequence_length, sequence_stride, fft_length, window, center)
    kwargs = {"window": window, "center": center}
    check_op(m.istft, _istft_reference, spectrum, sequence_length, sequence_stride, fft_length,
             kwargs=kwargs, dtype="float64", atol=1e-6)
    check_op(m.istft, _istft_reference, spectrum, sequence_length, sequence_stride, fft_length,
             kwargs=dict(kwargs, length=50), dtype="float64", atol=1e-6)


def test_stft_istft_roundtrip():
    x = rng.random((3, 100))
    spectrum = m.stft(x, 16, 4, 16)
    back = np.asarray(m.istft(spectrum, 16, 4, 16, length=100))
    np.testing.assert_allclose(back[:, 8:-8], x[:, 8:-8], atol=1e-6)
    assert np.asarray(m.istft(spectrum, 16, 4, 16, length=120)).shape == (3, 120)


def test_stft_errors():
    x = np.ones(32, "float32")
    with pytest.raises(ValueError, match=r'"hann" or "hamming".*window=\'triangle\''):
        m.stft(x, 8, 4, 8, window="triangle")
    with pytest.raises(ValueError, match=r"shape of `window`.*\(8,\).*\(9,\)"):
        m.stft(x, 8, 4, 8, window=np.ones(9))
    with pytest.raises(ValueError, match="fft_length` must be >= `sequence_length"):
        m.stft(x, 8, 4, 4)
    with pytest.raises(ValueError, match="sequence_stride"):
        m.stft(x, 8, 0, 8)
    with pytest.raises(TypeError, match="float32 or float64.*int32"):
        m.stft(np.ones(32, "int32"), 8, 4, 8)
    with pytest.raises(ValueError, match="rank >= 2"):
        m.istft((KerasTensor((5,)), KerasTensor((5,))), 8, 4, 8)
    assert m.stft(KerasTensor((2, None)), 8, 4, 16)[0].shape == (2, None, 9)


# -- elementwise special functions ----------------------------------------------------------

UNARY = [(m.erf, scipy.special.erf), (m.erfc, scipy.special.erfc),
         (m.rsqrt, lambda x: 1 / np.sqrt(x))]


@pytest.mark.parametrize("op, ref", UNARY, ids=["erf", "erfc", "rsqrt"])
def test_unary_special(op, ref):
    positive = np.abs(A) + 0.1
    check_op(op, lambda x: ref(x).astype(x.dtype), positive, dtype="float32", rtol=1e-5)
    check_op(op, ref, positive.astype("float64"), dtype="float64", rtol=1e-6)
    check_op(op, lambda x: ref(x.astype("float32")).astype("float32"),
             np.array([1, 2, 4], "int32"), dtype="float32")
    check_op(op, lambda x: ref(x).astype("float32"), SPECIAL, rtol=1e-5)


def test_erfinv():
    x = np.array([-0.99, -0.5, -0.1, 0.0, 0.3, 0.9, 1.0, -1.0, 2.0, np.nan], "float32")
    check_op(m.erfinv, lambda x: scipy.special.erfinv(x).astype("float32"), x, dtype="float32",
             rtol=1e-5)
    check_op(m.erfinv, scipy.special.erfinv, x.astype("float64"), dtype="float64", rtol=1e-6)


def test_gammainc():
    a = np.array([0.5, 1.0, 3.0], "float32")
    x = np.abs(A[:, :3]) + 0.1
    check_op(m.gammainc, lambda a, x: scipy.special.gammainc(a, x).astype("float32"), a, x,
             dtype="float32", rtol=1e-5)


def test_logdet():
    x = rng.normal(size=(3, 4, 4))
    spd = x @ np.swapaxes(x, -1, -2) + 4 * np.eye(4)
    check_op(m.logdet, lambda x: np.linalg.slogdet(x)[1], spd, dtype="float64")
    check_op(m.logdet, lambda x: np.linalg.slogdet(x)[1].astype("float32"),
             spd[0].astype("float32"), dtype="float32", rtol=1e-5)
    with pytest.raises(ValueError, match=r"square.*\(3, 4\)"):
        m.logdet(A)


# -- complex views --------------------------------------------------------------------------


def test_view_as_complex_and_real():
    pairs = rng.normal(size=(3, 4, 2)).astype("float32")
    out = check_op(m.view_as_complex, lambda x: (x[..., 0] + 1j * x[..., 1]).astype("complex64"),
                   pairs, dtype="complex64")
    check_op(m.view_as_real, lambda z: np.stack([z.real, z.imag], -1), out, dtype="float32")
    z128 = (pairs[..., 0] + 1j * pairs[..., 1]).astype("complex128")
    check_op(m.view_as_real, lambda z: np.stack([z.real, z.imag], -1), z128, dtype="float64")
    check_op(m.view_as_real, lambda x: np.stack([x, np.zeros_like(x)], -1), A, dtype="float32")
    with pytest.raises(ValueError, match=r"size 2.*\(3, 4\)"):
        m.view_as_complex(A)


# -- compiled and differentiated (jax) ------------------------------------------------------


@pytest.mark.skipif(BACKEND != "jax", reason="jit and grad are the jax backend's")
def test_jit_and_grad_on_jax():
    import jax

    x = rng.random((2, 64)).astype("float32")
    stft = jax.jit(lambda x: m.stft(x, 16, 4, 16))
    np.testing.assert_allclose(np.asarray(stft(x)[0]), np.asarray(m.stft(x, 16, 4, 16)[0]),
                               rtol=1e-5, atol=1e-5)
    back = jax.jit(lambda r, i: m.istft((r, i), 16, 4, 16, length=64))(*stft(x))
    np.testing.assert_allclose(np.asarray(back)[:, 8:-8], x[:, 8:-8], atol=1e-5)
    ids = np.array([0, 1, 1, 2], "int32")
    summed = jax.jit(lambda d: m.segment_sum(d, ids, num_segments=3))(np.ones((4, 2), "float32"))
    np.testing.assert_array_equal(np.asarray(summed), [[1, 1], [2, 2], [1, 1]])
    with pytest.raises(ValueError, match="num_segments` must be given inside a compiled"):
        jax.jit(lambda d, s: m.segment_max(d, s))(np.ones(4, "float32"), ids)
    grad = jax.grad(lambda x: m.logsumexp(x))(np.zeros(4, "float32"))
    np.testing.assert_allclose(np.asarray(grad), np.full(4, 0.25), rtol=1e-6)
    grad = jax.grad(lambda x: m.top_k(x, 2)[0].sum())(np.array([1.0, 3.0, 2.0], "float32"))
    np.testing.assert_array_equal(np.asarray(grad), [0, 1, 1])


# -- empty inputs and docstring examples ----------------------------------------------------


def test_empty_inputs():
    empty = np.zeros((0, 5), "float32")
    check_op(m.top_k, lambda x, k: (np.zeros((0, 2), "float32"), np.zeros((0, 2), "int32")),
             empty, 2)
    check_op(m.segment_sum, lambda d, s, num_segments: np.zeros((2, 5), "float32"), empty,
             np.zeros((0,), "int32"), kwargs={"num_segments": 2})
    check_op(m.logsumexp, _logsumexp, empty, kwargs={"axis": 0})
    check_op(m.cdist, _cdist, empty, np.ones((2, 5), "float32"))
    check_op(m.extract_sequences, _extract_sequences, np.zeros((0, 10), "float32"), 3, 2)
    check_op(m.fft, _complex_ref(np.fft.fft), (empty, empty))
    check_op(m.in_top_k, _in_top_k_reference, np.zeros((0,), "int32"), empty, 1)
    check_op(m.erf, scipy.special.erf, empty)


def _run_examples(module, namespace):
    ran = 0
    for name, function in vars(module).items():
        if name.startswith("_") or not callable(function) or not function.__doc__:
            continue
        if getattr(function, "__module__", None) != module.__name__:
            continue
        for line in function.__doc__.splitlines():
            line = line.strip()
            if line.startswith(">>> "):
                eval(line[4:], dict(namespace))  # noqa: S307 - our own docstrings
                ran += 1
    return ran


def test_docstring_examples_run():
    import types

    ops = types.SimpleNamespace(**api_export.REGISTRY["lamina.ops"])
    assert _run_examples(m, {"ops": ops, "np": np}) >= 20
