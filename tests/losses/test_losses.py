"""Every built-in loss against a NumPy reference: functions, classes, reductions, sample
weights, from_logits, label smoothing, masks, configs and lookups by name."""

import numpy as np
import pytest

import lamina
from lamina import losses, ops
from tests.losses import references as ref

RNG = np.random.default_rng(7)


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


def probs(shape):
    return RNG.uniform(0.05, 0.95, size=shape).astype("float32")


def distribution(shape):
    p = RNG.uniform(0.05, 1.0, size=shape)
    return (p / p.sum(-1, keepdims=True)).astype("float32")


def one_hot(shape):
    ids = RNG.integers(0, shape[-1], size=shape[:-1])
    return np.eye(shape[-1], dtype="float32")[ids]


def binary(shape):
    return RNG.integers(0, 2, size=shape).astype("float32")


def normal(shape):
    return RNG.normal(size=shape).astype("float32")


def positive(shape):
    return RNG.uniform(0.1, 3.0, size=shape).astype("float32")


# (class, constructor kwargs, function, function kwargs, reference, y_true, y_pred)
CASES = [
    (losses.MeanSquaredError, {}, losses.mean_squared_error, {}, ref.mse,
     normal((4, 3)), normal((4, 3))),
    (losses.MeanAbsoluteError, {}, losses.mean_absolute_error, {}, ref.mae,
     normal((4, 3)), normal((4, 3))),
    (losses.MeanAbsolutePercentageError, {}, losses.mean_absolute_percentage_error, {},
     ref.mape, positive((4, 3)), normal((4, 3))),
    (losses.MeanSquaredLogarithmicError, {}, losses.mean_squared_logarithmic_error, {},
     ref.msle, positive((4, 3)), positive((4, 3))),
    (losses.CosineSimilarity, {"axis": -1}, losses.cosine_similarity, {"axis": -1},
     ref.cosine_similarity, normal((4, 3)), normal((4, 3))),
    (losses.Huber, {"delta": 0.7}, losses.huber, {"delta": 0.7},
     lambda t, p: ref.huber(t, p, 0.7), normal((4, 3)), normal((4, 3))),
    (losses.LogCosh, {}, losses.log_cosh, {}, ref.log_cosh, normal((4, 3)), normal((4, 3))),
    (losses.Hinge, {}, losses.hinge, {}, ref.hinge, binary((4, 3)), normal((4, 3))),
    (losses.SquaredHinge, {}, losses.squared_hinge, {}, ref.squared_hinge, binary((4, 3)),
     normal((4, 3))),
    (losses.CategoricalHinge, {}, losses.categorical_hinge, {}, ref.categorical_hinge,
     one_hot((4, 3)), normal((4, 3))),
    (losses.KLDivergence, {}, losses.kl_divergence, {}, ref.kl_divergence,
     distribution((4, 3)), distribution((4, 3))),
    (losses.Poisson, {}, losses.poisson, {}, ref.poisson, positive((4, 3)), positive((4, 3))),
    (losses.BinaryCrossentropy, {}, losses.binary_crossentropy, {}, ref.binary_crossentropy,
     binary((4, 3)), probs((4, 3))),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.2},
     losses.binary_crossentropy, {"from_logits": True, "label_smoothing": 0.2},
     lambda t, p: ref.binary_crossentropy(t, p, True, 0.2), binary((4, 3)), normal((4, 3))),
    (losses.BinaryFocalCrossentropy, {}, losses.binary_focal_crossentropy, {},
     ref.binary_focal_crossentropy, binary((4, 3)), probs((4, 3))),
    (losses.BinaryFocalCrossentropy,
     {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "from_logits": True,
      "label_smoothing": 0.1},
     losses.binary_focal_crossentropy,
     {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.5, "from_logits": True,
      "label_smoothing": 0.1},
     lambda t, p: ref.binary_focal_crossentropy(t, p, True, 0.3, 1.5, True, 0.1),
     binary((4, 3)), normal((4, 3))),
    (losses.CategoricalCrossentropy, {}, losses.categorical_crossentropy, {},
     ref.categorical_crossentropy, one_hot((4, 3)), distribution((4, 3))),
    (losses.CategoricalCrossentropy, {"from_logits": True, "label_smoothing": 0.1},
     losses.categorical_crossentropy, {"from_logits": True, "label_smoothing": 0.1},
     lambda t, p: ref.categorical_crossentropy(t, p, True, 0.1), one_hot((4, 3)),
     normal((4, 3))),
    (losses.CategoricalFocalCrossentropy, {}, losses.categorical_focal_crossentropy, {},
     ref.categorical_focal_crossentropy, one_hot((4, 3)), distribution((4, 3))),
    (losses.CategoricalFocalCrossentropy,
     {"alpha": 0.5, "gamma": 3.0, "from_logits": True, "label_smoothing": 0.2},
     losses.categorical_focal_crossentropy,
     {"alpha": 0.5, "gamma": 3.0, "from_logits": True, "label_smoothing": 0.2},
     lambda t, p: ref.categorical_focal_crossentropy(t, p, 0.5, 3.0, True, 0.2),
     one_hot((4, 3)), normal((4, 3))),
    (losses.SparseCategoricalCrossentropy, {}, losses.sparse_categorical_crossentropy, {},
     ref.sparse_categorical_crossentropy, np.array([0, 2, 1, 2]), distribution((4, 3))),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True},
     losses.sparse_categorical_crossentropy, {"from_logits": True},
     lambda t, p: ref.sparse_categorical_crossentropy(t, p, True),
     np.array([[0], [2], [1], [2]]), normal((4, 3))),
    (losses.CategoricalGeneralizedCrossEntropy, {"q": 0.3},
     losses.categorical_generalized_cross_entropy, {"q": 0.3},
     lambda t, p: ref.generalized_cross_entropy(t, p, 0.3), np.array([0, 2, 1, 1]),
     distribution((4, 3))),
]

IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_function_matches_reference(case):
    _, _, fn, fn_kwargs, reference, y_true, y_pred = case
    got = np_value(fn(y_true, y_pred, **fn_kwargs))
    want = reference(y_true.astype(np.float64), y_pred.astype(np.float64))
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("reduction",
                         ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight",
                          "none", None])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_class_reductions_and_sample_weight(case, reduction):
    cls, kwargs, _, _, reference, y_true, y_pred = case
    per_sample = reference(y_true.astype(np.float64), y_pred.astype(np.float64))
    loss = cls(reduction=reduction, **kwargs)
    got = np_value(loss(y_true, y_pred))
    np.testing.assert_allclose(got, ref.reduce(per_sample, None, reduction), rtol=2e-5,
                               atol=2e-6)
    weights = np.array([0.5, 0.0, 2.0, 1.0], dtype="float32")
    got = np_value(loss(y_true, y_pred, sample_weight=weights))
    np.testing.assert_allclose(got, ref.reduce(per_sample, weights, reduction), rtol=2e-5,
                               atol=2e-6)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_config_round_trip(case):
    cls, kwargs, *_ , y_true, y_pred = case
    loss = cls(reduction="sum", name="my_loss", **kwargs)
    config = loss.get_config()
    assert config["name"] == "my_loss" and config["reduction"] == "sum"
    for key, value in kwargs.items():
        assert config[key] == value
    clone = cls.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_allclose(np_value(clone(y_true, y_pred)), np_value(loss(y_true, y_pred)))
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is cls and again.get_config() == config


def test_default_names_and_config_keys():
    assert losses.MeanSquaredError().get_config() == {
        "name": "mean_squared_error", "reduction": "sum_over_batch_size"}
    assert losses.Huber().name == "huber_loss"
    assert losses.LogCosh().name == "log_cosh"
    assert losses.Huber().get_config() == {
        "name": "huber_loss", "reduction": "sum_over_batch_size", "delta": 1.0}
    assert losses.SparseCategoricalCrossentropy().get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": None, "axis": -1}
    assert losses.BinaryCrossentropy().get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "label_smoothing": 0.0, "axis": -1}
    assert losses.Dice().get_config() == {"name": "dice", "reduction": "sum_over_batch_size",
                                          "axis": None}


def test_keras_documented_values():
    # Values from the Keras 3 documentation of SparseCategoricalCrossentropy.
    y_true = np.array([1, 2])
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    scce = losses.SparseCategoricalCrossentropy()
    np.testing.assert_allclose(np_value(scce(y_true, y_pred)), 1.177, atol=1e-3)
    np.testing.assert_allclose(np_value(scce(y_true, y_pred, sample_weight=np.array([0.3, 0.7]))),
                               0.814, atol=1e-3)
    np.testing.assert_allclose(
        np_value(losses.SparseCategoricalCrossentropy(reduction="sum")(y_true, y_pred)), 2.354,
        atol=1e-3)
    np.testing.assert_allclose(
        np_value(losses.SparseCategoricalCrossentropy(reduction=None)(y_true, y_pred)),
        [0.0513, 2.303], atol=1e-3)
    # MeanSquaredError and BinaryCrossentropy examples.
    np.testing.assert_allclose(
        np_value(losses.MeanSquaredError()([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [1.0, 0.0]])),
        0.5)
    np.testing.assert_allclose(
        np_value(losses.BinaryCrossentropy(from_logits=True)(
            np.array([0, 1, 0, 0]), np.array([-18.6, 0.51, 2.94, -12.8]))), 0.865, atol=1e-3)


def test_rank_adjustment_of_labels():
    y_pred = normal((5, 1))
    y_true = normal((5,))
    got = np_value(losses.MeanSquaredError()(y_true, y_pred))
    np.testing.assert_allclose(got, np.mean((y_true - y_pred[:, 0]) ** 2), rtol=1e-6)


def test_sample_weight_per_timestep_and_broadcast():
    y_true, y_pred = normal((2, 3, 4)), normal((2, 3, 4))
    per_step = ref.mse(y_true.astype(np.float64), y_pred.astype(np.float64))  # (2, 3)
    weights = np.array([[1.0, 0.0, 2.0], [0.5, 0.5, 0.0]], dtype="float32")
    got = np_value(losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights))
    np.testing.assert_allclose(got, np.sum(per_step * weights) / 6, rtol=1e-5)
    got = np_value(losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights[..., None]))
    np.testing.assert_allclose(got, np.sum(per_step * weights) / 6, rtol=1e-5)
    got = np_value(losses.MeanSquaredError(reduction="sum")(y_true, y_pred, sample_weight=2.0))
    np.testing.assert_allclose(got, 2 * np.sum(per_step), rtol=1e-5)


def test_mask_argument_averages_over_valid_entries():
    y_true, y_pred = normal((4, 3)), normal((4, 3))
    per_sample = ref.mse(y_true.astype(np.float64), y_pred.astype(np.float64))
    mask = np.array([True, False, True, True])
    got = np_value(losses.MeanSquaredError()(y_true, y_pred, mask=mask))
    np.testing.assert_allclose(got, per_sample[mask].mean(), rtol=1e-5)
    got = np_value(losses.MeanSquaredError(reduction="sum")(y_true, y_pred, mask=mask))
    np.testing.assert_allclose(got, per_sample[mask].sum(), rtol=1e-5)
    weights = np.array([1.0, 3.0, 0.5, 2.0])
    got = np_value(losses.MeanSquaredError()(y_true, y_pred, sample_weight=weights, mask=mask))
    np.testing.assert_allclose(got, np.sum((per_sample * weights)[mask]) / 3, rtol=1e-5)
    none_valid = np_value(losses.MeanSquaredError()(y_true, y_pred, mask=np.zeros(4, bool)))
    assert none_valid == 0.0


def test_sparse_categorical_ignore_class():
    y_true = np.array([[0, 2, -1], [1, -1, 2]])
    y_pred = normal((2, 3, 4))
    full = ref.sparse_categorical_crossentropy(np.where(y_true < 0, 0, y_true),
                                               y_pred.astype(np.float64), True)
    valid = y_true != -1
    values = np_value(losses.sparse_categorical_crossentropy(y_true, y_pred, from_logits=True,
                                                             ignore_class=-1))
    np.testing.assert_allclose(values, np.where(valid, full, 0.0), rtol=1e-5, atol=1e-6)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    np.testing.assert_allclose(np_value(loss(y_true, y_pred)), full[valid].mean(), rtol=1e-5)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1,
                                                reduction="sum")
    np.testing.assert_allclose(np_value(loss(y_true, y_pred)), full[valid].sum(), rtol=1e-5)


def test_sparse_categorical_class_axis():
    y_pred = distribution((3, 2, 4)).transpose(0, 2, 1)  # 4 classes on axis 1
    y_true = np.array([[0, 1], [1, 1], [2, 0]])
    got = np_value(losses.sparse_categorical_crossentropy(y_true, y_pred, axis=1))
    np.testing.assert_allclose(
        got, ref.sparse_categorical_crossentropy(y_true, y_pred.astype(np.float64), axis=1),
        rtol=1e-5)


def test_categorical_crossentropy_class_axis_and_single_class_warning():
    y_true, y_pred = one_hot((2, 5, 3)), distribution((2, 5, 3))
    got = np_value(losses.categorical_crossentropy(np.moveaxis(y_true, -1, 1),
                                                   np.moveaxis(y_pred, -1, 1), axis=1))
    np.testing.assert_allclose(got, ref.categorical_crossentropy(y_true, y_pred), rtol=1e-5)
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))
    with pytest.raises(ValueError, match="axis"):
        losses.categorical_crossentropy(y_true, y_pred, axis=True)


def test_binary_crossentropy_axis():
    y_true, y_pred = binary((4, 3)), probs((4, 3))
    got = np_value(losses.BinaryCrossentropy(axis=0, reduction=None)(y_true, y_pred))
    np.testing.assert_allclose(got, ref.binary_crossentropy(y_true, y_pred, axis=0), rtol=1e-5)


def test_hinge_keeps_signed_labels():
    y_true = np.array([[-1.0, 1.0, 1.0]])
    y_pred = np.array([[0.3, -0.2, 2.0]])
    np.testing.assert_allclose(np_value(losses.hinge(y_true, y_pred)),
                               np.mean(np.maximum(1 - y_true * y_pred, 0), -1), rtol=1e-6)


@pytest.mark.parametrize("axis", [None, (1, 2)])
def test_dice_and_tversky(axis):
    y_true, y_pred = binary((2, 4, 4)), probs((2, 4, 4))
    got = np_value(losses.dice(y_true, y_pred, axis=axis))
    np.testing.assert_allclose(got, ref.dice(y_true, y_pred.astype(np.float64), axis), rtol=1e-5)
    got = np_value(losses.tversky(y_true, y_pred, alpha=0.3, beta=0.7, axis=axis))
    np.testing.assert_allclose(got, ref.tversky(y_true, y_pred.astype(np.float64), 0.3, 0.7,
                                                axis), rtol=1e-5)
    got = np_value(losses.Dice(axis=axis, reduction="sum")(y_true, y_pred))
    np.testing.assert_allclose(got, np.sum(ref.dice(y_true, y_pred.astype(np.float64), axis)),
                               rtol=1e-5)
    got = np_value(losses.Tversky(alpha=0.3, beta=0.7, axis=axis)(y_true, y_pred))
    np.testing.assert_allclose(
        got, np.mean(ref.tversky(y_true, y_pred.astype(np.float64), 0.3, 0.7, axis)), rtol=1e-5)


def test_circle():
    labels = np.array([0, 1, 0, 2, 1, 0])
    emb = ref.l2_normalize(normal((6, 4)).astype(np.float64)).astype("float32")
    per_sample = ref.circle(labels, emb.astype(np.float64), gamma=8.0, margin=0.25)
    got = np_value(losses.circle(labels, emb, gamma=8.0, margin=0.25))
    np.testing.assert_allclose(got, per_sample, rtol=1e-4, atol=1e-5)
    loss = losses.Circle(gamma=8.0, margin=0.25)
    valid = per_sample > 0
    np.testing.assert_allclose(np_value(loss(labels, emb)), per_sample[valid].mean(), rtol=1e-4)


def test_ctc():
    labels = np.array([[1, 2, 0], [3, 3, 1]])
    logits = normal((2, 6, 4))
    want = ref.ctc(labels, logits.astype(np.float64))
    np.testing.assert_allclose(np_value(losses.ctc(labels, logits)), want, rtol=1e-4)
    np.testing.assert_allclose(np_value(losses.CTC()(labels, logits)), want.mean(), rtol=1e-4)
    with pytest.raises(ValueError, match="y_true"):
        losses.ctc(np.zeros((2,)), logits)
    with pytest.raises(ValueError, match="y_pred"):
        losses.ctc(labels, np.zeros((2, 6)))


def test_dtype_argument():
    loss = losses.MeanSquaredError(dtype="float64")
    assert loss.dtype == "float64"
    out = loss(normal((3, 2)), normal((3, 2)))
    assert lamina.backend.standardize_dtype(out.dtype) == "float64"
    assert losses.MeanSquaredError().dtype == "float32"
    assert losses.MeanSquaredError(dtype="mixed_bfloat16").dtype == "bfloat16"


def test_invalid_arguments():
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")
    with pytest.raises(ValueError, match="q"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.5)


def test_custom_loss_subclass():
    class Scaled(losses.Loss):
        def __init__(self, scale=2.0, **kwargs):
            super().__init__(**kwargs)
            self.scale = scale

        def call(self, y_true, y_pred):
            return self.scale * ops.mean(ops.abs(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "scale": self.scale}

    y_true, y_pred = normal((4, 3)), normal((4, 3))
    loss = Scaled(scale=3.0, reduction="sum")
    np.testing.assert_allclose(np_value(loss(y_true, y_pred)),
                               3 * np.sum(ref.mae(y_true, y_pred)), rtol=1e-5)
    assert Scaled.from_config(loss.get_config()).scale == 3.0
    assert loss.name == "scaled" and Scaled().name == "scaled_1"
    with pytest.raises(NotImplementedError):
        losses.Loss()(y_true, y_pred)


def test_wrapper_of_user_function():
    def double_mae(y_true, y_pred, factor=2.0):
        return factor * ops.mean(ops.abs(y_true - y_pred), axis=-1)

    from lamina.losses.losses import LossFunctionWrapper

    loss = LossFunctionWrapper(double_mae, name="dm", factor=4.0)
    y_true, y_pred = normal((4, 3)), normal((4, 3))
    np.testing.assert_allclose(np_value(loss(y_true, y_pred)),
                               4 * np.mean(ref.mae(y_true, y_pred)), rtol=1e-5)
    assert loss.get_config()["factor"] == 4.0


def test_get_by_name():
    assert lamina.Loss is losses.Loss
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error
    assert losses.get("mae") is losses.mean_absolute_error
    assert losses.get("bce") is losses.binary_crossentropy
    assert losses.get("kld") is losses.kl_divergence
    assert losses.get("mape") is losses.mean_absolute_percentage_error
    assert losses.get("msle") is losses.mean_squared_logarithmic_error
    assert losses.get("binary_crossentropy") is losses.binary_crossentropy
    assert losses.get("categorical_crossentropy") is losses.categorical_crossentropy
    assert losses.get("sparse_categorical_crossentropy") is losses.sparse_categorical_crossentropy
    assert isinstance(losses.get("CategoricalCrossentropy"), losses.CategoricalCrossentropy)
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert losses.get(None) is None
    instance = losses.Huber()
    assert losses.get(instance) is instance
    loss = losses.get({"class_name": "CategoricalCrossentropy",
                       "config": {"from_logits": True}})
    assert isinstance(loss, losses.CategoricalCrossentropy) and loss.from_logits
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get("no_such_loss")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(3)


def test_serialize_functions():
    config = losses.serialize(losses.mean_squared_error)
    assert config["class_name"] == "function" and config["config"] == "mean_squared_error"
    assert losses.deserialize(config) is losses.mean_squared_error
    assert losses.deserialize("mse") is losses.mean_squared_error
    assert losses.deserialize("mean_absolute_error") is losses.mean_absolute_error


def test_keras_style_config_resolves():
    config = {"module": "keras.losses", "class_name": "BinaryCrossentropy",
              "config": {"name": "bce", "reduction": "sum", "from_logits": True,
                         "label_smoothing": 0.1, "axis": -1},
              "registered_name": None}
    loss = losses.deserialize(config)
    assert isinstance(loss, losses.BinaryCrossentropy)
    assert loss.get_config()["label_smoothing"] == 0.1


def test_every_public_loss_class_round_trips():
    skip = {"Loss"}
    for name in dir(losses):
        obj = getattr(losses, name)
        if isinstance(obj, type) and issubclass(obj, losses.Loss) and name not in skip:
            instance = obj()
            clone = losses.deserialize(losses.serialize(instance))
            assert type(clone) is obj, name
            assert clone.get_config() == instance.get_config(), name
