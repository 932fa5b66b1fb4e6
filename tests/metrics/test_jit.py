"""Every metric inside `jax.jit`: stateless updates of traced state give the stateful numbers.

This is how the compiled training step uses metrics (see notes on the training contract).
"""

import numpy as np
import pytest

import lamina
from lamina import ops
from tests.metrics.cases import CASES, batches, update, update_args

pytestmark = pytest.mark.skipif(lamina.backend.backend() != "jax",
                                reason="jax.jit needs the jax backend")


def np_value(x):
    return np.asarray(ops.convert_to_numpy(x), dtype=np.float64)


@pytest.mark.parametrize("name", sorted(CASES))
def test_metric_under_jit(name):
    import jax

    factory, kind = CASES[name]
    data = batches(kind)
    stateful = factory()
    for batch in data:
        update(stateful, batch)

    metric = factory()
    if not metric.variables:  # variables made on the first update: build eagerly first
        update(metric, data[0])
        metric.reset_state()

    @jax.jit
    def step(state, args, kwargs):
        state = metric.stateless_update_state(state, *args, **kwargs)
        return state, metric.stateless_result(state)

    state = metric.stateless_reset_state()
    for batch in data:
        args, kwargs = update_args(batch)
        state, result = step(state, args, kwargs)
    np.testing.assert_allclose(np_value(result), np_value(stateful.result()), rtol=1e-5,
                               atol=1e-6)
