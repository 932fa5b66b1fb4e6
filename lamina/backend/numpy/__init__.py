"""The NumPy backend: every op, for inference and as the reference; it does not train."""

from lamina.backend.numpy import core, image, linalg, math, nn, numpy, random, rnn, trainer

NAME = "numpy"
