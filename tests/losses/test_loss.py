"""The shared pieces of lamina/losses/loss.py: rank matching, masks and reductions."""

import numpy as np
import pytest

from lamina import ops
from lamina.losses import loss as loss_module


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


@pytest.mark.parametrize("shape1,shape2,expand,out1,out2", [
    ((4,), (4,), True, (4,), (4,)),
    ((4, 1), (4,), True, (4, 1), (4, 1)),
    ((4, 1), (4,), False, (4,), (4,)),
    ((4,), (4, 1), True, (4, 1), (4, 1)),
    ((2, 3, 1), (2, 3), True, (2, 3), (2, 3)),
    ((2, 3), (2, 3, 1), True, (2, 3), (2, 3)),
    ((4, 3), (4,), True, (4, 3), (4,)),
])
def test_squeeze_or_expand_to_same_rank(shape1, shape2, expand, out1, out2):
    x1 = ops.convert_to_tensor(np.zeros(shape1))
    x2 = ops.convert_to_tensor(np.zeros(shape2))
    y1, y2 = loss_module.squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=expand)
    assert tuple(y1.shape) == out1 and tuple(y2.shape) == out2


def test_reduce_values_edge_cases():
    scalar = ops.convert_to_tensor(3.0)
    assert float(loss_module.reduce_values(scalar, reduction="sum")) == 3.0
    empty = ops.convert_to_tensor(np.zeros((0,), "float32"))
    assert np_value(loss_module.reduce_values(empty)).shape == (0,)
    values = ops.convert_to_tensor(np.array([[1.0, 2.0], [3.0, 4.0]], "float32"))
    assert float(loss_module.reduce_values(values)) == 2.5
    assert float(loss_module.reduce_values(values, reduction="sum")) == 10.0
    assert np_value(loss_module.reduce_values(values, reduction=None)).shape == (2, 2)


def test_reduce_weighted_values_with_mask_and_weights():
    values = np.array([1.0, 2.0, 3.0, 4.0], "float32")
    weights = np.array([1.0, 2.0, 0.5, 1.0], "float32")
    mask = np.array([True, True, False, True])
    got = loss_module.reduce_weighted_values(values, weights, mask,
                                             reduction="mean_with_sample_weight",
                                             dtype="float32")
    np.testing.assert_allclose(float(got), (1 + 4 + 4) / (1 + 2 + 1), rtol=1e-6)
    got = loss_module.reduce_weighted_values(values, None, mask, dtype="float32")
    np.testing.assert_allclose(float(got), (1 + 2 + 4) / 3, rtol=1e-6)
    got = loss_module.reduce_weighted_values(values, weights, None, reduction="none",
                                             dtype="float32")
    np.testing.assert_allclose(np_value(got), values * weights)


def test_apply_mask():
    mask = ops.convert_to_tensor(np.array([1, 0, 1, 1], "float32"))
    np.testing.assert_allclose(np_value(loss_module.apply_mask(None, mask, "float32", "sum")),
                               [1, 0, 1, 1])
    np.testing.assert_allclose(
        np_value(loss_module.apply_mask(None, mask, "float32", "sum_over_batch_size")),
        [4 / 3, 0, 4 / 3, 4 / 3], rtol=1e-6)
    assert loss_module.apply_mask(None, None, "float32", "sum") is None


def test_standardize_reduction_and_dtypes():
    for reduction in ("sum_over_batch_size", "sum", None, "none", "mean",
                      "mean_with_sample_weight"):
        assert loss_module.standardize_reduction(reduction) == reduction
    with pytest.raises(ValueError, match="Received: reduction='auto'"):
        loss_module.standardize_reduction("auto")
    assert loss_module.compute_dtype_of(None) == "float32"
    assert loss_module.compute_dtype_of("mixed_float16") == "float16"
    assert loss_module.compute_dtype_of(
        {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float64"}}
    ) == "float64"

    class Policy:
        compute_dtype = "bfloat16"

    assert loss_module.compute_dtype_of(Policy()) == "bfloat16"
