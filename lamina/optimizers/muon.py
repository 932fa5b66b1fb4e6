"""Muon: momentum orthogonalized by Newton-Schulz iterations, with AdamW for the rest."""

import re

from lamina import ops
from lamina.api_export import export
from lamina.optimizers.base_optimizer import Optimizer


@export("lamina.optimizers.Muon")
class Muon(Optimizer):
    """Muon for 2-D weights (Jordan et al., 2024); AdamW for every other variable, for
    embeddings (with `exclude_embeddings`) and for paths matching `exclude_layers`.

    Args:
        learning_rate: float, schedule or callable; 0.001 by default.
        adam_beta_1: AdamW's first-moment decay.
        adam_beta_2: AdamW's second-moment decay.
        adam_weight_decay: the weight decay of AdamW-updated variables.
        epsilon: AdamW's epsilon.
        weight_decay: the weight decay of Muon-updated variables.
        exclude_layers: regular expressions of variable paths updated with AdamW.
        exclude_embeddings: whether variables with "embedding" in their path use AdamW.
        muon_a: Newton-Schulz coefficient a.
        muon_b: Newton-Schulz coefficient b.
        muon_c: Newton-Schulz coefficient c.
        adam_lr_ratio: AdamW's learning rate as a multiple of `learning_rate`.
        momentum: Muon's momentum.
        ns_steps: the number of Newton-Schulz iterations.
        nesterov: whether Muon uses Nesterov momentum.
        rms_rate: scales updates by `sqrt(max(rows, cols)) * rms_rate` (None: no scaling).
        **kwargs: the arguments of `Optimizer`.
    """

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999,
                 adam_weight_decay=0.004, epsilon=1e-7, weight_decay=0.004, name=None,
                 exclude_layers=None, exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750,
                 muon_c=2.0315, adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True,
                 rms_rate=0.2, **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, weight_decay=weight_decay,
                         **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if len(variable.shape) != 2:
            return True
        if self.exclude_embeddings and "embedding" in variable.path.lower():
            return True
        return any(re.search(keyword, variable.path) for keyword in self.exclude_layers)

    def build(self, var_list):
        if self.built:
            return
        super().build(var_list)
        self.momentums = [None] * len(var_list)
        self.adam_velocities = [None] * len(var_list)
        for var in var_list:
            if self._overwrite_variable_with_gradient(var):
                continue
            index = self._get_variable_index(var)
            self.momentums[index] = self.add_variable_from_reference(var, name="momentum")
            if self._should_use_adamw(var):
                self.adam_velocities[index] = self.add_variable_from_reference(var, name="velocity")

    def update_step(self, gradient, variable, learning_rate):
        index = self._get_variable_index(variable)
        m, v = self.momentums[index], self.adam_velocities[index]
        if v is not None:
            self._adamw_update_step(gradient, variable,
                                    ops.multiply(learning_rate, self.adam_lr_ratio), m, v)
        else:
            self._muon_update_step(gradient, variable, learning_rate, m)

    def _muon_update_step(self, gradient, variable, lr, m):
        dtype = variable.dtype
        gradient = ops.cast(gradient, dtype)
        lr = ops.cast(lr, dtype)
        self.assign_add(m, ops.add(gradient, ops.multiply(m.value, self.momentum - 1)))
        g = ops.add(gradient, ops.multiply(self.momentum, m.value)) if self.nesterov else m.value
        update = self.zeropower_via_newtonschulz5(g, self.ns_steps)
        self.assign_sub(variable, self.lr_adjust(ops.multiply(lr, update)))

    def _adamw_update_step(self, gradient, variable, learning_rate, m, v):
        dtype = variable.dtype
        lr = ops.cast(learning_rate, dtype)
        gradient = ops.cast(gradient, dtype)
        local_step = ops.cast(ops.add(self.iterations, 1), dtype)
        beta_1_power = ops.power(ops.cast(self.adam_beta_1, dtype), local_step)
        beta_2_power = ops.power(ops.cast(self.adam_beta_2, dtype), local_step)
        alpha = ops.divide(ops.multiply(lr, ops.sqrt(ops.subtract(1, beta_2_power))),
                           ops.subtract(1, beta_1_power))
        self.assign_add(m, ops.multiply(ops.subtract(gradient, m.value), 1 - self.adam_beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(gradient), v.value),
                                        1 - self.adam_beta_2))
        self.assign_sub(variable, ops.divide(ops.multiply(m.value, alpha),
                                             ops.add(ops.sqrt(v.value), self.epsilon)))

    def transpose_last_axis(self, x):
        order = list(range(len(ops.shape(x))))
        order[-2], order[-1] = order[-1], order[-2]
        return ops.transpose(x, order)

    def lr_adjust(self, x):
        """Scales an update so that its RMS matches AdamW's (`rms_rate`)."""
        if self.rms_rate is None:
            return x
        return ops.multiply(x, (max(x.shape[0], x.shape[1]) ** 0.5) * self.rms_rate)

    def zeropower_via_newtonschulz5(self, x, steps):
        """An approximate orthogonalization of `x` (rank >= 2) by quintic Newton-Schulz."""
        shape = ops.shape(x)
        if len(shape) < 2:
            raise ValueError(
                "Expected gradient or momentum to have at least 2 dimensions. Received: "
                f"shape={shape}"
            )
        a, b, c = self.muon_a, self.muon_b, self.muon_c
        tall = shape[-2] > shape[-1]
        if tall:
            x = self.transpose_last_axis(x)
        frobenius = ops.sqrt(ops.sum(ops.square(x), axis=(-2, -1), keepdims=True))
        x = ops.divide(x, ops.add(frobenius, 1e-7))
        for _ in range(steps):
            temp_a = ops.matmul(x, self.transpose_last_axis(x))
            temp_b = ops.add(ops.multiply(b, temp_a), ops.matmul(ops.multiply(c, temp_a), temp_a))
            x = ops.add(ops.multiply(a, x), ops.matmul(temp_b, x))
        if tall:
            x = self.transpose_last_axis(x)
        return x

    def _apply_weight_decay(self, variables):
        for variable in variables:
            if not self._use_weight_decay(variable):
                continue
            if self._should_use_adamw(variable):
                decay = self.adam_weight_decay
            else:
                decay = self.weight_decay
            if decay is None:
                continue
            wd = ops.cast(decay, variable.dtype)
            lr = ops.cast(self.learning_rate, variable.dtype)
            variable.assign(ops.subtract(variable.value,
                                         ops.multiply(ops.multiply(variable.value, wd), lr)))

    def get_config(self):
        config = super().get_config()
        config.update({
            "adam_beta_1": self.adam_beta_1,
            "adam_beta_2": self.adam_beta_2,
            "epsilon": self.epsilon,
            "exclude_layers": self.exclude_layers,
            "muon_a": self.muon_a,
            "muon_b": self.muon_b,
            "muon_c": self.muon_c,
            "adam_lr_ratio": self.adam_lr_ratio,
            "momentum": self.momentum,
            "ns_steps": self.ns_steps,
            "nesterov": self.nesterov,
            "exclude_embeddings": self.exclude_embeddings,
            "adam_weight_decay": self.adam_weight_decay,
            "rms_rate": self.rms_rate,
        })
        return config
