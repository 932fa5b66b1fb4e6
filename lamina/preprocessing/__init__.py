"""`lamina.preprocessing`: the legacy Keras preprocessing helpers (sequence padding)."""

from lamina import api_export

api_export.import_submodules(__name__, __path__)
