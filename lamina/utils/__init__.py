"""`lamina.utils`: seeding, progress bars, PyDataset, data helpers, serialization aliases."""

import importlib
import pkgutil

from lamina.api_export import populate

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

populate(__name__, globals())
