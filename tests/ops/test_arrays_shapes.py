"""Shape, joining and splitting ops of the NumPy-like namespace against NumPy, on the active
backend (see harness.check_op), and their symbolic rules with unknown dims."""

import numpy as np
import pytest

from lamina import ops
from lamina.backend.common.keras_tensor import KerasTensor
from tests.ops.harness import check_op

rng = np.random.default_rng(2)
A = rng.normal(size=(3, 4)).astype("float32")
A3 = rng.normal(size=(2, 3, 4)).astype("float32")
V = rng.normal(size=(5,)).astype("float32")
I = rng.integers(-5, 5, size=(3, 4)).astype("int32")
BOOL = rng.random(size=(3, 4)) > 0.5
EMPTY = np.zeros((0, 4), "float32")


# -- one tensor in, one out ---------------------------------------------------------------------


@pytest.mark.parametrize("newshape", [(4, 3), (-1,), (2, -1, 2), 12, (12, 1)])
def test_reshape(newshape):
    check_op(ops.reshape, np.reshape, A, newshape, dtype="float32", none_first=False)
    check_op(ops.reshape, np.reshape, I, newshape, dtype="int32", none_first=False)


def test_reshape_symbolic_and_errors():
    assert ops.reshape(KerasTensor((None, 4)), (-1, 2, 2)).shape == (None, 2, 2)
    assert ops.reshape(KerasTensor((3, 4)), (-1, 6)).shape == (2, 6)
    with pytest.raises(ValueError, match="reshape"):
        ops.reshape(KerasTensor((3, 4)), (5, -1))
    with pytest.raises(ValueError, match="at most one -1"):
        ops.reshape(KerasTensor((3, 4)), (-1, -1))


def test_ravel_and_empty():
    check_op(ops.ravel, np.ravel, A3, dtype="float32")
    check_op(ops.ravel, np.ravel, EMPTY, dtype="float32")
    assert ops.ravel(KerasTensor((None, 3))).shape == (None,)


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (-1, 0, 1)])
def test_transpose(axes):
    check_op(ops.transpose, np.transpose, A3, kwargs={"axes": axes}, dtype="float32")
    with pytest.raises(ValueError, match="permutation"):
        ops.transpose(KerasTensor((2, 3)), axes=(0, 0))


@pytest.mark.parametrize("axis", [0, -1, 2, (0, 3), (-1, 1)])
def test_expand_dims(axis):
    check_op(ops.expand_dims, np.expand_dims, A3, axis, dtype="float32")


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_squeeze(axis):
    x = A.reshape(1, 3, 1, 4)[..., :1] if axis == -1 else A.reshape(1, 3, 1, 4)
    check_op(ops.squeeze, np.squeeze, x, kwargs={"axis": axis}, dtype="float32", none_first=False)
    with pytest.raises(ValueError, match="squeeze"):
        ops.squeeze(KerasTensor((2, 3)), axis=0)


@pytest.mark.parametrize("shape", [(2, 3, 4), (3, 4), (5, 1, 4)])
def test_broadcast_to(shape):
    x = A[:1] if shape[-2] == 1 else A
    check_op(ops.broadcast_to, np.broadcast_to, x if shape != (5, 1, 4) else A[:1], shape,
             dtype="float32", none_first=False)
    with pytest.raises(ValueError, match="broadcast_to"):
        ops.broadcast_to(KerasTensor((3, 4)), (2, 4))
    assert ops.broadcast_to(KerasTensor((None, 4)), (3, 4)).shape == (3, 4)


@pytest.mark.parametrize("source, destination", [(0, -1), (-1, 0), ((0, 1), (2, 0))])
def test_moveaxis(source, destination):
    check_op(ops.moveaxis, np.moveaxis, A3, source, destination, dtype="float32")


@pytest.mark.parametrize("axis1, axis2", [(0, 1), (-1, 0), (2, 2)])
def test_swapaxes(axis1, axis2):
    check_op(ops.swapaxes, np.swapaxes, A3, axis1, axis2, dtype="float32")


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_flip(axis):
    check_op(ops.flip, np.flip, A3, kwargs={"axis": axis}, dtype="float32")


def test_fliplr_flipud():
    check_op(ops.fliplr, np.fliplr, A3, dtype="float32")
    check_op(ops.flipud, np.flipud, V, dtype="float32")
    check_op(ops.flipud, np.flipud, BOOL, dtype="bool")
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.fliplr(KerasTensor((3,)))


@pytest.mark.parametrize("shift, axis", [(1, None), (-2, 0), (3, -1), ((1, 2), (0, 2))])
def test_roll(shift, axis):
    check_op(ops.roll, np.roll, A3, shift, kwargs={"axis": axis}, dtype="float32")


@pytest.mark.parametrize("k, axes", [(1, (0, 1)), (2, (0, 1)), (3, (1, 2)), (-1, (2, 0))])
def test_rot90(k, axes):
    check_op(ops.rot90, np.rot90, A3, kwargs={"k": k, "axes": axes}, dtype="float32")
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.rot90(KerasTensor((3,)))


@pytest.mark.parametrize("repeats", [2, (2, 1), (2, 1, 3), (1, 1, 1, 2)])
def test_tile(repeats):
    check_op(ops.tile, np.tile, A3 if len(np.atleast_1d(repeats)) > 2 else A, repeats,
             dtype="float32")


@pytest.mark.parametrize("repeats, axis", [(2, None), (3, 0), ([1, 0, 2], 0), ([1, 2, 0, 1], -1)])
def test_repeat(repeats, axis):
    check_op(ops.repeat, np.repeat, A, repeats, kwargs={"axis": axis}, dtype="float32",
             none_first=axis not in (0, None))


@pytest.mark.parametrize("pad_width", [1, ((1, 2), (0, 3)), ((1, 1),), (2, 1)])
@pytest.mark.parametrize("mode", ["constant", "edge", "reflect", "symmetric", "wrap", "maximum"])
def test_pad(pad_width, mode):
    check_op(ops.pad, np.pad, A, pad_width, kwargs={"mode": mode}, dtype="float32")


def test_pad_constant_values_and_errors():
    check_op(ops.pad, np.pad, I, ((1, 0), (2, 2)), kwargs={"constant_values": 7}, dtype="int32")
    with pytest.raises(ValueError, match="constant_values"):
        ops.pad(A, 1, mode="edge", constant_values=3)
    with pytest.raises(ValueError, match="pad_width"):
        ops.pad(A, ((1, 1), (1, 1), (1, 1)))


@pytest.mark.parametrize("k", [0, 1, -2, 5])
def test_diag_diagflat(k):
    check_op(ops.diag, np.diag, V, kwargs={"k": k}, dtype="float32", none_first=False)
    check_op(ops.diag, np.diag, A, kwargs={"k": k}, dtype="float32", none_first=False)
    check_op(ops.diagflat, np.diagflat, A, kwargs={"k": k}, dtype="float32", none_first=False)
    assert ops.diag(KerasTensor((None,))).shape == (None, None)


@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 0, 1), (-1, 1, 2), (0, -1, 0)])
def test_diagonal_and_trace(offset, axis1, axis2):
    kwargs = {"offset": offset, "axis1": axis1, "axis2": axis2}
    check_op(ops.diagonal, np.diagonal, A3, kwargs=kwargs, dtype="float32")
    check_op(ops.trace, np.trace, A3, kwargs=kwargs, dtype="float32", rtol=1e-5)
    check_op(ops.trace, np.trace, I, kwargs={"offset": offset}, dtype="int32")
    check_op(ops.trace, lambda x, **kw: np.trace(x.astype("int32"), **kw), BOOL, dtype="int32")


@pytest.mark.parametrize("k", [0, 1, -1])
def test_tril_triu(k):
    check_op(ops.tril, np.tril, A3, kwargs={"k": k}, dtype="float32")
    check_op(ops.triu, np.triu, I, kwargs={"k": k}, dtype="int32")


@pytest.mark.parametrize("n, axis", [(1, -1), (2, 0), (0, 1), (5, -1)])
def test_diff(n, axis):
    check_op(ops.diff, np.diff, A, kwargs={"n": n, "axis": axis}, dtype="float32",
             none_first=axis != 0)
    check_op(ops.diff, np.diff, I, kwargs={"n": n, "axis": axis}, dtype="int32",
             none_first=axis != 0)


def test_copy():
    check_op(ops.copy, np.copy, A, dtype="float32")
    check_op(ops.copy, np.copy, BOOL, dtype="bool")


@pytest.mark.parametrize("dtype", ["int32", "uint8", "int16", "float64", "float32"])
def test_view(dtype):
    check_op(ops.view, lambda x, dtype: x.view(dtype), A, dtype, dtype=dtype, none_first=False)
    with pytest.raises(ValueError, match="view"):
        ops.view(KerasTensor((3, 3), "float32"), "float64")


def test_ndim_and_size():
    assert ops.ndim(A3) == 3 and ops.ndim(KerasTensor((None, 2))) == 2
    assert ops.size(A3) == 24 and ops.size(EMPTY) == 0
    spec = ops.size(KerasTensor((None, 2)))
    assert spec.shape == () and spec.dtype == "int32"


@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid(indexing):
    x = np.arange(3, dtype="float32")
    y = np.arange(2, dtype="int32")
    z = np.arange(4, dtype="float32")
    check_op(ops.meshgrid, np.meshgrid, x, y, kwargs={"indexing": indexing}, dtype=["float32"] * 2,
             none_first=False)
    check_op(ops.meshgrid, np.meshgrid, x, y, z, kwargs={"indexing": indexing},
             dtype=["float32"] * 3, none_first=False)
    specs = ops.meshgrid(KerasTensor((None,)), KerasTensor((2,)), indexing=indexing)
    assert specs[0].shape == ((2, None) if indexing == "xy" else (None, 2))


# -- joining ------------------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_concatenate(axis):
    check_op(ops.concatenate, lambda xs, axis: np.concatenate(xs, axis=axis), [A, A[:, :2]]
             if axis not in (0,) else [A, A[:1]], kwargs={"axis": axis}, dtype="float32",
             none_first=axis not in (0, None))


def test_concatenate_promotes_and_checks():
    check_op(ops.concatenate, lambda xs: np.concatenate([x.astype("float32") for x in xs]),
             [I, A], dtype="float32")
    check_op(ops.concatenate, np.concatenate, [EMPTY, A], dtype="float32", none_first=False)
    with pytest.raises(ValueError, match="must match"):
        ops.concatenate([KerasTensor((2, 3)), KerasTensor((2, 4))], axis=0)
    assert ops.concatenate([KerasTensor((None, 3)), KerasTensor((2, 3))]).shape == (None, 3)


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_append(axis):
    other = A if axis is None else (A[:2] if axis == 0 else A[:, :1])
    check_op(ops.append, np.append, A, other, kwargs={"axis": axis}, dtype="float32",
             none_first=axis not in (0, None))
    check_op(ops.append, lambda x, y, axis: np.append(x, y, axis), I, 2.5, kwargs={"axis": None},
             dtype="float32", symbolic=False)


@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_stack(axis):
    check_op(ops.stack, lambda x, axis: np.stack(x, axis=axis), [A, A * 2, A],
             kwargs={"axis": axis}, dtype="float32")
    check_op(ops.stack, lambda x, axis: np.stack(x, axis=axis).astype("float32"), [I, A],
             kwargs={"axis": axis}, dtype="float32")
    with pytest.raises(ValueError, match="same shape"):
        ops.stack([KerasTensor((2, 3)), KerasTensor((3, 2))])


SCALARS = [np.array(1.0, "float32"), np.array(2.0, "float32")]


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack"])
@pytest.mark.parametrize("xs", [[V, V], [A, A], [A3, A3], SCALARS],
                         ids=["1d", "2d", "3d", "0d"])
def test_hstack_vstack_dstack(name, xs):
    check_op(getattr(ops, name), getattr(np, name), xs, dtype="float32", none_first=False)


def test_hstack_vstack_dstack_unknown_dims():
    assert ops.hstack([KerasTensor((None, 2)), KerasTensor((None, 3))]).shape == (None, 5)
    assert ops.vstack([KerasTensor((None, 2)), KerasTensor((3, 2))]).shape == (None, 2)
    assert ops.dstack([KerasTensor((4,)), KerasTensor((4,))]).shape == (1, 4, 2)


# -- splitting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("sections, axis", [(2, 1), (3, 0), ([1, 3], -1), ([0, 2, 2], 1), ([5], 0)])
def test_split(sections, axis):
    check_op(ops.split, lambda x, s, axis: np.split(x, s, axis=axis), A, sections,
             kwargs={"axis": axis}, dtype=["float32"] * (sections if isinstance(sections, int)
                                                       else len(sections) + 1),
             none_first=axis != 0)


def test_split_errors_and_unknown_dims():
    with pytest.raises(ValueError, match="equal"):
        ops.split(A, 3, axis=1)
    pieces = ops.split(KerasTensor((None, 6)), 2, axis=0)
    assert [p.shape for p in pieces] == [(None, 6), (None, 6)]
    pieces = ops.split(KerasTensor((None, 6)), [2, 5], axis=1)
    assert [p.shape for p in pieces] == [(None, 2), (None, 3), (None, 1)]


@pytest.mark.parametrize("sections, axis", [(3, 1), (2, 0), (4, -1), (5, 1)])
def test_array_split(sections, axis):
    check_op(ops.array_split, lambda x, s, axis: np.array_split(x, s, axis=axis), A, sections,
             kwargs={"axis": axis}, dtype=["float32"] * sections, none_first=axis != 0)


@pytest.mark.parametrize("name, x, sections", [
    ("hsplit", A, 2), ("hsplit", V, [2]), ("vsplit", A, 3), ("vsplit", A3, [1]),
    ("dsplit", A3, 2), ("dsplit", A3, [1, 3]),
])
def test_hsplit_vsplit_dsplit(name, x, sections):
    n = sections if isinstance(sections, int) else len(sections) + 1
    check_op(getattr(ops, name), getattr(np, name), x, sections, dtype=["float32"] * n,
             none_first=name != "vsplit" and x.ndim > 1)


def test_directional_split_rank_errors():
    with pytest.raises(ValueError, match="rank >= 2"):
        ops.vsplit(V, 1)
    with pytest.raises(ValueError, match="rank >= 3"):
        ops.dsplit(KerasTensor((2, 2)), 1)


def test_empty_inputs():
    check_op(ops.flip, np.flip, EMPTY, dtype="float32")
    check_op(ops.tile, np.tile, EMPTY, (2, 1), dtype="float32", none_first=False)
    check_op(ops.transpose, np.transpose, EMPTY, dtype="float32")
    check_op(ops.pad, np.pad, EMPTY, 1, dtype="float32", none_first=False)
    check_op(ops.split, np.split, EMPTY, 2, kwargs={"axis": 1}, dtype=["float32"] * 2)
    check_op(ops.diff, np.diff, EMPTY, dtype="float32")
    check_op(ops.stack, np.stack, [EMPTY, EMPTY], dtype="float32")
