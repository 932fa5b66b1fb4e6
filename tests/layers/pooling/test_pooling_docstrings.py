"""The docstring examples of the pooling layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["lamina.layers.pooling.base_pooling", "lamina.layers.pooling.global_pooling",
           "lamina.layers.pooling.adaptive_pooling"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    check_layer_module_examples(module_name)
