"""F-scores against scikit-learn."""

import numpy as np
import pytest

from lamina import metrics, ops

RNG = np.random.default_rng(17)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


@pytest.mark.parametrize("average", [None, "micro", "macro", "weighted"])
@pytest.mark.parametrize("beta", [1.0, 0.5, 2.0])
def test_fbeta_matches_sklearn(average, beta):
    from sklearn.metrics import fbeta_score

    y_true = RNG.integers(0, 2, size=(40, 4))
    y_true[:, 0] = 1  # every class has support
    y_pred = RNG.uniform(size=(40, 4)).astype("float32")
    weights = RNG.uniform(0.5, 2.0, size=(40,))
    m = metrics.FBetaScore(average=average, beta=beta, threshold=0.5)
    m.update_state(y_true[:20], y_pred[:20], sample_weight=weights[:20])
    m.update_state(y_true[20:], y_pred[20:], sample_weight=weights[20:])
    want = fbeta_score(y_true, (y_pred > 0.5).astype(int), beta=beta, average=average,
                       sample_weight=weights, zero_division=0)
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-4)


def test_f1_score_default_threshold_is_row_max():
    from sklearn.metrics import f1_score

    labels = RNG.integers(0, 3, size=30)
    scores = RNG.uniform(size=(30, 3)).astype("float32")
    m = metrics.F1Score(average="macro")
    m.update_state(np.eye(3)[labels], scores)
    want = f1_score(labels, scores.argmax(-1), average="macro")
    np.testing.assert_allclose(np_value(m.result()), want, rtol=1e-4)
    config = m.get_config()
    assert config == {"name": "f1_score", "dtype": "float32", "average": "macro",
                      "threshold": None}
    assert metrics.F1Score.from_config(config).beta == 1.0


def test_errors():
    with pytest.raises(ValueError, match="average"):
        metrics.FBetaScore(average="samples")
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=1)
    with pytest.raises(ValueError, match="beta"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="threshold"):
        metrics.FBetaScore(threshold=1)
    with pytest.raises(ValueError, match="threshold"):
        metrics.FBetaScore(threshold=1.5)
    with pytest.raises(ValueError, match="2D inputs"):
        metrics.F1Score().update_state(np.zeros((4,)), np.zeros((4,)))
