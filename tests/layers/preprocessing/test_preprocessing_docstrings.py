"""The docstring examples of the preprocessing layers run and give the values they show."""

import doctest

from tests.docstrings import docstring_runner
import importlib

import numpy as np
import pytest

import lamina

MODULES = ["normalization", "rescaling", "resizing", "category_encoding", "discretization",
           "hashing", "integer_lookup", "string_lookup", "text_vectorization", "pipeline", "spectrogram"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module_name = f"lamina.layers.preprocessing.{name}"
    module = importlib.import_module(module_name)
    globs = {**vars(module), **vars(lamina.layers), "lamina": lamina, "np": np}
    runner = docstring_runner()
    tests = doctest.DocTestFinder().find(module, module_name, globs=globs)
    assert any(test.examples for test in tests)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
