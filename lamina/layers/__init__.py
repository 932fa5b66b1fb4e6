"""`lamina.layers`: every layer, one file per layer family, grouped in folders as Keras does.

Layers are written once against `lamina.ops`; no file here imports a framework. Every module
of the tree is imported with the package (each registers its layers), so a new file needs no
list to be edited.
"""

from lamina import api_export
from lamina.api_export import populate
from lamina.layers import layer  # noqa: F401

api_export.import_submodules(__name__, __path__, recursive=True)
populate(__name__, globals())
