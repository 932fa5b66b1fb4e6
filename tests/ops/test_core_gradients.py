"""Gradient helpers: custom_gradient, jvp, stop_gradient."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.conftest import only_on

BACKEND = lamina.backend.backend()


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


@ops.custom_gradient
def _log1pexp(x):
    e = ops.exp(x)

    def grad(*args, upstream=None):
        upstream = args[0] if upstream is None else upstream
        return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1.0, e))

    return ops.log(1.0 + e), grad


@ops.custom_gradient
def _scaled_identity(x, y):
    def grad(upstream):
        return upstream * 3.0, upstream * -1.0

    return x + y, grad


def test_custom_gradient_forward_value():
    x = np.array([0.0, 1.0, -2.0], "float32")
    np.testing.assert_allclose(_np(_log1pexp(x)), np.log1p(np.exp(x)), rtol=1e-6)
    assert _log1pexp.__name__ == "_log1pexp"


def test_custom_gradient_symbolic_call():
    out = _log1pexp(KerasTensor((None, 3)))
    assert isinstance(out, KerasTensor) and out.shape == (None, 3)


def test_custom_gradient_rejects_non_callables():
    with pytest.raises(TypeError, match="expected a function"):
        ops.custom_gradient(3)


@only_on("jax", reason="takes gradients with jax.grad")
def test_custom_gradient_defines_the_gradient():
    import jax

    # The naive gradient of log(1 + exp(x)) is nan at x = 100; the custom one is 1.
    assert float(jax.grad(_log1pexp)(100.0)) == pytest.approx(1.0)
    assert float(jax.grad(_log1pexp)(0.0)) == pytest.approx(0.5)
    gx, gy = jax.grad(lambda x, y: _scaled_identity(x, y), argnums=(0, 1))(1.0, 2.0)
    assert (float(gx), float(gy)) == (3.0, -1.0)
    grads = jax.jit(jax.grad(lambda x: ops.sum(_log1pexp(x))))(np.zeros(3, "float32"))
    np.testing.assert_allclose(np.asarray(grads), [0.5, 0.5, 0.5])


@only_on("jax", reason="takes gradients with jax.grad")
def test_custom_gradient_accepts_variables():
    import jax

    v = lamina.Variable(np.array(0.0, "float32"))
    np.testing.assert_allclose(_np(_log1pexp(v)), np.log(2.0), rtol=1e-6)
    assert float(jax.grad(lambda x: _log1pexp(x))(v.value)) == pytest.approx(0.5)


@only_on("jax", reason="forward-mode differentiation needs jax")
def test_jvp():
    a1, a2 = ops.convert_to_tensor(0.1), ops.convert_to_tensor(0.2)
    primal, tangent = ops.jvp(ops.exp, (a1,), (a2,))
    assert float(primal) == pytest.approx(np.exp(0.1), rel=1e-6)
    assert float(tangent) == pytest.approx(0.2 * np.exp(0.1), rel=1e-6)
    primal, tangent, aux = ops.jvp(lambda x, y: (x * y, {"aux": x + y}), [a1, a2], [a2, a1],
                                   has_aux=True)
    assert float(tangent) == pytest.approx(0.2 * 0.2 + 0.1 * 0.1, rel=1e-6)
    assert float(aux["aux"]) == pytest.approx(0.3, rel=1e-6)


@only_on("numpy", reason="the numpy backend has no automatic differentiation")
def test_jvp_raises_on_numpy():
    with pytest.raises(NotImplementedError, match="jax backend"):
        ops.jvp(ops.exp, (np.float32(0.1),), (np.float32(0.2),))


def test_jvp_is_exported_in_both_namespaces():
    from lamina.api_export import REGISTRY

    assert REGISTRY["lamina.ops.linalg"]["jvp"] is ops.jvp
    assert REGISTRY["lamina.ops"]["jvp"] is ops.jvp


def test_jvp_symbolic_and_errors():
    x = KerasTensor((None, 3))
    primal, tangent = ops.jvp(lambda t: ops.sum(t * 2.0, axis=-1), (x,), (x,))
    assert primal.shape == (None,) and tangent.shape == (None,)
    primal, tangent, aux = ops.jvp(lambda t: (t, ops.sum(t)), (x,), (x,), has_aux=True)
    assert tangent.shape == (None, 3) and aux.shape == ()
    with pytest.raises(ValueError, match="one entry per primal"):
        ops.jvp(ops.exp, (np.ones(2),), (np.ones(2), np.ones(2)))
    with pytest.raises(TypeError, match="tuples or lists"):
        ops.jvp(ops.exp, np.ones(2), np.ones(2))


def test_stop_gradient_value():
    x = np.array([1.0, 2.0], "float32")
    np.testing.assert_array_equal(_np(ops.stop_gradient(x)), x)


@only_on("jax", reason="takes gradients with jax.grad")
def test_stop_gradient_blocks_gradient():
    import jax

    assert float(jax.grad(lambda x: x * ops.stop_gradient(x))(3.0)) == 3.0
