"""The lstm_classifier example trains briefly and classifies its synthetic data well."""

import importlib.util
import pathlib

from tests.conftest import requires_training

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "lstm_classifier.py"


@requires_training
def test_lstm_classifier_example(capsys):
    spec = importlib.util.spec_from_file_location("lstm_classifier", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    history, accuracy = module.main(epochs=3, verbose=0)
    assert accuracy >= 0.8
    assert len(history.history["loss"]) == 3
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "Test accuracy:" in capsys.readouterr().out
