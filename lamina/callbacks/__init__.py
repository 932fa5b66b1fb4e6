"""`lamina.callbacks`: hooks into fit/evaluate/predict (History, progress, checkpoints...)."""

from lamina import api_export
from lamina.api_export import populate

api_export.import_submodules(__name__, __path__)

populate(__name__, globals())
