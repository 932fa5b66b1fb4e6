"""Data helpers: one-hot, padding, packing, splitting, normalization, model utilities."""

import json

import numpy as np
import pytest

import lamina
from lamina import layers, utils


def test_to_categorical():
    np.testing.assert_array_equal(utils.to_categorical([0, 2, 1], 3),
                                  np.eye(3, dtype="float32")[[0, 2, 1]])
    assert utils.to_categorical(np.array([[1], [0]])).shape == (2, 2)
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        utils.to_categorical([3], 2)


def test_pad_sequences():
    seqs = [[1, 2, 3], [4], []]
    np.testing.assert_array_equal(utils.pad_sequences(seqs),
                                  [[1, 2, 3], [0, 0, 4], [0, 0, 0]])
    np.testing.assert_array_equal(utils.pad_sequences(seqs, maxlen=2, padding="post",
                                                      truncating="post", value=9),
                                  [[1, 2], [4, 9], [9, 9]])
    with pytest.raises(ValueError, match='Padding type "middle" not understood'):
        utils.pad_sequences(seqs, padding="middle")


def test_pack_unpack_and_split():
    x, y = np.arange(10), np.arange(10) * 2
    assert utils.unpack_x_y_sample_weight(utils.pack_x_y_sample_weight(x, y))[1] is y
    (lx, ly), (rx, ry) = utils.split_dataset((x, y), left_size=0.8)
    assert len(lx) == 8 and len(rx) == 2 and (ly == 2 * lx).all()


def test_normalize():
    out = utils.normalize(np.array([[3.0, 4.0], [0.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_get_source_inputs_clone_and_json():
    a = lamina.Input((3,))
    out = layers.Dense(2)(layers.Dense(4)(a))
    assert utils.get_source_inputs(out)[0] is a
    model = lamina.Model(a, out)
    clone = lamina.models.clone_model(model)
    assert [w.shape for w in clone.weights] == [w.shape for w in model.weights]
    restored = lamina.models.model_from_json(model.to_json())
    assert json.loads(restored.to_json())["config"]["layers"][1]["class_name"] == "Dense"
    x = np.ones((2, 3), "float32")
    restored.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(restored(x)), np.asarray(model(x)), rtol=1e-6)


def test_progbar_prints_final_line(capsys):
    bar = utils.Progbar(3, verbose=2)
    for i in range(3):
        bar.update(i + 1, [("loss", 0.5)])
    out = capsys.readouterr().out
    assert out.startswith("3/3") and "loss: 0.5000" in out


def test_config_namespace():
    assert lamina.config.backend() == lamina.backend.backend()
    with pytest.raises(RuntimeError, match="cannot be switched"):
        lamina.config.set_backend("numpy" if lamina.backend.backend() != "numpy" else "jax")
    with pytest.raises(ValueError, match="Unknown backend"):
        lamina.config.set_backend("theano")
