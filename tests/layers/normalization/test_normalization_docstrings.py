"""The docstring examples of the normalization layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["lamina.layers.normalization.batch_normalization",
           "lamina.layers.normalization.layer_normalization",
           "lamina.layers.normalization.group_normalization",
           "lamina.layers.normalization.unit_normalization",
           "lamina.layers.normalization.rms_normalization",
           "lamina.layers.normalization.spectral_normalization"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    check_layer_module_examples(module_name)
