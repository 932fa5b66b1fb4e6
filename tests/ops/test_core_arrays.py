"""Core array ops: slice, slice_update, scatter, scatter_update, unstack, saturate_cast and
rearrange, against NumPy references written here."""

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op


def _np(x):
    return np.asarray(ops.convert_to_numpy(x))


# -- slice and slice_update ----------------------------------------------------------------


def _slice_reference(x, starts, shape):
    sizes = [x.shape[i] - starts[i] if s == -1 else s for i, s in enumerate(shape)]
    starts = [min(max(s, 0), d - n) for s, d, n in zip(starts, x.shape, sizes)]
    return x[tuple(slice(s, s + n) for s, n in zip(starts, sizes))]


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "float64"])
@pytest.mark.parametrize(
    "starts, shape",
    [([1, 2, 0], (2, 2, 3)), ([0, 0, 0], (4, 5, 3)), ([3, 1, 1], (-1, 2, -1)),
     ([0, 4, 2], (1, 1, 1)), ([2, 0, 0], (0, 5, 3))],
)
def test_slice(dtype, starts, shape, rng):
    x = (rng.normal(size=(4, 5, 3)) * 5).astype(dtype)
    out = check_op(ops.slice, _slice_reference, x, starts, shape, dtype=dtype, none_first=False)
    assert out.dtype == np.dtype(dtype)


def test_slice_tensor_starts_and_clamping():
    x = np.arange(25, dtype="float32").reshape(5, 5)
    out = ops.slice(x, np.array([1, 2], "int32"), (2, 3))
    np.testing.assert_array_equal(_np(out), x[1:3, 2:5])
    # Starts past the end are clamped so that the window fits, as in XLA's dynamic_slice.
    np.testing.assert_array_equal(_np(ops.slice(x, [4, 4], (2, 2))), x[3:5, 3:5])


def test_slice_symbolic_and_errors():
    x = KerasTensor((None, 5, 3), "int32")
    assert ops.slice(x, [0, 1, 0], (2, -1, 3)).shape == (2, 4, 3)
    assert ops.slice(x, [0, 1, 0], (-1, 2, 3)).shape == (None, 2, 3)
    assert ops.slice(x, KerasTensor((3,), "int32"), (2, -1, 3)).shape == (2, None, 3)
    with pytest.raises(ValueError, match="one size per dimension"):
        ops.slice(x, [0, 0, 0], (1, 1))
    with pytest.raises(ValueError, match="one start per dimension"):
        ops.slice(np.zeros((2, 2)), [0], (1, 1))


def _slice_update_reference(x, starts, updates):
    starts = [min(max(s, 0), d - n) for s, d, n in zip(starts, x.shape, updates.shape)]
    out = x.copy()
    out[tuple(slice(s, s + n) for s, n in zip(starts, updates.shape))] = updates
    return out


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
@pytest.mark.parametrize("starts", [[0, 0], [3, 3], [1, 2], [4, 4]])
def test_slice_update(dtype, starts, rng):
    x = rng.normal(size=(5, 5)).astype(dtype)
    updates = (np.ones((2, 2)) * 7).astype(dtype)
    check_op(ops.slice_update, _slice_update_reference, x, starts, updates, dtype=dtype,
             none_first=False)


def test_slice_update_casts_updates_and_keeps_input():
    x = np.zeros((3, 4), "int32")
    out = ops.slice_update(x, np.array([1, 1]), np.full((2, 2), 2.7, "float32"))
    assert ops.dtype(out) == "int32"
    np.testing.assert_array_equal(_np(out)[1:3, 1:3], [[2, 2], [2, 2]])
    assert x.sum() == 0


def test_slice_update_symbolic_and_errors():
    out = ops.slice_update(KerasTensor((None, 6)), [0, 2], KerasTensor((1, 3)))
    assert out.shape == (None, 6) and out.dtype == "float32"
    with pytest.raises(ValueError, match="rank"):
        ops.slice_update(np.zeros((3, 3)), [0, 0], np.ones((2,)))
    with pytest.raises(ValueError, match="fit"):
        ops.slice_update(np.zeros((3, 3)), [0, 0], np.ones((4, 1)))


# -- scatter and scatter_update ------------------------------------------------------------


def _scatter_reference(indices, values, shape):
    out = np.zeros(shape, np.asarray(values).dtype)
    indices = np.asarray(indices)
    depth = indices.shape[-1]
    values = np.asarray(values).reshape((-1,) + tuple(shape[depth:]))
    for index, value in zip(indices.reshape(-1, depth), values):
        out[tuple(index)] += value
    return out


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_scatter(dtype):
    indices = np.array([[0, 1], [1, 1], [0, 1], [2, 0]], "int32")  # a duplicate adds up
    values = np.array([1, 2, 3, 4], dtype)
    out = check_op(ops.scatter, _scatter_reference, indices, values, (3, 2), dtype=dtype)
    assert out[0, 1] == 4


def test_scatter_partial_indices_and_lists():
    indices = np.array([[1], [3]], "int32")
    values = np.arange(6, dtype="float32").reshape(2, 3)
    check_op(ops.scatter, _scatter_reference, indices, values, (4, 3))
    out = ops.scatter([[0, 1], [1, 1]], [1.0, 1.0], (2, 2))
    np.testing.assert_array_equal(_np(out), [[0, 1], [0, 1]])
    assert ops.dtype(out) == "float32"


def test_scatter_symbolic():
    out = ops.scatter(KerasTensor((None, 2), "int32"), KerasTensor((None,), "float16"), (4, 4))
    assert out.shape == (4, 4) and out.dtype == "float16"
    with pytest.raises(ValueError, match="last axis"):
        ops.scatter(KerasTensor((3, 3), "int32"), KerasTensor((3,)), (4, 4))


def _scatter_update_reference(inputs, indices, updates, reduction=None):
    out = inputs.copy()
    combine = {None: lambda a, b: b, "add": np.add, "max": np.maximum, "min": np.minimum,
               "mul": np.multiply}[reduction]
    for index, value in zip(np.asarray(indices), np.asarray(updates, inputs.dtype)):
        out[tuple(index)] = combine(out[tuple(index)], value)
    return out


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_scatter_update(reduction, dtype, rng):
    inputs = (rng.normal(size=(4, 3)) * 4).astype(dtype)
    indices = np.array([[0, 1], [2, 2], [3, 0]], "int32")
    updates = np.array([5, -6, 7], dtype)
    check_op(ops.scatter_update, _scatter_update_reference, inputs, indices, updates,
             kwargs={"reduction": reduction}, dtype=dtype, none_first=False)


def test_scatter_update_duplicates_rows_and_input_unchanged():
    inputs = np.zeros((4,), "float32")
    out = ops.scatter_update(inputs, [[0], [0], [1]], np.array([1.0, 1.0, 1.0]), reduction="ADD")
    np.testing.assert_array_equal(_np(out), [2, 1, 0, 0])
    assert inputs.sum() == 0
    rows = ops.scatter_update(np.zeros((4, 4, 4)), [[1, 2], [2, 3]], np.ones((2, 4)))
    assert _np(rows)[1, 2].tolist() == [1, 1, 1, 1] and _np(rows).sum() == 8


def test_scatter_update_errors_and_symbolic():
    with pytest.raises(ValueError, match="invalid reduction='sub'"):
        ops.scatter_update(np.zeros(3), [[0]], [1.0], reduction="sub")
    with pytest.raises(ValueError, match="invalid reduction"):
        ops.scatter_update(KerasTensor((3,)), [[0]], [1.0], reduction="avg")
    out = ops.scatter_update(KerasTensor((None, 3), "int32"), [[0, 1]], [4])
    assert out.shape == (None, 3) and out.dtype == "int32"


# -- unstack -------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_unstack(axis, rng):
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    check_op(ops.unstack, lambda t, axis: list(np.moveaxis(t, axis, 0)), x,
             kwargs={"axis": axis}, none_first=axis != 0)


def test_unstack_symbolic_and_errors():
    parts = ops.unstack(KerasTensor((None, 3), "int32"), axis=1)
    assert len(parts) == 3 and parts[0].shape == (None,) and parts[0].dtype == "int32"
    assert len(ops.unstack(KerasTensor((None, 3)), num=2)) == 2
    with pytest.raises(ValueError, match="num"):
        ops.unstack(KerasTensor((None, 3)))
    with pytest.raises(ValueError, match="num=4"):
        ops.unstack(np.zeros((3, 2)), num=4)


# -- saturate_cast -------------------------------------------------------------------------


def _saturate_reference(x, dtype):
    info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else np.finfo(dtype)
    return np.clip(x.astype(np.float64), float(info.min), float(info.max)).astype(dtype)


@pytest.mark.parametrize(
    "in_dtype, out_dtype, values",
    [("float32", "uint8", [-1.0, 0.4, 254.6, 256.0, np.inf, -np.inf]),
     ("float64", "int8", [-300.0, -128.0, 5.0, 127.9, 1e20]),
     ("int32", "uint8", [-5, 0, 200, 300]),
     ("int64", "int16", [-10 ** 6, 12, 10 ** 6]),
     ("uint16", "int8", [0, 100, 60000]),
     ("float64", "float16", [-1e6, 1.5, 7e4, np.inf]),
     ("float32", "int32", [-3e9, 17.0, 3e9])],
)
def test_saturate_cast(in_dtype, out_dtype, values):
    x = np.array(values).astype(in_dtype)
    out = check_op(ops.saturate_cast, None, x, out_dtype, dtype=out_dtype)
    if out_dtype == "int32":
        # float32 cannot hold 2**31 - 1: the upper limit is the largest float32 below it.
        np.testing.assert_array_equal(out, [-2 ** 31, 17, 2 ** 31 - 128])
    else:
        np.testing.assert_array_equal(out, _saturate_reference(x, out_dtype))
    plain = _np(ops.saturate_cast(x, out_dtype))
    assert plain.dtype == np.dtype(out_dtype)


def test_saturate_cast_bool_and_symbolic():
    out = ops.saturate_cast(np.array([True, False]), "float32")
    np.testing.assert_array_equal(_np(out), [1.0, 0.0])
    spec = ops.saturate_cast(KerasTensor((None, 2)), "uint8")
    assert spec.shape == (None, 2) and spec.dtype == "uint8"


# -- rearrange -----------------------------------------------------------------------------


REARRANGE_CASES = [
    ("b h w c -> b c h w", {}, lambda x: x.transpose(0, 3, 1, 2)),
    ("b h w c -> (b h) w c", {}, lambda x: x.reshape(4 * 6, 8, 3)),
    ("b h w c -> h (b w) c", {}, lambda x: x.transpose(1, 0, 2, 3).reshape(6, 4 * 8, 3)),
    ("b h w c -> b (c h w)", {}, lambda x: x.transpose(0, 3, 1, 2).reshape(4, -1)),
    ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2},
     lambda x: x.reshape(4, 2, 3, 2, 4, 3).transpose(0, 1, 3, 2, 4, 5).reshape(16, 3, 4, 3)),
    ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2},
     lambda x: x.reshape(4, 3, 2, 4, 2, 3).transpose(0, 1, 3, 5, 2, 4).reshape(4, 3, 4, 12)),
    ("b h w c -> b h w c", {}, lambda x: x),
]


@pytest.mark.parametrize("pattern, lengths, reference", REARRANGE_CASES,
                         ids=[c[0] for c in REARRANGE_CASES])
def test_rearrange(pattern, lengths, reference):
    x = np.arange(4 * 6 * 8 * 3, dtype="float32").reshape(4, 6, 8, 3)
    check_op(ops.rearrange, lambda t, p, **kw: reference(t), x, pattern, kwargs=lengths,
             none_first=False)


def test_rearrange_symbolic_unknown_dims():
    x = KerasTensor((None, 6, 8, 3), "int32")
    assert ops.rearrange(x, "b h w c -> b c h w").shape == (None, 3, 6, 8)
    assert ops.rearrange(x, "b h w c -> (b h) (w c)").shape == (None, 24)
    out = ops.rearrange(x, "(b2 b) (h1 h) w c -> b h (b2 h1 w c)", h1=2, b2=2)
    assert out.shape == (None, 3, 96) and out.dtype == "int32"


def test_rearrange_errors():
    x = np.zeros((4, 6))
    with pytest.raises(ValueError, match="describes 3 axes"):
        ops.rearrange(x, "a b c -> a b c")
    with pytest.raises(ValueError, match="same axes"):
        ops.rearrange(x, "a b -> a c")
    with pytest.raises(ValueError, match="cannot infer"):
        ops.rearrange(x, "a (b c) -> a b c")
    with pytest.raises(ValueError, match="cannot be split"):
        ops.rearrange(x, "a (b c) -> a b c", b=4)
    with pytest.raises(ValueError, match="'input axes -> output axes'"):
        ops.rearrange(x, "a b")
    with pytest.raises(ValueError, match="repeats"):
        ops.rearrange(x, "a a -> a")
    with pytest.raises(ValueError, match="not in"):
        ops.rearrange(x, "a b -> b a", z=3)


def test_exports():
    for name in ("slice", "slice_update", "scatter", "scatter_update", "unstack",
                 "saturate_cast", "rearrange"):
        assert callable(getattr(lamina.ops, name))


@pytest.mark.skipif(lamina.backend.backend() != "jax", reason="compiles with jax.jit")
def test_traced_indices_under_jit():
    import jax

    @jax.jit
    def program(x, i):
        return (ops.slice(x, [i, 0], (2, 3)), ops.slice(x, np.array([1, 1]) * i, (2, 2)),
                ops.slice_update(x, [i, i], np.ones((2, 2), "float32")),
                ops.scatter_update(x, ops.expand_dims(ops.stack([i, i]), 0), ops.ones((1,))),
                ops.scatter(ops.expand_dims(ops.stack([i, 0]), 0), ops.ones((1,)), (5, 5)))

    x = np.arange(25, dtype="float32").reshape(5, 5)
    window, square, updated, scattered, fresh = program(x, 2)
    np.testing.assert_array_equal(np.asarray(window), x[2:4, 0:3])
    np.testing.assert_array_equal(np.asarray(square), x[2:4, 2:4])
    assert float(np.asarray(updated)[2:4, 2:4].sum()) == 4.0
    assert float(np.asarray(scattered)[2, 2]) == 1.0 and float(np.asarray(fresh)[2, 0]) == 1.0
