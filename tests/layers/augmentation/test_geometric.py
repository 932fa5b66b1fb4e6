"""Geometric augmentations against NumPy: flips, rotations, zooms, shifts, crops."""

import numpy as np
import pytest

import lamina
from lamina import layers


def ramp(axis, size=8, batch=2, channels=1):
    """Images whose value is the column (axis=2) or row (axis=1) index."""
    values = np.arange(size, dtype="float32")
    shape = [1, 1, 1, 1]
    shape[axis] = size
    return np.broadcast_to(values.reshape(shape), (batch, size, size, channels)).copy()


@pytest.fixture
def images():
    return np.random.default_rng(3).random((16, 5, 5, 2)).astype("float32")


@pytest.mark.parametrize("mode,axes", [("horizontal", (1,)), ("vertical", (0,)),
                                       ("horizontal_and_vertical", (0, 1))])
def test_random_flip_flips_each_image_or_keeps_it(mode, axes, images):
    out = np.asarray(layers.RandomFlip(mode, seed=4)(images))
    flipped = 0
    for image, result in zip(images, out):
        expected = np.flip(image, axis=axes)
        if np.array_equal(result, expected):
            flipped += 1
        else:
            np.testing.assert_array_equal(result, image)
    assert 0 < flipped < len(images)


def test_random_flip_moves_segmentation_masks_with_images(images):
    masks = np.arange(16 * 25).reshape(16, 5, 5, 1).astype("float32")
    out = layers.RandomFlip("horizontal", seed=2)({"images": images, "segmentation_masks": masks,
                                                    "labels": np.arange(16)})
    for image, result, mask, result_mask in zip(images, np.asarray(out["images"]), masks,
                                                np.asarray(out["segmentation_masks"])):
        flipped = np.array_equal(result, image[:, ::-1])
        np.testing.assert_array_equal(result_mask, mask[:, ::-1] if flipped else mask)
    np.testing.assert_array_equal(np.asarray(out["labels"]), np.arange(16))


def test_random_flip_rejects_unknown_mode():
    with pytest.raises(ValueError, match="RandomFlip: invalid `mode` 'diagonal'"):
        layers.RandomFlip("diagonal")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_rotation_by_a_quarter_turn_is_rot90(data_format):
    x = np.random.default_rng(0).random((2, 7, 7, 3)).astype("float32")
    layer = layers.RandomRotation((0.25, 0.25), data_format=data_format, seed=1)
    if data_format == "channels_first":
        out = np.asarray(layer(x.transpose(0, 3, 1, 2))).transpose(0, 2, 3, 1)
    else:
        out = np.asarray(layer(x))
    np.testing.assert_allclose(out, np.rot90(x, k=1, axes=(1, 2)), atol=1e-4)


def test_zoom_in_magnifies_about_the_center():
    # Zoom factor 0.5 samples the input at 0.5 x + 1.75 (8 pixels); bilinear keeps a ramp linear.
    x = ramp(axis=2)
    out = np.asarray(layers.RandomZoom((-0.5, -0.5), seed=1)(x))
    expected = np.broadcast_to((0.5 * np.arange(8) + 1.75).reshape(1, 1, 8, 1), x.shape)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    y = ramp(axis=1)
    out = np.asarray(layers.RandomZoom((-0.5, -0.5), width_factor=(0.0, 0.0), seed=1)(y))
    np.testing.assert_allclose(out, np.swapaxes(expected, 1, 2), atol=1e-5)


def test_zoom_factor_bounds():
    with pytest.raises(ValueError, match="RandomZoom: the `height_factor` argument"):
        layers.RandomZoom(-1.0)
    with pytest.raises(ValueError, match="width_factor"):
        layers.RandomZoom(0.2, width_factor=(0.1, 1.5))


def test_translation_shifts_by_a_fraction_of_the_size():
    x = np.random.default_rng(1).random((2, 8, 8, 1)).astype("float32")
    layer = layers.RandomTranslation((0.25, 0.25), (-0.125, -0.125), fill_mode="constant",
                                     interpolation="nearest", seed=1)
    out = np.asarray(layer(x))
    expected = np.zeros_like(x)
    expected[:, 2:, :7] = x[:, :6, 1:]  # 2 rows down, 1 column left
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_shear_moves_columns_in_proportion_to_rows():
    x = ramp(axis=2, size=9, batch=4)
    out = np.asarray(layers.RandomShear(x_factor=(0.5, 0.5), fill_mode="nearest", seed=3)(x))
    rows = np.arange(9).reshape(9, 1)
    columns = np.arange(9).reshape(1, 9)
    for image in out[..., 0]:
        candidates = [np.clip(columns + sign * 0.5 * rows, 0, 8) for sign in (1, -1)]
        assert any(np.allclose(image, c, atol=1e-5) for c in candidates)


def test_fill_mode_and_interpolation_are_checked():
    with pytest.raises(NotImplementedError, match="RandomRotation: unknown `fill_mode`"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(NotImplementedError, match="unknown `interpolation` 'bicubic'"):
        layers.RandomTranslation(0.1, 0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match="RandomRotation: the `factor` argument"):
        layers.RandomRotation(1.5)


def test_random_crop_training_takes_a_window_of_the_image():
    x = np.arange(2 * 8 * 8 * 1, dtype="float32").reshape(2, 8, 8, 1)
    out = np.asarray(layers.RandomCrop(4, 5, seed=2)(x))
    assert out.shape == (2, 4, 5, 1)
    top, left = np.argwhere(x[0, ..., 0] == out[0, 0, 0, 0])[0]
    np.testing.assert_array_equal(out, x[:, top:top + 4, left:left + 5])


def test_random_crop_inference_crops_the_center_to_the_aspect_ratio():
    x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    out = np.asarray(layers.RandomCrop(4, 8)(x, training=False))
    np.testing.assert_array_equal(out, x[:, 2:6])
    assert np.asarray(layers.RandomCrop(4, 4)(x, training=False)).shape == (2, 4, 4, 3)
    first = layers.RandomCrop(4, 8, data_format="channels_first")
    out = np.asarray(first(x.transpose(0, 3, 1, 2), training=False))
    np.testing.assert_array_equal(out, x[:, 2:6].transpose(0, 3, 1, 2))


def test_random_crop_shapes():
    layer = layers.RandomCrop(4, 5, seed=1)
    assert layer(lamina.Input((8, 8, 3))).shape == (None, 4, 5, 3)
    assert layer.compute_output_shape((8, 8, 3)) == (4, 5, 3)
    assert np.asarray(layer(np.ones((8, 8, 3), "float32"))).shape == (4, 5, 3)
    first = layers.RandomCrop(4, 5, data_format="channels_first")
    assert first(lamina.Input((3, 8, 8))).shape == (None, 3, 4, 5)
    # Smaller than the target: resized up, in training too.
    assert np.asarray(layer(np.ones((2, 3, 3, 1), "float32"))).shape == (2, 4, 5, 1)
    assert type(layer).from_config(layer.get_config()).seed == 1


def test_perspective_with_zero_scale_keeps_images():
    x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32")
    out = np.asarray(layers.RandomPerspective(factor=(1.0, 1.0), scale=0.0, seed=1)(x))
    np.testing.assert_allclose(out, x, atol=1e-4)
    with pytest.raises(ValueError, match="RandomPerspective: the `scale` argument"):
        layers.RandomPerspective(scale=2.0)


def test_elastic_transform_keeps_images_at_zero_factor_and_clips():
    x = np.random.default_rng(0).random((2, 8, 8, 3)).astype("float32") * 255
    np.testing.assert_array_equal(
        np.asarray(layers.RandomElasticTransform(factor=0.0, seed=1)(x)), x)
    out = np.asarray(layers.RandomElasticTransform(factor=(1.0, 1.0), scale=(0.5, 1.0),
                                                   seed=1)(x))
    assert not np.allclose(out, x) and out.min() >= 0 and out.max() <= 255
