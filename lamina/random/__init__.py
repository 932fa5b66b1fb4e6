"""`lamina.random`: random sampling and seed generators, with Keras 3's API.

`seed_generator` holds `SeedGenerator`, the global generator and `set_random_seed`;
`random` the sampling functions. Both import only `lamina.backend` and `lamina.ops`.
"""

from lamina.api_export import populate
from lamina.random import random, seed_generator  # noqa: F401 - they register the symbols

populate(__name__, globals())
