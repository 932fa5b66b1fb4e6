"""Export for serving on PyTorch: ONNX through torch.onnx's dynamo exporter, and
`torch.export` programs.

The variable values become buffers of a small `torch.nn.Module` whose forward runs the
model's inference with them, so they are the graph's initializers; dimensions named by a
string ("batch") are `torch.export.Dim`s. Only the dynamo (torch.export) path is used: it
fails on a value-dependent step instead of baking the example's values into the graph, as
the TorchScript tracer would. See lamina/backend/numpy/export.py for the shared contract.
"""

import io
import logging
import warnings

import numpy as np
import torch


class _Inference(torch.nn.Module):
    def __init__(self, function, state):
        super().__init__()
        self._function = function
        self._count = len(state)
        for i, value in enumerate(state):
            # As plain tensors: the uint32 `_Unsigned` subclass of seed states is opaque to
            # torch.export's fake tensors.
            tensor = torch.as_tensor(value).detach().clone().as_subclass(torch.Tensor)
            self.register_buffer(f"state_{i}", tensor)

    def forward(self, *inputs):
        state = [getattr(self, f"state_{i}") for i in range(self._count)]
        return tuple(self._function(state, *inputs))


def _trace_arguments(input_specs):
    """Example inputs and their `dynamic_shapes`; each named dimension gets its own example
    size (2 for the first, then 9, 10, ...), since equal sizes would be taken as one."""
    dims, sizes, args, dynamic_shapes = {}, {}, [], []
    for shape, dtype in input_specs:
        concrete, dynamic = [], {}
        for axis, dim in enumerate(shape):
            if isinstance(dim, str):
                if dim not in dims:
                    dims[dim] = torch.export.Dim(dim)
                    sizes[dim] = 2 if not sizes else 7 + len(sizes)
                dynamic[axis] = dims[dim]
                concrete.append(sizes[dim])
            else:
                concrete.append(int(dim))
        np_dtype = np.dtype(dtype)
        if np_dtype.kind == "f":
            value = np.random.default_rng(0).uniform(size=concrete).astype(np_dtype)
        else:
            value = np.zeros(concrete, dtype=np_dtype)
        args.append(torch.from_numpy(value))
        dynamic_shapes.append(dynamic or None)
    # forward takes `*inputs`: its dynamic shapes are one entry holding all the inputs'.
    return tuple(args), (tuple(dynamic_shapes),)


def export_onnx(function, state, input_specs, input_names, output_names, opset_version=None):
    """The ONNX `ModelProto` of `function(state, *inputs)`, from torch.onnx.export(dynamo)."""
    try:
        import onnxscript  # noqa: F401 - torch.onnx's dynamo exporter needs it
    except ImportError:
        raise ImportError(
            "Exporting to ONNX on the torch backend needs the `onnx` and `onnxscript` "
            "packages. Install them with `pip install 'lamina[export]'`."
        ) from None
    module = _Inference(function, state).eval()
    args, dynamic_shapes = _trace_arguments(input_specs)
    options = {} if opset_version is None else {"opset_version": int(opset_version)}
    with warnings.catch_warnings(), _quiet("torch.onnx"), _quiet("torch.export"), \
            _quiet("torch._dynamo"), _quiet("torch.fx"):
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module, args, dynamo=True, input_names=list(input_names),
            output_names=list(output_names), dynamic_shapes=dynamic_shapes, verbose=False,
            optimize=True, **options)
    return program.model_proto


def export_torch(function, state, input_specs, input_names, output_names, opset_version=None):
    """The bytes of a `torch.export` program of `function` (load with torch.export.load)."""
    module = _Inference(function, state).eval()
    args, dynamic_shapes = _trace_arguments(input_specs)
    with warnings.catch_warnings(), _quiet("torch.export"), _quiet("torch._dynamo"), \
            _quiet("torch.fx"):
        warnings.simplefilter("ignore")
        program = torch.export.export(module, args, dynamic_shapes=dynamic_shapes)
        buffer = io.BytesIO()
        torch.export.save(program, buffer)
    return buffer.getvalue()


class _quiet:
    """Raises a logger's level to ERROR for the duration (exporters log progress chatter)."""

    def __init__(self, name):
        self.logger = logging.getLogger(name)

    def __enter__(self):
        self.level = self.logger.level
        self.logger.setLevel(logging.ERROR)

    def __exit__(self, *exc):
        self.logger.setLevel(self.level)
