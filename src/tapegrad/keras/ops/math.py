"""``keras.ops.math``: segment reductions, ``top_k``/``in_top_k``, ``logsumexp``, ``erf``/``erfinv``, ``rsqrt``, FFTs
(``fft``, ``fft2``, ``ifft2``, ``rfft``, ``irfft``, ``stft``, ``istft``), ``extract_sequences``, ``logdet``,
``cdist`` and the complex views. FFTs take and return ``(real, imag)`` pairs, as Keras.

>>> import numpy as np
>>> from tapegrad.keras import ops
>>> ops.segment_sum(np.array([1.0, 2.0, 3.0]), np.array([0, 0, 1])).numpy().tolist()
[3.0, 3.0]
>>> values, indices = ops.top_k(np.array([1.0, 5.0, 3.0]), 2)
>>> values.numpy().tolist(), indices.numpy().tolist()
([5.0, 3.0], [1, 2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

import tapegrad as tg

from ._dtypes import cast, convert, result_type

__all__ = [
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k", "irfft", "istft",
    "logdet", "logsumexp", "qr", "rfft", "rsqrt", "segment_max", "segment_min", "segment_prod", "segment_sum",
    "stft", "top_k", "view_as_complex", "view_as_real",
]


def _segment(data: Any, segment_ids: Any, num_segments: Any, sorted: bool, fn: Any, name: str) -> Any:  # noqa: A002
    x = convert(data)
    ids = convert(segment_ids)
    if not ids.dtype.name.startswith("int"):
        ids = cast(ids, "int32")
    if sorted and int(np.prod(ids.shape)) > 1:
        ok = tg.reduce_all(tg.less_equal(ids[:-1], ids[1:]))
        if not bool(ok.numpy()):
            raise tg.errors.InvalidArgumentError(None, None, f"{name}: sorted=True but segment_ids are not sorted; "
                                                 "sort them or pass sorted=False")
    if num_segments is None:
        n = int(tg.reduce_max(ids).numpy()) + 1 if int(np.prod(ids.shape)) else 0
    else:
        n = int(num_segments)
    return fn(x, ids, n)


def segment_sum(data: Any, segment_ids: Any, num_segments: Any = None, sorted: bool = False) -> Any:  # noqa: A002
    """Sum of the rows of ``data`` in each segment (ids out of range are dropped)."""
    return _segment(data, segment_ids, num_segments, sorted, tg.math.unsorted_segment_sum, "segment_sum")


def segment_max(data: Any, segment_ids: Any, num_segments: Any = None, sorted: bool = False) -> Any:  # noqa: A002
    """Maximum of each segment (empty segments hold the dtype's lowest value)."""
    return _segment(data, segment_ids, num_segments, sorted, tg.math.unsorted_segment_max, "segment_max")


def segment_min(data: Any, segment_ids: Any, num_segments: Any = None, sorted: bool = False) -> Any:  # noqa: A002
    """Minimum of each segment."""
    return _segment(data, segment_ids, num_segments, sorted, tg.math.unsorted_segment_min, "segment_min")


def segment_prod(data: Any, segment_ids: Any, num_segments: Any = None, sorted: bool = False) -> Any:  # noqa: A002
    """Product of each segment."""
    return _segment(data, segment_ids, num_segments, sorted, tg.math.unsorted_segment_prod, "segment_prod")


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Any, Any]:  # noqa: A002
    """The ``k`` largest values along the last axis and their ``int32`` indices."""
    out = tg.math.top_k(convert(x), k=k, sorted=sorted)
    return out[0], out[1]


def in_top_k(targets: Any, predictions: Any, k: int) -> Any:
    """Whether each target class is among the ``k`` highest predictions."""
    return tg.math.in_top_k(cast(targets, "int32"), convert(predictions), k)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """``log(sum(exp(x)))`` over ``axis``, stable."""
    return tg.reduce_logsumexp(convert(x), axis, keepdims)


def erf(x: Any) -> Any:
    """The error function."""
    return tg.math.erf(convert(x))


def erfc(x: Any) -> Any:
    """``1 - erf(x)``."""
    return tg.math.erfc(convert(x))


def erfinv(x: Any) -> Any:
    """The inverse error function."""
    return tg.math.erfinv(convert(x))


def rsqrt(x: Any) -> Any:
    """``1 / sqrt(x)``."""
    return tg.math.rsqrt(convert(x))


def qr(x: Any, mode: str = "reduced") -> tuple[Any, Any]:
    """QR decomposition (``mode`` ``"reduced"`` or ``"complete"``)."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be 'reduced' or 'complete', got {mode!r}")
    out = tg.linalg.qr(convert(x), full_matrices=mode == "complete")
    return out[0], out[1]


def logdet(x: Any) -> Any:
    """``log(det(x))`` of a positive-definite matrix."""
    return tg.linalg.logdet(convert(x))


def cdist(x: Any, y: Any, p: float = 2.0) -> Any:
    """Pairwise ``p``-norm distances between the rows of ``x`` and ``y``."""
    a, b = convert(x), convert(y)
    dt = result_type(a.dtype.name, b.dtype.name)
    a, b = cast(a, dt), cast(b, dt)
    d = tg.abs(tg.expand_dims(a, -2) - tg.expand_dims(b, -3))
    if p == 2:
        return tg.sqrt(tg.reduce_sum(tg.square(d), -1))
    if p == 1:
        return tg.reduce_sum(d, -1)
    return tg.pow(tg.reduce_sum(tg.pow(d, tg.cast(p, dt)), -1), tg.cast(1.0 / p, dt))


# -- complex views and FFTs ----------------------------------------------------------------------------------------
def view_as_complex(x: Any) -> Any:
    """A ``(..., 2)`` float tensor as complex numbers."""
    x = convert(x)
    if x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: the last axis must have length 2, got shape {tuple(x.shape)}")
    x = cast(x, "float32")  # Keras on TensorFlow gives complex64 for float64 input too
    return tg.complex(x[..., 0], x[..., 1])


def view_as_real(x: Any) -> Any:
    """A complex tensor as ``(..., 2)`` real/imaginary pairs."""
    x = convert(x)
    if "complex" not in x.dtype.name:
        raise TypeError(f"view_as_real: expects a complex tensor, got {x.dtype.name}")
    return tg.stack([tg.math.real(x), tg.math.imag(x)], -1)


def _complex_pair(x: Any, name: str) -> Any:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: expects a (real, imag) tuple of tensors")
    re, im = convert(x[0]), convert(x[1])
    if not re.dtype.name.startswith("float") or not im.dtype.name.startswith("float"):
        raise ValueError(f"{name}: real and imaginary parts must be float tensors, got {re.dtype.name} and "
                         f"{im.dtype.name}")
    if tuple(re.shape) != tuple(im.shape):
        raise ValueError(f"{name}: real and imaginary parts must have the same shape, got {tuple(re.shape)} and "
                         f"{tuple(im.shape)}")
    return tg.complex(re, im)


def _split(c: Any) -> tuple[Any, Any]:
    return tg.math.real(c), tg.math.imag(c)


def fft(x: Any) -> tuple[Any, Any]:
    """FFT over the last axis of a ``(real, imag)`` pair."""
    return _split(tg.signal.fft(_complex_pair(x, "fft")))


def fft2(x: Any) -> tuple[Any, Any]:
    """2-D FFT over the last two axes of a ``(real, imag)`` pair."""
    return _split(tg.signal.fft2d(_complex_pair(x, "fft2")))


def ifft2(x: Any) -> tuple[Any, Any]:
    """Inverse 2-D FFT over the last two axes of a ``(real, imag)`` pair."""
    return _split(tg.signal.ifft2d(_complex_pair(x, "ifft2")))


def rfft(x: Any, fft_length: int | None = None) -> tuple[Any, Any]:
    """Real FFT over the last axis: ``(real, imag)`` of length ``fft_length // 2 + 1`` (computed in ``float32``, as
    Keras on TensorFlow)."""
    x = cast(x, "float32")
    return _split(tg.signal.rfft(x, None if fft_length is None else [int(fft_length)]))


def irfft(x: Any, fft_length: int | None = None) -> Any:
    """Inverse real FFT of a ``(real, imag)`` pair."""
    c = _complex_pair(x, "irfft")
    return tg.signal.irfft(c, None if fft_length is None else [int(fft_length)])


def extract_sequences(x: Any, sequence_length: int, sequence_stride: int) -> Any:
    """Frames of ``sequence_length`` every ``sequence_stride`` samples along the last axis."""
    return tg.signal.frame(convert(x), int(sequence_length), int(sequence_stride), pad_end=False)


def _window_values(window: Any, length: int, dtype: str) -> Any:
    if window is None:
        return None
    if isinstance(window, str):
        if window == "hann":
            return tg.signal.hann_window(length, periodic=True, dtype=dtype)
        if window == "hamming":
            return tg.signal.hamming_window(length, periodic=True, dtype=dtype)
        raise ValueError(f"Unknown window {window!r}; use 'hann', 'hamming', a tensor or None")
    w = convert(window, dtype)
    if len(w.shape) != 1 or w.shape[0] != length:
        raise ValueError(f"The window must be 1-D of length sequence_length={length}, got shape {tuple(w.shape)}")
    return w


def stft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int, window: Any = "hann",
         center: bool = True) -> tuple[Any, Any]:
    """Short-time Fourier transform of real signals along the last axis: ``(real, imag)`` of shape
    ``(..., frames, fft_length // 2 + 1)``."""
    x = convert(x)
    if not x.dtype.name.startswith("float"):
        raise TypeError(f"stft: expects a float tensor, got {x.dtype.name}")
    if fft_length < sequence_length:
        raise ValueError(f"stft: fft_length ({fft_length}) must be >= sequence_length ({sequence_length})")
    if center:
        pad = fft_length // 2
        x = tg.pad(x, [[0, 0]] * (len(x.shape) - 1) + [[pad, pad]], mode="REFLECT")
    l_pad = (fft_length - sequence_length) // 2
    r_pad = fft_length - sequence_length - l_pad
    w = _window_values(window, sequence_length, x.dtype.name)
    frames = tg.signal.frame(x, fft_length, sequence_stride, pad_end=False)
    if w is not None:  # no window at all with window=None (not even the sequence_length mask), as Keras
        frames = frames * tg.pad(w, [[l_pad, r_pad]])
    return _split(tg.signal.rfft(frames, [fft_length]))


def istft(x: Any, sequence_length: int, sequence_stride: int, fft_length: int, length: int | None = None,
          window: Any = "hann", center: bool = True) -> Any:
    """Inverse of :func:`stft`: each frame is multiplied by the window divided by the sum of the squared windows
    overlapping its position (TensorFlow's ``inverse_stft_window_fn``), then overlap-added."""
    c = _complex_pair(x, "istft")
    frames = tg.signal.irfft(c, [fft_length])
    dt = frames.dtype.name
    l_pad = (fft_length - sequence_length) // 2
    r_pad = fft_length - sequence_length - l_pad
    w = _window_values(window, sequence_length, dt)
    if w is not None:
        wp = np.pad(w.numpy().astype(np.float64), (l_pad, r_pad))
        overlaps = -(-fft_length // sequence_stride)
        sq = np.pad(np.square(wp), (0, overlaps * sequence_stride - fft_length))
        denom = np.tile(sq.reshape(overlaps, sequence_stride).sum(0), overlaps)[:fft_length]
        frames = frames * tg.constant(wp / denom, dt)
    n_frames = frames.shape[-2]
    out_len = (n_frames - 1) * sequence_stride + fft_length
    idx = (np.arange(n_frames)[:, None] * sequence_stride + np.arange(fft_length)[None, :]).reshape(-1, 1)
    lead = list(frames.shape[:-2])
    flat = tg.reshape(frames, [-1, n_frames * fft_length])
    summed = tg.transpose(tg.scatter_nd(tg.constant(idx.astype(np.int32)), tg.transpose(flat),
                                        [out_len, flat.shape[0]]))
    y = tg.reshape(summed, [*lead, out_len])
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + int(length)
    elif center:
        end = out_len - fft_length // 2
    else:
        end = out_len
    return y[..., start:end]
