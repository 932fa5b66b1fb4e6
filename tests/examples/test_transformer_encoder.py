"""The transformer_encoder example trains briefly and classifies its synthetic data well."""

import importlib.util
import pathlib

from tests.conftest import requires_training

EXAMPLE = pathlib.Path(__file__).parents[2] / "examples" / "transformer_encoder.py"


@requires_training
def test_transformer_encoder_example(capsys):
    spec = importlib.util.spec_from_file_location("transformer_encoder", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    history, accuracy = module.main(epochs=5, verbose=0)
    assert accuracy >= 0.75
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert "Test accuracy:" in capsys.readouterr().out
