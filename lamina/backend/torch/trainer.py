"""torch backend: the training, evaluation and prediction functions.

A step is the trainer's pure function of a `TrainingState` and a batch, as on JAX: the
trainable values are detached copies that require grad, `torch.autograd.grad` gives their
gradients, and the optimizer's `stateless_apply` runs without a graph. With `steps_per_execution
> 1` the steps of a group run one after the other and the logs are computed once, after the last.

Two ways to cut the per-step overhead of running lamina's Python code, neither changing the
numbers:
- For the built-in Adam and SGD without clipping, weight decay, EMA, gradient accumulation or
  constraints, the update is fused: the operations of `update_step`, each one
  `torch._foreach_*` call over all variables, written in place into copies of the state taken
  once per call.
- The step is traced (forward, backward, update) into a graph of aten operations and replayed
  (_graph.py): per input signature at once with `jit_compile=True`; with the default "auto",
  once eager steps have cost about what tracing does and only when the model, its layers,
  loss, metrics and optimizer are lamina's own (user code may keep Python state that a replay
  would not update). A step that cannot be traced runs eagerly. (torch.compile itself, over
  lamina's Python, took minutes to compile and ran slower: see GAPS.md.)
"""

import itertools
import types
import weakref

import numpy as np
import torch

from lamina import tree
from lamina.backend.common.stateless_scope import StatelessScope
from lamina.backend.torch import _graph as graph
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
    the numbers are the same; each is one `torch._foreach_*` call over all the variables, and
    the temporaries go to scratch buffers reused at every step instead of new tensors
    (allocating large tensors costs more than the arithmetic).
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

    def by_dtype(values):
        """`(dtype, [indices])` groups of the variables (foreach calls need one dtype)."""
        groups = {}
        for i, param in enumerate(values):
            groups.setdefault(param.dtype, []).append(i)
        return groups.items()

    if kind is Adam:
        m_at, v_at = slots(optimizer._momentums), slots(optimizer._velocities)
        hat_at = slots(optimizer._velocity_hats) if optimizer.amsgrad else None
        beta_1, beta_2, epsilon = optimizer.beta_1, optimizer.beta_2, optimizer.epsilon

        def update(optimizer_values, grads, trainable_values):
            optimizer_values = list(optimizer_values)
            iterations = optimizer_values[iterations_at]
            for dtype, group in by_dtype(trainable_values):
                lr = learning_rate(optimizer_values, dtype)
                local_step = (iterations + 1).to(dtype)
                beta_1_power = torch.pow(torch.tensor(beta_1, dtype=dtype), local_step)
                beta_2_power = torch.pow(torch.tensor(beta_2, dtype=dtype), local_step)
                alpha = lr * torch.sqrt(1 - beta_2_power) / (1 - beta_1_power)
                params = [trainable_values[i] for i in group]
                g = [grads[i] for i in group]
                m = [optimizer_values[m_at[i]] for i in group]
                v = [optimizer_values[v_at[i]] for i in group]
                into = scratch.of(params)
                # m += (g - m) * (1 - beta_1)
                step = into(0, "sub", g, m)
                torch._foreach_mul_(step, 1 - beta_1)
                torch._foreach_add_(m, step)
                # v += (g^2 - v) * (1 - beta_2)
                step = into(0, "mul", g, g)
                torch._foreach_sub_(step, v)
                torch._foreach_mul_(step, 1 - beta_2)
                torch._foreach_add_(v, step)
                if hat_at is not None:
                    v_hat = [optimizer_values[hat_at[i]] for i in group]
                    torch._foreach_maximum_(v_hat, v)
                    v = v_hat
                # variable -= m * alpha / (sqrt(v) + epsilon)
                step = into(0, "mul", m, alpha)
                other = into(1, "sqrt", v)
                torch._foreach_add_(other, epsilon)
                torch._foreach_div_(step, other)
                torch._foreach_sub_(params, step)
            optimizer_values[iterations_at] = iterations + 1
            return trainable_values, optimizer_values

        return update

    momentum_at = slots(optimizer.momentums) if optimizer.momentum != 0 else None
    momentum, nesterov = optimizer.momentum, optimizer.nesterov

    def update(optimizer_values, grads, trainable_values):
        optimizer_values = list(optimizer_values)
        iterations = optimizer_values[iterations_at]
        for dtype, group in by_dtype(trainable_values):
            lr = learning_rate(optimizer_values, dtype)
            params = [trainable_values[i] for i in group]
            into = scratch.of(params)
            scaled = into(0, "mul", [grads[i] for i in group], lr)
            if momentum_at is None:
                torch._foreach_sub_(params, scaled)
                continue
            # m = m * momentum - g * lr
            factor = torch.tensor(momentum, dtype=dtype)
            m = [optimizer_values[momentum_at[i]] for i in group]
            torch._foreach_mul_(m, factor)
            torch._foreach_sub_(m, scaled)
            if nesterov:
                other = into(1, "mul", m, factor)
                torch._foreach_sub_(other, scaled)
                torch._foreach_add_(params, other)
            else:
                torch._foreach_add_(params, m)
        optimizer_values[iterations_at] = iterations + 1
        return trainable_values, optimizer_values

    return update


class _Scratch:
    """Temporaries for the fused updates: two scratch tensors per variable, views of two
    buffers per dtype and device reused at every step; while a step is traced, new tensors
    (the graph allocates them, as small models want)."""

    def __init__(self):
        self.views = {}

    def of(self, likes):
        """`into(slot, name, *operands)`: `torch._foreach_<name>(*operands)` written into the
        scratch tensors of `slot` (0 or 1), which it returns."""
        if graph.tracing():
            return lambda slot, name, *operands: getattr(torch, f"_foreach_{name}")(*operands)
        key = tuple((t.dtype, t.device, t.shape) for t in likes)
        views = self.views.get(key)
        if views is None:
            first = likes[0]
            size = sum(t.numel() for t in likes)
            views = self.views[key] = tuple(
                _split(torch.empty(size, dtype=first.dtype, device=first.device), likes)
                for _ in range(2))

        def into(slot, name, *operands):
            # One `torch.<name>(..., out=)` per variable: a single pass over memory, which
            # large variables want (a copy, then an in-place foreach op, is two).
            function, out = getattr(torch, name), views[slot]
            lists = [o if isinstance(o, list) else itertools.repeat(o) for o in operands]
            for target, *args in zip(out, *lists):
                function(*args, out=target)
            return out

        return into


def _split(buffer, likes):
    views, start = [], 0
    for like in likes:
        views.append(buffer[start:start + like.numel()].view(like.shape))
        start += like.numel()
    return views


def _owned(state, update):
    """The state with the trainable and optimizer values copied, when `update` will write
    them in place (values held elsewhere, e.g. by the variables, must not change)."""
    if update is None:
        return state
    return state._replace(trainable=[v.clone() for v in state.trainable],
                          optimizer=[v.clone() for v in state.optimizer])


# Per model: seconds its steps have run eagerly, toward tracing them (_graph.Traced).
_EAGER_SECONDS = weakref.WeakKeyDictionary()


def _compile_wanted(trainer, jit):
    """How to trace the steps: "always" with `jit_compile=True`; "adaptive" with the default
    "auto" when the model and what it was compiled with are lamina's own classes (see
    _graph.Traced); None otherwise (eager, as Keras on torch): a user's layer, loss or metric
    may keep Python state that a replayed graph would not update."""
    setting = getattr(trainer, "jit_compile", "auto")
    if not jit or setting is False:
        return None
    if setting is True:
        return "always"
    return "adaptive" if setting == "auto" and _lamina_only(trainer) else None


def _lamina_only(trainer):
    from lamina.layers.core.lambda_layer import Lambda
    from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper

    from lamina.layers.rnn.gru import GRU
    from lamina.layers.rnn.lstm import LSTM

    for layer in trainer._flatten_layers(include_self=True):
        if not _is_lamina(layer) or isinstance(layer, (Lambda, TorchModuleWrapper)):
            return False
        if isinstance(layer, (LSTM, GRU)) and layer.use_cudnn in ("auto", True):
            return False  # torch's fused kernel is the fast path, and its trace cannot replay
    compiled = [trainer.optimizer, trainer.loss]
    metrics = getattr(trainer, "_compile_metrics", None)
    if metrics is not None:
        compiled += [metrics._metrics_arg, metrics._weighted_arg]
    return all(_is_lamina(item) for item in tree.flatten(compiled)
               if item is not None and not isinstance(item, str))


def _is_lamina(item):
    plain = isinstance(item, (types.FunctionType, types.BuiltinFunctionType, type))
    module = (item if plain else type(item)).__module__
    return module == "lamina" or module.startswith("lamina.")


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
    there is one; with `jit_compile=True` the step is traced into a graph and replayed
    (_graph.py).
    """

    def __init__(self, trainer, step_name, jit):
        self.trainer = trainer
        self.step_name = step_name
        self.jit = jit
        self.custom = _overridden(trainer, step_name)
        self.update = None  # made at the first call, when the optimizer is built
        self.traced = None

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
        if self.step_name == "test_step":
            def plain(state, batch):
                return _test_state_step(trainer, state, batch)
        else:
            if self.update is None:
                self.update = [_fused_update(trainer)]
            update = self.update[0]
            state = _owned(state, update)

            def plain(state, batch):
                return _state_step(trainer, state, batch, update)
        if self.traced is None:
            how = _compile_wanted(trainer, self.jit)
            self.traced = how and graph.Traced(
                plain, name=self.step_name.replace("_", " "), adaptive=how == "adaptive",
                eager_seconds=_EAGER_SECONDS.setdefault(trainer, [0.0]))
        if self.traced and self.traced.failed is None:
            traced = self.traced
            return state, lambda state, batch: (None, traced(state, batch))
        return state, lambda state, batch: (None, plain(state, batch))

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
