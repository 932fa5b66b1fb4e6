"""The backend-neutral training loop: compile, fit, evaluate, predict.

The model's state is one `TrainingState` — trainable, non-trainable, optimizer and metrics
values, each a list aligned with the model's variable lists (`state.trainable` etc., or
unpacked as a 4-tuple as Keras' JAX trainer does). A step is a pure function of the state and
a batch; the active backend's trainer module compiles it (several steps per call when
`steps_per_execution > 1`). Values are read back to the host once per call, for callbacks.
"""

import collections

import numpy as np

from lamina import tree
from lamina.backend import StatelessScope, active, config
from lamina.backend.common.variables import Variable
from lamina.trainers import compile_utils, data_adapters

# Steps one compiled call runs at most when grouping on its own, and the largest dataset
# (in bytes) moved to the device whole so that batches are gathered there.
_MAX_STEPS_PER_CALL = 1000
_MAX_DEVICE_BYTES = 1 << 30

TrainingState = collections.namedtuple(
    "TrainingState", ["trainable", "non_trainable", "optimizer", "metrics"]
)


class Trainer:
    """The training half of `Model` (mixed in before `Layer`)."""

    def __init__(self):
        self.compiled = False
        self.optimizer = None
        self.loss = None
        self._compile_loss = None
        self._compile_metrics = None
        self._loss_tracker = None
        self._output_loss_trackers = []
        self.stop_training = False
        self.history = None
        self.steps_per_execution = 1
        self._functions = {}
        self._compile_config = None
        self.run_eagerly = False
        self.jit_compile = "auto"

    # -- compile ----------------------------------------------------------------------------
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: name ("adam"), config or Optimizer.
            loss: name, function or Loss — or a list/dict with one per output.
            loss_weights: weights of the per-output losses (list or dict).
            metrics: list of metrics (names, functions, Metric objects), or a list/dict per
                output. "accuracy" picks the accuracy that fits the loss.
            weighted_metrics: metrics that also receive `sample_weight`/`class_weight`.
            run_eagerly: run steps without compiling them (for debugging).
            steps_per_execution: training steps per compiled call (an int, or "auto").
            jit_compile: whether to compile steps ("auto": yes where the backend can).
        """
        from lamina import metrics as metrics_module, optimizers

        self.optimizer = optimizers.get(optimizer)
        if loss is not None:
            _check_loss_names(loss)
        self.loss = loss
        self._compile_loss = compile_utils.CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = compile_utils.CompileMetrics(metrics, weighted_metrics)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._output_loss_trackers = []
        if steps_per_execution != "auto":
            if not isinstance(steps_per_execution, int) or steps_per_execution < 1:
                raise ValueError(
                    "`steps_per_execution` must be a positive int or 'auto', received "
                    f"steps_per_execution={steps_per_execution!r}."
                )
        self.steps_per_execution = steps_per_execution
        self.run_eagerly = bool(run_eagerly)
        self.jit_compile = jit_compile
        self._functions = {}
        self._output_spec_cache = None
        self._metrics_reset_cache = None
        self.compiled = True
        self._compile_config = {
            "optimizer": optimizer if isinstance(optimizer, str) else None,
            "loss": loss if isinstance(loss, (str, list, dict)) else None,
            "loss_weights": loss_weights,
            "metrics": metrics if _plain(metrics) else None,
            "weighted_metrics": weighted_metrics if _plain(weighted_metrics) else None,
            "run_eagerly": run_eagerly,
            "steps_per_execution": steps_per_execution,
            "jit_compile": jit_compile,
        }

    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model to a `.keras` file (config, weights, optimizer state)."""
        from lamina.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def get_compile_config(self):
        if not self.compiled or self._compile_config is None:
            return None
        from lamina.saving.serialization_lib import serialize_keras_object

        config = dict(self._compile_config)
        config["optimizer"] = serialize_keras_object(self.optimizer)
        if config["loss"] is None and self.loss is not None:
            try:
                config["loss"] = serialize_keras_object(self.loss)
            except TypeError:
                config["loss"] = None
        return config

    def compile_from_config(self, config):
        from lamina.saving.serialization_lib import deserialize_keras_object

        config = dict(config)
        optimizer = config.pop("optimizer", "rmsprop")
        if isinstance(optimizer, dict):
            optimizer = deserialize_keras_object(optimizer)
        loss = config.pop("loss", None)
        if isinstance(loss, dict) and "class_name" in loss:
            loss = deserialize_keras_object(loss)
        self.compile(optimizer=optimizer, loss=loss, **{
            k: v for k, v in config.items() if k in (
                "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
                "steps_per_execution", "jit_compile")})

    def _assert_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(
                f"You must call `compile()` before using the model in `{what}()`. Example: "
                'model.compile(optimizer="adam", loss="binary_crossentropy", '
                'metrics=["accuracy"])'
            )

    # -- metrics ----------------------------------------------------------------------------
    @property
    def metrics(self):
        """The loss tracker(s) and the compiled metrics, once they are built."""
        out = []
        if self._loss_tracker is not None:
            out.append(self._loss_tracker)
        out.extend(self._output_loss_trackers)
        if self._compile_metrics is not None and self._compile_metrics.built:
            out.extend(self._compile_metrics.metrics)
        return out

    @property
    def metrics_names(self):
        return [compile_utils.log_name(m) for m in self.metrics]

    @property
    def metrics_variables(self):
        return [v for m in self.metrics for v in m.variables]

    def reset_metrics(self):
        for metric in self.metrics:
            metric.reset_state()

    def _initial_metrics_values(self):
        """The metrics' reset values, computed once per compile and reused every epoch."""
        cached = getattr(self, "_metrics_reset_cache", None)
        variables = self.metrics_variables
        if cached is None or len(cached) != len(variables):
            self.reset_metrics()
            cached = [v.value for v in variables]
            self._metrics_reset_cache = cached
        return list(cached)

    def get_metrics_result(self):
        """The current value of every metric, as Python floats (or arrays), by log name."""
        return self._logs_from_results(
            {compile_utils.log_name(m): m.result() for m in self.metrics})

    # -- losses -----------------------------------------------------------------------------
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The total loss of a batch: the compiled losses plus the model's own `losses`."""
        total, _ = self._compiled_loss(y, y_pred, sample_weight)
        extra = self._model_losses()
        for value in extra:
            total = total + value
        return total

    def _compiled_loss(self, y, y_pred, sample_weight, masks=None):
        from lamina import ops

        if self._compile_loss is None:
            return ops.convert_to_tensor(0.0), []
        return self._compile_loss(y, y_pred, sample_weight, masks)

    def _last_masks(self):
        """The output masks of the model's last call (functional graphs propagate them)."""
        graph = getattr(self, "_functional", None) or self
        masks = graph.__dict__.get("_last_call_masks")
        graph.__dict__.pop("_last_call_masks", None)
        return masks

    def _model_losses(self):
        from lamina import ops

        out = []
        for loss in self.losses:
            out.append(ops.sum(ops.convert_to_tensor(loss)))
        return out

    # -- pure step pieces (used by every backend's trainer) ---------------------------------
    def _collect_state(self):
        return TrainingState(
            [v.value for v in self.trainable_variables],
            [v.value for v in self.non_trainable_variables],
            [v.value for v in self.optimizer.variables] if self.optimizer is not None else [],
            [v.value for v in self.metrics_variables],
        )

    def _assign_state(self, state):
        groups = (
            (self.trainable_variables, state.trainable),
            (self.non_trainable_variables, state.non_trainable),
            (self.optimizer.variables if self.optimizer is not None else [], state.optimizer),
            (self.metrics_variables, state.metrics),
        )
        for variables, values in groups:
            for variable, value in zip(variables, values):
                variable._direct_assign(value)

    def _loss_and_updates(self, trainable_values, non_trainable_values, x, y, sample_weight,
                          training=True):
        """`(loss, (y_pred, new_non_trainable, per_output_losses))` for given weight values."""
        from lamina import ops

        mapping = list(zip(self.trainable_variables, trainable_values)) + list(
            zip(self.non_trainable_variables, non_trainable_values))
        with StatelessScope(state_mapping=mapping, collect_losses=True) as scope:
            y_pred = self(x, training=training)
            total, terms = self._compiled_loss(y, y_pred, sample_weight, self._last_masks())
            regularization = [regularizer(value) for value, regularizer in zip(
                trainable_values + non_trainable_values,
                [getattr(v, "regularizer", None) for v in
                 self.trainable_variables + self.non_trainable_variables]) if regularizer is not None]
            for value in scope.losses + regularization:
                total = ops.add(total, ops.sum(ops.cast(value, total.dtype)))
        new_non_trainable = []
        for variable, old in zip(self.non_trainable_variables, non_trainable_values):
            value = scope.get_current_value(variable)
            new_non_trainable.append(old if value is None else value)
        return total, (y_pred, new_non_trainable, terms)

    def _stateless_update_metrics(self, metrics_values, loss, terms, y, y_pred, sample_weight):
        metric_variables = self.metrics_variables
        with StatelessScope(state_mapping=list(zip(metric_variables, metrics_values))) as scope:
            batch_size = _batch_size(y_pred)
            self._loss_tracker.update_state(loss, sample_weight=batch_size)
            for tracker, term in zip(self._output_loss_trackers, terms):
                if term is not None:
                    tracker.update_state(term, sample_weight=batch_size)
            if self._compile_metrics is not None and y is not None:
                self._compile_metrics.update_state(y, y_pred, sample_weight)
        new_values = []
        for variable, old in zip(metric_variables, metrics_values):
            value = scope.get_current_value(variable)
            new_values.append(old if value is None else value)
        return new_values

    def _stateless_metric_results(self, metrics_values):
        metric_variables = self.metrics_variables
        with StatelessScope(state_mapping=list(zip(metric_variables, metrics_values))):
            results = {}
            for metric in self.metrics:
                result = metric.result()
                if isinstance(result, Variable):  # e.g. a user's `return self.count`
                    result = result.value
                results[compile_utils.log_name(metric)] = result
        return results

    def _apply_constraints(self, trainable_values):
        out = []
        for variable, value in zip(self.trainable_variables, trainable_values):
            constraint = getattr(variable, "constraint", None)
            out.append(constraint(value) if constraint is not None else value)
        return out

    def train_step(self, state, data):
        """One training step: `(state, (x, y, sample_weight)) -> (logs, new_state)`.

        Override it for custom training; `state` is a TrainingState (a 4-tuple of lists:
        trainable, non_trainable, optimizer, metrics values).
        """
        return active.trainer.train_step(self, state, data)

    def test_step(self, state, data):
        """One evaluation step: `(state, (x, y, sample_weight)) -> (logs, new_state)`."""
        x, y, sample_weight = data
        state = TrainingState(*state)
        loss, (y_pred, non_trainable, terms) = self._loss_and_updates(
            state.trainable, state.non_trainable, x, y, sample_weight, training=False)
        metrics_values = self._stateless_update_metrics(
            state.metrics, loss, terms, y, y_pred, sample_weight)
        new_state = TrainingState(state.trainable, non_trainable, state.optimizer, metrics_values)
        return self._stateless_metric_results(metrics_values), new_state

    def predict_step(self, state, data):
        """One prediction step: `(state, x) -> (y_pred, non_trainable)`."""
        x = data[0] if isinstance(data, tuple) else data
        trainable, non_trainable = state
        mapping = list(zip(self.trainable_variables, trainable)) + list(
            zip(self.non_trainable_variables, non_trainable))
        with StatelessScope(state_mapping=mapping):
            y_pred = self(x, training=False)
        return y_pred

    # -- building before the first step -----------------------------------------------------
    def _build_for_batch(self, batch, training):
        """Builds the model, the loss/metric containers and the optimizer from a first batch.

        The eager forward pass it needs runs once per compile; later calls only check the
        targets against the outputs' shapes remembered from it.
        """
        from lamina import metrics as metrics_module

        x, y, sample_weight = batch
        spec = getattr(self, "_output_spec_cache", None)
        need_call = (spec is None or not self._called_once()
                     or (self._compile_loss is not None and not self._compile_loss.built)
                     or (self._compile_metrics is not None and not self._compile_metrics.built
                         and y is not None))
        if need_call:
            y_pred = None
            if self.built:
                # Shapes only: traced abstractly where the backend can, nothing compiled.
                state = ([v.value for v in self.trainable_variables],
                         [v.value for v in self.non_trainable_variables])
                y_pred = active.trainer.output_spec(self, state, x)
            if y_pred is None:
                y_pred = self(_to_backend(x), training=False)
            spec = tree.map_structure(lambda t: _ShapeOnly(tuple(t.shape)), y_pred)
            self._output_spec_cache = spec
            self._check_targets(y, spec)
            if self._compile_loss is not None and not self._compile_loss.built:
                self._compile_loss.build(self, y, y_pred)
                if len(self._compile_loss.losses) > 1:
                    self._output_loss_trackers = [
                        metrics_module.Mean(name=f"{name}_loss")
                        for name in self._compile_loss.names]
            if (self._compile_metrics is not None and not self._compile_metrics.built
                    and y is not None):
                self._compile_metrics.build(self, self._compile_loss, y, y_pred)
            self._clear_losses()
        else:
            self._check_targets(y, spec, check_batch=False)
        if training and self.optimizer is not None and not getattr(self.optimizer, "built", False):
            self.optimizer.build(self.trainable_variables)

    def _called_once(self):
        return getattr(self, "_called", False)

    def _check_targets(self, y, y_pred, check_batch=True):
        if y is None or self._compile_loss is None:
            return
        flat_pred = tree.flatten(y_pred)
        names = compile_utils._output_names(self, len(flat_pred))
        flat_true = compile_utils._flatten_like(y, len(flat_pred), names)
        for name, yt, yp in zip(names, flat_true, flat_pred):
            if yt is None:
                continue
            true_shape, pred_shape = tuple(np.shape(yt)), tuple(yp.shape)
            if check_batch and len(true_shape) and len(pred_shape) and true_shape[0] != pred_shape[0]:
                raise ValueError(
                    f"Output {name!r}: the targets have {true_shape[0]} samples but the "
                    f"predictions have {pred_shape[0]}."
                )
            if not check_batch and len(true_shape) and len(pred_shape):
                pred_shape = true_shape[:1] + pred_shape[1:]
            compatible = (
                true_shape == pred_shape
                or (len(true_shape) == len(pred_shape) - 1)
                or (len(true_shape) == len(pred_shape) and true_shape[-1:] == (1,))
                or (len(true_shape) + 1 == len(pred_shape) and pred_shape[-1] == 1)
                or (len(true_shape) == len(pred_shape) and pred_shape[-1:] == (1,))
            )
            if not compatible:
                raise ValueError(
                    f"Arguments `target` and `output` must have the same shape (or the target "
                    f"be class ids for sparse losses). Output {name!r}: received target.shape="
                    f"{true_shape}, output.shape={pred_shape}."
                )

    # -- compiled functions -----------------------------------------------------------------
    def _get_function(self, kind, steps):
        key = (kind, steps, self.run_eagerly)
        if key not in self._functions:
            maker = {"train": active.trainer.make_train_function,
                     "test": active.trainer.make_test_function,
                     "predict": active.trainer.make_predict_function}[kind]
            self._functions[key] = maker(self, steps, not self.run_eagerly)
        return self._functions[key]

    def _steps_per_call(self, adapter, callbacks=None, hooks=()):
        """How many steps one compiled call runs.

        An explicit `steps_per_execution` is used as given. With the default of 1, steps are
        still grouped (the whole epoch, up to 1000 steps per call) when no callback watches
        individual batches: the results are the same, only the per-call overhead is paid less
        often. "auto" groups up to 1000 steps.
        """
        spe = self.steps_per_execution
        total = adapter.num_batches or 1
        if spe == "auto":
            return max(1, min(total, _MAX_STEPS_PER_CALL))
        if spe != 1 or self.run_eagerly or not getattr(adapter, "groupable", False):
            return spe
        if callbacks is not None and _watches_batches(callbacks, hooks):
            return 1
        limit = _MAX_STEPS_PER_CALL if self._device_data(adapter) is not None else 64
        return max(1, min(total, limit))

    def _device_data(self, adapter):
        """The adapter's arrays on the device (moved once and kept on the adapter), or None
        when its batches are drawn one by one on the host instead: data that is not a set of
        in-memory arrays, too large for the device, or an epoch that is not one pass."""
        if "_device_data" in adapter.__dict__:
            return adapter.__dict__["_device_data"]
        data = None
        fits = (isinstance(adapter, data_adapters.ArrayDataAdapter) and adapter.shuffle in (
            True, False) and adapter.steps == adapter._full_steps and not self.run_eagerly
            and adapter.num_samples > 0)
        if fits:
            arrays = (adapter.x, adapter.y, adapter.sample_weight)
            nbytes = sum(a.nbytes for a in tree.flatten(arrays) if a is not None)
            if nbytes <= _MAX_DEVICE_BYTES:
                data = active.trainer.put_on_device(arrays)
        adapter.__dict__["_device_data"] = data
        return data

    def _epoch_calls(self, kind, adapter, steps, rng):
        """One epoch as `(number of steps, call)` pairs; `call(state) -> (logs, state)`.

        Device-resident data is indexed on the device (a group of steps is one call taking
        only the sample indices); other data is drawn batch by batch on the host and stacked
        per group. Both draw the same batches in the same order from `rng`.
        """
        data = self._device_data(adapter)
        if data is None:
            function = self._get_function(kind, steps)
            for group in _grouped(adapter.iterate(rng), steps):
                yield len(group), lambda state, group=group: function(state, group)
            return
        key = (f"indexed_{kind}", self.run_eagerly)
        if key not in self._functions:
            step_name = "train_step" if kind == "train" else "test_step"
            self._functions[key] = active.trainer.make_indexed_function(
                self, step_name, not self.run_eagerly)
        function = self._functions[key]
        n, size = adapter.num_samples, adapter.batch_size
        if adapter.shuffle is True:
            order = (rng or np.random).permutation(n).astype(np.int32)
        else:
            order = np.arange(n, dtype=np.int32)
        full, rest = divmod(n, size)
        total = full + (1 if rest else 0)
        for start in range(0, total, steps):
            stop = min(start + steps, total)
            rows = None
            if start < full:
                rows = order[start * size:min(stop, full) * size].reshape(-1, size)
            tail = order[full * size:] if rest and stop == total else None
            yield stop - start, lambda state, r=rows, t=tail: function(state, data, r, t)

    # -- fit --------------------------------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Trains the model for `epochs` passes over the data; returns a `History`."""
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("fit")
        if not active.trains:
            raise RuntimeError(
                f"The {active.name!r} backend does not train models (it is for inference and "
                "as the reference for ops). Use a training backend, e.g. LAMINA_BACKEND=jax."
            )
        if self._compile_loss is None:
            raise ValueError(
                "No loss to compute: pass `loss` to `compile()` (e.g. loss='mse') before "
                "calling `fit()`."
            )
        if x is None:
            raise ValueError("`fit()` needs training data: received x=None.")
        epochs = int(epochs)
        if config.max_epochs() is not None:
            epochs = min(epochs, config.max_epochs())
        if config.max_steps_per_epoch() is not None:
            steps_per_epoch = min(steps_per_epoch or config.max_steps_per_epoch(),
                                  config.max_steps_per_epoch())
        if validation_split and validation_data is None:
            if not hasattr(x, "shape") and not isinstance(x, (list, dict, tuple)) and not hasattr(x, "to_numpy"):
                raise ValueError(
                    "`validation_split` is only supported for array inputs, not for "
                    f"{type(x).__name__}."
                )
            (x, y, sample_weight), validation_data = data_adapters.split_arrays(
                x, y, sample_weight, validation_split)
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch, shuffle=shuffle,
            class_weight=class_weight, check_finite=True)
        val_adapter = None
        if validation_data is not None:
            vx, vy, vsw = data_adapters._unpack(tuple(validation_data)) if isinstance(
                validation_data, (tuple, list)) else (validation_data, None, None)
            val_adapter = data_adapters.get_data_adapter(
                vx, vy, vsw, batch_size=validation_batch_size or batch_size,
                steps=validation_steps, shuffle=False, check_finite=True)
        first = _first_batch(adapter)
        if first is None:
            raise ValueError("The training data is empty: `fit()` needs at least one sample.")
        self._build_for_batch(first, training=True)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = CallbackList(
            callbacks, add_history=True, add_progbar=verbose != 0, model=self, verbose=verbose,
            epochs=epochs, steps=adapter.num_batches)
        steps = self._steps_per_call(adapter, callback_list,
                                     ("on_train_batch_begin", "on_train_batch_end",
                                      "on_batch_begin", "on_batch_end"))
        self.stop_training = False
        rng = np.random.default_rng(_numpy_seed())
        self._initial_epoch = None
        callback_list.on_train_begin()
        if self._initial_epoch is not None:  # set by BackupAndRestore when resuming
            initial_epoch = self._initial_epoch
        state = self._collect_state()
        epoch_logs = {}
        training_logs = None
        for epoch in range(initial_epoch, epochs):
            callback_list.on_epoch_begin(epoch)
            # Callbacks may have changed variables (e.g. the learning rate): read them now.
            state = self._collect_state()._replace(metrics=self._initial_metrics_values())
            logs = None
            step = 0
            for count, call in self._epoch_calls("train", adapter, steps, rng):
                callback_list.on_train_batch_begin(step)
                logs, state = call(state)
                step += count
                callback_list.on_train_batch_end(step - 1, _LazyLogs(logs))
                if self.stop_training:
                    break
            self._assign_state(state)
            if logs is None:
                raise ValueError(
                    "No batches were drawn in this epoch: the data is empty or exhausted "
                    "(for a generator, pass `steps_per_epoch` and make it yield enough batches)."
                )
            epoch_logs = _to_python(logs)
            if val_adapter is not None and _should_validate(epoch, validation_freq):
                val_logs = self._evaluate_adapter(val_adapter, callback_list=callback_list)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.on_epoch_end(epoch, epoch_logs)
            training_logs = epoch_logs
            state = self._collect_state()
            if self.stop_training:
                break
        callback_list.on_train_end(training_logs)
        return self.history

    # -- evaluate ---------------------------------------------------------------------------
    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False, **kwargs):
        """The loss and metrics on the given data (a scalar, a list, or a dict)."""
        from lamina.callbacks.callback_list import CallbackList

        self._assert_compiled("evaluate")
        if x is None:
            raise ValueError("`evaluate()` needs data: received x=None.")
        adapter = data_adapters.get_data_adapter(
            x, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=False,
            check_finite=True)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=1,
                                     steps=adapter.num_batches)
        logs = self._evaluate_adapter(adapter, callback_list)
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def _evaluate_adapter(self, adapter, callback_list):
        first = _first_batch(adapter)
        if first is None:
            raise ValueError("The evaluation data is empty.")
        self._build_for_batch(first, training=False)
        steps = self._steps_per_call(adapter, callback_list,
                                     ("on_test_batch_begin", "on_test_batch_end"))
        if callback_list is not None:
            callback_list.on_test_begin()
        state = self._collect_state()._replace(metrics=self._initial_metrics_values())
        logs = None
        step = 0
        for count, call in self._epoch_calls("test", adapter, steps, None):
            if callback_list is not None:
                callback_list.on_test_batch_begin(step)
            logs, state = call(state)
            step += count
            if callback_list is not None:
                callback_list.on_test_batch_end(step - 1, _LazyLogs(logs))
        for variable, value in zip(self.metrics_variables, state.metrics):
            variable._direct_assign(value)
        logs = _to_python(logs)
        if callback_list is not None:
            callback_list.on_test_end(logs)
        return logs

    # -- predict ----------------------------------------------------------------------------
    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The model's outputs for `x`, as NumPy arrays, computed batch by batch."""
        from lamina.callbacks.callback_list import CallbackList

        if verbose == 0 and callbacks is None and steps is None:
            fast = self._predict_small(x, batch_size)
            if fast is not None:
                return fast
        adapter = data_adapters.get_data_adapter(x, None, None, batch_size=batch_size,
                                                 steps=steps, shuffle=False)
        first = _first_batch(adapter)
        if first is None:
            raise ValueError("`predict()` received no data.")
        if not self.built:
            self(_to_backend(first[0]), training=False)
        predict_function = self._get_function("predict", 1)
        verbose = 1 if verbose == "auto" else verbose
        callback_list = CallbackList(callbacks, add_history=False, add_progbar=verbose != 0,
                                     model=self, verbose=verbose, epochs=1,
                                     steps=adapter.num_batches)
        callback_list.on_predict_begin()
        state = ([v.value for v in self.trainable_variables],
                 [v.value for v in self.non_trainable_variables])
        outputs = []
        for step, batch in enumerate(adapter.iterate()):
            callback_list.on_predict_batch_begin(step)
            y_pred = predict_function(state, batch[0])
            outputs.append(y_pred)
            callback_list.on_predict_batch_end(step, {"outputs": y_pred})
        callback_list.on_predict_end()
        if not outputs:
            raise ValueError("`predict()` received no data.")
        flat = [tree.flatten(o) for o in outputs]
        joined = [np.concatenate([np.asarray(f[i]) for f in flat], axis=0)
                  for i in range(len(flat[0]))]
        return tree.pack_sequence_as(outputs[0], joined)

    def _predict_small(self, x, batch_size):
        """`predict` of one NumPy array that fits in one batch, straight to the compiled
        function (no data pipeline, no callbacks); None when `x` is anything else."""
        if (type(x) is not np.ndarray or x.ndim == 0 or x.dtype.kind not in "fiub"
                or not 0 < len(x) <= (batch_size or 32) or not self.built):
            return None
        if x.dtype == np.float64:
            x = x.astype("float32")
        state = ([v.value for v in self.trainable_variables],
                 [v.value for v in self.non_trainable_variables])
        y_pred = self._get_function("predict", 1)(state, x)
        return tree.map_structure(np.asarray, y_pred)

    # -- single batches ---------------------------------------------------------------------
    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One training step on one batch; returns the batch's logs."""
        self._assert_compiled("train_on_batch")
        if not active.trains:
            raise RuntimeError(f"The {active.name!r} backend does not train models.")
        adapter = data_adapters.ArrayDataAdapter(x, y, sample_weight, batch_size=10**12,
                                                 class_weight=class_weight, check_finite=True)
        batch = next(adapter.iterate())
        self._build_for_batch(batch, training=True)
        train_function = self._get_function("train", 1)
        state = self._collect_state()
        logs, state = train_function(state, [batch])
        self._assign_state(state)
        return self._format_batch_logs(_to_python(logs), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """The loss and metrics of one batch (metrics reset first)."""
        self._assert_compiled("test_on_batch")
        adapter = data_adapters.ArrayDataAdapter(x, y, sample_weight, batch_size=10**12,
                                                 check_finite=True)
        batch = next(adapter.iterate())
        self._build_for_batch(batch, training=False)
        self.reset_metrics()
        test_function = self._get_function("test", 1)
        logs, state = test_function(self._collect_state(), [batch])
        return self._format_batch_logs(_to_python(logs), return_dict)

    def predict_on_batch(self, x):
        """The model's outputs for one batch, as NumPy arrays."""
        adapter = data_adapters.ArrayDataAdapter(x, None, None, batch_size=10**12)
        batch = next(adapter.iterate())
        if not self.built or not self._called_once():
            self(_to_backend(batch[0]), training=False)
        predict_function = self._get_function("predict", 1)
        state = ([v.value for v in self.trainable_variables],
                 [v.value for v in self.non_trainable_variables])
        return tree.map_structure(np.asarray, predict_function(state, batch[0]))

    def _format_batch_logs(self, logs, return_dict):
        if return_dict:
            return logs
        values = [logs[name] for name in self.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    def _logs_from_results(self, results):
        return _to_python(results)


def _watches_batches(callback_list, hooks):
    """Whether a callback (other than History and the progress bar) has batch-level hooks."""
    from lamina.callbacks.callback import Callback
    from lamina.callbacks.history import History
    from lamina.callbacks.progbar_logger import ProgbarLogger

    for callback in callback_list.callbacks:
        if isinstance(callback, (History, ProgbarLogger)):
            continue
        for hook in hooks:
            if getattr(type(callback), hook, None) is not getattr(Callback, hook):
                return True
            if hook in getattr(callback, "__dict__", {}):
                return True
    return False


def _plain(value):
    if value is None or isinstance(value, str):
        return True
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return False


def _check_loss_names(loss):
    from lamina import losses

    for item in tree.flatten(loss):
        if isinstance(item, str):
            losses.get(item)  # raises a ValueError naming the unknown loss


def _batch_size(y_pred):
    flat = tree.flatten(y_pred)
    shape = tuple(flat[0].shape) if flat else ()
    return shape[0] if shape else 1


def _first_batch(adapter):
    if hasattr(adapter, "peek"):
        item = adapter.peek()
        x, y, sw = data_adapters._unpack(item) if isinstance(item, tuple) else (item, None, None)
        return (data_adapters._standardize(x, "x"), data_adapters._standardize(y, "y"),
                data_adapters._standardize(sw, "sample_weight"))
    for batch in adapter.iterate():
        return batch
    return None


def _grouped(iterator, size):
    """Batches in groups of `size`; a group only holds batches of one shape."""
    group = []
    shape = None
    for batch in iterator:
        batch_shape = tuple(np.shape(a) for a in tree.flatten(batch) if a is not None)
        if group and (batch_shape != shape or len(group) == size):
            yield group
            group = []
        group.append(batch)
        shape = batch_shape
    if group:
        yield group


def _to_backend(x):
    return tree.map_structure(
        lambda a: a if a is None else active.core.convert_to_tensor(a), x)


def _to_python(logs):
    out = {}
    for key, value in (logs or {}).items():
        array = np.asarray(value)
        out[key] = float(array) if array.ndim == 0 else array
    return out


def _should_validate(epoch, validation_freq):
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def _numpy_seed():
    try:
        from lamina.random.seed_generator import numpy_generator

        return int(numpy_generator(None).integers(0, 2**31 - 1))
    except ImportError:
        return None


class _ShapeOnly:
    """The shape of an output, remembered without its values."""

    def __init__(self, shape):
        self.shape = shape


class _LazyLogs(dict):
    """Batch logs whose values stay on the device until a callback reads one."""

    def __init__(self, logs):
        super().__init__(logs or {})

    def __getitem__(self, key):
        value = super().__getitem__(key)
        array = np.asarray(value)
        return float(array) if array.ndim == 0 else array

    def get(self, key, default=None):
        return self[key] if key in self else default

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def values(self):
        return [self[k] for k in self.keys()]

    def copy(self):
        return {k: self[k] for k in self.keys()}


