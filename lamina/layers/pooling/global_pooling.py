"""Global pooling: `GlobalMaxPooling1D`-`3D` and `GlobalAveragePooling1D`-`3D` (aliases
`GlobalMaxPool*`, `GlobalAvgPool*`): one max or mean per channel over all spatial dims."""

from lamina import ops
from lamina.api_export import export
from lamina.backend import config
from lamina.layers.layer import InputSpec, Layer


class BaseGlobalPooling(Layer):
    """Reduces every spatial dim with `reduce` ("max" or "mean").

    Args:
        pool_dimensions: the number of spatial dims.
        data_format: "channels_last" or "channels_first"; `image_data_format()` by default.
        keepdims: whether the spatial dims are kept with size 1.
    """

    reduce = "max"

    def __init__(self, pool_dimensions, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.pool_dimensions = pool_dimensions
        self.data_format = config.standardize_data_format(data_format)
        self.keepdims = keepdims
        self.input_spec = InputSpec(ndim=pool_dimensions + 2)
        self.built = True

    def _spatial_axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return list(range(first, first + self.pool_dimensions))

    def call(self, inputs):
        reduce = ops.max if self.reduce == "max" else ops.mean
        return reduce(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        spatial = len(input_shape) - 2
        if self.data_format == "channels_last":
            if self.keepdims:
                return (input_shape[0],) + (1,) * spatial + (input_shape[-1],)
            return (input_shape[0], input_shape[-1])
        if self.keepdims:
            return (input_shape[0], input_shape[1]) + (1,) * spatial
        return (input_shape[0], input_shape[1])

    def get_config(self):
        config_ = super().get_config()
        config_.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config_


@export("lamina.layers.GlobalMaxPooling1D", "lamina.layers.GlobalMaxPool1D")
class GlobalMaxPooling1D(BaseGlobalPooling):
    """Max over the steps of `(batch, steps, channels)` inputs.

    Example:
    >>> GlobalMaxPooling1D()(np.ones((4, 10, 3))).shape
    (4, 3)
    """

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)


@export("lamina.layers.GlobalMaxPooling2D", "lamina.layers.GlobalMaxPool2D")
class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over height and width of `(batch, height, width, channels)` images."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@export("lamina.layers.GlobalMaxPooling3D", "lamina.layers.GlobalMaxPool3D")
class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over the three spatial dims of `(batch, d1, d2, d3, channels)` volumes."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)


@export("lamina.layers.GlobalAveragePooling1D", "lamina.layers.GlobalAvgPool1D")
class GlobalAveragePooling1D(BaseGlobalPooling):
    """Mean over the steps of `(batch, steps, channels)` inputs; masked steps are left out.

    Example:
    >>> GlobalAveragePooling1D()(np.ones((4, 10, 3)), mask=np.ones((4, 10), bool)).shape
    (4, 3)
    """

    reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=1, data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        steps_axis = 1 if self.data_format == "channels_last" else 2
        mask = ops.expand_dims(ops.cast(mask, "bool"), 2 if steps_axis == 1 else 1)
        total = ops.sum(ops.where(mask, inputs, 0), axis=steps_axis, keepdims=self.keepdims)
        count = ops.sum(ops.cast(mask, total.dtype), axis=steps_axis, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, mask=None):
        return None


@export("lamina.layers.GlobalAveragePooling2D", "lamina.layers.GlobalAvgPool2D")
class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width of `(batch, height, width, channels)` images.

    Example:
    >>> GlobalAveragePooling2D(keepdims=True)(np.ones((4, 5, 5, 3))).shape
    (4, 1, 1, 3)
    """

    reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=2, data_format=data_format, keepdims=keepdims, **kwargs)


@export("lamina.layers.GlobalAveragePooling3D", "lamina.layers.GlobalAvgPool3D")
class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over the three spatial dims of `(batch, d1, d2, d3, channels)` volumes."""

    reduce = "mean"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(pool_dimensions=3, data_format=data_format, keepdims=keepdims, **kwargs)
