"""Contrast Limited Adaptive Histogram Equalization (CLAHE), as Keras 3's layer computes it.

The image is cut into a grid of tiles (padded symmetrically at the bottom and right to a
whole number of tiles); each tile's per-channel histogram is clipped at
`clip_limit * pixels / 256`, the excess spread evenly over the 256 levels, and turned into a
lookup table by its normalized cumulative sum. A pixel's output interpolates bilinearly
between the tables of the four nearest tile centers (edge tables are repeated outward).
"""

import math

from lamina import ops
from lamina.api_export import export
from lamina.backend.common import dtypes
from lamina.layers.augmentation.base import BaseImagePreprocessingLayer

_LEVELS = 256


@export("lamina.layers.ContrastLimitedAdaptiveHistogramEqualization")
class ContrastLimitedAdaptiveHistogramEqualization(BaseImagePreprocessingLayer):
    """Equalizes the histogram of each tile of each image, limiting the contrast gain.

    Deterministic: it applies in training and in inference, as in Keras.

    Args:
        value_range: the range of the image values.
        clip_limit: the histogram clipping threshold, relative to a flat histogram; 0 or
            less disables clipping (plain adaptive equalization).
        tile_grid_size: (rows, columns) of the tile grid.
        data_format: "channels_last" or "channels_first".

    Example:
    >>> layer = lamina.layers.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(2, 2))
    >>> layer(np.random.randint(0, 255, (8, 8, 3))).shape
    (8, 8, 3)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, value_range=(0, 255), clip_limit=4.0, tile_grid_size=(8, 8),
                 data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if not isinstance(tile_grid_size, (tuple, list)) or len(tile_grid_size) != 2 or any(
                not isinstance(n, int) or n < 1 for n in tile_grid_size):
            raise ValueError(
                "ContrastLimitedAdaptiveHistogramEqualization: `tile_grid_size` must be two "
                f"positive ints. Received: tile_grid_size={tile_grid_size}"
            )
        self.value_range = value_range
        self.clip_limit = clip_limit
        self.tile_grid_size = tuple(tile_grid_size)

    def transform_images(self, images, transformation=None, training=True):
        dtype = ops.dtype(images)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 2, 3, 1))
        images = self._transform_value_range(ops.cast(images, "float32"), self.value_range,
                                             (0, 255))
        images = self._equalize(images)
        images = self._transform_value_range(images, (0, 255), self.value_range)
        if self.data_format == "channels_first":
            images = ops.transpose(images, (0, 3, 1, 2))
        if dtypes.is_int_dtype(dtype):
            return ops.cast(images, dtype)
        return ops.cast(images, self.compute_dtype)

    def _tables(self, tiles, tile_pixels):
        """(..., pixels) levels -> (..., 256) lookup tables."""
        histograms = ops.sum(ops.one_hot(tiles, _LEVELS, dtype="float32"), axis=-2)
        if self.clip_limit > 0:
            limit = self.clip_limit * tile_pixels / float(_LEVELS)
            clipped = ops.clip(histograms, 0, limit)
            excess = ops.sum(histograms - clipped, axis=-1, keepdims=True)
            histograms = clipped + excess / float(_LEVELS)
        cdf = ops.cumsum(histograms, axis=-1)
        cdf_min = ops.min(cdf, axis=-1, keepdims=True)
        denominator = float(tile_pixels) - cdf_min
        denominator = ops.where(denominator == 0, 1.0, denominator)
        return ops.clip((cdf - cdf_min) * 255.0 / denominator, 0, 255)

    def _equalize(self, images):
        batch, height, width, channels = ops.shape(images)
        grid_h, grid_w = self.tile_grid_size
        tile_h, tile_w = math.ceil(height / grid_h), math.ceil(width / grid_w)
        pad_h, pad_w = tile_h * grid_h - height, tile_w * grid_w - width
        if pad_h or pad_w:
            images = ops.pad(images, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="symmetric")
        tiles = ops.reshape(images, (batch, grid_h, tile_h, grid_w, tile_w, channels))
        tiles = ops.transpose(tiles, (0, 1, 3, 5, 2, 4))
        tiles = ops.reshape(tiles, (batch, grid_h, grid_w, channels, tile_h * tile_w))
        tiles = ops.clip(ops.cast(tiles, "int32"), 0, _LEVELS - 1)
        tables = self._tables(tiles, tile_h * tile_w)
        # Repeat the edge tables outward so every pixel has four neighbours.
        tables = ops.concatenate([tables[:, :1], tables, tables[:, -1:]], axis=1)
        tables = ops.concatenate([tables[:, :, :1], tables, tables[:, :, -1:]], axis=2)

        def neighbours(size, tile, grid):
            position = (ops.arange(size * grid, dtype="float32") - tile / 2.0) / tile + 1.0
            low = ops.floor(position)
            weight = position - low
            low_index = ops.cast(ops.clip(low, 0, grid + 1), "int32")
            high_index = ops.cast(ops.clip(low + 1.0, 0, grid + 1), "int32")
            return low_index, high_index, weight

        y0, y1, wy = neighbours(tile_h, tile_h, grid_h)
        x0, x1, wx = neighbours(tile_w, tile_w, grid_w)
        y0, y1, wy = (ops.reshape(v, (1, -1, 1, 1)) for v in (y0, y1, wy))
        x0, x1, wx = (ops.reshape(v, (1, 1, -1, 1)) for v in (x0, x1, wx))
        # Flat index of tables[b, y, x, c, level].
        stride_x = _LEVELS * channels
        stride_y = stride_x * (grid_w + 2)
        stride_b = stride_y * (grid_h + 2)
        levels = ops.cast(ops.clip(images, 0, 255), "int32")
        base = (ops.reshape(ops.arange(batch, dtype="int32"), (-1, 1, 1, 1)) * stride_b
                + ops.reshape(ops.arange(channels, dtype="int32"), (1, 1, 1, -1)) * _LEVELS
                + levels)
        flat = ops.reshape(tables, (-1,))

        def value(y, x):
            return ops.take(flat, base + y * stride_y + x * stride_x)

        top = value(y0, x0) * (1.0 - wx) + value(y0, x1) * wx
        bottom = value(y1, x0) * (1.0 - wx) + value(y1, x1) * wx
        result = top * (1.0 - wy) + bottom * wy
        return result[:, :height, :width, :]

    def get_config(self):
        return {**super().get_config(), "value_range": self.value_range,
                "clip_limit": self.clip_limit, "tile_grid_size": self.tile_grid_size,
                "data_format": self.data_format}
