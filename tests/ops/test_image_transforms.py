"""Geometric image ops (lamina.ops.image): map_coordinates against SciPy's grid modes, affine
and perspective transforms against shifts and SciPy sampling, elastic transform properties."""

import numpy as np
import pytest
from scipy import ndimage

import lamina
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.ops import image
from tests.ops.harness import BACKEND, check_op

rng = np.random.default_rng(1)
FORMATS = ["channels_last", "channels_first"]
FILL_MODES = ["constant", "nearest", "wrap", "mirror", "reflect"]
# Keras' fill modes are SciPy's "grid" modes: every interpolation node outside the input is
# filled on its own (scipy's plain "constant" and "wrap" treat the last cell specially).
SCIPY_MODES = {"constant": "grid-constant", "nearest": "nearest", "wrap": "grid-wrap",
               "mirror": "mirror", "reflect": "reflect"}
NUMPY_PAD_MODES = {"nearest": "edge", "wrap": "wrap", "mirror": "reflect", "reflect": "symmetric"}


def _numpy(x):
    return lamina.ops.convert_to_numpy(x)


def _round_half_away(x):
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def map_ref(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    out = ndimage.map_coordinates(inputs.astype("float64"), np.asarray(coordinates), order=order,
                                  mode=SCIPY_MODES[fill_mode], cval=fill_value)
    if inputs.dtype.kind in "iu":
        out = _round_half_away(out)
    return out.astype(inputs.dtype)


# -- map_coordinates -----------------------------------------------------------------------------


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("shape", [(7,), (5, 6), (3, 4, 5)])
def test_map_coordinates(fill_mode, order, shape):
    inputs = rng.normal(size=shape).astype("float32")
    coordinates = np.stack(
        [rng.uniform(-3, n + 2, size=(4, 5)) for n in shape]).astype("float32")
    check_op(image.map_coordinates, map_ref, inputs, coordinates, order,
             kwargs={"fill_mode": fill_mode, "fill_value": 0.5}, dtype="float32",
             rtol=1e-5, atol=1e-5, none_first=False)


@pytest.mark.parametrize("dtype", ["int32", "uint8", "float64"])
def test_map_coordinates_dtypes(dtype):
    inputs = (rng.random((6, 5)) * 100).astype(dtype)
    coordinates = np.stack([rng.uniform(-1, 6, 10), rng.uniform(-1, 5, 10)])
    check_op(image.map_coordinates, map_ref, inputs, coordinates, 1,
             kwargs={"fill_mode": "nearest"}, dtype=dtype, none_first=False)


def test_map_coordinates_by_hand_and_list_coordinates():
    line = np.array([1.0, 2.0, 4.0, 8.0], "float32")
    got = image.map_coordinates(line, [np.array([0.5, 2.25, -0.5, 3.5])], order=1)
    # Past the ends, linear interpolation mixes the edge value with the fill value (0).
    np.testing.assert_allclose(_numpy(got), [1.5, 5.0, 0.5, 4.0])
    got = image.map_coordinates(line, np.array([[-0.5, 3.5, 4.5]]), order=1, fill_mode="nearest")
    np.testing.assert_allclose(_numpy(got), [1.0, 8.0, 8.0])
    got = image.map_coordinates(line, np.array([[0.5, 1.5, -0.5]]), order=0)  # half away from 0
    np.testing.assert_allclose(_numpy(got), [2.0, 4.0, 0.0])


def test_map_coordinates_symbolic_and_errors():
    spec = image.map_coordinates(KerasTensor((5, 6)), KerasTensor((2, 3, None)), 1)
    assert spec.shape == (3, None) and spec.dtype == "float32"
    x = np.zeros((4, 4), "float32")
    with pytest.raises(ValueError, match="first dimension of `coordinates` must equal the rank"):
        image.map_coordinates(x, np.zeros((3, 2)), 1)
    with pytest.raises(ValueError, match="`coordinates` must have rank 2 or more"):
        image.map_coordinates(np.zeros(2), np.zeros(1), 1)
    with pytest.raises(ValueError, match="invalid `order`=3"):
        image.map_coordinates(x, np.zeros((2, 2)), 3)
    with pytest.raises(ValueError, match="invalid `fill_mode`='grid-wrap'"):
        image.map_coordinates(x, np.zeros((2, 2)), 1, fill_mode="grid-wrap")


# -- affine_transform ----------------------------------------------------------------------------


def _to_last(x, data_format):
    return np.moveaxis(x, -3, -1) if data_format == "channels_first" else x


def _from_last(x, data_format):
    return np.moveaxis(x, -1, -3) if data_format == "channels_first" else x


def affine_ref(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
               data_format=None):
    """SciPy sampling at (b0 x + b1 y + b2, a0 x + a1 y + a2) for each output (y, x)."""
    data_format = data_format or lamina.backend.image_data_format()
    x = _to_last(images, data_format)
    batch = x if x.ndim == 4 else x[None]
    transform = np.broadcast_to(np.atleast_2d(transform), (batch.shape[0], 8))
    height, width = batch.shape[1:3]
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    order = {"nearest": 0, "bilinear": 1}[interpolation]
    out = np.empty_like(batch)
    for b, (a0, a1, a2, b0, b1, b2, _, _) in enumerate(transform.astype("float64")):
        coordinates = [b0 * xx + b1 * yy + b2, a0 * xx + a1 * yy + a2]
        for c in range(batch.shape[-1]):
            out[b, ..., c] = map_ref(batch[b, ..., c], coordinates, order, fill_mode, fill_value)
    return _from_last(out if x.ndim == 4 else out[0], data_format)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_identity(fill_mode, interpolation):
    x = rng.random((2, 5, 6, 3)).astype("float32")
    identity = np.array([1, 0, 0, 0, 1, 0, 0, 0], "float32")
    got = image.affine_transform(x, identity, interpolation=interpolation, fill_mode=fill_mode,
                                 data_format="channels_last")
    np.testing.assert_array_equal(_numpy(got), x)


@pytest.mark.parametrize("fill_mode", FILL_MODES)
@pytest.mark.parametrize("shift", [(2, -1), (-3, 4)])
def test_affine_translation_fill_modes(fill_mode, shift):
    """out[y, x] = in[y + ty, x + tx], the outside extended as the fill mode documents."""
    tx, ty = shift
    x = rng.random((5, 6, 2)).astype("float32")
    transform = np.array([1, 0, tx, 0, 1, ty, 0, 0], "float32")
    pad = 6
    if fill_mode == "constant":
        padded = np.pad(x, [(pad, pad), (pad, pad), (0, 0)], constant_values=0.25)
    else:
        padded = np.pad(x, [(pad, pad), (pad, pad), (0, 0)], mode=NUMPY_PAD_MODES[fill_mode])
    expected = padded[pad + ty:pad + ty + 5, pad + tx:pad + tx + 6]
    for interpolation in ("nearest", "bilinear"):
        got = image.affine_transform(x, transform, interpolation=interpolation,
                                     fill_mode=fill_mode, fill_value=0.25,
                                     data_format="channels_last")
        np.testing.assert_allclose(_numpy(got), expected, atol=1e-6)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("fill_mode", ["constant", "reflect", "wrap"])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_general(data_format, fill_mode, interpolation):
    x = rng.random((2, 6, 7, 3)).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    angle = 0.3
    rotate_zoom = [1.2 * np.cos(angle), -np.sin(angle), 0.7, np.sin(angle), 0.9 * np.cos(angle),
                   -0.4, 0, 0]
    shear = [1.0, 0.5, -1.3, 0.2, 1.0, 0.35, 0, 0]
    transforms = np.array([rotate_zoom, shear], "float32")
    kwargs = {"interpolation": interpolation, "fill_mode": fill_mode, "fill_value": 0.5,
              "data_format": data_format}
    check_op(image.affine_transform, affine_ref, x, transforms, kwargs=kwargs, dtype="float32",
             rtol=1e-4, atol=1e-4)
    check_op(image.affine_transform, affine_ref, x[0], transforms[1], kwargs=kwargs,
             dtype="float32", rtol=1e-4, atol=1e-4, none_first=False)
    check_op(image.affine_transform, affine_ref, x, transforms[0], kwargs=kwargs,  # shared
             dtype="float32", rtol=1e-4, atol=1e-4)


def test_affine_dtypes_and_projective_terms():
    x = (rng.random((1, 4, 5, 2)) * 100).astype("int32")
    shift = np.array([1, 0, 1, 0, 1, 0, 0, 0], "float32")
    got = _numpy(image.affine_transform(x, shift, data_format="channels_last"))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got[:, :, :4], x[:, :, 1:])
    np.testing.assert_array_equal(got[:, :, 4], 0)
    x64 = rng.random((4, 5, 1))
    check_op(image.affine_transform, affine_ref, x64, np.array([0.9, 0.1, 0.3, 0, 1.1, 0, 0, 0]),
             kwargs={"data_format": "channels_last"}, dtype="float64", none_first=False)
    # c0 and c1 are ignored, as on Keras' non-TensorFlow backends.
    with_c = np.array([1, 0, 1, 0, 1, 0, 0.3, 0.2], "float32")
    np.testing.assert_array_equal(
        _numpy(image.affine_transform(x, with_c, data_format="channels_last")), got)


def test_affine_symbolic_and_errors():
    spec = image.affine_transform(KerasTensor((None, 8, 8, 3)), KerasTensor((None, 8)))
    assert spec.shape == (None, 8, 8, 3)
    x = np.zeros((2, 4, 4, 1), "float32")
    with pytest.raises(ValueError, match="`transform` must have shape \\(8,\\)"):
        image.affine_transform(x, np.zeros((2, 6), "float32"))
    with pytest.raises(ValueError, match="one row per image"):
        image.affine_transform(x, np.zeros((3, 8), "float32"))
    with pytest.raises(ValueError, match="invalid `interpolation`='bicubic'"):
        image.affine_transform(x, np.zeros(8, "float32"), interpolation="bicubic")
    with pytest.raises(ValueError, match="invalid `fill_mode`='edge'"):
        image.affine_transform(x, np.zeros(8, "float32"), fill_mode="edge")
    with pytest.raises(ValueError, match="affine_transform: expected `images` of rank 3"):
        image.affine_transform(np.zeros((4, 4)), np.zeros(8, "float32"))


@pytest.mark.skipif(BACKEND != "jax", reason="jit and gradients are checked on jax")
def test_transforms_jit_and_grad_on_jax():
    import jax
    import jax.numpy as jnp

    x = rng.random((2, 6, 6, 3)).astype("float32")
    shift = jnp.array([1, 0, 0.5, 0, 1, 0.25, 0, 0], "float32")

    def loss(images):
        moved = image.affine_transform(images, shift, data_format="channels_last")
        resized = image.resize(moved, (4, 4), data_format="channels_last")
        return jnp.sum(resized**2)

    value = jax.jit(loss)(x)
    np.testing.assert_allclose(value, loss(x), rtol=1e-5)
    grad = jax.grad(loss)(x)
    assert grad.shape == x.shape and np.isfinite(np.asarray(grad)).all()
    assert np.abs(np.asarray(grad)).sum() > 0


# -- perspective_transform -----------------------------------------------------------------------


CORNERS = np.array([[0, 0], [0, 6], [7, 0], [7, 6]], "float32")


def _homography(start, end):
    """The 3x3 matrix taking output (end) points to input (start) points, in float64."""
    rows, target = [], []
    for (sx, sy), (ex, ey) in zip(start.astype("float64"), end.astype("float64")):
        rows.append([ex, ey, 1, 0, 0, 0, -sx * ex, -sx * ey])
        rows.append([0, 0, 0, ex, ey, 1, -sy * ex, -sy * ey])
        target += [sx, sy]
    return np.append(np.linalg.solve(np.array(rows), np.array(target)), 1.0).reshape(3, 3)


def perspective_ref(images, start_points, end_points, interpolation="bilinear", fill_value=0,
                    data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    x = _to_last(images, data_format)
    batch = x if x.ndim == 4 else x[None]
    start = np.broadcast_to(start_points, (batch.shape[0], 4, 2))
    end = np.broadcast_to(end_points, (batch.shape[0], 4, 2))
    height, width = batch.shape[1:3]
    yy, xx = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    points = np.stack([xx, yy, np.ones_like(xx)]).reshape(3, -1)
    order = {"nearest": 0, "bilinear": 1}[interpolation]
    out = np.empty_like(batch)
    for b in range(batch.shape[0]):
        mapped = _homography(start[b], end[b]) @ points
        coordinates = [(mapped[1] / mapped[2]).reshape(height, width),
                       (mapped[0] / mapped[2]).reshape(height, width)]
        for c in range(batch.shape[-1]):
            out[b, ..., c] = map_ref(batch[b, ..., c], coordinates, order, "constant", fill_value)
    return _from_last(out if x.ndim == 4 else out[0], data_format)


def test_perspective_identity_and_shift():
    x = rng.random((2, 6, 7, 3)).astype("float32")
    got = image.perspective_transform(x, CORNERS, CORNERS, data_format="channels_last")
    np.testing.assert_allclose(_numpy(got), x, atol=1e-5)
    start = CORNERS + np.array([1, 2], "float32")  # input points: 1 right and 2 down
    got = image.perspective_transform(x, start, CORNERS, interpolation="nearest",
                                      data_format="channels_last")
    shift = np.array([1, 0, 1, 0, 1, 2, 0, 0], "float32")
    expected = image.affine_transform(x, shift, interpolation="nearest",
                                      data_format="channels_last")
    np.testing.assert_allclose(_numpy(got), _numpy(expected), atol=1e-6)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_perspective_transform(data_format, interpolation):
    x = rng.random((2, 6, 7, 3)).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    end = np.stack([CORNERS + rng.uniform(-1.2, 1.2, (4, 2)) for _ in range(2)]).astype("float32")
    start = np.stack([CORNERS, CORNERS])
    kwargs = {"interpolation": interpolation, "fill_value": 0.5, "data_format": data_format}
    got = check_op(image.perspective_transform, perspective_ref, x, start, end, kwargs=kwargs,
                   dtype="float32", rtol=1e-3, atol=2e-3)
    assert got.shape == x.shape
    check_op(image.perspective_transform, perspective_ref, x[1], start[1], end[1],
             kwargs=kwargs, dtype="float32", rtol=1e-3, atol=2e-3, none_first=False)


def test_perspective_symbolic_and_errors():
    spec = image.perspective_transform(KerasTensor((None, 8, 8, 3)), KerasTensor((None, 4, 2)),
                                       KerasTensor((None, 4, 2)))
    assert spec.shape == (None, 8, 8, 3)
    x = np.zeros((8, 8, 3), "float32")
    with pytest.raises(ValueError, match="`start_points` must have shape \\(4, 2\\)"):
        image.perspective_transform(x, np.zeros((3, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="must have the same shape"):
        image.perspective_transform(x, np.zeros((1, 4, 2)), np.zeros((4, 2)))
    with pytest.raises(ValueError, match="invalid `interpolation`='bicubic'"):
        image.perspective_transform(x, CORNERS, CORNERS, interpolation="bicubic")


# -- elastic_transform ---------------------------------------------------------------------------


@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "nearest"])
def test_elastic_zero_alpha_is_identity(fill_mode):
    x = rng.random((2, 12, 10, 3)).astype("float32")
    got = image.elastic_transform(x, alpha=0.0, sigma=1.0, fill_mode=fill_mode, seed=3,
                                  data_format="channels_last")
    np.testing.assert_allclose(_numpy(got), x, atol=1e-6)


def test_elastic_transform_seeds_formats_and_dtypes():
    x = rng.random((2, 12, 10, 3)).astype("float32")
    kwargs = {"alpha": 3.0, "sigma": 1.5, "data_format": "channels_last"}
    first = _numpy(image.elastic_transform(x, seed=7, **kwargs))
    assert first.shape == x.shape and first.dtype == np.float32
    np.testing.assert_array_equal(first, _numpy(image.elastic_transform(x, seed=7, **kwargs)))
    assert not np.allclose(first, _numpy(image.elastic_transform(x, seed=8, **kwargs)))
    assert not np.allclose(first, x)
    # The displacement field depends on (batch, height, width) only: the layout does not matter.
    kwargs["data_format"] = "channels_first"
    channels_first = image.elastic_transform(np.moveaxis(x, -1, 1), seed=7, **kwargs)
    np.testing.assert_allclose(np.moveaxis(_numpy(channels_first), 1, -1), first, atol=1e-6)
    unbatched = _numpy(image.elastic_transform(x[0], seed=7, alpha=3.0, sigma=1.5,
                                               data_format="channels_last"))
    assert unbatched.shape == x[0].shape
    ints = (x * 100).astype("int32")
    got = image.elastic_transform(ints, seed=1, interpolation="nearest",
                                  data_format="channels_last")
    assert lamina.backend.standardize_dtype(got.dtype) == "int32"
    # Nearest sampling only picks existing values.
    assert set(np.unique(_numpy(got))) <= set(np.unique(ints))
    generator = lamina.random.SeedGenerator(5)
    a = _numpy(image.elastic_transform(x, seed=generator, data_format="channels_last"))
    b = _numpy(image.elastic_transform(x, seed=generator, data_format="channels_last"))
    assert not np.allclose(a, b)


def test_elastic_symbolic_and_errors():
    spec = image.elastic_transform(KerasTensor((None, 8, 8, 3)))
    assert spec.shape == (None, 8, 8, 3)
    with pytest.raises(ValueError, match="invalid `fill_mode`='edge'"):
        image.elastic_transform(np.zeros((4, 4, 1), "float32"), fill_mode="edge", seed=1)
    with pytest.raises(ValueError, match="elastic_transform: expected `images` of rank 3"):
        image.elastic_transform(np.zeros((4, 4), "float32"), seed=1)
