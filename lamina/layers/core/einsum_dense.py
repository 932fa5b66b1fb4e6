"""`EinsumDense`: a dense layer whose contraction is an einsum equation."""

import re
import string

from lamina import activations, constraints, initializers, ops, regularizers
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import serialize_keras_object


def _expand_ellipsis(equation, input_rank):
    """The equation with "..." replaced by fresh letters for the elided input dims."""
    match = re.fullmatch(r"([a-zA-Z.]+),([a-zA-Z]+)->([a-zA-Z.]+)", equation)
    if not match:
        raise ValueError(
            "EinsumDense: `equation` must be of the form 'ab,bc->ac' (with '...' allowed in "
            f"the input and output), received equation={equation!r}."
        )
    input_spec, weight_spec, output_spec = match.groups()
    if "..." not in input_spec:
        return input_spec, weight_spec, output_spec
    named = len(input_spec) - 3
    elided = input_rank - named
    used = set(input_spec + weight_spec + output_spec)
    fresh = "".join([c for c in string.ascii_letters if c not in used][:elided])
    return input_spec.replace("...", fresh), weight_spec, output_spec.replace("...", fresh)


def analyze_einsum(equation, bias_axes, input_shape, output_shape):
    """Kernel shape, bias shape and full output shape of an EinsumDense layer."""
    input_spec, weight_spec, output_spec = _expand_ellipsis(equation, len(input_shape))
    if len(input_spec) != len(input_shape):
        raise ValueError(
            f"EinsumDense: the equation {equation!r} expects inputs of rank {len(input_spec)}, "
            f"received input shape {tuple(input_shape)}."
        )
    output_shape = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    if len(output_shape) == len(output_spec) - 1:
        output_shape = [None] + output_shape
    elif "..." in equation and len(output_shape) < len(output_spec):
        output_shape = [None] * (len(output_spec) - len(output_shape)) + output_shape
    if len(output_shape) != len(output_spec):
        raise ValueError(
            f"EinsumDense: `output_shape` {tuple(output_shape)} does not fit the output "
            f"'{output_spec}' of equation {equation!r}."
        )
    input_dims = dict(zip(input_spec, input_shape))
    full_output = []
    for char, dim in zip(output_spec, output_shape):
        if char in input_dims:
            known = input_dims[char]
            if dim is not None and known is not None and dim != known:
                raise ValueError(
                    f"EinsumDense: output dim '{char}' is {dim} in `output_shape` but {known} "
                    f"in the input shape {tuple(input_shape)}."
                )
            full_output.append(known if known is not None else dim)
        else:
            full_output.append(dim)
    output_dims = dict(zip(output_spec, full_output))
    kernel_shape = []
    for char in weight_spec:
        if char in input_dims and input_dims[char] is not None:
            kernel_shape.append(input_dims[char])
        elif char in output_dims and output_dims[char] is not None:
            kernel_shape.append(output_dims[char])
        else:
            raise ValueError(
                f"EinsumDense: the weight dim '{char}' of equation {equation!r} is not in the "
                "input or output, or its size is unknown."
            )
    bias_shape = None
    if bias_axes:
        for char in bias_axes:
            if char not in output_spec:
                raise ValueError(
                    f"EinsumDense: bias axis '{char}' is not in the output '{output_spec}'."
                )
        first = min(output_spec.find(c) for c in bias_axes)
        bias_shape = [output_dims[c] if c in bias_axes else 1 for c in output_spec[first:]]
    return (input_spec, weight_spec, output_spec), tuple(kernel_shape), (
        tuple(bias_shape) if bias_shape else None), tuple(full_output)


@export("lamina.layers.EinsumDense")
class EinsumDense(Layer):
    """`activation(einsum(equation, inputs, kernel) + bias)`.

    Args:
        equation: e.g. "ab,bc->ac" (a Dense layer) or "abc,cde->abde".
        output_shape: the output shape without the batch dim (None for dims taken from the
            input).
        activation: activation name or function.
        bias_axes: the output letters that get a bias, e.g. "c"; None for no bias.

    Example:
    >>> EinsumDense("ab,bc->ac", output_shape=64, bias_axes="c")(np.ones((2, 32))).shape
    (2, 64)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, gptq_unpacked_column_size=None,
                 **kwargs):
        super().__init__(**kwargs)
        if lora_rank is not None:
            raise ValueError("EinsumDense: LoRA (lora_rank) is not supported by lamina yet.")
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        specs, kernel_shape, bias_shape, full_output = analyze_einsum(
            self.equation, self.bias_axes, input_shape, self.partial_output_shape)
        self._specs = specs
        self.full_output_shape = full_output
        self.kernel = self.add_weight(name="kernel", shape=kernel_shape,
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=bias_shape,
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        input_spec, weight_spec, output_spec = _expand_ellipsis(self.equation, len(inputs.shape))
        x = ops.einsum(f"{input_spec},{weight_spec}->{output_spec}", inputs, self.kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        return self.activation(x)

    def compute_output_shape(self, input_shape):
        _, _, _, full_output = analyze_einsum(self.equation, self.bias_axes, input_shape,
                                              self.partial_output_shape)
        return tuple(full_output)

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": serialize_keras_object(self.kernel_initializer),
            "bias_initializer": serialize_keras_object(self.bias_initializer),
            "kernel_regularizer": serialize_keras_object(self.kernel_regularizer),
            "bias_regularizer": serialize_keras_object(self.bias_regularizer),
            "kernel_constraint": serialize_keras_object(self.kernel_constraint),
            "bias_constraint": serialize_keras_object(self.bias_constraint),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key, module in (("kernel_initializer", initializers), ("bias_initializer", initializers),
                            ("kernel_regularizer", regularizers), ("bias_regularizer", regularizers),
                            ("activity_regularizer", regularizers),
                            ("kernel_constraint", constraints), ("bias_constraint", constraints)):
            if isinstance(config.get(key), dict):
                config[key] = module.deserialize(config[key])
        return cls(**config)
