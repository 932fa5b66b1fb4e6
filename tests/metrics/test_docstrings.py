"""The docstring examples of lamina.metrics run and give the values they show."""

import doctest
import importlib

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.docstrings import docstring_runner

MODULES = ["lamina.metrics"] + [f"lamina.metrics.{name}" for name in (
    "metric", "reduction_metrics", "accuracy_metrics", "confusion_metrics", "regression_metrics",
    "iou_metrics", "probabilistic_metrics", "f_score_metrics", "hinge_metrics",
    "correlation_metrics")]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples(module_name):
    module = importlib.import_module(module_name)
    runner = docstring_runner()
    for test in doctest.DocTestFinder().find(module, module_name,
                                             globs={"lamina": lamina, "ops": ops, "np": np}):
        runner.run(test)
    assert runner.failures == 0
