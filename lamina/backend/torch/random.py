"""torch backend: random functions.

Each takes `seed`, a `(2,)` uint32 tensor drawn by `lamina.random`. It is mixed into one
64-bit integer (NumPy's SeedSequence) that seeds a `torch.Generator` on the device, so that
the same seed gives the same numbers and different seeds independent streams. Gamma, beta and
binomial draws (no seeded torch samplers) come from NumPy on the host, as in the numpy backend.
"""

import numpy as np
import torch

from lamina.backend.common import dtypes
from lamina.backend.torch.core import (
    convert_to_numpy,
    convert_to_tensor,
    _device,
    _torch_dtype,
)


def _seed_words(seed):
    return [int(s) for s in np.asarray(convert_to_numpy(seed)).reshape(-1).astype(np.uint64)]


def _generator(seed, device=None):
    mixed = np.random.SeedSequence(_seed_words(seed)).generate_state(1, np.uint64)[0]
    generator = torch.Generator(device=device or _device())
    generator.manual_seed(int(mixed))
    return generator


def _sample_dtype(dtype):
    # Sample in float32 at least: half-precision samplers are missing on some devices.
    torch_dtype = _torch_dtype(dtype)
    return torch.float64 if torch_dtype == torch.float64 else torch.float32


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    sample = torch.randn(tuple(shape), generator=_generator(seed),
                         dtype=_sample_dtype(dtype), device=_device())
    return (sample * stddev + mean).to(_torch_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    sample = torch.rand(tuple(shape), generator=_generator(seed),
                        dtype=_sample_dtype(dtype), device=_device())
    return (minval + sample * (maxval - minval)).to(_torch_dtype(dtype))


def categorical(logits, num_samples, dtype="int32", seed=None):
    probabilities = torch.softmax(logits.to(torch.float64), dim=-1)
    draws = torch.multinomial(probabilities, num_samples, replacement=True,
                              generator=_generator(seed, logits.device))
    return draws.to(_torch_dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    sample = torch.randint(int(minval), int(maxval), tuple(shape), generator=_generator(seed),
                           dtype=torch.int64, device=_device())
    return sample.to(_torch_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    # Normal draws, redrawing those beyond two standard deviations until none is left.
    generator = _generator(seed)
    sample_dtype = _sample_dtype(dtype)
    sample = torch.randn(tuple(shape), generator=generator, dtype=sample_dtype,
                         device=_device())
    outside = sample.abs() > 2
    while bool(outside.any()):
        redraw = torch.randn(tuple(shape), generator=generator, dtype=sample_dtype,
                             device=_device())
        sample = torch.where(outside, redraw, sample)
        outside = sample.abs() > 2
    return (sample * stddev + mean).to(_torch_dtype(dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    keep_prob = 1.0 - float(rate)
    noise_shape = tuple(inputs.shape) if noise_shape is None else tuple(noise_shape)
    noise = torch.rand(noise_shape, generator=_generator(seed, inputs.device),
                       device=inputs.device)
    mask = torch.broadcast_to(noise < keep_prob, inputs.shape)
    kept = (inputs / keep_prob).to(inputs.dtype)
    return torch.where(mask, kept, torch.zeros_like(inputs))


def shuffle(x, axis=0, seed=None):
    # Each 1-D slice along `axis` is permuted independently, as in Keras' numpy and jax.
    keys = torch.rand(tuple(x.shape), generator=_generator(seed, x.device), device=x.device)
    order = torch.argsort(keys, dim=axis)
    return torch.take_along_dim(x, order, dim=axis)


def _host_rng(seed):
    return np.random.default_rng(np.asarray(convert_to_numpy(seed)))


def gamma(shape, alpha, dtype=None, seed=None):
    alpha = convert_to_numpy(alpha) if isinstance(alpha, torch.Tensor) else alpha
    sample = _host_rng(seed).gamma(alpha, scale=1.0, size=shape)
    return convert_to_tensor(sample.astype(dtypes.to_numpy_dtype(dtype)))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    counts = convert_to_numpy(counts) if isinstance(counts, torch.Tensor) else counts
    probabilities = (convert_to_numpy(probabilities) if isinstance(probabilities, torch.Tensor)
                     else probabilities)
    sample = _host_rng(seed).binomial(n=counts, p=probabilities, size=shape)
    return convert_to_tensor(sample.astype(dtypes.to_numpy_dtype(dtype)))


def beta(shape, alpha, beta, dtype=None, seed=None):
    alpha = convert_to_numpy(alpha) if isinstance(alpha, torch.Tensor) else alpha
    beta = convert_to_numpy(beta) if isinstance(beta, torch.Tensor) else beta
    sample = _host_rng(seed).beta(a=alpha, b=beta, size=shape)
    return convert_to_tensor(sample.astype(dtypes.to_numpy_dtype(dtype)))
