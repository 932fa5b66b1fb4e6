"""The PyTorch backend: eager torch tensors on the best device, gradients from autograd."""

from lamina.backend.torch import core, image, linalg, math, nn, numpy, random, rnn, trainer

NAME = "torch"
