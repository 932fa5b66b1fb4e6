"""Hinge metrics: the mean of the hinge, squared hinge and categorical hinge losses."""

from lamina.api_export import export
from lamina.losses.losses import categorical_hinge, hinge, squared_hinge
from lamina.metrics.reduction_metrics import MeanMetricWrapper


class _HingeWrapper(MeanMetricWrapper):
    def __init__(self, fn, name, dtype):
        super().__init__(fn=fn, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


@export("lamina.metrics.Hinge")
class Hinge(_HingeWrapper):
    """Mean hinge loss `maximum(1 - y_true * y_pred, 0)` (0/1 labels become -1/1)."""

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name, dtype)


@export("lamina.metrics.SquaredHinge")
class SquaredHinge(_HingeWrapper):
    """Mean squared hinge loss `square(maximum(1 - y_true * y_pred, 0))`."""

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name, dtype)


@export("lamina.metrics.CategoricalHinge")
class CategoricalHinge(_HingeWrapper):
    """Mean categorical hinge loss."""

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name, dtype)
