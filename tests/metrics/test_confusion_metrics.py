"""Confusion-matrix metrics against a brute-force NumPy count at each threshold."""

import numpy as np
import pytest

from lamina import metrics, ops

RNG = np.random.default_rng(21)
EPS = 1e-7


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def counts(y_true, y_pred, thresholds, weights=None, axis=None):
    """tp, fp, tn, fn at each threshold; `y_pred > threshold` is positive."""
    y_true = np.asarray(y_true).astype(bool)
    # Compared in float32, the dtype of the metrics' variables.
    y_pred = np.asarray(y_pred, dtype=np.float32)
    w = np.ones_like(y_pred) if weights is None else np.broadcast_to(
        np.asarray(weights, dtype=np.float64).reshape(
            np.shape(weights) + (1,) * (y_pred.ndim - np.ndim(weights))), y_pred.shape)
    out = {k: [] for k in ("tp", "fp", "tn", "fn")}
    for t in thresholds:
        pos = y_pred > np.float32(t)
        out["tp"].append(np.sum(w * (pos & y_true), axis=axis))
        out["fp"].append(np.sum(w * (pos & ~y_true), axis=axis))
        out["tn"].append(np.sum(w * (~pos & ~y_true), axis=axis))
        out["fn"].append(np.sum(w * (~pos & y_true), axis=axis))
    return {k: np.array(v) for k, v in out.items()}


def divide_no_nan(a, b):
    return np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))


def data(n=40, shape=None):
    shape = shape or (n,)
    y_true = RNG.integers(0, 2, size=shape).astype("float32")
    # Round so that some predictions sit exactly on thresholds.
    y_pred = np.round(RNG.uniform(size=shape), 2).astype("float32")
    weights = RNG.uniform(0, 2, size=shape[:1]).astype("float32")
    return y_true, y_pred, weights


COUNT_METRICS = [(metrics.TruePositives, "tp"), (metrics.FalsePositives, "fp"),
                 (metrics.TrueNegatives, "tn"), (metrics.FalseNegatives, "fn")]


@pytest.mark.parametrize("cls,key", COUNT_METRICS, ids=[c[1] for c in COUNT_METRICS])
@pytest.mark.parametrize("thresholds", [None, 0.3, [0.1, 0.5, 0.85], [0.0, 0.5, 1.0]])
def test_counts(cls, key, thresholds):
    y_true, y_pred, weights = data(shape=(20, 2))
    used = [0.5] if thresholds is None else np.atleast_1d(thresholds).tolist()
    m = cls(thresholds=thresholds)
    m.update_state(y_true, y_pred)
    m.update_state(y_true, y_pred, sample_weight=weights)
    want = counts(y_true, y_pred, used)[key] + counts(y_true, y_pred, used, weights)[key]
    got = np_value(m.result())
    # fn and tn are totals minus counts, as in Keras: float32 rounding in the last bits.
    np.testing.assert_allclose(got, want[0] if len(used) == 1 else want, rtol=1e-5, atol=1e-4)
    assert m.get_config()["thresholds"] == thresholds


def test_count_keras_examples():
    m = metrics.FalsePositives()
    m.update_state([0, 1, 0, 0], [0, 0, 1, 1])
    assert float(m.result()) == 2.0
    m.reset_state()
    m.update_state([0, 1, 0, 0], [0, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(m.result()) == 1.0


@pytest.mark.parametrize("thresholds", [None, [0.2, 0.6], [0.0, 0.25, 0.5, 0.75, 1.0]])
def test_precision_and_recall(thresholds):
    y_true, y_pred, weights = data(shape=(30,))
    used = [0.5] if thresholds is None else thresholds
    c = counts(y_true, y_pred, used, weights)
    p = metrics.Precision(thresholds=thresholds)
    r = metrics.Recall(thresholds=thresholds)
    p.update_state(y_true, y_pred, sample_weight=weights)
    r.update_state(y_true, y_pred, sample_weight=weights)
    want_p = divide_no_nan(c["tp"], c["tp"] + c["fp"])
    want_r = divide_no_nan(c["tp"], c["tp"] + c["fn"])
    np.testing.assert_allclose(np_value(p.result()), want_p[0] if len(used) == 1 else want_p,
                               rtol=1e-5)
    np.testing.assert_allclose(np_value(r.result()), want_r[0] if len(used) == 1 else want_r,
                               rtol=1e-5)


def test_precision_keras_examples_top_k_and_class_id():
    m = metrics.Precision()
    m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    np.testing.assert_allclose(float(m.result()), 2 / 3, rtol=1e-6)
    m = metrics.Precision(top_k=2)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.0
    m = metrics.Precision(top_k=4)
    m.update_state([0, 0, 1, 1], [1, 1, 1, 1])
    assert float(m.result()) == 0.5
    # class_id: only column 1 counts.
    y_true = RNG.integers(0, 2, size=(10, 3))
    y_pred = RNG.uniform(size=(10, 3))
    c = counts(y_true[:, 1], y_pred[:, 1], [0.5])
    m = metrics.Recall(class_id=1)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()),
                               divide_no_nan(c["tp"], c["tp"] + c["fn"])[0], rtol=1e-6)
    # top_k with class_id: a prediction counts only when it is among the row's top k.
    top1 = (y_pred == y_pred.max(axis=1, keepdims=True))
    masked = np.where(top1, y_pred, -1e10)
    c = counts(y_true[:, 2], masked[:, 2], [-1e10])
    m = metrics.Precision(top_k=1, class_id=2)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()),
                               divide_no_nan(c["tp"], c["tp"] + c["fp"])[0], rtol=1e-6)
    assert m.get_config() == {"name": m.name, "dtype": "float32", "thresholds": None,
                              "top_k": 1, "class_id": 2}
    with pytest.raises(ValueError, match="Threshold values must be in"):
        metrics.Precision(thresholds=[0.5, 1.5])


def even_thresholds(n):
    return [0.0] + [(i + 1) / (n - 1) for i in range(n - 2)] + [1.0]


@pytest.mark.parametrize("num_thresholds", [1, 7, 200])
def test_sensitivity_specificity_family(num_thresholds):
    y_true, y_pred, weights = data(shape=(60,))
    thresholds = [0.5] if num_thresholds == 1 else even_thresholds(num_thresholds)
    c = counts(y_true, y_pred, thresholds, weights)
    sens = divide_no_nan(c["tp"], c["tp"] + c["fn"])
    spec = divide_no_nan(c["tn"], c["tn"] + c["fp"])
    prec = divide_no_nan(c["tp"], c["tp"] + c["fp"])

    def best(constrained, dependent, value):
        return np.max(np.where(constrained >= value, dependent, 0), initial=0)

    checks = [
        (metrics.SensitivityAtSpecificity(0.6, num_thresholds=num_thresholds),
         best(spec, sens, 0.6)),
        (metrics.SpecificityAtSensitivity(0.6, num_thresholds=num_thresholds),
         best(sens, spec, 0.6)),
        (metrics.PrecisionAtRecall(0.6, num_thresholds=num_thresholds), best(sens, prec, 0.6)),
        (metrics.RecallAtPrecision(0.6, num_thresholds=num_thresholds), best(prec, sens, 0.6)),
    ]
    for m, want in checks:
        m.update_state(y_true, y_pred, sample_weight=weights)
        np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5, err_msg=m.name)


def test_sensitivity_family_keras_examples_and_errors():
    m = metrics.SensitivityAtSpecificity(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    np.testing.assert_allclose(float(m.result()), 0.5)
    m = metrics.SpecificityAtSensitivity(0.5)
    m.update_state([0, 0, 0, 1, 1], [0, 0.3, 0.8, 0.3, 0.8])
    np.testing.assert_allclose(float(m.result()), 2 / 3, rtol=1e-6)
    m = metrics.RecallAtPrecision(0.8)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    np.testing.assert_allclose(float(m.result()), 0.5)
    for cls, arg in ((metrics.SensitivityAtSpecificity, "specificity"),
                     (metrics.SpecificityAtSensitivity, "sensitivity"),
                     (metrics.PrecisionAtRecall, "recall"),
                     (metrics.RecallAtPrecision, "precision")):
        with pytest.raises(ValueError, match=arg):
            cls(1.5)
        with pytest.raises(ValueError, match="num_thresholds"):
            cls(0.5, num_thresholds=0)
        config = cls(0.4, num_thresholds=30, class_id=1).get_config()
        assert config[arg] == 0.4 and config["num_thresholds"] == 30 and config["class_id"] == 1


def auc_reference(y_true, y_pred, thresholds, curve="ROC", summation="interpolation",
                  weights=None, axis=None, label_weights=None):
    """Keras' AUC formulas from brute-force counts."""
    c = counts(y_true, y_pred, thresholds, weights, axis=axis)
    tp, fp, tn, fn = c["tp"], c["fp"], c["tn"], c["fn"]
    n = len(thresholds)
    if curve == "PR" and summation == "interpolation":
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0),
                         divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        terms = divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))
    else:
        recall = divide_no_nan(tp, tp + fn)
        if curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        elif curve == "PR":
            x, y = recall, divide_no_nan(tp, tp + fp)
        else:
            scale = divide_no_nan(tp + fn, tn + fp)
            rg = np.where(tp == 0, 0.0, 1 - scale * divide_no_nan(fn, tp))
            pg = np.where(tp == 0, 1.0, 1 - scale * divide_no_nan(fp, tp))
            x, y = np.maximum(rg, 0), pg
        if summation == "interpolation":
            heights = (y[: n - 1] + y[1:]) / 2
        elif summation == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        terms = (x[: n - 1] - x[1:]) * heights
    by_label = terms.sum(axis=0)
    if axis is None:
        return by_label
    if label_weights is None:
        return by_label.mean()
    return np.sum(by_label * label_weights) / np.sum(label_weights)


def auc_thresholds(num_thresholds=None, thresholds=None):
    if thresholds is None:
        inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    else:
        inner = sorted(thresholds)
    return [0.0 - EPS] + inner + [1.0 + EPS]


@pytest.mark.parametrize("curve", ["ROC", "PR", "PRGAIN"])
@pytest.mark.parametrize("summation", ["interpolation", "minoring", "majoring"])
def test_auc(curve, summation):
    y_true, y_pred, weights = data(shape=(80,))
    m = metrics.AUC(num_thresholds=37, curve=curve, summation_method=summation)
    m.update_state(y_true[:40], y_pred[:40], sample_weight=weights[:40])
    m.update_state(y_true[40:], y_pred[40:], sample_weight=weights[40:])
    want = auc_reference(y_true, y_pred, auc_thresholds(37), curve, summation, weights)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-4, atol=1e-6)


def test_auc_keras_example_and_sklearn():
    m = metrics.AUC(num_thresholds=3)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    np.testing.assert_allclose(float(m.result()), 0.75)
    m.reset_state()
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    np.testing.assert_allclose(float(m.result()), 1.0)

    from sklearn.metrics import roc_auc_score

    y_true = RNG.integers(0, 2, size=300)
    y_pred = np.clip(y_true * 0.3 + RNG.uniform(size=300) * 0.7, 0, 1)
    m = metrics.AUC(num_thresholds=500)
    m.update_state(y_true, y_pred)
    np.testing.assert_allclose(float(m.result()), roc_auc_score(y_true, y_pred), atol=3e-3)


@pytest.mark.parametrize("thresholds", [[0.3, 0.1, 0.8], [0.25, 0.5, 0.75]])
def test_auc_explicit_thresholds(thresholds):
    y_true, y_pred, weights = data(shape=(50,))
    m = metrics.AUC(thresholds=thresholds)
    m.update_state(y_true, y_pred, sample_weight=weights)
    want = auc_reference(y_true, y_pred, auc_thresholds(thresholds=thresholds), weights=weights)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5)
    assert m.num_thresholds == len(thresholds) + 2
    assert m.get_config()["thresholds"] == sorted(thresholds)
    np.testing.assert_allclose(m.thresholds, auc_thresholds(thresholds=thresholds))


@pytest.mark.parametrize("label_weights", [None, [0.2, 1.0, 3.0]])
@pytest.mark.parametrize("num_labels", [None, 3])
def test_auc_multi_label(label_weights, num_labels):
    y_true, y_pred, weights = data(shape=(40, 3))
    m = metrics.AUC(num_thresholds=11, multi_label=True, num_labels=num_labels,
                    label_weights=label_weights, curve="PR")
    m.update_state(y_true, y_pred, sample_weight=weights)
    want = auc_reference(y_true, y_pred, auc_thresholds(11), "PR", weights=weights, axis=0,
                         label_weights=None if label_weights is None
                         else np.array(label_weights))
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-4)
    assert m.true_positives.shape == (11, 3)


def test_auc_label_weights_without_multi_label_and_from_logits():
    y_true, y_pred, _ = data(shape=(30, 2))
    label_weights = np.array([0.5, 2.0])
    m = metrics.AUC(num_thresholds=9, label_weights=label_weights)
    m.update_state(y_true, y_pred)
    want = auc_reference(y_true, y_pred, auc_thresholds(9),
                         weights=np.broadcast_to(label_weights, y_pred.shape))
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5)
    assert m.get_config()["label_weights"] == [0.5, 2.0]
    logits = RNG.normal(size=(30,)).astype("float32")
    m = metrics.AUC(num_thresholds=9, from_logits=True)
    m.update_state(y_true[:, 0], logits)
    want = auc_reference(y_true[:, 0], 1 / (1 + np.exp(-logits.astype(np.float64))),
                         auc_thresholds(9))
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-5)


def test_auc_errors():
    with pytest.raises(ValueError, match="num_thresholds"):
        metrics.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")
    with pytest.raises(ValueError, match="summation"):
        metrics.AUC(summation_method="simpson")
    with pytest.raises(ValueError, match="num_labels"):
        metrics.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        metrics.AUC(multi_label=True).update_state(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
