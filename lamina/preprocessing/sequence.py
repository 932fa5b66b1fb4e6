"""`lamina.preprocessing.sequence`: `pad_sequences`."""

from lamina.api_export import populate
from lamina.utils import data_utils  # noqa: F401 - registers pad_sequences

populate(__name__, globals())
