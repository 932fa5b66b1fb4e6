"""`Layer`: the base of every layer and model.

A layer owns variables (made in `build`, which runs on the first call with the input's shape),
tracks the layers and variables assigned to its attributes, and computes in `call`. Called
on symbolic tensors it runs `call` symbolically (every op has a shape rule) and records a node
of the functional graph; called on arrays it computes.
"""

import inspect
import threading

import numpy as np

from lamina import backend, tree
from lamina.api_export import export
from lamina.backend import KerasTensor, active
from lamina.backend.common import dtypes, global_state
from lamina.backend.common.stateless_scope import StatelessScope, get_stateless_scope
from lamina.backend.common.variables import Variable
from lamina.dtype_policies import get_policy
from lamina.ops.operation import Node, Operation

_CALL_CONTEXT = threading.local()


class CallContext:
    """The `training` flag of the outermost layer call, passed down to inner layers."""

    def __init__(self, training=None):
        self.training = training


def current_call_context():
    return getattr(_CALL_CONTEXT, "context", None)


@export("lamina.InputSpec", "lamina.layers.InputSpec")
class InputSpec:
    """What a layer accepts: rank (`ndim`, `min_ndim`, `max_ndim`), `shape`, `axes` values.

    Example:
    >>> InputSpec(min_ndim=2, axes={-1: 30})
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False):
        self.dtype = dtypes.standardize_dtype(dtype) if dtype is not None else None
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = {int(k): v for k, v in (axes or {}).items()}
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.name = name
        self.optional = optional

    def get_config(self):
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


_PLAIN_VALUES = frozenset((bool, int, float, str, type(None)))


def assert_input_compatibility(input_spec, inputs, layer_name):
    """Raises a ValueError naming the layer when `inputs` do not satisfy `input_spec`."""
    if input_spec is None:
        return
    specs = tree.flatten(input_spec)
    flat = tree.flatten(inputs)
    if len(specs) > 1 and len(flat) != len(specs):
        raise ValueError(
            f'Layer "{layer_name}" expects {len(specs)} input(s), but it received {len(flat)} '
            "input tensors."
        )
    for index, (spec, x) in enumerate(zip(specs, flat)):
        if spec is None or x is None:
            continue
        shape = tuple(getattr(x, "shape", np.shape(x)))
        ndim = len(shape)
        where = f'Input {index} of layer "{layer_name}" is incompatible with the layer'
        if spec.ndim is not None and not spec.allow_last_axis_squeeze and ndim != spec.ndim:
            raise ValueError(
                f"{where}: expected ndim={spec.ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        if spec.max_ndim is not None and ndim > spec.max_ndim:
            raise ValueError(
                f"{where}: expected max_ndim={spec.max_ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        if spec.min_ndim is not None and ndim < spec.min_ndim:
            raise ValueError(
                f"{where}: expected min_ndim={spec.min_ndim}, found ndim={ndim}. "
                f"Full shape received: {shape}"
            )
        for axis, value in spec.axes.items():
            if value is None:
                continue
            if -ndim <= axis < ndim and shape[axis] is not None and shape[axis] != value:
                raise ValueError(
                    f"{where}: expected axis {axis} of input shape to have value {value}, "
                    f"but received input with shape {shape}"
                )
        if spec.shape is not None:
            for expected, got in zip(spec.shape, shape):
                if expected is not None and got is not None and expected != got:
                    raise ValueError(
                        f"{where}: expected shape={spec.shape}, found shape={shape}"
                    )


class _TrackedList(list):
    """A list attribute of a layer that tracks layers and variables appended to it later."""

    def __init__(self, values, owner):
        super().__init__(values)
        self._owner = owner

    def append(self, value):
        self._owner._track(value)
        super().append(value)

    def extend(self, values):
        values = list(values)
        for v in values:
            self._owner._track(v)
        super().extend(values)

    def insert(self, index, value):
        self._owner._track(value)
        super().insert(index, value)


@export("lamina.Layer", "lamina.layers.Layer")
class Layer(active.layer.BackendLayer, Operation):  # torch: also a torch.nn.Module
    """Base class of layers.

    Args:
        activity_regularizer: a regularizer applied to the layer's output, added to its losses.
        trainable: whether the layer's weights are updated in training.
        dtype: the dtype policy (e.g. "float32", "mixed_float16", or a DTypePolicy).
        autocast: whether float inputs are cast to the compute dtype.
        name: the layer's name; unique automatic names otherwise ("dense", "dense_1", ...).
        input_shape: (Sequential convenience) the shape of the input, without the batch dim.

    Example:
    >>> class Linear(lamina.layers.Layer):
    ...     def __init__(self, units=32, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.units = units
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight(shape=(input_shape[-1], self.units))
    ...     def call(self, inputs):
    ...         return lamina.ops.matmul(inputs, self.w)
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Record the constructor's arguments so that a default get_config can rebuild it.
        try:
            signature = inspect.signature(cls.__init__)
            bound = signature.bind(obj, *args, **kwargs)
            bound.apply_defaults()
            arguments = dict(bound.arguments)
            arguments.pop("self", None)
            extra = arguments.pop("kwargs", {}) if "kwargs" in signature.parameters else {}
            arguments.update(extra)
            obj._auto_config = arguments
        except TypeError:
            obj._auto_config = None
        return obj

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True,
                 name=None, **kwargs):
        object.__setattr__(self, "_tracking_enabled", False)
        input_dim = kwargs.pop("input_dim", None)
        input_shape = kwargs.pop("input_shape", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("weights", None)
        if kwargs:
            raise ValueError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}"
            )
        Operation.__init__(self, name=name)
        self._dtype_policy = get_policy(dtype)
        self.autocast = autocast
        self._trainable = bool(trainable)
        self.built = False
        self._layers = []
        self._trainable_variables = []
        self._non_trainable_variables = []
        self._seed_generators = []
        self._losses = []
        self._loss_ids = set()
        self.supports_masking = getattr(self, "supports_masking", False)
        self.input_spec = None
        self._build_shapes = None
        self._called = False
        from lamina import regularizers

        self.activity_regularizer = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._input_shape_arg = tuple(batch_input_shape)
        elif input_shape is not None:
            self._input_shape_arg = (batch_size,) + tuple(input_shape)
        else:
            self._input_shape_arg = None
        call_parameters = inspect.signature(self.call).parameters
        self._call_has_training = "training" in call_parameters
        self._call_has_mask = "mask" in call_parameters
        self._call_positional_names = [
            p.name for p in call_parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        object.__setattr__(self, "_tracking_enabled", True)

    # -- attribute tracking -----------------------------------------------------------------
    def __setattr__(self, name, value):
        if type(value) in _PLAIN_VALUES and not isinstance(
                self.__dict__.get(name), (Layer, Variable, list, tuple, dict)):
            # Nothing to track, nothing untracked: no new tracking version (cached variable
            # lists stay valid), e.g. the flags set at each call.
            object.__setattr__(self, name, value)
            return
        if getattr(self, "_tracking_enabled", False) and not name.startswith("__"):
            if isinstance(value, list) and not isinstance(value, _TrackedList) and not name.startswith("_"):
                if any(isinstance(v, (Layer, Variable)) for v in value) or not value:
                    value = _TrackedList(value, self)
            for item in tree.flatten(value) if isinstance(value, (list, tuple, dict)) else [value]:
                self._track(item)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if not getattr(self, "_tracking_enabled", False):
            return
        global_state.bump_tracking_version()
        if isinstance(value, Layer):
            if value is not self and not any(value is layer for layer in self._layers):
                self._layers.append(value)
        elif isinstance(value, Variable):
            known = self._trainable_variables + self._non_trainable_variables
            if not any(value is v for v in known):
                if value.trainable:
                    self._trainable_variables.append(value)
                else:
                    self._non_trainable_variables.append(value)
        elif type(value).__name__ == "SeedGenerator":
            if not any(value is s for s in self._seed_generators):
                self._seed_generators.append(value)

    # -- weights ----------------------------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a variable owned by this layer.

        Args:
            shape: the variable's shape (default: scalar).
            initializer: name, Initializer or callable; "glorot_uniform" for floats, "zeros"
                otherwise.
            dtype: the variable's dtype (default: the policy's variable dtype).
            trainable: whether gradients update it.
            regularizer: name or Regularizer, whose penalty joins `losses`.
            constraint: name or Constraint, applied after each optimizer update.
            name: the variable's name; its path is "<layer name>/<name>".

        Returns:
            The new Variable.
        """
        from lamina import constraints, initializers, regularizers

        shape = () if shape is None else tuple(shape)
        dtype = dtypes.standardize_dtype(dtype or self._dtype_policy.variable_dtype)
        if initializer is None:
            initializer = "glorot_uniform" if dtypes.is_float_dtype(dtype) else "zeros"
        initializer = initializers.get(initializer)
        with backend.name_scope(self.name, caller=self):
            variable = Variable(
                initializer, shape=shape, dtype=dtype, trainable=trainable, autocast=autocast,
                aggregation=aggregation, name=name or global_state.auto_name("variable"),
            )
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = overwrite_with_gradient
        self._track(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True,
                     regularizer=None, constraint=None, name=None):
        """Same as `add_weight`, with Keras' argument order for `add_variable`."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype,
                               trainable=trainable, autocast=autocast, regularizer=regularizer,
                               constraint=constraint, name=name)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        global_state.bump_tracking_version()
        for layer in self._layers:
            layer.trainable = value

    def _own_variables(self):
        return self._trainable_variables + self._non_trainable_variables

    def _cached_list(self, key, compute):
        """A list computed from the layer tree, reused until anything is tracked anew (a
        layer, a variable, a `trainable` flag: see `global_state.tracking_version`)."""
        version = global_state.tracking_version()
        cache = self.__dict__.get("_list_cache")
        if cache is None or cache[0] != version:
            cache = (version, {})
            object.__setattr__(self, "_list_cache", cache)
        found = cache[1].get(key)
        if found is None:
            found = cache[1][key] = compute()
        return list(found)

    @property
    def variables(self):
        """Every variable of the layer and its sublayers (weights, seeds), without duplicates."""
        return self._cached_list("variables", self._collect_variables)

    def _collect_variables(self):
        out, seen = [], set()
        for v in self._own_variables() + self._non_weight_variables():
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    def _non_weight_variables(self):
        """State that is not a weight (not saved with the weights) but that a compiled step
        must carry: random seed states, and e.g. a stateful RNN's states."""
        return [s.state for s in self._seed_generators if hasattr(s, "state")]

    @property
    def weights(self):
        """Every weight of the layer and its sublayers: trainable first, per layer."""
        return self._cached_list("weights", self._collect_weights)

    def _collect_weights(self):
        out, seen = [], set()
        for v in self._own_variables():
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self):
        return self._cached_list("trainable_weights", self._collect_trainable_weights)

    def _collect_trainable_weights(self):
        if not self.trainable:
            return []
        out, seen = [], set()
        for v in self._trainable_variables:
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self):
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable_ids]

    trainable_variables = trainable_weights

    @property
    def non_trainable_variables(self):
        """Non-trainable weights plus the state of random seed generators (as in Keras)."""
        return self._cached_list("non_trainable_variables", self._collect_non_trainable)

    def _collect_non_trainable(self):
        trainable_ids = {id(v) for v in self.trainable_variables}
        return [v for v in self.variables if id(v) not in trainable_ids]

    def get_weights(self):
        """The weights' values as NumPy arrays, in the order of `weights`."""
        return [np.array(v.value) for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from NumPy arrays, checking count and shapes before any change."""
        variables = self.weights
        if len(weights) != len(variables):
            raise ValueError(
                f'You called `set_weights(weights)` on layer "{self.name}" with a weight list '
                f"of length {len(weights)}, but the layer was expecting {len(variables)} "
                f"weights."
            )
        for variable, value in zip(variables, weights):
            shape = tuple(np.shape(value))
            if shape != variable.shape:
                raise ValueError(
                    f'Layer "{self.name}" weight shape {variable.shape} is not compatible with '
                    f"provided weight shape {shape} (weight {variable.path})."
                )
        for variable, value in zip(variables, weights):
            variable.assign(value)

    def count_params(self):
        """The number of scalars in the layer's weights (the layer must be built)."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: "
                f"`{self.name}.build(batch_input_shape)`."
            )
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # -- losses -----------------------------------------------------------------------------
    def add_loss(self, loss):
        """Adds a scalar loss (e.g. an activity penalty) to the layer's `losses`."""
        scope = get_stateless_scope()
        if scope is not None and scope.collect_losses:
            scope.add_loss(loss)
        else:
            self._losses.append(loss)

    def _weight_regularization_losses(self):
        out = []
        for variable in self.weights:
            regularizer = getattr(variable, "regularizer", None)
            if regularizer is not None:
                out.append(regularizer(variable.value))
        return out

    @property
    def losses(self):
        """Losses added in the last call, and weight regularization penalties (current values)."""
        out = list(self._losses)
        for layer in self._flatten_layers(include_self=False):
            out.extend(layer._losses)
        for layer in self._flatten_layers(include_self=True):
            for variable in layer._own_variables():
                regularizer = getattr(variable, "regularizer", None)
                if regularizer is not None:
                    out.append(regularizer(variable.value))
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers(include_self=True):
            layer._losses = []

    def _flatten_layers(self, include_self=True, recursive=True):
        out = [self] if include_self else []
        seen = {id(self)}
        stack = list(reversed(self._layers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            if recursive:
                stack.extend(reversed(layer._layers))
        return out

    # -- building ---------------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the layer's weights; the default does nothing."""
        self.built = True

    def _maybe_build(self, args):
        if self.built:
            return
        first = args[0] if args else None
        shapes = tree.map_structure(
            lambda x: None if x is None else tuple(getattr(x, "shape", np.shape(x))), first
        )
        self._build_shapes = shapes
        with backend.name_scope(self.name, caller=self):
            self.build(shapes)
        self.built = True

    def build_from_config(self, config):
        """Builds the layer from `get_build_config()`'s output."""
        if config and not self.built:
            shape = config.get("input_shape")
            if shape is not None:
                shape = tree.map_shape_structure(lambda s: None if s is None else tuple(s), shape)
                with backend.name_scope(self.name, caller=self):
                    self.build(shape)
                self._build_shapes = shape
                self.built = True

    def get_build_config(self):
        if self._build_shapes is not None:
            return {"input_shape": self._build_shapes}
        return None

    # -- dtypes -----------------------------------------------------------------------------
    @property
    def dtype_policy(self):
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._dtype_policy = get_policy(value)

    @property
    def dtype(self):
        """The variable dtype of the layer's policy."""
        return self._dtype_policy.variable_dtype

    @property
    def compute_dtype(self):
        return self._dtype_policy.compute_dtype

    @property
    def variable_dtype(self):
        return self._dtype_policy.variable_dtype

    @property
    def input_dtype(self):
        return self._dtype_policy.compute_dtype

    def _autocast_inputs(self, x):
        compute = self.compute_dtype

        def cast(t):
            if isinstance(t, KerasTensor):
                if self.autocast and dtypes.is_float_dtype(t.dtype) and t.dtype != compute:
                    return KerasTensor(t.shape, compute)
                return t
            if isinstance(t, Variable):
                return t
            if isinstance(t, (np.ndarray, np.generic)) or active.core.is_tensor(t):
                kind = dtypes.standardize_dtype(t.dtype)
                if self.autocast and dtypes.is_float_dtype(kind) and kind != compute:
                    return active.core.cast(t, compute)
                if isinstance(t, (np.ndarray, np.generic)):
                    return active.core.convert_to_tensor(t)
            return t

        return tree.map_structure(cast, x)

    # -- calling ----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not args and self._call_positional_names:
            first_name = self._call_positional_names[0]
            if first_name in kwargs:
                args = (kwargs.pop(first_name),)
        if not args:
            raise ValueError(
                f'Layer "{self.name}" was called without inputs: pass the input tensor(s) as the '
                "first positional argument."
            )
        original_args = args
        args = (self._autocast_inputs(args[0]),) + tuple(args[1:])
        # `training`: explicit argument, else the enclosing call's, else the default.
        context = current_call_context()
        is_outer = context is None
        if is_outer:
            context = CallContext()
            _CALL_CONTEXT.context = context
        try:
            if self._call_has_training:
                training = kwargs.get("training", None)
                if training is None:
                    training = context.training
                else:
                    if hasattr(training, "item") and not isinstance(training, KerasTensor):
                        training = bool(training)
                if training is not None:
                    kwargs["training"] = training
                if is_outer or context.training is None:
                    context.training = training
            else:
                training = kwargs.pop("training", None)
                if training is not None and (is_outer or context.training is None):
                    context.training = training
            if not self._call_has_mask:
                kwargs.pop("mask", None)
            symbolic = backend.any_symbolic_tensors(args, kwargs)
            if symbolic:
                return self._symbolic_call(args, kwargs, original_args)
            if not self.built:
                assert_input_compatibility(self.input_spec, args[0], self.name)
                self._maybe_build(args)
            assert_input_compatibility(self.input_spec, args[0], self.name)
            if self._call_has_mask and kwargs.get("mask") is None:
                kwargs.pop("mask", None)
            policy = self._dtype_policy
            previous_autocast = global_state.get_global_attribute("autocast_dtype")
            if self.autocast and policy.compute_dtype != policy.variable_dtype:
                global_state.set_global_attribute("autocast_dtype", policy.compute_dtype)
            try:
                with backend.name_scope(self.name, caller=self):
                    outputs = self.call(*args, **kwargs)
            finally:
                global_state.set_global_attribute("autocast_dtype", previous_autocast)
            if self.activity_regularizer is not None:
                for output in tree.flatten(outputs):
                    self.add_loss(self.activity_regularizer(output))
            self._called = True
            return outputs
        finally:
            if is_outer:
                _CALL_CONTEXT.context = None

    def _symbolic_call(self, args, kwargs, original_args):
        assert_input_compatibility(self.input_spec, args[0], self.name)
        self._maybe_build(args)
        assert_input_compatibility(self.input_spec, args[0], self.name)
        outputs = self.compute_output_spec(*args, **kwargs)
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            previous = kwargs.get("mask")
            if previous is None:
                previous = tree.map_structure(
                    lambda t: getattr(t, "_keras_mask", None) if isinstance(t, KerasTensor) else None,
                    original_args[0],
                )
            try:
                mask = self.compute_mask(args[0], previous)
            except TypeError:
                mask = None
            if mask is not None:
                flat_out = tree.flatten(outputs)
                flat_mask = tree.flatten(mask) if isinstance(mask, (list, tuple)) else [mask] * len(flat_out)
                for out, m in zip(flat_out, flat_mask):
                    if isinstance(out, KerasTensor):
                        out._keras_mask = m
        Node(self, call_args=original_args, call_kwargs=kwargs, outputs=outputs)
        self._called = True
        return outputs

    def call(self, *args, **kwargs):
        raise NotImplementedError(
            f"Layer {type(self).__name__} does not have a `call()` method implemented."
        )

    def compute_output_spec(self, *args, **kwargs):
        """Output KerasTensor(s): from `compute_output_shape` when the subclass overrides it,
        else by running `call` on the symbolic inputs (every op has a shape rule)."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            first = args[0]
            shapes = tree.map_structure(lambda t: t.shape, first)
            out_shapes = self.compute_output_shape(shapes)
            dtype = self.compute_dtype
            if _is_shape(out_shapes):
                return KerasTensor(out_shapes, dtype)
            return tree.map_shape_structure(lambda s: KerasTensor(s, dtype), out_shapes)
        kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
        with backend.name_scope(self.name, caller=self), StatelessScope():
            outputs = self.call(*args, **kwargs)
        return tree.map_structure(
            lambda t: KerasTensor(t.shape, t.dtype) if isinstance(t, KerasTensor) else t, outputs
        )

    def compute_output_shape(self, *args, **kwargs):
        """The output shape(s) for the given input shape(s)."""
        spec_args = tree.map_shape_structure(
            lambda s: KerasTensor(s, self.compute_dtype), args[0] if args else None
        )
        outputs = type(self).compute_output_spec(self, spec_args)
        return tree.map_structure(lambda t: t.shape, outputs)

    def compute_mask(self, inputs, previous_mask):
        """The output mask; by default the input's when the layer supports masking."""
        if not self.supports_masking:
            return None
        return previous_mask

    def stateless_call(self, trainable_variables, non_trainable_variables, *args,
                       return_losses=False, **kwargs):
        """Calls the layer with the given variable values, without changing its variables.

        Returns:
            `(outputs, non_trainable_values)` (and the losses when `return_losses`).
        """
        if len(trainable_variables) != len(self.trainable_weights):
            raise ValueError(
                f"Argument `trainable_variables` must have {len(self.trainable_weights)} values "
                f"for layer {self.name!r}, received {len(trainable_variables)}."
            )
        mapping = list(zip(self.trainable_weights, trainable_variables)) + list(
            zip(self.non_trainable_weights, non_trainable_variables)
        )
        with StatelessScope(state_mapping=mapping, collect_losses=return_losses) as scope:
            outputs = self(*args, **kwargs)
        new_values = []
        for v in self.non_trainable_weights:
            value = scope.get_current_value(v)
            new_values.append(v.value if value is None else value)
        if return_losses:
            return outputs, new_values, scope.losses
        return outputs, new_values

    # -- serialization ----------------------------------------------------------------------
    def get_config(self):
        """The constructor arguments that rebuild this layer (see `from_config`)."""
        config = {"name": self.name, "trainable": self.trainable,
                  "dtype": self._dtype_policy.get_config_entry()}
        if self.activity_regularizer is not None:
            from lamina.saving.serialization_lib import serialize_keras_object

            config["activity_regularizer"] = serialize_keras_object(self.activity_regularizer)
        if type(self).get_config is Layer.get_config and self._auto_config is not None:
            base_params = {"name", "trainable", "dtype", "activity_regularizer", "autocast"}
            extra = {k: v for k, v in self._auto_config.items() if k not in base_params}
            for key, value in extra.items():
                if not _is_serializable_plain(value):
                    raise NotImplementedError(
                        f"Layer {type(self).__name__} has argument {key}={value!r} that cannot "
                        "be serialized automatically: implement get_config()."
                    )
            config.update(extra)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    @property
    def path(self):
        return self.name

    def _get_node_attribute_at_index(self, node_index, attr):
        nodes = self._inbound_nodes
        if not nodes:
            raise AttributeError(f"Layer {self.name} has never been called and thus has no "
                                 f"defined {attr}.")
        node = nodes[node_index]
        values = node.input_tensors if attr == "input" else node.outputs
        return values[0] if len(values) == 1 else values

    @property
    def input(self):
        return self._get_node_attribute_at_index(0, "input")

    @property
    def output(self):
        return self._get_node_attribute_at_index(0, "output")

    def get_input_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "input")

    def get_output_at(self, node_index):
        return self._get_node_attribute_at_index(node_index, "output")


def _is_shape(x):
    return isinstance(x, tuple) and all(d is None or isinstance(d, int) for d in x)


def _is_serializable_plain(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_serializable_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_serializable_plain(v) for k, v in value.items())
    return False
