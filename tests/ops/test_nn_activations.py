"""Activations, losses and normalization ops of `lamina.ops.nn` against NumPy formulas."""

import math

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(0)
X = (rng.normal(size=(3, 5)) * 3).astype("float32")
SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0, 1.0, -0.5, 0.5, 20.0, -20.0], "float32")
EMPTY = np.zeros((0, 4), "float32")
INTS = np.array([[-3, -1, 0, 1, 4]], "int32")


def _sigmoid(x):
    return 1 / (1 + np.exp(-x.astype("float64")))


def _softplus(x):
    return np.logaddexp(0, x.astype("float64"))


def _elu(x, alpha=1.0):
    x = x.astype("float64")
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

ACTIVATIONS = [
    (ops.relu, lambda x: np.maximum(x, 0)),
    (ops.relu6, lambda x: np.minimum(np.maximum(x, 0), 6)),
    (ops.sigmoid, _sigmoid),
    (ops.sparse_sigmoid, lambda x: np.clip((x + 1) / 2, 0, 1)),
    (ops.softplus, _softplus),
    (ops.softsign, lambda x: x / (1 + np.abs(x))),
    (ops.sparse_plus, lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    (ops.silu, lambda x: x * _sigmoid(x)),
    (ops.swish, lambda x: x * _sigmoid(x)),
    (ops.log_sigmoid, lambda x: -_softplus(-x)),
    (ops.hard_sigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    (ops.hard_silu, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    (ops.hard_swish, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    (ops.elu, _elu),
    (ops.selu, lambda x: SELU_SCALE * _elu(x, SELU_ALPHA)),
    (ops.tanh_shrink, lambda x: x - np.tanh(x)),
    (ops.hard_tanh, lambda x: np.clip(x, -1, 1)),
    (ops.squareplus, lambda x: (x + np.sqrt(x.astype("float64") ** 2 + 4)) / 2),
    (ops.leaky_relu, lambda x: np.where(x >= 0, x, 0.2 * x)),
    (ops.celu, lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x.astype("float64")))),
    (ops.hard_shrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    (ops.soft_shrink, lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
]


@pytest.mark.parametrize("op, ref", ACTIVATIONS, ids=lambda f: getattr(f, "__name__", ""))
@pytest.mark.parametrize("x", [X, EMPTY, X.astype("float64")], ids=["f32", "empty", "f64"])
def test_activation_values(op, ref, x):
    check_op(op, lambda v: ref(v).astype(v.dtype), x, dtype=str(x.dtype), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op, ref", ACTIVATIONS, ids=lambda f: getattr(f, "__name__", ""))
def test_activation_special_values(op, ref):
    # Infinities and NaN propagate as the formula says (no spurious NaN from inf - inf).
    got = check_op(op, None, SPECIAL)
    with np.errstate(all="ignore"):
        want = ref(SPECIAL).astype("float32")
    finite = ~np.isnan(want)
    if op in (ops.silu, ops.swish, ops.hard_silu, ops.hard_swish, ops.tanh_shrink,
              ops.squareplus):
        finite &= np.isfinite(SPECIAL)  # x * f(x) and x - tanh(x) at infinity differ by library
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-5, atol=1e-6)
    assert np.isnan(got[0]) == np.isnan(want[0])


@pytest.mark.parametrize("op", [a for a, _ in ACTIVATIONS], ids=lambda f: f.__name__)
def test_activation_ints_give_floatx(op):
    got = check_op(op, None, INTS, dtype="float32")
    assert got.shape == INTS.shape


def test_activation_arguments():
    check_op(ops.leaky_relu, lambda x, negative_slope: np.where(x >= 0, x, negative_slope * x),
             X, kwargs={"negative_slope": 0.01})
    check_op(ops.elu, lambda x, alpha: _elu(x, alpha).astype("float32"), X, kwargs={"alpha": 0.5})
    check_op(ops.celu, lambda x, alpha: (np.maximum(x, 0) + np.minimum(0, alpha * np.expm1(x / alpha))),
             X, kwargs={"alpha": 2.0})
    check_op(ops.squareplus, lambda x, b: (x + np.sqrt(x * x + b)) / 2, X, kwargs={"b": 1.0})
    check_op(ops.hard_shrink, lambda x, threshold: np.where(np.abs(x) > threshold, x, 0), X,
             kwargs={"threshold": 2.0})
    check_op(ops.soft_shrink,
             lambda x, threshold: np.sign(x) * np.maximum(np.abs(x) - threshold, 0), X,
             kwargs={"threshold": 1.0})
    check_op(ops.threshold, lambda x, t, d: np.where(x > t, x, d), X, 0.5, -3.0, dtype="float32")


def test_gelu():
    from scipy.special import erf

    x = X.astype("float64")
    exact = 0.5 * x * (1 + erf(x / math.sqrt(2)))
    tanh_form = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    check_op(ops.gelu, lambda v: tanh_form, X, atol=1e-5)
    check_op(ops.gelu, lambda v, approximate: exact, X, kwargs={"approximate": False}, atol=1e-5)


def test_glu():
    x = rng.normal(size=(2, 6, 4)).astype("float32")
    check_op(ops.glu, lambda v: v[..., :2] * _sigmoid(v[..., 2:]), x, atol=1e-6)
    check_op(ops.glu, lambda v, axis: v[:, :3] * _sigmoid(v[:, 3:]), x, kwargs={"axis": 1})
    with pytest.raises(ValueError, match="glu: axis 1 of `x` must have an even size"):
        ops.glu(KerasTensor((None, 3)))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def test_softmax_family():
    check_op(ops.softmax, _softmax, X)
    check_op(ops.softmax, lambda x, axis: _softmax(x, axis), X, kwargs={"axis": 0})
    check_op(ops.softmax, lambda x, axis: _softmax(x, axis), X, kwargs={"axis": (0, 1)})
    check_op(ops.log_softmax, lambda x, axis: np.log(_softmax(x, axis)), X, kwargs={"axis": -2},
             atol=1e-5)
    big = np.array([[1000.0, 0.0, -1000.0]], "float32")
    check_op(ops.log_softmax, lambda x: x - 1000.0, big)
    with pytest.raises(ValueError, match="out of bounds"):
        ops.softmax(KerasTensor((2, 3)), axis=2)


def _sparsemax(z):
    out = np.zeros_like(z)
    for index in np.ndindex(z.shape[:-1]):
        v = z[index].astype("float64")
        s = np.sort(v)[::-1]
        k = np.arange(1, len(v) + 1)
        support = 1 + k * s > np.cumsum(s)
        k_max = k[support].max()
        tau = (s[:k_max].sum() - 1) / k_max
        out[index] = np.maximum(v - tau, 0)
    return out


def test_sparsemax():
    got = check_op(ops.sparsemax, _sparsemax, X, atol=1e-6)
    np.testing.assert_allclose(got.sum(-1), 1, rtol=1e-5)
    check_op(ops.sparsemax, lambda x, axis: np.moveaxis(_sparsemax(np.moveaxis(x, 0, -1)), -1, 0),
             X, kwargs={"axis": 0}, atol=1e-6)
    check_op(ops.sparsemax, lambda x: np.array([0.0, 0.0, 1.0]), np.array([-1.0, 0.0, 1.0]))


# -- losses -----------------------------------------------------------------------------------

EPS = 1e-7


def test_binary_crossentropy():
    target = rng.integers(0, 2, size=(4, 3)).astype("float32")
    probs = rng.uniform(size=(4, 3)).astype("float32")
    probs[0, 0], probs[0, 1] = 0.0, 1.0  # clipped to [eps, 1 - eps]

    def ref(t, p, from_logits=False):
        if from_logits:
            p = _sigmoid(p)
        # Clip in float32, as the op does, then compute in float64.
        p = np.clip(p, np.float32(EPS), np.float32(1 - EPS)).astype("float64")
        return -(t * np.log(p) + (1 - t) * np.log(1 - p))

    check_op(ops.binary_crossentropy, ref, target, probs, rtol=1e-4, atol=1e-5)
    logits = (rng.normal(size=(4, 3)) * 3).astype("float32")
    check_op(ops.binary_crossentropy, ref, target, logits, kwargs={"from_logits": True}, atol=1e-5)
    # Large logits stay finite.
    got = check_op(ops.binary_crossentropy, None, np.array([1.0, 0.0], "float32"),
                   np.array([-200.0, 200.0], "float32"), kwargs={"from_logits": True})
    np.testing.assert_allclose(got, [200.0, 200.0])
    with pytest.raises(ValueError, match="binary_crossentropy: arguments `target` and `output`"):
        ops.binary_crossentropy(KerasTensor((None, 3)), KerasTensor((None, 4)))


def test_categorical_crossentropy():
    target = np.eye(4, dtype="float32")[rng.integers(0, 4, size=5)]
    probs = rng.uniform(0.1, 1, size=(5, 4)).astype("float32")

    def ref(t, p, from_logits=False, axis=-1):
        if from_logits:
            logp = np.log(_softmax(p.astype("float64"), axis))
        else:
            p = p / p.sum(axis=axis, keepdims=True)
            logp = np.log(np.clip(p, EPS, 1 - EPS))
        return -(t * logp).sum(axis=axis)

    check_op(ops.categorical_crossentropy, ref, target, probs, rtol=1e-5)
    check_op(ops.categorical_crossentropy, ref, target, probs * 3, kwargs={"from_logits": True},
             rtol=1e-5)
    check_op(ops.categorical_crossentropy, ref, target.T.copy(), probs.T.copy(),
             kwargs={"axis": 0}, rtol=1e-5)
    one_hot_perfect = check_op(ops.categorical_crossentropy, None, target, target)
    np.testing.assert_allclose(one_hot_perfect, -np.log(np.float32(1 - EPS)), rtol=1e-3)


def test_sparse_categorical_crossentropy():
    labels = rng.integers(0, 4, size=(5,)).astype("int32")
    logits = rng.normal(size=(5, 4)).astype("float32")

    def ref(t, p, from_logits=False):
        t = t.reshape(-1)
        if from_logits:
            logp = np.log(_softmax(p.astype("float64")))
        else:
            logp = np.log(np.clip(p / p.sum(-1, keepdims=True), EPS, 1 - EPS))
        return -logp[np.arange(len(t)), t]

    check_op(ops.sparse_categorical_crossentropy, ref, labels, logits,
             kwargs={"from_logits": True}, rtol=1e-5)
    probs = _softmax(logits).astype("float32")
    check_op(ops.sparse_categorical_crossentropy, ref, labels, probs, rtol=1e-5)
    check_op(ops.sparse_categorical_crossentropy, ref, labels[:, None], probs, rtol=1e-5)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy: `target` must have"):
        ops.sparse_categorical_crossentropy(KerasTensor((None, 3)), KerasTensor((None, 4)))


# -- normalization ----------------------------------------------------------------------------


def test_moments():
    x = rng.normal(size=(4, 3, 2)).astype("float32")
    check_op(ops.moments, lambda v, axes: (v.mean(axis=tuple(axes)), v.var(axis=tuple(axes))),
             x, [0, 2], rtol=1e-5)
    check_op(ops.moments, lambda v, axes, keepdims: (v.mean(0, keepdims=True), v.var(0, keepdims=True)),
             x, [0], kwargs={"keepdims": True}, rtol=1e-5)
    half = x.astype("float16") * 100  # x**2 overflows float16; the sums run in float32
    got = check_op(ops.moments, None, half, [0, 1, 2], dtype=["float16", "float16"])
    np.testing.assert_allclose(got[1], half.astype("float64").var(), rtol=1e-2)
    huge = check_op(ops.moments, None, half * 10, [0, 1, 2])  # beyond float16: clipped, not inf
    assert huge[1] == np.finfo("float16").max


def test_batch_normalization():
    x = rng.normal(size=(4, 3, 5)).astype("float32")
    mean, var = rng.normal(size=3).astype("float32"), rng.uniform(0.5, 2, size=3).astype("float32")
    offset, scale = rng.normal(size=3).astype("float32"), rng.normal(size=3).astype("float32")

    def ref(v, m, s2, axis, offset=None, scale=None, epsilon=1e-3):
        shape = [1, 3, 1]
        out = (v - m.reshape(shape)) / np.sqrt(s2.reshape(shape) + epsilon)
        if scale is not None:
            out = out * scale.reshape(shape)
        if offset is not None:
            out = out + offset.reshape(shape)
        return out

    check_op(ops.batch_normalization, ref, x, mean, var, 1, rtol=1e-5, atol=1e-5)
    check_op(ops.batch_normalization, ref, x, mean, var, 1,
             kwargs={"offset": offset, "scale": scale, "epsilon": 1e-5}, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="batch_normalization: `mean` must be a vector of length"):
        ops.batch_normalization(KerasTensor((None, 3)), KerasTensor((4,)), KerasTensor((3,)), -1)


def test_normalize():
    x = rng.normal(size=(3, 4)).astype("float32")
    check_op(ops.normalize, lambda v: v / np.linalg.norm(v, axis=-1, keepdims=True), x, rtol=1e-5)
    check_op(ops.normalize, lambda v, axis, order: v / np.abs(v).sum(0, keepdims=True),
             x, kwargs={"axis": 0, "order": 1}, rtol=1e-5)
    zeros = np.zeros((2, 3), "float32")
    check_op(ops.normalize, lambda v: v, zeros)
    with pytest.raises(ValueError, match="normalize: `order` must be an int >= 1"):
        ops.normalize(x, order=0)


def test_rms_normalization():
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    scale = rng.normal(size=(4,)).astype("float32")
    eps = lamina.backend.epsilon()
    check_op(ops.rms_normalization,
             lambda v, scale: v / np.sqrt((v**2).mean(-1, keepdims=True) + eps) * scale,
             x, kwargs={"scale": scale}, rtol=1e-5)
    check_op(ops.rms_normalization,
             lambda v, axis, epsilon: v / np.sqrt((v**2).mean((1, 2), keepdims=True) + epsilon),
             x, kwargs={"axis": (1, 2), "epsilon": 1e-3}, rtol=1e-5)
    check_op(ops.rms_normalization, None, x.astype("float16"), dtype="float16")


def test_layer_normalization():
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    gamma, beta = rng.normal(size=(4,)).astype("float32"), rng.normal(size=(4,)).astype("float32")
    eps = lamina.backend.epsilon()

    def ref(v, gamma=None, beta=None, axis=-1, epsilon=eps, rms_scaling=False):
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        m, s2 = v.mean(axes, keepdims=True), v.var(axes, keepdims=True)
        if rms_scaling:
            return v / np.sqrt(s2 + epsilon) * (1 if gamma is None else gamma)
        out = (v - m) / np.sqrt(s2 + epsilon)
        return out * (1 if gamma is None else gamma) + (0 if beta is None else beta)

    check_op(ops.layer_normalization, ref, x, kwargs={"gamma": gamma, "beta": beta}, rtol=1e-5,
             atol=1e-5)
    check_op(ops.layer_normalization, ref, x, kwargs={"axis": [1, 2]}, rtol=1e-5, atol=1e-5)
    check_op(ops.layer_normalization, ref, x, kwargs={"gamma": gamma, "rms_scaling": True},
             rtol=1e-5, atol=1e-5)
    check_op(ops.layer_normalization,
             lambda v, gamma, axis: ref(v, axis=1) * gamma.reshape(1, 3, 1), x,
             kwargs={"gamma": np.arange(3, dtype="float32"), "axis": 1}, rtol=1e-5, atol=1e-5)


def test_psnr():
    a = rng.uniform(size=(2, 8, 8, 3)).astype("float32")
    b = np.clip(a + rng.normal(scale=0.05, size=a.shape), 0, 1).astype("float32")
    check_op(ops.psnr, lambda x, y, m: 20 * np.log10(m) - 10 * np.log10(((x - y) ** 2).mean()),
             a, b, 1.0, rtol=1e-5, none_first=False)
    with pytest.raises(ValueError, match="psnr: `x1` and `x2` must have the same shape"):
        ops.psnr(a, b[0], 1.0)


def test_polar():
    r, theta = rng.uniform(size=(3, 2)).astype("float32"), rng.normal(size=(3, 2)).astype("float32")
    check_op(ops.polar, lambda a, t: a * np.exp(1j * t), r, theta, dtype="complex64", rtol=1e-5)
    check_op(ops.polar, lambda a, t: a * np.exp(1j * t), r.astype("float64"),
             theta.astype("float64"), dtype="complex128")
