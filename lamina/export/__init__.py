"""`lamina.export`: writing a model's inference function to files that run without lamina.

`model.export(path, format="onnx")` calls `export_lib.export_model`, which traces the model
with the active backend's exporter (lamina/backend/<name>/export.py: jax2onnx on JAX,
torch.onnx on PyTorch). This package imports no framework itself.
"""

from lamina.api_export import populate
from lamina.export import export_lib  # noqa: F401
from lamina.export.export_lib import export_model  # noqa: F401

populate(__name__, globals())
