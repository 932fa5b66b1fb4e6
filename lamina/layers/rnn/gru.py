"""`GRUCell` and `GRU`: gated recurrent units (Cho et al., 2014)."""

from lamina import activations, constraints, initializers, ops, random, regularizers
from lamina.api_export import export
from lamina.layers.layer import InputSpec, Layer
from lamina.layers.rnn.dropout_rnn_cell import (
    DropoutRNNCell, check_dropout_rate, check_units, serialize_arguments,
)
from lamina.backend import active
from lamina.layers.rnn.rnn import RNN, fused_inner_loop
from lamina.saving.serialization_lib import serialize_keras_object

_CELL_ARGUMENTS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "reset_after",
)


@export("lamina.layers.GRUCell")
class GRUCell(Layer, DropoutRNNCell):
    """One GRU step with update gate `z`, reset gate `r` and candidate `hh` (column blocks
    of the weights, in that order): `h_t = z * h_{t-1} + (1 - z) * hh`.

    With `reset_after=True` (the default, cuDNN's variant) the reset gate multiplies the
    recurrent projection after it is computed, `hh = activation(x W_h + r * (h U_h + b_rh))`,
    and `bias` has shape `(2, 3 * units)` (input and recurrent biases); otherwise
    `hh = activation(x W_h + (r * h) U_h)` and `bias` is `(3 * units,)`.

    Args:
        units: size of the output and state.
        activation: default "tanh"; recurrent_activation: default "sigmoid" (the gates).
        use_bias: whether to add `bias`.
        kernel_*, recurrent_*, bias_*: initializers, regularizers, constraints.
        dropout, recurrent_dropout: fractions of the inputs / state dropped in training.
        reset_after: see above.
        seed: random seed for dropout.

    Example:
    >>> RNN(GRUCell(4))(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        check_units("GRUCell", units)
        implementation = kwargs.pop("implementation", 2)
        super().__init__(**kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_dropout_rate("GRUCell", "dropout", dropout)
        self.recurrent_dropout = check_dropout_rate("GRUCell", "recurrent_dropout",
                                                    recurrent_dropout)
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 3
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed=seed)
        self.reset_after = reset_after
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 3 * self.units), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 3 * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
            self.bias = self.add_weight(
                shape=shape, name="bias", initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _project(self, inputs, h_tm1, input_mask, state_mask):
        """The input and recurrent pre-activations of the three gates, each a list `[z, r, h]`
        (the recurrent `h` block without the reset gate; None when `reset_after` is False)."""
        units = self.units
        input_bias = recurrent_bias = None
        if self.bias is not None:
            if self.reset_after:
                input_bias, recurrent_bias = self.bias[0], self.bias[1]
            else:
                input_bias = self.bias
        per_gate = self.implementation == 1
        xs = [inputs if input_mask is None else ops.multiply(inputs, m)
              for m in (input_mask if per_gate and input_mask is not None else [input_mask] * 3)]
        hs = [h_tm1 if state_mask is None else ops.multiply(h_tm1, m)
              for m in (state_mask if per_gate and state_mask is not None else [state_mask] * 3)]
        kernels = ops.split(self.kernel, 3, axis=-1)
        recurrent = ops.split(self.recurrent_kernel, 3, axis=-1)
        x_parts, h_parts = [], []
        for gate in range(3):
            x = ops.matmul(xs[gate], kernels[gate])
            if input_bias is not None:
                x = ops.add(x, input_bias[gate * units:(gate + 1) * units])
            x_parts.append(x)
            if gate == 2 and not self.reset_after:
                h_parts.append(None)
                continue
            h = ops.matmul(hs[gate], recurrent[gate])
            if recurrent_bias is not None:
                h = ops.add(h, recurrent_bias[gate * units:(gate + 1) * units])
            h_parts.append(h)
        return x_parts, h_parts, hs[2], recurrent[2]

    def call(self, inputs, states, training=False):
        h_tm1 = states[0] if isinstance(states, (list, tuple)) else states
        input_mask = self.get_dropout_mask(inputs) if training else None
        state_mask = self.get_recurrent_dropout_mask(h_tm1) if training else None
        (x_z, x_r, x_h), (h_z, h_r, h_h), h_for_candidate, kernel_h = self._project(
            inputs, h_tm1, input_mask, state_mask)
        z = self.recurrent_activation(ops.add(x_z, h_z))
        r = self.recurrent_activation(ops.add(x_r, h_r))
        if self.reset_after:
            recurrent_h = ops.multiply(r, h_h)
        else:
            recurrent_h = ops.matmul(ops.multiply(r, h_for_candidate), kernel_h)
        hh = self.activation(ops.add(x_h, recurrent_h))
        h = ops.add(ops.multiply(z, h_tm1), ops.multiply(ops.subtract(1.0, z), hh))
        return h, [h] if isinstance(states, (list, tuple)) else h

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.state_size), dtype=self.compute_dtype)]

    def get_config(self):
        return {**super().get_config(), **serialize_arguments(self, _CELL_ARGUMENTS),
                "seed": self.seed}


@export("lamina.layers.GRU")
class GRU(RNN):
    """Gated Recurrent Unit layer: `RNN(GRUCell(...))` with the cell's arguments.

    Args: those of `GRUCell` and of `RNN`; `use_cudnn` ("auto", True or False): whether to
    run the backend's fused kernel (torch's, on CPU and cuDNN) where it computes exactly this
    layer: tanh and sigmoid, `reset_after=True`, no mask, no `unroll`, no recurrent dropout
    in training. Elsewhere, and with False, the cell steps through time.

    Input shape:
        `(batch, timesteps, features)`.

    Output shape:
        `(batch, units)` or `(batch, timesteps, units)`; with `return_state`, also the final
        state `(batch, units)`.

    Example:
    >>> GRU(4)(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell", seed=seed, implementation=kwargs.pop("implementation", 2))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=3)
        if use_cudnn not in ("auto", True, False):
            raise ValueError(
                "Invalid valid received for argument `use_cudnn`. Expected one of "
                f"{{'auto', True, False}}. Received: use_cudnn={use_cudnn}"
            )
        self.use_cudnn = use_cudnn

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        return fused_inner_loop(self, active.rnn.gru, sequences, initial_state, mask,
                                training, reset_after=self.cell.reset_after)

    def __getattr__(self, name):
        if name in _CELL_ARGUMENTS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = {**super().get_config(), **serialize_arguments(self.cell, _CELL_ARGUMENTS),
                  "activity_regularizer": serialize_keras_object(self.activity_regularizer),
                  "seed": self.cell.seed}
        config.pop("cell")
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
