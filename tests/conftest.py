"""Shared test setup: the suite runs once per backend, chosen by LAMINA_BACKEND."""

import os

import numpy as np
import pytest

import lamina
from lamina.backend.common import global_state

BACKEND = lamina.backend.backend()
TRAINING_BACKENDS = ("jax", "torch", "tensorflow", "pytensor")


if BACKEND == "torch" and os.environ.get("PYTEST_XDIST_WORKER"):
    # One intra-op thread per xdist worker: the workers already fill the cores, and torch's
    # own thread pool on top of them makes every small op wait on the others.
    import torch

    torch.set_num_threads(1)


def pytest_report_header(config):
    return f"lamina backend: {BACKEND}"


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts with fresh auto-names and the default config."""
    global_state.clear_session()
    floatx, eps, fmt = lamina.backend.floatx(), lamina.backend.epsilon(), lamina.backend.image_data_format()
    yield
    lamina.backend.set_floatx(floatx)
    lamina.backend.set_epsilon(eps)
    lamina.backend.set_image_data_format(fmt)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


requires_training = pytest.mark.skipif(
    BACKEND not in TRAINING_BACKENDS,
    reason=f"the {BACKEND} backend does not train (inference only)",
)


def only_on(*backends, reason):
    """Skips a test on every backend but `backends`, with the given reason."""
    return pytest.mark.skipif(BACKEND not in backends, reason=f"{reason} (backend: {BACKEND})")


os.environ.setdefault("LAMINA_HOME", os.path.join(os.path.dirname(__file__), ".lamina-test-home"))
