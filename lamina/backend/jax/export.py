"""Export for serving on JAX: ONNX through jax2onnx, which converts jaxprs op by op.

The model's inference function is traced with the variable values closed over, so they
become the graph's initializers; dimensions named by a string ("batch") stay symbolic.
See lamina/backend/numpy/export.py for the shared contract.
"""

import logging
import warnings

import jax
import numpy as np


def export_onnx(function, state, input_specs, input_names, output_names, opset_version=None):
    """The ONNX `ModelProto` of `function(state, *inputs)`, traced with jax2onnx."""
    try:
        import jax2onnx
    except ImportError:
        raise ImportError(
            "Exporting to ONNX on the jax backend needs the `jax2onnx` package, which is not "
            "installed. Install it with `pip install 'lamina[export]'` (or `pip install "
            "jax2onnx onnx`)."
        ) from None
    specs = [jax.ShapeDtypeStruct(tuple(shape), np.dtype(dtype)) for shape, dtype in input_specs]
    state = list(state)

    def inference(*inputs):
        outputs, seen = [], {id(x) for x in inputs}
        for y in function(state, *inputs):
            if id(y) in seen:  # an input passed through (or an output twice): one ONNX value
                y = y + jax.numpy.zeros((), y.dtype)  # cannot carry two names
            seen.add(id(y))
            outputs.append(y)
        return tuple(outputs)

    options = {} if opset_version is None else {"opset": int(opset_version)}
    with warnings.catch_warnings(), _quiet("jax2onnx"):
        warnings.simplefilter("ignore")
        return jax2onnx.to_onnx(inference, inputs=specs, input_names=list(input_names),
                                output_names=list(output_names), return_mode="proto",
                                **options)


def export_torch(function, state, input_specs, input_names, output_names, opset_version=None):
    """A `torch.export` program needs the torch backend."""
    raise ValueError(
        "format='torch' writes a torch.export program, which only the torch backend can "
        "trace. Switch to LAMINA_BACKEND=torch (weights load across backends), or use "
        "format='onnx' on this backend."
    )


class _quiet:
    """Raises a logger's level to ERROR for the duration (exporters log progress chatter)."""

    def __init__(self, name):
        self.logger = logging.getLogger(name)

    def __enter__(self):
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
