"""The Keras 3 side of the interop tests; run in its own process with KERAS_BACKEND=jax.

    python keras_side.py save DIR     builds every case with Keras, saves DIR/<case>.keras and
                                      DIR/<case>.npz (inputs `x`, Keras' predictions `y`)
    python keras_side.py load DIR     loads every DIR/<case>.keras written by lamina with
                                      Keras and writes Keras' predictions to DIR/<case>.out.npy

Both sides build the same architectures (the lamina side in test_keras_interop.py); weights
are set from a seeded generator so that batch-norm statistics are not trivial.
"""

import json
import os
import sys

import numpy as np

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="interop")
class ScaledDense(layers.Layer):
    """A custom layer with its own weight and a sublayer in an attribute."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = layers.Dense(units)

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(self.units,), initializer="ones", name="scale")
        self.inner.build(input_shape)

    def call(self, x):
        return self.inner(x) * self.scale

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Subclassed(keras.Model):
    """Sublayers in attributes sorting before and after "layers", and in a list."""

    def __init__(self):
        super().__init__()
        self.alpha = layers.Dense(3, activation="relu")
        self.zeta = layers.Dense(2)
        self.blocks = [layers.Dense(3), layers.BatchNormalization()]

    def call(self, x):
        return self.zeta(self.blocks[1](self.blocks[0](self.alpha(x))))


def build_subclassed():
    model = Subclassed()
    x = np.random.default_rng(3).normal(size=(5, 4)).astype("float32")
    model(x)
    return model, x


def feed(model, x):
    """A multi-input case stacks its inputs along the first axis of `x`."""
    return list(x) if len(model.inputs) > 1 else x


def randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.1, 0.9, size=w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def build(case):
    """(model, input array) of one case."""
    rng = np.random.default_rng(1)
    if case == "sequential_dense":
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                  layers.Dense(3, activation="softmax")])
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_dense_ops":
        inp = keras.Input((4,), name="features")
        h = layers.Dense(5, activation="tanh")(inp)
        h = ops.add(h, 1.0)
        h = h * 2.0
        out = layers.Dense(2)(h)
        model = keras.Model(inp, out)
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_ops":
        inp = keras.Input((4,), name="values")
        total = ops.sum(inp, axis=1, keepdims=True)
        joined = ops.tanh(ops.concatenate([total, inp * 0.5], axis=-1))
        out = ops.mean(ops.reshape(joined, (-1, 5, 1)), axis=1)
        model = keras.Model(inp, layers.Dense(2)(out))
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "functional_two_outputs":
        inp = keras.Input((4,), name="features")
        a = layers.Dense(3, name="head_a")(inp)
        b = layers.Dense(2, activation="sigmoid", name="head_b")(layers.Dense(4)(inp))
        model = keras.Model(inp, [a, b])
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "embedding":
        model = keras.Sequential([keras.Input((5,), dtype="int32"), layers.Embedding(10, 4),
                                  layers.Flatten(), layers.Dense(2)])
        x = rng.integers(0, 10, size=(6, 5)).astype("int32")
    elif case == "custom_layer":
        inp = keras.Input((4,))
        out = ScaledDense(3)(layers.Dense(5)(inp))
        model = keras.Model(inp, out)
        x = rng.normal(size=(6, 4)).astype("float32")
    elif case == "nested_sequential":
        inner = keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(3)])
        inp = keras.Input((5,))
        model = keras.Model(inp, layers.Dense(2)(inner(inp)))
        x = rng.normal(size=(6, 5)).astype("float32")
    elif case == "conv_batchnorm":
        model = keras.Sequential([keras.Input((6, 6, 2)), layers.Conv2D(3, 3, activation="relu"),
                                  layers.BatchNormalization(), layers.Flatten(), layers.Dense(2)])
        x = rng.normal(size=(4, 6, 6, 2)).astype("float32")
    elif case == "lstm":
        model = keras.Sequential([keras.Input((5, 3)), layers.LSTM(4), layers.Dense(2)])
        x = rng.normal(size=(4, 5, 3)).astype("float32")
    elif case == "recurrent_mix":
        inp = keras.Input((8, 3))
        x = layers.Conv1D(4, 3, padding="same")(inp)
        x = layers.LayerNormalization()(x)
        x = layers.Bidirectional(layers.GRU(3, return_sequences=True))(x)
        x = layers.SimpleRNN(3, return_sequences=True)(x)
        x = layers.TimeDistributed(layers.Dense(2))(x)
        a = layers.GlobalAveragePooling1D()(x)
        b = layers.Dropout(0.3)(layers.Flatten()(x))
        out = layers.Concatenate()([a, layers.EinsumDense("ab,bc->ac", output_shape=3)(b)])
        model = keras.Model(inp, layers.Add()([out, out]))
        x = rng.normal(size=(3, 8, 3)).astype("float32")
    elif case == "conv_variants":
        inp = keras.Input((8, 8, 2))
        x = layers.DepthwiseConv2D(3, padding="same")(inp)
        x = layers.Conv2DTranspose(3, 2, strides=2)(x)
        x = layers.MaxPooling2D()(x)
        x = layers.GroupNormalization(groups=3)(x)
        model = keras.Model(inp, layers.GlobalAveragePooling2D()(x))
        x = rng.normal(size=(2, 8, 8, 2)).astype("float32")
    elif case == "functional_slicing":
        inp = keras.Input((4, 3), name="sequence")
        first = inp[:, 0]
        middle = layers.Flatten()(inp[:, 1:3, ...])
        model = keras.Model(inp, [layers.Dense(2)(first), middle])
        x = rng.normal(size=(2, 4, 3)).astype("float32")
    elif case == "shared_layer_two_inputs":
        left, right = keras.Input((4,), name="left"), keras.Input((4,), name="right")
        shared = layers.Dense(3, activation="tanh")
        merged = layers.Concatenate()([shared(left), shared(right)])
        model = keras.Model([left, right], layers.Dense(1)(merged))
        x = rng.normal(size=(2, 5, 4)).astype("float32")
    elif case == "multi_head_attention":
        inp = keras.Input((5, 4))
        out = layers.MultiHeadAttention(num_heads=2, key_dim=3)(inp, inp)
        model = keras.Model(inp, out)
        x = rng.normal(size=(3, 5, 4)).astype("float32")
    else:
        raise ValueError(case)
    return model, x


CASES = ["sequential_dense", "functional_dense_ops", "functional_ops",
         "functional_two_outputs", "embedding",
         "custom_layer", "nested_sequential", "conv_batchnorm", "lstm", "multi_head_attention",
         "recurrent_mix", "conv_variants", "functional_slicing",
         "shared_layer_two_inputs"]


def save_all(directory):
    for case in CASES:
        model, x = build(case)
        randomize(model)
        if case == "sequential_dense":
            # Trained a little, so that the file holds an optimizer's state.
            model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
            y = np.eye(3, dtype="float32")[np.arange(len(x)) % 3]
            model.fit(x, y, epochs=2, batch_size=3, verbose=0)
        predictions = model.predict(feed(model, x), verbose=0)
        if isinstance(predictions, list):
            predictions = {f"y{i}": p for i, p in enumerate(predictions)}
        else:
            predictions = {"y0": predictions}
        model.save(os.path.join(directory, f"{case}.keras"))
        np.savez(os.path.join(directory, f"{case}.npz"), x=x, **predictions)
        if case == "sequential_dense":
            np.save(os.path.join(directory, f"{case}.optimizer.npy"),
                    np.array([np.asarray(v).sum() for v in model.optimizer.variables]))
    model, x = build_subclassed()
    randomize(model, seed=4)
    model.save_weights(os.path.join(directory, "subclassed.weights.h5"))
    np.savez(os.path.join(directory, "subclassed.npz"), x=x, y0=model.predict(x, verbose=0))
    model, _ = build("sequential_dense")
    randomize(model, seed=5)
    model.save_weights(os.path.join(directory, "weights_only.weights.h5"))
    np.save(os.path.join(directory, "weights_only.npy"),
            np.concatenate([w.ravel() for w in model.get_weights()]))


def load_all(directory):
    report = {}
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".keras"):
            continue
        case = name[:-len(".keras")]
        try:
            model = keras.saving.load_model(os.path.join(directory, name))
            x = np.load(os.path.join(directory, f"{case}.x.npy"))
            predictions = model.predict(feed(model, x), verbose=0)
            if not isinstance(predictions, list):
                predictions = [predictions]
            np.savez(os.path.join(directory, f"{case}.out.npz"),
                     **{f"y{i}": p for i, p in enumerate(predictions)})
            optimizer = getattr(model, "optimizer", None)
            if optimizer is not None and optimizer.variables:
                np.save(os.path.join(directory, f"{case}.optimizer.npy"),
                        np.array([np.asarray(v).sum() for v in optimizer.variables]))
            report[case] = "ok"
        except Exception as error:  # reported to the test, which fails with the message
            report[case] = f"{type(error).__name__}: {error}"[:2000]
    if os.path.exists(os.path.join(directory, "subclassed.weights.h5")):
        try:
            model, x = build_subclassed()
            model.load_weights(os.path.join(directory, "subclassed.weights.h5"))
            np.save(os.path.join(directory, "subclassed.out.npy"), model.predict(x, verbose=0))
            report["subclassed"] = "ok"
        except Exception as error:
            report["subclassed"] = f"{type(error).__name__}: {error}"[:2000]
    with open(os.path.join(directory, "report.json"), "w") as handle:
        json.dump(report, handle)


if __name__ == "__main__":
    command, directory = sys.argv[1], sys.argv[2]
    {"save": save_all, "load": load_all}[command](directory)
