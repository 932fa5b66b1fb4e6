"""The torch backend: tensor conversion, variables, seeds, and parity with jax and numpy.

Runs only with LAMINA_BACKEND=torch. Cross-backend checks run the same program on the other
backends in subprocesses (one framework per process) and compare the numbers.
"""

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from lamina import ops

if lamina.backend.backend() != "torch":
    pytest.skip("checks the torch backend", allow_module_level=True)

import torch  # noqa: E402 - only with the torch backend active

from lamina.backend.torch import core  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# -- tensors ---------------------------------------------------------------------------------


def test_python_values_take_keras_dtypes():
    assert ops.convert_to_tensor(1).dtype == torch.int32
    assert ops.convert_to_tensor(1.5).dtype == torch.float32
    assert ops.convert_to_tensor(True).dtype == torch.bool
    assert ops.convert_to_tensor([1, 2.5]).dtype == torch.float32
    assert ops.convert_to_tensor(np.zeros(2, "float64")).dtype == torch.float64
    assert tuple(ops.convert_to_tensor(np.float32(2.0)).shape) == ()


def test_tensors_live_on_the_best_device():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert ops.convert_to_tensor([1.0]).device.type == expected
    assert ops.ones((2,)).device.type == expected


def test_numpy_round_trip_keeps_dtype_and_values():
    for dtype in ("bool", "uint8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
                  "float64", "uint32"):
        x = np.arange(6).reshape(2, 3).astype(lamina.backend.dtypes.to_numpy_dtype(dtype))
        back = ops.convert_to_numpy(ops.convert_to_tensor(x))
        assert back.dtype == x.dtype, dtype
        np.testing.assert_array_equal(back, x)


def test_non_contiguous_and_read_only_arrays_convert():
    x = np.arange(12.0).reshape(3, 4)[:, ::2]
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.convert_to_tensor(x)), x)
    y = np.arange(3.0)
    y.flags.writeable = False
    np.testing.assert_array_equal(ops.convert_to_numpy(ops.convert_to_tensor(y)), y)


def test_strings_are_refused_with_a_type_error():
    with pytest.raises(TypeError, match="numbers"):
        ops.convert_to_tensor(["a", "b"])


def test_uint32_arithmetic_wraps_around_as_numpy():
    x = np.array([4_000_000_000, 7], dtype=np.uint32)
    t = ops.convert_to_tensor(x)
    got = ops.convert_to_numpy((t + 1) * 5387 % 933199)
    with np.errstate(over="ignore"):
        want = (x + np.uint32(1)) * np.uint32(5387) % np.uint32(933199)
    np.testing.assert_array_equal(got, want)
    assert ops.convert_to_numpy(ops.add(t, t)).dtype == np.uint32


def test_np_array_of_a_tensor_does_not_warn():
    np.testing.assert_array_equal(np.array(ops.convert_to_tensor([1.0, 2.0])), [1.0, 2.0])


# -- variables -------------------------------------------------------------------------------


def test_variable_wraps_a_parameter_and_never_changes_values_read_before():
    v = lamina.Variable(np.zeros((2,), "float32"), name="v")
    parameter = v._value  # one Parameter for the variable's life (torch interop)
    assert isinstance(parameter, torch.nn.Parameter) and parameter.requires_grad
    before = v.value
    v.assign(np.ones((2,)))
    assert v._value is parameter
    np.testing.assert_array_equal(before.detach().numpy(), [0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(v), [1.0, 1.0])
    np.testing.assert_array_equal(ops.convert_to_numpy(v + 1), [2.0, 2.0])
    np.testing.assert_array_equal(torch.add(v, 1).detach().numpy(), [2.0, 2.0])


def test_variable_inside_stateless_scope_records_instead_of_writing():
    v = lamina.Variable(np.zeros((2,), "float32"), name="v")
    with lamina.backend.StatelessScope([(v, ops.ones((2,)))]) as scope:
        np.testing.assert_array_equal(ops.convert_to_numpy(v.value), [1.0, 1.0])
        v.assign(v.value * 3)
    np.testing.assert_array_equal(np.asarray(v), [0.0, 0.0])
    np.testing.assert_array_equal(ops.convert_to_numpy(scope.get_current_value(v)), [3.0, 3.0])


def test_custom_gradient_and_jvp_use_autograd():
    @ops.custom_gradient
    def double_grad(x):
        def grad(upstream):
            return upstream * 2.0

        return x * 1.0, grad

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = torch.autograd.grad(double_grad(x).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])
    out, tangent = ops.jvp(ops.exp, (ops.convert_to_tensor(0.0),), (ops.convert_to_tensor(2.0),))
    assert (float(out), float(tangent)) == (1.0, 2.0)


# -- seeds -----------------------------------------------------------------------------------


def test_global_seed_walk_matches_uint32_arithmetic():
    gen = lamina.random.SeedGenerator(seed=3_000_000_000)
    seen = [int(ops.convert_to_numpy(gen.next(ordered=False))[0]) for _ in range(4)]
    state = np.uint32(3_000_000_000)
    want = []
    with np.errstate(over="ignore"):
        for _ in range(4):
            want.append(int(state))
            state = (state + np.uint32(1)) * np.uint32(5387) % np.uint32(933199)
    assert seen == want


def test_same_seed_same_draws_different_seeds_differ():
    a = ops.convert_to_numpy(lamina.random.normal((4,), seed=1))
    b = ops.convert_to_numpy(lamina.random.normal((4,), seed=1))
    c = ops.convert_to_numpy(lamina.random.normal((4,), seed=2))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    gen = lamina.random.SeedGenerator(seed=5)
    first = ops.convert_to_numpy(lamina.random.uniform((4,), seed=gen))
    second = ops.convert_to_numpy(lamina.random.uniform((4,), seed=gen))
    assert not np.allclose(first, second)


def test_dropout_keeps_scale():
    x = np.ones((1000,), "float32")
    out = ops.convert_to_numpy(lamina.random.dropout(x, 0.25, seed=3))
    kept = out[out != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)
    assert 650 < kept.size < 850


# -- parity with the other backends ----------------------------------------------------------

_PROGRAM = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import lamina as keras

    keras.utils.set_random_seed(7)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(8, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    weights = [w.tolist() for w in model.get_weights()]
    outputs = model.predict(x[:4], verbose=0).tolist()
    losses = None
    if keras.backend.backend() != "numpy":
        model.compile(optimizer="adam", loss="binary_crossentropy")
        history = model.fit(x, y, epochs=3, batch_size=16, shuffle=False, verbose=0)
        losses = history.history["loss"]
    json.dump({"weights": weights, "outputs": outputs, "losses": losses}, sys.stdout)
    """
)


def _run(backend):
    env = dict(os.environ, LAMINA_BACKEND=backend, OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", _PROGRAM], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def torch_run():
    return _run("torch")


def test_same_initial_weights_and_outputs_as_numpy(torch_run):
    reference = _run("numpy")
    for got, want in zip(torch_run["weights"], reference["weights"]):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    np.testing.assert_allclose(torch_run["outputs"], reference["outputs"], rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_same_weights_outputs_and_loss_curve_as_jax(torch_run):
    reference = _run("jax")
    for got, want in zip(torch_run["weights"], reference["weights"]):
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    np.testing.assert_allclose(torch_run["outputs"], reference["outputs"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(torch_run["losses"], reference["losses"], rtol=1e-4, atol=1e-6)
