"""The docstring examples of the pooling layers run and give the values they show."""

import doctest

from tests.docstrings import docstring_runner
import importlib

import numpy as np
import pytest

import lamina

MODULES = ["lamina.layers.pooling.base_pooling", "lamina.layers.pooling.global_pooling",
           "lamina.layers.pooling.adaptive_pooling"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    globs = {**vars(module), **vars(lamina.layers), "lamina": lamina, "np": np}
    runner = docstring_runner()
    tests = doctest.DocTestFinder().find(module, module_name, globs=globs)
    assert any(test.examples for test in tests)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
