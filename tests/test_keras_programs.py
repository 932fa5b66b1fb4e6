"""Programs written for Keras 3 run unchanged with `import lamina as keras`.

Each program below is plain Keras 3 code (from the Keras guides' patterns); the test runs it
with `keras` bound to lamina and checks what it computes.
"""

import numpy as np

from tests.conftest import requires_training

pytestmark = requires_training

CUSTOM_LAYER_AND_METRIC = '''
import numpy as np
import keras
from keras import layers, ops

class Linear(keras.layers.Layer):
    def __init__(self, units=32, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

    def call(self, inputs):
        return ops.matmul(inputs, self.w) + self.b

class CountPositives(keras.metrics.Metric):
    def __init__(self, name="positives", **kwargs):
        super().__init__(name=name, **kwargs)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.count.assign(self.count + ops.sum(ops.cast(y_pred > 0.5, "float32")))

    def result(self):
        return self.count

def custom_mse(y_true, y_pred):
    return ops.mean(ops.square(y_true - y_pred), axis=-1)

inputs = keras.Input(shape=(4,))
x = Linear(8)(inputs)
x = layers.Activation("relu")(x)
outputs = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=custom_mse,
              metrics=[CountPositives(), "mae"])
rng = np.random.default_rng(0)
x_data = rng.normal(size=(64, 4)).astype("float32")
y_data = (x_data[:, :1] > 0).astype("float32")
history = model.fit(x_data, y_data, epochs=20, batch_size=16, verbose=0)
result = model.evaluate(x_data, y_data, verbose=0, return_dict=True)
'''

MULTI_IO = '''
import numpy as np
import keras
from keras import layers

num_tags, num_words, num_departments = 12, 100, 4
title_input = keras.Input(shape=(None,), name="title", dtype="int32")
body_input = keras.Input(shape=(None,), name="body", dtype="int32")
tags_input = keras.Input(shape=(num_tags,), name="tags")
title_features = layers.Embedding(num_words, 16)(title_input)
body_features = layers.Embedding(num_words, 8)(body_input)
title_features = layers.GlobalAveragePooling1D()(title_features) if hasattr(layers, "GlobalAveragePooling1D") else keras.ops.mean(title_features, axis=1)
body_features = keras.ops.mean(body_features, axis=1)
x = layers.concatenate([title_features, body_features, tags_input])
priority_pred = layers.Dense(1, name="priority")(x)
department_pred = layers.Dense(num_departments, name="department")(x)
model = keras.Model(inputs=[title_input, body_input, tags_input],
                    outputs={"priority": priority_pred, "department": department_pred})
model.compile(
    optimizer=keras.optimizers.RMSprop(1e-3),
    loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
          "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
    loss_weights={"priority": 1.0, "department": 0.2},
)
rng = np.random.default_rng(0)
title_data = rng.integers(0, num_words, size=(64, 10))
body_data = rng.integers(0, num_words, size=(64, 20))
tags_data = rng.integers(0, 2, size=(64, num_tags)).astype("float32")
priority_targets = rng.random(size=(64, 1))
dept_targets = keras.utils.to_categorical(rng.integers(0, num_departments, size=64), num_departments)
history = model.fit({"title": title_data, "body": body_data, "tags": tags_data},
                    {"priority": priority_targets, "department": dept_targets},
                    epochs=2, batch_size=32, verbose=0)
'''

SUBCLASS_AND_CALLBACKS = '''
import numpy as np
import keras

class MLP(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(32, activation="relu")
        self.dropout = keras.layers.Dropout(0.1)
        self.out = keras.layers.Dense(3, activation="softmax")

    def call(self, x, training=False):
        return self.out(self.dropout(self.hidden(x), training=training))

keras.utils.set_random_seed(1)
rng = np.random.default_rng(1)
x = rng.normal(size=(120, 5)).astype("float32")
y = np.argmax(x[:, :3], axis=1)
model = MLP()
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
history = model.fit(x, y, validation_split=0.25, epochs=40, batch_size=16, verbose=0,
                    callbacks=[stopper])
probs = model.predict(x[:4], verbose=0)
'''


def run(source):
    import sys

    import lamina

    saved = {name: sys.modules.get(name) for name in ("keras", "keras.layers", "keras.ops")}
    sys.modules["keras"] = lamina
    sys.modules["keras.layers"] = lamina.layers
    sys.modules["keras.ops"] = lamina.ops
    try:
        namespace = {}
        exec(compile(source, "<keras program>", "exec"), namespace)
        return namespace
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_custom_layer_metric_and_loss_function():
    ns = run(CUSTOM_LAYER_AND_METRIC)
    assert set(ns["result"]) == {"loss", "positives", "mae"}
    assert ns["history"].history["loss"][-1] < ns["history"].history["loss"][0]
    predicted = ns["model"].predict(ns["x_data"], verbose=0)
    assert ns["result"]["positives"] == float((predicted > 0.5).sum())


def test_multi_input_multi_output_guide_model():
    ns = run(MULTI_IO)
    assert {"loss", "priority_loss", "department_loss"} <= set(ns["history"].history)


def test_subclassed_model_with_early_stopping():
    ns = run(SUBCLASS_AND_CALLBACKS)
    assert ns["probs"].shape == (4, 3)
    np.testing.assert_allclose(ns["probs"].sum(-1), 1.0, rtol=1e-5)
    assert ns["history"].history["accuracy"][-1] > 0.6
