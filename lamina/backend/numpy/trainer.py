"""numpy backend: evaluation and prediction run eagerly; training is refused."""

import numpy as np


def _stack(batches):
    return batches


def _to_device(batch):
    from lamina import tree

    return tree.map_structure(lambda a: a if a is None else np.asarray(a), batch)


def train_step(trainer, state, data):
    """The numpy backend has no gradients: training raises a clear error."""
    raise RuntimeError(
        "The 'numpy' backend does not train models (it has no automatic differentiation). "
        "Use a training backend, e.g. LAMINA_BACKEND=jax."
    )


def _make_stepper(trainer, step_name, steps_per_execution, jit):
    from lamina.trainers.trainer import TrainingState

    def run(state, group):
        logs = None
        for batch in group:
            logs, state = getattr(trainer, step_name)(TrainingState(*state), _to_device(batch))
        return logs, TrainingState(*state)

    return run


def make_train_function(trainer, steps_per_execution, jit):
    """Raises: the numpy backend does not train."""
    return train_step(trainer, None, None)


def make_test_function(trainer, steps_per_execution, jit):
    """`(state, [batch, ...]) -> (logs, state)`, eagerly."""
    return _make_stepper(trainer, "test_step", steps_per_execution, jit)


def put_on_device(data):
    """The whole dataset, `(x, y, sample_weight)`, as NumPy arrays (already on the host)."""
    return _to_device(data)


def make_indexed_function(trainer, step_name, jit):
    """`(state, data, rows, rest) -> (logs, state)`: one step per row of sample indices in
    `rows` (or None), then one on the indices `rest` (or None), eagerly."""
    from lamina import tree
    from lamina.trainers.trainer import TrainingState

    def take(data, index):
        return tree.map_structure(lambda a: a if a is None else a[index], data)

    def run(state, data, rows, rest):
        if step_name == "train_step":
            train_step(trainer, state, data)
        state = TrainingState(*state)
        indices = list(rows) if rows is not None else []
        if rest is not None:
            indices.append(rest)
        for index in indices:
            _, state = getattr(trainer, step_name)(state, take(data, index))
            state = TrainingState(*state)
        return trainer._stateless_metric_results(state.metrics), state

    return run


def output_spec(trainer, state, x):
    """The outputs of `predict_step(state, x)` (their shapes and dtypes are what is used)."""
    return trainer.predict_step(state, _to_device(x))


def make_predict_function(trainer, steps_per_execution, jit):
    """`((trainable, non_trainable), x) -> y_pred`, eagerly."""

    def run(state, x):
        return trainer.predict_step(state, _to_device(x))

    return run
