"""``keras.initializers.STFT`` (``STFTInitializer``, ``stft``): the real or imaginary part of a windowed DFT
matrix, the kernel of a convolution that computes an STFT (Keras 3.15's values).

The common windows (``hann``, ``hamming``, ``blackman``, ``bartlett``, ``boxcar``/``ones``/``rectangular``) are
computed here with NumPy, symmetric or ``periodic`` as ``scipy.signal.get_window``; any other window name needs
SciPy (imported only then); an array gives the window itself.

>>> from tapegrad import keras
>>> k = keras.initializers.STFT(window=None)((4, 1, 3))
>>> k.shape, [round(v, 4) for v in k.numpy()[:, 0, 1].tolist()]
(TensorShape([4, 1, 3]), [1.0, -0.0, -1.0, 0.0])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import make
from .initializers import Initializer, _np_dtype

__all__ = ["STFT"]

_COSINE_SUMS = {"hann": (0.5, 0.5), "hanning": (0.5, 0.5), "hamming": (0.54, 0.46),
                "blackman": (0.42, 0.5, 0.08)}
_ONES = ("boxcar", "box", "ones", "rect", "rectangular")


def get_window(name: str, length: int, periodic: bool) -> np.ndarray:
    """``scipy.signal.get_window(name, length, fftbins=periodic)`` for the common windows (float64)."""
    if name in _ONES:
        return np.ones(length)
    if name in _COSINE_SUMS or name in ("bartlett", "triang"):
        if length == 1:
            return np.ones(1)
        m = length + 1 if periodic else length  # a periodic window is the symmetric one of length + 1, cut
        n = np.arange(m)
        if name == "bartlett":
            w = 1.0 - np.abs(2.0 * n / (m - 1) - 1.0)
        elif name == "triang":
            w = 1.0 - np.abs((2.0 * n - m + 1) / (m + (m % 2)))
        else:
            w = np.zeros(m)
            for k, a in enumerate(_COSINE_SUMS[name]):
                w += (-1) ** k * a * np.cos(2.0 * np.pi * k * n / (m - 1))
        return w[:length]
    try:
        import scipy.signal
    except ImportError:
        raise ValueError(f"STFT: the window {name!r} needs SciPy (`pip install scipy`); without it use one of "
                         f"{sorted(set(_COSINE_SUMS) | {'bartlett', 'triang'} | set(_ONES))} or pass the window "
                         f"values as an array.") from None
    return np.asarray(scipy.signal.get_window(name, length, periodic), np.float64)


class STFT(Initializer):
    """The STFT kernel ``(frame_length, 1, fft_length // 2 + 1)``: ``cos`` (``side="real"``) or ``sin``
    (``"imag"``) of ``-2π t f / fft_length``, times the window (``window``: a name or values; None: no window),
    divided by ``sqrt(Σ w²)`` (``scaling="density"``) or ``Σ |w|`` (``"spectrum"``).

    >>> from tapegrad import keras
    >>> keras.initializers.STFT(side="imag", window="hann", periodic=True)((8, 1, 5)).shape
    TensorShape([8, 1, 5])
    """

    def __init__(self, side: str = "real", window: Any = "hann", scaling: str | None = "density",
                 periodic: bool = False) -> None:
        if side not in ("real", "imag"):
            raise ValueError(f"side should be 'real' or 'imag', not {side}")
        if isinstance(window, str):
            get_window(window, 1, False)  # an unknown window fails here, as in Keras
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f"Scaling is invalid, it must be `None`, 'density' or 'spectrum'. Received "
                             f"scaling={scaling}")
        self.side, self.window, self.scaling, self.periodic = side, window, scaling, periodic

    def __call__(self, shape: Any, dtype: Any = None) -> Any:
        dt = _np_dtype(dtype)
        frame_length, _, fft_length = (int(d) for d in shape)
        win = None
        scale = dt.type(1)
        if self.window is not None:
            w = get_window(self.window, frame_length, self.periodic) if isinstance(self.window, str) \
                else np.asarray(self.window.numpy() if hasattr(self.window, "numpy") else self.window)
            if w.ndim != 1 or w.shape[-1] != frame_length:
                raise ValueError(f"The shape of `window` must be equal to [frame_length].Received: window "
                                 f"shape={w.shape}")
            win = w.astype(dt).reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = np.sqrt(np.sum(np.square(win)))
            elif self.scaling == "spectrum":
                scale = np.sum(np.abs(win))
        # Keras's order of float operations, in the target dtype
        freq = np.arange(fft_length, dtype=dt).reshape(1, 1, fft_length) / dt.type((fft_length - 1) * 2)
        time = np.arange(frame_length, dtype=dt).reshape(frame_length, 1, 1)
        args = (dt.type(-2) * time) * freq * np.arccos(dt.type(-1))
        kernel = (np.cos(args) if self.side == "real" else np.sin(args)).astype(dt)
        if win is not None:
            kernel = (kernel * win) / scale
        return make(np.asarray(kernel, dt), NUMPY)

    def get_config(self) -> dict[str, Any]:
        return {"side": self.side, "window": self.window, "periodic": self.periodic, "scaling": self.scaling}
