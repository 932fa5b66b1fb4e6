"""The JAX backend: the default; differentiable, compiled with jax.jit."""

from lamina.backend.jax import core, image, linalg, math, nn, numpy, random, rnn, trainer

NAME = "jax"
