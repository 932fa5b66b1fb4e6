"""Learning rate schedules: values at several steps against hand computation, configs,
use inside optimizers and under jax.jit."""

import math

import numpy as np
import pytest

import lamina
from lamina.optimizers import schedules

STEPS = [0, 1, 5, 10, 15, 20, 37, 100]


def values(schedule, steps=STEPS):
    return [float(np.asarray(schedule(step))) for step in steps]


def cosine_decay(step, initial, decay_steps, alpha=0.0):
    step = min(step, decay_steps)
    cosine = 0.5 * (1 + math.cos(math.pi * step / decay_steps))
    return initial * ((1 - alpha) * cosine + alpha)


CASES = [
    ("exponential", schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5),
     lambda s: 0.1 * 0.5 ** (s / 10)),
    ("exponential_staircase",
     schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5, staircase=True),
     lambda s: 0.1 * 0.5 ** (s // 10)),
    ("inverse_time", schedules.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5),
     lambda s: 0.1 / (1 + 0.5 * s / 5)),
    ("inverse_time_staircase",
     schedules.InverseTimeDecay(0.1, decay_steps=5, decay_rate=0.5, staircase=True),
     lambda s: 0.1 / (1 + 0.5 * (s // 5))),
    ("polynomial", schedules.PolynomialDecay(0.1, decay_steps=20, end_learning_rate=0.01),
     lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) + 0.01),
    ("polynomial_power", schedules.PolynomialDecay(0.1, 20, end_learning_rate=0.0, power=2.0),
     lambda s: 0.1 * (1 - min(s, 20) / 20) ** 2),
    ("polynomial_cycle",
     schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5, cycle=True),
     lambda s: (0.1 - 0.01) * (1 - s / (10 * max(1, math.ceil(s / 10)))) ** 0.5 + 0.01),
    ("piecewise", schedules.PiecewiseConstantDecay([5, 15], [1.0, 0.5, 0.1]),
     lambda s: 1.0 if s <= 5 else (0.5 if s <= 15 else 0.1)),
    ("piecewise_many",
     schedules.PiecewiseConstantDecay([1, 10, 20, 50], [5.0, 4.0, 3.0, 2.0, 1.0]),
     lambda s: [5.0, 4.0, 3.0, 2.0, 1.0][sum(s > b for b in [1, 10, 20, 50])]),
    ("cosine", schedules.CosineDecay(0.1, decay_steps=20),
     lambda s: cosine_decay(s, 0.1, 20)),
    ("cosine_alpha", schedules.CosineDecay(0.1, decay_steps=20, alpha=0.1),
     lambda s: cosine_decay(s, 0.1, 20, 0.1)),
    ("cosine_warmup",
     schedules.CosineDecay(0.0, decay_steps=20, warmup_target=0.2, warmup_steps=10),
     lambda s: 0.2 * s / 10 if s < 10 else cosine_decay(min(s, 30) - 10, 0.2, 20)),
    ("cosine_warmup_from_nonzero",
     schedules.CosineDecay(0.05, decay_steps=10, alpha=0.2, warmup_target=0.1, warmup_steps=5),
     lambda s: (0.05 + (0.1 - 0.05) * s / 5 if s < 5
                else cosine_decay(min(s, 15) - 5, 0.1, 10, 0.2))),
    ("cosine_warmup_target_without_steps",
     schedules.CosineDecay(0.05, decay_steps=10, warmup_target=0.1),
     lambda s: cosine_decay(s, 0.1, 10)),
]


def sgdr(step, initial, first, t_mul, m_mul, alpha):
    fraction = step / first
    if t_mul == 1.0:
        i = math.floor(fraction)
        fraction -= i
    else:
        i = math.floor(math.log(1 - fraction * (1 - t_mul)) / math.log(t_mul))
        sum_r = (1 - t_mul ** i) / (1 - t_mul)
        fraction = (fraction - sum_r) / t_mul ** i
    cosine = 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction))
    return initial * ((1 - alpha) * cosine + alpha)


CASES += [
    ("restarts", schedules.CosineDecayRestarts(0.1, first_decay_steps=10),
     lambda s: sgdr(s, 0.1, 10, 2.0, 1.0, 0.0)),
    ("restarts_constant_period",
     schedules.CosineDecayRestarts(0.1, 10, t_mul=1.0, m_mul=0.5, alpha=0.1),
     lambda s: sgdr(s, 0.1, 10, 1.0, 0.5, 0.1)),
    ("restarts_growing",
     schedules.CosineDecayRestarts(1.0, 4, t_mul=3.0, m_mul=0.9, alpha=0.05),
     lambda s: sgdr(s, 1.0, 4, 3.0, 0.9, 0.05)),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,schedule,formula", CASES, ids=IDS)
def test_values_match_hand_computation(name, schedule, formula):
    np.testing.assert_allclose(values(schedule), [formula(s) for s in STEPS], rtol=1e-5,
                               atol=1e-7)


@pytest.mark.parametrize("name,schedule,formula", CASES, ids=IDS)
def test_integer_tensor_steps(name, schedule, formula):
    step = lamina.ops.convert_to_tensor(np.asarray(12, "int64"))
    result = schedule(step)
    assert lamina.ops.dtype(result) == "float32"
    assert float(np.asarray(result)) == pytest.approx(formula(12), rel=1e-5, abs=1e-7)


@pytest.mark.parametrize("name,schedule,formula", CASES, ids=IDS)
def test_config_round_trip(name, schedule, formula):
    config = schedule.get_config()
    clone = type(schedule).from_config(config)
    assert clone.get_config() == config
    restored = schedules.deserialize(schedules.serialize(schedule))
    assert type(restored) is type(schedule)
    assert restored.get_config() == config
    np.testing.assert_allclose(values(restored), values(schedule))


def test_keras_config_names():
    assert schedules.CosineDecayRestarts(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 2.0, "m_mul": 1.0,
        "alpha": 0.0, "name": "SGDRDecay"}
    assert schedules.CosineDecay(0.1, 10).get_config() == {
        "initial_learning_rate": 0.1, "decay_steps": 10, "alpha": 0.0, "name": "CosineDecay",
        "warmup_target": None, "warmup_steps": 0}
    assert schedules.PiecewiseConstantDecay([1], [1.0, 2.0]).get_config()["name"] == (
        "PiecewiseConstant")


def test_deserialize_keras_style_config():
    config = {"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
              "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9,
                         "staircase": False, "name": "ExponentialDecay"},
              "registered_name": None}
    schedule = schedules.deserialize(config)
    assert isinstance(schedule, schedules.ExponentialDecay)
    assert float(np.asarray(schedule(10))) == pytest.approx(0.09)


@pytest.mark.parametrize("make,match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), "decay_steps"),
    (lambda: schedules.InverseTimeDecay(0.1, -1, 0.5), "decay_steps"),
    (lambda: schedules.PolynomialDecay(0.1, 0), "decay_steps"),
    (lambda: schedules.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [1.0, 2.0]), "1 less"),
])
def test_invalid_arguments(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(1)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()


def test_user_schedule_in_an_optimizer():
    class Halving(schedules.LearningRateSchedule):
        def __call__(self, step):
            return lamina.ops.power(0.5, lamina.ops.cast(step, "float32"))

        def get_config(self):
            return {}

    w = lamina.Variable(np.zeros(1, "float32"), name="w")
    optimizer = lamina.optimizers.SGD(learning_rate=Halving())
    for _ in range(3):
        optimizer.apply([np.ones(1, "float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-1.75])


@pytest.mark.skipif(lamina.backend.backend() != "jax", reason="jax.jit needs the jax backend")
@pytest.mark.parametrize("name,schedule,formula", CASES, ids=IDS)
def test_jitted_schedule_matches_eager(name, schedule, formula):
    import jax

    jitted = jax.jit(schedule)
    for step in STEPS:
        got = float(jitted(np.asarray(step, "int64")))
        assert got == pytest.approx(float(np.asarray(schedule(step))), rel=1e-6, abs=1e-8)
