"""jax backend: the compiled training, evaluation and prediction functions.

A step is the trainer's pure function of a `TrainingState` and a batch. `jax.jit` compiles
it once per input shape; with `steps_per_execution > 1`, `jax.lax.scan` runs that many steps
inside one compiled call over batches stacked on a leading axis.
"""

import functools

import jax
import numpy as np


def _stack(batches):
    """Stacks a list of `(x, y, sample_weight)` batches on a new leading axis."""
    from lamina import tree

    first = batches[0]

    def stack_part(index):
        parts = [b[index] for b in batches]
        if first[index] is None:
            return None
        return tree.map_structure(lambda *xs: np.stack(xs), *parts)

    return tuple(stack_part(i) for i in range(len(first)))


# Steps of models with at most this many weights, and without convolutions or inner loops, are
# compiled with XLA's cheapest optimization level: their time goes to per-call overhead, not
# to the generated code, and compiling takes about a third less time. Everything else gets
# XLA's full optimization (convolutions and recurrent loops run several times slower without).
_SMALL_MODEL_WEIGHTS = 100_000


def _plan(trainer, function, *args):
    """`(loops_well, jit)` for `function`, from one abstract trace of it on `args`.

    `loops_well`: whether XLA runs it as fast inside a loop as on its own: not on the CPU
    when it has convolutions (their gradients run many times slower inside a while loop).
    `jit`: `jax.jit` with the XLA options that suit it.
    """
    text = str(jax.make_jaxpr(function)(*args))
    has_conv = "conv_general_dilated" in text
    has_loop = "while[" in text or "scan[" in text
    loops_well = jax.default_backend() != "cpu" or not has_conv
    size = sum(int(np.prod(v.shape)) for v in trainer.trainable_variables)
    if size <= _SMALL_MODEL_WEIGHTS and not has_conv and not has_loop:
        return loops_well, functools.partial(
            jax.jit, compiler_options={"xla_backend_optimization_level": 0})
    return loops_well, jax.jit


def _to_device(batch):
    # One transfer call for the whole structure (None leaves stay None).
    return jax.device_put(batch)


def train_step(trainer, state, data):
    """One step: gradients by `jax.value_and_grad`, then optimizer, constraints, metrics."""
    from lamina.trainers.trainer import TrainingState

    state = TrainingState(*state)
    x, y, sample_weight = data
    grad_fn = jax.value_and_grad(trainer._loss_and_updates, has_aux=True)
    (loss, (y_pred, non_trainable, terms)), grads = grad_fn(
        state.trainable, state.non_trainable, x, y, sample_weight, True)
    trainable, optimizer_values = trainer.optimizer.stateless_apply(
        state.optimizer, grads, state.trainable)
    trainable = trainer._apply_constraints(trainable)
    metrics = trainer._stateless_update_metrics(
        state.metrics, loss, terms, y, y_pred, sample_weight)
    logs = trainer._stateless_metric_results(metrics)
    return logs, TrainingState(list(trainable), list(non_trainable), list(optimizer_values),
                               list(metrics))


def _make_stepper(trainer, step_name, steps_per_execution, jit):
    from lamina.trainers.trainer import TrainingState

    def one(state, data):
        logs, new_state = getattr(trainer, step_name)(TrainingState(*state), data)
        return logs, TrainingState(*new_state)

    def many(state, stacked):
        def body(carry, data):
            _, carry = one(carry, data)
            return carry, None

        state, _ = jax.lax.scan(body, TrainingState(*state), stacked)
        return trainer._stateless_metric_results(state.metrics), state

    if not jit:
        def run_eagerly(state, group):
            logs = None
            for batch in group:
                logs, state = one(state, _to_device(batch))
            return logs, state

        return run_eagerly
    compiled = {}

    def run(state, group):
        if not compiled:
            loops_well, jit_fn = _plan(trainer, one, state, _to_device(group[0]))
            compiled.update(one=jit_fn(one), many=jit_fn(many) if loops_well else None)
        if len(group) > 1 and len(group) == steps_per_execution and compiled["many"]:
            return compiled["many"](state, _to_device(_stack(group)))
        logs = None
        for batch in group:
            logs, state = compiled["one"](state, _to_device(batch))
        return logs, state

    return run


def make_train_function(trainer, steps_per_execution, jit):
    """`(state, [batch, ...]) -> (logs, state)` running `train_step` on each batch."""
    return _make_stepper(trainer, "train_step", steps_per_execution, jit)


def make_test_function(trainer, steps_per_execution, jit):
    """`(state, [batch, ...]) -> (logs, state)` running `test_step` on each batch."""
    return _make_stepper(trainer, "test_step", steps_per_execution, jit)


def put_on_device(data):
    """The whole dataset, `(x, y, sample_weight)`, moved to the device in one transfer."""
    return jax.device_put(data)


def _take(data, index):
    return jax.tree_util.tree_map(lambda a: jax.numpy.take(a, index, axis=0), data)


def make_indexed_function(trainer, step_name, jit):
    """`(state, data, rows, rest) -> (logs, state)` over device-resident `data`.

    `rows` is an int array `(steps, batch_size)` of sample indices (one step per row, all in
    one `lax.scan`) or None; `rest` the indices of a final smaller batch, or None. The batches
    are gathered on the device: nothing but the indices crosses from the host per call.
    Steps that XLA runs slowly inside a loop (see `_plan`) are called one by one.
    """
    from lamina.trainers.trainer import TrainingState

    def one(state, data, index):
        logs, state = getattr(trainer, step_name)(TrainingState(*state), _take(data, index))
        return logs, TrainingState(*state)

    def many(state, data, rows, rest):
        state = TrainingState(*state)
        if rows is not None:
            def body(carry, index):
                return one(carry, data, index)[1], None

            state, _ = jax.lax.scan(body, state, rows)
        if rest is not None:
            state = one(state, data, rest)[1]
        return trainer._stateless_metric_results(state.metrics), state

    if not jit:
        return many
    compiled = {}

    def run(state, data, rows, rest):
        indices = list(rows) if rows is not None else []
        if rest is not None:
            indices.append(rest)
        if not compiled:
            loops_well, jit_fn = _plan(trainer, one, state, data, indices[0])
            compiled.update(one=jit_fn(one), many=jit_fn(many) if loops_well else None)
        if compiled["many"]:
            return compiled["many"](state, data, rows, rest)
        logs = None
        for index in indices:
            logs, state = compiled["one"](state, data, index)
        return logs, state

    return run


def output_spec(trainer, state, x):
    """The shapes and dtypes of `predict_step(state, x)`, traced abstractly (not compiled)."""
    return jax.eval_shape(trainer.predict_step, state, x)


def make_predict_function(trainer, steps_per_execution, jit):
    """`((trainable, non_trainable), x) -> y_pred`."""

    def predict(state, x):
        return trainer.predict_step(state, x)

    if not jit:
        return lambda state, x: predict(state, _to_device(x))
    compiled = []

    def run(state, x):
        if not compiled:
            compiled.append(_plan(trainer, predict, state, x)[1](predict))
        # A batch smaller than a power of two is padded up to it, so that predicting on
        # batches of every size compiles a handful of shapes, not one per size.
        size = _batch_size(x)
        bucket = 1 << max(size - 1, 0).bit_length()
        if size == 0 or bucket == size:
            return compiled[0](state, x)
        padded = jax.tree_util.tree_map(lambda a: _pad(np.asarray(a), bucket - size), x)
        return jax.tree_util.tree_map(lambda a: np.asarray(a)[:size],
                                      compiled[0](state, padded))

    return run


def _pad(array, extra):
    return np.concatenate([array, np.zeros((extra,) + array.shape[1:], array.dtype)])


def _batch_size(x):
    leaves = jax.tree_util.tree_leaves(x)
    return int(leaves[0].shape[0]) if leaves and np.ndim(leaves[0]) else 0
