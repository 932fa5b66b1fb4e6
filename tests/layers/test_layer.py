"""The Layer base class: building, tracking, weights, losses, config, errors."""

import numpy as np
import pytest

import lamina
from lamina import layers, ops


class Linear(layers.Layer):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b",
                                 trainable=False)

    def call(self, x):
        return ops.matmul(x, self.w) + self.b

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_build_is_deferred_to_first_call():
    layer = Linear(3)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 5), "float32"))
    assert layer.built
    np.testing.assert_allclose(np.asarray(out), np.full((2, 3), 5.0))
    assert [w.path for w in layer.weights] == ["linear/w", "linear/b"]
    assert [w.shape for w in layer.trainable_weights] == [(5, 3)]
    assert [w.shape for w in layer.non_trainable_weights] == [(3,)]
    assert layer.count_params() == 18


def test_auto_names_are_unique_like_keras():
    names = [layers.Dense(1).name for _ in range(3)]
    assert names == ["dense", "dense_1", "dense_2"]


def test_nested_layers_are_tracked_and_freezing_propagates():
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = Linear(2)
            self.stack = [Linear(2), Linear(1)]

        def call(self, x):
            x = self.first(x)
            for layer in self.stack:
                x = layer(x)
            return x

    block = Block()
    block(np.ones((1, 3), "float32"))
    assert len(block.weights) == 6
    assert len(block.trainable_weights) == 3
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 6
    assert all(not l.trainable for l in block._flatten_layers())


def test_get_and_set_weights_check_shapes_before_changing():
    layer = layers.Dense(2)
    layer(np.ones((1, 3), "float32"))
    before = layer.get_weights()
    with pytest.raises(ValueError, match=r'Layer "dense" weight shape \(3, 2\) is not compatible'):
        layer.set_weights([np.zeros((4, 2)), np.zeros((2,))])
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)
    layer.set_weights([np.ones((3, 2)), np.full((2,), 0.5)])
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 3), "float32"))), [[3.5, 3.5]])


def test_input_shape_error_names_layer_and_shapes():
    layer = layers.Dense(2)
    layer(np.ones((1, 30), "float32"))
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense" is incompatible with the '
                       r"layer: expected axis -1 of input shape to have value 30, but received "
                       r"input with shape \(1, 31\)"):
        layer(np.ones((1, 31), "float32"))


def test_add_loss_and_weight_regularization():
    class WithLoss(layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x))
            return x

    layer = WithLoss()
    layer(np.ones((2, 2), "float32"))
    assert float(layer.losses[0]) == 4.0
    dense = layers.Dense(2, kernel_regularizer=lamina.regularizers.L2(0.1), kernel_initializer="ones")
    dense(np.ones((1, 3), "float32"))
    assert np.isclose(float(dense.losses[0]), 0.1 * 6)


def test_activity_regularizer_adds_loss():
    dense = layers.Dense(1, kernel_initializer="ones", activity_regularizer="l1")
    dense(np.ones((2, 3), "float32"))
    assert np.isclose(float(dense.losses[0]), 0.01 * 6)


def test_symbolic_call_records_node_and_shapes():
    x = lamina.Input((5,))
    y = Linear(3)(x)
    assert y.shape == (None, 3)
    assert y._keras_history.operation.name == "linear"


def test_config_round_trip():
    layer = Linear(7, name="lin", trainable=False)
    config = layer.get_config()
    assert config["units"] == 7 and config["name"] == "lin" and config["trainable"] is False
    clone = Linear.from_config(config)
    assert clone.units == 7 and clone.name == "lin" and not clone.trainable


def test_unknown_constructor_argument_is_an_error():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Dense"):
        layers.Dense(2, unitz=3)


def test_training_flag_reaches_nested_layers():
    seen = []

    class Spy(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(layers.Layer):
        def __init__(self):
            super().__init__()
            self.spy = Spy()

        def call(self, x):
            return self.spy(x)

    outer = Outer()
    outer(np.ones((1,)), training=True)
    outer(np.ones((1,)))
    assert seen == [True, None]


def test_mixed_precision_computes_in_half_and_keeps_float32_weights():
    layer = layers.Dense(3, dtype="mixed_float16")
    out = layer(np.ones((2, 4), "float32"))
    assert lamina.backend.standardize_dtype(out.dtype) == "float16"
    assert layer.kernel.dtype == "float32"
    assert layers.Dense(3, dtype="mixed_float16")(lamina.Input((4,))).dtype == "float16"


def test_auto_names_follow_keras_snake_case():
    assert layers.Conv2D(1, 1).name == "conv2d" if hasattr(layers, "Conv2D") else True
    assert layers.EinsumDense("ab,bc->ac", 2).name == "einsum_dense"
