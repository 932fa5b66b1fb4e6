"""The docstring examples of the core ops, rearrange and lamina.random run and give the values
they show."""

import doctest

import numpy as np
import pytest

import lamina
from lamina import ops
from lamina.ops import core, einops
from lamina.random import random as random_functions
from lamina.random import seed_generator
from tests.docstrings import docstring_runner

BACKEND = lamina.backend.backend()
CORE_OPS = ("cond", "switch", "while_loop", "fori_loop", "scan", "map", "vectorized_map",
            "associative_scan", "slice", "slice_update", "scatter", "scatter_update", "unstack",
            "saturate_cast", "custom_gradient", "jvp")


def _run(module, names=None):
    runner = docstring_runner()
    globs = {"lamina": lamina, "ops": ops, "np": np}
    tests = doctest.DocTestFinder().find(module, module.__name__, globs=globs)
    ran = 0
    for test in tests:
        name = test.name.rpartition(".")[2]
        if names is not None and name not in names or not test.examples:
            continue
        if name == "jvp" and BACKEND == "numpy":
            continue  # the numpy backend has no automatic differentiation
        runner.run(test)
        ran += 1
    assert runner.failures == 0
    return ran


def test_core_op_examples():
    assert _run(core, CORE_OPS) >= len(CORE_OPS) - (BACKEND == "numpy")


@pytest.mark.parametrize("module", [einops, random_functions, seed_generator],
                         ids=["einops", "random", "seed_generator"])
def test_module_examples(module):
    assert _run(module) >= 1
