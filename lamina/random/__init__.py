"""`lamina.random`: random sampling and seed generators, with Keras 3's API.

`seed_generator` holds `SeedGenerator`, the global generator and `set_random_seed`;
`random` the sampling functions. Both import only `lamina.backend` and `lamina.ops`.
"""

from lamina import api_export
from lamina.api_export import populate

api_export.import_submodules(__name__, __path__)

populate(__name__, globals())
