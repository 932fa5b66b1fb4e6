"""The hand-written PyTorch baseline: `nn.Module`s, `torch.optim.Adam`, the usual eager
loop (zero_grad, forward, backward, step), no `torch.compile`. Images are NCHW (converted
once, before timing), as a PyTorch user keeps them.

Models match models.py: Glorot-uniform kernels and zero biases instead of PyTorch's default
initialization; the LSTM has an orthogonal recurrent kernel and forget-gate bias 1.
"""

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def keras_init_(module):
    """Re-initialize `module`'s layers as Keras does; returns `module`."""
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
        elif isinstance(layer, nn.LSTM):
            units = layer.hidden_size
            for name, value in layer.named_parameters():
                if name.startswith("weight_ih"):
                    nn.init.xavier_uniform_(value)
                elif name.startswith("weight_hh"):
                    nn.init.orthogonal_(value)
                else:
                    nn.init.zeros_(value)
                    if name.startswith("bias_ih"):  # gates: input, forget, cell, output
                        with torch.no_grad():
                            value[units:2 * units] = 1.0
    return module


# -- models (each returns logits) ----------------------------------------------------------
def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return keras_init_(nn.Sequential(*layers))


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.dense1 = nn.Linear(64 * 4 * 4, 64)
        self.dense2 = nn.Linear(64, 10)
        keras_init_(self)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x))
        x = F.relu(self.dense1(x.flatten(1)))
        return self.dense2(x)


class SequenceLSTM(nn.Module):
    def __init__(self, units=64):
        super().__init__()
        self.lstm = nn.LSTM(1, units, batch_first=True)
        self.out = nn.Linear(units, 1)
        keras_init_(self)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return self.out(h[-1])


# -- tasks ---------------------------------------------------------------------------------
def loss_function(kind):
    if kind == "binary":
        return lambda logits, y: F.binary_cross_entropy_with_logits(logits[:, 0], y)
    return lambda logits, y: F.cross_entropy(logits, y.long())


def probabilities(logits, kind):
    return torch.sigmoid(logits)[:, 0] if kind == "binary" else torch.softmax(logits, -1)


def accuracy(model, x, y, kind):
    with torch.no_grad():
        logits = model(x)
    if kind == "binary":
        return float(((logits[:, 0] > 0) == (y > 0.5)).float().mean())
    return float((logits.argmax(-1) == y).float().mean())


def adam(model):
    return torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def fit(model, optimizer, kind, x, y, batch_size, epochs, seed=0, validation=None):
    """Epochs of shuffled mini-batches; the loss is read once per epoch, then the validation
    loss `validation = (x_val, y_val)` is computed."""
    loss_fn = loss_function(kind)
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        model.train()
        order = torch.from_numpy(rng.permutation(len(x)))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[rows]), y[rows])
            loss.backward()
            optimizer.step()
        loss.item()
        if validation is not None:
            model.eval()
            with torch.no_grad():
                loss_fn(model(validation[0]), validation[1]).item()


def predict(model, x, kind, batch_size=32):
    """Probabilities over batches of `batch_size`, as one NumPy array."""
    model.eval()
    with torch.no_grad():
        return np.concatenate([probabilities(model(x[start:start + batch_size]), kind).numpy()
                               for start in range(0, len(x), batch_size)])


def tensors(*arrays):
    return [torch.from_numpy(np.ascontiguousarray(a)) for a in arrays]
