"""jax backend: image resampling, on `jax.image` and `jax.scipy.ndimage`.

`lamina.ops.image` composes the rest (color, padding, filters, patches, SSIM). The
transforms receive a batch of channels-last images and are vectorized over it with `vmap`,
so they compile under `jit` and differentiate with respect to the images.
"""

import functools

import jax
import jax.numpy as jnp
from jax import lax

_ORDERS = {"nearest": 0, "bilinear": 1}


def _compiled(*static):
    """jit, compiling once per shape and per setting (the settings are static)."""
    return functools.partial(jax.jit, static_argnames=("interpolation",) + static)


def resize(images, size, interpolation="bilinear", antialias=False, data_format="channels_last"):
    """Integer images come back as floats (the op rounds them)."""
    output_shape = list(images.shape)
    if data_format == "channels_last":
        output_shape[-3], output_shape[-2] = size
    else:
        output_shape[-2], output_shape[-1] = size
    if interpolation == "nearest":
        return jax.image.resize(images, tuple(output_shape), method="nearest")
    # jax.image.resize with the scales as float32 arrays, so that the weights are computed in
    # float32 (not float64 under x64), as Keras computes them.
    spatial_dims = tuple(d for d in range(images.ndim) if images.shape[d] != output_shape[d])
    if not spatial_dims:
        return images
    factor_dtype = jnp.float64 if images.dtype == jnp.float64 else jnp.float32
    scale = jnp.asarray(
        [output_shape[d] / images.shape[d] if images.shape[d] else 1.0 for d in spatial_dims],
        factor_dtype,
    )
    translation = jnp.zeros(len(spatial_dims), factor_dtype)
    return jax.image.scale_and_translate(
        images, tuple(output_shape), spatial_dims, scale, translation, interpolation, antialias
    )


def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    return jax.image.scale_and_translate(
        images, tuple(output_shape), tuple(spatial_dims), scale, translation, method, antialias
    )


def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0.0):
    return jax.scipy.ndimage.map_coordinates(
        inputs, list(coordinates), order, mode=fill_mode, cval=fill_value
    )


# -- transforms (batch, height, width, channels) -------------------------------------------------


def _sample_channels(image, rows, cols, order, fill_mode, fill_value):
    """`image` (H, W, C) sampled at fractional (rows, cols) of shape (H', W'), per channel."""

    def one_channel(plane):
        return jax.scipy.ndimage.map_coordinates(
            plane, [rows, cols], order, mode=fill_mode, cval=fill_value
        )

    return jnp.moveaxis(jax.vmap(one_channel)(jnp.moveaxis(image, -1, 0)), 0, -1)


@_compiled("fill_mode", "fill_value")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0):
    _, height, width, _ = images.shape
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")

    def one_image(image, t):
        rows = t[3] * x + t[4] * y + t[5]
        cols = t[0] * x + t[1] * y + t[2]
        return _sample_channels(image, rows, cols, _ORDERS[interpolation], fill_mode, fill_value)

    return jax.vmap(one_image)(images, transform)


def _homographies(start_points, end_points):
    """(batch, 8) projective transforms taking each output point to its input point."""
    sx, sy = start_points[..., 0], start_points[..., 1]
    ex, ey = end_points[..., 0], end_points[..., 1]
    zero, one = jnp.zeros_like(ex), jnp.ones_like(ex)
    x_rows = jnp.stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    y_rows = jnp.stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    matrix = jnp.concatenate([x_rows, y_rows], axis=1)
    target = jnp.concatenate([sx, sy], axis=-1)[..., None]
    return jnp.linalg.solve(matrix, target)[..., 0]


@_compiled("fill_value")
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0):
    _, height, width, _ = images.shape
    transforms = _homographies(start_points, end_points)
    x, y = jnp.meshgrid(jnp.arange(width), jnp.arange(height), indexing="xy")

    def one_image(image, t):
        denominator = t[6] * x + t[7] * y + 1.0
        cols = (t[0] * x + t[1] * y + t[2]) / denominator
        rows = (t[3] * x + t[4] * y + t[5]) / denominator
        return _sample_channels(image, rows, cols, _ORDERS[interpolation], "constant",
                                fill_value)

    return jax.vmap(one_image)(images, transforms)


def _blur_fields(fields, kernel_size, sigma):
    """Gaussian blur of (batch, H, W) fields, zero padding ("same")."""
    positions = jnp.arange(kernel_size, dtype=fields.dtype) - (kernel_size - 1) / 2
    weights = jnp.exp(-0.5 * (positions / sigma) ** 2)
    weights = weights / jnp.sum(weights)
    kernel = jnp.outer(weights, weights)[None, None]
    blurred = lax.conv_general_dilated(
        fields[:, None], kernel, window_strides=(1, 1), padding="SAME",
        dimension_numbers=("NCHW", "OIHW", "NCHW"),
    )
    return blurred[:, 0]


def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None):
    batch, height, width, _ = images.shape
    field_dtype = images.dtype if jnp.issubdtype(images.dtype, jnp.floating) else jnp.float32
    # One key for both fields, as Keras' JAX backend does: the displacement is diagonal.
    # (Drawn outside the compiled warp, so that every setting shares one sampler.)
    dx = jax.random.normal(seed, (batch, height, width), dtype=field_dtype)
    dy = jax.random.normal(seed, (batch, height, width), dtype=field_dtype)
    return _elastic_warp(images, dx, dy, alpha=alpha, sigma=sigma, interpolation=interpolation,
                         fill_mode=fill_mode, fill_value=fill_value)


@_compiled("alpha", "sigma", "fill_mode", "fill_value")
def _elastic_warp(images, dx, dy, alpha, sigma, interpolation, fill_mode, fill_value):
    _, height, width, _ = images.shape
    kernel_size = int(6 * sigma) | 1
    sigma = jnp.asarray(sigma, dx.dtype)
    alpha = jnp.asarray(alpha, dx.dtype)
    dx = _blur_fields(dx * sigma, kernel_size, sigma)
    dy = _blur_fields(dy * sigma, kernel_size, sigma)
    y, x = jnp.meshgrid(jnp.arange(height), jnp.arange(width), indexing="ij")

    def one_image(image, field_y, field_x):
        return _sample_channels(image, y + alpha * field_y, x + alpha * field_x,
                                _ORDERS[interpolation], fill_mode, fill_value)

    return jax.vmap(one_image)(images, dy, dx).astype(images.dtype)
