"""`lamina.callbacks`: hooks into fit/evaluate/predict (History, progress, checkpoints...)."""

import importlib
import pkgutil

from lamina.api_export import populate

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

populate(__name__, globals())
