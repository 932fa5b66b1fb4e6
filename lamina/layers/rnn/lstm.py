"""`LSTMCell` and `LSTM`: long short-term memory (Hochreiter & Schmidhuber, 1997)."""

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
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout",
)


class _ForgetBiasInitializer:
    """`bias_initializer` for the input, cell and output gates, ones for the forget gate."""

    def __init__(self, base, units):
        self.base, self.units = base, units

    def __call__(self, shape, dtype=None):
        units = self.units
        return ops.concatenate([
            self.base((units,), dtype=dtype), ops.ones((units,), dtype=dtype),
            self.base((2 * units,), dtype=dtype),
        ])


def _split_gates(x, count):
    return ops.split(x, count, axis=-1)


@export("lamina.layers.LSTMCell")
class LSTMCell(Layer, DropoutRNNCell):
    """One LSTM step. Gates `i, f, c, o` are the column blocks of `kernel`,
    `recurrent_kernel` and `bias`, in that order:
    `c_t = f * c_{t-1} + i * activation(z_c)`, `h_t = o * activation(c_t)`.

    Args:
        units: size of the output and of both states `[h, c]`.
        activation: default "tanh"; recurrent_activation: default "sigmoid" (the gates).
        use_bias: whether to add `bias` `(4 * units,)`.
        unit_forget_bias: initialize the forget gate's bias to ones.
        kernel_*, recurrent_*, bias_*: initializers, regularizers and constraints of
            `kernel` `(input_dim, 4 * units)`, `recurrent_kernel` `(units, 4 * units)`, `bias`.
        dropout, recurrent_dropout: fractions of the inputs / state dropped in training.
        seed: random seed for dropout.

    Example:
    >>> RNN(LSTMCell(4))(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        check_units("LSTMCell", units)
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
        self.dropout = check_dropout_rate("LSTMCell", "dropout", dropout)
        self.recurrent_dropout = check_dropout_rate("LSTMCell", "recurrent_dropout",
                                                    recurrent_dropout)
        # With recurrent dropout each gate gets its own masks (Keras' "implementation 1").
        self.implementation = 1 if self.recurrent_dropout else implementation
        if self.implementation == 1:
            self.dropout_mask_count = 4
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed=seed)
        self.unit_forget_bias = unit_forget_bias
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], 4 * self.units), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, 4 * self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = _ForgetBiasInitializer(self.bias_initializer, self.units)
            self.bias = self.add_weight(
                shape=(4 * self.units,), name="bias", initializer=initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        input_mask = self.get_dropout_mask(inputs) if training else None
        state_mask = self.get_recurrent_dropout_mask(h_tm1) if training else None
        if self.implementation == 1:
            # Per-gate inputs, so that each gate can see its own dropout mask.
            xs = [inputs if input_mask is None else ops.multiply(inputs, m)
                  for m in (input_mask or [None] * 4)]
            hs = [h_tm1 if state_mask is None else ops.multiply(h_tm1, m)
                  for m in (state_mask or [None] * 4)]
            kernels = _split_gates(self.kernel, 4)
            recurrent = _split_gates(self.recurrent_kernel, 4)
            biases = _split_gates(self.bias, 4) if self.bias is not None else [None] * 4
            z = []
            for x, h, k, r, b in zip(xs, hs, kernels, recurrent, biases):
                gate = ops.add(ops.matmul(x, k), ops.matmul(h, r))
                z.append(gate if b is None else ops.add(gate, b))
        else:
            if input_mask is not None:
                inputs = ops.multiply(inputs, input_mask)
            z = ops.add(ops.matmul(inputs, self.kernel), ops.matmul(h_tm1, self.recurrent_kernel))
            if self.bias is not None:
                z = ops.add(z, self.bias)
            z = _split_gates(z, 4)
        i = self.recurrent_activation(z[0])
        f = self.recurrent_activation(z[1])
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(z[2])))
        o = self.recurrent_activation(z[3])
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, d), dtype=self.compute_dtype) for d in self.state_size]

    def get_config(self):
        return {**super().get_config(), **serialize_arguments(self, _CELL_ARGUMENTS),
                "seed": self.seed}


@export("lamina.layers.LSTM")
class LSTM(RNN):
    """Long Short-Term Memory layer: `RNN(LSTMCell(...))` with the cell's arguments.

    Args: those of `LSTMCell` and of `RNN` (return_sequences, return_state, go_backwards,
    stateful, unroll); `use_cudnn` ("auto", True or False): whether to run the backend's
    fused kernel (torch's, on CPU and cuDNN) where it computes exactly this layer: tanh and
    sigmoid, no mask, no `unroll`, no recurrent dropout in training. Elsewhere, and with
    False, the cell steps through time.

    Input shape:
        `(batch, timesteps, features)`.

    Output shape:
        `(batch, units)` or `(batch, timesteps, units)`; with `return_state`, also the final
        `h` and `c`, each `(batch, units)`.

    Example:
    >>> output, h, c = LSTM(4, return_state=True)(np.ones((2, 5, 3), "float32"))
    >>> output.shape, c.shape
    ((2, 4), (2, 4))
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            unit_forget_bias=unit_forget_bias, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="lstm_cell", seed=seed,
            implementation=kwargs.pop("implementation", 2))
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
        return fused_inner_loop(self, active.rnn.lstm, sequences, initial_state, mask,
                                training)

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
