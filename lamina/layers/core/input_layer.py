"""`InputLayer` and `Input`: where a functional graph starts."""

from lamina import backend
from lamina.api_export import export
from lamina.backend import KerasTensor
from lamina.layers.layer import Layer
from lamina.ops.operation import Node


@export("lamina.layers.InputLayer")
class InputLayer(Layer):
    """The layer behind `lamina.Input`: it holds the graph's input tensor.

    Args:
        shape: the shape without the batch dim, e.g. `(30,)`.
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (floatx by default).
        sparse: whether the input is sparse.
        batch_shape: the full shape including the batch dim (instead of shape/batch_size).
        input_tensor: an existing symbolic tensor to use as the input.
        optional: whether the input may be None.
        name: the layer's name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        if "input_shape" in kwargs:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `shape` and `batch_shape` at the same time."
            )
        if batch_size is not None and batch_shape is not None:
            raise ValueError(
                "You cannot pass both `batch_size` and `batch_shape` at the same time."
            )
        if shape is None and batch_shape is None and input_tensor is None:
            raise ValueError("You must pass a `shape` argument to Input / InputLayer.")
        if input_tensor is not None:
            if not isinstance(input_tensor, KerasTensor):
                raise ValueError(
                    "Argument `input_tensor` must be a KerasTensor, received "
                    f"{type(input_tensor).__name__}."
                )
            batch_shape = input_tensor.shape
            dtype = dtype or input_tensor.dtype
        if shape is not None:
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_shape = tuple(batch_shape)
        self._dtype = backend.standardize_dtype(dtype)
        self.sparse = bool(sparse)
        self.ragged = bool(ragged)
        self.optional = optional
        self.built = True
        tensor = KerasTensor(self._batch_shape, dtype=self._dtype, sparse=self.sparse,
                             name=self.name)
        Node(self, call_args=(), call_kwargs={}, outputs=tensor)
        self._input_tensor = tensor

    @property
    def batch_shape(self):
        return self._batch_shape

    @property
    def dtype(self):
        return self._dtype

    def call(self):
        return None

    def get_config(self):
        return {"batch_shape": self._batch_shape, "dtype": self._dtype, "sparse": self.sparse,
                "ragged": self.ragged, "name": self.name, "optional": self.optional}


@export("lamina.Input", "lamina.layers.Input")
def Input(shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """A symbolic input tensor: the start of a functional model.

    Args:
        shape: the shape without the batch dim, e.g. `(30,)`.
        batch_size: a fixed batch size, or None.
        dtype: the input's dtype (floatx by default).
        batch_shape: the full shape including the batch dim.
        name: the input's name (also the key for dict inputs).
        tensor: an existing symbolic tensor to wrap.
        optional: whether the input may be None.

    Returns:
        A KerasTensor.

    Example:
    >>> x = lamina.Input((30,))
    >>> x.shape
    (None, 30)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       ragged=ragged, batch_shape=batch_shape, name=name, input_tensor=tensor,
                       optional=optional)
    return layer.output
