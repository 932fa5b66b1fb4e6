"""Stochastic gradient descent, with optional (Nesterov) momentum."""

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.SGD")
class SGD(Optimizer):
    """Gradient descent: `v -= lr * g`; with momentum `m = momentum * m - lr * g; v += m`
    (Nesterov: `v += momentum * m - lr * g`).

    Args:
        learning_rate: float, schedule or callable; 0.01 by default.
        momentum: a float in [0, 1].
        nesterov: whether to use Nesterov momentum.
        **kwargs: the arguments of `Optimizer` (clipping, weight decay, EMA, ...).

    Example:
    >>> v = lamina.Variable(np.array([1.0, 2.0], "float32"))
    >>> opt = lamina.optimizers.SGD(learning_rate=0.1)
    >>> opt.apply([np.array([1.0, 1.0], "float32")], [v])
    >>> v.numpy()
    array([0.9, 1.9], dtype=float32)
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None,
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
        if not isinstance(momentum, (int, float)) or isinstance(momentum, bool) or not (
            0 <= momentum <= 1
        ):
            raise ValueError(
                f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}"
            )
        self.momentum = float(momentum)
        self.nesterov = nesterov

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.momentums = []
        if self.momentum != 0:
            self.momentums = self.add_optimizer_variables(variables, "momentum")

    def update_step(self, gradient, variable, learning_rate):
        learning_rate = ops.cast(learning_rate, variable.dtype)
        gradient = ops.cast(gradient, variable.dtype)
        m = self.momentums[self._get_variable_index(variable)] if self.momentum != 0 else None
        if m is None:
            self.assign_sub(variable, ops.multiply(gradient, learning_rate))
            return
        momentum = ops.cast(self.momentum, variable.dtype)
        self.assign(m, ops.subtract(ops.multiply(m.value, momentum),
                                    ops.multiply(gradient, learning_rate)))
        if self.nesterov:
            self.assign_add(variable, ops.subtract(ops.multiply(m.value, momentum),
                                                   ops.multiply(gradient, learning_rate)))
        else:
            self.assign_add(variable, m.value)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
