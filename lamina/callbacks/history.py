"""`History`: records the logs of every epoch; `fit` returns it."""

from lamina.api_export import export
from lamina.callbacks.callback import Callback


@export("lamina.callbacks.History")
class History(Callback):
    """Keeps `history` (`{"loss": [...], "val_loss": [...], ...}`) and `epoch` (a list)."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)
        self.model.history = self
