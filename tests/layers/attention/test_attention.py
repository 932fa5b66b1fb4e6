"""Attention layers against NumPy computations of their formulas with the layers' weights."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def softmax(x, mask=None, axis=-1):
    if mask is not None:
        x = np.where(mask, x, -1e9)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    out = e / e.sum(axis=axis, keepdims=True)
    return out if mask is None else np.where(mask, out, 0.0)


@pytest.fixture
def qkv(rng):
    q = rng.normal(size=(2, 3, 4)).astype("float32")
    v = rng.normal(size=(2, 5, 4)).astype("float32")
    k = rng.normal(size=(2, 5, 4)).astype("float32")
    return q, v, k


def test_dot_attention_with_masks(qkv):
    q, v, k = qkv
    q_mask = np.array([[1, 1, 0], [1, 1, 1]], bool)
    v_mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    out, scores = layers.Attention()([q, v, k], mask=[q_mask, v_mask],
                                     return_attention_scores=True)
    weights = softmax(q @ k.transpose(0, 2, 1), v_mask[:, None, :])
    expected = np.where(q_mask[..., None], weights @ v, 0.0)
    np.testing.assert_allclose(np.asarray(scores), weights, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)


def test_scale_concat_and_causal(qkv):
    q, v, _ = qkv
    layer = layers.Attention(use_scale=True, score_mode="concat")
    layer([q, v])
    layer.set_weights([np.array(0.7, "float32"), np.array(1.3, "float32")])
    scores = 1.3 * np.tanh(0.7 * (q[:, :, None, :] + v[:, None, :, :])).sum(-1)
    causal = np.tril(np.ones((3, 5), bool))[None]
    expected = softmax(scores, causal) @ v
    np.testing.assert_allclose(np.asarray(layer([q, v], use_causal_mask=True)), expected,
                               rtol=1e-5, atol=1e-6)
    assert [w.name for w in layer.weights] == ["scale", "concat_score_weight"]


def test_additive_attention(qkv):
    q, v, k = qkv
    layer = layers.AdditiveAttention()
    out = np.asarray(layer([q, v, k]))
    (scale,) = layer.get_weights()
    assert scale.shape == (4,)
    scores = (scale * np.tanh(q[:, :, None, :] + k[:, None, :, :])).sum(-1)
    np.testing.assert_allclose(out, softmax(scores) @ v, rtol=1e-5, atol=1e-6)
    assert "score_mode" not in layer.get_config()


def test_attention_symbolic_config_and_errors(qkv):
    q, v = lamina.Input((3, 4)), lamina.Input((5, 4))
    out, scores = layers.Attention()([q, v], return_attention_scores=True)
    assert out.shape == (None, 3, 4) and scores.shape == (None, 3, 5)
    layer = layers.Attention(use_scale=True, dropout=0.1, seed=2)
    config = layer.get_config()
    assert layers.Attention.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="general")
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Attention()(qkv[0])


def test_attention_dropout_only_in_training(rng):
    q = rng.normal(size=(4, 6, 8)).astype("float32")
    layer = layers.Attention(dropout=0.5, seed=1)
    a = np.asarray(layer([q, q]))
    np.testing.assert_allclose(np.asarray(layer([q, q])), a)
    assert not np.allclose(np.asarray(layer([q, q], training=True)), a)


def np_projection(x, kernel, bias):
    return np.einsum("btd,dnh->btnh", x, kernel) + bias


def np_mha(layer, query, value, key=None, mask=None, causal=False):
    """softmax(Q K^T / sqrt(key_dim)) V per head, then the output projection."""
    key = value if key is None else key
    wq, bq, wk, bk, wv, bv, wo, bo = [np.asarray(w) for w in layer.get_weights()]
    q = np_projection(query, wq, bq)
    k = np_projection(key, wk, bk)
    v = np_projection(value, wv, bv)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(wq.shape[-1])
    full = np.ones(logits.shape, bool)
    if mask is not None:
        full &= mask[:, None]
    if causal:
        full &= np.tril(np.ones(logits.shape[-2:], bool))
    weights = softmax(logits, full if (mask is not None or causal) else None)
    heads = np.einsum("bnts,bsnh->btnh", weights, v)
    return np.einsum("btnh,nhd->btd", heads, wo) + bo, weights


def test_multi_head_attention_matches_numpy(rng):
    query = rng.normal(size=(2, 4, 6)).astype("float32")
    value = rng.normal(size=(2, 5, 3)).astype("float32")
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(query, value, return_attention_scores=True)
    expected, weights = np_mha(layer, query, value)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), weights, rtol=1e-4, atol=1e-5)
    # The fused path (no scores returned) gives the same numbers.
    np.testing.assert_allclose(np.asarray(layer(query, value)), expected, rtol=1e-4, atol=1e-5)


def test_multi_head_attention_masks(rng):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    attention_mask = rng.random((2, 5, 5)) > 0.3
    attention_mask[:, :, 0] = True  # every query sees at least one key
    layer(x, x)
    expected, _ = np_mha(layer, x, x, mask=attention_mask)
    np.testing.assert_allclose(np.asarray(layer(x, x, attention_mask=attention_mask)), expected,
                               rtol=1e-4, atol=1e-5)
    expected, _ = np_mha(layer, x, x, causal=True)
    np.testing.assert_allclose(np.asarray(layer(x, x, use_causal_mask=True)), expected,
                               rtol=1e-4, atol=1e-5)
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    combined = value_mask[:, None, :] & np.tril(np.ones((5, 5), bool))
    expected, _ = np_mha(layer, x, x, mask=combined)
    got = layer(x, x, value_mask=value_mask, use_causal_mask=True)
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-4, atol=1e-5)


def test_mha_self_attention_mask_from_embedding(rng):
    ids = np.array([[3, 1, 4, 0, 0], [2, 7, 5, 5, 9]])
    inputs = lamina.Input((5,), dtype="int32")
    embedding = layers.Embedding(10, 8, mask_zero=True)
    attention = layers.MultiHeadAttention(num_heads=2, key_dim=4)
    x = embedding(inputs)
    outputs = attention(x, x)
    assert outputs._keras_mask is not None
    model = lamina.Model(inputs, outputs)
    got = np.asarray(model(ids))
    e = np.asarray(embedding(ids))
    keep = ids != 0
    expected, _ = np_mha(attention, e, e, mask=keep[:, :, None] & keep[:, None, :])
    # Padded query rows are fully masked; compare the real ones.
    np.testing.assert_allclose(got[keep], expected[keep], rtol=1e-4, atol=1e-5)


def test_mha_sublayers_weights_and_shapes(rng):
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=4, value_dim=5, output_shape=7)
    query = lamina.Input((6, 10))
    value = lamina.Input((8, 12))
    out, scores = layer(query, value, return_attention_scores=True)
    assert out.shape == (None, 6, 7) and scores.shape == (None, 3, 6, 8)
    expected = [
        ("query/kernel", (10, 3, 4)), ("query/bias", (3, 4)),
        ("key/kernel", (12, 3, 4)), ("key/bias", (3, 4)),
        ("value/kernel", (12, 3, 5)), ("value/bias", (3, 5)),
        ("attention_output/kernel", (3, 5, 7)), ("attention_output/bias", (7,)),
    ]
    got = [("/".join(w.path.split("/")[1:]), tuple(w.shape)) for w in layer.weights]
    assert got == expected
    assert isinstance(layer.query_dense, layers.EinsumDense)
    no_bias = layers.MultiHeadAttention(num_heads=2, key_dim=2, use_bias=False)
    no_bias(np.zeros((1, 3, 4), "float32"), np.zeros((1, 3, 4), "float32"))
    assert len(no_bias.weights) == 4
    x = np.zeros((2, 3, 4, 6), "float32")
    axes = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2))
    out, scores = axes(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 6) and scores.shape == (2, 2, 3, 4, 3, 4)


def test_mha_config_round_trip(rng):
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=4, dropout=0.1,
                                      output_shape=(5,), attention_axes=1, seed=3)
    config = layer.get_config()
    assert config["output_shape"] == (5,) and config["attention_axes"] == (1,)
    clone = layers.MultiHeadAttention.from_config(config)
    assert clone.get_config() == config
    x = rng.normal(size=(2, 4, 6)).astype("float32")
    layer(x, x)
    clone.build_from_config(layer.get_build_config())
    clone.set_weights(layer.get_weights())
    np.testing.assert_allclose(np.asarray(clone(x, x)), np.asarray(layer(x, x)), rtol=1e-6)
    assert layer.get_build_config()["shapes_dict"]["query_shape"] == [2, 4, 6]
    with pytest.raises(ValueError, match="num_heads"):
        layers.MultiHeadAttention(num_heads=0, key_dim=2)


def test_group_query_attention(rng):
    x = rng.normal(size=(2, 5, 8)).astype("float32")
    layer = layers.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2)
    out, scores = layer(x, x, return_attention_scores=True, use_causal_mask=True)
    wq, bq, wk, bk, wv, bv, wo, bo = layer.get_weights()
    assert wq.shape == (8, 4, 3) and wk.shape == (8, 2, 3) and wo.shape == (4, 3, 8)
    q = np_projection(x, wq, bq)
    k = np.repeat(np_projection(x, wk, bk), 2, axis=2)
    v = np.repeat(np_projection(x, wv, bv), 2, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(3)
    weights = softmax(logits, np.tril(np.ones((5, 5), bool)))
    expected = np.einsum("btnh,nhd->btd", np.einsum("bnts,bsnh->btnh", weights, v), wo) + bo
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(scores), weights, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(layer(x, x, use_causal_mask=True)), expected,
                               rtol=1e-4, atol=1e-5)
    assert layers.GroupedQueryAttention is layers.GroupQueryAttention
    config = layer.get_config()
    assert config["num_key_value_heads"] == 2 and "key_dim" not in config
    assert layers.GroupQueryAttention.from_config(config).get_config() == config
    assert layer(lamina.Input((5, 8)), lamina.Input((7, 8))).shape == (None, 5, 8)
    with pytest.raises(ValueError, match="divisible"):
        layers.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=2)


@requires_training
def test_attention_model_trains(rng):
    x = rng.normal(size=(96, 6, 8)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0).astype("float32")
    inputs = lamina.Input((6, 8))
    h = layers.MultiHeadAttention(num_heads=2, key_dim=4, dropout=0.1)(inputs, inputs)
    h = layers.GlobalAveragePooling1D()(h)
    outputs = layers.Dense(1, activation="sigmoid")(h)
    model = lamina.Model(inputs, outputs)
    model.compile(optimizer=lamina.optimizers.Adam(0.01), loss="binary_crossentropy")
    losses = model.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert losses[-1] < 0.8 * losses[0]
