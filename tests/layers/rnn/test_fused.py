"""The fused fast path of `LSTM` and `GRU` (`active.rnn.lstm` / `gru`) against the generic
time loop of the same layer (`use_cudnn=False`), with the same weights.

On torch the fused path runs torch's own recurrent kernels: outputs, final states and the
gradients with respect to the inputs, the initial states and every weight must equal the
generic loop's. Configurations the kernels do not compute must fall back to the generic loop.
On the other backends the backend functions raise NotImplementedError and the layers keep
their generic loop.
"""

import itertools

import numpy as np
import pytest

import lamina
from lamina import backend, layers
from lamina.backend import active
from tests.conftest import only_on, requires_training

torch_only = only_on("torch", reason="the fused recurrent kernels are torch's")
TOLERANCE = {"rtol": 1e-5, "atol": 1e-5}


@pytest.fixture
def fused_calls(monkeypatch):
    """Records each call of the backend's `lstm`/`gru`: "ran" or "fallback" (raised)."""
    calls = []
    for name in ("lstm", "gru"):
        original = getattr(active.rnn, name)

        def spy(*args, _original=original, _name=name, **kwargs):
            try:
                result = _original(*args, **kwargs)
            except NotImplementedError:
                calls.append((_name, "fallback"))
                raise
            calls.append((_name, "ran"))
            return result

        monkeypatch.setattr(active.rnn, name, spy)
    return calls


def _pair(cls, input_shape, **kwargs):
    """The layer with the fused path and with the generic loop, sharing random weights
    (biases made non-zero, so that every bias block is seen)."""
    fused = cls(use_cudnn="auto", **kwargs)
    generic = cls(use_cudnn=False, **kwargs)
    fused.build(input_shape)
    generic.build(input_shape)
    rng = np.random.default_rng(0)
    weights = [rng.normal(0.0, 0.5, w.shape).astype(w.dtype) for w in fused.get_weights()]
    fused.set_weights(weights)
    generic.set_weights(weights)
    return fused, generic


def _run(layer, x, initial_state=None, **call_kwargs):
    """Outputs (as NumPy) and the gradients of a fixed weighted sum of every output with
    respect to the inputs, the initial states and each trainable weight (torch autograd)."""
    import torch

    x = torch.tensor(x, requires_grad=True)
    states = None if initial_state is None else [
        torch.tensor(s, requires_grad=True) for s in initial_state]
    variables = layer.trainable_weights
    values = [torch.tensor(v.numpy(), requires_grad=True) for v in variables]
    with backend.StatelessScope(list(zip(variables, values))):
        if states is None:
            outputs = layer(x, **call_kwargs)
        else:
            outputs = layer(x, initial_state=states, **call_kwargs)
    outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    rng = np.random.default_rng(1)
    loss = sum((out * torch.tensor(rng.normal(size=tuple(out.shape)).astype("float32"),
                                   dtype=out.dtype)).sum() for out in outputs)
    wrt = [x] + (states or []) + values
    grads = torch.autograd.grad(loss, wrt)
    return [o.detach().numpy() for o in outputs], [g.numpy() for g in grads]


def _assert_same(fused_result, generic_result):
    (fused_out, fused_grads), (generic_out, generic_grads) = fused_result, generic_result
    assert len(fused_out) == len(generic_out)
    for a, b in zip(fused_out, generic_out):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **TOLERANCE)
    assert len(fused_grads) == len(generic_grads)
    for a, b in zip(fused_grads, generic_grads):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, **TOLERANCE)


LAYERS = {"LSTM": (layers.LSTM, 2), "GRU": (layers.GRU, 1)}
GRID = list(itertools.product([False, True], repeat=5))


@torch_only
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("return_sequences,return_state,go_backwards,use_bias,with_state", GRID,
                         ids=lambda flag: "T" if flag else "F")
def test_fused_equals_generic(name, return_sequences, return_state, go_backwards, use_bias,
                              with_state, fused_calls):
    cls, state_count = LAYERS[name]
    units, shape = 4, (3, 6, 5)
    fused, generic = _pair(cls, shape, units=units, return_sequences=return_sequences,
                           return_state=return_state, go_backwards=go_backwards,
                           use_bias=use_bias)
    rng = np.random.default_rng(2)
    x = rng.normal(size=shape).astype("float32")
    initial_state = [rng.normal(size=(shape[0], units)).astype("float32")
                     for _ in range(state_count)] if with_state else None
    fused_result = _run(fused, x, initial_state)
    assert fused_calls == [(name.lower(), "ran")]
    _assert_same(fused_result, _run(generic, x, initial_state))
    assert fused_calls == [(name.lower(), "ran")]  # use_cudnn=False never asks the backend


@torch_only
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape,units", [((1, 1, 1), 1), ((2, 9, 3), 7), ((5, 3, 8), 2),
                                         ((4, 20, 2), 16)])
def test_fused_equals_generic_over_shapes(name, shape, units, fused_calls):
    cls = LAYERS[name][0]
    fused, generic = _pair(cls, shape, units=units, return_sequences=True, return_state=True)
    x = np.random.default_rng(3).normal(size=shape).astype("float32")
    _assert_same(_run(fused, x), _run(generic, x))
    assert fused_calls == [(name.lower(), "ran")]


@torch_only
@pytest.mark.parametrize("name", LAYERS)
def test_fused_keeps_float64(name, fused_calls):
    cls = LAYERS[name][0]
    fused, generic = _pair(cls, (2, 4, 3), units=3, return_sequences=True, dtype="float64")
    x = np.random.default_rng(4).normal(size=(2, 4, 3))
    fused_out = fused(x)
    assert fused_calls == [(name.lower(), "ran")]
    assert lamina.backend.standardize_dtype(fused_out.dtype) == "float64"
    np.testing.assert_allclose(np.asarray(fused_out), np.asarray(generic(x)), rtol=1e-12)


@torch_only
@pytest.mark.parametrize("name", LAYERS)
def test_fused_stateful_carries_states(name, fused_calls):
    cls = LAYERS[name][0]
    shape = (2, 5, 3)
    fused, generic = _pair(cls, shape, units=4, stateful=True, return_state=True)
    rng = np.random.default_rng(5)
    batches = [rng.normal(size=shape).astype("float32") for _ in range(3)]
    for x in batches:
        for a, b in zip(fused(x), generic(x)):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOLERANCE)
        for a, b in zip(fused.states, generic.states):
            np.testing.assert_allclose(a.numpy(), b.numpy(), **TOLERANCE)
    assert np.abs(fused.states[0].numpy()).max() > 0
    fused.reset_state()
    generic.reset_state()
    np.testing.assert_allclose(np.asarray(fused(batches[0])[0]),
                               np.asarray(generic(batches[0])[0]), **TOLERANCE)
    assert fused_calls == [(name.lower(), "ran")] * 4


@torch_only
@pytest.mark.parametrize("name", LAYERS)
def test_fused_input_dropout_in_training(name, fused_calls):
    # One input mask per sequence, drawn before the loop: the fused kernel takes the masked
    # inputs and draws the same mask as the generic loop (same seed).
    cls = LAYERS[name][0]
    shape = (4, 6, 5)
    fused, generic = _pair(cls, shape, units=3, dropout=0.5, seed=7, return_sequences=True)
    x = np.random.default_rng(6).normal(size=shape).astype("float32")
    _assert_same(_run(fused, x, training=True), _run(generic, x, training=True))
    assert fused_calls == [(name.lower(), "ran")]


@torch_only
@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("case", ["mask", "recurrent_dropout", "relu", "unroll",
                                  "implementation_1", "mixed_float16"])
def test_unfusable_configurations_fall_back(name, case, fused_calls):
    cls = LAYERS[name][0]
    shape = (3, 5, 4)
    kwargs, call_kwargs, expect = {}, {}, "fallback"
    x = np.random.default_rng(8).normal(size=shape).astype("float32")
    if case == "mask":
        mask = np.ones(shape[:2], bool)
        mask[0, 3:] = False
        mask[2, :2] = False
        call_kwargs["mask"] = mask
    elif case == "recurrent_dropout":
        kwargs.update(dropout=0.3, recurrent_dropout=0.4, seed=3)
        call_kwargs["training"] = True
        expect = None  # recurrent dropout in training never reaches the backend
    elif case == "relu":
        kwargs["activation"] = "relu"
    elif case == "unroll":
        kwargs["unroll"] = True
    elif case == "implementation_1":
        # Per-gate input dropout masks: one masked input cannot serve every gate.
        kwargs.update(dropout=0.3, seed=3, implementation=1)
        call_kwargs["training"] = True
        expect = None
    else:
        kwargs["dtype"] = "mixed_float16"
    fused, generic = _pair(cls, shape, units=3, return_sequences=True, return_state=True,
                           **kwargs)
    tolerance = {"rtol": 1e-2, "atol": 1e-2} if case == "mixed_float16" else TOLERANCE
    for a, b in zip(fused(x, **call_kwargs), generic(x, **call_kwargs)):
        np.testing.assert_allclose(np.asarray(a, "float32"), np.asarray(b, "float32"),
                                   **tolerance)
    assert fused_calls == ([] if expect is None else [(name.lower(), expect)])


@torch_only
def test_gru_reset_before_falls_back(fused_calls):
    shape = (2, 5, 3)
    fused, generic = _pair(layers.GRU, shape, units=4, reset_after=False, return_sequences=True)
    x = np.random.default_rng(9).normal(size=shape).astype("float32")
    _assert_same(_run(fused, x), _run(generic, x))
    assert fused_calls == [("gru", "fallback")]


@torch_only
@pytest.mark.parametrize("name", LAYERS)
def test_use_cudnn_true_falls_back_where_the_kernel_cannot_run(name, fused_calls):
    # Keras raises a ValueError here; lamina runs the generic loop instead.
    cls = LAYERS[name][0]
    layer = cls(3, use_cudnn=True, activation="relu")
    assert tuple(layer(np.ones((2, 4, 3), "float32")).shape) == (2, 3)
    assert fused_calls == [(name.lower(), "fallback")]


@torch_only
@pytest.mark.parametrize("name", LAYERS)
def test_functional_model_uses_the_fused_path_on_real_tensors(name, fused_calls):
    cls = LAYERS[name][0]
    inputs = lamina.Input((6, 3))
    fused_model = lamina.Model(inputs, cls(5, return_sequences=True)(inputs))
    assert fused_calls == []  # symbolic tracing never reaches the backend
    inputs = lamina.Input((6, 3))
    generic_model = lamina.Model(inputs, cls(5, return_sequences=True, use_cudnn=False)(inputs))
    generic_model.set_weights(fused_model.get_weights())
    x = np.random.default_rng(10).normal(size=(4, 6, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(fused_model(x)), np.asarray(generic_model(x)),
                               **TOLERANCE)
    np.testing.assert_allclose(fused_model.predict(x, verbose=0),
                               generic_model.predict(x, verbose=0), **TOLERANCE)
    assert fused_calls and set(fused_calls) == {(name.lower(), "ran")}


def _fit_losses(use_cudnn, jit_compile, seed=0):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(48, 10, 2)).astype("float32")
    y = (x.sum(axis=(1, 2)) > 0).astype("float32")[:, None]
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([
        lamina.Input((10, 2)),
        layers.LSTM(8, use_cudnn=use_cudnn, return_sequences=True),
        layers.GRU(4, use_cudnn=use_cudnn),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", jit_compile=jit_compile)
    history = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return history.history["loss"], model.get_weights()


@torch_only
@requires_training
@pytest.mark.parametrize("jit_compile", ["auto", True])
def test_fit_gives_the_generic_losses(jit_compile, fused_calls):
    fused_losses, fused_weights = _fit_losses("auto", jit_compile)
    assert ("lstm", "ran") in fused_calls and ("gru", "ran") in fused_calls
    generic_losses, generic_weights = _fit_losses(False, jit_compile)
    np.testing.assert_allclose(fused_losses, generic_losses, **TOLERANCE)
    for a, b in zip(fused_weights, generic_weights):
        np.testing.assert_allclose(a, b, **TOLERANCE)


# -- the other backends: no fused kernel --------------------------------------------------


@only_on("jax", "numpy", reason="these backends have no fused recurrent kernel")
def test_backend_functions_raise_not_implemented():
    x = np.zeros((2, 3, 4), "float32")
    h = np.zeros((2, 5), "float32")
    with pytest.raises(NotImplementedError):
        active.rnn.lstm(x, h, h, None, np.zeros((4, 20), "float32"),
                        np.zeros((5, 20), "float32"), None, lamina.activations.tanh,
                        lamina.activations.sigmoid)
    with pytest.raises(NotImplementedError):
        active.rnn.gru(x, h, None, np.zeros((4, 15), "float32"), np.zeros((5, 15), "float32"),
                       None, lamina.activations.tanh, lamina.activations.sigmoid)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_use_cudnn_does_not_change_results(name, go_backwards, fused_calls):
    # On every backend: "auto" and False give the same numbers (on jax and numpy, through
    # the same generic loop after the backend declines).
    cls = LAYERS[name][0]
    shape = (3, 4, 2)
    fused, generic = _pair(cls, shape, units=3, return_sequences=True, return_state=True,
                           go_backwards=go_backwards)
    x = np.random.default_rng(12).normal(size=shape).astype("float32")
    for a, b in zip(fused(x), generic(x)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), **TOLERANCE)
    expected = "ran" if backend.backend() == "torch" else "fallback"
    assert fused_calls == [(name.lower(), expected)]
