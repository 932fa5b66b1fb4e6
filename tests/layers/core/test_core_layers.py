"""Core, reshaping, merging, regularization and activation layers against NumPy."""

import numpy as np
import pytest

import lamina
from lamina import layers
from tests.conftest import requires_training


def np_out(layer, *args, **kwargs):
    return np.asarray(layer(*args, **kwargs))


def test_activation_layers(rng):
    x = rng.normal(size=(3, 4)).astype("float32")
    np.testing.assert_allclose(np_out(layers.Activation("relu"), x), np.maximum(x, 0))
    np.testing.assert_allclose(np_out(layers.ReLU(max_value=0.5), x), np.clip(x, 0, 0.5))
    np.testing.assert_allclose(np_out(layers.LeakyReLU(0.1), x), np.where(x > 0, x, 0.1 * x),
                               rtol=1e-6)
    np.testing.assert_allclose(np_out(layers.ELU(), x), np.where(x > 0, x, np.expm1(x)),
                               rtol=1e-5, atol=1e-6)
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(np_out(layers.Softmax(), x), e / e.sum(-1, keepdims=True), rtol=1e-5)
    prelu = layers.PReLU(alpha_initializer=lamina.initializers.Constant(0.25))
    np.testing.assert_allclose(np_out(prelu, x), np.where(x > 0, x, 0.25 * x), rtol=1e-6)
    assert prelu.weights[0].shape == (4,)


def test_softmax_mask_zeroes_masked_positions():
    x = np.zeros((1, 3), "float32")
    out = np_out(layers.Softmax(), x, mask=np.array([[True, True, False]]))
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0]], atol=1e-6)


def test_dropout_is_identity_in_inference_and_scales_in_training():
    x = np.ones((200, 50), "float32")
    layer = layers.Dropout(0.4, seed=1)
    np.testing.assert_array_equal(np_out(layer, x), x)
    out = np_out(layer, x, training=True)
    kept = out != 0
    assert 0.5 < kept.mean() < 0.7
    np.testing.assert_allclose(out[kept], 1 / 0.6, rtol=1e-6)
    with pytest.raises(ValueError, match="Invalid value received for argument `rate`"):
        layers.Dropout(1.5)


def test_noise_shape_and_spatial_dropout():
    x = np.ones((4, 10, 3), "float32")
    out = np_out(layers.SpatialDropout1D(0.5, seed=2), x, training=True)
    # Whole channels are dropped: each (sample, channel) column is all kept or all dropped.
    for sample in out:
        for channel in sample.T:
            assert len(set(channel.tolist())) == 1
    out = np_out(layers.Dropout(0.5, noise_shape=(None, 1, 3), seed=3), x, training=True)
    assert (out == out[:, :1, :]).all()


def test_gaussian_layers_only_act_in_training():
    x = np.ones((100, 100), "float32")
    for layer in (layers.GaussianNoise(0.5, seed=1), layers.GaussianDropout(0.3, seed=1),
                  layers.AlphaDropout(0.2, seed=1)):
        np.testing.assert_array_equal(np_out(layer, x), x)
        noisy = np_out(layer, x, training=True)
        assert noisy.std() > 0.05
    assert abs(np_out(layers.GaussianNoise(0.5, seed=1), x, training=True).std() - 0.5) < 0.02


def test_reshaping_layers(rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    np.testing.assert_array_equal(np_out(layers.Flatten(), x), x.reshape(2, 12))
    np.testing.assert_array_equal(np_out(layers.Flatten(data_format="channels_first"), x),
                                  x.transpose(0, 2, 1).reshape(2, 12))
    np.testing.assert_array_equal(np_out(layers.Reshape((4, 3)), x), x.reshape(2, 4, 3))
    np.testing.assert_array_equal(np_out(layers.Reshape((-1, 2)), x), x.reshape(2, 6, 2))
    np.testing.assert_array_equal(np_out(layers.Permute((2, 1)), x), x.transpose(0, 2, 1))
    v = x[:, 0, :]
    np.testing.assert_array_equal(np_out(layers.RepeatVector(3), v), np.repeat(v[:, None], 3, 1))
    inp = lamina.Input((3, 4))
    assert layers.Flatten()(inp).shape == (None, 12)
    assert layers.Reshape((2, -1))(inp).shape == (None, 2, 6)
    with pytest.raises(ValueError, match="Reshape"):
        layers.Reshape((5, 5))(inp)


def test_merging_layers(rng):
    a, b = rng.normal(size=(2, 3)).astype("float32"), rng.normal(size=(2, 3)).astype("float32")
    np.testing.assert_allclose(np_out(layers.Add(), [a, b]), a + b, rtol=1e-6)
    np.testing.assert_allclose(np_out(layers.Subtract(), [a, b]), a - b, rtol=1e-6)
    np.testing.assert_allclose(np_out(layers.Multiply(), [a, b]), a * b, rtol=1e-6)
    np.testing.assert_allclose(np_out(layers.Average(), [a, b]), (a + b) / 2, rtol=1e-6)
    np.testing.assert_allclose(np_out(layers.Maximum(), [a, b]), np.maximum(a, b))
    np.testing.assert_allclose(np_out(layers.Minimum(), [a, b]), np.minimum(a, b))
    np.testing.assert_allclose(np_out(layers.Concatenate(), [a, b]), np.concatenate([a, b], -1))
    np.testing.assert_allclose(np_out(layers.Dot(axes=1), [a, b]),
                               (a * b).sum(-1, keepdims=True), rtol=1e-5)
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    np.testing.assert_allclose(np_out(layers.Dot(axes=1, normalize=True), [a, b])[:, 0], cos,
                               rtol=1e-5)
    x1, x2 = lamina.Input((3,)), lamina.Input((3,))
    assert layers.concatenate([x1, x2]).shape == (None, 6)
    assert layers.add([x1, x2]).shape == (None, 3)
    with pytest.raises(ValueError, match="Concatenate"):
        layers.Concatenate()([lamina.Input((3, 2)), lamina.Input((4, 2))])


def test_embedding_and_mask_zero():
    layer = layers.Embedding(10, 4, mask_zero=True)
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    out = np_out(layer, ids)
    table = layer.get_weights()[0]
    np.testing.assert_allclose(out, table[ids])
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(ids)), ids != 0)
    assert layers.Embedding(10, 4)(lamina.Input((5,), dtype="int32")).shape == (None, 5, 4)


def test_masking_layer():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], "float32")
    layer = layers.Masking(0.0)
    np.testing.assert_array_equal(np.asarray(layer.compute_mask(x)), [[True, False, True]])
    np.testing.assert_array_equal(np_out(layer, x), x)


def test_einsum_dense(rng):
    layer = layers.EinsumDense("abc,cd->abd", output_shape=(None, 5), bias_axes="d")
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    out = np_out(layer, x)
    kernel, bias = layer.get_weights()
    assert kernel.shape == (4, 5) and bias.shape == (5,)
    np.testing.assert_allclose(out, np.einsum("abc,cd->abd", x, kernel) + bias, rtol=1e-5,
                               atol=1e-6)
    dense_like = layers.EinsumDense("ab,bc->ac", output_shape=6)
    assert dense_like(lamina.Input((7,))).shape == (None, 6)
    ellipsis = layers.EinsumDense("...b,bc->...c", output_shape=2)
    assert ellipsis(np.ones((2, 3, 4), "float32")).shape == (2, 3, 2)


def test_lambda_and_identity():
    double = layers.Lambda(lambda t: t * 2)
    np.testing.assert_allclose(np_out(double, np.ones((2, 2), "float32")), 2 * np.ones((2, 2)))
    assert double(lamina.Input((3,))).shape == (None, 3)
    x = np.arange(4.0, dtype="float32")
    np.testing.assert_array_equal(np_out(layers.Identity(), x), x)


def test_activity_regularization_adds_loss():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.2)
    layer(np.array([[1.0, -2.0]], "float32"))
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * 3 + 0.2 * 5, rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.3, seed=1), lambda: layers.GaussianNoise(0.1),
    lambda: layers.Flatten(), lambda: layers.Reshape((2, 2)), lambda: layers.Permute((2, 1)),
    lambda: layers.Embedding(5, 2), lambda: layers.Concatenate(axis=1),
    lambda: layers.EinsumDense("ab,bc->ac", 3, bias_axes="c"), lambda: layers.LeakyReLU(0.2),
    lambda: layers.Masking(1.0), lambda: layers.SpatialDropout2D(0.2),
], ids=lambda f: "")
def test_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@requires_training
def test_layers_train_in_a_model():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 20, size=(64, 6))
    y = (ids.sum(-1) > 60).astype("float32")[:, None]
    model = lamina.Sequential([
        lamina.Input((6,), dtype="int32"), layers.Embedding(20, 8), layers.Flatten(),
        layers.Dropout(0.1), layers.Dense(8), layers.LeakyReLU(), layers.Dense(1, "sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    history = model.fit(ids, y, epochs=15, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_reversible_embedding(rng):
    layer = layers.ReversibleEmbedding(7, 3)
    ids = np.array([[1, 2], [3, 0]])
    vectors = np_out(layer, ids)
    table = layer.get_weights()[0]
    np.testing.assert_allclose(np_out(layer, vectors, reverse=True), vectors @ table.T, rtol=1e-5)
    untied = layers.ReversibleEmbedding(7, 3, tie_weights=False, logit_soft_cap=2.0)
    v = np_out(untied, ids)
    _, reverse = untied.get_weights()
    np.testing.assert_allclose(np_out(untied, v, reverse=True),
                               np.tanh(v @ reverse / 2.0) * 2.0, rtol=1e-5, atol=1e-6)
    assert layers.ReversibleEmbedding(7, 3)(lamina.Input((4,), dtype="int32")).shape == (None, 4, 3)


def test_layers_serialize_deserialize():
    config = layers.serialize(layers.Dense(3, activation="relu", name="d"))
    assert config["class_name"] == "Dense"
    clone = layers.deserialize(config)
    assert isinstance(clone, layers.Dense) and clone.units == 3 and clone.name == "d"
