"""The digits CNN example trains end to end and classifies well after a few epochs."""

import importlib.util
import pathlib

from tests.conftest import requires_training

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "digits_cnn.py"


@requires_training
def test_digits_cnn_example(capsys):
    spec = importlib.util.spec_from_file_location("digits_cnn", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    history, accuracy = module.main(epochs=5, verbose=0)
    assert accuracy >= 0.9
    assert len(history.history["val_accuracy"]) == 5
    out = capsys.readouterr().out
    assert "Test accuracy:" in out and "conv2d" in out.lower().replace("_", "")
