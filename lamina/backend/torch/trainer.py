"""torch backend: the training, evaluation and prediction functions.

A step is the trainer's pure function of a `TrainingState` and a batch, as on JAX: the
trainable values are detached copies that require grad, `torch.autograd.grad` gives their
gradients, and the optimizer's `stateless_apply` runs without a graph. With `steps_per_execution
> 1` the steps of a group run one after the other and the logs are computed once, after the last.

Two ways to cut the per-step overhead of running lamina's Python code:
- Steps run eagerly by default (`jit_compile="auto"`, as Keras on torch). For the built-in Adam
  and SGD without clipping, weight decay, EMA, gradient accumulation or constraints, the update
  is fused: the same operations as `update_step`, written in place into copies of the state
  taken once per call, so the numbers do not change.
- `jit_compile=True` traces the step (forward, backward, update) once per input signature into
  a graph of aten operations with `make_fx` and replays it; a step that cannot be traced runs
  eagerly. (torch.compile itself, over lamina's Python, took minutes to compile and ran slower:
  see GAPS.md.)
"""

import logging
import warnings

import numpy as np
import torch

from lamina import tree
from lamina.backend.common.stateless_scope import StatelessScope
from lamina.backend.torch.core import convert_to_tensor

_log = logging.getLogger("lamina")


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
    if isinstance(batch, tuple) and len(batch) == 3 and all(
            b is None or type(b) is np.ndarray for b in batch):
        return tuple(None if b is None else convert_to_tensor(b) for b in batch)
    return tree.map_structure(lambda a: a if a is None else convert_to_tensor(a), batch)


def _detach(structure):
    return tree.map_structure(
        lambda t: t.detach() if isinstance(t, torch.Tensor) else t, structure)


def _differentiable(value):
    value = value.detach()
    if value.dtype.is_floating_point or value.dtype.is_complex:
        value.requires_grad_(True)
    return value


def _gradients(loss, trainable):
    """The gradient of `loss` for each of `trainable` (zeros where it does not depend on it)."""
    wrt = [v for v in trainable if v.requires_grad]
    found = torch.autograd.grad(loss, wrt, allow_unused=True) if wrt and loss.requires_grad \
        else [None] * len(wrt)
    by_id = {id(v): g for v, g in zip(wrt, found)}
    grads = [by_id.get(id(v)) for v in trainable]
    return [torch.zeros_like(v) if g is None else g for v, g in zip(trainable, grads)]


def _state_step(trainer, state, data, update=None):
    """A training step's new `TrainingState` (no logs); `update` is a fused optimizer update
    or None for the optimizer's own `stateless_apply`."""
    from lamina.trainers.trainer import TrainingState

    x, y, sample_weight = data
    trainable = [_differentiable(v) for v in state.trainable]
    with torch.enable_grad():
        loss, (y_pred, non_trainable, terms) = trainer._loss_and_updates(
            trainable, state.non_trainable, x, y, sample_weight, True)
    grads = _gradients(loss, trainable)
    with torch.no_grad():
        loss, y_pred, non_trainable, terms = _detach((loss, y_pred, non_trainable, terms))
        trainable_values = [v.detach() for v in trainable]
        if update is not None:
            trainable_values, optimizer_values = update(
                state.optimizer, grads, trainable_values)
        else:
            trainable_values, optimizer_values = trainer.optimizer.stateless_apply(
                state.optimizer, grads, trainable_values)
            trainable_values = trainer._apply_constraints(trainable_values)
        metrics = trainer._stateless_update_metrics(
            state.metrics, loss, terms, y, y_pred, sample_weight)
    return TrainingState(list(trainable_values), list(non_trainable), list(optimizer_values),
                         list(metrics))


def train_step(trainer, state, data):
    """One step: gradients by `torch.autograd.grad`, then optimizer, constraints, metrics."""
    from lamina.trainers.trainer import TrainingState

    state = _state_step(trainer, TrainingState(*state), data)
    with torch.no_grad():
        logs = trainer._stateless_metric_results(state.metrics)
    return logs, state


# -- fused optimizer updates ---------------------------------------------------------------------


def _fused_update(trainer):
    """`update(optimizer_values, grads, trainable_values) -> (trainable, optimizer)` written in
    place, for a plain built-in Adam or SGD; None otherwise (the optimizer's own update runs).

    The operations are those of the optimizer's `update_step`, in the same order and dtype, so
    the numbers are the same; the temporaries go to two scratch buffers reused for every
    variable instead of new tensors (allocating large tensors costs more than the arithmetic).
    """
    from lamina.optimizers.adam import Adam
    from lamina.optimizers.sgd import SGD

    optimizer = trainer.optimizer
    kind = type(optimizer)
    if kind not in (Adam, SGD) or not getattr(optimizer, "built", False):
        return None
    if (optimizer.weight_decay is not None or optimizer.clipnorm or optimizer.clipvalue
            or optimizer.global_clipnorm or optimizer.use_ema
            or optimizer.gradient_accumulation_steps or optimizer.loss_scale_factor is not None):
        return None
    variables = list(trainer.trainable_variables)
    if [id(v) for v in variables] != [id(v) for v in optimizer._trainable_variables]:
        return None
    for variable in variables:
        if (getattr(variable, "constraint", None) is not None
                or optimizer._overwrite_variable_with_gradient(variable)
                or variable.dtype not in ("float16", "bfloat16", "float32", "float64")):
            return None
    position = {id(v): i for i, v in enumerate(optimizer.variables)}
    iterations_at = position[id(optimizer._iterations)]
    scratch = _Scratch()

    def slots(slot_variables):
        return [position[id(slot_variables[optimizer._get_variable_index(v)])]
                for v in variables]

    def learning_rate(optimizer_values, dtype):
        # The learning rate variable, or a schedule evaluated at the iteration count.
        mapping = list(zip(optimizer.variables, optimizer_values))
        with StatelessScope(state_mapping=mapping):
            return convert_to_tensor(optimizer.learning_rate).to(dtype)

    if kind is Adam:
        m_at, v_at = slots(optimizer._momentums), slots(optimizer._velocities)
        hat_at = slots(optimizer._velocity_hats) if optimizer.amsgrad else None
        beta_1, beta_2, epsilon = optimizer.beta_1, optimizer.beta_2, optimizer.epsilon

        def update(optimizer_values, grads, trainable_values):
            optimizer_values = list(optimizer_values)
            iterations = optimizer_values[iterations_at]
            factors = {}
            for i, (param, grad) in enumerate(zip(trainable_values, grads)):
                dtype = param.dtype
                if dtype not in factors:
                    lr = learning_rate(optimizer_values, dtype)
                    local_step = (iterations + 1).to(dtype)
                    beta_1_power = torch.pow(torch.tensor(beta_1, dtype=dtype), local_step)
                    beta_2_power = torch.pow(torch.tensor(beta_2, dtype=dtype), local_step)
                    factors[dtype] = lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)
                alpha = factors[dtype]
                m, v = optimizer_values[m_at[i]], optimizer_values[v_at[i]]
                step, other = scratch.pair(param)
                # m += (g - m) * (1 - beta_1)
                torch.sub(grad, m, out=step)
                step.mul_(1 - beta_1)
                m.add_(step)
                # v += (g^2 - v) * (1 - beta_2)
                torch.mul(grad, grad, out=step)
                step.sub_(v)
                step.mul_(1 - beta_2)
                v.add_(step)
                if hat_at is not None:
                    v_hat = optimizer_values[hat_at[i]]
                    torch.maximum(v_hat, v, out=v_hat)
                    v = v_hat
                # variable -= m * alpha / (sqrt(v) + epsilon)
                torch.mul(m, alpha, out=step)
                torch.sqrt(v, out=other)
                other.add_(epsilon)
                step.div_(other)
                param.sub_(step)
            optimizer_values[iterations_at] = iterations + 1
            return trainable_values, optimizer_values

        return update

    momentum_at = slots(optimizer.momentums) if optimizer.momentum != 0 else None
    momentum, nesterov = optimizer.momentum, optimizer.nesterov

    def update(optimizer_values, grads, trainable_values):
        optimizer_values = list(optimizer_values)
        iterations = optimizer_values[iterations_at]
        rates = {}
        for i, (param, grad) in enumerate(zip(trainable_values, grads)):
            dtype = param.dtype
            if dtype not in rates:
                rates[dtype] = (learning_rate(optimizer_values, dtype),
                                torch.tensor(momentum, dtype=dtype))
            lr, factor = rates[dtype]
            scaled, other = scratch.pair(param)
            torch.mul(grad, lr, out=scaled)
            if momentum_at is None:
                param.sub_(scaled)
                continue
            # m = m * momentum - g * lr
            m = optimizer_values[momentum_at[i]]
            m.mul_(factor)
            m.sub_(scaled)
            if nesterov:
                torch.mul(m, factor, out=other)
                other.sub_(scaled)
                param.add_(other)
            else:
                param.add_(m)
        optimizer_values[iterations_at] = iterations + 1
        return trainable_values, optimizer_values

    return update


class _Scratch:
    """Two buffers per dtype and device, as large as the largest variable, lent as views."""

    def __init__(self):
        self.buffers = {}
        self.views = {}

    def pair(self, like):
        key = (like.dtype, like.device, like.shape)
        views = self.views.get(key)
        if views is not None:
            return views
        size = like.numel()
        found = self.buffers.get(key[:2])
        if found is None or found[0].numel() < size:
            found = tuple(torch.empty(size, dtype=like.dtype, device=like.device)
                          for _ in range(2))
            self.buffers[key[:2]] = found
            self.views = {}
        views = self.views[key] = tuple(b[:size].view(like.shape) for b in found)
        return views


def _owned(state, update):
    """The state with the trainable and optimizer values copied, when `update` will write
    them in place (values held elsewhere, e.g. by the variables, must not change)."""
    if update is None:
        return state
    return state._replace(trainable=[v.clone() for v in state.trainable],
                          optimizer=[v.clone() for v in state.optimizer])


# -- jit_compile=True: the step traced into an aten graph ---------------------------------------


class _Traced:
    """`function(state, batch) -> state` traced once per input signature (shapes, dtypes,
    structure) into a graph of aten operations — forward, backward and update — by
    `make_fx` on fake tensors, then replayed without running lamina's Python code.

    A step that cannot be traced (it reads a tensor's value in Python: seeded random
    draws, `cond` on a tensor, NumPy round trips) runs eagerly from then on; the fallback is
    logged, never warned about. Warnings raised while tracing are re-raised once.
    """

    max_signatures = 8

    def __init__(self, function):
        self.function = function
        self.graphs = {}
        self.failed = None

    def __call__(self, state, batch):
        from lamina.trainers.trainer import TrainingState

        if self.failed is not None:
            return self.function(state, batch)
        structure = (tuple(state), batch)
        leaves = tree.flatten(structure)
        key = _skeleton(structure)
        entry = self.graphs.get(key)
        if entry is None:
            if len(self.graphs) >= self.max_signatures:
                return self.function(state, batch)
            entry = self._trace(structure, leaves)
            if entry is None:
                return self.function(state, batch)
            self.graphs[key] = entry
        graph, output_structure = entry
        outputs = graph(*[leaf for leaf in leaves if isinstance(leaf, torch.Tensor)])
        return TrainingState(*tree.pack_sequence_as(output_structure, list(outputs)))

    def _trace(self, structure, leaves):
        from torch.fx.experimental.proxy_tensor import make_fx

        from lamina.trainers.trainer import TrainingState

        tensor_at = [i for i, leaf in enumerate(leaves) if isinstance(leaf, torch.Tensor)]
        found = {}

        def flat(*tensors):
            merged = list(leaves)
            for i, tensor in zip(tensor_at, tensors):
                merged[i] = tensor
            state, batch = tree.pack_sequence_as(structure, merged)
            new_state = tuple(self.function(TrainingState(*state), batch))
            outputs = tree.flatten(new_state)
            if not all(isinstance(o, torch.Tensor) for o in outputs):
                raise TypeError("the step returned values that are not tensors")
            found["structure"] = new_state
            return tuple(outputs)

        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                graph = make_fx(flat, tracing_mode="fake")(*[leaves[i] for i in tensor_at])
        except Exception as error:  # noqa: BLE001 - any tracing failure runs eagerly
            self.failed = f"{type(error).__name__}: {str(error)[:200]}"
            _log.info("jit_compile=True on torch: the step cannot be traced, running it "
                      "eagerly (%s).", self.failed)
            return None
        for warning in caught:
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
        _simplify(graph)
        return graph, found["structure"]


def _simplify(graph):
    """Merges the graph's repeated computations (e.g. the optimizer's bias corrections,
    traced once per variable); best effort, as the helper is internal to torch."""
    try:
        from torch._functorch.compile_utils import fx_graph_cse
    except ImportError:
        return
    graph.graph = fx_graph_cse(graph.graph)
    graph.graph.eliminate_dead_code()
    graph.recompile()


def _skeleton(x):
    """A hashable description of a structure: nesting, tensor shapes and dtypes, constants."""
    if isinstance(x, torch.Tensor):
        return ("tensor", tuple(x.shape), x.dtype, x.device.type)
    if isinstance(x, dict):
        return ("dict",) + tuple((k, _skeleton(v)) for k, v in sorted(
            x.items(), key=lambda item: str(item[0])))
    if isinstance(x, (list, tuple)):
        return (type(x).__name__,) + tuple(_skeleton(v) for v in x)
    try:
        hash(x)
    except TypeError:
        return ("object", id(x))
    return ("constant", type(x).__name__, x)


def _compile_wanted(trainer, jit):
    """Whether to trace the step: only for `jit_compile=True` (the default "auto" runs
    eagerly, as Keras does on torch; see GAPS.md for the measurements)."""
    return bool(jit) and getattr(trainer, "jit_compile", "auto") is True


# -- the functions the trainer calls -------------------------------------------------------------


def _overridden(trainer, step_name):
    from lamina.trainers.trainer import Trainer

    return getattr(type(trainer), step_name) is not getattr(Trainer, step_name)


def _test_state_step(trainer, state, data):
    """`Trainer.test_step` without the logs."""
    x, y, sample_weight = data
    loss, (y_pred, non_trainable, terms) = trainer._loss_and_updates(
        state.trainable, state.non_trainable, x, y, sample_weight, training=False)
    metrics_values = trainer._stateless_update_metrics(
        state.metrics, loss, terms, y, y_pred, sample_weight)
    return state._replace(non_trainable=list(non_trainable), metrics=list(metrics_values))


class _Runner:
    """Runs the steps of one kind (`train_step` or `test_step`) on batches, over a state.

    A step the user did not override runs without computing logs (they are computed once,
    after the last step of a call); the training step uses the fused optimizer update where
    there is one, or torch.compile with `jit_compile=True`.
    """

    def __init__(self, trainer, step_name, jit):
        self.trainer = trainer
        self.step_name = step_name
        self.custom = _overridden(trainer, step_name)
        self.compiled = None
        if not self.custom and _compile_wanted(trainer, jit):
            inner = _state_step if step_name == "train_step" else _test_state_step
            self.compiled = _Traced(lambda state, data: inner(trainer, state, data))

    def start(self, state):
        """`(state, step)` for one call: `step(state, batch) -> (logs or None, state)`."""
        from lamina.trainers.trainer import TrainingState

        trainer = self.trainer
        state = TrainingState(*state)
        if self.custom:
            method = getattr(trainer, self.step_name)

            def custom(state, batch):
                logs, state = method(state, batch)
                return logs, TrainingState(*state)

            return state, custom
        if self.compiled is not None and self.compiled.failed is None:
            compiled = self.compiled
            return state, lambda state, batch: (None, compiled(state, batch))
        if self.step_name == "test_step":
            return state, lambda state, batch: (None, _test_state_step(trainer, state, batch))
        update = _fused_update(trainer)
        state = _owned(state, update)
        return state, lambda state, batch: (None, _state_step(trainer, state, batch, update))

    def finish(self, logs, state):
        if logs is None:
            logs = self.trainer._stateless_metric_results(state.metrics)
        return logs, state


def _make_stepper(trainer, step_name, steps_per_execution, jit):
    runner = _Runner(trainer, step_name, jit)

    def run(state, group):
        logs = None
        # No graph outside of the forward pass that a training step differentiates.
        with torch.no_grad():
            state, step = runner.start(state)
            for batch in group:
                logs, state = step(state, _to_device(batch))
            return runner.finish(logs, state)

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
    runner = _Runner(trainer, step_name, jit)

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
        with torch.no_grad():
            state, step = runner.start(state)
            for index in indices:
                _, state = step(state, gather(data, index))
            return runner.finish(None, state)

    return run
