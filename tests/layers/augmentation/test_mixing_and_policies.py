"""MixUp, CutMix, RandomErasing, AugMix, RandAugment and MaxNumBoundingBoxes."""

import random as python_random

import numpy as np
import pytest

from lamina import layers
from tests.conftest import requires_training


def indexed_batch(batch=4, size=8):
    """Image i is filled with the value i; its label is one-hot i."""
    images = np.broadcast_to(np.arange(batch, dtype="float32").reshape(-1, 1, 1, 1),
                             (batch, size, size, 3)).copy()
    return images, np.eye(batch, dtype="float32")


def test_mixup_blends_images_and_labels_by_the_same_weight():
    images, labels = indexed_batch()
    out = layers.MixUp(alpha=0.5, seed=1)({"images": images, "labels": labels})
    mixed, mixed_labels = np.asarray(out["images"]), np.asarray(out["labels"])
    np.testing.assert_allclose(mixed_labels.sum(-1), 1.0, rtol=1e-5)
    # Each image stays constant, at the label-weighted mean of the two sources.
    np.testing.assert_allclose(mixed, np.broadcast_to(mixed[:, :1, :1, :1], mixed.shape))
    np.testing.assert_allclose(mixed[:, 0, 0, 0], mixed_labels @ np.arange(4), rtol=1e-4,
                               atol=1e-4)
    assert (np.count_nonzero(mixed_labels > 1e-6, axis=1) <= 2).all()


def test_cutmix_pastes_boxes_and_mixes_labels_by_area():
    images, labels = indexed_batch()
    out = layers.CutMix(seed=3)({"images": images, "labels": labels})
    mixed, mixed_labels = np.asarray(out["images"]), np.asarray(out["labels"])
    np.testing.assert_allclose(mixed_labels.sum(-1), 1.0, rtol=1e-5)
    for index in range(4):
        values = set(np.unique(mixed[index]).tolist())
        sources = set(np.nonzero(mixed_labels[index] > 1e-6)[0].tolist()) | {index}
        assert values <= {float(s) for s in sources}
        # The own label's weight is about the share of pixels the image keeps.
        kept = np.mean(mixed[index] == index)
        if len(sources) > 1:
            assert abs(mixed_labels[index, index] - kept) < 0.35


def test_random_erasing_fills_one_rectangle_per_image():
    x = np.full((4, 8, 8, 3), 200.0, "float32")
    out = np.asarray(layers.RandomErasing(factor=(1.0, 1.0), scale=(0.2, 0.3), fill_value=0.0,
                                          seed=2)(x))
    for image in out:
        erased = np.argwhere(image[..., 0] == 0)
        assert len(erased) > 0
        (top, left), (bottom, right) = erased.min(0), erased.max(0)
        assert (image[top:bottom + 1, left:right + 1] == 0).all()
        assert set(np.unique(image).tolist()) <= {0.0, 200.0}
    per_channel = np.asarray(layers.RandomErasing(factor=(1.0, 1.0), fill_value=(1, 2, 3),
                                                  seed=2)(x))
    assert {1.0, 2.0, 3.0} <= set(np.unique(per_channel).tolist())
    with pytest.raises(ValueError, match="RandomErasing: the `fill_value` argument"):
        layers.RandomErasing(fill_value=(1, 2))


def test_policies_stay_in_the_value_range_and_are_seeded():
    x = (np.random.default_rng(0).random((2, 8, 8, 3)) * 255).astype("float32")
    for layer_class in (layers.AugMix, layers.RandAugment):
        python_random.seed(1)
        first = np.asarray(layer_class(seed=4)(x))
        python_random.seed(1)
        second = np.asarray(layer_class(seed=4)(x))
        np.testing.assert_array_equal(first, second)
        assert first.min() >= 0 and first.max() <= 255
    narrow = np.asarray(layers.AugMix(value_range=(0, 1), all_ops=False, seed=1)(x / 255))
    assert narrow.min() >= 0 and narrow.max() <= 1
    one_op = layers.RandAugment(num_ops=1, factor=0.0, seed=2)
    assert len(one_op.get_config()) and one_op.get_config()["factor"] == (0, 0.0)


def test_max_num_bounding_boxes_pads_and_truncates():
    images = np.ones((2, 4, 4, 3), "float32")
    boxes = {"boxes": np.arange(2 * 3 * 4, dtype="float32").reshape(2, 3, 4),
             "labels": np.array([[1, 2, 3], [4, 5, 6]], "float32")}
    out = layers.MaxNumBoundingBoxes(5)({"images": images, "bounding_boxes": boxes})
    padded = out["bounding_boxes"]
    np.testing.assert_array_equal(np.asarray(padded["labels"]),
                                  [[1, 2, 3, -1, -1], [4, 5, 6, -1, -1]])
    assert np.asarray(padded["boxes"]).shape == (2, 5, 4)
    out = layers.MaxNumBoundingBoxes(2, fill_value=0)({"images": images[0], "bounding_boxes": {
        "boxes": boxes["boxes"][0], "labels": boxes["labels"][0]}})
    np.testing.assert_array_equal(np.asarray(out["bounding_boxes"]["labels"]), [1, 2])
    np.testing.assert_array_equal(np.asarray(out["images"]), images[0])
    assert layers.MaxNumBoundingBoxes(3).get_config()["max_number"] == 3


@requires_training
def test_augmentation_layers_train_inside_fit():
    import lamina

    rng = np.random.default_rng(0)
    x = (rng.random((8, 8, 8, 3)) * 255).astype("float32")
    y = rng.random((8, 1)).astype("float32")
    model = lamina.Sequential([
        lamina.Input((8, 8, 3)), layers.RandomFlip(seed=1), layers.RandomRotation(0.2, seed=1),
        layers.RandomCrop(6, 6, seed=1), layers.RandomElasticTransform(seed=1),
        layers.Equalization(), layers.Flatten(), layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    history = model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (8, 1)
