"""Signal processing (``tf.signal``): fft/ifft/fft2d/ifft2d, rfft/irfft/rfft2d/irfft2d, frame, hann_window and
hamming_window.

Three ops carry every transform over the last 1 or 2 axes: the complex ``fft`` (with an ``inverse`` flag), ``rfft``
and ``irfft``. Each is linear, and their adjoints are each other (TF's gradients): the VJP of ``fft`` is
``n * ifft(g)``, of ``ifft`` ``fft(g) / n``; the VJP of ``rfft`` is ``N * irfft(g / w)`` and of ``irfft``
``rfft(g) * w / N``, where ``w`` is 2 on the last axis' bins that stand for two conjugate frequencies and 1 on the
DC (and Nyquist) bin. Rules call the ops again, so every order of derivative is exact. ``fft_length`` cropping or
zero-padding is done with slicing/padding ops before the transform.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from . import core, indexing, tiling
from ._array_common import _as_int
from ._common import dtype_of, to_tensor
from ._nn_common import _run

_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}
_REAL_OF = {np.dtype(np.complex64): np.float32, np.dtype(np.complex128): np.float64}


def _axes(nd: int) -> tuple[int, ...]:
    return tuple(range(-nd, 0))


def _count(shape: Any, nd: int) -> int:
    return int(np.prod(shape[len(shape) - nd:], dtype=np.int64))


# -- complex transforms -------------------------------------------------------------------------------------------


def _fft_fwd(F: Any, x: Any, nd: int, inverse: bool) -> Any:
    fn = F.fft.ifftn if inverse else F.fft.fftn
    return fn(x, axes=_axes(nd)).astype(x.dtype, copy=False)


def _fft_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    n = _count(F.shape(ins[0]), p["nd"])
    y = _run(F, FFT, g, nd=p["nd"], inverse=not p["inverse"])
    return (y * (1.0 / n) if p["inverse"] else y * float(n),)


def _fft_jvp(F: Any, ts: Any, ins: Any, out: Any, p: Any) -> Any:
    return None if ts[0] is None else _run(F, FFT, ts[0], **p)


def _cnormal(*shape: int) -> Any:
    return lambda rng: (rng.normal(size=shape) + 1j * rng.normal(size=shape),)


FFT = defop(
    "fft", _fft_fwd, _fft_vjp, _fft_jvp, linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.signal.fft(x), _cnormal(3, 5), ref=lambda x: np.fft.fft(x), complex=True),
        spec(lambda tf, x: tf.signal.ifft(x), _cnormal(2, 4), ref=lambda x: np.fft.ifft(x), name="ifft"),
        spec(lambda tf, x: tf.signal.fft2d(x), _cnormal(2, 3, 4), ref=lambda x: np.fft.fft2(x), name="fft2d"),
        spec(lambda tf, x: tf.signal.ifft2d(x), _cnormal(3, 4), ref=lambda x: np.fft.ifft2(x), name="ifft2d"),
    ],
)


def _complex_input(x: Any, op: str) -> Any:
    t = to_tensor(x)
    if t._value.dtype.kind != "c":
        raise InvalidArgumentError(f"{op}: input must be complex64 or complex128, got {t.dtype.name}; convert a real "
                                   f"signal with tf.cast(x, tf.complex64) or use tf.signal.r{op.split('.')[-1]}.")
    return t


def _c2c(x: Any, nd: int, inverse: bool, op: str) -> Tensor:
    t = _complex_input(x, op)
    if t._value.ndim < nd:
        raise ValueError(f"{op}: input must have rank >= {nd}, got shape {list(t._value.shape)}.")
    return apply1(FFT, t, {"nd": nd, "inverse": inverse})


def fft(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Discrete Fourier transform over the innermost axis of a complex tensor (gradient: ``n * ifft(g)``).

    >>> import tapegrad as tf
    >>> tf.signal.fft(tf.constant([1.0, 0.0, 0.0, 0.0], tf.complex64)).numpy().real.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    return _c2c(input, 1, False, "fft")


def ifft(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Inverse discrete Fourier transform over the innermost axis of a complex tensor.

    >>> import tapegrad as tf
    >>> tf.signal.ifft(tf.constant([4.0, 0.0, 0.0, 0.0], tf.complex64)).numpy().real.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    return _c2c(input, 1, True, "ifft")


def fft2d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """2-D discrete Fourier transform over the innermost two axes of a complex tensor.

    >>> import tapegrad as tf
    >>> tf.signal.fft2d(tf.ones([2, 2], tf.complex64)).numpy().real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    return _c2c(input, 2, False, "fft2d")


def ifft2d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Inverse 2-D discrete Fourier transform over the innermost two axes of a complex tensor.

    >>> import tapegrad as tf
    >>> tf.signal.ifft2d(tf.ones([2, 2], tf.complex64)).numpy().real.tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    return _c2c(input, 2, True, "ifft2d")


# -- real transforms ----------------------------------------------------------------------------------------------


def _bin_weights(n_last: int, dtype: Any) -> np.ndarray:
    """1 for the DC bin (and the Nyquist bin of an even length), 2 for the bins standing for two frequencies."""
    w = np.full(n_last // 2 + 1, 2.0, dtype=dtype)
    w[0] = 1.0
    if n_last % 2 == 0:
        w[-1] = 1.0
    return w


def _rfft_fwd(F: Any, x: Any, nd: int) -> Any:
    return F.fft.rfftn(x, axes=_axes(nd)).astype(_COMPLEX_OF[np.dtype(x.dtype)], copy=False)


def _irfft_fwd(F: Any, z: Any, nd: int, lengths: tuple[int, ...]) -> Any:
    return F.fft.irfftn(z, s=lengths, axes=_axes(nd)).astype(_REAL_OF[np.dtype(z.dtype)], copy=False)


def _rfft_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    shape = F.shape(ins[0])
    nd = p["nd"]
    lengths = tuple(shape[len(shape) - nd:])
    w = _bin_weights(lengths[-1], dtype_of(g))  # g is complex: so is w (no implicit dtype mixing)
    return (_run(F, IRFFT, g * (1.0 / w), nd=nd, lengths=lengths) * float(_count(shape, nd)),)


def _irfft_vjp(F: Any, g: Any, ins: Any, out: Any, p: Any, needs: Any) -> Any:
    lengths = p["lengths"]
    w = _bin_weights(lengths[-1], _COMPLEX_OF[np.dtype(dtype_of(g))])
    return (_run(F, RFFT, g, nd=p["nd"]) * (w / float(np.prod(lengths))),)


RFFT = defop(
    "rfft", _rfft_fwd, _rfft_vjp, lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, RFFT, ts[0], **p),
    linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.signal.rfft(x), lambda rng: (rng.normal(size=(3, 6)),), ref=lambda x: np.fft.rfft(x)),
        spec(lambda tf, x: tf.signal.rfft(x, [4]), lambda rng: (rng.normal(size=(2, 7)),),
             ref=lambda x: np.fft.rfft(x[:, :4]), name="crop", tf=False),  # TF's gradient fails here (shape error)
        spec(lambda tf, x: tf.signal.rfft(x, [9]), lambda rng: (rng.normal(size=(2, 7)),),
             ref=lambda x: np.fft.rfft(x, 9), name="pad_odd"),
        spec(lambda tf, x: tf.signal.rfft2d(x), lambda rng: (rng.normal(size=(2, 4, 5)),),
             ref=lambda x: np.fft.rfft2(x), name="rfft2d"),
    ],
)
IRFFT = defop(
    "irfft", _irfft_fwd, _irfft_vjp, lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, IRFFT, ts[0], **p),
    linear=True, save_in=False,
    test=[
        spec(lambda tf, z: tf.signal.irfft(z), _cnormal(3, 4), ref=lambda z: np.fft.irfft(z)),
        spec(lambda tf, z: tf.signal.irfft(z, [7]), _cnormal(2, 4), ref=lambda z: np.fft.irfft(z, 7), name="odd"),
        spec(lambda tf, z: tf.signal.irfft(z, [4]), _cnormal(2, 5), ref=lambda z: np.fft.irfft(z[:, :3], 4),
             name="crop", tf=False),  # TF's gradient fails when fft_length crops (shape error); forward: programs
        spec(lambda tf, z: tf.signal.irfft2d(z), _cnormal(3, 4, 3), ref=lambda z: np.fft.irfft2(z), name="irfft2d"),
        spec(lambda tf, z: tf.signal.irfft2d(z, [3, 6]), _cnormal(2, 4, 3), ref=lambda z: _irfft2_ref(z, (3, 6)),
             name="irfft2d_lengths", tf=False),  # TF's gradient fails here too
    ],
)


def _irfft2_ref(z: np.ndarray, s: tuple[int, int]) -> np.ndarray:
    # TF crops/zero-pads the input to [s0, s1 // 2 + 1] (no wrap-around), then inverts
    zz = np.zeros(z.shape[:-2] + (s[0], s[1] // 2 + 1), complex)
    a, b = min(s[0], z.shape[-2]), min(s[1] // 2 + 1, z.shape[-1])
    zz[..., :a, :b] = z[..., :a, :b]
    return np.fft.irfft2(zz, s=s)


def _lengths(fft_length: Any, nd: int, op: str) -> tuple[int, ...] | None:
    if fft_length is None:
        return None
    raw = fft_length.numpy() if isinstance(fft_length, _TensorLike) else fft_length
    vals = [int(v) for v in np.asarray(raw).reshape(-1)]
    if len(vals) != nd:
        raise InvalidArgumentError(f"{op}: fft_length must have {nd} entries, got {vals}.")
    return tuple(vals)


def _fit(x: Any, sizes: tuple[int, ...], op: str) -> Any:
    """Crop or zero-pad the last ``len(sizes)`` axes of ``x`` to ``sizes`` (TF pads at the end)."""
    shape = tuple(x._value.shape)
    nd = len(sizes)
    if shape[len(shape) - nd:] == sizes:
        return x
    lead = len(shape) - nd
    crop = tuple(slice(0, min(s, d)) for s, d in zip(sizes, shape[lead:]))
    x = x[(Ellipsis,) + crop] if any(s < d for s, d in zip(sizes, shape[lead:])) else x
    cur = tuple(x._value.shape[lead:])
    if any(s > c for s, c in zip(sizes, cur)):
        x = tiling.pad(x, [[0, 0]] * lead + [[0, s - c] for s, c in zip(sizes, cur)])
    return x


def _real_forward(x: Any, fft_length: Any, nd: int, op: str) -> Tensor:
    t = to_tensor(x)
    if t._value.dtype not in (np.float32, np.float64):
        raise ValueError(f"{op}: requires a float32 or float64 input, got {t.dtype.name}.")
    if t._value.ndim < nd:
        raise ValueError(f"{op}: input must have rank >= {nd}, got shape {list(t._value.shape)}.")
    n = _lengths(fft_length, nd, op) or tuple(t._value.shape[-nd:])
    return apply1(RFFT, _fit(t, n, op), {"nd": nd})


def _real_inverse(z: Any, fft_length: Any, nd: int, op: str) -> Tensor:
    t = to_tensor(z)
    if t._value.dtype not in (np.complex64, np.complex128):
        raise ValueError(f"{op}: requires a complex64 or complex128 input, got {t.dtype.name}.")
    if t._value.ndim < nd:
        raise ValueError(f"{op}: input must have rank >= {nd}, got shape {list(t._value.shape)}.")
    inner = tuple(t._value.shape[-nd:])
    n = _lengths(fft_length, nd, op) or inner[:-1] + (2 * (inner[-1] - 1),)
    bins = n[:-1] + (n[-1] // 2 + 1,)
    return apply1(IRFFT, _fit(t, bins, op), {"nd": nd, "lengths": n})


def rfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """Fourier transform of a real signal over its innermost axis: the ``fft_length // 2 + 1`` non-negative
    frequencies (``fft_length`` defaults to the axis length; the signal is cropped or zero-padded to it).
    float32 gives complex64, float64 complex128.

    >>> import tapegrad as tf
    >>> tf.signal.rfft([1.0, 2.0, 3.0, 4.0]).numpy().tolist()
    [(10+0j), (-2+2j), (-2+0j)]
    """
    return _real_forward(input_tensor, fft_length, 1, "rfft")


def irfft(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """Inverse of :func:`rfft`: a real signal of length ``fft_length`` (default ``2 * (bins - 1)``) from its
    non-negative frequencies (the imaginary parts of the DC and Nyquist bins are ignored).

    >>> import tapegrad as tf
    >>> tf.signal.irfft(tf.signal.rfft([1.0, 2.0, 3.0, 4.0])).numpy().tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    return _real_inverse(input_tensor, fft_length, 1, "irfft")


def rfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """2-D Fourier transform of a real signal over its innermost two axes (the last axis keeps
    ``fft_length[1] // 2 + 1`` frequencies).

    >>> import tapegrad as tf
    >>> tf.signal.rfft2d(tf.ones([2, 4])).shape
    TensorShape([2, 3])
    """
    return _real_forward(input_tensor, fft_length, 2, "rfft2d")


def irfft2d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """Inverse of :func:`rfft2d` (``fft_length`` defaults to ``[rows, 2 * (bins - 1)]``).

    >>> import tapegrad as tf
    >>> tf.signal.irfft2d(tf.signal.rfft2d(tf.ones([2, 4]))).numpy().tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    return _real_inverse(input_tensor, fft_length, 2, "irfft2d")


# -- framing and windows ------------------------------------------------------------------------------------------


def frame(signal: Any, frame_length: Any, frame_step: Any, pad_end: bool = False, pad_value: Any = 0,
          axis: int = -1, name: str | None = None) -> Tensor:
    """Split ``axis`` of ``signal`` into frames of ``frame_length`` taken every ``frame_step``: that axis becomes
    ``[num_frames, frame_length]``. With ``pad_end`` the end is padded with ``pad_value`` so that a frame starts at
    every step inside the signal. Differentiable (a gather).

    >>> import tapegrad as tf
    >>> tf.signal.frame([1, 2, 3, 4, 5], 3, 2).numpy().tolist()
    [[1, 2, 3], [3, 4, 5]]
    """
    op = "frame"
    x = to_tensor(signal)
    nd = x._value.ndim
    if nd < 1:
        raise ValueError(f"{op}: signal must have rank >= 1, got a scalar.")
    ax = _as_int(axis, op, "axis")
    if not -nd <= ax < nd:
        raise ValueError(f"{op}: axis {ax} is out of range for a signal of rank {nd}.")
    ax %= nd
    fl, fs = _as_int(frame_length, op, "frame_length"), _as_int(frame_step, op, "frame_step")
    if fl < 1 or fs < 1:
        raise InvalidArgumentError(f"{op}: frame_length and frame_step must be positive, got {fl} and {fs}.")
    n = x._value.shape[ax]
    if pad_end:
        frames = -(-n // fs)
        need = max((frames - 1) * fs + fl - n, 0)
        if need:
            pads = [[0, 0]] * nd
            pads[ax] = [0, need]
            pv = pad_value.numpy() if isinstance(pad_value, _TensorLike) else pad_value
            x = tiling.pad(x, pads, constant_values=pv)
    else:
        frames = max(0, 1 + (n - fl) // fs) if n >= fl else 0
    if ax == nd - 1:  # strided windows; the gradient is an overlap-add
        from .signal_ext import FRAMES_OF

        return apply1(FRAMES_OF, x, {"step": fs, "frames": frames, "size": fl})
    idx = (np.arange(frames)[:, None] * fs + np.arange(fl)[None, :]).astype(np.int32)
    return indexing.gather(x, core.constant(idx.reshape(frames, fl)), axis=ax)


def _raised_cosine(window_length: Any, periodic: Any, dtype: Any, a: float, b: float, op: str) -> Tensor:
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"{op}: dtype must be a floating point type, got {dt.name}.")
    n = _as_int(window_length, op, "window_length")
    if n == 1:
        return core.ones([1], dtype=dt)
    per = int(bool(periodic.numpy() if isinstance(periodic, _TensorLike) else periodic))
    t = dt._np.type
    denom = t(n + per * (1 - n % 2) - 1)  # TF: periodic only changes even lengths
    arg = t(2 * np.pi) * np.arange(max(n, 0)).astype(dt._np) / denom
    with np.errstate(all="ignore"):
        return core.constant((a - b * np.cos(arg)).astype(dt._np))


def hann_window(window_length: Any, periodic: Any = True, dtype: Any = _dtypes.float32,
                name: str | None = None) -> Tensor:
    """The Hann window ``0.5 - 0.5 * cos(2 pi n / N)`` (``N = length`` for a periodic even-length window, else
    ``length - 1``, as TF computes it).

    >>> import tapegrad as tf
    >>> tf.signal.hann_window(4).numpy().tolist()
    [0.0, 0.5, 1.0, 0.5]
    """
    return _raised_cosine(window_length, periodic, dtype, 0.5, 0.5, "hann_window")


def hamming_window(window_length: Any, periodic: Any = True, dtype: Any = _dtypes.float32,
                   name: str | None = None) -> Tensor:
    """The Hamming window ``0.54 - 0.46 * cos(2 pi n / N)`` (``N`` as in :func:`hann_window`).

    >>> import tapegrad as tf
    >>> [round(v, 2) for v in tf.signal.hamming_window(4).numpy().tolist()]
    [0.08, 0.54, 1.0, 0.54]
    """
    return _raised_cosine(window_length, periodic, dtype, 0.54, 0.46, "hamming_window")


EXPORTS: dict[str, list[str]] = {
    "signal": ["fft", "ifft", "fft2d", "ifft2d", "rfft", "irfft", "rfft2d", "irfft2d", "frame", "hann_window",
               "hamming_window"],
}
