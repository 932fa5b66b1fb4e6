"""`lamina.layers`: every layer, one file per layer family, grouped in folders as Keras does.

Layers are written once against `lamina.ops`; no file here imports a framework.
"""

import importlib
import pkgutil

from lamina.api_export import populate
from lamina.layers import layer  # noqa: F401


def _import_all(package_path, prefix):
    for info in pkgutil.walk_packages(package_path, prefix):
        importlib.import_module(info.name)


_import_all(__path__, f"{__name__}.")
populate(__name__, globals())
