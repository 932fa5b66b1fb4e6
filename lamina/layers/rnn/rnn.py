"""`RNN`: runs a cell over the time axis of a sequence; `rnn_loop`, the time loop itself."""

from lamina import backend, ops, tree
from lamina.api_export import export
from lamina.backend.common.variables import Variable
from lamina.layers.layer import Layer
from lamina.layers.rnn.dropout_rnn_cell import DropoutRNNCell
from lamina.layers.rnn.stacked_rnn_cells import StackedRNNCells
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _swap_batch_time(x):
    axes = [1, 0] + list(range(2, len(x.shape)))
    return ops.transpose(x, axes)


def _masked(mask_t, new, old):
    """`new` where the step is kept (`mask_t`, shape (batch,)), else `old`."""
    mask_t = ops.reshape(mask_t, (-1,) + (1,) * (len(new.shape) - 1))
    return ops.where(mask_t, new, old)


def _previous_output(states):
    """The output a masked step repeats: the first state (of the last cell, when stacked)."""
    last = states[-1] if tree.is_nested(states[0]) else states[0]
    return tree.flatten(last)[0]


def rnn_loop(step_function, inputs, initial_states, go_backwards=False, mask=None, unroll=False,
             zero_output_for_mask=False, return_all_outputs=True):
    """Runs `output, states = step_function(input_t, states)` over the time axis.

    Args:
        step_function: `(input_t, states) -> (output_t, new_states)`, `states` a list.
        inputs: `(batch, time, ...)`.
        initial_states: list of state tensors (or nested lists, for stacked cells).
        go_backwards: iterate from the last step to the first; outputs are in that order.
        mask: `(batch, time)` booleans; a masked step keeps the previous states and repeats
            the previous output (zeros when `zero_output_for_mask`).
        unroll: a Python loop over the steps instead of `ops.scan`.
        return_all_outputs: whether the stacked outputs are needed (else only the last).

    Returns:
        `(last_output, outputs, final_states)`, `outputs` of shape `(batch, time, ...)`.
    """
    states = list(initial_states)
    sequence = _swap_batch_time(inputs)
    if mask is not None:
        mask = ops.cast(mask, "bool")
        if len(mask.shape) == 3:
            mask = ops.any(mask, axis=-1)
        mask = ops.transpose(mask, (1, 0))

    def normalize(new_states):
        return tree.pack_sequence_as(states, tree.flatten(new_states))

    if unroll:
        steps = sequence.shape[0]
        xs = ops.unstack(sequence, num=steps, axis=0)
        ms = ops.unstack(mask, num=steps, axis=0) if mask is not None else [None] * steps
        order = range(steps - 1, -1, -1) if go_backwards else range(steps)
        outputs, previous = [], None
        for t in order:
            output, new_states = step_function(xs[t], states)
            new_states = normalize(new_states)
            if ms[t] is not None:
                previous = ops.zeros_like(output) if previous is None or zero_output_for_mask \
                    else previous
                output = _masked(ms[t], output, previous)
                new_states = tree.map_structure(
                    lambda n, o, m=ms[t]: _masked(m, n, o), new_states, states)
            states = new_states
            previous = output
            outputs.append(output)
        stacked = ops.stack(outputs if return_all_outputs else outputs[-1:], axis=0)
        return outputs[-1], _swap_batch_time(stacked), states

    def step(carry, x):
        if mask is not None:
            x, m = x
        output, new_states = step_function(x, carry)
        new_states = tree.pack_sequence_as(carry, tree.flatten(new_states))
        if mask is not None:
            old = ops.zeros_like(output) if zero_output_for_mask else _previous_output(carry)
            output = _masked(m, output, old)
            new_states = tree.map_structure(lambda n, o: _masked(m, n, o), new_states, carry)
        return new_states, output

    xs = (sequence, mask) if mask is not None else sequence
    final_states, outputs = ops.scan(step, states, xs, reverse=go_backwards)
    if go_backwards:
        outputs = ops.flip(outputs, axis=0)
    last_output = outputs[-1]
    return last_output, _swap_batch_time(outputs), list(final_states)


def fused_loop_sequences(layer, sequences, initial_state, training):
    """`sequences` as a backend's fused time loop (`active.rnn.lstm`/`gru`) takes them, with
    the cell's input dropout applied, or None where only the generic loop can run: symbolic
    tensors, recurrent dropout in training, per-gate dropout masks."""
    if backend.any_symbolic_tensors((sequences, initial_state)):
        return None
    cell = layer.cell
    if not training:
        return sequences
    if cell.recurrent_dropout:
        return None
    # `RNN.call` drew the mask before the loop; one `(batch, features)` mask for every step.
    dropout_mask = cell.get_dropout_mask(sequences[:, 0])
    if dropout_mask is None:
        return sequences
    if isinstance(dropout_mask, (list, tuple)):
        return None
    return ops.multiply(sequences, ops.expand_dims(dropout_mask, 1))


def fused_inner_loop(layer, kernel, sequences, initial_state, mask, training, **arguments):
    """`RNN.inner_loop` through a backend's fused time loop `kernel` (`active.rnn.lstm` or
    `gru`, called with the sequences, the initial states, the mask and the cell's weights and
    activations) where `use_cudnn` allows it and the kernel computes exactly this layer (it
    raises NotImplementedError otherwise, as Keras does with cuDNN); else the generic loop."""
    fused = None
    if layer.use_cudnn in ("auto", True):
        fused = fused_loop_sequences(layer, sequences, initial_state, training)
    if fused is not None:
        cell = layer.cell
        try:
            return kernel(
                fused, *initial_state, mask, kernel=cell.kernel,
                recurrent_kernel=cell.recurrent_kernel, bias=cell.bias,
                activation=cell.activation, recurrent_activation=cell.recurrent_activation,
                return_sequences=layer.return_sequences, go_backwards=layer.go_backwards,
                unroll=layer.unroll, **arguments)
        except NotImplementedError:
            pass
    return RNN.inner_loop(layer, sequences, initial_state, mask, training=training)


def build_sublayer(layer, input_shape):
    """Builds `layer` (a cell or wrapped layer) under its own name scope, once."""
    if isinstance(layer, Layer) and not layer.built:
        with backend.name_scope(layer.name, caller=layer):
            layer.build(input_shape)
        layer._build_shapes = input_shape
        layer.built = True


@export("lamina.layers.RNN")
class RNN(Layer):
    """Runs a recurrent cell over the time axis of `(batch, time, features)` inputs.

    Args:
        cell: an RNN cell (a layer with `call(input_t, states)` returning `(output_t,
            new_states)` and a `state_size`), or a list of cells (stacked).
        return_sequences: return the whole output sequence instead of the last output.
        return_state: also return the final states.
        go_backwards: process the sequence in reverse (outputs in that order).
        stateful: carry the final states of a batch into the next one (fixed batch size).
        unroll: a Python loop over the steps instead of a compiled scan (short sequences).
        zero_output_for_mask: masked steps output zeros instead of the previous output.

    Call arguments:
        sequences: `(batch, time, features)`.
        initial_state: list of initial state tensors (zeros by default).
        mask: `(batch, time)` booleans, False for steps to skip.
        training: passed to the cell (for dropout).

    Example:
    >>> RNN(LSTMCell(4))(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if not callable(getattr(cell, "call", None)):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell}")
        if getattr(cell, "state_size", None) is None:
            raise ValueError(
                "The RNN cell should have a `state_size` attribute (single integer or list of "
                f"integers, one integer per RNN state). Received: cell={cell}"
            )
        super().__init__(**kwargs)
        self.zero_output_for_mask = zero_output_for_mask
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        self.supports_masking = False  # masks are consumed; compute_mask says what goes on
        self._states = None
        state_size = cell.state_size
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError(
                "state_size must be an integer, or a list/tuple of integers (one for each state "
                f"tensor). Received: state_size={state_size!r}"
            )
        self.single_state = isinstance(state_size, int)
        self.state_size = [state_size] if self.single_state else list(state_size)

    @property
    def states(self):
        return self._states

    def build(self, sequences_shape, initial_state_shape=None):
        if len(sequences_shape) < 3:
            raise ValueError(
                f'Layer "{self.name}" expects inputs of shape (batch, timesteps, features), '
                f"received shape {tuple(sequences_shape)}."
            )
        build_sublayer(self.cell, (sequences_shape[0],) + tuple(sequences_shape[2:]))
        if self.stateful:
            if sequences_shape[0] is None:
                raise ValueError(
                    "When using `stateful=True` in a RNN, the batch size must be static. Found "
                    f"dynamic batch size: sequence.shape={tuple(sequences_shape)}"
                )
            # Not tracked as weights, as in Keras: the weights files stay the same.
            with backend.name_scope(self.name, caller=self):
                object.__setattr__(self, "_states", [
                    Variable(ops.convert_to_numpy(s), trainable=False, name="rnn_state")
                    for s in tree.flatten(self.get_initial_state(sequences_shape[0]))
                ])
        self.built = True

    def _non_weight_variables(self):
        # A stateful RNN's states are carried by the compiled training step, not saved.
        return super()._non_weight_variables() + list(getattr(self, "_states", None) or [])

    def get_initial_state(self, batch_size):
        """The zero states (or the cell's own initial states) for `batch_size` sequences."""
        get_fn = getattr(self.cell, "get_initial_state", None)
        if get_fn is None:
            return [ops.zeros((batch_size, d), dtype=self.cell.compute_dtype)
                    for d in self.state_size]
        state = get_fn(batch_size=batch_size)
        return list(state) if tree.is_nested(state) else [state]

    def reset_state(self):
        """Sets the states of a stateful RNN back to zeros."""
        if self._states is not None:
            for variable in self._states:
                variable.assign(ops.zeros_like(variable.value))

    def reset_states(self):
        self.reset_state()

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, length = sequences_shape[0], sequences_shape[1]
        states = []
        for size in self.state_size:
            if isinstance(size, int):
                states.append((batch, size))
            else:
                states.append([(batch, s) for s in size])
        output_size = getattr(self.cell, "output_size", None)
        if output_size is None:
            output_size = self.state_size[0]
        if not isinstance(output_size, int):
            raise ValueError("output_size must be an integer.")
        output = (batch, length, output_size) if self.return_sequences else (batch, output_size)
        if self.return_state:
            return (output, *states)
        return output

    def compute_mask(self, inputs, mask):
        mask = tree.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # -- the time loop ----------------------------------------------------------------------
    def _dropout_cells(self, cell, step_input_shape, batch_size):
        """Each DropoutRNNCell of `cell` (stacked or not) with its step input's shape."""
        if isinstance(cell, StackedRNNCells):
            out, shape = [], step_input_shape
            for inner in cell.cells:
                out.extend(self._dropout_cells(inner, shape, batch_size))
                size = getattr(inner, "output_size", None) or tree.flatten(inner.state_size)[0]
                shape = (batch_size, size)
            return out
        return [(cell, step_input_shape)] if isinstance(cell, DropoutRNNCell) else []

    def _draw_dropout_masks(self, sequences, training):
        """Draws every cell's dropout masks once, outside the (compiled) time loop."""
        if not training:
            return []
        batch = ops.shape(sequences)[0]
        cells = self._dropout_cells(self.cell, (batch,) + tuple(ops.shape(sequences)[2:]), batch)
        for cell, shape in cells:
            cell.get_dropout_mask(ops.ones(shape, dtype=cell.compute_dtype))
            state_size = tree.flatten(cell.state_size)[0]
            cell.get_recurrent_dropout_mask(ops.ones((batch, state_size), dtype=cell.compute_dtype))
        return [cell for cell, _ in cells]

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell_kwargs = {}
        if isinstance(self.cell, Layer) and self.cell._call_has_training:
            cell_kwargs["training"] = training

        def step(inputs, states):
            output, new_states = self.cell(inputs, states, **cell_kwargs)
            if not tree.is_nested(new_states):
                new_states = [new_states]
            return output, new_states

        return rnn_loop(step, sequences, initial_state, go_backwards=self.go_backwards,
                        mask=mask, unroll=self.unroll,
                        zero_output_for_mask=self.zero_output_for_mask,
                        return_all_outputs=self.return_sequences)

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if self.unroll and sequences.shape[1] is None:
            raise ValueError(
                "Cannot unroll a RNN if the time dimension is undefined. Pass an `Input()` "
                "with a fixed number of timesteps."
            )
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        batch = ops.shape(sequences)[0]
        if initial_state is None:
            if self.stateful:
                initial_state = [v.value for v in self._states]
                initial_state = tree.pack_sequence_as(self.get_initial_state(batch),
                                                      initial_state)
            else:
                initial_state = self.get_initial_state(batch)
        elif self.stateful and self._states is not None:
            expected = self._states[0].shape[0]
            if sequences.shape[0] is not None and sequences.shape[0] != expected:
                raise ValueError(
                    "If an RNN is stateful, the batch size of the input sequences must be the "
                    f"same as the batch size of the initial state. Expected batch size: "
                    f"{expected}, received batch size: {sequences.shape[0]}"
                )
        if not tree.is_nested(initial_state):
            initial_state = [initial_state]
        initial_state = tree.map_structure(
            lambda s: ops.cast(s, self.cell.compute_dtype), list(initial_state))
        dropout_cells = self._draw_dropout_masks(sequences, training)
        try:
            last_output, outputs, states = self.inner_loop(
                sequences, initial_state, mask, training=training)
        finally:
            for cell in dropout_cells:
                cell.reset_dropout_mask()
                cell.reset_recurrent_dropout_mask()
        if self.stateful:
            for variable, value in zip(self._states, tree.flatten(states)):
                variable.assign(value)
        output = outputs if self.return_sequences else last_output
        output = ops.cast(output, self.compute_dtype)
        if self.return_state:
            states = tree.map_structure(lambda s: ops.cast(s, self.compute_dtype), states)
            return (output, *states)
        return output

    def get_config(self):
        config = {
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "cell": serialize_keras_object(self.cell),
        }
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cell = deserialize_keras_object(config.pop("cell"), custom_objects=custom_objects)
        return cls(cell, **config)
