"""The docstring examples of lamina.ops.image run and give the values they show."""

import doctest

import numpy as np

import lamina
from lamina import ops
from lamina.ops import image
from tests.docstrings import docstring_runner


def test_docstring_examples():
    runner = docstring_runner()
    globs = {"lamina": lamina, "ops": ops, "np": np}
    tests = doctest.DocTestFinder().find(image, image.__name__, globs=globs)
    assert len([t for t in tests if t.examples]) >= 17
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
