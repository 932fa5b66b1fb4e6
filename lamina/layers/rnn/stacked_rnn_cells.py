"""`StackedRNNCells`: several cells run one after the other at each time step."""

from lamina import ops, tree
from lamina.api_export import export
from lamina.layers.layer import Layer
from lamina.saving.serialization_lib import deserialize_keras_object, serialize_keras_object


def _output_size(cell):
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size


@export("lamina.layers.StackedRNNCells")
class StackedRNNCells(Layer):
    """Wraps a list of cells so they act as one: each cell's output is the next one's input.

    Args:
        cells: list of RNN cells.

    Example:
    >>> RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))(np.ones((2, 5, 3), "float32")).shape
    (2, 4)
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not callable(getattr(cell, "call", None)):
                raise ValueError(
                    "All cells must have a `call` method. Received cell without a `call` "
                    f"method: {cell}"
                )
            if getattr(cell, "state_size", None) is None:
                raise ValueError(
                    "All cells must have a `state_size` attribute. Received cell without a "
                    f"`state_size`: {cell}"
                )
        self.cells = list(cells)

    @property
    def state_size(self):
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self):
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            get_fn = getattr(cell, "get_initial_state", None)
            if get_fn is not None:
                states.append(get_fn(batch_size=batch_size))
            elif isinstance(cell.state_size, int):
                states.append(ops.zeros((batch_size, cell.state_size), dtype=self.compute_dtype))
            else:
                states.append([ops.zeros((batch_size, d), dtype=self.compute_dtype)
                               for d in cell.state_size])
        return states

    def call(self, inputs, states, training=False, **kwargs):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            was_nested = tree.is_nested(cell_states)
            cell_states = list(cell_states) if was_nested else [cell_states]
            if isinstance(cell, Layer) and cell._call_has_training:
                kwargs["training"] = training
            else:
                kwargs.pop("training", None)
            inputs, cell_states = cell(inputs, cell_states, **kwargs)
            if not tree.is_nested(cell_states):
                cell_states = [cell_states]
            if len(cell_states) == 1 and not was_nested:
                cell_states = cell_states[0]
            new_states.append(cell_states)
        if len(new_states) == 1:
            new_states = new_states[0]
        return inputs, new_states

    def build(self, input_shape):
        from lamina.layers.rnn.rnn import build_sublayer

        batch = tree.flatten(input_shape)[0]
        for cell in self.cells:
            build_sublayer(cell, input_shape)
            input_shape = (batch, _output_size(cell))
        self.built = True

    def get_config(self):
        return {**super().get_config(),
                "cells": [serialize_keras_object(cell) for cell in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_keras_object(c, custom_objects=custom_objects)
                 for c in config.pop("cells")]
        return cls(cells, **config)
