"""Callbacks that act at epoch boundaries: LearningRateScheduler, LambdaCallback, CSVLogger,
SwapEMAWeights, RemoteMonitor, TensorBoard."""

import collections
import csv
import json
import os

import numpy as np

from lamina.api_export import export
from lamina.callbacks.callback import Callback


@export("lamina.callbacks.LearningRateScheduler")
class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch to `schedule(epoch, lr)`."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate))
        new = self.schedule(epoch, lr)
        if not isinstance(new, (float, int, np.floating, np.integer)) and not hasattr(new, "dtype"):
            raise ValueError(
                "The output of the `schedule` function should be a float. "
                f"Got: {new!r} (of type {type(new).__name__})"
            )
        optimizer.learning_rate = float(np.asarray(new))
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {new}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate))


@export("lamina.callbacks.LambdaCallback")
class LambdaCallback(Callback):
    """A callback made of functions: `on_epoch_end=lambda epoch, logs: ...` and so on."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, function in hooks.items():
            if function is None:
                continue
            if not name.startswith("on_") or not hasattr(Callback, name):
                raise ValueError(f"LambdaCallback: unknown hook {name!r}.")
            setattr(self, name, function)


@export("lamina.callbacks.CSVLogger")
class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: whether to append to an existing file (no header then).
    """

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self._file = None
        self._writer = None

    def on_train_begin(self, logs=None):
        exists = os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self._append_header = not (self.append and exists)
        self._file = open(self.filename, "a" if self.append else "w", newline="")
        self.keys = None
        self._writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}

        def text(value):
            array = np.asarray(value)
            if array.ndim == 0:
                return value if not hasattr(value, "dtype") else float(array)
            return f'"[{", ".join(str(v) for v in array.ravel())}]"'

        if self.keys is None:
            self.keys = sorted(logs)
        if self._writer is None:
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch"] + self.keys,
                                          delimiter=self.sep)
            if self._append_header:
                self._writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((k, text(logs[k]) if k in logs else "NA") for k in self.keys)
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs=None):
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None


@export("lamina.callbacks.SwapEMAWeights")
class SwapEMAWeights(Callback):
    """Evaluates (and optionally checkpoints) with the optimizer's moving-average weights.

    Args:
        swap_on_epoch: whether to swap in the averages at each epoch end (for validation and
            checkpoints) and swap back at the next epoch's start.
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._swapped = False

    def _optimizer(self):
        optimizer = self.model.optimizer
        if not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights requires an optimizer with use_ema=True, e.g. "
                "lamina.optimizers.Adam(use_ema=True)."
            )
        return optimizer

    def _swap(self):
        self._optimizer()._swap_ema_weights(self.model.trainable_variables)
        self._swapped = not self._swapped

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._swapped:
            self._swap()

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._swapped:
            self._swap()

    def on_test_begin(self, logs=None):
        if not self._swapped:
            self._swap()

    def on_test_end(self, logs=None):
        if self._swapped:
            self._swap()

    def on_predict_begin(self, logs=None):
        self.on_test_begin(logs)

    def on_predict_end(self, logs=None):
        self.on_test_end(logs)


@export("lamina.callbacks.RemoteMonitor")
class RemoteMonitor(Callback):
    """Posts each epoch's logs as JSON to an HTTP server (`root + path`)."""

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/", field="data",
                 headers=None, send_as_json=False):
        super().__init__()
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json

    def on_epoch_end(self, epoch, logs=None):
        import urllib.parse
        import urllib.request

        payload = {"epoch": epoch}
        payload.update({k: float(np.asarray(v)) for k, v in (logs or {}).items()})
        if self.send_as_json:
            data = json.dumps(payload).encode("utf-8")
            headers = {"Content-Type": "application/json", **(self.headers or {})}
        else:
            data = urllib.parse.urlencode({self.field: json.dumps(payload)}).encode("utf-8")
            headers = self.headers or {}
        request = urllib.request.Request(self.root + self.path, data=data, headers=headers)
        try:
            urllib.request.urlopen(request, timeout=10)
        except OSError as e:
            import warnings

            warnings.warn(f"Could not reach the remote server at {self.root}: {e}", stacklevel=2)


@export("lamina.callbacks.TensorBoard")
class TensorBoard(Callback):
    """Writes epoch logs for TensorBoard (needs the `tensorboard` package)."""

    def __init__(self, log_dir="logs", **kwargs):
        super().__init__()
        self.log_dir = os.fspath(log_dir)
        self._writer = None

    def on_train_begin(self, logs=None):
        try:
            from tensorboard.summary import Writer
        except ImportError:
            raise ImportError(
                "The TensorBoard callback needs the `tensorboard` package: pip install "
                "tensorboard."
            ) from None
        self._writer = Writer(os.path.join(self.log_dir, "train"))

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self._writer.add_scalar(key, float(np.asarray(value)), epoch)
        self._writer.flush()

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.close()


