"""Audio spectrograms: `STFTSpectrogram` (a trainable STFT as 1-D convolutions) and
`MelSpectrogram` (power spectrum on the mel scale, optionally in decibels)."""

import math
import warnings

import numpy as np

from lamina import backend, ops
from lamina.api_export import export
from lamina.layers.layer import InputSpec, Layer

_STFT_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


def _window(window, length, periodic):
    if not isinstance(window, str):
        return np.asarray(window, dtype="float64")
    size = length + 1 if periodic else length
    if window in ("hann", "hanning"):
        return np.hanning(size)[:length]
    if window == "hamming":
        return np.hamming(size)[:length]
    import scipy.signal  # other window names, as Keras resolves them

    return scipy.signal.get_window(window, length, fftbins=periodic)


def _stft_kernel(side, window, scaling, periodic):
    """An initializer of `(frame_length, 1, bins)` DFT kernels: bin k of an
    `fft_length = 2 * (bins - 1)` point DFT, times the window, over the scaling."""

    def initialize(shape, dtype=None):
        frame_length, _, bins = shape
        time = np.arange(frame_length)[:, None, None]
        freq = np.arange(bins)[None, None, :] / (2 * (bins - 1))
        angle = -2.0 * np.pi * time * freq
        kernel = np.cos(angle) if side == "real" else np.sin(angle)
        if window is not None:
            win = _window(window, frame_length, periodic)
            if win.shape != (frame_length,):
                raise ValueError(
                    "STFTSpectrogram: the shape of `window` must be equal to [frame_length]. "
                    f"Received: window shape={win.shape}"
                )
            kernel = kernel * win[:, None, None]
            if scaling == "density":
                kernel = kernel / np.sqrt(np.sum(win**2))
            elif scaling == "spectrum":
                kernel = kernel / np.sum(np.abs(win))
        return ops.convert_to_tensor(kernel, dtype=dtype or backend.floatx())

    return initialize


@export("lamina.layers.STFTSpectrogram")
class STFTSpectrogram(Layer):
    """The short-time Fourier transform of each channel, computed by 1-D convolutions with
    (trainable) DFT kernels.

    Args:
        mode: "log" (log magnitude, default), "magnitude", "psd" (power spectral density),
            "real", "imag", "angle" or "stft" (real and imaginary parts concatenated).
        frame_length: the window size in samples.
        frame_step: the hop between windows (default `frame_length // 2`).
        fft_length: the DFT size (default the next power of two of `frame_length`).
        window: a window name (e.g. "hann", "hamming"), an array, or None.
        periodic: use the periodic form of the window.
        scaling: "density" (default), "spectrum" or None.
        padding: "valid" or "same".
        expand_dims: keep channels separate: `(batch, time, freq, channels)`.
        data_format: "channels_last" or "channels_first".

    Input shape:
        `(batch, time, channels)` ("channels_last") or `(batch, channels, time)`.

    Output shape:
        `(batch, frames, channels * freq)` ("channels_last"), `(batch, channels * freq,
        frames)` otherwise; with `expand_dims`, channels get their own axis.

    Example:
    >>> layer = STFTSpectrogram(mode="magnitude", frame_length=64, frame_step=32)
    >>> layer(np.ones((2, 1000, 1), "float32")).shape
    (2, 30, 33)
    """

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(
                "STFTSpectrogram: `frame_step` should be a positive integer not greater than "
                f"`frame_length`. Received frame_step={frame_step}, "
                f"frame_length={frame_length}"
            )
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(
                "STFTSpectrogram: `fft_length` should be not less than `frame_length`. "
                f"Received fft_length={fft_length}, frame_length={frame_length}"
            )
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(
                f"`fft_length` is recommended to be a power of two. Received "
                f"fft_length={fft_length}", stacklevel=2)
        if mode not in _STFT_MODES:
            raise ValueError(
                f"STFTSpectrogram: output mode is invalid, it must be one of "
                f"{', '.join(_STFT_MODES)}. Received: mode={mode}"
            )
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(
                "STFTSpectrogram: scaling is invalid, it must be `None`, 'density' or "
                f"'spectrum'. Received scaling={scaling}"
            )
        if padding not in ("valid", "same"):
            raise ValueError(
                "STFTSpectrogram: padding is invalid, it should be 'valid', 'same'. "
                f"Received: padding={padding}"
            )
        super().__init__(**kwargs)
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=_stft_kernel("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=_stft_kernel("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _apply_conv(self, inputs, kernel):
        """Convolves each channel separately: `(batch, channels, freq, frames)`."""
        if self.data_format == "channels_last":
            _, time, channels = inputs.shape
            flat = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        else:
            _, channels, time = inputs.shape
            flat = ops.reshape(inputs, (-1, 1, time))
        outputs = ops.conv(flat, ops.cast(kernel, inputs.dtype), strides=self._frame_step,
                           padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            outputs = ops.transpose(outputs, (0, 2, 1))
        freq, frames = outputs.shape[1], outputs.shape[2]
        return ops.reshape(outputs, (-1, channels, freq, frames))

    def _adjust_shapes(self, outputs):
        _, channels, freq, frames = outputs.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return ops.transpose(outputs, (0, 3, 2, 1))
            return ops.transpose(ops.reshape(outputs, (-1, channels * freq, frames)), (0, 2, 1))
        if self.expand_dims:
            return ops.transpose(outputs, (0, 1, 3, 2))
        return ops.reshape(outputs, (-1, channels * freq, frames))

    def call(self, inputs):
        dtype = backend.standardize_dtype(inputs.dtype)
        if dtype not in ("float16", "float32", "float64"):
            raise TypeError(
                "STFTSpectrogram: invalid input type. Expected `float16`, `float32` or "
                f"`float64`. Received: input type={dtype}"
            )
        real = self._apply_conv(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._apply_conv(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._adjust_shapes(real)
        if self.mode == "imag":
            return self._adjust_shapes(imag)
        if self.mode == "angle":
            return self._adjust_shapes(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._adjust_shapes(ops.concatenate([real, imag], axis=2))
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            # One-sided density: every bin but DC and Nyquist counts twice.
            return self._adjust_shapes(ops.add(
                power, ops.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]])))
        magnitude = self._adjust_shapes(ops.sqrt(ops.maximum(power, backend.epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, backend.epsilon()))

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        freq = self._fft_length // 2 + 1
        if self.mode == "stft":
            freq *= 2
        if time is None:
            frames = None
        elif self.padding == "valid":
            frames = (time - self.frame_length) // self._frame_step + 1
        else:
            frames = -(-time // self._frame_step)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, freq, channels)
            return (batch, channels, frames, freq)
        features = None if channels is None else channels * freq
        if self.data_format == "channels_last":
            return (batch, frames, features)
        return (batch, features, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "mode": self.mode, "frame_length": self.frame_length,
            "frame_step": self.frame_step, "fft_length": self.fft_length,
            "window": self.window, "periodic": self.periodic, "scaling": self.scaling,
            "padding": self.padding, "data_format": self.data_format,
            "expand_dims": self.expand_dims,
        })
        return config


def _hertz_to_mel(frequencies_hertz):
    return _MEL_HIGH_FREQUENCY_Q * np.log(1.0 + frequencies_hertz / _MEL_BREAK_FREQUENCY_HERTZ)


@export("lamina.layers.MelSpectrogram")
class MelSpectrogram(Layer):
    """Mel-scaled power spectrogram of audio signals, in decibels by default.

    Args:
        fft_length: the DFT size.
        sequence_stride: the hop between frames.
        sequence_length: the window size (default `fft_length`).
        window: "hann", "hamming" or None.
        sampling_rate: samples per second of the signal.
        num_mel_bins: the number of mel bands.
        min_freq, max_freq: the frequency range of the bands (max default: Nyquist).
        power_to_db: convert to decibels.
        top_db: the dynamic range kept below the maximum, in dB.
        mag_exp: the exponent of the magnitude (2: power).
        min_power: the floor of the power before the logarithm.
        ref_power: the power that maps to 0 dB.

    Input shape:
        `(batch, time)` or `(time,)`.

    Output shape:
        `(batch, num_mel_bins, frames)` or `(num_mel_bins, frames)`, with
        `frames = 1 + time // sequence_stride` (centered frames).

    Example:
    >>> layer = MelSpectrogram(fft_length=256, sequence_stride=128, num_mel_bins=20)
    >>> layer(np.zeros((2, 1000), "float32")).shape
    (2, 20, 8)
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(
                "MelSpectrogram: `fft_length` must be greater than or equal to "
                f"`sequence_length`. Received: `sequence_length`={self.sequence_length}, "
                f"`fft_length`={self.fft_length}."
            )
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power
        super().__init__(**kwargs)

    def linear_to_mel_weight_matrix(self, num_mel_bins=20, num_spectrogram_bins=129,
                                    sampling_rate=8000, lower_edge_hertz=125.0,
                                    upper_edge_hertz=3800.0, dtype="float32"):
        """The `(num_spectrogram_bins, num_mel_bins)` matrix of triangular mel filters (HTK
        mel scale, peaks of 1) that maps a linear spectrogram to the mel scale."""
        nyquist = sampling_rate / 2.0
        linear_frequencies = np.linspace(0.0, nyquist, num_spectrogram_bins)[1:]
        bins_mel = _hertz_to_mel(linear_frequencies)[:, None]
        edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz),
                            num_mel_bins + 2)
        lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
        weights = np.maximum(0.0, np.minimum(lower_slopes, upper_slopes))
        return np.pad(weights, [[1, 0], [0, 0]]).astype(dtype)

    def call(self, inputs):
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") \
            else "float32"
        inputs = ops.cast(inputs, dtype)
        real, imag = ops.stft(inputs, sequence_length=self.sequence_length,
                              sequence_stride=self.sequence_stride,
                              fft_length=self.fft_length, window=self.window, center=True)
        spectrum = ops.power(ops.sqrt(ops.add(ops.square(real), ops.square(imag))),
                             self.mag_exp)
        matrix = self.linear_to_mel_weight_matrix(
            num_mel_bins=self.num_mel_bins, num_spectrogram_bins=spectrum.shape[-1],
            sampling_rate=self.sampling_rate, lower_edge_hertz=self.min_freq,
            upper_edge_hertz=self.max_freq, dtype=dtype)
        outputs = ops.tensordot(spectrum, matrix, axes=1)
        if self.power_to_db:
            outputs = self._dbscale(outputs)
        return ops.cast(ops.swapaxes(outputs, -1, -2), self.compute_dtype)

    def _dbscale(self, inputs):
        log_spec = ops.multiply(10.0, ops.log10(ops.maximum(inputs, self.min_power)))
        ref = 10.0 * math.log10(max(abs(self.ref_power), self.min_power))
        log_spec = ops.subtract(log_spec, ref)
        return ops.maximum(log_spec, ops.subtract(ops.max(log_spec), self.top_db))

    def compute_output_shape(self, input_shape):
        time = input_shape[-1]
        frames = None if time is None else 1 + time // self.sequence_stride
        return tuple(input_shape[:-1]) + (self.num_mel_bins, frames)

    def get_config(self):
        config = super().get_config()
        config.update({
            "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
            "sequence_length": self.sequence_length, "window": self.window,
            "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
            "min_freq": self.min_freq, "max_freq": self.max_freq,
            "power_to_db": self.power_to_db, "top_db": self.top_db,
            "mag_exp": self.mag_exp, "min_power": self.min_power,
            "ref_power": self.ref_power,
        })
        return config
