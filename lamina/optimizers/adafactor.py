"""Adafactor: factored second moments for memory-light adaptive steps (Shazeer & Stern, 2018)."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Adafactor")
class Adafactor(Optimizer):
    """Adafactor: for variables of rank >= 2 the second moment is kept as a row and a column
    average (`r`, `c`), else in full; updates are clipped by their RMS (`clip_threshold`) and
    scaled by `max(epsilon_2, RMS(variable)) * min(lr, 1/sqrt(t))`.

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        beta_2_decay: the second moment's decay is `1 - t^beta_2_decay`.
        epsilon_1: added to the squared gradients.
        epsilon_2: lower bound of the variable's RMS in the step size.
        clip_threshold: the RMS above which updates are scaled down.
        relative_step: whether a float learning rate is capped by `1/sqrt(t)`.
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
                 clip_threshold=1.0, relative_step=True, weight_decay=None, name=None,
                 **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self._r, self._c, self._v = [], [], []
        for var in var_list:
            if len(var.shape) < 2:
                # Unused placeholders, kept so that the variable list matches Keras'.
                self._r.append(self.add_variable((), name=var.name))
                self._c.append(self.add_variable((), name=var.name))
            elif self._overwrite_variable_with_gradient(var):
                self._r.append(None)
                self._c.append(None)
            else:
                r_shape = tuple(var.shape[:-1])
                c_shape = tuple(var.shape[:-2]) + (var.shape[-1],)
                self._r.append(self.add_variable(r_shape, dtype=var.dtype, name=var.name))
                self._c.append(self.add_variable(c_shape, dtype=var.dtype, name=var.name))
            if self._overwrite_variable_with_gradient(var):
                self._v.append(None)
            else:
                self._v.append(self.add_variable_from_reference(var, name="velocity"))

    def _rms(self, x):
        return ops.sqrt(ops.mean(ops.square(x)))

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        epsilon_2 = ops.cast(self.epsilon_2, dtype)
        one = ops.cast(1.0, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        if not callable(self._learning_rate) and self.relative_step:
            lr = ops.minimum(lr, ops.divide(1, ops.sqrt(local_step)))
        index = self._get_variable_index(variable)
        r, c, v = self._r[index], self._c[index], self._v[index]
        rho_t = ops.minimum(lr, ops.divide(1, ops.sqrt(local_step)))
        alpha_t = ops.multiply(ops.maximum(epsilon_2, self._rms(variable.value)), rho_t)
        regulated_grad_square = ops.add(ops.square(gradient), self.epsilon_1)
        beta_2_t = ops.subtract(1, ops.power(local_step, self.beta_2_decay))
        if len(variable.shape) >= 2:
            self.assign(r, ops.add(ops.multiply(beta_2_t, r.value), ops.multiply(
                ops.subtract(1, beta_2_t), ops.mean(regulated_grad_square, axis=-1))))
            self.assign(c, ops.add(ops.multiply(beta_2_t, c.value), ops.multiply(
                ops.subtract(1, beta_2_t), ops.mean(regulated_grad_square, axis=-2))))
            self.assign(v, ops.multiply(
                ops.expand_dims(ops.divide(r.value, ops.mean(r.value, axis=-1, keepdims=True)),
                                axis=-1),
                ops.expand_dims(c.value, -2),
            ))
        else:
            self.assign(v, ops.add(ops.multiply(beta_2_t, v.value),
                                   ops.multiply(ops.subtract(1, beta_2_t), regulated_grad_square)))
        u_t = ops.divide(gradient, ops.sqrt(v.value))
        u_t_hat = ops.divide(u_t, ops.maximum(one, ops.divide(self._rms(u_t), self.clip_threshold)))
        self.assign_sub(variable, ops.multiply(alpha_t, u_t_hat))

    def get_config(self):
        config = super().get_config()
        config.update({
            "beta_2_decay": self.beta_2_decay,
            "epsilon_1": self.epsilon_1,
            "epsilon_2": self.epsilon_2,
            "clip_threshold": self.clip_threshold,
            "relative_step": self.relative_step,
        })
        return config
