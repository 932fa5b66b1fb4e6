"""torch backend: rnn functions.

`lstm` and `gru` are optional fast paths for the `LSTM` and `GRU` layers: they run torch's own
fused recurrent kernels (those behind `torch.nn.LSTM` / `torch.nn.GRU`, on CPU and on
cuDNN) when the layer computes exactly what those kernels compute, and raise
`NotImplementedError` otherwise, so that the layer steps its cell through time instead.
"""

import torch

from lamina.backend.torch.core import convert_to_tensor

# Dtypes the fused kernels are run in; others (float16 on CPU, ...) take the generic loop.
_FUSED_DTYPES = (torch.float32, torch.float64)


def _is_activation(fn, name):
    """Whether `fn` is lamina's (or torch's) `name` activation: tanh or sigmoid."""
    from lamina import activations, ops

    return fn in (getattr(activations, name), getattr(ops, name), getattr(torch, name))


def _fused_operands(inputs, states, kernel, recurrent_kernel, bias, activation,
                    recurrent_activation, mask, unroll):
    """Torch tensors for the fused kernel, or NotImplementedError when it does not apply."""
    if mask is not None or unroll:
        raise NotImplementedError("masks and `unroll` take the generic loop")
    if not (_is_activation(activation, "tanh")
            and _is_activation(recurrent_activation, "sigmoid")):
        raise NotImplementedError("the fused kernels compute tanh and sigmoid only")
    kernel = convert_to_tensor(kernel)
    recurrent_kernel = convert_to_tensor(recurrent_kernel)
    bias = None if bias is None else convert_to_tensor(bias)
    inputs = convert_to_tensor(inputs)
    states = [convert_to_tensor(s) for s in states]
    dtype = kernel.dtype
    if not inputs.is_floating_point():
        inputs = inputs.to(dtype)
    tensors = [inputs, kernel, recurrent_kernel, *states] + ([bias] if bias is not None else [])
    if dtype not in _FUSED_DTYPES or any(t.dtype != dtype for t in tensors):
        raise NotImplementedError("the fused kernels need one float32 or float64 dtype")
    if len({t.device for t in tensors}) != 1:
        raise NotImplementedError("the fused kernels need every tensor on one device")
    if inputs.ndim != 3 or inputs.shape[0] == 0 or inputs.shape[1] == 0:
        raise NotImplementedError("empty batches and sequences take the generic loop")
    return inputs, states, kernel, recurrent_kernel, bias


def _results(outputs, states, return_sequences):
    """`(last_output, outputs, states)` as the generic loop returns them."""
    last_output = outputs[:, -1]
    if not return_sequences:
        outputs = last_output.unsqueeze(1)
    return last_output, outputs, states


def lstm(inputs, initial_state_h, initial_state_c, mask, kernel, recurrent_kernel, bias,
         activation, recurrent_activation, return_sequences=False, go_backwards=False,
         unroll=False):
    """An LSTM layer's time loop in torch's fused kernel.

    Args:
        inputs: `(batch, time, features)`.
        initial_state_h, initial_state_c: `(batch, units)`.
        mask: `(batch, time)` booleans or None; a mask raises NotImplementedError.
        kernel: `(features, 4 * units)`, gates `i, f, c, o` in column blocks.
        recurrent_kernel: `(units, 4 * units)`.
        bias: `(4 * units,)` or None.
        activation, recurrent_activation: must be tanh and sigmoid.
        return_sequences: whether `outputs` holds every step (else only the last).
        go_backwards: run from the last step to the first (outputs in that order).
        unroll: True raises NotImplementedError.

    Returns:
        `(last_output, outputs, [h, c])`, `outputs` `(batch, time, units)` (or
        `(batch, 1, units)` without `return_sequences`).

    Raises:
        NotImplementedError: when the fused kernel does not compute this configuration.
    """
    inputs, (h, c), kernel, recurrent_kernel, bias = _fused_operands(
        inputs, [initial_state_h, initial_state_c], kernel, recurrent_kernel, bias,
        activation, recurrent_activation, mask, unroll)
    if go_backwards:
        inputs = torch.flip(inputs, dims=[1])
    # Keras' and torch's gate orders agree (i, f, c/g, o); torch's weights are transposed.
    weights = [kernel.T.contiguous(), recurrent_kernel.T.contiguous()]
    if bias is not None:
        weights += [bias, torch.zeros_like(bias)]
    outputs, h, c = torch._VF.lstm(
        inputs, (h.unsqueeze(0), c.unsqueeze(0)), weights, bias is not None,
        1, 0.0, torch.is_grad_enabled(), False, True)
    return _results(outputs, [h.squeeze(0), c.squeeze(0)], return_sequences)


def _gates_to_torch(x):
    """Column blocks `z, r, h` (Keras' GRU order) as `r, z, h` (torch's)."""
    z, r, h = torch.chunk(x, 3, dim=-1)
    return torch.cat([r, z, h], dim=-1)


def gru(inputs, initial_state, mask, kernel, recurrent_kernel, bias, activation,
        recurrent_activation, return_sequences=False, go_backwards=False, unroll=False,
        reset_after=True):
    """A GRU layer's time loop in torch's fused kernel.

    Args:
        inputs: `(batch, time, features)`.
        initial_state: `(batch, units)`.
        mask: `(batch, time)` booleans or None; a mask raises NotImplementedError.
        kernel: `(features, 3 * units)`, gates `z, r, h` in column blocks.
        recurrent_kernel: `(units, 3 * units)`.
        bias: `(2, 3 * units)` (input and recurrent biases) or None.
        activation, recurrent_activation: must be tanh and sigmoid.
        return_sequences: whether `outputs` holds every step (else only the last).
        go_backwards: run from the last step to the first (outputs in that order).
        unroll: True raises NotImplementedError.
        reset_after: must be True (torch's formula applies the reset gate after the
            recurrent projection).

    Returns:
        `(last_output, outputs, [h])`, as `lstm`.

    Raises:
        NotImplementedError: when the fused kernel does not compute this configuration.
    """
    if not reset_after:
        raise NotImplementedError("the fused GRU kernel computes reset_after=True only")
    inputs, (h,), kernel, recurrent_kernel, bias = _fused_operands(
        inputs, [initial_state], kernel, recurrent_kernel, bias, activation,
        recurrent_activation, mask, unroll)
    if bias is not None and tuple(bias.shape) != (2, kernel.shape[1]):
        raise NotImplementedError("the fused GRU kernel needs a (2, 3 * units) bias")
    if go_backwards:
        inputs = torch.flip(inputs, dims=[1])
    weights = [_gates_to_torch(kernel).T.contiguous(),
               _gates_to_torch(recurrent_kernel).T.contiguous()]
    if bias is not None:
        weights += [_gates_to_torch(bias[0]), _gates_to_torch(bias[1])]
    outputs, h = torch._VF.gru(
        inputs, h.unsqueeze(0), weights, bias is not None, 1, 0.0, torch.is_grad_enabled(),
        False, True)
    return _results(outputs, [h.squeeze(0)], return_sequences)
