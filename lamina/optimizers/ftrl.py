"""FTRL-Proximal ("Follow The Regularized Leader"), for large sparse linear models."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Ftrl")
class Ftrl(Optimizer):
    """FTRL-Proximal with L1, L2 and L2-shrinkage regularization (McMahan et al., 2013).

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        learning_rate_power: <= 0; how the rate falls with the accumulator (-0.5: 1/sqrt).
        initial_accumulator_value: >= 0; the accumulators' starting value.
        l1_regularization_strength: >= 0.
        l2_regularization_strength: >= 0.
        l2_shrinkage_regularization_strength: >= 0; an L2 penalty applied to the gradient.
        beta: the `beta` of the FTRL paper; adds `beta / (2 * lr)` to the L2 strength.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5,
                 initial_accumulator_value=0.1, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, l2_shrinkage_regularization_strength=0.0,
                 beta=0.0, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        super().__init__(
            learning_rate=learning_rate, name=name, weight_decay=weight_decay,
            clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm,
            use_ema=use_ema, ema_momentum=ema_momentum,
            ema_overwrite_frequency=ema_overwrite_frequency,
            loss_scale_factor=loss_scale_factor,
            gradient_accumulation_steps=gradient_accumulation_steps, **kwargs,
        )
        checks = (
            ("initial_accumulator_value", initial_accumulator_value, "positive or zero"),
            ("l1_regularization_strength", l1_regularization_strength, "positive or zero"),
            ("l2_regularization_strength", l2_regularization_strength, "positive or zero"),
            ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength,
             "positive or zero"),
        )
        for arg, value, what in checks:
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be {what}. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        from lamina import initializers

        self._accumulators, self._linears = self.add_optimizer_variables(
            var_list, ["accumulator", "linear"],
            initializer=[initializers.Constant(self.initial_accumulator_value), "zeros"],
        )

    def update_step(self, gradient, variable, learning_rate):
        lr = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        index = self._get_variable_index(variable)
        accum, linear = self._accumulators[index], self._linears[index]
        lr_power = self.learning_rate_power
        l2_reg = ops.add(self.l2_regularization_strength,
                         ops.divide(self.beta, ops.multiply(2.0, lr)))
        grad_to_use = ops.add(gradient, ops.multiply(
            2 * self.l2_shrinkage_regularization_strength, variable.value))
        new_accum = ops.add(accum.value, ops.square(gradient))
        self.assign_add(linear, ops.subtract(grad_to_use, ops.multiply(
            ops.divide(ops.subtract(ops.power(new_accum, -lr_power),
                                    ops.power(accum.value, -lr_power)), lr),
            variable.value,
        )))
        quadratic = ops.add(ops.divide(ops.power(new_accum, -lr_power), lr),
                            ops.multiply(2.0, l2_reg))
        l1 = self.l1_regularization_strength
        linear_clipped = ops.clip(linear.value, -l1, l1)
        self.assign(variable, ops.divide(ops.subtract(linear_clipped, linear.value), quadratic))
        self.assign(accum, new_accum)

    def get_config(self):
        config = super().get_config()
        config.update({
            "learning_rate_power": self.learning_rate_power,
            "initial_accumulator_value": self.initial_accumulator_value,
            "l1_regularization_strength": self.l1_regularization_strength,
            "l2_regularization_strength": self.l2_regularization_strength,
            "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
            "beta": self.beta,
        })
        return config
