"""The docstring examples of the convolutional layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["lamina.layers.convolutional.conv", "lamina.layers.convolutional.conv_transpose",
           "lamina.layers.convolutional.depthwise_conv", "lamina.layers.convolutional.separable_conv"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    check_layer_module_examples(module_name)
