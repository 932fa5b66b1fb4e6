"""The docstring examples of the augmentation layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["lamina.layers.augmentation.geometric", "lamina.layers.augmentation.color",
           "lamina.layers.augmentation.mixing", "lamina.layers.augmentation.policies",
           "lamina.layers.augmentation.bounding_boxes", "lamina.layers.augmentation.clahe"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    check_layer_module_examples(module_name)
