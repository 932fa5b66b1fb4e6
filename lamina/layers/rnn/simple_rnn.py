"""`SimpleRNNCell` and `SimpleRNN`: `h_t = activation(x_t W + h_{t-1} U + b)`."""

from lamina import activations, constraints, initializers, ops, random, regularizers
from lamina.api_export import export
from lamina.layers.layer import InputSpec, Layer
from lamina.layers.rnn.dropout_rnn_cell import (
    DropoutRNNCell, check_dropout_rate, check_units, serialize_arguments,
)
from lamina.layers.rnn.rnn import RNN
from lamina.saving.serialization_lib import serialize_keras_object

_CELL_ARGUMENTS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout",
)


@export("lamina.layers.SimpleRNNCell")
class SimpleRNNCell(Layer, DropoutRNNCell):
    """One step of a fully-connected RNN: `output = activation(x W + h U + b)`.

    Args:
        units: the size of the output and state.
        activation: default "tanh" (None: linear).
        use_bias: whether to add `bias`.
        kernel_initializer, recurrent_initializer, bias_initializer: for `kernel`
            `(input_dim, units)`, `recurrent_kernel` `(units, units)` and `bias` `(units,)`.
        kernel_regularizer, recurrent_regularizer, bias_regularizer: penalties.
        kernel_constraint, recurrent_constraint, bias_constraint: projections.
        dropout, recurrent_dropout: fractions of the inputs / states dropped in training.
        seed: random seed for dropout.

    Example:
    >>> RNN(SimpleRNNCell(4))(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        check_units("SimpleRNNCell", units)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.units = units
        self.activation = activations.get(activation)
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
        self.dropout = check_dropout_rate("SimpleRNNCell", "dropout", dropout)
        self.recurrent_dropout = check_dropout_rate("SimpleRNNCell", "recurrent_dropout",
                                                    recurrent_dropout)
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        self.kernel = self.add_weight(
            shape=(input_shape[-1], self.units), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=(self.units, self.units), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                shape=(self.units,), name="bias", initializer=self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, sequence, states, training=False):
        previous = states[0] if isinstance(states, (list, tuple)) else states
        if training:
            input_mask = self.get_dropout_mask(sequence)
            state_mask = self.get_recurrent_dropout_mask(previous)
            if input_mask is not None:
                sequence = ops.multiply(sequence, input_mask)
            if state_mask is not None:
                previous = ops.multiply(previous, state_mask)
        h = ops.matmul(sequence, self.kernel)
        if self.bias is not None:
            h = ops.add(h, self.bias)
        output = self.activation(ops.add(h, ops.matmul(previous, self.recurrent_kernel)))
        return output, [output] if isinstance(states, (list, tuple)) else output

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.state_size), dtype=self.compute_dtype)]

    def get_config(self):
        return {**super().get_config(), **serialize_arguments(self, _CELL_ARGUMENTS),
                "seed": self.seed}


@export("lamina.layers.SimpleRNN")
class SimpleRNN(RNN):
    """A fully-connected RNN whose output is fed back as its next input state.

    Args: those of `SimpleRNNCell` and of `RNN` (return_sequences, return_state,
    go_backwards, stateful, unroll).

    Input shape:
        `(batch, timesteps, features)`.

    Output shape:
        `(batch, units)`, or `(batch, timesteps, units)` with `return_sequences`.

    Example:
    >>> SimpleRNN(4, return_sequences=True)(np.ones((2, 5, 3), "float32")).shape
    (2, 5, 4)
    """

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout,
            recurrent_dropout=recurrent_dropout, seed=seed, dtype=kwargs.get("dtype"),
            trainable=kwargs.get("trainable", True), name="simple_rnn_cell")
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = [InputSpec(ndim=3)]

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def __getattr__(self, name):
        # The cell's arguments read through the layer (layer.units, layer.dropout, ...).
        if name in _CELL_ARGUMENTS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = {**super().get_config(), **serialize_arguments(self.cell, _CELL_ARGUMENTS),
                  "activity_regularizer": serialize_keras_object(self.activity_regularizer)}
        config.pop("cell")  # Keras' SimpleRNN config has no seed either
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
