"""numpy backend: image resampling (the reference the jax backend is checked against).

`lamina.ops.image` composes the rest (color, padding, filters, patches, SSIM). Here:
separable resampling with weight matrices (`resize`, `scale_and_translate`, following
`jax.image`), order-0/1 interpolation at arbitrary coordinates (`map_coordinates`, following
`jax.scipy.ndimage`, which fills each out-of-range node on its own), and the transforms built
on it. The transforms receive a batch of channels-last images.
"""

import itertools

import numpy as np

# -- separable resampling ------------------------------------------------------------------------


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _keys_cubic(x):
    """The Keys cubic kernel with a = -0.5."""
    out = ((1.5 * x - 2.5) * x) * x + 1.0
    out = np.where(x >= 1.0, ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0, out)
    return np.where(x >= 2.0, 0.0, out)


def _lanczos(radius):
    def kernel(x):
        y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(x > 1e-3, y / np.where(x != 0, np.pi**2 * x**2, 1.0), 1.0)
        return np.where(x > radius, 0.0, out)

    return kernel


_KERNELS = {
    "linear": _triangle, "bilinear": _triangle, "trilinear": _triangle, "triangle": _triangle,
    "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
    "lanczos3": _lanczos(3.0), "lanczos5": _lanczos(5.0),
}


def _weight_matrix(input_size, output_size, scale, translation, kernel, antialias):
    """(input_size, output_size) weights: column j mixes the inputs seen by output j."""
    inv_scale = 1.0 / scale
    # Downsampling widens the kernel (a low-pass filter); upsampling only interpolates.
    kernel_scale = np.maximum(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(output_size) + 0.5) * inv_scale - translation * inv_scale - 0.5
    distance = np.abs(sample[np.newaxis, :] - np.arange(input_size)[:, np.newaxis])
    weights = kernel(distance / kernel_scale)
    total = np.sum(weights, axis=0, keepdims=True)
    weights = np.where(
        np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps),
        weights / np.where(total != 0, total, 1.0),
        0.0,
    )
    # Output samples that fall entirely outside the input get nothing.
    inside = (sample >= -0.5) & (sample <= input_size - 0.5)
    return np.where(inside[np.newaxis, :], weights, 0.0)


def _resample(x, output_shape, spatial_dims, scale, translation, kernel, antialias):
    for i, d in enumerate(spatial_dims):
        d = d % x.ndim
        weights = _weight_matrix(
            x.shape[d], output_shape[d], float(scale[i]), float(translation[i]), kernel, antialias
        ).astype(x.dtype)
        x = np.moveaxis(np.tensordot(x, weights, axes=(d, 0)), -1, d)
    return x


def _resize_nearest(x, output_shape):
    for d, (m, n) in enumerate(zip(x.shape, output_shape)):
        if m != n:
            # Float32 offsets, as jax.image computes them.
            offsets = np.floor((np.arange(n, dtype=np.float32) + 0.5) * m / n).astype(np.int32)
            x = np.take(x, offsets, axis=d)
    return x


def _as_inexact(x):
    return x if x.dtype.kind in "fc" else x.astype(np.float64)


def resize(images, size, interpolation="bilinear", antialias=False, data_format="channels_last"):
    """Integer images come back as float64 (the op rounds them)."""
    output_shape = list(images.shape)
    if data_format == "channels_last":
        output_shape[-3], output_shape[-2] = size
    else:
        output_shape[-2], output_shape[-1] = size
    if interpolation == "nearest":
        return _resize_nearest(images, output_shape)
    x = _as_inexact(images)
    spatial_dims = [d for d in range(x.ndim) if x.shape[d] != output_shape[d]]
    scale = [output_shape[d] / x.shape[d] if x.shape[d] else 1.0 for d in spatial_dims]
    return _resample(x, output_shape, spatial_dims, scale, [0.0] * len(spatial_dims),
                     _KERNELS[interpolation], antialias)


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    return _resample(_as_inexact(images), output_shape, spatial_dims, np.asarray(scale),
                     np.asarray(translation), _KERNELS[method], antialias)


# -- interpolation at coordinates ----------------------------------------------------------------


def _mirror_index(index, size):
    half_period = size - 1
    if half_period == 0:
        return np.zeros_like(index)
    return np.abs((index + half_period) % (2 * half_period) - half_period)


def _fix_index(index, size, mode):
    """Maps out-of-range indices back into [0, size) according to the fill mode."""
    if mode == "nearest":
        return np.clip(index, 0, size - 1)
    if mode == "wrap":
        return index % size
    if mode == "mirror":
        return _mirror_index(index, size)
    if mode == "reflect":
        return (_mirror_index(2 * index + 1, 2 * size + 1) - 1) // 2
    return index  # "constant": out-of-range nodes are replaced by the fill value


def _nodes(coordinate, order):
    """The (index, weight) pairs that interpolate at `coordinate` along one axis."""
    if order == 0:
        nearest = np.sign(coordinate) * np.floor(np.abs(coordinate) + 0.5)  # half away from 0
        return [(nearest.astype(np.int64), 1.0)]
    lower = np.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.astype(np.int64)
    return [(index, 1.0 - upper_weight), (index + 1, upper_weight)]


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    coordinates = np.asarray(coordinates)
    fill = np.asarray(fill_value).astype(inputs.dtype)
    per_axis = []
    for coordinate, size in zip(coordinates, inputs.shape):
        nodes = []
        for index, weight in _nodes(coordinate, order):
            valid = (index >= 0) & (index < size) if fill_mode == "constant" else None
            fixed = _fix_index(index, size, fill_mode)
            if fill_mode == "constant":
                fixed = np.clip(fixed, 0, max(size - 1, 0))
            nodes.append((fixed, valid, weight))
        per_axis.append(nodes)
    result = 0.0
    for combination in itertools.product(*per_axis):
        indices = tuple(index for index, _, _ in combination)
        values = inputs[indices] if inputs.size else np.full(indices[0].shape, fill)
        if fill_mode == "constant":
            valid = np.logical_and.reduce([v for _, v, _ in combination])
            values = np.where(valid, values, fill)
        weight = 1.0
        for _, _, w in combination:
            weight = weight * w
        result = result + weight * values
    result = np.asarray(result)
    if inputs.dtype.kind in "iub":
        result = np.sign(result) * np.floor(np.abs(result) + 0.5)
    return result.astype(inputs.dtype)


# -- transforms (batch, height, width, channels) -------------------------------------------------

_ORDERS = {"nearest": 0, "bilinear": 1}


def _sample_channels(image, rows, cols, order, fill_mode, fill_value):
    """`image` (H, W, C) sampled at fractional (rows, cols) of shape (H', W'), per channel."""
    coordinates = np.stack([rows, cols])
    planes = [
        map_coordinates(image[..., c], coordinates, order, fill_mode, fill_value)
        for c in range(image.shape[-1])
    ]
    return np.stack(planes, axis=-1)


def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0):
    _, height, width, _ = images.shape
    y, x = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    out = np.empty_like(images)
    for b, (a0, a1, a2, b0, b1, b2, _, _) in enumerate(transform):
        rows = b0 * x + b1 * y + b2
        cols = a0 * x + a1 * y + a2
        out[b] = _sample_channels(images[b], rows, cols, _ORDERS[interpolation], fill_mode,
                                  fill_value)
    return out


def _homographies(start_points, end_points):
    """(batch, 8) projective transforms taking each output point to its input point."""
    batch = start_points.shape[0]
    matrix = np.zeros((batch, 8, 8), start_points.dtype)
    target = np.zeros((batch, 8), start_points.dtype)
    for i in range(4):
        sx, sy = start_points[:, i, 0], start_points[:, i, 1]
        ex, ey = end_points[:, i, 0], end_points[:, i, 1]
        one, zero = np.ones_like(ex), np.zeros_like(ex)
        matrix[:, 2 * i] = np.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], -1)
        matrix[:, 2 * i + 1] = np.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], -1)
        target[:, 2 * i], target[:, 2 * i + 1] = sx, sy
    return np.linalg.solve(matrix, target[..., np.newaxis])[..., 0]


def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0):
    _, height, width, _ = images.shape
    transforms = _homographies(start_points, end_points)
    x, y = np.meshgrid(np.arange(width), np.arange(height), indexing="xy")
    out = np.empty_like(images)
    for b, t in enumerate(transforms):
        denominator = t[6] * x + t[7] * y + 1.0
        cols = (t[0] * x + t[1] * y + t[2]) / denominator
        rows = (t[3] * x + t[4] * y + t[5]) / denominator
        out[b] = _sample_channels(images[b], rows, cols, _ORDERS[interpolation], "constant",
                                  fill_value)
    return out


def _blur_fields(fields, kernel_size, sigma):
    """Gaussian blur of (batch, H, W) fields, zero padding ("same")."""
    positions = np.arange(kernel_size) - (kernel_size - 1) / 2
    weights = np.exp(-0.5 * (positions / sigma) ** 2).astype(fields.dtype)
    weights = weights / np.sum(weights)
    kernel = np.outer(weights, weights)
    low = (kernel_size - 1) // 2
    padded = np.pad(fields, ((0, 0), (low, kernel_size - 1 - low), (low, kernel_size - 1 - low)))
    height, width = fields.shape[1:]
    out = np.zeros_like(fields)
    for i in range(kernel_size):
        for j in range(kernel_size):
            out = out + kernel[i, j] * padded[:, i:i + height, j:j + width]
    return out


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None):
    batch, height, width, _ = images.shape
    field_dtype = images.dtype if images.dtype.kind == "f" else np.dtype(np.float32)
    # Two consecutive draws of one generator, as Keras' NumPy backend does.
    rng = np.random.default_rng(np.asarray(seed))
    sigma = np.asarray(sigma, field_dtype)
    alpha = np.asarray(alpha, field_dtype)
    dx = rng.normal(size=(batch, height, width)).astype(field_dtype) * sigma
    dy = rng.normal(size=(batch, height, width)).astype(field_dtype) * sigma
    kernel_size = int(6 * float(sigma)) | 1
    dx = _blur_fields(dx, kernel_size, sigma)
    dy = _blur_fields(dy, kernel_size, sigma)
    y, x = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    out = np.empty_like(images)
    for b in range(batch):
        out[b] = _sample_channels(images[b], y + alpha * dy[b], x + alpha * dx[b],
                                  _ORDERS[interpolation], fill_mode, fill_value)
    return out

