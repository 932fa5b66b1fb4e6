"""`fit`/`evaluate`/`predict` take a `torch.utils.data.DataLoader` (on every backend)."""

import numpy as np
import pytest

import lamina
from tests.conftest import requires_training

torch = pytest.importorskip("torch", reason="torch is not installed: no DataLoader to test")
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402


def regression_data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 3)).astype("float32")
    y = x @ np.array([[1.0], [2.0], [-1.0]], "float32") + 0.5
    return x, y


def linear_model():
    model = lamina.Sequential([lamina.Input((3,)), lamina.layers.Dense(1)])
    model.compile(optimizer=lamina.optimizers.SGD(0.1), loss="mse")
    return model


@requires_training
def test_fit_iterates_the_loader_every_epoch():
    x, y = regression_data()
    torch.manual_seed(0)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                        batch_size=10, shuffle=True)
    batches = []

    class Count(lamina.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)

    model = linear_model()
    history = model.fit(loader, epochs=4, verbose=0, callbacks=[Count()])
    assert batches == list(range(10)) * 4
    losses = history.history["loss"]
    assert len(losses) == 4 and losses[-1] < losses[0] / 100


def test_evaluate_and_predict_on_loaders_match_numpy():
    x, y = regression_data()
    model = linear_model()
    w, b = model.get_weights()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=16)
    expected = x @ w + b
    loss = model.evaluate(loader, verbose=0)
    np.testing.assert_allclose(loss, np.mean((expected - y) ** 2), rtol=1e-5)
    x_only = DataLoader(TensorDataset(torch.from_numpy(x)), batch_size=7)
    np.testing.assert_allclose(model.predict(x_only, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_loader_with_targets_refuses_separate_y():
    x, y = regression_data()
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=10)
    with pytest.raises(ValueError, match="must yield the targets itself"):
        linear_model().evaluate(loader, y, verbose=0)
