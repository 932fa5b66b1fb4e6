"""`lamina.models`: Model (functional and subclassed), Sequential, and model utilities.

`load_model`/`save_model` (lamina.saving) and `clone_model` (lamina.utils) are public here
too: their modules are imported with this package.
"""

from lamina import api_export
from lamina.api_export import populate
from lamina.saving import saving_api  # noqa: F401 - registers load_model, save_model, ...
from lamina.utils import model_utils  # noqa: F401 - registers clone_model

api_export.import_submodules(__name__, __path__)

populate(__name__, globals())
