"""Adamax: Adam with the infinity norm in place of the second moment."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Adamax")
class Adamax(Optimizer):
    """Adamax: `m += (g - m) * (1 - beta_1)`, `u = max(beta_2 * u, |g|)`,
    `variable -= lr * m / ((1 - beta_1^t) * (u + epsilon))`.

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        beta_1: decay of the first moment.
        beta_2: decay of the infinity norm.
        epsilon: added to `u`.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 loss_scale_factor=None, gradient_accumulation_steps=None, name=None,
                 **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._m, self._u = self.add_optimizer_variables(var_list, ["momentum", "norm"])

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.beta_1, dtype), local_step)
        index = self._get_variable_index(variable)
        m, u = self._m[index], self._u[index]
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m.value), 1 - self.beta_1))
        self.assign(u, ops.maximum(ops.multiply(self.beta_2, u.value), ops.abs(gradient)))
        self.assign_sub(variable, ops.divide(
            ops.multiply(lr, m.value),
            ops.multiply(ops.subtract(1, beta_1_power), ops.add(u.value, self.epsilon)),
        ))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
