"""`lamina.optimizers.schedules`: learning rate schedules (step -> rate), written with
`lamina.ops` only."""

from lamina.api_export import populate
from lamina.optimizers.schedules import learning_rate_schedule  # noqa: F401
from lamina.optimizers.schedules.learning_rate_schedule import (  # noqa: F401
    LearningRateSchedule,
    deserialize,
    serialize,
)

populate(__name__, globals())
