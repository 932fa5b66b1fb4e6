"""Optimizers inside a compiled training step, as the jax trainer runs them: a pure function
of (trainable values, optimizer values, batch) built on `stateless_apply`."""

import numpy as np
import pytest

import lamina
from lamina import ops, optimizers

pytestmark = pytest.mark.skipif(lamina.backend.backend() != "jax",
                                reason="gradients and jax.jit need the jax backend")


@pytest.mark.parametrize("factory,steps", [
    (lambda: optimizers.SGD(learning_rate=0.1, momentum=0.9), 200),
    (lambda: optimizers.Adam(learning_rate=0.05), 300),
    (lambda: optimizers.AdamW(learning_rate=0.05, weight_decay=1e-4), 300),
    (lambda: optimizers.RMSprop(learning_rate=0.01, centered=True), 300),
    (lambda: optimizers.Nadam(learning_rate=0.05), 300),
    (lambda: optimizers.Lamb(learning_rate=optimizers.schedules.ExponentialDecay(0.05, 100, 0.5)),
     800),
    (lambda: optimizers.Adam(learning_rate=optimizers.schedules.CosineDecay(
        0.0, 300, warmup_target=0.05, warmup_steps=20), gradient_accumulation_steps=2), 600),
    (lambda: optimizers.LossScaleOptimizer(optimizers.Adam(learning_rate=0.05)), 300),
], ids=["sgd", "adam", "adamw", "rmsprop", "nadam", "lamb", "adam_schedule_accumulation",
        "loss_scale"])
def test_linear_regression_converges_under_jit(factory, steps):
    import jax

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    true_w, true_b = np.array([[1.5], [-2.0], [0.5]], "float32"), np.array([0.3], "float32")
    y = x @ true_w + true_b

    kernel = lamina.Variable(np.zeros((3, 1), "float32"), name="kernel")
    bias = lamina.Variable(np.zeros((1,), "float32"), name="bias")
    optimizer = factory()
    optimizer.build([kernel, bias])

    def loss_fn(trainable):
        w, b = trainable
        prediction = ops.add(ops.matmul(x, w), b)
        return optimizer.scale_loss(ops.mean(ops.square(ops.subtract(prediction, y))))

    @jax.jit
    def train_step(trainable, state):
        grads = jax.grad(loss_fn)(trainable)
        return optimizer.stateless_apply(state, grads, trainable)

    trainable = [kernel.value, bias.value]
    state = [v.value for v in optimizer.variables]
    for _ in range(steps):
        trainable, state = train_step(trainable, state)
    np.testing.assert_allclose(np.asarray(trainable[0]), true_w, atol=2e-2)
    np.testing.assert_allclose(np.asarray(trainable[1]), true_b, atol=2e-2)
    if not isinstance(optimizer, optimizers.LossScaleOptimizer):
        assert int(np.asarray(state[0])) == steps
