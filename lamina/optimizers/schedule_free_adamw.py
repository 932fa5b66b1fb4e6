"""Schedule-Free AdamW (Defazio et al., 2024): no learning rate schedule needed."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.ScheduleFreeAdamW")
class ScheduleFreeAdamW(Optimizer):
    """Schedule-Free AdamW: keeps the base sequence `z` (the "momentum" slot, started at the
    variable's value) and makes the variable `y = (1-beta_1)*z + beta_1*x`, where `x` is the
    running average of `z`.

    Args:
        learning_rate: float, schedule or callable; 0.0025 by default.
        beta_1: the interpolation between `z` and `x`.
        beta_2: decay of the second moment.
        epsilon: added to the bias-corrected `sqrt(v)`.
        warmup_steps: steps of linear warmup of the learning rate.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 warmup_steps=0, weight_decay=None, name=None, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums, self._velocities = self.add_optimizer_variables(
            var_list, ["momentum", "velocity"]
        )
        for momentum, var in zip(self._momentums, var_list):
            if momentum is not None:
                self.assign(momentum, var.value)

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        epsilon = ops.cast(self.epsilon, dtype)
        if self.warmup_steps > 0:
            warmup_factor = ops.minimum(
                ops.divide(local_step, ops.cast(self.warmup_steps, dtype)), 1.0)
            lr = ops.multiply(lr, warmup_factor)
        index = self._get_variable_index(variable)
        momentum, velocity = self._momentums[index], self._velocities[index]
        momentum_old = momentum.value
        bias_correction_2 = ops.subtract(1, ops.power(beta_2, local_step))
        self.assign_add(velocity, ops.multiply(ops.subtract(ops.square(gradient), velocity.value),
                                               ops.subtract(1, beta_2)))
        denom = ops.add(ops.sqrt(ops.divide(velocity.value, bias_correction_2)), epsilon)
        self.assign_sub(momentum, ops.divide(ops.multiply(lr, gradient), denom))
        weight = ops.divide(1.0, local_step)
        x_old = ops.divide(ops.subtract(variable.value,
                                        ops.multiply(ops.subtract(1, beta_1), momentum_old)),
                           beta_1)
        x_new = ops.add(ops.multiply(ops.subtract(1, weight), x_old),
                        ops.multiply(weight, momentum.value))
        y_new = ops.add(ops.multiply(ops.subtract(1, beta_1), momentum.value),
                        ops.multiply(beta_1, x_new))
        self.assign(variable, y_new)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                       "warmup_steps": self.warmup_steps})
        return config
