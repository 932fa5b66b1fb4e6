"""Callbacks in real fits: every hook, early stopping, LR changes, checkpoints, logs."""

import csv
import os

import numpy as np
import pytest

import lamina
from lamina import callbacks, layers
from tests.conftest import requires_training

pytestmark = requires_training


def make_model(lr=0.05):
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(lr), loss="mse")
    return model


def data(n=40):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, x @ np.array([[1.0], [2.0], [-1.0]], "float32")


def test_hooks_are_called_in_order():
    events = []

    class Recorder(callbacks.Callback):
        def __getattribute__(self, name):
            if name.startswith("on_"):
                return lambda *args, **kwargs: events.append(name)
            return super().__getattribute__(name)

    x, y = data()
    make_model().fit(x, y, batch_size=20, epochs=2, validation_split=0.5, verbose=0,
                     callbacks=[Recorder()])
    assert events[0] == "on_train_begin" and events[-1] == "on_train_end"
    assert events.count("on_epoch_begin") == 2 and events.count("on_train_batch_end") == 2
    assert events[1:4] == ["on_epoch_begin", "on_train_batch_begin", "on_train_batch_end"]


def test_early_stopping_restores_best_weights():
    x, y = data()
    model = make_model(lr=5.0)  # diverges after the first epoch
    stopper = callbacks.EarlyStopping(monitor="loss", patience=1, restore_best_weights=True)
    weights = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: weights.append(model.get_weights()))
    history = model.fit(x, y, epochs=20, verbose=0, callbacks=[record, stopper])
    losses = history.history["loss"]
    assert len(losses) < 20 and stopper.stopped_epoch == len(losses) - 1
    best = int(np.argmin(losses))
    for a, b in zip(model.get_weights(), weights[best]):
        np.testing.assert_array_equal(a, b)


def test_early_stopping_start_from_epoch():
    x, y = data()
    # No real progress (a tiny step, a large min_delta): it stops once it starts watching.
    stopper = callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=1.0,
                                      start_from_epoch=3)
    history = make_model(lr=1e-9).fit(x, y, epochs=10, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 5


def test_early_stopping_keeps_going_while_improving_below_baseline():
    x, y = data()
    # As in Keras: an improving monitor that has not beaten the baseline does not stop.
    stopper = callbacks.EarlyStopping(monitor="loss", patience=0, baseline=-1.0)
    history = make_model().fit(x, y, epochs=6, verbose=0, callbacks=[stopper])
    assert len(history.history["loss"]) == 6


def test_learning_rate_scheduler_and_reduce_on_plateau():
    x, y = data()
    model = make_model()
    schedule = callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[schedule])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.1 / 3], rtol=1e-6)
    model = make_model(lr=1e-9)  # no progress: the plateau is immediate
    reduce = callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=1.0)
    history = model.fit(x, y, epochs=4, verbose=0, callbacks=[reduce])
    assert history.history["learning_rate"][-1] < 1e-9
    with pytest.raises(ValueError, match="factor >= 1.0"):
        callbacks.ReduceLROnPlateau(factor=2.0)


def test_terminate_on_nan():
    x, y = data()
    y[0] = np.inf
    model = make_model()
    history = model.fit(x, y, batch_size=40, epochs=5, verbose=0,
                        callbacks=[callbacks.TerminateOnNaN()]) if False else None
    assert history is None  # non-finite targets are refused before training (see test_fit)
    model = make_model(lr=1e30)
    history = model.fit(x[:, :], np.nan_to_num(y, posinf=1e30), batch_size=10, epochs=5,
                        verbose=0, callbacks=[callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) < 5 or not np.isfinite(history.history["loss"][-1])


def test_csv_logger(tmp_path):
    x, y = data()
    path = tmp_path / "log.csv"
    make_model().fit(x, y, epochs=3, verbose=0, callbacks=[callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and "loss" in rows[0]
    make_model().fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.CSVLogger(path, append=True)])
    with open(path) as f:
        assert len(list(csv.DictReader(f))) == 5


def test_model_checkpoint_weights_best_only(tmp_path):
    x, y = data()
    pattern = str(tmp_path / "w-{epoch:02d}.weights.h5")
    checkpoint = callbacks.ModelCheckpoint(pattern, monitor="loss", save_best_only=True,
                                           save_weights_only=True)
    model = make_model()
    model.fit(x, y, epochs=3, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["w-01.weights.h5", "w-02.weights.h5", "w-03.weights.h5"]
    clone = make_model()
    clone.load_weights(tmp_path / "w-03.weights.h5")
    for a, b in zip(clone.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="must end in `.weights.h5`"):
        callbacks.ModelCheckpoint(str(tmp_path / "x.h5"), save_weights_only=True)


def test_model_checkpoint_whole_model(tmp_path):
    x, y = data()
    path = str(tmp_path / "model.keras")
    model = make_model()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(path)])
    loaded = lamina.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_backup_and_restore_resumes_after_interruption(tmp_path):
    x, y = data()

    class Interrupt(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise KeyboardInterrupt

    backup = callbacks.BackupAndRestore(str(tmp_path / "backup"))
    model = make_model()
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, batch_size=10, shuffle=False, verbose=0,
                  callbacks=[backup, Interrupt()])
    resumed = make_model()
    history = resumed.fit(x, y, epochs=4, batch_size=10, shuffle=False, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    assert history.epoch == [2, 3]
    reference = make_model()
    reference.fit(x, y, epochs=4, batch_size=10, shuffle=False, verbose=0)
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not os.path.exists(tmp_path / "backup")


def test_stop_training_from_a_callback():
    x, y = data()
    model = make_model()

    class StopAtOne(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = epoch >= 1

    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[StopAtOne()])
    assert history.epoch == [0, 1]


def test_swap_ema_weights_evaluates_with_averages():
    x, y = data()
    model = lamina.Sequential([lamina.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(0.05, use_ema=True, ema_momentum=0.5),
                  loss="mse")
    model.fit(x, y, epochs=2, verbose=0, validation_data=(x, y),
              callbacks=[callbacks.SwapEMAWeights()])
    raw = model.evaluate(x, y, verbose=0)
    with_ema = model.evaluate(x, y, verbose=0, callbacks=[callbacks.SwapEMAWeights()])
    assert raw != with_ema
    with pytest.raises(ValueError, match="use_ema=True"):
        make_model().fit(x, y, epochs=1, verbose=0, validation_data=(x, y),
                         callbacks=[callbacks.SwapEMAWeights()])
