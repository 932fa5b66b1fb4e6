"""`ConvLSTM1D/2D/3D`: LSTMs whose input and recurrent transformations are convolutions
(Shi et al., 2015)."""

from lamina import activations, constraints, initializers, ops, random, regularizers
from lamina.api_export import export
from lamina.backend import config as backend_config
from lamina.layers.layer import InputSpec, Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell, check_dropout_rate
from lamina.layers.rnn.lstm import _ForgetBiasInitializer
from lamina.layers.rnn.rnn import RNN, build_sublayer
from lamina.saving.serialization_lib import serialize_keras_object

_CELL_ARGUMENTS = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
    "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout",
)


def _tuple(value, rank, name):
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank:
        raise ValueError(f"ConvLSTM{rank}D: `{name}` must be an int or {rank} ints, "
                         f"received {name}={value!r}.")
    return values


def _conv_length(size, kernel, stride, padding, dilation):
    if size is None:
        return None
    span = (kernel - 1) * dilation + 1
    if padding == "same":
        return (size + stride - 1) // stride
    return (size - span + stride) // stride


class ConvLSTMCell(Layer, DropoutRNNCell):
    """One ConvLSTM step on `(batch, *spatial, channels)` (or channels-first) inputs."""

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation="tanh",
                 recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.filters = filters
        self.kernel_size = _tuple(kernel_size, rank, "kernel_size")
        self.strides = _tuple(strides, rank, "strides")
        self.padding = padding.lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"ConvLSTM{rank}D: `padding` must be 'valid' or 'same', "
                             f"received padding={padding!r}.")
        self.data_format = backend_config.standardize_data_format(data_format)
        self.dilation_rate = _tuple(dilation_rate, rank, "dilation_rate")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_dropout_rate(f"ConvLSTM{rank}D", "dropout", dropout)
        self.recurrent_dropout = check_dropout_rate(f"ConvLSTM{rank}D", "recurrent_dropout",
                                                    recurrent_dropout)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed=seed)
        self.state_size = -1  # known once built: the output's spatial shape times filters
        self.output_size = None

    def build(self, input_shape):
        channel_axis = -1 if self.data_format == "channels_last" else 1
        channels = input_shape[channel_axis]
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        self.output_spatial = tuple(
            _conv_length(s, k, st, self.padding, d) for s, k, st, d in
            zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, 4 * self.filters), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, 4 * self.filters), name="recurrent_kernel",
            initializer=self.recurrent_initializer, regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            initializer = self.bias_initializer
            if self.unit_forget_bias:
                initializer = _ForgetBiasInitializer(self.bias_initializer, self.filters)
            self.bias = self.add_weight(
                shape=(4 * self.filters,), name="bias", initializer=initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def state_shape(self, batch_size):
        if self.data_format == "channels_last":
            return (batch_size,) + self.output_spatial + (self.filters,)
        return (batch_size, self.filters) + self.output_spatial

    def get_initial_state(self, batch_size=None):
        return [ops.zeros(self.state_shape(batch_size), dtype=self.compute_dtype)
                for _ in range(2)]

    def call(self, inputs, states, training=False):
        h_tm1, c_tm1 = states[0], states[1]
        if training:
            input_mask = self.get_dropout_mask(inputs)
            state_mask = self.get_recurrent_dropout_mask(h_tm1)
            if input_mask is not None:
                inputs = ops.multiply(inputs, input_mask)
            if state_mask is not None:
                h_tm1 = ops.multiply(h_tm1, state_mask)
        x = ops.conv(inputs, self.kernel, strides=self.strides, padding=self.padding,
                     data_format=self.data_format, dilation_rate=self.dilation_rate)
        h = ops.conv(h_tm1, self.recurrent_kernel, strides=1, padding="same",
                     data_format=self.data_format)
        z = ops.add(x, h)
        channel_axis = -1 if self.data_format == "channels_last" else 1
        if self.bias is not None:
            bias = self.bias
            if channel_axis == 1:
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            z = ops.add(z, bias)
        z_i, z_f, z_c, z_o = ops.split(z, 4, axis=channel_axis)
        i = self.recurrent_activation(z_i)
        f = self.recurrent_activation(z_f)
        c = ops.add(ops.multiply(f, c_tm1), ops.multiply(i, self.activation(z_c)))
        o = self.recurrent_activation(z_o)
        h = ops.multiply(o, self.activation(c))
        return h, [h, c]


class ConvLSTM(RNN):
    """The ConvLSTM layer of any rank: `RNN` over a `ConvLSTMCell`."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = ConvLSTMCell(
            self.rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            name="conv_lstm_cell", dtype=kwargs.get("dtype"))
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.input_spec = InputSpec(ndim=self.rank + 3)

    def build(self, sequences_shape, initial_state_shape=None):
        build_sublayer(self.cell, (sequences_shape[0],) + tuple(sequences_shape[2:]))
        super().build(sequences_shape)

    def get_initial_state(self, batch_size):
        return self.cell.get_initial_state(batch_size)

    def _draw_dropout_masks(self, sequences, training):
        if not training:
            return []
        batch = ops.shape(sequences)[0]
        cell = self.cell
        cell.get_dropout_mask(ops.ones((batch,) + tuple(ops.shape(sequences)[2:]),
                                       dtype=cell.compute_dtype))
        cell.get_recurrent_dropout_mask(ops.ones(cell.state_shape(batch),
                                                 dtype=cell.compute_dtype))
        return [cell]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        if not self.cell.built:
            build_sublayer(self.cell, (sequences_shape[0],) + tuple(sequences_shape[2:]))
        batch = sequences_shape[0]
        state = self.cell.state_shape(batch)
        output = (batch, sequences_shape[1]) + state[1:] if self.return_sequences else state
        if self.return_state:
            return (output, state, state)
        return output

    def compute_mask(self, inputs, mask):
        mask = mask[0] if isinstance(mask, (list, tuple)) else mask
        output_mask = mask if self.return_sequences else None
        return [output_mask, None, None] if self.return_state else output_mask

    def call(self, sequences, initial_state=None, mask=None, training=False):
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def __getattr__(self, name):
        if name in _CELL_ARGUMENTS and "cell" in self.__dict__:
            return getattr(self.__dict__["cell"], name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def get_config(self):
        config = {**super().get_config(), "activity_regularizer": serialize_keras_object(
            self.activity_regularizer), "seed": self.cell.seed}
        from lamina.layers.rnn.dropout_rnn_cell import serialize_arguments

        config.update(serialize_arguments(self.cell, _CELL_ARGUMENTS))
        for key in ("cell", "unroll", "zero_output_for_mask"):
            config.pop(key, None)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@export("lamina.layers.ConvLSTM1D")
class ConvLSTM1D(ConvLSTM):
    """1D convolutional LSTM on `(batch, time, steps, channels)` inputs.

    Example:
    >>> ConvLSTM1D(4, 3)(np.ones((2, 5, 8, 3), "float32")).shape
    (2, 6, 4)
    """

    rank = 1


@export("lamina.layers.ConvLSTM2D")
class ConvLSTM2D(ConvLSTM):
    """2D convolutional LSTM on `(batch, time, rows, cols, channels)` inputs.

    Example:
    >>> ConvLSTM2D(4, 3, padding="same")(np.ones((2, 5, 8, 8, 3), "float32")).shape
    (2, 8, 8, 4)
    """

    rank = 2


@export("lamina.layers.ConvLSTM3D")
class ConvLSTM3D(ConvLSTM):
    """3D convolutional LSTM on `(batch, time, depth, rows, cols, channels)` inputs."""

    rank = 3
