"""The docstring examples of the preprocessing layers run and give the values they show."""

import pytest

from tests.docstrings import check_layer_module_examples

MODULES = ["normalization", "rescaling", "resizing", "category_encoding", "discretization",
           "hashing", "integer_lookup", "string_lookup", "text_vectorization", "pipeline", "spectrogram"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    check_layer_module_examples(f"lamina.layers.preprocessing.{name}")
