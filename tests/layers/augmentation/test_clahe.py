"""ContrastLimitedAdaptiveHistogramEqualization against a loop-by-loop NumPy version."""

import math

import numpy as np
import pytest

import lamina
from lamina import layers


def clahe_reference(image, clip_limit, grid):
    """One (H, W, C) image in [0, 255], written with explicit loops."""
    height, width, channels = image.shape
    tile_h, tile_w = math.ceil(height / grid[0]), math.ceil(width / grid[1])
    padded = np.pad(image, ((0, tile_h * grid[0] - height), (0, tile_w * grid[1] - width),
                            (0, 0)), mode="symmetric")
    levels = np.clip(padded.astype(int), 0, 255)
    tables = np.zeros((grid[0] + 2, grid[1] + 2, channels, 256))
    pixels = tile_h * tile_w
    for i in range(grid[0]):
        for j in range(grid[1]):
            for c in range(channels):
                tile = levels[i * tile_h:(i + 1) * tile_h, j * tile_w:(j + 1) * tile_w, c]
                histogram = np.bincount(tile.ravel(), minlength=256).astype(float)
                if clip_limit > 0:
                    limit = clip_limit * pixels / 256
                    excess = np.maximum(histogram - limit, 0).sum()
                    histogram = np.minimum(histogram, limit) + excess / 256
                cdf = np.cumsum(histogram)
                denominator = pixels - cdf.min() or 1.0
                tables[i + 1, j + 1, c] = np.clip((cdf - cdf.min()) * 255 / denominator, 0, 255)
    tables[0], tables[-1] = tables[1], tables[-2]
    tables[:, 0], tables[:, -1] = tables[:, 1], tables[:, -2]
    out = np.zeros(padded.shape)
    for y in range(padded.shape[0]):
        gy = (y - tile_h / 2) / tile_h + 1
        y0, wy = int(np.floor(gy)), gy - np.floor(gy)
        for x in range(padded.shape[1]):
            gx = (x - tile_w / 2) / tile_w + 1
            x0, wx = int(np.floor(gx)), gx - np.floor(gx)
            for c in range(channels):
                level = levels[y, x, c]
                t = tables[:, :, c, level]
                top = t[y0, x0] * (1 - wx) + t[y0, x0 + 1] * wx
                bottom = t[y0 + 1, x0] * (1 - wx) + t[y0 + 1, x0 + 1] * wx
                out[y, x, c] = top * (1 - wy) + bottom * wy
    return out[:height, :width]


@pytest.mark.parametrize("clip_limit,grid,size", [(4.0, (2, 2), (8, 8)), (0.0, (2, 3), (7, 8)),
                                                  (1.5, (3, 2), (9, 5))])
def test_clahe_matches_reference(clip_limit, grid, size):
    x = (np.random.default_rng(2).random((2, *size, 2)) * 255).astype("float32")
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=clip_limit,
                                                                tile_grid_size=grid)
    out = np.asarray(layer(x))
    for image, result in zip(x, out):
        np.testing.assert_allclose(result, clahe_reference(image, clip_limit, grid),
                                   rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), out)


def test_clahe_layouts_value_range_shapes_and_config():
    x = np.random.default_rng(3).random((2, 8, 8, 3)).astype("float32")
    layer = layers.ContrastLimitedAdaptiveHistogramEqualization(value_range=(0, 1),
                                                                tile_grid_size=(2, 2))
    out = np.asarray(layer(x))
    assert out.min() >= 0 and out.max() <= 1
    first = layers.ContrastLimitedAdaptiveHistogramEqualization(
        value_range=(0, 1), tile_grid_size=(2, 2), data_format="channels_first")
    np.testing.assert_allclose(np.asarray(first(x.transpose(0, 3, 1, 2))),
                               out.transpose(0, 3, 1, 2), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer(x[0])), out[0], rtol=1e-5, atol=1e-6)
    assert layer(lamina.Input((8, 8, 3))).shape == (None, 8, 8, 3)
    config = layer.get_config()
    assert (config["clip_limit"], config["tile_grid_size"]) == (4.0, (2, 2))
    assert type(layer).from_config(config).get_config() == config
    with pytest.raises(ValueError, match="`tile_grid_size` must be two positive ints"):
        layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(0, 2))
