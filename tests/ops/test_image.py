"""Image ops (lamina.ops.image) against NumPy references written here: color conversions,
resizing, padding and cropping, filters, patches and SSIM. The geometric transforms and
`map_coordinates` are in test_image_transforms.py."""

import colorsys
import itertools
import math

import numpy as np
import pytest

import lamina
from lamina.backend.common.keras_tensor import KerasTensor
from lamina.ops import image
from tests.ops.harness import check_op

rng = np.random.default_rng(0)
FORMATS = ["channels_last", "channels_first"]


def _last(x, data_format):
    """(..., H, W, C) view of an image in `data_format`."""
    return np.moveaxis(x, -3, -1) if data_format == "channels_first" else x


def _back(x, data_format):
    return np.moveaxis(x, -1, -3) if data_format == "channels_first" else x


def _images(shape, data_format="channels_last", dtype="float32"):
    """Random images given the channels-last `shape`, laid out in `data_format`."""
    return _back(rng.random(shape), data_format).astype(dtype)


# -- color ---------------------------------------------------------------------------------------


def gray_ref(x, data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    xl = _last(x, data_format)
    if xl.shape[-1] == 1:
        return x
    compute = np.float64 if x.dtype == np.float64 else np.float32
    weights = np.array([0.2989, 0.5870, 0.1140], compute)
    gray = (xl.astype(compute) @ weights)[..., None]
    return _back(gray.astype(x.dtype), data_format)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (4, 5, 3), (2, 3, 3, 1)])
def test_rgb_to_grayscale(data_format, shape):
    x = _images(shape, data_format)
    check_op(image.rgb_to_grayscale, gray_ref, x, kwargs={"data_format": data_format},
             dtype="float32")


@pytest.mark.parametrize("dtype", ["float64", "uint8", "int32"])
def test_rgb_to_grayscale_dtypes(dtype):
    x = (rng.random((2, 3, 4, 3)) * 200 + 0.25).astype(dtype)
    check_op(image.rgb_to_grayscale, gray_ref, x, dtype=dtype, atol=1e-5)


def test_rgb_to_grayscale_default_format_follows_config():
    x = _images((2, 4, 4, 3), "channels_first")
    lamina.backend.set_image_data_format("channels_first")
    got = lamina.ops.convert_to_numpy(image.rgb_to_grayscale(x))
    assert got.shape == (2, 1, 4, 4)


def test_rgb_to_grayscale_errors():
    with pytest.raises(ValueError, match="rgb_to_grayscale.*3 channels .*RGB.* or 1"):
        image.rgb_to_grayscale(np.zeros((4, 4, 2), "float32"))
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        image.rgb_to_grayscale(np.zeros((4, 3), "float32"))
    with pytest.raises(ValueError, match="rgb_to_grayscale.*channels"):
        image.rgb_to_grayscale(KerasTensor((None, 4, 4, 2)))


def hsv_ref(x, data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    xl = _last(x, data_format)
    out = np.array([colorsys.rgb_to_hsv(*p) for p in xl.reshape(-1, 3)]).reshape(xl.shape)
    return _back(out.astype(x.dtype), data_format)


def rgb_ref(x, data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    xl = _last(x, data_format)
    out = np.array([colorsys.hsv_to_rgb(*p) for p in xl.reshape(-1, 3)]).reshape(xl.shape)
    return _back(out.astype(x.dtype), data_format)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape", [(2, 4, 5, 3), (3, 4, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rgb_hsv(data_format, shape, dtype):
    x = _images(shape, data_format, dtype)
    kwargs = {"data_format": data_format}
    hsv = check_op(image.rgb_to_hsv, hsv_ref, x, kwargs=kwargs, dtype=dtype, atol=1e-5)
    check_op(image.hsv_to_rgb, rgb_ref, hsv, kwargs=kwargs, dtype=dtype, atol=1e-5)
    back = image.hsv_to_rgb(image.rgb_to_hsv(x, **kwargs), **kwargs)
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(back), x, atol=1e-5)


def test_rgb_to_hsv_grays_and_primaries():
    x = np.array([[[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5], [1, 0, 0], [0, 1, 0], [0, 0, 1],
                   [1, 0, 1]]], "float32")
    expected = np.array([[[0, 0, 0], [0, 0, 1], [0, 0, 0.5], [0, 1, 1], [1 / 3, 1, 1],
                          [2 / 3, 1, 1], [5 / 6, 1, 1]]], "float32")
    got = lamina.ops.convert_to_numpy(image.rgb_to_hsv(x, data_format="channels_last"))
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_hsv_errors():
    with pytest.raises(ValueError, match="rgb_to_hsv: `images` must have a float dtype"):
        image.rgb_to_hsv(np.zeros((2, 2, 3), "int32"))
    with pytest.raises(ValueError, match="hsv_to_rgb: expected images with 3 channels"):
        image.hsv_to_rgb(KerasTensor((None, 4, 4, 4)), data_format="channels_last")


# -- resize --------------------------------------------------------------------------------------


def _resize_axis(x, axis, n, method, antialias):
    """Resamples one axis (half-pixel centers), straight from the definition."""
    m = x.shape[axis]
    if m == n:
        return x
    if method == "nearest":
        index = np.floor((np.arange(n) + 0.5) * m / n).astype(int)
        return np.take(x, index, axis=axis)
    kernels = {
        "bilinear": lambda d: np.maximum(0, 1 - d),
        "bicubic": lambda d: np.where(
            d < 1, 1.5 * d**3 - 2.5 * d**2 + 1,
            np.where(d < 2, -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2, 0)),
        "lanczos3": lambda d: np.where(d < 3, np.sinc(d) * np.sinc(d / 3), 0),
        "lanczos5": lambda d: np.where(d < 5, np.sinc(d) * np.sinc(d / 5), 0),
    }
    stretch = max(m / n, 1.0) if antialias else 1.0
    out = []
    for i in range(n):
        center = (i + 0.5) * m / n - 0.5
        weights = kernels[method](np.abs(center - np.arange(m)) / stretch)
        weights = weights / weights.sum()
        out.append(np.tensordot(np.moveaxis(x, axis, -1), weights, axes=1))
    return np.moveaxis(np.stack(out, -1), -1, axis)


def resize_ref(x, size, interpolation="bilinear", antialias=False, data_format=None, **kwargs):
    data_format = data_format or lamina.backend.image_data_format()
    xl = _last(x, data_format).astype("float64")
    xl = _resize_axis(xl, xl.ndim - 3, size[0], interpolation, antialias)
    xl = _resize_axis(xl, xl.ndim - 2, size[1], interpolation, antialias)
    if np.dtype(x.dtype).kind in "iu":
        info = np.iinfo(x.dtype)
        xl = np.clip(np.round(xl), info.min, info.max)
    return _back(xl.astype(x.dtype), data_format)


def bilinear_by_hand(row, n):
    """Classic half-pixel bilinear on a 1D row: clamp the source position, then lerp."""
    m = len(row)
    out = []
    for i in range(n):
        src = min(max((i + 0.5) * m / n - 0.5, 0), m - 1)
        low = int(math.floor(src))
        high = min(low + 1, m - 1)
        out.append(row[low] * (1 - (src - low)) + row[high] * (src - low))
    return np.array(out)


def test_resize_small_by_hand():
    x = np.array([[1.0, 2.0, 4.0], [3.0, 7.0, 0.0]], "float32")[:, :, None]
    got = lamina.ops.convert_to_numpy(image.resize(x, (2, 5), data_format="channels_last"))
    expected = np.stack([bilinear_by_hand(r, 5) for r in x[..., 0]])[..., None]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    nearest = image.resize(x, (4, 6), interpolation="nearest", data_format="channels_last")
    expected = np.repeat(np.repeat(x, 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(lamina.ops.convert_to_numpy(nearest), expected)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic", "lanczos3",
                                           "lanczos5"])
@pytest.mark.parametrize("size, antialias", [((7, 10), False), ((3, 4), False), ((2, 3), True),
                                             ((5, 2), True)])
def test_resize(data_format, interpolation, size, antialias):
    x = _images((2, 5, 6, 3), data_format)
    check_op(image.resize, resize_ref, x, size,
             kwargs={"interpolation": interpolation, "antialias": antialias,
                     "data_format": data_format}, dtype="float32", rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float64"])
@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "nearest"])
def test_resize_dtypes_and_unbatched(dtype, interpolation):
    x = (rng.random((5, 4, 2)) * 255).astype(dtype)
    kwargs = {"interpolation": interpolation, "data_format": "channels_last"}
    got = check_op(image.resize, None, x, (7, 3), kwargs=kwargs, dtype=dtype)
    # Integers: exact halves may round either way, depending on the order of the sums.
    np.testing.assert_allclose(got, resize_ref(x, (7, 3), **kwargs), atol=1 if
                               dtype != "float64" else 1e-6)


def test_resize_saturates_integers():
    x = np.array([[0, 255, 0, 255]], "uint8")[..., None]  # cubic overshoots both ways
    got = lamina.ops.convert_to_numpy(
        image.resize(x, (1, 8), interpolation="bicubic", data_format="channels_last"))
    assert got.dtype == np.uint8 and got.min() == 0 and got.max() == 255


@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_crop_to_aspect_ratio(data_format):
    x = _images((2, 6, 10, 3), data_format)
    got = lamina.ops.convert_to_numpy(image.resize(
        x, (3, 3), crop_to_aspect_ratio=True, data_format=data_format))
    window = _back(_last(x, data_format)[:, :, 2:8], data_format)  # centered 6 x 6
    np.testing.assert_allclose(got, resize_ref(window, (3, 3), data_format=data_format),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_pad_to_aspect_ratio(data_format):
    x = _images((2, 4, 8, 3), data_format)
    got = lamina.ops.convert_to_numpy(image.resize(
        x, (8, 8), pad_to_aspect_ratio=True, fill_value=0.5, data_format=data_format))
    xl = _last(x, data_format)
    padded = np.pad(xl, [(0, 0), (2, 2), (0, 0), (0, 0)], constant_values=0.5)
    np.testing.assert_allclose(
        got, resize_ref(_back(padded, data_format), (8, 8), data_format=data_format),
        rtol=1e-5, atol=1e-6)


def test_resize_symbolic_and_errors():
    out = image.resize(KerasTensor((None, 10, 12, 3)), (5, 6), data_format="channels_last")
    assert out.shape == (None, 5, 6, 3)
    out = image.resize(KerasTensor((3, None, None)), (5, 6), data_format="channels_first")
    assert out.shape == (3, 5, 6)
    x = np.zeros((4, 4, 3), "float32")
    with pytest.raises(ValueError, match="resize: `size` must be a tuple of 2"):
        image.resize(x, (2, 2, 2))
    with pytest.raises(ValueError, match="positive height and width"):
        image.resize(x, (0, 2))
    with pytest.raises(ValueError, match="invalid `interpolation`='area'"):
        image.resize(x, (2, 2), interpolation="area")
    with pytest.raises(ValueError, match="only one of `pad_to_aspect_ratio`"):
        image.resize(x, (2, 2), crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="invalid `fill_mode`"):
        image.resize(x, (2, 2), fill_mode="reflect")
    with pytest.raises(ValueError, match="rank 3 .* or 4"):
        image.resize(np.zeros((2, 2, 2, 2, 2)), (2, 2))


def scale_translate_ref(x, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    kernels = {"linear": lambda d: np.maximum(0, 1 - d),
               "cubic": lambda d: np.where(
                   d < 1, 1.5 * d**3 - 2.5 * d**2 + 1,
                   np.where(d < 2, -0.5 * d**3 + 2.5 * d**2 - 4 * d + 2, 0))}
    out = x.astype("float64")
    for d, s, t in zip(spatial_dims, scale, translation):
        m, n = out.shape[d], output_shape[d]
        stretch = max(1 / s, 1.0) if antialias else 1.0
        rows = []
        for i in range(n):
            center = (i + 0.5 - t) / s - 0.5
            w = kernels[method](np.abs(center - np.arange(m)) / stretch)
            w = w / w.sum() if abs(w.sum()) > 1000 * np.finfo(np.float32).eps else 0 * w
            if not -0.5 <= center <= m - 0.5:
                w = 0 * w
            rows.append(np.tensordot(np.moveaxis(out, d, -1), w, axes=1))
        out = np.moveaxis(np.stack(rows, -1), -1, d)
    return out.astype(x.dtype if x.dtype.kind == "f" else "float32")


def test_scale_and_translate_keras_example():
    x = np.arange(9, dtype="float32").reshape((3, 3))
    scale = np.array([2.0, 2.0], "float32")
    got = image.scale_and_translate(x, (5, 5), scale, -(scale / 2.0 - 0.5), (0, 1), "linear")
    expected = np.array([[0.0, 0.5, 1.0, 1.5, 2.0], [1.5, 2.0, 2.5, 3.0, 3.5],
                         [3.0, 3.5, 4.0, 4.5, 5.0], [4.5, 5.0, 5.5, 6.0, 6.5],
                         [6.0, 6.5, 7.0, 7.5, 8.0]])
    np.testing.assert_allclose(lamina.ops.convert_to_numpy(got), expected, atol=1e-6)


@pytest.mark.parametrize("method", ["linear", "bilinear", "cubic", "bicubic"])
@pytest.mark.parametrize("antialias", [True, False])
def test_scale_and_translate(method, antialias):
    x = rng.random((2, 6, 5, 3)).astype("float32")
    scale = np.array([0.6, 1.7], "float32")
    translation = np.array([0.4, -1.2], "float32")
    kind = "linear" if "linear" in method else "cubic"
    check_op(image.scale_and_translate,
             lambda *a, **k: scale_translate_ref(*a[:5], kind, antialias=antialias),
             x, (2, 5, 8, 3), scale, translation, (1, 2), method,
             kwargs={"antialias": antialias}, dtype="float32", rtol=1e-4, atol=1e-5,
             none_first=False)


def test_scale_and_translate_int_and_errors():
    x = (rng.random((4, 4)) * 10).astype("int32")
    got = image.scale_and_translate(x, (8, 8), np.array([2.0, 2.0]), np.array([0.0, 0.0]),
                                    (0, 1), "linear")
    assert lamina.backend.standardize_dtype(got.dtype) == "float32"
    spec = image.scale_and_translate(KerasTensor((4, 4)), (8, 8), KerasTensor((2,)),
                                     KerasTensor((2,)), (0, 1), "cubic")
    assert spec.shape == (8, 8) and spec.dtype == "float32"
    with pytest.raises(ValueError, match="invalid `method`='nearest'"):
        image.scale_and_translate(x, (8, 8), np.ones(2), np.zeros(2), (0, 1), "nearest")
    with pytest.raises(ValueError, match="`scale` must be a vector with one entry"):
        image.scale_and_translate(x, (8, 8), np.ones(3), np.zeros(2), (0, 1), "linear")


# -- padding and cropping ------------------------------------------------------------------------


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("args", [
    dict(top_padding=1, left_padding=2, bottom_padding=3, right_padding=0),
    dict(top_padding=2, left_padding=1, target_height=9, target_width=8),
    dict(bottom_padding=2, right_padding=1, target_height=6, target_width=7),
])
@pytest.mark.parametrize("batched", [True, False])
def test_pad_images(data_format, args, batched):
    x = _images((2, 4, 5, 3) if batched else (4, 5, 3), data_format)

    def ref(x, **kw):
        top = kw.get("top_padding")
        bottom = kw.get("bottom_padding")
        left, right = kw.get("left_padding"), kw.get("right_padding")
        if top is None:
            top = kw["target_height"] - 4 - bottom
        if bottom is None:
            bottom = kw["target_height"] - 4 - top
        if left is None:
            left = kw["target_width"] - 5 - right
        if right is None:
            right = kw["target_width"] - 5 - left
        xl = _last(x, kw["data_format"])
        widths = [(0, 0)] * (xl.ndim - 3) + [(top, bottom), (left, right), (0, 0)]
        return _back(np.pad(xl, widths), kw["data_format"])

    check_op(image.pad_images, ref, x, kwargs={**args, "data_format": data_format},
             dtype="float32")


def test_pad_images_int_symbolic_and_errors():
    x = np.arange(12, dtype="int32").reshape(2, 2, 3)
    got = lamina.ops.convert_to_numpy(image.pad_images(x, 1, 1, 1, 1, data_format="channels_last"))
    np.testing.assert_array_equal(got, np.pad(x, [(1, 1), (1, 1), (0, 0)]))
    spec = image.pad_images(KerasTensor((None, None, 5, 3)), 1, 2, target_height=10,
                            right_padding=1, data_format="channels_last")
    assert spec.shape == (None, 10, 8, 3)
    with pytest.raises(ValueError, match="specify exactly two of top_padding, bottom_padding"):
        image.pad_images(x, 1, 1, 1, 1, target_height=3)
    with pytest.raises(ValueError, match="`top_padding` must be >= 0"):
        image.pad_images(x, top_padding=-1, bottom_padding=0, left_padding=0, right_padding=0)
    with pytest.raises(ValueError, match="`bottom_padding` must be >= 0"):
        image.pad_images(x, top_padding=1, target_height=2, left_padding=0, right_padding=0,
                         data_format="channels_last")


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("args, window", [
    (dict(top_cropping=1, left_cropping=2, bottom_cropping=0, right_cropping=1), (1, 5, 2, 5)),
    (dict(top_cropping=2, left_cropping=0, target_height=2, target_width=3), (2, 4, 0, 3)),
    (dict(bottom_cropping=1, right_cropping=2, target_height=3, target_width=4), (1, 4, 0, 4)),
])
@pytest.mark.parametrize("batched", [True, False])
def test_crop_images(data_format, args, window, batched):
    x = _images((2, 5, 6, 3) if batched else (5, 6, 3), data_format)
    top, bottom, left, right = window

    def ref(x, **kw):
        xl = _last(x, kw["data_format"])
        return _back(xl[..., top:bottom, left:right, :], kw["data_format"])

    # Unbatched, the leading dim is the height: unknown, it needs a target height.
    check_op(image.crop_images, ref, x, kwargs={**args, "data_format": data_format},
             dtype="float32", none_first=batched or "target_height" in args)


def test_crop_images_keras_example_symbolic_and_errors():
    x = np.reshape(np.arange(1, 28, dtype="float32"), [3, 3, 3])
    got = lamina.ops.convert_to_numpy(image.crop_images(x, 0, 0, 2, 2, data_format="channels_last"))
    np.testing.assert_array_equal(got[:, :, 0], [[1.0]])
    spec = image.crop_images(KerasTensor((None, None, 6, 3)), 1, 1, target_height=4,
                             right_cropping=2, data_format="channels_last")
    assert spec.shape == (None, 4, 3, 3)
    with pytest.raises(ValueError, match="the height of the images is unknown"):
        image.crop_images(KerasTensor((2, None, 6, 3)), 1, 1, 1, 1, data_format="channels_last")
    with pytest.raises(ValueError, match="specify exactly two of left_cropping"):
        image.crop_images(x, 0, 0, target_height=1, target_width=1, right_cropping=1)
    with pytest.raises(ValueError, match="crop does not fit"):
        image.crop_images(x, 2, 0, 2, 0, data_format="channels_last")


# -- filters -------------------------------------------------------------------------------------


def _correlate_same(plane, kernel):
    """Zero-padded 'same' correlation of a 2D plane (TensorFlow/XLA split of the padding)."""
    kh, kw = kernel.shape
    top, left = (kh - 1) // 2, (kw - 1) // 2
    padded = np.pad(plane, [(top, kh - 1 - top), (left, kw - 1 - left)])
    out = np.zeros(plane.shape)
    for i, j in itertools.product(range(kh), range(kw)):
        out += kernel[i, j] * padded[i:i + plane.shape[0], j:j + plane.shape[1]]
    return out


def _per_plane(x, data_format, fn):
    xl = _last(x, data_format).astype("float64")
    batch = xl.reshape((-1,) + xl.shape[-3:])
    out = np.stack([np.stack([fn(img[..., c]) for c in range(img.shape[-1])], -1)
                    for img in batch])
    return out.reshape(xl.shape[:-3] + out.shape[1:])


def _gauss(size, sigma):
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    return g / g.sum()


def blur_ref(x, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    kernel = np.outer(_gauss(kernel_size[1], sigma[1]), _gauss(kernel_size[0], sigma[0]))
    out = _per_plane(x, data_format, lambda p: _correlate_same(p, kernel))
    if x.dtype.kind in "iu":
        out = np.trunc(out)
    return _back(out.astype(x.dtype), data_format)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("kernel_size, sigma", [((3, 3), (1.0, 1.0)), ((5, 3), (2.0, 0.7)),
                                                ((4, 4), (1.5, 1.5))])
@pytest.mark.parametrize("batched", [True, False])
def test_gaussian_blur(data_format, kernel_size, sigma, batched):
    x = _images((2, 7, 8, 3) if batched else (7, 8, 3), data_format)
    check_op(image.gaussian_blur, blur_ref, x,
             kwargs={"kernel_size": kernel_size, "sigma": sigma, "data_format": data_format},
             dtype="float32", rtol=1e-5, atol=1e-6)


def test_gaussian_blur_dtypes():
    x = _images((1, 6, 6, 2), dtype="float64")
    check_op(image.gaussian_blur, blur_ref, x, kwargs={"data_format": "channels_last"},
             dtype="float64")
    constant = np.full((1, 6, 6, 1), 100, "int32")
    got = lamina.ops.convert_to_numpy(image.gaussian_blur(constant, data_format="channels_last"))
    assert got.dtype == np.int32
    assert set(got[0, 1:5, 1:5, 0].ravel()) <= {99, 100}  # interior: a flat image stays flat
    assert (got[0, 0, 1:5, 0] < 90).all()  # zero padding darkens the border


def sobel_ref(x, data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    dy = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], "float64")
    outs = [_per_plane(x, data_format, lambda p, k=k: _correlate_same(p, k)) for k in (dy, dy.T)]
    edges = np.stack(outs, -1)
    if data_format == "channels_first":
        edges = np.moveaxis(edges, -2, 1)
    return edges.astype(x.dtype)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_sobel_edges(data_format, dtype):
    x = (_images((2, 5, 6, 3), data_format) * 10).astype(dtype)
    check_op(image.sobel_edges, sobel_ref, x, kwargs={"data_format": data_format}, dtype=dtype,
             rtol=1e-5, atol=1e-5)


def test_sobel_edges_vertical_edge_and_errors():
    x = np.zeros((1, 8, 8, 1), "float32")
    x[0, :, 4:, 0] = 1.0
    edges = lamina.ops.convert_to_numpy(image.sobel_edges(x, data_format="channels_last"))
    assert edges.shape == (1, 8, 8, 1, 2)
    # The last column sees the zero padding past the edge.
    np.testing.assert_array_equal(edges[0, 3, :, 0, 1], [0, 0, 0, 4, 4, 0, 0, -4])
    np.testing.assert_array_equal(edges[0, 3, :, 0, 0], 0)
    with pytest.raises(ValueError, match="sobel_edges: expected `images` of rank 4"):
        image.sobel_edges(np.zeros((8, 8, 1), "float32"))


# -- patches -------------------------------------------------------------------------------------


def patches_ref(x, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    nd = len(size) if isinstance(size, (tuple, list)) else 2
    size = (size,) * nd if isinstance(size, int) else tuple(size)
    strides = size if not strides else ((strides,) * nd if isinstance(strides, int) else strides)
    dilation = (dilation_rate,) * nd if isinstance(dilation_rate, int) else dilation_rate
    unbatched = x.ndim == nd + 1
    xl = np.moveaxis(x, -nd - 1, -1) if data_format == "channels_first" else x
    if unbatched:
        xl = xl[None]
    spatial = xl.shape[1:-1]
    eff = [(k - 1) * d + 1 for k, d in zip(size, dilation)]
    if padding == "same":
        outs = [-(-n // s) for n, s in zip(spatial, strides)]
        pads = []
        for n, e, s, o in zip(spatial, eff, strides, outs):
            total = max((o - 1) * s + e - n, 0)
            pads.append((total // 2, total - total // 2))
        xl = np.pad(xl, [(0, 0)] + pads + [(0, 0)])
    else:
        outs = [(n - e) // s + 1 for n, e, s in zip(spatial, eff, strides)]
    out = np.zeros((xl.shape[0], *outs, math.prod(size) * xl.shape[-1]), x.dtype)
    for pos in itertools.product(*(range(o) for o in outs)):
        values = []
        for off in itertools.product(*(range(k) for k in size)):
            where = tuple(p * s + o * d for p, s, o, d in zip(pos, strides, off, dilation))
            values.append(xl[(slice(None), *where)])
        out[(slice(None), *pos)] = np.concatenate(values, axis=-1)
    if unbatched:
        out = out[0]
    return np.moveaxis(out, -1, -nd - 1) if data_format == "channels_first" else out


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("size, strides, dilation, padding", [
    ((2, 3), None, 1, "valid"),
    (3, 1, 1, "valid"),
    ((2, 2), (1, 2), 1, "same"),
    ((2, 2), 1, 2, "valid"),
    ((3, 2), 2, 1, "same"),
])
@pytest.mark.parametrize("batched", [True, False])
def test_extract_patches(data_format, size, strides, dilation, padding, batched):
    shape = (2, 7, 8, 3) if batched else (7, 8, 3)
    x = _images(shape, data_format)
    check_op(image.extract_patches, patches_ref, x, size,
             kwargs={"strides": strides, "dilation_rate": dilation, "padding": padding,
                     "data_format": data_format}, dtype="float32")


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("size, strides, padding", [
    ((2, 2, 2), None, "valid"), (2, 1, "same"), ((1, 2, 3), (1, 2, 1), "valid"),
])
@pytest.mark.parametrize("batched", [True, False])
def test_extract_patches_3d(data_format, size, strides, padding, batched):
    shape = (2, 4, 5, 6, 2) if batched else (4, 5, 6, 2)
    x = rng.random(shape).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, -4))
    kwargs = {"strides": strides, "padding": padding, "data_format": data_format}
    ref_size = (size,) * 3 if isinstance(size, int) else size
    check_op(image.extract_patches_3d, lambda x, size, **k: patches_ref(x, ref_size, **k), x,
             size, kwargs=kwargs, dtype="float32")
    if not isinstance(size, int):
        check_op(image.extract_patches, patches_ref, x, size, kwargs=kwargs, dtype="float32")


def test_extract_patches_keras_shapes_ints_and_errors():
    assert image.extract_patches(KerasTensor((2, 20, 20, 3)), (5, 5),
                                 data_format="channels_last").shape == (2, 4, 4, 75)
    assert image.extract_patches(KerasTensor((None, 20, None, 3)), 3, 1,
                                 data_format="channels_last").shape == (None, 18, None, 27)
    assert image.extract_patches_3d(KerasTensor((10, 10, 10, 3)), (3, 3, 3),
                                    data_format="channels_last").shape == (3, 3, 3, 81)
    x = np.arange(2 * 4 * 4, dtype="int32").reshape(2, 4, 4, 1)
    got = lamina.ops.convert_to_numpy(image.extract_patches(x, 2, data_format="channels_last"))
    np.testing.assert_array_equal(got, patches_ref(x, 2, data_format="channels_last"))
    with pytest.raises(TypeError, match="extract_patches: `size` must be an int or a tuple"):
        image.extract_patches(x, "2")
    with pytest.raises(ValueError, match="tuple of length 2 or 3"):
        image.extract_patches(x, (2, 2, 2, 2))
    with pytest.raises(ValueError, match="invalid `padding`='full'"):
        image.extract_patches(x, 2, padding="full")
    with pytest.raises(ValueError, match="extract_patches_3d: expected `volumes` of rank 4"):
        image.extract_patches_3d(x[0], 2)


# -- SSIM ----------------------------------------------------------------------------------------


def ssim_ref(a, b, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
             data_format=None):
    data_format = data_format or lamina.backend.image_data_format()
    a, b = _last(a, data_format).astype("float64"), _last(b, data_format).astype("float64")
    unbatched = a.ndim == 3
    if unbatched:
        a, b = a[None], b[None]
    g = np.exp(-((np.arange(filter_size) - (filter_size - 1) / 2) ** 2) / (2 * filter_sigma**2))
    g = g / g.sum()
    window = np.outer(g, g)
    view = np.lib.stride_tricks.sliding_window_view

    def mean(x):  # (N, H, W, C) -> weighted means over valid windows
        windows = view(x, (filter_size, filter_size), axis=(1, 2))
        return np.einsum("nhwcij,ij->nhwc", windows, window)

    mu_a, mu_b = mean(a), mean(b)
    var_a, var_b = mean(a * a) - mu_a**2, mean(b * b) - mu_b**2
    cov = mean(a * b) - mu_a * mu_b
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    out = ssim_map.mean(axis=(1, 2, 3))
    return out[0] if unbatched else out


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batched", [True, False])
def test_ssim(data_format, batched):
    shape = (2, 16, 14, 3) if batched else (16, 14, 3)
    a = _images(shape, data_format)
    b = np.clip(a + rng.normal(scale=0.1, size=a.shape), 0, 1).astype("float32")
    check_op(image.ssim, ssim_ref, a, b, kwargs={"data_format": data_format}, dtype="float32",
             rtol=1e-4, atol=1e-5)
    check_op(image.ssim, ssim_ref, a * 255, b * 255,
             kwargs={"max_val": 255.0, "filter_size": 7, "filter_sigma": 1.0, "k1": 0.02,
                     "data_format": data_format}, dtype="float32", rtol=1e-4, atol=1e-5)


def test_ssim_identical_is_one_and_errors():
    a = rng.random((2, 32, 32, 3)).astype("float64")
    got = lamina.ops.convert_to_numpy(image.ssim(a, a, data_format="channels_last"))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, [1.0, 1.0], rtol=1e-12)
    assert image.ssim(KerasTensor((None, 32, 32, 3)), KerasTensor((None, 32, 32, 3))).shape == (
        None,)
    assert image.ssim(KerasTensor((32, 32, 3)), KerasTensor((32, 32, 3))).shape == ()
    with pytest.raises(ValueError, match="ssim: `image1` and `image2` must have the same shape"):
        image.ssim(a, a[:, :16])
    with pytest.raises(ValueError, match="expected `image2` of rank 3"):
        image.ssim(a, a[0, 0])
    with pytest.raises(ValueError, match="at least `filter_size` pixels high and wide"):
        image.ssim(a[:, :8], a[:, :8], data_format="channels_last")


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("shape, size, padding", [
    ((2, 8, 6, 3), (2, 3), "valid"),
    ((7, 5, 2), (3, 2), "same"),
    ((2, 4, 6, 4, 2), (2, 3, 2), "valid"),
    ((5, 4, 7, 1), (2, 2, 3), "same"),
])
def test_reconstruct_patches_inverts_extract_patches(data_format, shape, size, padding):
    x = rng.random(shape).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, -len(size) - 1))
    patches = np.asarray(lamina.ops.convert_to_numpy(image.extract_patches(
        x, size, padding=padding, data_format=data_format)))
    spatial = shape[-len(size) - 1:-1]
    batched = len(shape) == len(size) + 2
    got = check_op(image.reconstruct_patches, lambda p, *a, **k: x, patches, size, spatial,
                   kwargs={"padding": padding, "data_format": data_format}, dtype="float32",
                   none_first=batched)
    assert got.shape == x.shape


def test_reconstruct_patches_errors():
    patches = np.zeros((2, 4, 4, 12), "float32")
    assert image.reconstruct_patches(KerasTensor((None, 4, 4, 12)), (2, 2), (8, 8),
                                     data_format="channels_last").shape == (None, 8, 8, 3)
    with pytest.raises(NotImplementedError, match="only non-overlapping patches"):
        image.reconstruct_patches(patches, (2, 2), (8, 8), strides=1)
    with pytest.raises(ValueError, match="padding='valid', `output_size` must be the patch grid"):
        image.reconstruct_patches(patches, (2, 2), (7, 8), data_format="channels_last")
    with pytest.raises(ValueError, match="must be a multiple of prod"):
        image.reconstruct_patches(patches, (3, 3), (12, 12), data_format="channels_last")
    with pytest.raises(TypeError, match="`output_size` must be a tuple"):
        image.reconstruct_patches(patches, (2, 2), 8)


KERAS_IMAGE_OPS = {
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "reconstruct_patches", "resize", "rgb_to_grayscale", "rgb_to_hsv",
    "scale_and_translate", "sobel_edges", "ssim",
}


def test_namespace_is_keras_ops_image():
    from lamina import api_export

    assert set(api_export.REGISTRY["lamina.ops.image"]) == KERAS_IMAGE_OPS
    assert set(image.__all__) == KERAS_IMAGE_OPS
    for name in KERAS_IMAGE_OPS:
        assert getattr(image, name) is api_export.REGISTRY["lamina.ops.image"][name]
