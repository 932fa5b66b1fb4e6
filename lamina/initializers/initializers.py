"""Weight initializers. Random ones draw from NumPy's generator (seeded from
`lamina.utils.set_random_seed` or their own `seed`), not from a backend, so that the same
seed gives the same initial weights on every backend.
"""

import math

import numpy as np

from lamina.api_export import export
from lamina.backend.common import dtypes


def _public(*names):
    paths = []
    for name in names:
        paths.append(f"lamina.initializers.{name}")
    return export(*paths)


def _generator(seed):
    """A NumPy Generator: from `seed` when it is an int, else from lamina's global seed."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    from lamina.random.seed_generator import numpy_generator

    return numpy_generator(seed)


def _finish(values, dtype):
    from lamina.backend import active

    dtype = dtypes.standardize_dtype(dtype)
    return active.core.convert_to_tensor(np.asarray(values).astype(dtypes.to_numpy_dtype(dtype)),
                                         dtype=dtype)


def compute_fans(shape):
    """`(fan_in, fan_out)` of a weight of `shape` (kernels: receptive field times channels)."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


@_public("Initializer")
class Initializer:
    """Base class: a callable `(shape, dtype=None) -> tensor` with a config."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype).")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


@_public("Constant", "constant")
class Constant(Initializer):
    """Fills with `value`."""

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return _finish(np.full(shape, self.value), dtype)

    def get_config(self):
        value = self.value
        if isinstance(value, np.ndarray):
            value = value.tolist()
        return {"value": value}


@_public("Zeros", "zeros")
class Zeros(Initializer):
    """Fills with zeros."""

    def __call__(self, shape, dtype=None):
        return _finish(np.zeros(shape), dtype)


@_public("Ones", "ones")
class Ones(Initializer):
    """Fills with ones."""

    def __call__(self, shape, dtype=None):
        return _finish(np.ones(shape), dtype)


class _RandomInitializer(Initializer):
    def __init__(self, seed=None):
        if seed is not None and not isinstance(seed, (int, np.integer)):
            if not hasattr(seed, "next"):
                raise ValueError(
                    f"{type(self).__name__}: `seed` must be an int, None or a SeedGenerator, "
                    f"received seed={seed!r}."
                )
        self.seed = seed

    def get_config(self):
        seed = self.seed if isinstance(self.seed, (int, np.integer)) or self.seed is None else None
        return {"seed": seed}


@_public("RandomNormal", "random_normal")
class RandomNormal(_RandomInitializer):
    """Normal values with `mean` and `stddev`."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None):
        return _finish(_generator(self.seed).normal(self.mean, self.stddev, size=shape), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@_public("RandomUniform", "random_uniform")
class RandomUniform(_RandomInitializer):
    """Uniform values in `[minval, maxval)`."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = minval
        self.maxval = maxval

    def __call__(self, shape, dtype=None):
        rng = _generator(self.seed)
        dtype = dtypes.standardize_dtype(dtype)
        if dtypes.is_int_dtype(dtype):
            return _finish(rng.integers(self.minval, self.maxval, size=shape), dtype)
        return _finish(rng.uniform(self.minval, self.maxval, size=shape), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


def _truncated_normal(rng, mean, stddev, shape):
    """Normal values redrawn until within two standard deviations of the mean."""
    values = rng.normal(size=shape)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = rng.normal(size=int(outside.sum()))
        outside = np.abs(values) > 2
    return mean + stddev * values


@_public("TruncatedNormal", "truncated_normal")
class TruncatedNormal(_RandomInitializer):
    """Normal values within two standard deviations of the mean."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None):
        return _finish(_truncated_normal(_generator(self.seed), self.mean, self.stddev, shape),
                       dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@_public("VarianceScaling", "variance_scaling")
class VarianceScaling(_RandomInitializer):
    """Values scaled to the weight's fan: `scale / n` variance, n from `mode`.

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg".
        distribution: "truncated_normal", "untruncated_normal" or "uniform".
        seed: int, None or SeedGenerator.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, received scale={scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                "VarianceScaling: `mode` must be one of 'fan_in', 'fan_out', 'fan_avg', "
                f"received mode={mode!r}."
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(
                "VarianceScaling: `distribution` must be one of 'uniform', 'truncated_normal', "
                f"'untruncated_normal', received distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = _generator(self.seed)
        if self.distribution == "truncated_normal":
            # The std of a unit normal truncated to [-2, 2].
            stddev = math.sqrt(variance) / 0.87962566103423978
            values = _truncated_normal(rng, 0.0, stddev, shape)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        return _finish(values, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                **super().get_config()}


def _variance_scaling_preset(class_name, alias, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale=scale, mode=mode, distribution=distribution,
                                 seed=seed)

    def get_config(self):
        return {"seed": _RandomInitializer.get_config(self)["seed"]}

    cls = type(class_name, (VarianceScaling,), {
        "__init__": __init__, "get_config": get_config, "__doc__": doc,
        "__module__": __name__,
    })
    return _public(class_name, alias)(cls)


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", "glorot_uniform", 1.0, "fan_avg", "uniform",
    "Uniform in ±sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010).")
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", "glorot_normal", 1.0, "fan_avg", "truncated_normal",
    "Truncated normal with stddev sqrt(2 / (fan_in + fan_out)).")
HeUniform = _variance_scaling_preset(
    "HeUniform", "he_uniform", 2.0, "fan_in", "uniform",
    "Uniform in ±sqrt(6 / fan_in) (He et al., 2015).")
HeNormal = _variance_scaling_preset(
    "HeNormal", "he_normal", 2.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev sqrt(2 / fan_in).")
LecunUniform = _variance_scaling_preset(
    "LecunUniform", "lecun_uniform", 1.0, "fan_in", "uniform",
    "Uniform in ±sqrt(3 / fan_in).")
LecunNormal = _variance_scaling_preset(
    "LecunNormal", "lecun_normal", 1.0, "fan_in", "truncated_normal",
    "Truncated normal with stddev sqrt(1 / fan_in).")


@_public("Orthogonal", "OrthogonalInitializer", "orthogonal")
class Orthogonal(_RandomInitializer):
    """A (semi-)orthogonal matrix times `gain`; kernels are flattened to 2-D first."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(
                "Orthogonal: the shape must have at least 2 dimensions, "
                f"received shape={tuple(shape)}."
            )
        rows = math.prod(shape[:-1])
        cols = shape[-1]
        flat = (max(rows, cols), min(rows, cols))
        a = _generator(self.seed).normal(size=flat)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return _finish(self.gain * q.reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


@_public("Identity", "IdentityInitializer", "identity")
class Identity(Initializer):
    """`gain` times the identity matrix (2-D shapes only)."""

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(
                f"Identity: the shape must be 2-D, received shape={tuple(shape)}."
            )
        return _finish(self.gain * np.eye(*shape), dtype)

    def get_config(self):
        return {"gain": self.gain}


@_public("STFT", "STFTInitializer", "stft")
class STFT(Initializer):
    """Kernels of a short-time Fourier transform (a windowed DFT basis) for conv layers.

    Args:
        side: "real" or "imag" part of the basis.
        window: a window name ("hann", "hamming") or None.
        scaling: "density", "spectrum" or None.
        periodic: whether the window is periodic.
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f"STFT: `side` must be 'real' or 'imag', received side={side!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(
                "STFT: `scaling` must be None, 'density' or 'spectrum', "
                f"received scaling={scaling!r}."
            )
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        frame_length, fft_bins = shape[0], shape[-1]
        fft_length = 2 * (fft_bins - 1)  # the bins of a real FFT of this length
        n = np.arange(frame_length)[:, None]
        k = np.arange(fft_bins)[None, :]
        angle = 2 * np.pi * n * k / fft_length
        basis = np.cos(angle) if self.side == "real" else -np.sin(angle)
        if self.window is not None:
            size = frame_length + 1 if self.periodic else frame_length
            windows = {"hann": np.hanning, "hanning": np.hanning, "hamming": np.hamming,
                       "blackman": np.blackman, "bartlett": np.bartlett}
            if isinstance(self.window, str):
                if self.window not in windows:
                    raise ValueError(
                        f"STFT: unknown window {self.window!r}; expected one of "
                        f"{sorted(windows)} or an array of length {frame_length}."
                    )
                window = windows[self.window](size)[:frame_length]
            else:
                window = np.asarray(self.window, dtype="float64")
            basis = basis * window[:, None]
        else:
            window = np.ones(frame_length)
        if self.scaling == "density":
            basis = basis / np.sqrt(np.sum(window**2))
        elif self.scaling == "spectrum":
            basis = basis / np.abs(np.sum(window))
        return _finish(basis.reshape(shape), dtype)

    def get_config(self):
        return {"side": self.side, "window": self.window, "scaling": self.scaling,
                "periodic": self.periodic}
