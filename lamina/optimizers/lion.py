"""Lion: sign of an interpolated momentum (Chen et al., 2023)."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Lion")
class Lion(Optimizer):
    """Lion: `variable -= lr * sign(beta_1*m + (1-beta_1)*g)`, then
    `m = beta_2*m + (1-beta_2)*g`.

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        beta_1: interpolation for the update, in (0, 1].
        beta_2: decay of the momentum.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
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
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._momentums = self.add_optimizer_variables(var_list, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        beta_1 = ops.cast(self.beta_1, dtype)
        beta_2 = ops.cast(self.beta_2, dtype)
        m = self._momentums[self._get_variable_index(variable)]
        self.assign_sub(variable, ops.multiply(lr, ops.sign(ops.add(
            ops.multiply(m.value, beta_1), ops.multiply(gradient, ops.subtract(1.0, beta_1))))))
        self.assign(m, ops.add(ops.multiply(m.value, beta_2),
                               ops.multiply(gradient, ops.subtract(1.0, beta_2))))

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
