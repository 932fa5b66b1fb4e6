"""The `Metric` base class: variables, the stateless API, configs and errors."""

import numpy as np
import pytest

import lamina
from lamina import metrics, ops


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


class CountPositives(metrics.Metric):
    def __init__(self, name="count_positives", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")
        self.seen = self.add_variable(shape=(2,), initializer="zeros", name="seen",
                                      dtype="int32")

    def update_state(self, values):
        values = ops.convert_to_tensor(values)
        self.count.assign_add(ops.sum(ops.cast(ops.greater(values, 0), self.dtype)))
        self.seen.assign(self.seen.value + ops.convert_to_tensor([1, ops.shape(values)[0]],
                                                                 dtype="int32"))

    def result(self):
        return self.count.value


def test_custom_metric_stateful_and_stateless():
    m = CountPositives()
    assert [v.name for v in m.variables] == ["count", "seen"]
    assert [v.path for v in m.variables] == ["count_positives/count", "count_positives/seen"]
    assert m.variables[1].dtype == "int32"
    m.update_state(np.array([1.0, -2.0, 3.0]))
    assert float(m.result()) == 2.0
    np.testing.assert_array_equal(np_value(m.seen), [1, 3])

    state = m.stateless_reset_state()
    assert [float(np.sum(np_value(s))) for s in state] == [0.0, 0.0]
    state = m.stateless_update_state(state, np.array([5.0, 6.0]))
    state = m.stateless_update_state(state, np.array([-5.0]))
    assert float(m.stateless_result(state)) == 2.0
    np.testing.assert_array_equal(np_value(state[1]), [2, 3])
    assert float(m.result()) == 2.0  # unchanged by the stateless calls
    m.reset_state()
    assert float(m.result()) == 0.0
    assert float(m(np.array([1.0, 1.0]))) == 2.0


def test_stateless_checks_the_number_of_variables():
    m = CountPositives()
    with pytest.raises(ValueError, match="expected 2 variables"):
        m.stateless_update_state([0.0], np.array([1.0]))
    with pytest.raises(ValueError, match="expected 2 variables"):
        m.stateless_result([0.0])


def test_sub_metrics_and_attribute_variables_are_tracked():
    class Combined(metrics.Metric):
        def __init__(self):
            super().__init__(name="combined")
            self.mean = metrics.Mean(name="inner_mean")
            self.extra = lamina.Variable(np.zeros(()), trainable=False, name="extra")

        def update_state(self, values):
            self.mean.update_state(values)
            self.extra.assign_add(1.0)

        def result(self):
            return self.mean.result() * self.extra.value

    m = Combined()
    assert [v.name for v in m.variables] == ["extra", "total", "count"]
    state = m.stateless_update_state([v.value for v in m.variables], np.array([2.0, 4.0]))
    assert float(m.stateless_result(state)) == 3.0


def test_missing_super_init():
    class Broken(metrics.Metric):
        def __init__(self):
            self.total = self.add_variable(shape=(), initializer="zeros")

    with pytest.raises(RuntimeError, match="super"):
        Broken()


def test_config_and_dtype():
    m = metrics.Mean(name="m", dtype="float64")
    assert m.get_config() == {"name": "m", "dtype": "float64"}
    assert m.dtype == "float64"
    assert all(v.dtype == "float64" for v in m.variables)
    clone = metrics.Mean.from_config(m.get_config())
    assert clone.name == "m" and clone.dtype == "float64"
    m.update_state([1.0, 2.0])
    assert lamina.backend.standardize_dtype(m.result().dtype) == "float64"
    assert metrics.Mean().dtype == "float32"
    assert repr(metrics.Mean(name="x")) == "<Mean name=x>"


def test_auto_names():
    class MyMetric(metrics.Metric):
        def update_state(self, *args):
            pass

        def result(self):
            return 0.0

    assert MyMetric().name == "my_metric"
    assert MyMetric().name == "my_metric_1"
    with pytest.raises(NotImplementedError):
        metrics.Metric().update_state(1)
