"""LossScaleOptimizer and MultiOptimizer / OptimizerMap."""

import numpy as np
import pytest

import lamina
from lamina import optimizers


def variables_from(*arrays, names=("bias", "kernel", "third")):
    return [lamina.Variable(np.asarray(a, dtype="float32"), dtype="float32", name=n)
            for a, n in zip(arrays, names)]


# -- LossScaleOptimizer -------------------------------------------------------------------------


def test_loss_scale_optimizer_unscales_and_grows():
    w = variables_from([1.0])
    optimizer = optimizers.LossScaleOptimizer(optimizers.SGD(learning_rate=0.5),
                                              initial_scale=8.0, dynamic_growth_steps=2)
    assert float(optimizer.scale_loss(1.0)) == 8.0
    optimizer.apply([np.array([8.0], "float32")], w)  # unscaled gradient 1
    np.testing.assert_allclose(w[0].numpy(), [0.5])
    assert float(optimizer.dynamic_scale.numpy()) == 8.0
    assert int(optimizer.step_counter.numpy()) == 1
    optimizer.apply([np.array([8.0], "float32")], w)  # second finite step: the scale doubles
    np.testing.assert_allclose(w[0].numpy(), [0.0])
    assert float(optimizer.dynamic_scale.numpy()) == 16.0
    assert int(optimizer.step_counter.numpy()) == 0
    assert int(np.asarray(optimizer.iterations)) == 2
    assert float(optimizer.scale_loss(1.0)) == 16.0


def test_loss_scale_optimizer_skips_non_finite_steps():
    w = variables_from([1.0, 2.0])
    inner = optimizers.Adam(learning_rate=0.1)
    optimizer = optimizers.LossScaleOptimizer(inner, initial_scale=4.0)
    optimizer.apply([np.array([1.0, 1.0], "float32")], w)
    before = [v.numpy() for v in optimizer.variables]
    weights = w[0].numpy()
    optimizer.apply([np.array([np.nan, 1.0], "float32")], w)
    np.testing.assert_array_equal(w[0].numpy(), weights)
    assert float(optimizer.dynamic_scale.numpy()) == 2.0
    assert int(optimizer.step_counter.numpy()) == 0
    assert int(np.asarray(optimizer.iterations)) == 1  # the inner optimizer did not step
    for v, b in zip(inner.variables, before[4:]):
        np.testing.assert_array_equal(v.numpy(), b)


def test_loss_scale_optimizer_variables_and_config():
    optimizer = optimizers.LossScaleOptimizer(optimizers.SGD(learning_rate=0.3, momentum=0.5),
                                              initial_scale=32.0, dynamic_growth_steps=10,
                                              name="lso")
    optimizer.build(variables_from([1.0]))
    assert [v.name for v in optimizer.variables][:4] == [
        "iteration", "learning_rate", "step_counter", "dynamic_scale"]
    assert len(optimizer.variables) == 4 + 3
    assert float(np.asarray(optimizer.learning_rate)) == pytest.approx(0.3)
    optimizer.learning_rate = 0.1
    assert float(np.asarray(optimizer.inner_optimizer.learning_rate)) == pytest.approx(0.1)
    config = optimizer.get_config()
    assert config["initial_scale"] == 32.0 and config["dynamic_growth_steps"] == 10
    clone = optimizers.deserialize(optimizers.serialize(optimizer))
    assert isinstance(clone, optimizers.LossScaleOptimizer)
    assert isinstance(clone.inner_optimizer, optimizers.SGD)
    assert clone.inner_optimizer.momentum == 0.5


def test_loss_scale_optimizer_rejects_base_arguments():
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="inner_optimizer"):
        optimizers.LossScaleOptimizer("sgd")


def test_loss_scale_optimizer_stateless_matches_stateful():
    grads = [[np.array([4.0, 2.0], "float32")], [np.array([np.inf, 1.0], "float32")],
             [np.array([8.0, -4.0], "float32")]]
    eager_w = variables_from([1.0, 1.0])
    eager = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.9), initial_scale=4.0,
                                          dynamic_growth_steps=1)
    for g in grads:
        eager.apply(g, eager_w)
    pure_w = variables_from([1.0, 1.0])
    pure = optimizers.LossScaleOptimizer(optimizers.SGD(0.1, momentum=0.9), initial_scale=4.0,
                                         dynamic_growth_steps=1)
    pure.build(pure_w)
    trainable, state = [pure_w[0].value], [v.value for v in pure.variables]
    for g in grads:
        trainable, state = pure.stateless_apply(state, g, trainable)
    np.testing.assert_allclose(np.asarray(trainable[0]), eager_w[0].numpy(), rtol=1e-6)
    for got, want in zip(state, eager.variables):
        np.testing.assert_allclose(np.asarray(got), want.numpy(), rtol=1e-6)


# -- MultiOptimizer -----------------------------------------------------------------------------


def test_optimizer_map_lookup():
    default, sgd, adam = optimizers.SGD(), optimizers.SGD(0.5), optimizers.Adam()
    mapping = optimizers.OptimizerMap(default, {"dense/kernel": sgd, ".*bias": adam})
    assert mapping["dense/kernel"] is sgd
    assert mapping["dense/bias"] is adam
    assert mapping["other"] is default
    assert len(mapping) == 2 and set(mapping) == {"dense/kernel", ".*bias"}
    with pytest.raises(ValueError, match="already exists"):
        mapping["dense/kernel"] = optimizers.SGD()
    with pytest.raises(ValueError, match="LossScaleOptimizer"):
        mapping["x"] = optimizers.LossScaleOptimizer(optimizers.SGD())
    with pytest.raises(TypeError, match="default_optimizer"):
        optimizers.OptimizerMap("sgd")
    mapping[".*"] = optimizers.SGD()
    with pytest.raises(ValueError, match="Multiple optimizers"):
        mapping["dense/bias"]
    del mapping[".*"]
    assert mapping["dense/bias"] is adam


def test_multi_optimizer_routes_variables():
    with lamina.name_scope("dense"):
        kernel = lamina.Variable(np.ones((2,), "float32"), name="kernel")
        bias = lamina.Variable(np.ones((2,), "float32"), name="bias")
    other = lamina.Variable(np.ones((1,), "float32"), name="other")
    sgd, slow = optimizers.SGD(learning_rate=1.0), optimizers.SGD(learning_rate=0.1)
    optimizer = optimizers.MultiOptimizer(
        optimizers.OptimizerMap(sgd, {"dense/bias": slow}))
    grads = [np.ones(2, "float32"), np.ones(2, "float32"), np.ones(1, "float32")]
    optimizer.apply(grads, [kernel, bias, other])
    np.testing.assert_allclose(kernel.numpy(), [0.0, 0.0])
    np.testing.assert_allclose(bias.numpy(), [0.9, 0.9])
    np.testing.assert_allclose(other.numpy(), [0.0])
    assert int(optimizer.iterations.numpy()) == 1
    assert int(sgd.iterations.numpy()) == 1 and int(slow.iterations.numpy()) == 1
    assert len(optimizer.variables) == 2 + 2 + 2
    assert optimizer.optimizers == [slow, sgd]
    with pytest.raises(AttributeError, match="MultiOptimizer"):
        optimizer.learning_rate


def test_multi_optimizer_stateless_and_config():
    with lamina.name_scope("dense"):
        kernel = lamina.Variable(np.ones((2,), "float32"), name="kernel")
        bias = lamina.Variable(np.ones((2,), "float32"), name="bias")

    def make():
        return optimizers.MultiOptimizer(optimizers.OptimizerMap(
            optimizers.Adam(0.1), {".*bias": optimizers.SGD(0.1, momentum=0.9)}))

    eager = make()
    grads = [np.array([1.0, -1.0], "float32"), np.array([0.5, 2.0], "float32")]
    k0, b0 = kernel.numpy(), bias.numpy()
    eager.apply(grads, [kernel, bias])
    eager.apply(grads, [kernel, bias])
    pure = make()
    pure.build([kernel, bias])
    trainable, state = [k0, b0], [v.value for v in pure.variables]
    for _ in range(2):
        trainable, state = pure.stateless_apply(state, grads, trainable)
    np.testing.assert_allclose(np.asarray(trainable[0]), kernel.numpy(), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(trainable[1]), bias.numpy(), rtol=1e-6)

    clone = optimizers.deserialize(optimizers.serialize(pure))
    assert isinstance(clone, optimizers.MultiOptimizer)
    mapping = clone._optimizer_map
    assert isinstance(mapping.default_optimizer, optimizers.Adam)
    assert isinstance(mapping["dense/bias"], optimizers.SGD)


def test_multi_optimizer_loss_scale_factor_reaches_inner_optimizers():
    inner = optimizers.SGD(1.0)
    optimizer = optimizers.MultiOptimizer(optimizers.OptimizerMap(inner), loss_scale_factor=2.0)
    assert inner.loss_scale_factor == 2.0
    w = variables_from([1.0])
    optimizer.apply([np.array([2.0], "float32")], w)
    np.testing.assert_allclose(w[0].numpy(), [0.0])
