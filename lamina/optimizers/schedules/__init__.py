"""`lamina.optimizers.schedules`: learning rate schedules (step -> rate), written with
`lamina.ops` only."""

from lamina import api_export
from lamina.api_export import populate

api_export.import_submodules(__name__, __path__)

populate(__name__, globals())
