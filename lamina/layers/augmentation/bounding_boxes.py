"""`MaxNumBoundingBoxes`: pads or truncates dense bounding boxes to a fixed count.

The only layer here that reads bounding boxes: it works on dense `{"boxes": (batch, n, 4),
"labels": (batch, n)}` dicts (or unbatched `(n, 4)` / `(n,)`); ragged inputs are not
supported. Images and masks pass through unchanged.
"""

from lamina import ops
from lamina.api_export import export
from lamina.layers.augmentation.base import BaseImagePreprocessingLayer


@export("lamina.layers.MaxNumBoundingBoxes")
class MaxNumBoundingBoxes(BaseImagePreprocessingLayer):
    """Makes every sample have exactly `max_number` boxes: extra boxes are dropped, missing
    ones filled with `fill_value` (boxes and labels).

    Args:
        max_number: the number of boxes per sample.
        fill_value: the value of padding boxes and labels.

    Example:
    >>> boxes = {"boxes": np.zeros((2, 3, 4)), "labels": np.zeros((2, 3))}
    >>> out = lamina.layers.MaxNumBoundingBoxes(5)({"images": np.ones((2, 8, 8, 3)),
    ...                                             "bounding_boxes": boxes})
    >>> out["bounding_boxes"]["boxes"].shape
    (2, 5, 4)
    """

    _USE_BASE_FACTOR = False

    def __init__(self, max_number, fill_value=-1, **kwargs):
        super().__init__(**kwargs)
        self.max_number = int(max_number)
        self.fill_value = int(fill_value)

    def transform_images(self, images, transformation=None, training=True):
        return images

    def _fix_count(self, values, batched):
        values = ops.convert_to_tensor(values)
        if not batched:
            values = ops.expand_dims(values, 0)
        count = ops.shape(values)[1]
        values = values[:, : self.max_number]
        if count < self.max_number:
            widths = [(0, 0)] * len(ops.shape(values))
            widths[1] = (0, self.max_number - count)
            values = ops.pad(values, widths, constant_values=self.fill_value)
        return values if batched else ops.squeeze(values, 0)

    def call(self, data, training=True):
        if not isinstance(data, dict) or "bounding_boxes" not in data:
            return data
        batched = self._check_rank(ops.convert_to_tensor(data["images"]))
        boxes = dict(data["bounding_boxes"])
        extra = set(boxes) - {"boxes", "labels"}
        if extra:
            raise KeyError(
                f"MaxNumBoundingBoxes: unsupported keys in `bounding_boxes`: {sorted(extra)}. "
                "Only 'boxes' and 'labels' are supported."
            )
        for key in ("boxes", "labels"):
            if key in boxes:
                boxes[key] = self._fix_count(boxes[key], batched)
        return {**data, "bounding_boxes": boxes}

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict) and "bounding_boxes" in input_shape:
            boxes = dict(input_shape["bounding_boxes"])
            for key in ("boxes", "labels"):
                if key in boxes:
                    shape = list(boxes[key])
                    shape[1 if len(input_shape["images"]) == 4 else 0] = self.max_number
                    boxes[key] = tuple(shape)
            return {**input_shape, "bounding_boxes": boxes}
        return input_shape

    def get_config(self):
        return {**super().get_config(), "max_number": self.max_number}
