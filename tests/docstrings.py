"""A doctest runner for the docstring examples, the same on every backend.

The examples print shapes as Keras shows them, `(2, 3)`. A torch tensor's `.shape` is a
`torch.Size`, which prints as `torch.Size([2, 3])`; the checker reads that as the tuple it is
(`torch.Size` subclasses `tuple`), so one docstring serves every backend.
"""

import doctest
import re

_TORCH_SIZE = re.compile(r"torch\.Size\(\[([^\]]*)\]\)")


def _as_tuple(match):
    items = [item.strip() for item in match.group(1).split(",") if item.strip()]
    if len(items) == 1:
        return f"({items[0]},)"
    return "(" + ", ".join(items) + ")"


class _Checker(doctest.OutputChecker):
    def check_output(self, want, got, optionflags):
        got = _TORCH_SIZE.sub(_as_tuple, got)
        return super().check_output(want, got, optionflags)


def docstring_runner():
    """A `doctest.DocTestRunner` with ELLIPSIS that reads `torch.Size([..])` as a tuple."""
    return doctest.DocTestRunner(checker=_Checker(), optionflags=doctest.ELLIPSIS)


def check_layer_module_examples(module_name):
    """Runs the docstring examples of the layer module `module_name` (with the module's and
    `lamina.layers`' names, `lamina` and `np` in scope); asserts it has some and none fails."""
    import importlib

    import numpy as np

    import lamina

    module = importlib.import_module(module_name)
    globs = {**vars(module), **vars(lamina.layers), "lamina": lamina, "np": np}
    runner = docstring_runner()
    tests = doctest.DocTestFinder().find(module, module_name, globs=globs)
    assert any(test.examples for test in tests)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0
