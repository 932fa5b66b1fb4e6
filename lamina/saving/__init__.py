"""`lamina.saving`: the object registry, serialization, and (later) the .keras format."""

from lamina.api_export import populate
from lamina.saving import object_registration, saving_api, serialization_lib  # noqa: F401

populate(__name__, globals())
