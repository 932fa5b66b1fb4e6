"""The docstring examples of the reshaping layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["lamina.layers.reshaping.cropping", "lamina.layers.reshaping.zero_padding",
           "lamina.layers.reshaping.up_sampling"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    check_layer_module_examples(module_name)
