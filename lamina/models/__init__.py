"""`lamina.models`: Model (functional and subclassed), Sequential, and model utilities."""

from lamina.api_export import populate
from lamina.models import functional, model, sequential  # noqa: F401

populate(__name__, globals())
