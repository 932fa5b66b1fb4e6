"""`lamina.ops`: every op, with a symbolic rule and a backend dispatch.

Modules here import only `lamina.backend` (never a framework): `elementwise`/`arrays` (the
NumPy-like namespace), `nn`, `math`, `linalg`, `image`, `core` (conversion and control flow).
Every module here is imported with the package, so a new file needs no list to be edited.
"""

from lamina import api_export
from lamina.api_export import populate
from lamina.ops import operation

api_export.import_submodules(__name__, __path__)
api_export.register("lamina.Operation", operation.Operation)

populate(__name__, globals())
