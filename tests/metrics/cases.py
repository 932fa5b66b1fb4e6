"""One representative construction and batch of every public metric class, shared by the
tests that walk all metrics (stateless path, jit, configs)."""

import numpy as np

from lamina import metrics

RNG = np.random.default_rng(11)


def _probs(shape):
    return RNG.uniform(0.0, 1.0, size=shape).astype("float32")


def _dist(shape):
    p = RNG.uniform(0.05, 1.0, size=shape)
    return (p / p.sum(-1, keepdims=True)).astype("float32")


def _one_hot(n, k):
    return np.eye(k, dtype="float32")[RNG.integers(0, k, size=n)]


def _binary(shape):
    return RNG.integers(0, 2, size=shape).astype("float32")


def _normal(shape):
    return RNG.normal(size=shape).astype("float32")


def _positive(shape):
    return RNG.uniform(0.1, 2.0, size=shape).astype("float32")


def batches(kind, n=3):
    """`n` batches `(y_true, y_pred, sample_weight)` of a kind of data."""
    out = []
    kind, _, weight_kind = kind.partition("+")
    for _ in range(n):
        weights = RNG.uniform(0.0, 2.0, size=(6,)).astype("float32")
        if weight_kind == "int":  # IoU metrics count in integers
            weights = RNG.integers(0, 3, size=(6,)).astype("int32")
        if kind == "binary":
            out.append((_binary((6, 3)), _probs((6, 3)), weights))
        elif kind == "binary1":
            out.append((_binary((6,)), _probs((6,)), weights))
        elif kind == "categorical":
            out.append((_one_hot(6, 4), _dist((6, 4)), weights))
        elif kind == "sparse":
            out.append((RNG.integers(0, 4, size=(6,)).astype("float32"), _dist((6, 4)),
                        weights))
        elif kind == "regression":
            out.append((_normal((6, 3)), _normal((6, 3)), weights))
        elif kind == "positive":
            out.append((_positive((6, 3)), _positive((6, 3)), weights))
        elif kind == "ids":
            out.append((RNG.integers(0, 3, size=(6,)), RNG.integers(0, 3, size=(6,)),
                        RNG.integers(0, 3, size=(6,)).astype("int32")))
        elif kind == "values":
            out.append((_normal((6, 2)), None, weights))
        else:
            raise ValueError(kind)
    return out


# name -> (factory, kind of data)
CASES = {
    "AUC": (lambda: metrics.AUC(num_thresholds=20), "binary"),
    "AUC_PR": (lambda: metrics.AUC(curve="PR", num_thresholds=15), "binary"),
    "AUC_multi": (lambda: metrics.AUC(multi_label=True, num_labels=3, num_thresholds=10),
                  "binary"),
    "Accuracy": (metrics.Accuracy, "ids"),
    "BinaryAccuracy": (metrics.BinaryAccuracy, "binary"),
    "BinaryCrossentropy": (metrics.BinaryCrossentropy, "binary"),
    "BinaryIoU": (metrics.BinaryIoU, "binary1+int"),
    "CategoricalAccuracy": (metrics.CategoricalAccuracy, "categorical"),
    "CategoricalCrossentropy": (metrics.CategoricalCrossentropy, "categorical"),
    "CategoricalHinge": (metrics.CategoricalHinge, "categorical"),
    "ConcordanceCorrelation": (metrics.ConcordanceCorrelation, "regression"),
    "CosineSimilarity": (metrics.CosineSimilarity, "regression"),
    "F1Score": (lambda: metrics.F1Score(average="macro"), "categorical"),
    "FBetaScore": (lambda: metrics.FBetaScore(beta=2.0, threshold=0.3), "binary"),
    "FalseNegatives": (metrics.FalseNegatives, "binary"),
    "FalsePositives": (lambda: metrics.FalsePositives(thresholds=[0.2, 0.7]), "binary"),
    "Hinge": (metrics.Hinge, "binary"),
    "IoU": (lambda: metrics.IoU(num_classes=3, target_class_ids=[0, 2]), "ids"),
    "KLDivergence": (metrics.KLDivergence, "categorical"),
    "LogCoshError": (metrics.LogCoshError, "regression"),
    "Mean": (metrics.Mean, "values"),
    "MeanAbsoluteError": (metrics.MeanAbsoluteError, "regression"),
    "MeanAbsolutePercentageError": (metrics.MeanAbsolutePercentageError, "positive"),
    "MeanIoU": (lambda: metrics.MeanIoU(num_classes=3), "ids"),
    "MeanSquaredError": (metrics.MeanSquaredError, "regression"),
    "MeanSquaredLogarithmicError": (metrics.MeanSquaredLogarithmicError, "positive"),
    "OneHotIoU": (lambda: metrics.OneHotIoU(num_classes=4, target_class_ids=[1, 3]),
                  "categorical+int"),
    "OneHotMeanIoU": (lambda: metrics.OneHotMeanIoU(num_classes=4), "categorical+int"),
    "PearsonCorrelation": (metrics.PearsonCorrelation, "regression"),
    "Poisson": (metrics.Poisson, "positive"),
    "Precision": (metrics.Precision, "binary"),
    "PrecisionAtRecall": (lambda: metrics.PrecisionAtRecall(0.5, num_thresholds=50), "binary"),
    "R2Score": (metrics.R2Score, "regression"),
    "Recall": (lambda: metrics.Recall(thresholds=[0.3, 0.5, 0.9]), "binary"),
    "RecallAtPrecision": (lambda: metrics.RecallAtPrecision(0.6, num_thresholds=50), "binary"),
    "RootMeanSquaredError": (metrics.RootMeanSquaredError, "regression"),
    "SensitivityAtSpecificity": (lambda: metrics.SensitivityAtSpecificity(0.5), "binary"),
    "SparseCategoricalAccuracy": (metrics.SparseCategoricalAccuracy, "sparse"),
    "SparseCategoricalCrossentropy": (metrics.SparseCategoricalCrossentropy, "sparse"),
    "SparseTopKCategoricalAccuracy": (lambda: metrics.SparseTopKCategoricalAccuracy(k=2),
                                      "sparse"),
    "SpecificityAtSensitivity": (lambda: metrics.SpecificityAtSensitivity(0.5), "binary"),
    "SquaredHinge": (metrics.SquaredHinge, "binary"),
    "Sum": (metrics.Sum, "values"),
    "TopKCategoricalAccuracy": (lambda: metrics.TopKCategoricalAccuracy(k=2), "categorical"),
    "TrueNegatives": (metrics.TrueNegatives, "binary"),
    "TruePositives": (metrics.TruePositives, "binary"),
}


def update(metric, batch):
    y_true, y_pred, weights = batch
    if y_pred is None:
        metric.update_state(y_true, sample_weight=weights)
    else:
        metric.update_state(y_true, y_pred, sample_weight=weights)


def update_args(batch):
    y_true, y_pred, weights = batch
    if y_pred is None:
        return (y_true,), {"sample_weight": weights}
    return (y_true, y_pred), {"sample_weight": weights}
