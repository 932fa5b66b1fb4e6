"""Losses inside `jax.jit` and under `jax.grad`, as the training step uses them."""

import numpy as np
import pytest

import lamina
from lamina import losses, ops

pytestmark = pytest.mark.skipif(lamina.backend.backend() != "jax",
                                reason="jax.jit needs the jax backend")

RNG = np.random.default_rng(2)


@pytest.mark.parametrize("loss", [
    losses.MeanSquaredError(),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    losses.CategoricalCrossentropy(from_logits=True),
    losses.Huber(reduction="sum"),
    losses.Hinge(),
    losses.BinaryFocalCrossentropy(apply_class_balancing=True),
    losses.Dice(),
], ids=lambda loss: type(loss).__name__)
def test_loss_under_jit_and_grad(loss):
    import jax

    y_true = RNG.integers(0, 2, size=(4, 3)).astype("float32")
    y_pred = RNG.uniform(0.05, 0.95, size=(4, 3)).astype("float32")
    weights = RNG.uniform(size=(4,)).astype("float32")
    eager = np.asarray(ops.convert_to_numpy(loss(y_true, y_pred, sample_weight=weights)))
    jitted = jax.jit(lambda t, p, w: loss(t, p, sample_weight=w))(y_true, y_pred, weights)
    np.testing.assert_allclose(np.asarray(jitted), eager, rtol=1e-6)
    grad = jax.grad(lambda p: loss(y_true, p, sample_weight=weights))(y_pred)
    assert np.all(np.isfinite(np.asarray(grad)))
    assert grad.shape == y_pred.shape


def test_sparse_ignore_class_under_jit():
    import jax

    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    y_true = np.array([[1, 0, 2], [0, 0, 1]])
    y_pred = RNG.normal(size=(2, 3, 3)).astype("float32")
    eager = np.asarray(ops.convert_to_numpy(loss(y_true, y_pred)))
    np.testing.assert_allclose(np.asarray(jax.jit(loss)(y_true, y_pred)), eager, rtol=1e-6)


def test_mask_argument_under_jit():
    import jax

    loss = losses.MeanAbsoluteError()
    y_true = RNG.normal(size=(5, 2)).astype("float32")
    y_pred = RNG.normal(size=(5, 2)).astype("float32")
    mask = np.array([1, 0, 1, 1, 0], dtype=bool)
    eager = np.asarray(ops.convert_to_numpy(loss(y_true, y_pred, mask=mask)))
    jitted = jax.jit(lambda t, p, m: loss(t, p, mask=m))(y_true, y_pred, mask)
    np.testing.assert_allclose(np.asarray(jitted), eager, rtol=1e-6)
