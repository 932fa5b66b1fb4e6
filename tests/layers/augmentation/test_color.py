"""Color augmentations against NumPy formulas."""

import numpy as np
import pytest

from lamina import layers

GRAY = np.array([0.2989, 0.5870, 0.1140], "float32")


@pytest.fixture
def images():
    return (np.random.default_rng(5).random((2, 8, 8, 3)) * 255).astype("float32")


def test_brightness_adds_one_offset_per_image_within_the_range(images):
    out = np.asarray(layers.RandomBrightness(0.9, seed=1)(images))
    assert out.min() >= 0 and out.max() <= 255
    wide = np.asarray(layers.RandomBrightness((0.1, 0.2), value_range=(-1e4, 1e4), seed=1)(images))
    offsets = (wide - images).reshape(len(images), -1)
    np.testing.assert_allclose(offsets, offsets[:, :1].repeat(offsets.shape[1], 1), atol=1e-2)
    assert (offsets[:, 0] >= 0.1 * 2e4 - 1).all() and (offsets[:, 0] <= 0.2 * 2e4 + 1).all()
    with pytest.raises(ValueError, match="`value_range` argument should be a list of two"):
        layers.RandomBrightness(0.1, value_range=5)
    with pytest.raises(ValueError, match="RandomBrightness: the `factor` argument"):
        layers.RandomBrightness(2.0)


def test_contrast_scales_deviations_from_the_channel_mean(images):
    out = np.asarray(layers.RandomContrast(0.9, seed=1)(images))
    assert out.min() >= 0 and out.max() <= 255
    layer = layers.RandomContrast((0.5, 0.5), value_range=(-1e4, 1e4), seed=2)
    out = np.asarray(layer(images))
    mean = images.mean(axis=(1, 2), keepdims=True)
    factor = (out - mean)[:, 0, 0, 0] / (images - mean)[:, 0, 0, 0]
    assert ((factor >= 0.5 - 1e-4) & (factor <= 1.5 + 1e-4)).all()
    np.testing.assert_allclose(out, (images - mean) * factor.reshape(-1, 1, 1, 1) + mean,
                               rtol=1e-4, atol=1e-2)


def test_saturation_extremes(images):
    gray = np.asarray(layers.RandomSaturation((0.0, 0.0), seed=1)(images))
    np.testing.assert_allclose(gray, images.max(-1, keepdims=True).repeat(3, -1), rtol=1e-5)
    same = np.asarray(layers.RandomSaturation((0.5, 0.5), seed=1)(images))
    np.testing.assert_allclose(same, images, rtol=1e-4, atol=1e-2)


def test_hue_with_zero_factor_keeps_images(images):
    np.testing.assert_allclose(np.asarray(layers.RandomHue(0.0, seed=1)(images)), images,
                               rtol=1e-4, atol=1e-2)
    out = np.asarray(layers.RandomHue(0.5, seed=1)(images))
    assert out.min() >= -1e-3 and out.max() <= 255 + 1e-3
    # A hue rotation keeps each pixel's max and min channel values.
    np.testing.assert_allclose(np.sort(out, -1)[..., ::2], np.sort(images, -1)[..., ::2],
                               rtol=1e-3, atol=1e-2)


def test_color_degeneration_and_grayscale(images):
    expected = (images * GRAY).sum(-1, keepdims=True).repeat(3, -1)
    out = np.asarray(layers.RandomColorDegeneration((1.0, 1.0), seed=1)(images))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-2)
    out = np.asarray(layers.RandomGrayscale(1.0, seed=1)(images))
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-2)
    np.testing.assert_array_equal(np.asarray(layers.RandomGrayscale(0.0)(images)), images)
    with pytest.raises(ValueError, match="`factor` should be between 0 and 1"):
        layers.RandomGrayscale(1.5)
    with pytest.raises(ValueError, match="must have 3 channels"):
        layers.RandomColorDegeneration(0.5).compute_output_shape((None, 4, 4, 1))


def test_invert_posterize_and_solarize(images):
    np.testing.assert_allclose(np.asarray(layers.RandomInvert((1.0, 1.0), seed=1)(images)),
                               255 - images, rtol=1e-6)
    out = np.asarray(layers.RandomPosterization((4, 4), seed=1)(images))
    expected = ((images.astype("uint8") >> 4) << 4).astype("float32")
    np.testing.assert_array_equal(out, expected)
    unit = images / 255
    out = np.asarray(layers.Solarization(value_range=(0, 1), seed=1)(unit))
    np.testing.assert_allclose(out, 1 - unit, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="Solarization: the `addition_factor` argument"):
        layers.Solarization(addition_factor=1.5)


def test_sharpness_blends_with_a_smoothed_image(images):
    np.testing.assert_allclose(np.asarray(layers.RandomSharpness((0.5, 0.5), seed=1)(images)),
                               images, rtol=1e-5, atol=1e-3)
    kernel = np.full((3, 3), 1 / 13)
    kernel[1, 1] = 5 / 13
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    smoothed = sum(kernel[i, j] * padded[:, i:i + 8, j:j + 8] for i in range(3) for j in range(3))
    out = np.asarray(layers.RandomSharpness((0.0, 0.0), seed=1)(images))
    np.testing.assert_allclose(out, np.clip(smoothed, 0, 255), rtol=1e-4, atol=1e-2)


def test_gaussian_blur_smooths_and_keeps_constant_interiors():
    x = np.full((2, 8, 8, 3), 100.0, "float32")
    out = np.asarray(layers.RandomGaussianBlur(factor=(1.0, 1.0), seed=1)(x))
    np.testing.assert_allclose(out[:, 1:-1, 1:-1], x[:, 1:-1, 1:-1], rtol=1e-5)
    assert (out[:, 0, 0] < 100).all()  # zero padding at the borders
    with pytest.raises(ValueError, match="`kernel_size` must be an odd number"):
        layers.RandomGaussianBlur(kernel_size=4)
    with pytest.raises(ValueError, match="the `sigma` argument"):
        layers.RandomGaussianBlur(sigma=2.0)


def test_auto_contrast_stretches_each_channel_also_in_inference(images):
    low, high = images.min((1, 2), keepdims=True), images.max((1, 2), keepdims=True)
    expected = (images - low) / (high - low) * 255
    for training in (True, False):
        out = np.asarray(layers.AutoContrast()(images, training=training))
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-2)
    constant = np.full((1, 4, 4, 3), 7.0, "float32")
    np.testing.assert_array_equal(np.asarray(layers.AutoContrast()(constant)), constant)


def test_equalization_matches_a_numpy_histogram_equalization(images):
    out = np.asarray(layers.Equalization()(images))
    expected = np.empty_like(images)
    for c in range(3):
        channel = images[..., c]  # one histogram per channel over the batch, as in Keras
        bins = np.clip(channel.astype(int), 0, 255)
        cdf = np.cumsum(np.bincount(bins.ravel(), minlength=256))
        first = cdf[np.nonzero(cdf)[0][0]]
        lookup = np.clip(np.round((cdf - first) * 255 / (cdf[-1] - first)), 0, 255)
        expected[..., c] = lookup[bins]
    np.testing.assert_allclose(out, expected, atol=1.0)
    assert np.mean(out == expected) > 0.99
    constant = np.full((1, 4, 4, 3), 9.0, "float32")
    np.testing.assert_array_equal(np.asarray(layers.Equalization()(constant)), constant)


def test_color_jitter_equals_its_stages_with_the_same_seed(images):
    jitter = layers.RandomColorJitter(brightness_factor=0.3, seed=5)
    brightness = layers.RandomBrightness(0.3, seed=5)
    np.testing.assert_allclose(np.asarray(jitter(images)), np.asarray(brightness(images)),
                               rtol=1e-6)
    config = layers.RandomColorJitter(hue_factor=0.1).get_config()
    assert config["hue_factor"] == 0.1 and config["brightness_factor"] is None
