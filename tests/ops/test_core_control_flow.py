"""Control-flow ops (scan, map, vectorized_map, associative_scan, cond, switch, while_loop,
fori_loop) against Python-loop references, their symbolic rules, and jit on jax."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.conftest import only_on
from tests.ops.harness import check_op

BACKEND = lamina.backend.backend()


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


def _scan_reference(f, init, xs, reverse=False):
    carry, ys = init, []
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    for i in order:
        carry, y = f(carry, xs[i])
        ys.append(y)
    if reverse:
        ys.reverse()
    return carry, np.stack(ys)


# -- scan ----------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_scan_cumulative_sum(reverse, dtype, rng):
    xs = (rng.normal(size=(6, 3)) * 10).astype(dtype)
    init = np.zeros((3,), dtype)

    def step(c, x):
        return c + x, c * 2 + x

    carry, ys = check_op(
        ops.scan, lambda f, i, x, reverse: _scan_reference(f, i, x, reverse),
        step, init, xs, kwargs={"reverse": reverse}, dtype=[dtype, dtype],
    )
    assert carry.shape == (3,) and ys.shape == (6, 3)


@pytest.mark.parametrize("unroll", [1, 2, 4, True, False])
def test_scan_unroll_does_not_change_values(unroll):
    xs = np.arange(7, dtype="float32")
    carry, ys = ops.scan(lambda c, x: (c * 0.5 + x, c), 1.0, xs, unroll=unroll)
    want_carry, want_ys = _scan_reference(lambda c, x: (c * 0.5 + x, c), np.float32(1.0), xs)
    np.testing.assert_allclose(_np(carry), want_carry, rtol=1e-6)
    np.testing.assert_allclose(_np(ys), want_ys, rtol=1e-6)


def test_scan_nested_carry_and_xs():
    xs = {"a": np.arange(4, dtype="float32"), "b": np.ones((4, 2), "float32")}
    init = (np.float32(0.0), np.zeros((2,), "float32"))

    def step(carry, x):
        total, vec = carry
        new = (total + x["a"], vec + x["b"] * x["a"])
        return new, {"double": x["a"] * 2, "vec": new[1]}

    (total, vec), ys = ops.scan(step, init, xs)
    assert float(_np(total)) == 6.0
    np.testing.assert_allclose(_np(vec), [6.0, 6.0])
    np.testing.assert_allclose(_np(ys["double"]), [0, 2, 4, 6])
    np.testing.assert_allclose(_np(ys["vec"])[:, 0], [0, 1, 3, 6])


def test_scan_length_without_xs():
    carry, ys = ops.scan(lambda c, x: (c * 2, c), 1, length=5)
    assert int(_np(carry)) == 32
    np.testing.assert_array_equal(_np(ys), [1, 2, 4, 8, 16])
    assert ops.dtype(carry) == "int32"  # a Python int carry takes Keras' int32


def test_scan_python_float_init_is_floatx():
    carry, _ = ops.scan(lambda c, x: (c + x, x), 0.0, np.ones((3,), "float32"))
    assert ops.dtype(carry) == "float32"


def test_scan_with_none_ys():
    carry, ys = ops.scan(lambda c, x: (c + x, None), 0.0, np.ones((3,), "float32"))
    assert float(_np(carry)) == 3.0
    assert ys is None


def test_scan_over_empty_xs():
    init = np.ones((2,), "float32")
    carry, ys = ops.scan(lambda c, x: (c + x, x * 2), init, np.zeros((0, 2), "float32"))
    np.testing.assert_array_equal(_np(carry), init)
    assert _np(ys).shape == (0, 2)


def test_scan_errors():
    with pytest.raises(ValueError, match="unroll"):
        ops.scan(lambda c, x: (c, x), 0, np.ones(3), unroll=0)
    with pytest.raises(ValueError, match="length"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="carry"):
        ops.scan(lambda c, x: (ops.concatenate([c, c]), x), KerasTensor((2,)), KerasTensor((4, 1)))
    with pytest.raises(ValueError, match="pair"):
        ops.scan(lambda c, x: c, KerasTensor((2,)), KerasTensor((4, 2)))


def test_scan_symbolic():
    xs = KerasTensor((None, 5, 3))
    carry, ys = ops.scan(lambda c, x: (c + ops.sum(x, axis=0), ops.mean(x, axis=-1)),
                         np.zeros((3,), "float32"), xs)
    assert carry.shape == (3,) and carry.dtype == "float32"
    assert ys.shape == (None, 5)
    carry, ys = ops.scan(lambda c, x: (c, c * 2), KerasTensor((4,), "int32"), length=7)
    assert ys.shape == (7, 4) and ys.dtype == "int32"


# -- map and vectorized_map ----------------------------------------------------------------


@pytest.mark.parametrize("op", [ops.map, ops.vectorized_map], ids=["map", "vectorized_map"])
def test_map_like(op, rng):
    xs = rng.normal(size=(5, 3)).astype("float32")
    w = rng.normal(size=(3, 2)).astype("float32")
    check_op(op, lambda f, x: np.stack([f(r) for r in x]), lambda x: ops.matmul(x, w) ** 2, xs,
             rtol=1e-5)


@pytest.mark.parametrize("op", [ops.map, ops.vectorized_map], ids=["map", "vectorized_map"])
def test_map_like_nested(op):
    xs = np.arange(6, dtype="int32")
    out = op(lambda x: {"square": x * x, "ten": x * 10}, xs)
    np.testing.assert_array_equal(_np(out["square"]), xs * xs)
    np.testing.assert_array_equal(_np(out["ten"]), xs * 10)
    pair = (np.arange(4, dtype="float32"), np.ones((4, 2), "float32"))
    out = op(lambda p: p[1] * p[0], pair)
    np.testing.assert_allclose(_np(out), np.ones((4, 2)) * np.arange(4)[:, None])


@pytest.mark.parametrize("op", [ops.map, ops.vectorized_map], ids=["map", "vectorized_map"])
def test_map_like_symbolic(op):
    out = op(lambda x: {"s": ops.sum(x, axis=-1), "x": x}, KerasTensor((None, 4, 2), "int32"))
    assert out["s"].shape == (None, 4) and out["s"].dtype == "int32"
    assert out["x"].shape == (None, 4, 2)


# -- associative_scan ----------------------------------------------------------------------


def _prefix(fn, x, axis=0, reverse=False):
    x = np.moveaxis(x, axis, 0)
    if reverse:
        x = x[::-1]
    out = [x[0]]
    for row in x[1:]:
        out.append(fn(out[-1], row))
    out = np.stack(out)
    if reverse:
        out = out[::-1]
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_associative_scan_sum_and_max(reverse, axis, rng):
    x = rng.normal(size=(5, 7, 3)).astype("float32")
    check_op(ops.associative_scan, lambda f, e, reverse, axis: _prefix(np.add, e, axis, reverse),
             lambda a, b: a + b, x, kwargs={"reverse": reverse, "axis": axis}, rtol=1e-5,
             atol=1e-5, none_first=axis not in (0,))
    check_op(ops.associative_scan,
             lambda f, e, reverse, axis: _prefix(np.maximum, e, axis, reverse),
             ops.maximum, x, kwargs={"reverse": reverse, "axis": axis},
             none_first=axis not in (0,))


@pytest.mark.parametrize("n", [1, 2, 8, 9])
def test_associative_scan_lengths(n):
    x = np.arange(1, n + 1, dtype="int32")
    np.testing.assert_array_equal(_np(ops.associative_scan(lambda a, b: a + b, x)), np.cumsum(x))
    np.testing.assert_array_equal(
        _np(ops.associative_scan(lambda a, b: a * b, x)), np.cumprod(x)
    )


def test_associative_scan_nested():
    # Composition of affine maps x -> a x + b is associative: a classic linear recurrence.
    a = np.array([0.5, 2.0, 1.0, 0.25], "float32")
    b = np.array([1.0, -1.0, 3.0, 2.0], "float32")

    def compose(first, second):
        return (second[0] * first[0], second[0] * first[1] + second[1])

    out_a, out_b = ops.associative_scan(compose, (a, b))
    h, want = 0.0, []
    for ai, bi in zip(a, b):
        h = ai * h + bi
        want.append(h)
    np.testing.assert_allclose(_np(out_b), want, rtol=1e-6)
    np.testing.assert_allclose(_np(out_a), np.cumprod(a), rtol=1e-6)


def test_associative_scan_errors_and_symbolic():
    with pytest.raises(ValueError, match="same length"):
        ops.associative_scan(lambda a, b: a, [np.ones(3), np.ones(4)])
    with pytest.raises(ValueError, match="same length"):
        ops.associative_scan(lambda a, b: a, [KerasTensor((3,)), KerasTensor((4,))])
    out = ops.associative_scan(lambda a, b: a + b, KerasTensor((None, 6), "int32"), axis=1)
    assert out.shape == (None, 6) and out.dtype == "int32"


# -- cond and switch -----------------------------------------------------------------------


@pytest.mark.parametrize("pred", [True, False, np.array(True), np.array(False)])
def test_cond_values(pred):
    x = np.array([1.0, -2.0], "float32")
    out = ops.cond(pred, lambda: ops.multiply(x, 2.0), lambda: ops.negative(x))
    np.testing.assert_allclose(_np(out), x * 2 if bool(pred) else -x)


def test_cond_nested_outputs_and_python_scalars():
    out = ops.cond(np.array(False), lambda: (1.0, {"k": 2}), lambda: (3.0, {"k": 4}))
    assert float(_np(out[0])) == 3.0 and int(_np(out[1]["k"])) == 4
    assert ops.dtype(out[0]) == "float32" and ops.dtype(out[1]["k"]) == "int32"


def test_cond_symbolic():
    x = KerasTensor((None, 3))
    pred = KerasTensor((), "bool")
    out = ops.cond(pred, lambda: x * 2.0, lambda: x - 1.0)
    assert out.shape == (None, 3) and out.dtype == "float32"
    with pytest.raises(ValueError, match="same structure"):
        ops.cond(pred, lambda: x, lambda: ops.sum(x, axis=0))
    with pytest.raises(ValueError, match="same structure"):
        ops.cond(pred, lambda: x, lambda: ops.cast(x, "int32"))
    with pytest.raises(ValueError, match="scalar"):
        ops.cond(KerasTensor((2,), "bool"), lambda: x, lambda: x)


@pytest.mark.parametrize("index, expected", [(0, 2.5), (1, 1.5), (2, 4.0), (-3, 2.5), (9, 4.0)])
def test_switch_clamps_index(index, expected):
    branches = [lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x * 2]
    x, y = np.array(2.0, "float32"), np.array(0.5, "float32")
    assert float(_np(ops.switch(index, branches, x, y))) == expected
    assert float(_np(ops.switch(np.array(index, "int32"), branches, x, y))) == expected


def test_switch_symbolic():
    x = KerasTensor((None, 2))
    out = ops.switch(1, [lambda t: t + 1.0, lambda t: t * 3.0], x)
    assert out.shape == (None, 2)
    with pytest.raises(ValueError, match="every branch"):
        ops.switch(0, [lambda t: t, lambda t: ops.sum(t)], x)


# -- while_loop and fori_loop --------------------------------------------------------------


def test_while_loop_single_and_tuple():
    assert int(_np(ops.while_loop(lambda i: i < 10, lambda i: i + 1, 0))) == 10
    x, y = ops.while_loop(lambda x, y: x < 10, lambda x, y: (x + 1, y * 2.0), (0, 1.0))
    assert int(_np(x)) == 10 and float(_np(y)) == 1024.0
    out = ops.while_loop(lambda x, y: x < 3, lambda x, y: [x + 1, y + x], [0, 0])
    assert isinstance(out, tuple) and [int(_np(v)) for v in out] == [3, 3]


def test_while_loop_maximum_iterations():
    out = ops.while_loop(lambda i: i < 100, lambda i: i + 1, 0, maximum_iterations=7)
    assert int(_np(out)) == 7
    out = ops.while_loop(lambda i: i < 3, lambda i: i + 1, 0, maximum_iterations=7)
    assert int(_np(out)) == 3
    out = ops.while_loop(lambda i: i < 3, lambda i: i + 1, 0, maximum_iterations=0)
    assert int(_np(out)) == 0


def test_while_loop_tensor_state(rng):
    x0 = rng.normal(size=(4,)).astype("float32")

    def reference(x):
        while np.sum(np.abs(x)) > 1e-2:
            x = x * 0.5
        return x

    out = ops.while_loop(lambda x: ops.sum(ops.abs(x)) > 1e-2, lambda x: x * 0.5, x0)
    np.testing.assert_allclose(_np(out), reference(x0), rtol=1e-6)


def test_while_loop_symbolic():
    out = ops.while_loop(lambda x, n: n < 3, lambda x, n: (x * 2.0, n + 1),
                         (KerasTensor((None, 3)), KerasTensor((), "int32")))
    assert isinstance(out, tuple)
    assert out[0].shape == (None, 3) and out[1].dtype == "int32"
    with pytest.raises(ValueError, match="same structure"):
        ops.while_loop(lambda x: True, lambda x: ops.cast(x, "int32"), KerasTensor((2,)))


def test_fori_loop():
    assert int(_np(ops.fori_loop(0, 10, lambda i, s: s + i, 0))) == 45
    assert int(_np(ops.fori_loop(3, 3, lambda i, s: s + i, 5))) == 5
    x = np.ones((2,), "float32")
    out = ops.fori_loop(0, 4, lambda i, s: (s[0] * 2.0, s[1] + i), (x, 0))
    np.testing.assert_allclose(_np(out[0]), [16.0, 16.0])
    assert int(_np(out[1])) == 6


def test_fori_loop_symbolic():
    out = ops.fori_loop(0, 5, lambda i, s: s + ops.cast(i, "float32"), KerasTensor((None, 2)))
    assert out.shape == (None, 2) and out.dtype == "float32"
    with pytest.raises(ValueError, match="same structure"):
        ops.fori_loop(0, 5, lambda i, s: ops.sum(s), KerasTensor((3,)))


# -- jit on jax ----------------------------------------------------------------------------


@only_on("jax", reason="compiles the ops with jax.jit")
def test_control_flow_under_jit():
    import jax

    @jax.jit
    def program(xs, n, flag):
        carry, ys = ops.scan(lambda c, x: (c + x, c * x), 0.0, xs)
        total = ops.fori_loop(0, n, lambda i, s: s + ops.cast(i, "float32"), 0.0)
        count = ops.while_loop(lambda i: i * i < n, lambda i: i + 1, 0)
        sign = ops.cond(flag, lambda: 1.0, lambda: -1.0)
        picked = ops.switch(n % 3, [lambda: 10.0, lambda: 20.0, lambda: 30.0])
        return carry, ys, total, count, sign, picked

    xs = np.arange(1, 5, dtype="float32")
    carry, ys, total, count, sign, picked = program(xs, 10, False)
    assert float(carry) == 10.0
    np.testing.assert_allclose(np.asarray(ys), [0.0, 2.0, 9.0, 24.0])
    assert float(total) == 45.0 and int(count) == 4 and float(sign) == -1.0
    assert float(picked) == 20.0
    assert float(program(xs, 9, True)[4]) == 1.0


@only_on("jax", reason="differentiates through jax.lax.scan")
def test_scan_gradient_on_jax():
    import jax

    def loss(w):
        carry, _ = ops.scan(lambda c, x: (c * w + x, c), 0.0, np.ones((3,), "float32"))
        return carry

    # carry = w^2 + w + 1, derivative 2w + 1.
    assert float(jax.grad(loss)(2.0)) == pytest.approx(5.0)


def test_variables_as_predicate_index_and_bounds():
    flag = lamina.Variable(np.array(True), dtype="bool", trainable=False)
    assert float(_np(ops.cond(flag, lambda: 1.0, lambda: 2.0))) == 1.0
    index = lamina.Variable(np.array(1, "int32"), trainable=False)
    assert float(_np(ops.switch(index, [lambda: 5.0, lambda: 6.0]))) == 6.0
    upper = lamina.Variable(np.array(4, "int32"), trainable=False)
    assert int(_np(ops.fori_loop(0, upper, lambda i, s: s + 1, 0))) == 4
