"""The progress output of fit: a bar per epoch (verbose=1), a line per epoch (verbose=2)."""

import re

import numpy as np

import lamina
from lamina import layers
from tests.conftest import requires_training


def _model():
    model = lamina.Sequential([lamina.Input((2,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


@requires_training
def test_verbose_1_prints_epochs_bar_and_metrics(capsys):
    x = np.random.default_rng(0).normal(size=(40, 2)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    _model().fit(x, y, epochs=2, batch_size=10, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/2" in out and "Epoch 2/2" in out
    assert re.search(r"4/4 \u2501+ \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4}", out), out


@requires_training
def test_verbose_2_prints_one_line_per_epoch(capsys):
    x = np.ones((20, 2), "float32")
    _model().fit(x, np.ones((20, 1), "float32"), epochs=3, batch_size=10, verbose=2)
    lines = [l for l in capsys.readouterr().out.splitlines() if l.startswith("2/2")]
    assert len(lines) == 3 and all("loss:" in l for l in lines)


@requires_training
def test_verbose_0_is_silent(capsys):
    _model().fit(np.ones((4, 2)), np.ones((4, 1)), epochs=1, verbose=0)
    assert capsys.readouterr().out == ""
