"""Keras 3's audio preprocessing layers: ``STFTSpectrogram`` (a short-time Fourier transform as a strided
convolution with ``keras.initializers.STFT`` kernels, trainable as in Keras) and ``MelSpectrogram`` (``ops.stft``,
a mel filter bank and a dB scale), as Keras 3.15 computes them on TF.

>>> import numpy as np
>>> from tapegrad import keras
>>> keras.layers.STFTSpectrogram(frame_length=8, frame_step=4)(np.ones((2, 32, 1), "float32")).shape
TensorShape([2, 7, 5])
>>> keras.layers.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=8)(np.ones((2, 128), "float32")).shape
TensorShape([2, 8, 9])
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import tapegrad as tg

from .. import backend
from ._base import InputSpec, Layer

__all__ = ["MelSpectrogram", "STFTSpectrogram"]

_MODES = ["log", "magnitude", "psd", "real", "imag", "angle", "stft"]


def _ops() -> Any:
    """``keras.ops``, imported on first use (``import tapegrad.keras`` leaves it unloaded)."""
    from .. import ops

    return ops


class STFTSpectrogram(Layer):
    """Spectrogram of ``[batch, time, channels]`` signals (``channels_first``: ``[batch, channels, time]``): frames
    of ``frame_length`` every ``frame_step`` samples (``padding`` valid or same), ``window``-ed and transformed
    with ``fft_length`` bins; ``mode``: ``log`` (log magnitude), ``magnitude``, ``psd``, ``real``, ``imag``,
    ``angle`` or ``stft`` (real and imaginary parts concatenated). Channels are stacked along the frequency axis
    (``expand_dims=True``: their own axis). Magnitudes are floored at ``sqrt(epsilon)``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> layer = keras.layers.STFTSpectrogram(mode="magnitude", frame_length=4, window=None, scaling=None)
    >>> [round(v, 4) for v in layer(np.ones((1, 4, 1), "float32"))[0, 0].numpy().tolist()]
    [4.0, 0.0003, 0.0003]
    """

    def __init__(self, mode: str = "log", frame_length: int = 256, frame_step: int | None = None,
                 fft_length: int | None = None, window: Any = "hann", periodic: bool = False,
                 scaling: str | None = "density", padding: str = "valid", expand_dims: bool = False,
                 data_format: str | None = None, **kwargs: Any) -> None:
        from ..initializers import STFT

        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"`frame_step` should be a positive integer not greater than `frame_length`. Received "
                             f"frame_step={frame_step}, frame_length={frame_length}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"`fft_length` should be not less than `frame_length`. Received fft_length={fft_length}, "
                             f"frame_length={frame_length}")
        if fft_length is not None and fft_length & -fft_length != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}",
                          stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"Output mode is invalid, it must be one of {', '.join(_MODES)}. Received: mode={mode}")
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received "
                             f"scaling={scaling}")
        if padding not in ("valid", "same"):
            raise ValueError(f"Padding is invalid, it should be 'valid', 'same'. Received: padding={padding}")
        STFT("real", window, scaling, periodic)  # an unknown window name fails here, as in Keras
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step = mode, frame_length, frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling = window, periodic, scaling
        self.padding, self.expand_dims = padding, expand_dims
        fmt = backend.image_data_format() if data_format is None else str(data_format).lower()
        if fmt not in ("channels_first", "channels_last"):
            raise ValueError(f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
                             f"Received: data_format={data_format}")
        self.data_format = fmt
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape: Any) -> None:
        from ..initializers import STFT

        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(name="real_kernel", shape=shape,
                                               initializer=STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(name="imag_kernel", shape=shape,
                                               initializer=STFT("imag", self.window, self.scaling, self.periodic))
        self.built = True

    def _conv(self, inputs: Any, kernel: Any) -> Any:
        """Each channel convolved on its own: ``[batch, channels, freq, frames]``."""
        ops = _ops()
        last = self.data_format == "channels_last"
        if last:
            channels, steps = int(inputs.shape[2]), int(inputs.shape[1])
            x = tg.reshape(tg.transpose(inputs, [0, 2, 1]), [-1, steps, 1])
        else:
            channels, steps = int(inputs.shape[1]), int(inputs.shape[2])
            x = tg.reshape(inputs, [-1, 1, steps])
        y = ops.conv(x, tg.cast(kernel, x.dtype), strides=self._frame_step, padding=self.padding,
                     data_format=self.data_format)
        if last:
            y = tg.transpose(y, [0, 2, 1])
        return tg.reshape(y, [-1, channels, int(y.shape[1]), int(y.shape[2])])

    def _arrange(self, x: Any) -> Any:
        _, channels, freq, frames = (int(v) for v in x.shape)
        if self.data_format == "channels_last":
            if self.expand_dims:
                return tg.transpose(x, [0, 3, 2, 1])
            return tg.transpose(tg.reshape(x, [-1, channels * freq, frames]), [0, 2, 1])
        if self.expand_dims:
            return tg.transpose(x, [0, 1, 3, 2])
        return tg.reshape(x, [-1, channels * freq, frames])

    def call(self, inputs: Any) -> Any:
        x = tg.convert_to_tensor(inputs)
        if x.dtype.name not in ("float16", "float32", "float64"):
            raise TypeError(f"Invalid input type. Expected `float16`, `float32` or `float64`. Received: input "
                            f"type={x.dtype.name}")
        real = self._conv(x, self.real_kernel) if self.mode != "imag" else None
        imag = self._conv(x, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._arrange(real)
        if self.mode == "imag":
            return self._arrange(imag)
        if self.mode == "angle":
            return self._arrange(tg.math.atan2(imag, real))
        if self.mode == "stft":
            return self._arrange(tg.concat([real, imag], axis=2))
        power = tg.square(real) + tg.square(imag)
        if self.mode == "psd":
            return self._arrange(power + tg.pad(power[:, :, 1:-1, :], [[0, 0], [0, 0], [1, 1], [0, 0]]))
        eps = backend.epsilon()
        magnitude = self._arrange(tg.sqrt(tg.maximum(power, eps)))
        return magnitude if self.mode == "magnitude" else tg.math.log(tg.maximum(magnitude, eps))

    def compute_output_shape(self, input_shape: Any) -> Any:
        last = self.data_format == "channels_last"
        batch, channels, steps = ((input_shape[0], input_shape[2], input_shape[1]) if last
                                  else (input_shape[0], input_shape[1], input_shape[2]))
        freq = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if steps is None:
            frames = None
        elif self.padding == "same":
            frames = (steps + self._frame_step - 1) // self._frame_step
        else:
            frames = (steps - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, freq, channels) if last else (batch, channels, frames, freq)
        width = None if channels is None else freq * channels
        return (batch, frames, width) if last else (batch, width, frames)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length, "window": self.window,
                "periodic": self.periodic, "scaling": self.scaling, "padding": self.padding,
                "data_format": self.data_format, "expand_dims": self.expand_dims}


_MEL_BREAK_HZ = 700.0
_MEL_HIGH_Q = 1127.0


class MelSpectrogram(Layer):
    """Mel spectrogram of ``[batch, samples]`` (or ``[samples]``) audio: centred STFT frames
    (``sequence_length`` samples windowed, ``fft_length`` bins, every ``sequence_stride``), magnitude to
    ``mag_exp``, ``num_mel_bins`` triangular mel bands between ``min_freq`` and ``max_freq`` (HTK mel scale), then
    (``power_to_db``) ``10 log10`` relative to ``ref_power`` floored at ``min_power`` and ``top_db`` below the
    peak. Output ``[batch, num_mel_bins, frames]``.

    >>> import numpy as np
    >>> from tapegrad import keras
    >>> t = np.arange(1024, dtype="float32") / 8000.0
    >>> layer = keras.layers.MelSpectrogram(fft_length=256, sequence_stride=128, sampling_rate=8000, num_mel_bins=16)
    >>> int(np.argmax(layer(np.sin(2 * np.pi * 1000.0 * t)).numpy().mean(axis=-1)))  # the band around 1 kHz
    7
    """

    def __init__(self, fft_length: int = 2048, sequence_stride: int = 512, sequence_length: int | None = None,
                 window: str | None = "hann", sampling_rate: int = 16000, num_mel_bins: int = 128,
                 min_freq: float = 20.0, max_freq: float | None = None, power_to_db: bool = True,
                 top_db: float = 80.0, mag_exp: float = 2.0, min_power: float = 1e-10, ref_power: float = 1.0,
                 **kwargs: Any) -> None:
        self.fft_length, self.sequence_stride = fft_length, sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"`fft_length` must be greater than or equal to `sequence_length`. Received: "
                             f"`sequence_length`={self.sequence_length}, `fft_length`={self.fft_length}.")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs: Any) -> Any:
        ops = _ops()
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"
        x = tg.cast(tg.convert_to_tensor(inputs), dtype)
        real, imag = ops.stft(x, sequence_length=self.sequence_length, sequence_stride=self.sequence_stride,
                              fft_length=self.fft_length, window=self.window, center=True)
        spec = tg.pow(tg.sqrt(tg.square(real) + tg.square(imag)), tg.cast(self.mag_exp, dtype))
        matrix = self.linear_to_mel_weight_matrix(self.num_mel_bins, int(spec.shape[-1]), self.sampling_rate,
                                                  self.min_freq, self.max_freq)
        out = tg.tensordot(spec, tg.cast(matrix, dtype), axes=1)
        if self.power_to_db:
            out = self._dbscale(out)
        rank = len(out.shape)
        perm = list(range(rank - 2)) + [rank - 1, rank - 2]
        return tg.cast(tg.transpose(out, perm), self.compute_dtype)

    def _dbscale(self, x: Any) -> Any:
        ln10 = tg.math.log(tg.constant(10.0, x.dtype))
        log_spec = 10.0 * (tg.math.log(tg.maximum(x, tg.cast(self.min_power, x.dtype))) / ln10)
        ref = tg.abs(tg.convert_to_tensor(self.ref_power))  # float32, as Keras: float64 audio fails here, as on TF
        ref_db = 10.0 * (tg.math.log(tg.maximum(ref, tg.cast(self.min_power, ref.dtype))) / tg.math.log(
            tg.constant(10.0, ref.dtype)))
        log_spec = log_spec - ref_db
        return tg.maximum(log_spec, tg.reduce_max(log_spec) - self.top_db)

    @staticmethod
    def _hertz_to_mel(hz: Any) -> Any:
        return _MEL_HIGH_Q * tg.math.log(1.0 + hz / _MEL_BREAK_HZ)

    def linear_to_mel_weight_matrix(self, num_mel_bins: int = 20, num_spectrogram_bins: int = 129,
                                    sampling_rate: float = 8000, lower_edge_hertz: float = 125.0,
                                    upper_edge_hertz: float = 3800.0, dtype: Any = "float32") -> Any:
        """``[num_spectrogram_bins, num_mel_bins]`` triangular mel filters (the DC bin zeroed), as Keras builds
        them."""
        ops = _ops()
        rate = tg.cast(sampling_rate, dtype)
        low = tg.cast(lower_edge_hertz, dtype)
        high = tg.cast(upper_edge_hertz, dtype)
        zero = tg.constant(0.0, dtype)
        linear = ops.linspace(zero, rate / 2.0, num_spectrogram_bins)[1:]
        bins_mel = tg.expand_dims(self._hertz_to_mel(linear), 1)
        edges = ops.extract_sequences(ops.linspace(self._hertz_to_mel(low), self._hertz_to_mel(high),
                                                   num_mel_bins + 2), sequence_length=3, sequence_stride=1)
        lower, center, upper = (tg.reshape(t, [1, num_mel_bins]) for t in tg.split(edges, 3, axis=1))
        lower_slopes = (bins_mel - lower) / (center - lower)
        upper_slopes = (upper - bins_mel) / (upper - center)
        weights = tg.maximum(zero, tg.minimum(lower_slopes, upper_slopes))
        return tg.pad(weights, [[1, 0], [0, 0]])

    def compute_output_shape(self, input_shape: Any) -> Any:
        def frames(n: Any) -> Any:
            return None if n is None else (n + self.sequence_stride + 1) // self.sequence_stride

        if len(input_shape) == 1:
            return [self.num_mel_bins, frames(input_shape[0])]
        return [input_shape[0], self.num_mel_bins, frames(input_shape[1])]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window, "sampling_rate": self.sampling_rate,
                "num_mel_bins": self.num_mel_bins, "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db, "mag_exp": self.mag_exp,
                "min_power": self.min_power, "ref_power": self.ref_power}
