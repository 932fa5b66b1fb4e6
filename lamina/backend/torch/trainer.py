"""torch backend: the training, evaluation and prediction functions, run eagerly.

A step is the trainer's pure function of a `TrainingState` and a batch, as on JAX: the
trainable values are detached copies that require grad, `torch.autograd.grad` gives their
gradients, and the optimizer's `stateless_apply` runs without a graph. With
`steps_per_execution > 1` the steps of a group run one after the other (torch.compile of the
step is not used yet: see GAPS.md).
"""

import numpy as np
import torch

from lamina import tree
from lamina.backend.torch.core import convert_to_tensor


def _stack(batches):
    """Stacks a list of `(x, y, sample_weight)` batches on a new leading axis."""
    first = batches[0]

    def stack_part(index):
        parts = [b[index] for b in batches]
        if first[index] is None:
            return None
        return tree.map_structure(lambda *xs: np.stack(xs), *parts)

    return tuple(stack_part(i) for i in range(len(first)))


def _to_device(batch):
    return tree.map_structure(lambda a: a if a is None else convert_to_tensor(a), batch)


def _detach(structure):
    return tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, structure)


def _differentiable(value):
    value = value.detach()
    if value.dtype.is_floating_point or value.dtype.is_complex:
        value.requires_grad_(True)
    return value


def train_step(trainer, state, data):
    """One step: gradients by `torch.autograd.grad`, then optimizer, constraints, metrics."""
    from lamina.trainers.trainer import TrainingState

    state = TrainingState(*state)
    x, y, sample_weight = data
    trainable = [_differentiable(v) for v in state.trainable]
    with torch.enable_grad():
        loss, (y_pred, non_trainable, terms) = trainer._loss_and_updates(
            trainable, state.non_trainable, x, y, sample_weight, True)
    wrt = [v for v in trainable if v.requires_grad]
    found = torch.autograd.grad(loss, wrt, allow_unused=True) if wrt and loss.requires_grad \
        else [None] * len(wrt)
    by_id = {id(v): g for v, g in zip(wrt, found)}
    grads = [by_id.get(id(v)) for v in trainable]
    grads = [torch.zeros_like(v) if g is None else g for v, g in zip(trainable, grads)]
    with torch.no_grad():
        loss, y_pred, non_trainable, terms = _detach((loss, y_pred, non_trainable, terms))
        trainable_values = [v.detach() for v in trainable]
        trainable_values, optimizer_values = trainer.optimizer.stateless_apply(
            state.optimizer, grads, trainable_values)
        trainable_values = trainer._apply_constraints(trainable_values)
        metrics = trainer._stateless_update_metrics(
            state.metrics, loss, terms, y, y_pred, sample_weight)
        logs = trainer._stateless_metric_results(metrics)
    return logs, TrainingState(list(trainable_values), list(non_trainable),
                               list(optimizer_values), list(metrics))


def _make_stepper(trainer, step_name, steps_per_execution, jit):
    from lamina.trainers.trainer import TrainingState

    def run(state, group):
        logs = None
        state = TrainingState(*state)
        # No graph outside of the forward pass that `train_step` differentiates.
        with torch.no_grad():
            for batch in group:
                logs, state = getattr(trainer, step_name)(state, _to_device(batch))
                state = TrainingState(*state)
        return logs, state

    return run


def make_train_function(trainer, steps_per_execution, jit):
    """`(state, [batch, ...]) -> (logs, state)` running `train_step` on each batch."""
    return _make_stepper(trainer, "train_step", steps_per_execution, jit)


def make_test_function(trainer, steps_per_execution, jit):
    """`(state, [batch, ...]) -> (logs, state)` running `test_step` on each batch."""
    return _make_stepper(trainer, "test_step", steps_per_execution, jit)


def output_spec(trainer, state, x):
    """The outputs of `predict_step(state, x)` (their shapes and dtypes are what is used)."""
    with torch.no_grad():
        return trainer.predict_step(state, _to_device(x))


def make_predict_function(trainer, steps_per_execution, jit):
    """`((trainable, non_trainable), x) -> y_pred`."""

    def run(state, x):
        with torch.no_grad():
            return trainer.predict_step(state, _to_device(x))

    return run


def put_on_device(data):
    """The whole dataset, `(x, y, sample_weight)`, moved to the device once."""
    return _to_device(data)


def make_indexed_function(trainer, step_name, jit):
    """`(state, data, rows, rest) -> (logs, state)` over device-resident `data`: one step per
    row of sample indices in `rows` (or None), then one on the indices `rest` (or None)."""
    from lamina.trainers.trainer import TrainingState

    def gather(data, index):
        positions = None
        for leaf in tree.flatten(data):
            if isinstance(leaf, torch.Tensor):
                positions = torch.as_tensor(index, dtype=torch.long, device=leaf.device)
                break
        return tree.map_structure(lambda a: a if a is None else a[positions], data)

    def run(state, data, rows, rest):
        indices = list(rows) if rows is not None else []
        if rest is not None:
            indices.append(rest)
        state = TrainingState(*state)
        with torch.no_grad():
            for index in indices:
                _, state = getattr(trainer, step_name)(state, gather(data, index))
                state = TrainingState(*state)
            logs = trainer._stateless_metric_results(state.metrics)
        return logs, state

    return run
