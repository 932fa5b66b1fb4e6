"""Checks every public metric class: the stateless path equals the stateful one, reset,
config round trips and name lookups."""

import numpy as np
import pytest

from lamina import metrics, ops
from tests.metrics.cases import CASES, batches, update, update_args


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def test_cases_cover_every_public_metric_class():
    public = {name for name in dir(metrics)
              if isinstance(getattr(metrics, name), type)
              and issubclass(getattr(metrics, name), metrics.Metric)
              and name not in ("Metric", "MeanMetricWrapper")}
    covered = {name.split("_")[0] for name in CASES}
    assert public <= covered, sorted(public - covered)


@pytest.mark.parametrize("name", sorted(CASES))
def test_stateless_equals_stateful(name):
    factory, kind = CASES[name]
    data = batches(kind)
    stateful = factory()
    for batch in data:
        update(stateful, batch)
    expected = np_value(stateful.result())

    metric = factory()
    state = metric.stateless_reset_state()
    if not metric.variables:  # built on first update: build with a first stateful call
        update(metric, data[0])
        metric.reset_state()
        state = metric.stateless_reset_state()
    before = [np_value(v) for v in metric.variables]
    for batch in data:
        args, kwargs = update_args(batch)
        state = metric.stateless_update_state(state, *args, **kwargs)
    np.testing.assert_allclose(np_value(metric.stateless_result(state)), expected, rtol=1e-5,
                               atol=1e-6)
    # The metric's own variables did not change.
    for v, old in zip(metric.variables, before):
        np.testing.assert_array_equal(np_value(v), old)
    # reset_state brings the stateful metric back to its initial result.
    stateful.reset_state()
    for v in stateful.variables:
        assert not np.any(np_value(v)), v.path
    for value in stateful.stateless_reset_state():
        assert not np.any(np_value(value))


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_round_trip(name):
    factory, kind = CASES[name]
    metric = factory()
    config = metric.get_config()
    clone = type(metric).from_config(config)
    assert clone.get_config() == config
    again = metrics.deserialize(metrics.serialize(metric))
    assert type(again) is type(metric) and again.get_config() == config
    data = batches(kind, n=1)
    update(metric, data[0])
    update(again, data[0])
    np.testing.assert_allclose(np_value(again.result()), np_value(metric.result()), rtol=1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_call_updates_and_returns_result(name):
    factory, kind = CASES[name]
    metric = factory()
    batch = batches(kind, n=1)[0]
    args, kwargs = update_args(batch)
    value = np_value(metric(*args, **kwargs))
    np.testing.assert_allclose(value, np_value(metric.result()))


def test_variables_are_not_trainable_and_named_by_metric():
    metric = metrics.Mean(name="my_mean")
    assert [v.path for v in metric.variables] == ["my_mean/total", "my_mean/count"]
    assert all(not v.trainable for v in metric.variables)
    assert all(v.aggregation == "sum" for v in metric.variables)


def test_get():
    import lamina

    assert lamina.Metric is metrics.Metric
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("MAE"), metrics.MeanAbsoluteError)
    assert isinstance(metrics.get("mean_squared_error"), metrics.MeanSquaredError)
    assert isinstance(metrics.get("accuracy"), metrics.Accuracy)
    assert isinstance(metrics.get("binary_accuracy"), metrics.BinaryAccuracy)
    assert isinstance(metrics.get("categorical_accuracy"), metrics.CategoricalAccuracy)
    assert isinstance(metrics.get("sparse_categorical_accuracy"),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("AUC"), metrics.AUC)
    assert isinstance(metrics.get("bce"), metrics.BinaryCrossentropy)
    assert isinstance(metrics.get("f1_score"), metrics.F1Score)
    assert isinstance(metrics.get("r2_score"), metrics.R2Score)
    assert isinstance(metrics.get("root_mean_squared_error"), metrics.RootMeanSquaredError)
    assert metrics.get(None) is None
    m = metrics.Precision()
    assert metrics.get(m) is m
    assert metrics.get(metrics.mean_squared_error) is metrics.mean_squared_error
    m = metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.7}})
    assert isinstance(m, metrics.BinaryAccuracy) and m.threshold == 0.7
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get("no_such_metric")


def test_functions_are_shared_with_losses():
    from lamina import losses

    for name in ("binary_crossentropy", "categorical_crossentropy", "hinge", "huber",
                 "kl_divergence", "log_cosh", "mean_squared_error", "poisson",
                 "sparse_categorical_crossentropy", "squared_hinge", "categorical_hinge",
                 "binary_focal_crossentropy", "categorical_focal_crossentropy",
                 "mean_absolute_error", "mean_absolute_percentage_error",
                 "mean_squared_logarithmic_error"):
        assert getattr(metrics, name) is getattr(losses, name), name


def test_keras_style_config_resolves():
    config = {"module": "keras.metrics", "class_name": "AUC",
              "config": {"name": "auc", "dtype": "float32", "num_thresholds": 50,
                         "curve": "PR", "summation_method": "interpolation",
                         "multi_label": False, "num_labels": None, "label_weights": None,
                         "from_logits": False},
              "registered_name": None}
    m = metrics.deserialize(config)
    assert isinstance(m, metrics.AUC) and m.num_thresholds == 50
    assert m.curve.value == "PR"
