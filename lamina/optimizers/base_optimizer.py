"""`Optimizer`: the base class of every optimizer, and gradient clipping helpers.

An optimizer is written in stateful style: `build(var_list)` creates slot variables and
`update_step(gradient, variable, learning_rate)` updates one variable with `self.assign*`.
Everything around the update (loss-scale undoing, clipping, weight decay, gradient
accumulation, EMA, the iteration counter) lives here, written with `lamina.ops` only and
without Python branches on tensor values, so `stateless_apply` can run under `jax.jit`.
"""

import re
import warnings

from lamina import backend, ops
from lamina.api_export import export
from lamina.backend.common import global_state
from lamina.backend.common.variables import Variable
from lamina.optimizers.schedules import learning_rate_schedule
from lamina.saving import serialization_lib

@export("lamina.optimizers.Optimizer")
class Optimizer:
    """Base class of optimizers: subclass it and override `build` and `update_step`.

    Args:
        learning_rate: a float, a `LearningRateSchedule`, or a callable of no argument
            returning the rate.
        weight_decay: if set, each step first shrinks variables by
            `variable * weight_decay * learning_rate` (decoupled decay).
        clipnorm: clips each gradient to this L2 norm.
        clipvalue: clips each gradient elementwise to `[-clipvalue, clipvalue]`.
        global_clipnorm: clips all gradients together to this global L2 norm.
        use_ema: whether to keep an exponential moving average of the model's weights.
        ema_momentum: the EMA's momentum: `average = m * average + (1 - m) * value`.
        ema_overwrite_frequency: every this many steps, overwrite the weights with their
            average (None: only when `finalize_variable_values` is called).
        loss_scale_factor: the loss is multiplied by this before differentiation and the
            gradients divided by it before the update.
        gradient_accumulation_steps: if an int >= 2, variables change only every this many
            steps, with the mean of the gradients accumulated since the last change.
        name: the optimizer's name, prefix of its variables' paths.

    Example:
    >>> class PlainSGD(lamina.optimizers.Optimizer):
    ...     def __init__(self, learning_rate=0.01, **kwargs):
    ...         super().__init__(learning_rate=learning_rate, **kwargs)
    ...     def update_step(self, gradient, variable, learning_rate):
    ...         self.assign_sub(variable, ops.multiply(gradient, learning_rate))
    """

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        self._lock = False
        if kwargs.pop("decay", None) is not None:
            warnings.warn("Argument `decay` is no longer supported and will be ignored.",
                          stacklevel=2)
        if kwargs:
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if name is None:
            name = global_state.auto_name(self.__class__.__name__)
        if not isinstance(name, str) or "/" in name:
            raise ValueError(
                f"Argument `name` of {self.__class__.__name__} must be a string without '/', "
                f"received name={name!r}."
            )
        self.name = name
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.clipvalue = clipvalue
        self.use_ema = use_ema
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
        if gradient_accumulation_steps:
            if not isinstance(gradient_accumulation_steps, int) or gradient_accumulation_steps < 2:
                raise ValueError(
                    "`gradient_accumulation_steps` must be an integer >= 2. Received: "
                    f"gradient_accumulation_steps={gradient_accumulation_steps}"
                )
        if use_ema:
            if ema_momentum > 1 or ema_momentum < 0:
                raise ValueError(
                    f"`ema_momentum` must be in the range [0, 1]. Received: "
                    f"ema_momentum={ema_momentum}"
                )
            if ema_overwrite_frequency and (
                not isinstance(ema_overwrite_frequency, int) or ema_overwrite_frequency < 1
            ):
                raise ValueError(
                    "`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                    f"ema_overwrite_frequency={ema_overwrite_frequency}"
                )
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        clip_args = [a for a in (clipnorm, clipvalue, global_clipnorm) if a is not None]
        if len(clip_args) > 1:
            raise ValueError(
                "Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                f"global_clipnorm={global_clipnorm}"
            )
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._trainable_variables_indices = {}

        with backend.name_scope(self.name, caller=self):
            iterations = Variable(0, name="iteration", dtype="int64", trainable=False,
                                  aggregation="only_first_replica")
        self._track_variable(iterations)
        self._iterations = iterations

        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            self._learning_rate = learning_rate
        elif callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if not _is_real_number(learning_rate):
                raise ValueError(
                    "Argument `learning_rate` should be float, or an instance of "
                    "LearningRateSchedule, or a callable (that takes in the current iteration "
                    "value and returns the corresponding learning rate value). Received "
                    f"instead: learning_rate={learning_rate!r}"
                )
            with backend.name_scope(self.name, caller=self):
                learning_rate = Variable(float(learning_rate), name="learning_rate",
                                         dtype=backend.floatx(), trainable=False,
                                         aggregation="only_first_replica")
            self._track_variable(learning_rate)
            self._learning_rate = learning_rate

    # -- variables ----------------------------------------------------------------------------

    def __setattr__(self, name, value):
        if name != "_lock":
            self._check_super_called()
        # A Variable a subclass stores as an attribute is part of the optimizer's state.
        if isinstance(value, Variable) and "_variables" in self.__dict__:
            self._track_variable(value)
        super().__setattr__(name, value)

    def _check_super_called(self):
        if "_lock" not in self.__dict__:
            raise RuntimeError(
                f"In optimizer '{self.__class__.__name__}', you forgot to call "
                "`super().__init__()` as the first statement in the `__init__()` method. "
                "Go add it!"
            )

    def _track_variable(self, variable):
        if not any(v is variable for v in self._variables):
            self._variables.append(variable)

    def _untrack_variable(self, variable):
        self._variables = [v for v in self._variables if v is not variable]

    @property
    def variables(self):
        """The optimizer's state: iterations, the learning rate variable, then the slots."""
        return self._variables[:]

    @property
    def iterations(self):
        """The number of optimizer steps taken (counting accumulated steps as one)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations.value, self.gradient_accumulation_steps)
        return self._iterations

    def _var_key(self, variable):
        return id(variable)

    def _get_variable_index(self, variable):
        return self._trainable_variables_indices[self._var_key(variable)]

    def _overwrite_variable_with_gradient(self, variable):
        return getattr(variable, "overwrite_with_gradient", False)

    def build(self, variables):
        """Creates the optimizer's variables for the model's trainable `variables`."""
        if self.use_ema:
            self._model_variables_moving_average = self.add_optimizer_variables(
                variables, "average"
            )
        if self.gradient_accumulation_steps:
            self._accumulated_gradients = []
        for i, variable in enumerate(variables):
            self._trainable_variables_indices[self._var_key(variable)] = i
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(variable, name="gradient_accumulator")
                )
        self._trainable_variables = list(variables)
        self.built = True

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="none",
                     layout=None, name=None):
        """Creates a non-trainable optimizer variable and tracks it.

        Args:
            shape: the variable's (fully defined) shape.
            initializer: an initializer or its name; "zeros" by default.
            dtype: the dtype; `floatx()` by default.
            aggregation: how replicas combine it.
            layout: accepted for Keras compatibility.
            name: the variable's name.

        Returns:
            The new `lamina.Variable`.
        """
        self._check_super_called()
        from lamina import initializers

        initializer = initializers.get(initializer)
        with backend.name_scope(self.name, caller=self):
            variable = Variable(initializer, shape=shape, dtype=dtype, trainable=False,
                                aggregation=aggregation, name=name)
        self._track_variable(variable)
        return variable

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        """A variable with the shape and dtype of `reference_variable`, named after it.

        Its name is `"{reference path with '_' for '/'}_{name}"`, e.g. "dense_kernel_momentum".
        """
        name = name or "var"
        if hasattr(reference_variable, "path"):
            name = f"{reference_variable.path.replace('/', '_')}_{name}"
        else:
            reference = str(reference_variable.name).replace("/", "_").replace(":", "_")
            name = f"{reference}_{name}"
        return self.add_variable(shape=reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One slot per trainable variable (None for `overwrite_with_gradient` ones).

        Args:
            trainable_variables: the model variables.
            name: a name, or a list of names to create several slots per variable.
            initializer: an initializer, or one per name.

        Returns:
            A list of variables, or a tuple of lists when `name` is a list.
        """
        names = [name] if isinstance(name, str) else list(name)
        if isinstance(name, str):
            inits = [initializer]
        elif isinstance(initializer, (list, tuple)):
            inits = list(initializer)
        else:
            inits = [initializer] * len(names)
        if len(names) != len(inits):
            raise ValueError(
                "The number of provided names must match the number of provided "
                f"initializers. Received name={name!r}, initializer={initializer!r}"
            )
        slots = tuple([] for _ in names)
        for variable in trainable_variables:
            for i, (slot_name, slot_init) in enumerate(zip(names, inits)):
                if self._overwrite_variable_with_gradient(variable):
                    slots[i].append(None)
                else:
                    slots[i].append(self.add_variable_from_reference(
                        variable, name=slot_name, initializer=slot_init))
        return slots[0] if isinstance(name, str) else slots

    def assign(self, variable, value):
        """`variable.assign(value)` (the one place backends may specialize)."""
        variable.assign(value)

    def assign_add(self, variable, value):
        """`variable.assign_add(value)`."""
        variable.assign_add(value)

    def assign_sub(self, variable, value):
        """`variable.assign_sub(value)`."""
        variable.assign_sub(value)

    def update_step(self, gradient, variable, learning_rate):
        """Updates one `variable` from its `gradient`; subclasses implement it."""
        raise NotImplementedError(
            f"{self.__class__.__name__} must implement update_step(gradient, variable, "
            "learning_rate)."
        )

    # -- applying gradients -------------------------------------------------------------------

    def apply_gradients(self, grads_and_vars):
        """Applies `[(gradient, variable), ...]`; returns the iteration counter."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(grads, trainable_variables)
        return self._iterations

    def apply(self, grads, trainable_variables=None):
        """Updates the variables from their gradients (building the optimizer first if needed).

        Args:
            grads: one gradient per variable (None for variables without a gradient).
            trainable_variables: the variables; may be omitted once the optimizer is built.
        """
        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError(
                    "When passing `grads` without `variables`, the optimizer must already be "
                    "built on a list of variables. Call `optimizer.build(trainable_variables)` "
                    "first."
                )
            if len(grads) != len(self._trainable_variables_indices):
                raise ValueError(
                    "When passing `grads` as a list of gradient tensors, the gradients must "
                    f"match the optimizer's variables one-to-one. Received a list of "
                    f"{len(grads)} gradients, but the optimizer is tracking "
                    f"{len(self._trainable_variables)} trainable variables."
                )
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                with backend.name_scope(self.name, caller=self):
                    self.build(trainable_variables)
                self.built = True
            self._check_variables_are_known(trainable_variables)

        with backend.name_scope(self.name, caller=self):
            grads, trainable_variables = self._filter_empty_gradients(grads, trainable_variables)
            grads, trainable_variables = self._overwrite_variables_directly_with_gradients(
                grads, trainable_variables
            )
            if grads:
                if self.loss_scale_factor is not None:
                    grads = [g if g is None else ops.divide(g, self.loss_scale_factor)
                             for g in grads]
                self._backend_apply_gradients(grads, trainable_variables)
                for variable in trainable_variables:
                    constraint = getattr(variable, "constraint", None)
                    if constraint is not None:
                        variable.assign(constraint(variable))
        self._iterations.assign_add(1)

    def _check_variables_are_known(self, variables):
        for v in variables:
            if self._var_key(v) not in self._trainable_variables_indices:
                raise ValueError(
                    f"Unknown variable: {v}. This optimizer can only be called for the "
                    "variables it was originally built with. When working with a new set of "
                    "variables, you should recreate a new optimizer instance."
                )

    def _backend_apply_gradients(self, grads, trainable_variables):
        """Clipping, weight decay, the update, accumulation and EMA — without branches.

        Gradient accumulation and EMA overwrites pick between old and new values with
        `ops.where` instead of a Python or `cond` branch, so the same code runs eagerly and
        inside a compiled, stateless step.
        """
        if self.gradient_accumulation_steps:
            steps = self.gradient_accumulation_steps
            is_update_step = ops.equal(ops.mod(ops.add(self._iterations.value, 1), steps), 0)
            accumulators = [self._accumulated_gradients[self._get_variable_index(v)]
                            for v in trainable_variables]
            old_trainable = [v.value for v in trainable_variables]
            old_optimizer = [v.value for v in self.variables]
            sums = [ops.add(ops.cast(g, acc.dtype), acc.value)
                    for g, acc in zip(grads, accumulators)]
            new_accumulators = [ops.where(is_update_step, ops.zeros_like(s), s) for s in sums]
            grads = [ops.where(is_update_step, ops.divide(s, steps), ops.cast(g, s.dtype))
                     for g, s in zip(grads, sums)]
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables)
            self._backend_update_step(grads, trainable_variables, self.learning_rate)
            for variable, old in zip(trainable_variables, old_trainable):
                variable.assign(ops.where(is_update_step, variable.value, old))
            for variable, old in zip(self.variables, old_optimizer):
                variable.assign(ops.where(is_update_step, variable.value, old))
            for accumulator, value in zip(accumulators, new_accumulators):
                accumulator.assign(value)
        else:
            grads = self._clip_gradients(grads)
            self._apply_weight_decay(trainable_variables)
            self._backend_update_step(grads, trainable_variables, self.learning_rate)

        if self.use_ema:
            self._update_model_variables_moving_average(self._trainable_variables)
            if self.ema_overwrite_frequency:
                overwrite = ops.equal(
                    ops.mod(ops.add(_value(self.iterations), 1), self.ema_overwrite_frequency),
                    0,
                )
                for variable, average in zip(self._trainable_variables,
                                             self._model_variables_moving_average):
                    if average is not None:
                        variable.assign(ops.where(overwrite, average.value, variable.value))

    def _backend_update_step(self, grads, trainable_variables, learning_rate):
        for grad, variable in zip(grads, trainable_variables):
            self.update_step(grad, variable, learning_rate)

    def stateless_apply(self, optimizer_variables, grads, trainable_variables):
        """`apply` as a pure function of values, for compiled training steps.

        Args:
            optimizer_variables: the values of `self.variables`, in order.
            grads: the gradients, one per trainable variable.
            trainable_variables: the values of the variables the optimizer was built with.

        Returns:
            `(new_trainable_values, new_optimizer_values)`, in the same orders.
        """
        self._check_super_called()
        if not self.built:
            raise ValueError(
                f"To call `stateless_apply`, {self.__class__.__name__} must be built (i.e. its "
                "variables must have been created). You can build it via "
                "`optimizer.build(trainable_variables)`."
            )
        if len(optimizer_variables) != len(self.variables):
            raise ValueError(
                "Argument `optimizer_variables` must be a list of tensors corresponding 1:1 to "
                f"{self.__class__.__name__}().variables. Received list with length "
                f"{len(optimizer_variables)}, but expected {len(self.variables)} variables."
            )
        if len(trainable_variables) != len(self._trainable_variables):
            raise ValueError(
                "Argument `trainable_variables` must be a list of tensors corresponding 1:1 to "
                "the trainable variables list that the optimizer was built with. Received "
                f"len(trainable_variables) == {len(trainable_variables)} whereas the optimizer "
                f"was built with {len(self._trainable_variables)} variables."
            )
        mapping = list(zip(self._trainable_variables, trainable_variables))
        mapping += list(zip(self.variables, optimizer_variables))
        with backend.StatelessScope(state_mapping=mapping) as scope:
            self.apply(grads)
        new_trainable = [scope.get_current_value(v) for v in self._trainable_variables]
        new_optimizer = [scope.get_current_value(v) for v in self.variables]
        return new_trainable, new_optimizer

    def scale_loss(self, loss):
        """`loss` times `loss_scale_factor` (unchanged when it is None)."""
        if self.loss_scale_factor is not None:
            return ops.multiply(loss, self.loss_scale_factor)
        return loss

    # -- gradients --------------------------------------------------------------------------

    def _filter_empty_gradients(self, grads, variables):
        kept_grads, kept_vars, missing = [], [], []
        for g, v in zip(grads, variables):
            if g is None:
                missing.append(getattr(v, "path", getattr(v, "name", repr(v))))
            else:
                kept_grads.append(g)
                kept_vars.append(v)
        if not kept_grads:
            raise ValueError("No gradients provided for any variable.")
        if missing:
            warnings.warn(
                f"Gradients do not exist for variables {missing} when minimizing the loss. "
                "If using `model.compile()`, did you forget to provide a `loss` argument?",
                stacklevel=3,
            )
        return kept_grads, kept_vars

    def _overwrite_variables_directly_with_gradients(self, grads, variables):
        """Variables marked `overwrite_with_gradient` take their "gradient" as new value."""
        if not any(self._overwrite_variable_with_gradient(v) for v in variables):
            return grads, variables
        kept_grads, kept_vars = [], []
        for g, v in zip(grads, variables):
            if not self._overwrite_variable_with_gradient(v):
                kept_grads.append(g)
                kept_vars.append(v)
                continue
            if self.gradient_accumulation_steps:
                steps = self.gradient_accumulation_steps
                is_update_step = ops.equal(ops.mod(ops.add(self._iterations.value, 1), steps), 0)
                accumulator = self._accumulated_gradients[self._get_variable_index(v)]
                largest = ops.maximum(g, accumulator.value)
                v.assign(ops.where(is_update_step, largest, v.value))
                accumulator.assign(ops.where(is_update_step, ops.zeros_like(largest), largest))
            else:
                v.assign(g)
        return kept_grads, kept_vars

    def _clip_gradients(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [None if g is None else self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            return clip_by_global_norm(grads, self.global_clipnorm)
        if self.clipvalue and self.clipvalue > 0:
            v = self.clipvalue
            return [None if g is None else ops.clip(g, -v, v) for g in grads]
        return grads

    def _clip_by_norm(self, values, axes=None):
        l2sum = ops.sum(ops.square(values), axis=axes, keepdims=True)
        positive = ops.greater(l2sum, 0)
        # The double `where` keeps the gradient of sqrt at 0 from being NaN.
        safe = ops.where(positive, l2sum, ops.ones_like(l2sum))
        l2norm = ops.where(positive, ops.sqrt(safe), l2sum)
        return ops.divide(ops.multiply(values, self.clipnorm),
                          ops.maximum(l2norm, self.clipnorm))

    # -- weight decay -------------------------------------------------------------------------

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Excludes variables from weight decay; call it before the optimizer is built.

        Args:
            var_list: variables to exclude.
            var_names: substrings (regular expressions); a variable whose name contains
                one is excluded, e.g. `["bias"]`.
        """
        if self.built:
            raise ValueError(
                "`exclude_from_weight_decay()` can only be configured before the optimizer "
                "is built."
            )
        self._exclude_from_weight_decay = {self._var_key(v) for v in var_list or ()}
        if var_names:
            self._exclude_from_weight_decay_pattern = re.compile("|".join(set(var_names)))
        else:
            self._exclude_from_weight_decay_pattern = None
        self._exclude_from_weight_decay_cache = {}

    def _use_weight_decay(self, variable):
        cache = self.__dict__.setdefault("_exclude_from_weight_decay_cache", {})
        key = self._var_key(variable)
        if key not in cache:
            excluded = key in getattr(self, "_exclude_from_weight_decay", set())
            pattern = getattr(self, "_exclude_from_weight_decay_pattern", None)
            if pattern is not None and re.search(pattern, variable.name) is not None:
                excluded = True
            cache[key] = not excluded
        return cache[key]

    def _apply_weight_decay(self, variables):
        if self.weight_decay is None:
            return
        for variable in variables:
            if self._use_weight_decay(variable):
                lr = ops.cast(self.learning_rate, variable.dtype)
                wd = ops.cast(self.weight_decay, variable.dtype)
                variable.assign(ops.subtract(variable.value,
                                             ops.multiply(ops.multiply(variable.value, wd), lr)))

    # -- EMA ----------------------------------------------------------------------------------

    def _update_model_variables_moving_average(self, trainable_variables):
        if not self.use_ema:
            return
        not_first_step = ops.not_equal(_value(self.iterations), 0)
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is None:
                continue
            momentum = ops.multiply(ops.cast(not_first_step, variable.dtype), self.ema_momentum)
            average.assign(ops.add(ops.multiply(momentum, average.value),
                                   ops.multiply(ops.subtract(1, momentum), variable.value)))

    def _overwrite_model_variables_with_average_value(self, trainable_variables):
        if len(trainable_variables) != len(self._model_variables_moving_average):
            raise ValueError(
                f"The length of model variables ({len(trainable_variables)}) to override does "
                "not match the length of model variables stored in the optimizer "
                f"({len(self._model_variables_moving_average)}). Please check if the "
                "optimizer was called on your model."
            )
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                variable.assign(average.value)

    def _swap_ema_weights(self, trainable_variables=None):
        """Exchanges the model's weights with their moving averages (SwapEMAWeights)."""
        trainable_variables = trainable_variables or self._trainable_variables
        for variable, average in zip(trainable_variables, self._model_variables_moving_average):
            if average is not None:
                current = variable.value
                variable.assign(average.value)
                average.assign(current)

    def finalize_variable_values(self, var_list):
        """Sets the model's final weights: their moving averages when `use_ema`."""
        if self.use_ema:
            self._overwrite_model_variables_with_average_value(var_list)

    # -- learning rate ------------------------------------------------------------------------

    @property
    def learning_rate(self):
        """The current learning rate (a schedule is evaluated at the iteration count)."""
        return self._get_current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, learning_rate):
        previous = self._learning_rate if isinstance(self._learning_rate, Variable) else None
        if isinstance(learning_rate, learning_rate_schedule.LearningRateSchedule):
            self._learning_rate = learning_rate
        elif callable(learning_rate):
            self._learning_rate = learning_rate
        else:
            if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
                raise TypeError(
                    "This optimizer was created with a `LearningRateSchedule` object as its "
                    "`learning_rate` constructor argument, hence its learning rate is not "
                    "settable. If you need the learning rate to be settable, you should "
                    "instantiate the optimizer with a float `learning_rate` argument."
                )
            if previous is None:
                raise TypeError(
                    "This optimizer's learning rate is a callable, not a variable: pass a "
                    "callable or a LearningRateSchedule to change it."
                )
            self._learning_rate.assign(learning_rate)
        if previous is not None and not isinstance(self._learning_rate, Variable):
            self._untrack_variable(previous)

    def _get_current_learning_rate(self):
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            return self._learning_rate(self._iterations.value)
        if isinstance(self._learning_rate, Variable):
            return self._learning_rate
        if callable(self._learning_rate):
            return self._learning_rate()
        return self._learning_rate

    # -- weights and config -------------------------------------------------------------------

    def set_weights(self, weights):
        """Sets the values of `variables` from a list of arrays."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been built. "
                "Please call `optimizer.build(trainable_variables)` to create the optimizer "
                "weights before calling `set_weights()`."
            )
        for variable, weight in zip(self._variables, weights):
            if tuple(variable.shape) != tuple(weight.shape):
                raise ValueError(
                    f"Optimizer variable {variable.path} has shape {variable.shape} not "
                    f"compatible with provided weight shape {tuple(weight.shape)}."
                )
            variable.assign(weight)

    def save_own_variables(self, store):
        """Writes the variables' values into `store` under "0", "1", ..."""
        for i, variable in enumerate(self.variables):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store):
        """Reads the variables' values from `store` (skipped, with a warning, on a mismatch)."""
        if len(store.keys()) != len(self.variables):
            message = (
                f"Skipping variable loading for optimizer '{self.name}', because it has "
                f"{len(self.variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables. "
            )
            if not self.variables:
                message += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(message, stacklevel=2)
            return
        for i, variable in enumerate(self.variables):
            variable.assign(store[str(i)])

    def _obj_type(self):
        return "Optimizer"

    def get_config(self):
        """The optimizer's hyperparameters (not its state) as a JSON-ready dict."""
        if isinstance(self._learning_rate, learning_rate_schedule.LearningRateSchedule):
            learning_rate = learning_rate_schedule.serialize(self._learning_rate)
        elif isinstance(self._learning_rate, Variable):
            learning_rate = float(self._learning_rate.numpy())
        elif ops.is_tensor(self._learning_rate):
            learning_rate = float(self._learning_rate)
        elif callable(self._learning_rate):
            learning_rate = serialization_lib.serialize_keras_object(self._learning_rate)
        else:
            learning_rate = 0.5
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """The optimizer `get_config` describes (a fresh one, without state)."""
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = serialization_lib.deserialize_keras_object(
                config["learning_rate"], custom_objects=custom_objects
            )
        return cls(**config)

    def __repr__(self):
        return f"<{self.__class__.__name__} name={self.name}, built={self.built}>"


def _value(x):
    return x.value if isinstance(x, Variable) else x


def _is_real_number(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    return hasattr(value, "dtype") and getattr(value, "shape", None) == () and (
        backend.is_float_dtype(value.dtype) or backend.is_int_dtype(value.dtype)
    )


def global_norm(value_list):
    """The L2 norm of all the tensors of `value_list` together (Nones skipped)."""
    squared = [ops.sum(ops.square(v)) for v in value_list if v is not None]
    return ops.sqrt(ops.sum(ops.stack(squared)))


def clip_by_global_norm(value_list, clip_norm):
    """The tensors scaled together so that their global norm is at most `clip_norm`.

    A non-finite global norm makes every value NaN, as in Keras.
    """
    norm = global_norm(value_list)
    scale_for_finite = ops.multiply(
        clip_norm, ops.minimum(ops.divide(1.0, norm), 1.0 / clip_norm)
    )
    scale = ops.add(scale_for_finite, ops.subtract(norm, norm))
    return [None if v is None else ops.multiply(v, ops.cast(scale, v.dtype))
            for v in value_list]

