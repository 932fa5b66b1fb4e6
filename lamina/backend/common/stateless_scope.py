"""Scopes that swap variables' values for traced ones, so that stateful code runs purely.

Inside a `StatelessScope`, reading a mapped variable gives the value from the mapping and
`assign` records the new value in the scope instead of changing the variable. A compiled
training step uses it to run layers, metrics and optimizers (written with variables) as a pure
function of the state it is given; `SymbolicScope` marks code that is tracing shapes only.
"""

from lamina.backend.common import global_state


class StatelessScope:
    """Runs code with variable values taken from `state_mapping`, recording assignments.

    Args:
        state_mapping: pairs `(variable, value)` to use in place of the variables' own values.
        collect_losses: whether `add_loss` calls inside should be collected.
        initialize_variables: whether variables created inside are initialized right away.

    Example:
    >>> with StatelessScope([(v, new_value)]) as scope:
    ...     y = layer(x)                # reads new_value for v
    ...     v.assign(v + 1)             # recorded, v unchanged
    >>> scope.get_current_value(v)
    """

    def __init__(self, state_mapping=None, collect_losses=False, initialize_variables=True):
        from lamina.backend.common.variables import Variable

        self.collect_losses = collect_losses
        self.initialize_variables = initialize_variables
        self.losses = []
        self.state_mapping = {}
        for variable, value in state_mapping or ():
            if not isinstance(variable, Variable):
                raise ValueError(
                    "Invalid reference variable in StatelessScope: every key of "
                    f"`state_mapping` must be a Variable, received {variable!r}."
                )
            self.state_mapping[id(variable)] = value
        self._previous = None

    def __enter__(self):
        self._previous = global_state.get_global_attribute("stateless_scope")
        global_state.set_global_attribute("stateless_scope", self)
        return self

    def __exit__(self, *exc):
        global_state.set_global_attribute("stateless_scope", self._previous)

    def add_update(self, variable, value):
        self.state_mapping[id(variable)] = value

    def add_loss(self, loss):
        self.losses.append(loss)

    def get_current_value(self, variable):
        return self.state_mapping.get(id(variable), None)


def in_stateless_scope():
    return global_state.get_global_attribute("stateless_scope") is not None


def get_stateless_scope():
    return global_state.get_global_attribute("stateless_scope")


class SymbolicScope:
    """Marks code that runs on symbolic tensors only (shape inference)."""

    def __enter__(self):
        self._previous = global_state.get_global_attribute("symbolic_scope")
        global_state.set_global_attribute("symbolic_scope", self)
        return self

    def __exit__(self, *exc):
        global_state.set_global_attribute("symbolic_scope", self._previous)


def in_symbolic_scope():
    return global_state.get_global_attribute("symbolic_scope") is not None
