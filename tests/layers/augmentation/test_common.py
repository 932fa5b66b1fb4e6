"""Checks every augmentation layer shares: inference identity, batched and unbatched images,
both data formats, symbolic shapes, config round trips and seeded determinism."""

import random as python_random

import numpy as np
import pytest

import lamina
from lamina import layers

# (layer name, positional args, keyword args): a setting that changes images in training.
SPECS = [
    ("RandomFlip", (), {}),
    ("RandomRotation", (0.2,), {}),
    ("RandomZoom", (0.3, 0.2), {}),
    ("RandomTranslation", (0.2, 0.3), {}),
    ("RandomShear", (0.3, 0.2), {}),
    ("RandomPerspective", (), {"factor": (1.0, 1.0)}),
    ("RandomElasticTransform", (), {"factor": (1.0, 1.0)}),
    ("RandomContrast", (0.4,), {}),
    ("RandomBrightness", (0.3,), {}),
    ("RandomSaturation", (0.4,), {}),
    ("RandomHue", (0.4,), {}),
    ("RandomColorDegeneration", (0.5,), {}),
    ("RandomColorJitter", (), {"brightness_factor": 0.2, "contrast_factor": 0.3,
                               "saturation_factor": 0.3, "hue_factor": 0.2}),
    ("RandomGrayscale", (), {"factor": 0.5}),
    ("RandomInvert", (), {}),
    ("RandomPosterization", (4,), {}),
    ("Solarization", (0.3, 0.5), {}),
    ("RandomSharpness", (0.5,), {}),
    ("RandomGaussianBlur", (), {"factor": (1.0, 1.0)}),
    ("RandomErasing", (), {"factor": (1.0, 1.0), "fill_value": 0.0}),
    ("Equalization", (), {}),
    ("MixUp", (), {}),
    ("CutMix", (), {}),
    ("AugMix", (), {}),
    ("RandAugment", (), {}),
]
SEEDLESS = {"Equalization", "AutoContrast"}
NAMES = [spec[0] for spec in SPECS]


def make(layer_name, args, kwargs, seed=3, **extra):
    cls = getattr(layers, layer_name)
    if layer_name not in SEEDLESS:
        extra["seed"] = seed
    return cls(*args, **kwargs, **extra)


@pytest.fixture
def images():
    rng = np.random.default_rng(7)
    return (rng.random((2, 8, 8, 3)) * 255).astype("float32")


@pytest.mark.parametrize("name,args,kwargs", SPECS, ids=NAMES)
def test_identity_in_inference(name, args, kwargs, images):
    layer = make(name, args, kwargs)
    np.testing.assert_array_equal(np.asarray(layer(images, training=False)), images)
    np.testing.assert_array_equal(np.asarray(layer(images[0], training=False)), images[0])


@pytest.mark.parametrize("name,args,kwargs", SPECS, ids=NAMES)
def test_shapes_and_symbolic_call(name, args, kwargs, images):
    layer = make(name, args, kwargs)
    python_random.seed(0)
    out = np.asarray(layer(images, training=True))
    assert out.shape == images.shape and out.dtype == np.float32
    assert np.isfinite(out).all()
    assert np.asarray(layer(images[0], training=True)).shape == images[0].shape
    assert layer(lamina.Input((8, 8, 3))).shape == (None, 8, 8, 3)
    assert layer.compute_output_shape((None, 8, 8, 3)) == (None, 8, 8, 3)


@pytest.mark.parametrize("name,args,kwargs", SPECS, ids=NAMES)
def test_same_seed_same_output_and_draws_advance(name, args, kwargs, images):
    runs = []
    for _ in range(2):
        layer = make(name, args, kwargs, seed=11)
        python_random.seed(0)
        runs.append([np.asarray(layer(images)) for _ in range(4)])
    for first, second in zip(*runs):
        np.testing.assert_array_equal(first, second)
    if name != "Equalization":  # deterministic
        assert any(not np.array_equal(runs[0][0], later) for later in runs[0][1:])


@pytest.mark.parametrize("name,args,kwargs", SPECS, ids=NAMES)
def test_channels_first_matches_channels_last(name, args, kwargs, images):
    python_random.seed(0)
    last = np.asarray(make(name, args, kwargs, seed=5)(images))
    python_random.seed(0)
    first = make(name, args, kwargs, seed=5, data_format="channels_first")
    out = np.asarray(first(images.transpose(0, 3, 1, 2)))
    np.testing.assert_allclose(out.transpose(0, 2, 3, 1), last, rtol=1e-4, atol=1e-3)
    assert first(lamina.Input((3, 8, 8))).shape == (None, 3, 8, 8)


@pytest.mark.parametrize("name,args,kwargs", SPECS, ids=NAMES)
def test_config_round_trip(name, args, kwargs):
    layer = make(name, args, kwargs, name="aug")
    config = layer.get_config()
    assert config["name"] == "aug" and config["data_format"] == "channels_last"
    if name not in SEEDLESS:
        assert config["seed"] == 3
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_config_values_follow_keras_conventions():
    assert layers.RandomRotation(0.2).get_config()["factor"] == (-0.2, 0.2)
    assert layers.RandomContrast(0.2).get_config()["factor"] == (0, 0.2)
    assert layers.RandomHue(0.3).get_config()["factor"] == (0, 0.3)
    assert layers.RandomBrightness((-0.1, 0.3)).get_config()["factor"] == (-0.1, 0.3)
    assert layers.RandomInvert().get_config()["factor"] == (0, 1.0)
    assert layers.RandomPosterization(4).get_config()["factor"] == (1, 4)
    assert layers.RandomShear(0.3).get_config()["x_factor"] == (-0.3, 0.3)
    assert layers.RandomGaussianBlur().get_config()["kernel_size"] == (3, 3)
    assert layers.Solarization(0.2, 0.5).get_config()["threshold_factor"] == (0, 0.5)
    assert layers.RandomBrightness(0.1).get_config()["value_range"] == [0, 255]
    flip = layers.RandomFlip(seed=1).get_config()
    assert flip["mode"] == "horizontal_and_vertical" and flip["seed"] == 1
    zoom = layers.RandomZoom(0.2).get_config()
    assert zoom["height_factor"] == 0.2 and zoom["width_factor"] is None
    assert zoom["fill_mode"] == "reflect" and zoom["interpolation"] == "bilinear"
    assert zoom["fill_value"] == 0.0
    assert layers.RandomGrayscale().get_config()["factor"] == 0.5
    augmix = layers.AugMix().get_config()
    assert (augmix["num_chains"], augmix["chain_depth"], augmix["factor"]) == (3, 3, (0, 0.3))
    assert layers.RandAugment().get_config()["num_ops"] == 2
    assert layers.MixUp().get_config()["alpha"] == 0.2
    assert layers.Equalization().get_config()["bins"] == 256


def test_unbatched_image_is_a_batch_of_one(images):
    for name, args, kwargs in SPECS:
        if name in ("AugMix",):
            continue
        single = np.asarray(make(name, args, kwargs, seed=9)(images[0]))
        batch = np.asarray(make(name, args, kwargs, seed=9)(images[:1]))[0]
        np.testing.assert_allclose(single, batch, rtol=1e-5, atol=1e-4, err_msg=name)


def test_bounding_boxes_are_not_supported(images):
    boxes = {"boxes": np.zeros((2, 1, 4), "float32"), "labels": np.zeros((2, 1), "float32")}
    with pytest.raises(NotImplementedError, match="RandomFlip: bounding boxes are not"):
        layers.RandomFlip(bounding_box_format="xyxy")({"images": images,
                                                        "bounding_boxes": boxes})


def test_rank_is_checked():
    with pytest.raises(ValueError, match="RandomFlip: expected an image tensor of rank 3"):
        layers.RandomFlip()(np.ones((4, 4), "float32"))


def test_layers_in_a_sequential_model_only_act_in_training(images):
    model = lamina.Sequential([
        lamina.Input((8, 8, 3)), layers.RandomFlip(seed=1), layers.RandomRotation(0.3, seed=2),
        layers.RandomContrast(0.5, seed=3),
    ])
    np.testing.assert_array_equal(np.asarray(model(images, training=False)), images)
    np.testing.assert_array_equal(model.predict(images, verbose=0), images)
    assert not np.allclose(np.asarray(model(images, training=True)), images)
