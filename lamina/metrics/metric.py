"""The `Metric` base class: state in variables, updated per batch, read with `result()`.

A metric is written in stateful style; `stateless_update_state` / `stateless_result` run the
same code inside a `StatelessScope`, which is how a compiled training step uses it.
"""

from lamina import backend, ops
from lamina.api_export import export
from lamina.backend.common import global_state
from lamina.backend.common.variables import Variable
from lamina.losses.loss import compute_dtype_of


@export("lamina.Metric", "lamina.metrics.Metric")
class Metric:
    """Base class of metrics: subclasses implement `update_state` and `result`.

    Args:
        dtype: the dtype of the metric's computations (`floatx()` by default).
        name: the metric's name (an automatic one by default).

    Example:
    >>> class Count(lamina.metrics.Metric):
    ...     def __init__(self, name="count"):
    ...         super().__init__(name=name)
    ...         self.count = self.add_variable(shape=(), initializer="zeros", name="count")
    ...     def update_state(self, values):
    ...         self.count.assign_add(ops.cast(ops.shape(values)[0], self.dtype))
    ...     def result(self):
    ...         return self.count.value
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or global_state.auto_name(self.__class__.__name__)
        self._dtype_arg = dtype
        self._dtype = compute_dtype_of(dtype)
        self._metrics = []
        self._variables = []

    # -- state ----------------------------------------------------------------------------------
    def reset_state(self):
        """Sets every state variable back to zeros."""
        for v in self.variables:
            v.assign(ops.zeros(v.shape, dtype=v.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def _check_variables(self, metric_variables):
        if len(metric_variables) != len(self.variables):
            raise ValueError(
                "Argument `metric_variables` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {len(self.variables)} variables."
            )

    def _collect(self, scope):
        values = []
        for v in self.variables:
            new_value = scope.get_current_value(v)
            values.append(v if new_value is None else new_value)
        return values

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """The variables' new values after `update_state(*args, **kwargs)`, computed from
        `metric_variables` without changing the metric."""
        self._check_variables(metric_variables)
        mapping = list(zip(self.variables, metric_variables))
        with backend.StatelessScope(state_mapping=mapping) as scope:
            self.update_state(*args, **kwargs)
        return self._collect(scope)

    def stateless_result(self, metric_variables):
        """`result()` computed from `metric_variables` instead of the metric's state."""
        self._check_variables(metric_variables)
        mapping = list(zip(self.variables, metric_variables))
        with backend.StatelessScope(state_mapping=mapping):
            return self.result()

    def stateless_reset_state(self):
        """The variables' values after `reset_state()`, leaving the metric unchanged."""
        with backend.StatelessScope() as scope:
            self.reset_state()
        return self._collect(scope)

    # -- variables ------------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A new non-trainable state variable, created under the metric's name scope.

        Args:
            shape: the variable's shape.
            initializer: an initializer name ("zeros"), object or callable.
            dtype: the variable's dtype (`floatx()` by default).
            aggregation: how replicas' values combine ("sum" by default).
            name: the variable's name.
        """
        self._check_super_called()
        from lamina import initializers

        with backend.name_scope(self.name.replace("/", ">"), caller=self):
            variable = Variable(
                initializer=initializers.get(initializer), shape=shape, dtype=dtype,
                trainable=False, aggregation=aggregation, synchronization="on_read", name=name,
            )
        self._track(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Like `add_variable` (kept for compatibility)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        variables = list(self._variables)
        for metric in self._metrics:
            variables.extend(metric.variables)
        return variables

    def _track(self, value):
        if isinstance(value, Variable):
            if not any(value is v for v in self._variables):
                self._variables.append(value)
        elif isinstance(value, Metric):
            if not any(value is m for m in self._metrics):
                self._metrics.append(value)

    def __setattr__(self, name, value):
        if "_variables" in self.__dict__:
            self._track(value)
        super().__setattr__(name, value)

    def _check_super_called(self):
        if "_variables" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: you forgot to call `super().__init__()` in the "
                "`__init__()` method. Go add it!"
            )

    # -- use ------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Updates the state with one batch and returns the new result."""
        self._check_super_called()
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def _obj_type(self):
        return "Metric"

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()
