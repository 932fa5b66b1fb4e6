"""Resizing, CenterCrop and Pipeline."""

import numpy as np
import pytest

import lamina
from lamina import layers


def out(layer, x):
    return np.asarray(layer(x))


def test_resizing_nearest_and_bilinear():
    x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
    nearest = out(layers.Resizing(2, 2, interpolation="nearest"), x)
    assert nearest.shape == (1, 2, 2, 1)
    # Half-pixel centers: output pixel i samples input pixel floor((i + 0.5) * 2) = 1, 3.
    np.testing.assert_array_equal(nearest[0, :, :, 0], x[0, 1::2, 1::2, 0])
    up = out(layers.Resizing(8, 8), np.ones((2, 4, 4, 3), "float32"))
    np.testing.assert_allclose(up, 1.0, rtol=1e-6)
    unbatched = out(layers.Resizing(3, 5), np.ones((4, 4, 3), "float32"))
    assert unbatched.shape == (3, 5, 3)


def test_resizing_aspect_ratio_options():
    x = np.zeros((1, 4, 8, 1), "float32")
    x[:, :, 2:6] = 1.0  # a centered 4x4 square of ones
    cropped = out(layers.Resizing(4, 4, crop_to_aspect_ratio=True, interpolation="nearest"), x)
    np.testing.assert_array_equal(cropped, np.ones((1, 4, 4, 1)))
    padded = out(layers.Resizing(8, 8, pad_to_aspect_ratio=True, fill_value=-1.0,
                                 interpolation="nearest"), x)
    assert padded.shape == (1, 8, 8, 1)
    np.testing.assert_array_equal(padded[0, :2, :, 0], -1.0)  # padding rows on top
    np.testing.assert_array_equal(padded[0, 2:6, :, 0], x[0, :, :, 0])


def test_resizing_channels_first_and_symbolic():
    layer = layers.Resizing(2, 3, data_format="channels_first")
    assert out(layer, np.ones((1, 3, 4, 4), "float32")).shape == (1, 3, 2, 3)
    assert layer(lamina.Input((3, 4, 4))).shape == (None, 3, 2, 3)
    assert layers.Resizing(5, 6)(lamina.Input((None, None, 3))).shape == (None, 5, 6, 3)
    with pytest.raises(ValueError, match="interpolation"):
        layers.Resizing(2, 2, interpolation="cubic-ish")


def test_center_crop():
    x = np.arange(36, dtype="float32").reshape(1, 6, 6, 1)
    cropped = out(layers.CenterCrop(2, 4), x)
    np.testing.assert_array_equal(cropped[0, :, :, 0], x[0, 2:4, 1:5, 0])
    # Smaller than the target: resized up (crop to the aspect ratio, then resize).
    small = out(layers.CenterCrop(8, 8), np.ones((1, 4, 6, 2), "float32"))
    assert small.shape == (1, 8, 8, 2)
    np.testing.assert_allclose(small, 1.0, rtol=1e-6)
    assert out(layers.CenterCrop(2, 2), np.ones((4, 4, 3), "uint8")).dtype == np.float32
    assert layers.CenterCrop(2, 2)(lamina.Input((6, 6, 3))).shape == (None, 2, 2, 3)


@pytest.mark.parametrize("make", [
    lambda: layers.Resizing(3, 4, interpolation="nearest", crop_to_aspect_ratio=True),
    lambda: layers.Resizing(3, 4, pad_to_aspect_ratio=True, fill_value=2.0),
    lambda: layers.CenterCrop(3, 4, data_format="channels_first"),
], ids=["resizing_crop", "resizing_pad", "center_crop"])
def test_image_config_round_trips(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_resizing_config_keys_match_keras():
    config = layers.Resizing(3, 4).get_config()
    for key, value in {"height": 3, "width": 4, "interpolation": "bilinear",
                       "crop_to_aspect_ratio": False, "pad_to_aspect_ratio": False,
                       "fill_mode": "constant", "fill_value": 0.0, "antialias": False,
                       "data_format": "channels_last"}.items():
        assert config[key] == value


def test_pipeline_applies_layers_in_order():
    pipeline = layers.Pipeline([layers.Rescaling(2.0), layers.Rescaling(1.0, offset=1.0),
                                layers.CenterCrop(2, 2)])
    x = np.ones((1, 4, 4, 1), "float32")
    np.testing.assert_allclose(out(pipeline, x), np.full((1, 2, 2, 1), 3.0))
    assert len(pipeline.layers) == 3
    assert pipeline(lamina.Input((4, 4, 1))).shape == (None, 2, 2, 1)
    config = pipeline.get_config()
    assert set(config) == {"layers", "name"}
    clone = layers.Pipeline.from_config(config)
    np.testing.assert_allclose(out(clone, x), np.full((1, 2, 2, 1), 3.0))
    with pytest.raises(ValueError, match="layers"):
        layers.Pipeline.from_config({"name": "p"})


def test_pipeline_inside_a_functional_model():
    inputs = lamina.Input((4, 4, 3))
    x = layers.Pipeline([layers.Rescaling(0.5), layers.Resizing(2, 2)])(inputs)
    model = lamina.Model(inputs, layers.Flatten()(x))
    result = np.asarray(model(np.full((2, 4, 4, 3), 4.0, "float32")))
    np.testing.assert_allclose(result, np.full((2, 12), 2.0), rtol=1e-6)
