"""Callbacks that write files: ModelCheckpoint and BackupAndRestore."""

import json
import math
import os
import shutil
import warnings

import numpy as np

from lamina.api_export import export
from lamina.callbacks.callback import Callback
from lamina.callbacks.monitoring import _mode_is_max


@export("lamina.callbacks.ModelCheckpoint")
class ModelCheckpoint(Callback):
    """Saves the model (or its weights) during training.

    Args:
        filepath: where to save; may hold `{epoch}` and log names, e.g.
            "ckpt-{epoch:02d}-{val_loss:.2f}.weights.h5". Ends in ".keras" for whole models
            and ".weights.h5" when `save_weights_only`.
        monitor: the log that decides "best".
        save_best_only: only save when `monitor` improved.
        save_weights_only: save weights only.
        mode: "auto", "min" or "max".
        save_freq: "epoch" or a number of batches.
        initial_value_threshold: the value to beat for the first save.
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._maximize = _mode_is_max(monitor, mode)
        self.best = initial_value_threshold if initial_value_threshold is not None else (
            -math.inf if self._maximize else math.inf)
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}: expected 'epoch' or an int.")
        if save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "When using `save_weights_only=True` in `ModelCheckpoint`, the filepath "
                f"provided must end in `.weights.h5`. Received: filepath={self.filepath}"
            )
        if not save_weights_only and not self.filepath.endswith(".keras"):
            raise ValueError(
                "The filepath provided must end in `.keras` (Keras model format). Received: "
                f"filepath={self.filepath}"
            )
        self._batches_seen = 0
        self._current_epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._save(self._current_epoch, logs, batch=batch)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, logs)

    def _file_path(self, epoch, logs, batch=None):
        logs = dict(logs or {})
        try:
            if batch is None:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}'
            ) from e

    def _save(self, epoch, logs, batch=None):
        logs = logs or {}
        path = self._file_path(epoch, logs, batch)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(
                    f"Can save best model only with {self.monitor} available, skipping.",
                    stacklevel=2)
                return
            current = float(np.asarray(current))
            improved = current > self.best if self._maximize else current < self.best
            if not improved:
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to "
                      f"{current:.5f}, saving model to {path}")
            self.best = current
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


@export("lamina.callbacks.BackupAndRestore")
class BackupAndRestore(Callback):
    """Backs up the training state each epoch so that an interrupted `fit` resumes.

    Args:
        backup_dir: a folder for the backup.
        save_freq: "epoch" or a number of batches.
        delete_checkpoint: whether to delete the backup when training ends normally.
        double_checkpoint: whether to keep the previous backup too.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._weights_path = os.path.join(self.backup_dir, "latest.weights.h5")
        self._state_path = os.path.join(self.backup_dir, "training_metadata.json")
        self._batches_seen = 0
        self._current_epoch = 0

    def on_train_begin(self, logs=None):
        if not os.path.exists(self._state_path):
            return
        with open(self._state_path) as f:
            state = json.load(f)
        if self.model.optimizer is not None and not getattr(self.model.optimizer, "built", False):
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(self._weights_path)
        self.model._initial_epoch = int(state["epoch"]) + 1

    def _backup(self, epoch):
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            shutil.copyfile(self._weights_path, self._weights_path + ".previous")
        self.model.save_weights(self._weights_path, overwrite=True)
        tmp = self._state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"epoch": epoch}, f)
        os.replace(tmp, self._state_path)

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if isinstance(self.save_freq, int):
            self._batches_seen += 1
            if self._batches_seen % self.save_freq == 0:
                self._backup(self._current_epoch - 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir) and not getattr(
                self.model, "_interrupted", False):
            shutil.rmtree(self.backup_dir, ignore_errors=True)


