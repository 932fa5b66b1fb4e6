"""Learning rate schedules: callables `step -> learning rate`, written with `lamina.ops` so
that they can be evaluated inside a compiled training step (no Python branch on `step`).
"""

import math

from lamina import api_export, ops
from lamina.api_export import export
from lamina.saving import serialization_lib

NAMESPACE = "lamina.optimizers.schedules"


def _public(name):
    return export(f"{NAMESPACE}.{name}")


def _check_positive(name, value):
    if value <= 0:
        raise ValueError(f"Argument `{name}` must be > 0. Received: {name}={value}")


def _float_tensor(value):
    """`value` as a tensor; Python numbers become floatx, like Keras' convert_to_tensor."""
    tensor = ops.convert_to_tensor(value)
    if not ops.dtype(tensor).startswith(("float", "bfloat")):
        tensor = ops.cast(tensor, "float32")
    return tensor


@_public("LearningRateSchedule")
class LearningRateSchedule:
    """Base class: override `__call__(step)` and `get_config()`.

    Example:
    >>> class Halving(LearningRateSchedule):
    ...     def __call__(self, step):
    ...         return ops.power(0.5, ops.cast(step, "float32"))
    ...     def get_config(self):
    ...         return {}
    """

    def __call__(self, step):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override "
            "`__call__(self, step)`."
        )

    def get_config(self):
        raise NotImplementedError(
            f"Learning rate schedule '{self.__class__.__name__}' must override `get_config()` "
            "in order to be serializable."
        )

    @classmethod
    def from_config(cls, config):
        return cls(**config)


@_public("ExponentialDecay")
class ExponentialDecay(LearningRateSchedule):
    """`initial_learning_rate * decay_rate ** (step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps per decay by `decay_rate`; must be > 0.
        decay_rate: the decay factor.
        staircase: whether `step / decay_steps` is floored (decay in discrete jumps).
        name: kept in the config.

    Example:
    >>> ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)(20)  # 0.025
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="ExponentialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial = _float_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        p = ops.divide(ops.cast(step, dtype), ops.cast(self.decay_steps, dtype))
        if self.staircase:
            p = ops.floor(p)
        return ops.multiply(initial, ops.power(ops.cast(self.decay_rate, dtype), p))

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@_public("PiecewiseConstantDecay")
class PiecewiseConstantDecay(LearningRateSchedule):
    """`values[0]` up to and including `boundaries[0]`, `values[1]` up to `boundaries[1]`, ...

    Args:
        boundaries: increasing step boundaries.
        values: one more value than boundaries.
        name: kept in the config.

    Example:
    >>> PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])(150)  # 0.5
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ValueError(
                "The length of boundaries should be 1 less than the length of values. "
                f"Received: boundaries={boundaries} of length {len(boundaries)}, and "
                f"values={values} of length {len(values)}."
            )
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        step = ops.convert_to_tensor(step)
        boundaries = [ops.cast(b, step.dtype) for b in self.boundaries]
        values = [ops.convert_to_tensor(v) for v in self.values]
        dtype = values[0].dtype
        result = ops.multiply(ops.cast(ops.less_equal(step, boundaries[0]), dtype), values[0])
        result = ops.add(result, ops.multiply(
            ops.cast(ops.greater(step, boundaries[-1]), dtype), values[-1]))
        for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1]):
            inside = ops.logical_and(ops.greater(step, low), ops.less_equal(step, high))
            result = ops.add(result, ops.multiply(ops.cast(inside, dtype), value))
        return result

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


@_public("PolynomialDecay")
class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` along `(1 - step/decay_steps)**power`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: steps to reach `end_learning_rate`; must be > 0.
        end_learning_rate: the final rate.
        power: the polynomial's power (1.0: linear).
        cycle: whether to restart after `decay_steps` (with a longer period each time)
            instead of staying at `end_learning_rate`.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
                 cycle=False, name="PolynomialDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        initial = _float_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        end = ops.cast(self.end_learning_rate, dtype)
        power = ops.cast(self.power, dtype)
        step = ops.cast(step, dtype)
        decay_steps = ops.cast(self.decay_steps, dtype)
        if self.cycle:
            multiplier = ops.where(ops.equal(step, 0), ops.ones_like(step),
                                   ops.ceil(ops.divide(step, decay_steps)))
            decay_steps = ops.multiply(decay_steps, multiplier)
        else:
            step = ops.minimum(step, decay_steps)
        p = ops.divide(step, decay_steps)
        decayed = ops.power(ops.subtract(1, p), power)
        return ops.add(ops.multiply(ops.subtract(initial, end), decayed), end)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


@_public("InverseTimeDecay")
class InverseTimeDecay(LearningRateSchedule):
    """`initial_learning_rate / (1 + decay_rate * step / decay_steps)`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: must be > 0.
        decay_rate: the decay factor.
        staircase: whether `step / decay_steps` is floored.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False,
                 name="InverseTimeDecay"):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name

    def __call__(self, step):
        initial = _float_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        p = ops.divide(ops.cast(step, dtype), ops.cast(self.decay_steps, dtype))
        if self.staircase:
            p = ops.floor(p)
        denominator = ops.add(ops.cast(1, dtype), ops.multiply(ops.cast(self.decay_rate, dtype), p))
        return ops.divide(initial, denominator)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


@_public("CosineDecay")
class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial (or warmup target) rate down to `alpha` times it.

    With `warmup_target`, the rate first rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays from `warmup_target` over `decay_steps`.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: the length of the decay; must be > 0.
        alpha: the final rate as a fraction of the decayed-from rate.
        name: kept in the config.
        warmup_target: the rate reached at the end of warmup (None: no warmup).
        warmup_steps: the length of the warmup.
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
                 warmup_target=None, warmup_steps=0):
        _check_positive("decay_steps", decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_steps = warmup_steps
        self.warmup_target = warmup_target

    def _decay_function(self, step, decay_steps, decay_from_lr, dtype):
        completed_fraction = ops.divide(step, decay_steps)
        pi = ops.cast(math.pi, dtype)
        cosine = ops.cos(ops.multiply(pi, completed_fraction))
        cosine_decayed = ops.multiply(0.5, ops.add(1.0, cosine))
        decayed = ops.add(ops.multiply(1 - self.alpha, cosine_decayed), self.alpha)
        return ops.multiply(decay_from_lr, decayed)

    def _warmup_function(self, step, warmup_steps, warmup_target, initial_learning_rate):
        completed_fraction = ops.divide(step, warmup_steps)
        total_step_delta = ops.subtract(warmup_target, initial_learning_rate)
        return ops.add(ops.multiply(total_step_delta, completed_fraction), initial_learning_rate)

    def __call__(self, step):
        initial = _float_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        decay_steps = ops.cast(self.decay_steps, dtype)
        step = ops.cast(step, dtype)
        if self.warmup_target is None:
            step = ops.minimum(step, decay_steps)
            return self._decay_function(step, decay_steps, initial, dtype)
        warmup_target = ops.cast(self.warmup_target, dtype)
        warmup_steps = ops.cast(self.warmup_steps, dtype)
        step = ops.minimum(step, ops.add(decay_steps, warmup_steps))
        in_warmup = ops.less(step, warmup_steps)
        # Both branches are computed and one is selected; the warmup one divides by
        # warmup_steps, which may be 0 when it is not selected.
        safe_warmup_steps = ops.where(ops.equal(warmup_steps, 0), ops.ones_like(warmup_steps),
                                      warmup_steps)
        warming = self._warmup_function(step, safe_warmup_steps, warmup_target, initial)
        decaying = self._decay_function(ops.subtract(step, warmup_steps), decay_steps,
                                        warmup_target, dtype)
        return ops.where(in_warmup, warming, decaying)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


@_public("CosineDecayRestarts")
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): each period `t_mul` times longer than the last,
    its peak `m_mul` times the last.

    Args:
        initial_learning_rate: the rate at step 0.
        first_decay_steps: the length of the first period; must be > 0.
        t_mul: the growth of the period length.
        m_mul: the factor applied to the peak rate at each restart.
        alpha: the minimum rate as a fraction of `initial_learning_rate`.
        name: kept in the config.
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0,
                 alpha=0.0, name="SGDRDecay"):
        _check_positive("first_decay_steps", first_decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self._t_mul = t_mul
        self._m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def __call__(self, step):
        initial = _float_tensor(self.initial_learning_rate)
        dtype = initial.dtype
        first_decay_steps = ops.cast(self.first_decay_steps, dtype)
        alpha = ops.cast(self.alpha, dtype)
        m_mul = ops.cast(self._m_mul, dtype)
        completed_fraction = ops.divide(ops.cast(step, dtype), first_decay_steps)
        # t_mul is a Python number, so the choice of formula is made here, not traced.
        if self._t_mul == 1.0:
            i_restart = ops.floor(completed_fraction)
            completed_fraction = ops.subtract(completed_fraction, i_restart)
        else:
            t_mul = ops.cast(self._t_mul, dtype)
            i_restart = ops.floor(ops.divide(
                ops.log(ops.subtract(
                    1.0, ops.multiply(completed_fraction, ops.subtract(1.0, t_mul)))),
                ops.log(t_mul),
            ))
            sum_r = ops.divide(ops.subtract(1.0, ops.power(t_mul, i_restart)),
                               ops.subtract(1.0, t_mul))
            completed_fraction = ops.divide(ops.subtract(completed_fraction, sum_r),
                                            ops.power(t_mul, i_restart))
        m_fac = ops.power(m_mul, i_restart)
        cosine = ops.cos(ops.multiply(ops.cast(math.pi, dtype), completed_fraction))
        cosine_decayed = ops.multiply(ops.multiply(0.5, m_fac), ops.add(1.0, cosine))
        decayed = ops.add(ops.multiply(ops.subtract(1, alpha), cosine_decayed), alpha)
        return ops.multiply(initial, decayed)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self._t_mul,
            "m_mul": self._m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


@_public("serialize")
def serialize(learning_rate_schedule):
    """The config of a schedule, in Keras' format."""
    return serialization_lib.serialize_keras_object(learning_rate_schedule)


@_public("deserialize")
def deserialize(config, custom_objects=None):
    """The schedule a config describes."""
    return serialization_lib.deserialize_keras_object(
        config, custom_objects=custom_objects,
        module_objects=api_export.REGISTRY.get(NAMESPACE, {}),
    )
