"""`DropoutRNNCell`: the dropout masks of a recurrent cell, drawn once per sequence."""

from lamina import ops, random


class DropoutRNNCell:
    """Mixin for cells with `dropout`, `recurrent_dropout` and a `seed_generator`.

    A mask is drawn on the first request of a call and reused for every time step (Gal &
    Ghahramani's recurrent dropout); `RNN` draws the masks before its time loop (so no random
    state changes inside a compiled loop) and resets them after it. A cell with
    `dropout_mask_count = n` gets a list of `n` masks (one per gate).
    """

    def _create_dropout_mask(self, step_input, rate):
        ones = ops.ones_like(step_input)
        count = getattr(self, "dropout_mask_count", None)
        if count is None:
            return random.dropout(ones, rate=rate, seed=self.seed_generator)
        return [random.dropout(ones, rate=rate, seed=self.seed_generator) for _ in range(count)]

    def get_dropout_mask(self, step_input):
        """The input dropout mask (drawn on the first request), or None if `dropout` is 0."""
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = self._create_dropout_mask(step_input, self.dropout)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_input):
        """The recurrent-state dropout mask, or None if `recurrent_dropout` is 0."""
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = self._create_dropout_mask(
                step_input, self.recurrent_dropout)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        self._dropout_mask = None

    def reset_recurrent_dropout_mask(self):
        self._recurrent_dropout_mask = None


def check_dropout_rate(layer_name, name, rate):
    """`rate` clipped to [0, 1] as Keras does, after checking it is a number."""
    if isinstance(rate, bool) or not isinstance(rate, (int, float)):
        raise ValueError(
            f"{layer_name}: argument `{name}` must be a float between 0 and 1. "
            f"Received: {name}={rate!r}"
        )
    return min(1.0, max(0.0, float(rate)))


def check_units(layer_name, units):
    if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
        raise ValueError(
            f"{layer_name}: received an invalid value for argument `units`, expected a "
            f"positive integer, got {units!r}."
        )
    return units


def serialize_arguments(layer, names):
    """The config entries of `names`: activations by name, other objects as Keras configs."""
    from lamina import activations
    from lamina.saving.serialization_lib import serialize_keras_object

    config = {}
    for name in names:
        value = getattr(layer, name)
        if name.endswith("activation"):
            config[name] = activations.serialize(value)
        elif name.endswith(("_initializer", "_regularizer", "_constraint")):
            config[name] = serialize_keras_object(value)
        else:
            config[name] = value
    return config
