"""`lamina.saving`: the object registry, serialization, the `.keras` format and weights files.

Files are Keras 3's (config.json / metadata.json / model.weights.h5 in a zip, weights keyed by
attribute path), so they move both ways; loading resolves names only through lamina's
registries and checks archives and HDF5 files before reading them (safe mode).
"""

from lamina import api_export
from lamina.api_export import populate

api_export.import_submodules(__name__, __path__)

populate(__name__, globals())
