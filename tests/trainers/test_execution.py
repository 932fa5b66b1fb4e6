"""How steps are executed: device-resident data, grouped calls, compiled functions reused.

The fast paths must give the same numbers as drawing batches one by one on the host, must not
compile again per step or per call, and must not grow memory over repeated calls.
"""

import os

import numpy as np
import pytest

import lamina
from lamina import layers
from lamina.trainers import trainer as trainer_module
from tests.conftest import BACKEND, requires_training


def mlp(seed=0):
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([
        lamina.Input((5,)),
        layers.Dense(8, activation="relu"),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def data(n=203, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


def fit_once(host_batches, monkeypatch, **kwargs):
    with monkeypatch.context() as patch:
        if host_batches:  # no dataset is small enough to move to the device whole
            patch.setattr(trainer_module, "_MAX_DEVICE_BYTES", -1)
        model = mlp()
        x, y = data()
        weights = np.linspace(0.5, 1.5, len(x)).astype("float32")
        history = model.fit(x, y, batch_size=16, epochs=3, verbose=0, sample_weight=weights,
                            validation_split=0.2, **kwargs)
        return model.get_weights(), history.history


@requires_training
@pytest.mark.parametrize("shuffle", [True, False])
def test_device_resident_data_trains_exactly_as_host_batches(monkeypatch, shuffle):
    lamina.utils.set_random_seed(7)
    device_weights, device_logs = fit_once(False, monkeypatch, shuffle=shuffle)
    lamina.utils.set_random_seed(7)
    host_weights, host_logs = fit_once(True, monkeypatch, shuffle=shuffle)
    for a, b in zip(device_weights, host_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert device_logs.keys() == host_logs.keys()
    for key in device_logs:
        np.testing.assert_allclose(device_logs[key], host_logs[key], rtol=1e-5, atol=1e-6)


@requires_training
def test_class_weight_on_device_equals_sample_weight():
    x, y = data()
    a = mlp()
    a.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False,
          class_weight={0: 1.0, 1: 3.0})
    b = mlp()
    b.fit(x, y, batch_size=32, epochs=2, verbose=0, shuffle=False,
          sample_weight=np.where(y[:, 0] > 0, 3.0, 1.0).astype("float32"))
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)


class CountingDense(layers.Dense):
    """A Dense layer that counts how often its Python `call` runs (once per trace)."""

    calls = 0

    def call(self, inputs):
        CountingDense.calls += 1
        return super().call(inputs)


def counting_model():
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((5,)), CountingDense(1)])
    return model


@requires_training
@pytest.mark.skipif(BACKEND != "jax", reason="counts traces of compiled functions (jax)")
@pytest.mark.parametrize("steps_per_execution", [1, 10, 100, "auto"])
def test_steps_per_execution_never_retraces_per_step(steps_per_execution):
    x = np.random.default_rng(0).normal(size=(1000, 5)).astype("float32")
    y = x[:, :1] * 2.0
    model = counting_model()
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=steps_per_execution)
    model.fit(x, y, batch_size=10, epochs=1, verbose=0)
    CountingDense.calls = 0
    model.fit(x, y, batch_size=10, epochs=3, verbose=0)
    # 100 steps per epoch, 3 epochs: the traces already made are reused, none per step.
    assert CountingDense.calls == 0
    assert len(model._functions) <= 2


@requires_training
@pytest.mark.skipif(BACKEND != "jax", reason="counts traces of compiled functions (jax)")
def test_predict_pads_batches_to_a_few_shapes():
    model = counting_model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(1).normal(size=(40, 5)).astype("float32")
    expected = x @ model.get_weights()[0] + model.get_weights()[1]
    model.predict(x[:1], verbose=0)
    CountingDense.calls = 0
    for size in range(1, 33):
        out = model.predict(x[:size], verbose=0)
        np.testing.assert_allclose(out, expected[:size], rtol=1e-5, atol=1e-6)
    # Sizes 1..32 fall in the buckets 2, 4, 8, 16, 32 (1 was compiled before): five traces
    # at most (plus the eager call of a first predict), not 32.
    assert CountingDense.calls <= 6
    out = model.predict(x, batch_size=16, verbose=0)  # 16, 16, then 8 padded to 8
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_small_predict_fast_path_equals_the_full_path():
    lamina.utils.set_random_seed(3)
    model = lamina.Sequential([lamina.Input((4,)), layers.Dense(3, activation="softmax")])
    x = np.random.default_rng(2).normal(size=(5, 4))  # float64, as NumPy makes it
    fast = model.predict(x, verbose=0)
    full = model.predict(x, verbose=0, callbacks=[lamina.callbacks.Callback()])
    assert fast.dtype == np.float32 and fast.shape == (5, 3)
    np.testing.assert_allclose(fast, full, rtol=1e-6)
    w, b = model.get_weights()
    logits = x.astype("float32") @ w + b
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fast, expected, rtol=1e-5, atol=1e-6)


def _rss_bytes():
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@requires_training
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="reads RSS from /proc")
def test_repeated_fit_and_predict_keep_memory_flat():
    model = mlp()
    x, y = data(512)
    for _ in range(10):  # warm up: compile everything once
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        model.predict(x, verbose=0)
    functions = set(model._functions)
    before = _rss_bytes()
    for _ in range(50):
        model.fit(x, y, batch_size=32, epochs=1, verbose=0)
        model.predict(x, verbose=0)
    after = _rss_bytes()
    assert set(model._functions) == functions  # reused, not rebuilt
    assert after <= before * 1.05, f"RSS grew from {before} to {after} bytes"


@pytest.mark.skipif(BACKEND != "jax", reason="a choice of the jax trainer on the CPU")
def test_steps_with_convolutions_are_not_looped_on_the_cpu():
    import jax

    from lamina.backend.jax import trainer as jax_trainer

    x = np.ones((2, 5, 5, 1), "float32")
    kernel = np.ones((3, 3, 1, 2), "float32")
    on_cpu = jax.default_backend() == "cpu"
    conv = lambda a: lamina.ops.conv(a, kernel)  # noqa: E731
    dense = lambda a: lamina.ops.matmul(a.reshape(2, -1), np.ones((25, 2), "float32"))  # noqa
    small = lamina.Sequential([lamina.Input((3,)), layers.Dense(2)])
    conv_loops_well, conv_jit = jax_trainer._plan(small, conv, x)
    dense_loops_well, dense_jit = jax_trainer._plan(small, dense, x)
    assert conv_loops_well is not on_cpu
    assert dense_loops_well is True
    # The cheapest XLA optimization level only for small steps without convolutions/loops.
    assert conv_jit is jax.jit and dense_jit is not jax.jit


@requires_training
def test_conv_model_trains_the_same_on_device_and_host(monkeypatch):
    def run(host):
        with monkeypatch.context() as patch:
            if host:
                patch.setattr(trainer_module, "_MAX_DEVICE_BYTES", -1)
            lamina.utils.set_random_seed(1)
            model = lamina.Sequential([
                lamina.Input((6, 6, 1)), layers.Conv2D(4, 3, activation="relu"),
                layers.Flatten(), layers.Dense(1)])
            model.compile(optimizer="adam", loss="mse")
            rng = np.random.default_rng(0)
            x = rng.normal(size=(50, 6, 6, 1)).astype("float32")
            y = x.mean(axis=(1, 2))
            history = model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False)
            return model.get_weights(), history.history["loss"]

    device_weights, device_loss = run(False)
    host_weights, host_loss = run(True)
    np.testing.assert_allclose(device_loss, host_loss, rtol=1e-5)
    for a, b in zip(device_weights, host_weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
