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


def make_predict_function(trainer, steps_per_execution, jit):
    """`((trainable, non_trainable), x) -> y_pred`, eagerly."""

    def run(state, x):
        return trainer.predict_step(state, _to_device(x))

    return run
