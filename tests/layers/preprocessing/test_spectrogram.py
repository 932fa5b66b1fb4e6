"""STFTSpectrogram and MelSpectrogram against NumPy FFTs and hand-checked properties."""

import numpy as np
import pytest
import scipy.signal

import lamina
from lamina import layers


def frames_of(x, length, step):
    count = (len(x) - length) // step + 1
    return np.stack([x[i * step:i * step + length] for i in range(count)])


def test_stft_magnitude_and_parts_match_numpy_fft(rng):
    signal = rng.normal(size=(2, 300, 1)).astype("float32")
    length, step, fft = 64, 16, 128
    window = scipy.signal.get_window("hann", length, fftbins=False)
    scale = np.sqrt(np.sum(window**2))
    expected = np.stack([
        np.fft.rfft(frames_of(s[:, 0], length, step) * window, n=fft) / scale for s in signal])
    magnitude = np.asarray(layers.STFTSpectrogram(
        mode="magnitude", frame_length=length, frame_step=step, fft_length=fft)(signal))
    assert magnitude.shape == expected.shape == (2, 15, 65)
    np.testing.assert_allclose(magnitude, np.abs(expected), rtol=1e-3, atol=1e-3)
    real = np.asarray(layers.STFTSpectrogram(
        mode="real", frame_length=length, frame_step=step, fft_length=fft)(signal))
    np.testing.assert_allclose(real, expected.real, rtol=1e-3, atol=1e-3)
    imag = np.asarray(layers.STFTSpectrogram(
        mode="imag", frame_length=length, frame_step=step, fft_length=fft)(signal))
    np.testing.assert_allclose(imag, expected.imag, rtol=1e-3, atol=1e-3)
    log = np.asarray(layers.STFTSpectrogram(
        mode="log", frame_length=length, frame_step=step, fft_length=fft)(signal))
    np.testing.assert_allclose(log, np.log(np.maximum(np.abs(expected), 1e-7)), atol=2e-3)
    psd = np.asarray(layers.STFTSpectrogram(
        mode="psd", frame_length=length, frame_step=step, fft_length=fft)(signal))
    power = np.abs(expected) ** 2
    power[..., 1:-1] *= 2
    np.testing.assert_allclose(psd, power, rtol=2e-3, atol=2e-3)


def test_stft_shapes_channels_and_config():
    layer = layers.STFTSpectrogram(frame_length=32, frame_step=8, expand_dims=True)
    assert layer(np.ones((1, 100, 3), "float32")).shape == (1, 9, 17, 3)
    assert layer(lamina.Input((100, 3))).shape == (None, 9, 17, 3)
    first = layers.STFTSpectrogram(frame_length=32, padding="same", data_format="channels_first")
    assert first(np.ones((1, 2, 100), "float32")).shape == (1, 34, 7)
    assert first.compute_output_shape((None, 2, 100)) == (None, 34, 7)
    assert len(layers.STFTSpectrogram(mode="magnitude", frame_length=8)(
        np.ones((1, 16, 1), "float32")).shape) == 3
    config = layers.STFTSpectrogram(mode="psd", frame_length=32, scaling="spectrum").get_config()
    assert config["mode"] == "psd" and config["frame_step"] is None
    assert config["fft_length"] is None and config["scaling"] == "spectrum"
    assert layers.STFTSpectrogram.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="phase")
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(frame_length=8)(np.ones((1, 16, 1), "int32"))


def test_mel_filterbank_is_htk_triangles():
    layer = layers.MelSpectrogram()
    matrix = layer.linear_to_mel_weight_matrix(num_mel_bins=4, num_spectrogram_bins=65,
                                               sampling_rate=8000, lower_edge_hertz=100.0,
                                               upper_edge_hertz=3000.0)
    assert matrix.shape == (65, 4)
    assert (matrix[0] == 0).all() and (matrix >= 0).all() and (matrix <= 1).all()

    def mel(f):
        return 1127.0 * np.log(1 + f / 700.0)

    edges = np.linspace(mel(100.0), mel(3000.0), 6)
    freqs = np.linspace(0, 4000, 65)
    k, band = 20, 1
    m = mel(freqs[k])
    expected = max(0.0, min((m - edges[band]) / (edges[band + 1] - edges[band]),
                            (edges[band + 2] - m) / (edges[band + 2] - edges[band + 1])))
    np.testing.assert_allclose(matrix[k, band], expected, rtol=1e-5)


def test_mel_spectrogram_of_a_tone():
    rate = 8000
    t = np.arange(4000) / rate
    tone = np.sin(2 * np.pi * 1000.0 * t).astype("float32")
    layer = layers.MelSpectrogram(fft_length=256, sequence_stride=128, sampling_rate=rate,
                                  num_mel_bins=32, power_to_db=False)
    spectrum = np.asarray(layer(tone[None]))
    assert spectrum.shape == (1, 32, 1 + 4000 // 128)
    assert layer.compute_output_shape((None, 4000)) == (None, 32, 32)
    # The band with the most energy is the band whose center is nearest 1000 Hz.
    matrix = layer.linear_to_mel_weight_matrix(32, 129, rate, 20.0, 4000.0)
    centers = np.linspace(0, 4000, 129) @ matrix / matrix.sum(0)
    assert abs(centers[spectrum[0, :, 10].argmax()] - 1000.0) < 150
    # mag_exp=2: doubling the signal quadruples the power.
    doubled = np.asarray(layer(2 * tone[None]))
    np.testing.assert_allclose(doubled, 4 * spectrum, rtol=1e-3, atol=1e-4)
    db = np.asarray(layers.MelSpectrogram(fft_length=256, sequence_stride=128,
                                          sampling_rate=rate, num_mel_bins=32,
                                          top_db=40.0)(tone[None]))
    np.testing.assert_allclose(db.max() - db.min(), 40.0, rtol=1e-4)
    expected_db = 10 * np.log10(np.maximum(spectrum, 1e-10))
    np.testing.assert_allclose(db, np.maximum(expected_db, expected_db.max() - 40), atol=1e-2)


def test_mel_config_round_trip():
    layer = layers.MelSpectrogram(fft_length=512, sequence_stride=128, num_mel_bins=40)
    config = layer.get_config()
    assert config["max_freq"] == 8000 and config["sequence_length"] == 512
    assert layers.MelSpectrogram.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="sequence_length"):
        layers.MelSpectrogram(fft_length=256, sequence_length=512)
