"""The torch trainer: fused optimizer updates, jit_compile=True (a traced step), steps per
execution, custom steps. Runs only with LAMINA_BACKEND=torch."""

import logging
import warnings

import numpy as np
import pytest

import lamina
from lamina import layers, optimizers

if lamina.backend.backend() != "torch":
    pytest.skip("checks the torch trainer", allow_module_level=True)

import torch  # noqa: E402 - only with the torch backend active

from lamina.backend.torch import _graph as torch_graph  # noqa: E402
from lamina.backend.torch import trainer as torch_trainer  # noqa: E402
from lamina.trainers.trainer import TrainingState  # noqa: E402


def _data(n=40, features=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def _mlp(optimizer="adam", dropout=0.0, **compile_kwargs):
    lamina.utils.set_random_seed(7)
    stack = [lamina.Input((6,)), layers.Dense(8, activation="relu")]
    if dropout:
        stack.append(layers.Dropout(dropout))
    stack.append(layers.Dense(1, activation="sigmoid"))
    model = lamina.Sequential(stack)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"],
                  **compile_kwargs)
    return model


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


class _PlainAdam(optimizers.Adam):
    """Adam by its own `update_step` (a subclass never takes the fused path)."""


class _PlainSGD(optimizers.SGD):
    pass


OPTIMIZERS = [
    ("adam", lambda: optimizers.Adam(0.01), lambda: _PlainAdam(0.01)),
    ("amsgrad", lambda: optimizers.Adam(0.01, amsgrad=True),
     lambda: _PlainAdam(0.01, amsgrad=True)),
    ("sgd", lambda: optimizers.SGD(0.1), lambda: _PlainSGD(0.1)),
    ("momentum", lambda: optimizers.SGD(0.1, momentum=0.9),
     lambda: _PlainSGD(0.1, momentum=0.9)),
    ("nesterov", lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True),
     lambda: _PlainSGD(0.1, momentum=0.9, nesterov=True)),
    ("schedule", lambda: optimizers.Adam(optimizers.schedules.ExponentialDecay(0.01, 2, 0.5)),
     lambda: _PlainAdam(optimizers.schedules.ExponentialDecay(0.01, 2, 0.5))),
]


@pytest.mark.parametrize("name,fused,plain", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_fused_update_equals_update_step(name, fused, plain):
    x, y = _data()
    model_fused, model_plain = _mlp(fused()), _mlp(plain())
    fused_history = model_fused.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    plain_history = model_plain.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert torch_trainer._fused_update(model_fused) is not None
    assert torch_trainer._fused_update(model_plain) is None
    for a, b in zip(_weights(model_fused), _weights(model_plain)):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(model_fused.optimizer.variables, model_plain.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert fused_history.history == plain_history.history


def test_fused_update_not_taken_with_clipping_or_constraints():
    model = _mlp(optimizers.Adam(0.01, clipnorm=1.0))
    model.fit(*_data(), epochs=1, verbose=0)
    assert torch_trainer._fused_update(model) is None
    lamina.utils.set_random_seed(7)
    constrained = lamina.Sequential([
        lamina.Input((6,)), layers.Dense(1, kernel_constraint="non_neg")])
    constrained.compile(optimizer="adam", loss="mse")
    constrained.fit(*_data(), epochs=1, verbose=0)
    assert torch_trainer._fused_update(constrained) is None
    assert np.all(np.asarray(constrained.layers[0].kernel) >= 0)


def test_fused_update_leaves_values_read_before_unchanged():
    model = _mlp()
    x, y = _data()
    model.fit(x, y, epochs=1, verbose=0)
    kernel = model.layers[0].kernel.value.detach()
    before = kernel.clone()
    model.fit(x, y, epochs=2, verbose=0)
    torch.testing.assert_close(kernel, before, rtol=0, atol=0)
    assert not np.array_equal(np.asarray(model.layers[0].kernel), before.numpy())


def test_jit_compile_true_trains_like_eager(caplog):
    x, y = _data()
    eager = _mlp(jit_compile=False)
    traced = _mlp(jit_compile=True)
    eager_history = eager.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.INFO, logger="lamina"):
            traced_history = traced.fit(x, y, batch_size=16, epochs=3, shuffle=False,
                                        verbose=0)
    assert "running it eagerly" not in caplog.text  # the step was traced
    for a, b in zip(_weights(eager), _weights(traced)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in eager_history.history:
        np.testing.assert_allclose(eager_history.history[key], traced_history.history[key],
                                   rtol=1e-5)
    np.testing.assert_allclose(eager.evaluate(x, y, verbose=0), traced.evaluate(x, y, verbose=0),
                               rtol=1e-5)


def test_traced_step_is_a_graph_and_replays():
    x, y = _data(n=16)
    model = _mlp(jit_compile=True)
    model._build_for_batch((x, y, None), training=True)
    state = model._collect_state()._replace(metrics=model._initial_metrics_values())
    traced = torch_graph.Traced(
        lambda s, b: torch_trainer._state_step(model, s, b))
    batch = (torch.from_numpy(x), torch.from_numpy(y), None)
    with torch.no_grad():
        first = traced(state, batch)
        second = traced(first, batch)
        reference = torch_trainer._state_step(
            model, torch_trainer._state_step(model, state, batch), batch)
    assert traced.failed is None and len(traced.graphs) == 1
    for a, b in zip(torch.utils._pytree.tree_leaves(tuple(second)),
                    torch.utils._pytree.tree_leaves(tuple(reference))):
        torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-7)
    assert isinstance(second, TrainingState)


def test_jit_compile_true_falls_back_to_eager_without_warnings(caplog):
    # Dropout draws from a generator seeded by a tensor's value: not traceable.
    x, y = _data()
    eager = _mlp(dropout=0.5, jit_compile=False)
    traced = _mlp(dropout=0.5, jit_compile=True)
    eager.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.INFO, logger="lamina"):
            traced.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert "running it eagerly" in caplog.text
    for a, b in zip(_weights(eager), _weights(traced)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("jit_compile", [False, True])
def test_steps_per_execution_gives_the_same_numbers(jit_compile):
    x, y = _data(n=50)
    one = _mlp(jit_compile=jit_compile)
    three = _mlp(jit_compile=jit_compile, steps_per_execution=3)
    h1 = one.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    h3 = three.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(_weights(one), _weights(three)):
        np.testing.assert_array_equal(a, b)
    assert h1.history == h3.history


def test_steps_per_execution_with_batch_callbacks_and_generators():
    x, y = _data(n=48)
    seen = []

    class Count(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, logs["loss"]))

    def batches():
        while True:
            for i in range(0, 48, 8):
                yield x[i:i + 8], y[i:i + 8]

    one = _mlp()
    four = _mlp(steps_per_execution=4)
    one.fit(batches(), steps_per_epoch=6, epochs=1, verbose=0)
    four.fit(batches(), steps_per_epoch=6, epochs=1, verbose=0, callbacks=[Count()])
    for a, b in zip(_weights(one), _weights(four)):
        np.testing.assert_array_equal(a, b)
    assert [s for s, _ in seen] == [3, 5]


def test_custom_train_step_runs_on_torch():
    class Custom(lamina.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)
            self.calls = 0

        def call(self, x):
            return self.dense(x)

        def train_step(self, state, data):
            self.calls += 1
            logs, state = super().train_step(state, data)
            logs = dict(logs)
            logs["extra"] = torch.tensor(1.5)
            return logs, state

    x, y = _data(n=16)
    model = Custom()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
    assert model.calls == 4
    assert history.history["extra"] == [1.5, 1.5]
    assert history.history["loss"][1] < history.history["loss"][0]


def test_train_and_test_on_batch_and_evaluate_on_torch():
    x, y = _data()
    model = _mlp()
    first = model.train_on_batch(x[:8], y[:8])
    assert np.isfinite(first).all()
    loss, accuracy = model.evaluate(x, y, verbose=0)
    again = model.test_on_batch(x, y)
    np.testing.assert_allclose([loss, accuracy], again, rtol=1e-6)
