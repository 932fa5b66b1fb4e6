"""Encodings, CTC, attention, patches and rearrangements of `lamina.ops.nn` against NumPy."""

import itertools
import math

import numpy as np
import pytest

from lamina import ops
from lamina.backend import standardize_dtype
from lamina.backend.common.keras_tensor import KerasTensor
from tests.conftest import only_on
from tests.ops.harness import check_op

rng = np.random.default_rng(0)


# -- encodings --------------------------------------------------------------------------------


def test_one_hot():
    x = np.array([[0, 2], [1, 3]], "int32")
    check_op(ops.one_hot, lambda v, n: np.eye(n, dtype="float32")[v], x, 4, dtype="float32")
    check_op(ops.one_hot, lambda v, n, axis, dtype: np.moveaxis(np.eye(n)[v], -1, 0).astype(dtype),
             x, 4, kwargs={"axis": 0, "dtype": "int32"}, dtype="int32")
    # Out-of-range and negative ids give all-zero rows.
    check_op(ops.one_hot, lambda v, n: np.zeros((2, n), "float32"), np.array([-1, 5]), 3)


def test_multi_hot():
    def ref(v, num_classes, **kw):
        v = np.atleast_2d(v)
        out = np.zeros((v.shape[0], num_classes), "float32")
        for i, row in enumerate(v):
            out[i, row] = 1
        return out if np.ndim(v) > 1 and kw.get("flat") is None else out

    batch = np.array([[0, 2, 2], [1, 1, 4]], "int32")
    check_op(ops.multi_hot, ref, batch, 5, dtype="float32")
    check_op(ops.multi_hot, lambda v, num_classes: ref(v, num_classes)[0], np.array([0, 4]),
             kwargs={"num_classes": 5}, none_first=False)
    check_op(ops.multi_hot, lambda v, num_tokens: ref(v, num_tokens), batch,
             kwargs={"num_tokens": 5})
    with pytest.raises(ValueError, match="multi_hot: argument `num_classes` must be specified"):
        ops.multi_hot(batch)


# -- CTC ----------------------------------------------------------------------------------------


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def ctc_brute_force(target, output, target_length, output_length, mask_index=0):
    """-log of the summed probability of every alignment that collapses to the target."""
    losses = []
    for b in range(output.shape[0]):
        probs = _softmax(output[b, : output_length[b]].astype("float64"))
        label = tuple(target[b, : target_length[b]])
        total = 0.0
        for path in itertools.product(range(output.shape[2]), repeat=len(probs)):
            collapsed = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            if tuple(c for c in collapsed if c != mask_index) == label:
                total += np.prod(probs[np.arange(len(path)), path])
        losses.append(-np.log(total))
    return np.array(losses, "float32")


def test_ctc_loss():
    output = rng.normal(size=(4, 5, 3)).astype("float32")
    target = np.array([[1, 2, 0], [1, 1, 0], [2, 0, 0], [1, 2, 1]], "int32")
    target_length = np.array([2, 2, 1, 3], "int32")
    output_length = np.array([5, 4, 5, 5], "int32")
    check_op(ops.ctc_loss, ctc_brute_force, target, output, target_length, output_length,
             rtol=1e-4, dtype="float32")
    # Another blank class.
    target2 = np.array([[0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0]], "int32")
    check_op(ops.ctc_loss, ctc_brute_force, target2, output, target_length, output_length,
             kwargs={"mask_index": 2}, rtol=1e-4)
    with pytest.raises(ValueError, match="ctc_loss: `target` and `output` must have the same"):
        ops.ctc_loss(KerasTensor((2, 3)), KerasTensor((3, 5, 4)), KerasTensor((2,)),
                     KerasTensor((2,)))


def greedy_reference(inputs, lengths, merge_repeated=True, mask_index=0):
    batch, steps, _ = inputs.shape
    paths = -np.ones((1, batch, steps), "int32")
    scores = np.zeros((batch, 1), "float32")
    for b in range(batch):
        best = inputs[b, : lengths[b]].argmax(-1)
        scores[b, 0] = -inputs[b, : lengths[b]].max(-1).sum()
        decoded = [c for i, c in enumerate(best)
                   if c != mask_index and not (merge_repeated and i > 0 and c == best[i - 1])]
        paths[0, b, : len(decoded)] = decoded
    return paths, scores


def test_ctc_decode_greedy():
    inputs = np.log(np.array([
        [[0.1, 0.8, 0.1], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1]],
        [[0.8, 0.1, 0.1], [0.1, 0.1, 0.8], [0.1, 0.1, 0.8], [0.1, 0.8, 0.1], [0.8, 0.1, 0.1]],
    ], "float32"))
    lengths = np.array([5, 4], "int32")
    paths, _ = check_op(ops.ctc_decode, greedy_reference, inputs, lengths, rtol=1e-5,
                        dtype=["int32", "float32"])
    np.testing.assert_array_equal(paths[0], [[1, 2, 1, -1, -1], [2, 1, -1, -1, -1]])
    check_op(ops.ctc_decode, greedy_reference, inputs, lengths,
             kwargs={"merge_repeated": False, "mask_index": 2}, rtol=1e-5)
    noisy = rng.normal(size=(3, 6, 4)).astype("float32")
    check_op(ops.ctc_decode, greedy_reference, noisy, np.array([6, 3, 0], "int32"), rtol=1e-5)


def test_ctc_decode_beam_search():
    output = rng.normal(size=(2, 4, 3)).astype("float32")
    lengths = np.array([4, 3], "int32")
    paths, scores = ops.ctc_decode(output, lengths, strategy="beam_search", beam_width=50,
                                   top_paths=2)
    assert paths.shape == (2, 2, 4) and scores.shape == (2, 2)
    # With a beam wider than every prefix, the best path is the most probable labelling.
    for b in range(2):
        probs = _softmax(output[b, : lengths[b]].astype("float64"))
        totals = {}
        for path in itertools.product(range(3), repeat=int(lengths[b])):
            collapsed = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
            label = tuple(c for c in collapsed if c != 0)
            totals[label] = totals.get(label, 0) + np.prod(probs[np.arange(len(path)), path])
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:2]
        for k, (label, p) in enumerate(ranked):
            assert tuple(paths[k, b][paths[k, b] >= 0]) == label
            np.testing.assert_allclose(scores[b, k], np.log(p), rtol=1e-5)


def test_ctc_decode_rule():
    paths, scores = ops.ctc_decode(KerasTensor((None, 7, 5)), KerasTensor((None,), "int32"),
                                   strategy="beam_search", top_paths=3)
    assert paths.shape == (3, None, 7) and paths.dtype == "int32"
    assert scores.shape == (None, 3) and scores.dtype == "float32"
    with pytest.raises(ValueError, match="ctc_decode: `strategy` must be 'greedy' or"):
        ops.ctc_decode(KerasTensor((None, 7, 5)), KerasTensor((None,)), strategy="best")


# -- attention --------------------------------------------------------------------------------


def attention_reference(q, k, v, bias=None, mask=None, scale=None, is_causal=False,
                        attn_logits_soft_cap=None):
    heads, kv_heads = q.shape[2], k.shape[2]
    k = np.repeat(k, heads // kv_heads, axis=2).astype("float64")
    v = np.repeat(v, heads // kv_heads, axis=2).astype("float64")
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q.astype("float64"), k) * scale
    if bias is not None:
        logits = logits + bias
    if attn_logits_soft_cap is not None:
        logits = logits / (1 + np.abs(logits) / attn_logits_soft_cap)
    allowed = np.ones(logits.shape, bool)
    if mask is not None:
        allowed &= mask
    if is_causal:
        allowed &= np.tril(np.ones(logits.shape[-2:], bool))
    logits = np.where(allowed, logits, -1e30)
    return np.einsum("bnts,bsnh->btnh", _softmax(logits), v)


def test_dot_product_attention():
    q = rng.normal(size=(2, 4, 4, 8)).astype("float32")
    k = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    v = rng.normal(size=(2, 5, 4, 6)).astype("float32")
    check_op(ops.dot_product_attention, attention_reference, q, k, v, rtol=1e-4, atol=1e-5,
             dtype="float32")
    bias = rng.normal(size=(1, 4, 4, 5)).astype("float32")
    mask = rng.uniform(size=(2, 1, 4, 5)) > 0.3
    mask[..., 0] = True
    check_op(ops.dot_product_attention, attention_reference, q, k, v,
             kwargs={"bias": bias, "mask": mask, "scale": 0.5}, rtol=1e-4, atol=1e-5)
    check_op(ops.dot_product_attention, attention_reference, q, k[:, :4], v[:, :4],
             kwargs={"is_causal": True, "attn_logits_soft_cap": 2.0}, rtol=1e-4, atol=1e-5)
    # A (batch, query_time, key_time) mask applies to every head (query_time 3 != 4 heads).
    check_op(ops.dot_product_attention,
             lambda *a, mask: attention_reference(*a, mask=mask[:, None]), q[:, :3], k, v,
             kwargs={"mask": mask[:, 0, :3]}, rtol=1e-4, atol=1e-5)
    # Grouped-query attention: 4 query heads share 2 key/value heads.
    check_op(ops.dot_product_attention, attention_reference, q, k[:, :, :2], v[:, :, :2],
             rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="dot_product_attention: `query`, `key` and `value` must"):
        ops.dot_product_attention(KerasTensor((2, 3, 4)), KerasTensor((2, 3, 4)),
                                  KerasTensor((2, 3, 4)))


# -- patches and rearrangements -------------------------------------------------------------------


def unfold_reference(x, kernel_size, dilation=1, padding=0, stride=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(pair, (kernel_size, dilation, padding, stride))
    x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, h, w = x.shape
    out_h, out_w = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c * kh * kw, out_h * out_w), x.dtype)
    for ch, i, j in itertools.product(range(c), range(kh), range(kw)):
        for oy, ox in itertools.product(range(out_h), range(out_w)):
            out[:, ch * kh * kw + i * kw + j, oy * out_w + ox] = x[:, ch, oy * sh + i * dh,
                                                                   ox * sw + j * dw]
    return out


def fold_reference(cols, output_size, kernel_size, dilation=1, padding=0, stride=1):
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    (oh, ow), (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(
        pair, (output_size, kernel_size, dilation, padding, stride))
    n, ckk, _ = cols.shape
    c = ckk // (kh * kw)
    h, w = oh + 2 * ph, ow + 2 * pw
    out_h, out_w = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, c, h, w), cols.dtype)
    for ch, i, j in itertools.product(range(c), range(kh), range(kw)):
        for oy, ox in itertools.product(range(out_h), range(out_w)):
            out[:, ch, oy * sh + i * dh, ox * sw + j * dw] += cols[:, ch * kh * kw + i * kw + j,
                                                                   oy * out_w + ox]
    return out[:, :, ph:h - ph, pw:w - pw]


@pytest.mark.parametrize("kwargs", [
    {"kernel_size": 2},
    {"kernel_size": (3, 2), "stride": 2},
    {"kernel_size": 2, "dilation": 2, "padding": 1},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": (1, 0)},
])
def test_unfold_and_fold(kwargs):
    x = rng.normal(size=(2, 3, 6, 5)).astype("float32")
    cols = check_op(ops.unfold, unfold_reference, x, kwargs=kwargs)
    check_op(ops.fold, fold_reference, cols, (6, 5), kwargs=kwargs, rtol=1e-5, atol=1e-6)


def test_fold_errors():
    with pytest.raises(ValueError, match=r"fold: axis 1 of `x` \(5\) must be divisible"):
        ops.fold(KerasTensor((None, 5, 4)), (4, 4), 2)
    with pytest.raises(ValueError, match="unfold: `x` must be 4D"):
        ops.unfold(KerasTensor((None, 5, 4)), 2)


def depth_to_space_reference(x, block_size, data_format="channels_last"):
    b = block_size
    if data_format == "channels_first":
        n, c, h, w = x.shape
        out = np.zeros((n, c // (b * b), h * b, w * b), x.dtype)
        for ch, i, j in itertools.product(range(c // (b * b)), range(b), range(b)):
            out[:, ch, i::b, j::b] = x[:, ch * b * b + i * b + j]
        return out
    n, h, w, c = x.shape
    out = np.zeros((n, h * b, w * b, c // (b * b)), x.dtype)
    for ch, i, j in itertools.product(range(c // (b * b)), range(b), range(b)):
        out[:, i::b, j::b, ch] = x[..., (i * b + j) * (c // (b * b)) + ch]
    return out


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_to_space_and_back(data_format):
    shape = (2, 3, 4, 8) if data_format == "channels_last" else (2, 8, 3, 4)
    x = rng.normal(size=shape).astype("float32")
    y = check_op(ops.depth_to_space, depth_to_space_reference, x, 2,
                 kwargs={"data_format": data_format})
    check_op(ops.space_to_depth, lambda v, b, data_format: x, y, 2,
             kwargs={"data_format": data_format})
    ints = np.arange(2 * 4 * 6 * 9).reshape(2, 4, 6, 9).astype("int32")
    if data_format == "channels_first":
        ints = ints.reshape(2, 9, 4, 6)
    check_op(ops.depth_to_space, depth_to_space_reference, ints, 3,
             kwargs={"data_format": data_format}, dtype="int32")
    with pytest.raises(ValueError, match="block_size` must be an int >= 2"):
        ops.space_to_depth(x, 1)
    with pytest.raises(ValueError, match=r"space_to_depth: the height \(3\) must be divisible"):
        ops.space_to_depth(KerasTensor((None, 3, 4, 2)), 2)


# -- compiled and differentiated (jax) -------------------------------------------------------------


@only_on("jax", reason="checks jax.jit and jax.grad through the ops")
def test_nn_ops_jit_and_grad():
    import jax
    import jax.numpy as jnp

    x = jnp.asarray(rng.normal(size=(2, 6, 6, 4)).astype("float32"))
    kernel = jnp.asarray(rng.normal(size=(3, 3, 4, 2)).astype("float32"))
    losses = {
        "conv": lambda x: ops.conv(x, kernel, 2, "same").sum(),
        "conv_transpose": lambda x: ops.conv_transpose(x, kernel.transpose(0, 1, 3, 2), 2).sum(),
        "pools": lambda x: ops.max_pool(x, 2).sum() + ops.average_pool(x, 3, 2, "same").sum(),
        "adaptive": lambda x: ops.adaptive_max_pool(x, 4).sum() + ops.adaptive_average_pool(x, 4).sum(),
        "attention": lambda x: ops.dot_product_attention(x, x, x, is_causal=True).sum(),
        "norms": lambda x: ops.layer_normalization(x).sum() + ops.rms_normalization(x).sum(),
        "ctc": lambda x: ops.ctc_loss(jnp.ones((2, 2), "int32"), x[:, :, 0], jnp.array([2, 1]),
                                      jnp.array([6, 5])).sum(),
        "sparsemax": lambda x: (ops.sparsemax(x) ** 2).sum(),
        "fold": lambda x: ops.fold(ops.unfold(x, 2), (6, 4), 2).sum(),
    }
    for name, loss in losses.items():
        value, grad = jax.jit(jax.value_and_grad(loss))(x)
        if name in ("conv", "ctc"):  # eager ops are slow to dispatch: compare two only
            np.testing.assert_allclose(value, loss(x), rtol=1e-5, err_msg=name)
        assert np.isfinite(np.asarray(value)) and np.isfinite(np.asarray(grad)).all(), name
    # Beam search runs on the host, also inside jit.
    decode = jax.jit(lambda x: ops.ctc_decode(x[:, :, 0], jnp.array([6, 5]),
                                              strategy="beam_search", top_paths=2))
    eager = ops.ctc_decode(x[:, :, 0], np.array([6, 5]), strategy="beam_search", top_paths=2)
    np.testing.assert_array_equal(decode(x)[0], eager[0])


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 4, 3)])
def test_dense_is_matmul_plus_bias(rng, x_shape):
    x = rng.normal(size=x_shape).astype("float32")
    kernel = rng.normal(size=(3, 5)).astype("float32")
    bias = rng.normal(size=(5,)).astype("float32")
    check_op(ops.nn.dense, lambda a, k, b: a @ k + b, x, kernel, bias,
             rtol=1e-5, atol=1e-6)


def test_dense_with_mixed_dtypes_follows_matmul_and_add(rng):
    x = rng.integers(-3, 3, size=(4, 3)).astype("int32")
    kernel = rng.normal(size=(3, 2)).astype("float64")
    bias = np.ones((2,), "float32")
    out = ops.nn.dense(x, kernel, bias)
    expected = ops.add(ops.matmul(x, kernel), bias)
    assert standardize_dtype(out.dtype) == standardize_dtype(
        expected.dtype)
    np.testing.assert_allclose(ops.convert_to_numpy(out), x @ kernel + bias, rtol=1e-6)
