"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Adadelta")
class Adadelta(Optimizer):
    """Adadelta: `Eg = rho*Eg + (1-rho)*g^2`,
    `delta = -sqrt(Ed + eps) / sqrt(Eg + eps) * g`, `Ed = rho*Ed + (1-rho)*delta^2`,
    `variable += lr * delta`.

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        rho: the decay of the running averages.
        epsilon: added inside the square roots.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
            clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
            ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs,
        )
        self.rho = rho
        self.epsilon = epsilon

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._accumulated_grads, self._accumulated_delta_vars = self.add_optimizer_variables(
            var_list, ["accumulated_grad", "accumulated_delta_var"]
        )

    def update_step(self, grad, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        grad = ops.cast(grad, variable.dtype)
        rho = self.rho
        index = self._get_variable_index(variable)
        accumulated_grad = self._accumulated_grads[index]
        accumulated_delta_var = self._accumulated_delta_vars[index]

        def rms(x):
            return ops.sqrt(ops.add(x, self.epsilon))

        self.assign(accumulated_grad, ops.add(ops.multiply(rho, accumulated_grad.value),
                                              ops.multiply(1 - rho, ops.square(grad))))
        delta_var = ops.negative(ops.divide(
            ops.multiply(rms(accumulated_delta_var.value), grad), rms(accumulated_grad.value)))
        self.assign(accumulated_delta_var,
                    ops.add(ops.multiply(rho, accumulated_delta_var.value),
                            ops.multiply(1 - rho, ops.square(delta_var))))
        self.assign_add(variable, ops.multiply(lr, delta_var))

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
