"""Export for serving: the NumPy backend runs inference only and has no tracer to export with.

Every backend's export.py defines the same functions; lamina/export/export_lib.py calls the
active backend's. A function here receives `function(state, *inputs) -> [outputs]` (the
model's inference with its variable values passed in), the variable values, and one
`(shape, dtype)` per flat input, where a dynamic dimension is a string naming it ("batch").
"""


def _refuse(format):
    raise ValueError(
        f"The numpy backend cannot export format={format!r}: it has no tracer to turn the "
        "model into a graph. Switch to the jax or torch backend (LAMINA_BACKEND=jax or torch) "
        "to export; weights load across backends, so save the model here with model.save() "
        "and load it there."
    )


def export_onnx(function, state, input_specs, input_names, output_names, opset_version=None):
    """The ONNX `ModelProto` of `function` (not available on this backend)."""
    _refuse("onnx")


def export_torch(function, state, input_specs, input_names, output_names, opset_version=None):
    """The bytes of a `torch.export` program of `function` (not available on this backend)."""
    _refuse("torch")
