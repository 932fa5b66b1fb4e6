"""The torch backend's traced steps (lamina/backend/torch/_graph.py): the graph passes keep the
numbers, `jit_compile="auto"` traces only lamina's own models and only once eager steps have
cost what tracing does, and a replay that is not faster is dropped. Runs only on torch."""

import collections
import logging

import numpy as np
import pytest

import lamina
from lamina import layers

if lamina.backend.backend() != "torch":
    pytest.skip("checks the torch backend's traced steps", allow_module_level=True)

import torch  # noqa: E402 - only with the torch backend active
from torch.fx.experimental.proxy_tensor import make_fx  # noqa: E402

from lamina.backend.torch import _graph as graph  # noqa: E402

aten = torch.ops.aten


def _optimized(function, *example):
    module = make_fx(function, tracing_mode="fake")(*example)
    constants = graph.optimize(module)
    return lambda *args: module(*args, *constants), module


def _targets(module):
    return collections.Counter(n.target for n in module.graph.nodes if n.op == "call_function")


def test_passes_drop_aliases_fold_constants_and_merge_repeats():
    scale = torch.tensor(3.0)

    def step(x):
        a = x.detach() * (scale * 2 + 1)  # constant-only arithmetic is folded
        b = x.detach() * (scale * 2 + 1)  # the same product again is merged
        return a + b

    run, module = _optimized(step, torch.ones(4))
    targets = _targets(module)
    assert targets[aten.detach.default] == 0
    assert targets[aten.lift_fresh_copy.default] == 0
    assert targets[aten.mul.Tensor] == 1  # scale * 2 folded, x * 7 once
    assert not [n for n in module.graph.nodes if n.op == "get_attr"]  # constants are inputs
    x = torch.arange(4.0)
    torch.testing.assert_close(run(x), step(x), rtol=0, atol=0)


def test_passes_respect_in_place_writes():
    def step(x):
        before = x * 2
        x.add_(1)  # the input is written: the two products differ
        after = x * 2
        fresh = torch.tensor([1.0, 2.0, 3.0, 4.0])
        fresh.mul_(x)  # a written constant keeps its copy, or replays would see old writes
        return before + after + fresh

    run, module = _optimized(step, torch.ones(4))
    assert _targets(module)[aten.mul.Tensor] == 2
    assert _targets(module)[aten.lift_fresh_copy.default] == 1
    for _ in range(2):
        x, y = torch.arange(4.0), torch.arange(4.0)
        torch.testing.assert_close(run(x), step(y), rtol=0, atol=0)
        torch.testing.assert_close(x, y, rtol=0, atol=0)  # the input was written as eager


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
def test_numbers_become_zero_dim_tensors_with_the_same_results(dtype):
    def step(x, counter):
        y = torch.clamp(x * 0.1 + 1e-7, 1e-7, 1 - 1e-7)
        return (1 - y) / 3.0, (y >= 0.5), counter + 1

    x = torch.linspace(-2, 2, 101, dtype=dtype)
    counter = torch.tensor(5)
    run, module = _optimized(step, x, counter)
    targets = _targets(module)
    if dtype == torch.float16:  # its kernels compute numbers in float32: left alone
        assert targets[aten.rsub.Scalar] == 1 and targets[aten.clamp.default] == 1
    else:
        assert targets[aten.rsub.Scalar] == 0 and targets[aten.rsub.Tensor] == 1
        assert targets[aten.clamp.Tensor] == 1
    for got, want in zip(run(x, counter), step(x, counter)):
        assert got.dtype == want.dtype
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def _data(n=64, features=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    return x, y


class _Custom(layers.Layer):
    """A user's layer: the traced path must not be taken for it under "auto"."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def call(self, x):
        self.calls += 1
        return x


def _model(jit_compile="auto", custom=False, optimizer="adam"):
    lamina.utils.set_random_seed(3)
    stack = [lamina.Input((6,)), layers.Dense(8, activation="relu")]
    if custom:
        stack.append(_Custom())
    stack += [layers.BatchNormalization(), layers.Dense(1, activation="sigmoid")]
    model = lamina.Sequential(stack)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"],
                  jit_compile=jit_compile)
    return model


@pytest.fixture
def eager_budget(monkeypatch):
    """No eager time needed before tracing; counts the traces by step name."""
    monkeypatch.setattr(graph, "_FIRST_TRACE_COST_S", 0.0)
    monkeypatch.setattr(graph, "_TRACE_COST_S", 0.0)
    traces = collections.Counter()
    trace = graph.Traced._trace

    def counted(self, state, batch):
        traces[self.name] += 1
        return trace(self, state, batch)

    monkeypatch.setattr(graph.Traced, "_trace", counted)
    return traces


def _fit_both(**kwargs):
    x, y = _data()
    eager, auto = _model(jit_compile=False, **kwargs), _model(**kwargs)
    histories = [m.fit(x, y, batch_size=16, epochs=4, shuffle=False, verbose=0,
                       validation_data=(x[:20], y[:20])).history for m in (eager, auto)]
    return eager, auto, histories


def _assert_falls_back_to_the_same_numbers(caplog, logged):
    """Fits an eager and an "auto" model; the latter's graph is dropped (saying `logged`)
    and both train to the same bits."""
    with caplog.at_level(logging.INFO, logger="lamina"):
        eager, auto, (eager_history, auto_history) = _fit_both()
    assert logged in caplog.text
    assert eager_history == auto_history
    for a, b in zip(eager.get_weights(), auto.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_auto_traces_lamina_models_with_the_same_numbers(eager_budget):
    eager, auto, (eager_history, auto_history) = _fit_both()
    # train steps: 4 per epoch, traced at the 4th sighting; validation: 16 + 4 rows
    assert eager_budget["train step"] == 1
    assert eager_budget["test step"] == 2
    assert eager_history == auto_history  # bit for bit: the same kernels in the same order
    for a, b in zip(eager.get_weights(), auto.get_weights()):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(eager.optimizer.variables, auto.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_auto_stays_eager_with_a_users_layer_or_optimizer(eager_budget):
    _, auto, _ = _fit_both(custom=True)
    assert not eager_budget
    assert auto.layers[1].calls >= 16 + 2 * 4  # every step ran the layer's Python

    class MyAdam(lamina.optimizers.Adam):
        pass

    _fit_both(optimizer=MyAdam())
    assert not eager_budget


def test_auto_waits_for_the_eager_budget(monkeypatch):
    traces = []
    monkeypatch.setattr(graph.Traced, "_trace", lambda self, *a: traces.append(1))
    x, y = _data()
    _model().fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert traces == []  # a short fit is not worth tracing


def test_auto_drops_a_graph_that_is_not_faster(eager_budget, monkeypatch, caplog):
    monkeypatch.setattr(graph, "_KEEP_IF_FASTER", 0.0)
    _assert_falls_back_to_the_same_numbers(caplog, "running it eagerly")


def test_traced_breast_cancer_step_is_small():
    """The optimizer's bias corrections are computed once, not once per variable, and no
    alias or constant copy is left (the replay's cost is its number of kernels)."""
    graphs = []
    optimize = graph.optimize

    def spy(module):
        constants = optimize(module)
        graphs.append(module)
        return constants

    x, y = _data()
    model = _model(jit_compile=True)
    graph_optimize, graph.optimize = graph.optimize, spy
    try:
        model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    finally:
        graph.optimize = graph_optimize
    targets = _targets(graphs[0])
    assert targets[aten.detach.default] == 0 and targets[aten.lift_fresh_copy.default] == 0
    assert targets[aten.pow.Tensor_Tensor] == 2  # beta_1 ** t and beta_2 ** t
    assert targets[aten._foreach_add_.List] == 2  # Adam's m and v, all variables at once


@pytest.mark.parametrize("fault", ["raises", "differs"])
def test_a_graph_whose_first_replay_is_wrong_is_dropped(eager_budget, monkeypatch, caplog,
                                                        fault):
    replay = graph._Graph.replay

    def broken(self, state_type, inputs):
        if fault == "raises":
            raise RuntimeError("cannot replay")
        new = replay(self, state_type, inputs)
        new.trainable[0] = new.trainable[0] + 1e-3
        return new

    monkeypatch.setattr(graph._Graph, "replay", broken)
    _assert_falls_back_to_the_same_numbers(caplog, "does not replay")


def test_long_steps_and_fused_recurrent_layers_stay_eager(eager_budget, monkeypatch):
    from lamina.backend.torch import trainer as torch_trainer

    monkeypatch.setattr(graph, "_MAX_STEP_S", 0.0)
    _fit_both()
    assert not eager_budget  # every step is "long": never traced
    for use_cudnn, wanted in [("auto", None), (False, "adaptive")]:
        model = lamina.Sequential([lamina.Input((5, 2)), layers.LSTM(3, use_cudnn=use_cudnn)])
        model.compile(optimizer="adam", loss="mse")
        assert torch_trainer._compile_wanted(model, True) == wanted


def test_unsigned_tensors_have_a_finite_chain_of_bases():
    # Tracing walks `_base`; a seed state that is a view once made it recurse without end.
    seed = lamina.ops.convert_to_tensor(np.array([1, 2], "uint32"))
    for tensor in (seed, seed[:1]):
        depth, base = 0, tensor
        while base is not None and depth < 10:
            base, depth = base._base, depth + 1
        assert base is None
