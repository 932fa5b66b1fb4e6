"""The seed's example runs end to end and reaches high accuracy quickly."""

import importlib.util
import pathlib

from tests.conftest import requires_training

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "breast_cancer.py"


@requires_training
def test_breast_cancer_example(capsys):
    spec = importlib.util.spec_from_file_location("breast_cancer", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    history, accuracy = module.main(epochs=30, verbose=0)
    assert accuracy >= 0.95
    assert len(history.history["val_accuracy"]) == 30
    out = capsys.readouterr().out
    assert "Test accuracy:" in out and 'Model: "sequential"' in out
