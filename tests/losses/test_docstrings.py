"""The docstring examples of lamina.losses run and give the values they show."""

import doctest
import importlib

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.docstrings import docstring_runner

MODULES = ["lamina.losses", "lamina.losses.loss", "lamina.losses.losses"]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    runner = docstring_runner()
    for test in doctest.DocTestFinder().find(module, module_name,
                                             globs={"lamina": lamina, "ops": ops, "np": np}):
        runner.run(test)
    assert runner.failures == 0
