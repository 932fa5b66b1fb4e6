"""LossScaleOptimizer: dynamic loss scaling around another optimizer (mixed precision)."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer
from lamina.saving import serialization_lib


@export("lamina.optimizers.LossScaleOptimizer")
class LossScaleOptimizer(Optimizer):
    """Scales the loss by a dynamic factor and unscales the gradients before the inner update.

    When any gradient is not finite, the step is skipped (no variable changes) and the scale
    halves; after `dynamic_growth_steps` finite steps in a row, the scale doubles. The choice
    is made with `ops.where`, so it also runs inside a compiled step.

    Args:
        inner_optimizer: the optimizer that updates the variables.
        initial_scale: the starting loss scale.
        dynamic_growth_steps: finite steps between two doublings of the scale.
        name: the optimizer's name.

    Example:
    >>> v = lamina.Variable(np.array([1.0], "float32"))
    >>> opt = LossScaleOptimizer(lamina.optimizers.SGD(0.5), initial_scale=4.0)
    >>> float(opt.scale_loss(1.0))
    4.0
    >>> opt.apply([np.array([4.0], "float32")], [v])  # the gradient of the scaled loss
    >>> v.numpy()
    array([0.5], dtype=float32)
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError(
                "LossScaleOptimizer no longer supports `dynamic=False`. Instead, simply set "
                "`loss_scale_factor` directly on the `inner_optimizer`."
            )
        defaults = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None,
                    "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                    "ema_overwrite_frequency": None, "loss_scale_factor": None,
                    "gradient_accumulation_steps": None}
        for arg, default in defaults.items():
            if arg in kwargs and kwargs.pop(arg) != default:
                raise ValueError(
                    f"LossScaleOptimizer does not support `{arg}`. Instead, set `{arg}` on the "
                    "`inner_optimizer`."
                )
        if kwargs:
            raise ValueError(
                f"LossScaleOptimizer does not support arguments: `{'`, `'.join(kwargs)}`."
            )
        super().__init__(learning_rate=0.0, name=name)
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError(
                "Argument `inner_optimizer` of LossScaleOptimizer must be an Optimizer, "
                f"received {inner_optimizer!r}."
            )
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        self.inner_optimizer.loss_scale_factor = None

    def build(self, var_list):
        from lamina import initializers

        self.step_counter = self.add_variable((), dtype="int64", initializer="zeros",
                                              name="step_counter")
        self.dynamic_scale = self.add_variable(
            (), dtype="float32", initializer=initializers.Constant(self.initial_scale),
            name="dynamic_scale",
        )
        self.inner_optimizer.build(var_list)
        super().build(var_list)

    @property
    def variables(self):
        return self._variables + self.inner_optimizer.variables

    def _unscale_grads(self, grads, variables):
        return [
            g if g is None or self._overwrite_variable_with_gradient(v)
            else ops.divide(g, ops.cast(self.dynamic_scale.value, ops.dtype(g)))
            for g, v in zip(grads, variables)
        ]

    def check_finite(self, grads):
        """Whether every gradient is finite (a boolean scalar tensor)."""
        finite = [ops.all(ops.isfinite(g)) for g in grads if g is not None]
        return ops.all(ops.stack(finite))

    def apply(self, grads, trainable_variables=None):
        if not self.built:
            from lamina import backend

            with backend.name_scope(self.name, caller=self):
                self.build(trainable_variables)
            self.built = True
        finite = self.check_finite(grads)
        variables = list(trainable_variables or self._trainable_variables)
        old_trainable = [v.value for v in variables]
        old_inner = [v.value for v in self.inner_optimizer.variables]
        self.inner_optimizer.apply(self._unscale_grads(grads, variables),
                                   trainable_variables=trainable_variables)
        # A step with a non-finite gradient changes nothing but the scale.
        for variable, old in zip(variables, old_trainable):
            variable.assign(ops.where(finite, variable.value, old))
        for variable, old in zip(self.inner_optimizer.variables, old_inner):
            variable.assign(ops.where(finite, variable.value, old))
        grow = ops.logical_and(
            finite, ops.equal(self.step_counter.value, self.dynamic_growth_steps - 1))
        counter = ops.where(grow, ops.zeros_like(self.step_counter.value),
                            ops.add(self.step_counter.value, 1))
        self.step_counter.assign(ops.where(finite, counter, ops.zeros_like(counter)))
        scale = self.dynamic_scale.value
        self.dynamic_scale.assign(ops.where(
            finite, ops.where(grow, ops.multiply(scale, 2.0), scale), ops.multiply(scale, 0.5)))

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        self.inner_optimizer.learning_rate = learning_rate

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    def scale_loss(self, loss):
        """`loss` times the current dynamic scale."""
        scale = self.dynamic_scale if self.built else self.initial_scale
        return ops.multiply(loss, scale)

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        return {
            "name": self.name,
            "inner_optimizer": serialization_lib.serialize_keras_object(self.inner_optimizer),
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        inner = serialization_lib.deserialize_keras_object(
            config.pop("inner_optimizer"), custom_objects=custom_objects
        )
        return cls(inner, **config)
