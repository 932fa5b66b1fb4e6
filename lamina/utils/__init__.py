"""`lamina.utils`: seeding, progress bars, PyDataset, data helpers, serialization aliases.

Besides its own modules, the namespace holds names defined elsewhere (the object registry and
serialization of lamina.saving, `set_random_seed` of lamina.random, two backend helpers):
their modules are imported here so that `from lamina.utils import X` finds every name.
"""

from lamina import api_export, backend
from lamina.api_export import populate
from lamina.random import seed_generator  # noqa: F401 - registers set_random_seed
from lamina.saving import object_registration, serialization_lib  # noqa: F401

api_export.register("lamina.utils.clear_session", backend.clear_session)
api_export.register("lamina.utils.standardize_dtype", backend.standardize_dtype)
api_export.import_submodules(__name__, __path__)
# `lamina.backend.is_keras_tensor` is the backend's own function (lamina/__init__ registers
# the backend names); registered here too so that loading utils alone keeps the registry whole.
api_export.register("lamina.backend.is_keras_tensor", backend.is_keras_tensor)

populate(__name__, globals())
