"""More of ``tf.signal``: 3-D and N-D FFTs, fftshift, DCT I-IV, overlap-add, STFT and its inverse, MDCT, the
Kaiser / Kaiser-Bessel-derived / Vorbis windows, mel filterbanks and MFCCs.

Two linear ops are new here, everything else is composed from differentiable ops exactly as TF composes it (so
float32 roundings follow TF's order of operations):

* ``dct``: ``x @ M`` with a cached float64 cosine matrix ``M`` of type I-IV (cast to the input's dtype). Its VJP
  is the same op with ``M`` transposed, so every derivative order is exact.
* ``overlap_and_add`` and its adjoint ``frames_of`` (each other's VJP). The forward loops over the
  ``ceil(frame_length / frame_step)`` sub-frames of a frame, not over frames, so it is a handful of vectorised adds.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import _dtypes
from .._dispatch import apply1
from .._registry import defop, spec
from .._tensor import Tensor, _TensorLike
from ..errors import InvalidArgumentError
from . import (
    core,
    creation,
    joining,
    reductions,
    shape_ops,
    special_bessel,
    spectral,
    tiling,
    trigonometric,
    unary_math,
)
from ._array_common import _as_int
from ._common import to_tensor
from ._nn_common import _run

# -- DCT ------------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def _dct_matrix(kind: int, n: int, ortho: bool) -> np.ndarray:
    """``M`` (float64, ``[n, n]``) with ``dct(x) = x @ M`` for DCT type ``kind`` (SciPy's and TF's definitions)."""
    j = np.arange(n, dtype=np.float64)[:, None]  # input index
    k = np.arange(n, dtype=np.float64)[None, :]  # output index
    if kind == 1:
        m = 2.0 * np.cos(np.pi * j * k / (n - 1))
        m[0, :] = 1.0
        m[-1, :] = (-1.0) ** np.arange(n)
    elif kind == 2:
        m = 2.0 * np.cos(np.pi * k * (2.0 * j + 1.0) / (2.0 * n))
        if ortho:
            m *= np.sqrt(0.5 / n)
            m[:, 0] *= np.sqrt(0.5)
    elif kind == 3:
        m = 2.0 * np.cos(np.pi * j * (2.0 * k + 1.0) / (2.0 * n))
        m[0, :] = 1.0
        if ortho:
            m *= np.sqrt(0.5 / n)
            m[0, :] *= np.sqrt(2.0)
    else:
        m = 2.0 * np.cos(np.pi * (2.0 * j + 1.0) * (2.0 * k + 1.0) / (4.0 * n))
        if ortho:
            m *= np.sqrt(0.5 / n)
    return m


def _dct_fwd(F: Any, x: Any, kind: int, ortho: bool, transpose: bool) -> Any:
    m = _dct_matrix(kind, x.shape[-1], ortho)
    return F.matmul(x, F.asarray((m.T if transpose else m).astype(x.dtype)))


DCT = defop(
    "dct", _dct_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, DCT, g, kind=p["kind"], ortho=p["ortho"], transpose=not p["transpose"]),),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, DCT, ts[0], **p),
    linear=True, save_in=False,
    test=[
        spec(lambda tf, x, t=t, nm=nm: tf.signal.dct(x, type=t, norm=nm), lambda rng: (rng.normal(size=(3, 6)),),
             ref=lambda x, t=t, nm=nm: _scipy_dct(x, t, nm, False),
             name=f"type{t}{'_ortho' if nm else ''}")
        for t, nm in ((1, None), (2, None), (2, "ortho"), (3, None), (3, "ortho"), (4, None), (4, "ortho"))
    ] + [
        spec(lambda tf, x: tf.signal.idct(x, type=3, norm="ortho"), lambda rng: (rng.normal(size=(2, 5)),),
             ref=lambda x: _scipy_dct(x, 3, "ortho", True), name="idct3_ortho"),
        spec(lambda tf, x: tf.signal.dct(x, n=4), lambda rng: (rng.normal(size=(2, 7)),),
             ref=lambda x: _scipy_dct(x[:, :4], 2, None, False), name="crop_n"),
        spec(lambda tf, x: tf.signal.dct(x, type=4, n=8), lambda rng: (rng.normal(size=(2, 5)),),
             ref=lambda x: _scipy_dct(np.pad(x, [(0, 0), (0, 3)]), 4, None, False), name="pad_n"),
    ],
)


def _scipy_dct(x: np.ndarray, kind: int, norm: str | None, inverse: bool) -> np.ndarray:
    """Reference for the specs (SciPy's FFT-based transform; TF's ``idct`` is the DCT of the inverse type)."""
    from scipy import fft as sfft

    return sfft.dct(x, type={1: 1, 2: 3, 3: 2, 4: 4}[kind] if inverse else kind, norm=norm)


def _dct_check(x: Tensor, kind: Any, n: Any, axis: Any, norm: Any, op: str) -> None:
    if axis != -1:
        raise NotImplementedError(f"{op}: only axis=-1 is supported (as in TF), got axis={axis!r}; move the axis "
                                  "last with tf.experimental.numpy.moveaxis or tf.transpose first.")
    if n is not None and n < 1:
        raise ValueError(f"{op}: n must be a positive integer or None, got {n!r}.")
    if kind not in (1, 2, 3, 4):
        raise ValueError(f"{op}: type must be 1, 2, 3 or 4 (DCT-I..IV), got {kind!r}.")
    if norm not in (None, "ortho"):
        raise ValueError(f"{op}: norm must be None or 'ortho', got {norm!r}.")
    if kind == 1:
        if norm == "ortho":
            raise ValueError(f"{op}: the type-I DCT has no orthonormal form; use norm=None.")
        if x._value.ndim and x._value.shape[-1] < 2:
            raise ValueError(f"{op}: the type-I DCT needs at least 2 points on the last axis, got shape "
                             f"{list(x._value.shape)}.")
    if x._value.dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: requires a float32 or float64 input, got {x.dtype.name}.")


def _dct(x: Any, kind: Any, n: Any, axis: Any, norm: Any, op: str, inverse: bool) -> Tensor:
    t = to_tensor(x)
    _dct_check(t, kind, n, axis, norm, op)
    if t._value.ndim < 1:
        raise ValueError(f"{op}: input must have rank >= 1, got a scalar.")
    if n is not None:
        t = spectral._fit(t, (int(n),), op)
    if inverse:
        kind = {1: 1, 2: 3, 3: 2, 4: 4}[kind]
    return apply1(DCT, t, {"kind": kind, "ortho": norm == "ortho", "transpose": False})


def dct(input: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,  # noqa: A002
        name: str | None = None) -> Tensor:
    """Discrete cosine transform of types I-IV over the last axis (SciPy's definitions; ``norm='ortho'`` makes
    types II-IV orthonormal). ``n`` crops or zero-pads the last axis first. float32 and float64.

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.signal.dct([1.0, 2.0, 3.0, 4.0]).numpy().tolist()]
    [20.0, -6.3086, 0.0, -0.4483]
    """
    return _dct(input, type, n, axis, norm, "dct", False)


def idct(input: Any, type: int = 2, n: int | None = None, axis: int = -1, norm: str | None = None,  # noqa: A002
         name: str | None = None) -> Tensor:
    """Inverse DCT: the DCT of the inverse type (II <-> III, I and IV their own). With ``norm='ortho'`` it
    inverts :func:`dct` exactly; otherwise (as in TF) the result is scaled by ``2 * N`` (``2 * (N - 1)`` for type I).

    >>> import tapegrad as tf
    >>> x = tf.constant([1.0, 2.0, 3.0])
    >>> [round(v, 4) for v in tf.signal.idct(tf.signal.dct(x, norm="ortho"), norm="ortho").numpy().tolist()]
    [1.0, 2.0, 3.0]
    """
    return _dct(input, type, n, axis, norm, "idct", True)


# -- overlap-add and its adjoint --------------------------------------------------------------------------------------


def _ola_fwd(F: Any, x: Any, step: int, length: int = -1) -> Any:
    frames, fl = x.shape[-2], x.shape[-1]
    subs = -(-fl // step) if fl else 0
    lead = x.shape[:-2]
    natural = max((frames - 1) * step + fl, 0)
    total = max(natural, length)
    out = F.zeros(lead + (max((frames + max(subs, 1) - 1) * step, total),), dtype=x.dtype)
    if frames and fl:
        blocks = out[..., : (frames + subs - 1) * step].reshape(lead + (frames + subs - 1, step))
        for k in range(subs):
            part = x[..., k * step: (k + 1) * step]  # sub-frame k of every frame: [..., frames, <= step]
            blocks[..., k: k + frames, : part.shape[-1]] += part
    return out[..., :total]


def _frames_fwd(F: Any, y: Any, step: int, frames: int, size: int) -> Any:
    """The adjoint of overlap-add: ``frames`` windows of ``size`` taken every ``step`` from the last axis (which
    may run past the last window: that tail is not read)."""
    out = F.zeros(y.shape[:-1] + (frames, size), dtype=y.dtype)
    for k in range(-(-size // step) if size else 0):
        w = min(step, size - k * step)
        idx = (np.arange(frames)[:, None] + k) * step + np.arange(w)[None, :]
        out[..., k * step: k * step + w] = y[..., idx]
    return out


OVERLAP_AND_ADD = defop(
    "overlap_and_add", _ola_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, FRAMES_OF, g, step=p["step"], frames=F.shape(ins[0])[-2],
                                           size=F.shape(ins[0])[-1]),),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, OVERLAP_AND_ADD, ts[0], **p),
    linear=True, save_in=False,
    test=[
        spec(lambda tf, x: tf.signal.overlap_and_add(x, 2), lambda rng: (rng.normal(size=(2, 4, 5)),),
             ref=lambda x: _ola_ref(x, 2)),
        spec(lambda tf, x: tf.signal.overlap_and_add(x, 4), lambda rng: (rng.normal(size=(3, 4)),),
             ref=lambda x: _ola_ref(x, 4), name="no_overlap"),
        spec(lambda tf, x: tf.signal.overlap_and_add(x, 5), lambda rng: (rng.normal(size=(3, 3)),),
             ref=lambda x: _ola_ref(x, 5), name="gaps"),
    ],
)
FRAMES_OF = defop(
    "frames_of", _frames_fwd,
    lambda F, g, ins, out, p, needs: (_run(F, OVERLAP_AND_ADD, g, step=p["step"], length=F.shape(ins[0])[-1]),),
    lambda F, ts, ins, out, p: None if ts[0] is None else _run(F, FRAMES_OF, ts[0], **p),
    linear=True, save_in=False,
    test=[  # tf.signal.frame over the last axis
        spec(lambda tf, x: tf.signal.frame(x, 3, 2), lambda rng: (rng.normal(size=(2, 10)),),
             ref=lambda x: _frame_ref(x, 3, 2), name="frame"),
        spec(lambda tf, x: tf.signal.frame(x, 4, 3, pad_end=True), lambda rng: (rng.normal(size=(3, 8)),),
             ref=lambda x: _frame_ref(np.pad(x, [(0, 0), (0, 4)]), 4, 3), name="frame_pad_end"),
    ],
)


def _ola_ref(x: np.ndarray, step: int) -> np.ndarray:
    frames, fl = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + (max((frames - 1) * step + fl, 0),), x.dtype)
    for f in range(frames):
        out[..., f * step: f * step + fl] += x[..., f, :]
    return out


def _frame_ref(x: np.ndarray, fl: int, step: int) -> np.ndarray:
    n = 1 + (x.shape[-1] - fl) // step
    return np.stack([x[..., i * step: i * step + fl] for i in range(n)], axis=-2)


def overlap_and_add(signal: Any, frame_step: Any, name: str | None = None) -> Tensor:
    """Sum overlapping frames ``[..., frames, frame_length]`` taken every ``frame_step`` back into a signal
    ``[..., (frames - 1) * frame_step + frame_length]`` (the inverse of :func:`frame` up to the overlap count).

    >>> import tapegrad as tf
    >>> tf.signal.overlap_and_add([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], 2).numpy().tolist()
    [1.0, 1.0, 2.0, 1.0, 1.0]
    """
    op = "overlap_and_add"
    x = to_tensor(signal)
    if x._value.ndim < 2:
        raise ValueError(f"{op}: signal must have rank >= 2 ([..., frames, frame_length]), got shape "
                         f"{list(x._value.shape)}.")
    if isinstance(frame_step, _TensorLike) and frame_step.dtype.is_floating or isinstance(frame_step, float):
        raise ValueError(f"{op}: frame_step must be an integer, got {frame_step!r}.")
    if np.ndim(frame_step.numpy() if isinstance(frame_step, _TensorLike) else frame_step) != 0:
        raise ValueError(f"{op}: frame_step must be a scalar, got {frame_step!r}.")
    step = _as_int(frame_step, op, "frame_step")
    if step < 1:
        raise InvalidArgumentError(f"{op}: frame_step must be positive, got {step}.")
    return apply1(OVERLAP_AND_ADD, x, {"step": step, "length": -1})


# -- 3-D and N-D FFTs, fftshift -----------------------------------------------------------------------------------


def _c2c3(x: Any, inverse: bool, op: str) -> Tensor:
    t = spectral._complex_input(x, op)
    if t._value.ndim < 3:
        raise InvalidArgumentError(f"{op}: input must have rank >= 3, got shape {list(t._value.shape)}.")
    return apply1(spectral.FFT, t, {"nd": 3, "inverse": inverse})


def fft3d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """3-D discrete Fourier transform over the innermost three axes of a complex tensor.

    >>> import tapegrad as tf
    >>> tf.signal.fft3d(tf.ones([2, 2, 2], tf.complex64)).numpy().real[0, 0].tolist()
    [8.0, 0.0]
    """
    return _c2c3(input, False, "fft3d")


def ifft3d(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """Inverse 3-D discrete Fourier transform over the innermost three axes of a complex tensor.

    >>> import tapegrad as tf
    >>> tf.signal.ifft3d(tf.ones([2, 2, 2], tf.complex64)).numpy().real[0, 0].tolist()
    [1.0, 0.0]
    """
    return _c2c3(input, True, "ifft3d")


def rfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """3-D Fourier transform of a real signal over its innermost three axes (the last keeps
    ``fft_length[2] // 2 + 1`` frequencies).

    >>> import tapegrad as tf
    >>> tf.signal.rfft3d(tf.ones([2, 3, 4])).shape
    TensorShape([2, 3, 3])
    """
    return spectral._real_forward(input_tensor, fft_length, 3, "rfft3d")


def irfft3d(input_tensor: Any, fft_length: Any = None, name: str | None = None) -> Tensor:
    """Inverse of :func:`rfft3d` (``fft_length`` defaults to ``[d0, d1, 2 * (bins - 1)]``).

    >>> import tapegrad as tf
    >>> tf.signal.irfft3d(tf.signal.rfft3d(tf.ones([2, 2, 4]))).numpy()[0, 0].tolist()
    [1.0, 1.0, 1.0, 1.0]
    """
    return spectral._real_inverse(input_tensor, fft_length, 3, "irfft3d")


def _nd_axes(t: Tensor, axes: Any, op: str) -> list[int]:
    nd = t._value.ndim
    if axes is None:
        return list(range(nd))
    raw = axes.numpy() if isinstance(axes, _TensorLike) else axes
    vals = [int(a) for a in np.asarray(raw).reshape(-1)]
    out = []
    for a in vals:
        if not -nd <= a < nd:
            raise InvalidArgumentError(f"{op}: axis {a} is out of range for a tensor of rank {nd}.")
        out.append(a % nd)
    if len(set(out)) != len(out):
        raise InvalidArgumentError(f"{op}: axes must be distinct, got {vals}.")
    return out


def _nd_transform(x: Any, fft_length: Any, axes: Any, norm: Any, kind: str, op: str) -> Tensor:
    """``kind`` in fft/ifft/rfft/irfft over ``axes``: those axes are moved last (in order), transformed with the
    ``nd``-axis ops of ``spectral``, and moved back."""
    t = to_tensor(x)
    if kind in ("fft", "ifft", "irfft") and t._value.dtype.kind != "c":
        if isinstance(x, _TensorLike):
            spectral._complex_input(t, op)
        t = core.cast(t, _dtypes.complex64)
    if norm not in (None, "backward", "forward", "ortho"):
        raise ValueError(f"{op}: norm must be None, 'backward', 'forward' or 'ortho', got {norm!r}.")
    ax = _nd_axes(t, axes, op)
    nd = len(ax)
    if nd == 0:
        raise InvalidArgumentError(f"{op}: axes must name at least one axis, got {axes!r}.")
    rank = t._value.ndim
    rest = [a for a in range(rank) if a not in ax]
    perm = rest + ax
    moved = t if perm == list(range(rank)) else shape_ops.transpose(t, perm)
    if fft_length is not None:
        lengths = spectral._lengths(fft_length, nd, op)
    elif kind == "irfft":
        inner = [t._value.shape[a] for a in ax]
        lengths = tuple(inner[:-1] + [max(0, 2 * (inner[-1] - 1))])
    else:
        lengths = tuple(t._value.shape[a] for a in ax)
    n = float(np.prod(lengths)) if lengths else 1.0
    if kind in ("fft", "ifft"):
        moved = spectral._fit(moved, lengths, op)
        y = apply1(spectral.FFT, moved, {"nd": nd, "inverse": kind == "ifft"})
    elif kind == "rfft":
        y = spectral._real_forward(moved, list(lengths), nd, op)
    else:
        y = spectral._real_inverse(moved, list(lengths), nd, op)
    forward_kind = kind in ("fft", "rfft")
    if norm == "ortho":
        y = y * (1.0 / math.sqrt(n) if forward_kind else math.sqrt(n))
    elif norm == "forward":
        y = y * (1.0 / n if forward_kind else n)
    inv = list(np.argsort(perm))
    return y if perm == list(range(rank)) else shape_ops.transpose(y, inv)


def fftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None,
          name: str | None = None) -> Tensor:
    """N-D discrete Fourier transform over ``axes`` (default: all) of a complex tensor, each axis cropped or
    zero-padded to its ``fft_length`` entry first; ``norm`` is ``'backward'`` (default), ``'forward'`` or
    ``'ortho'`` as in NumPy. (TF 2.21 registers this op for GPUs only; tapegrad runs it everywhere.)

    >>> import tapegrad as tf
    >>> tf.signal.fftnd(tf.ones([2, 2], tf.complex64)).numpy().real.tolist()
    [[4.0, 0.0], [0.0, 0.0]]
    """
    return _nd_transform(input_tensor, fft_length, axes, norm, "fft", "fftnd")


def ifftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None,
           name: str | None = None) -> Tensor:
    """Inverse of :func:`fftnd` over ``axes`` (default: all).

    >>> import tapegrad as tf
    >>> tf.signal.ifftnd(tf.ones([2, 2], tf.complex64)).numpy().real.tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    return _nd_transform(input_tensor, fft_length, axes, norm, "ifft", "ifftnd")


def rfftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None,
           name: str | None = None) -> Tensor:
    """N-D Fourier transform of a real signal over ``axes`` (default: all); the last of ``axes`` keeps
    ``fft_length[-1] // 2 + 1`` frequencies.

    >>> import tapegrad as tf
    >>> tf.signal.rfftnd(tf.ones([2, 4]), axes=[0, 1]).shape
    TensorShape([2, 3])
    """
    return _nd_transform(input_tensor, fft_length, axes, norm, "rfft", "rfftnd")


def irfftnd(input_tensor: Any, fft_length: Any = None, axes: Any = None, norm: str | None = None,
            name: str | None = None) -> Tensor:
    """Inverse of :func:`rfftnd` over ``axes`` (the last axis' length defaults to ``2 * (bins - 1)``).

    >>> import tapegrad as tf
    >>> tf.signal.irfftnd(tf.signal.rfftnd(tf.ones([2, 4]))).numpy().tolist()
    [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]
    """
    return _nd_transform(input_tensor, fft_length, axes, norm, "irfft", "irfftnd")


def _shift(x: Any, axes: Any, sign: int) -> Tensor:
    t = to_tensor(x)
    shape = t._value.shape
    if axes is None:
        ax = list(range(len(shape)))
    else:
        raw = axes.numpy() if isinstance(axes, _TensorLike) else axes
        ax = [int(a) for a in np.asarray(raw).reshape(-1)]
    if not ax:
        return t
    shifts = [sign * (shape[a] // 2) for a in ax]
    return tiling.roll(t, shifts, ax)


def fftshift(x: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """Move the zero-frequency bin to the centre: roll each of ``axes`` (default: all) by ``n // 2``.

    >>> import tapegrad as tf
    >>> tf.signal.fftshift([0.0, 1.0, 2.0, -2.0, -1.0]).numpy().tolist()
    [-2.0, -1.0, 0.0, 1.0, 2.0]
    """
    return _shift(x, axes, 1)


def ifftshift(x: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """The inverse of :func:`fftshift` (rolls by ``-(n // 2)``; they differ for odd lengths).

    >>> import tapegrad as tf
    >>> tf.signal.ifftshift([-2.0, -1.0, 0.0, 1.0, 2.0]).numpy().tolist()
    [0.0, 1.0, 2.0, -2.0, -1.0]
    """
    return _shift(x, axes, -1)


# -- windows -------------------------------------------------------------------------------------------------------


def _window_params(window_length: Any, dtype: Any, op: str) -> tuple[int, Any]:
    dt = _dtypes.as_dtype(dtype)
    if not dt.is_floating:
        raise ValueError(f"{op}: dtype must be a floating point type, got {dt.name}.")
    if isinstance(window_length, _TensorLike) and window_length._value.ndim != 0 or np.ndim(window_length) != 0:
        raise ValueError(f"{op}: window_length must be a scalar, got {window_length!r}.")
    return _as_int(window_length, op, "window_length"), dt


def kaiser_window(window_length: Any, beta: Any = 12.0, dtype: Any = _dtypes.float32,
                  name: str | None = None) -> Tensor:
    """The Kaiser window ``I0(beta * sqrt(1 - (2n / (N - 1) - 1)^2)) / I0(beta)`` (computed with ``bessel_i0e``
    for range, as TF does; differentiable in ``beta``).

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.signal.kaiser_window(4, beta=2.0).numpy().tolist()]
    [0.4387, 0.9243, 0.9243, 0.4387]
    """
    n, dt = _window_params(window_length, dtype, "kaiser_window")
    if n == 1:
        return core.ones([1], dtype=dt)
    half = np.float32((n - 1) / 2.0)
    arg = core.cast(core.constant(np.arange(-half, half + np.float32(0.1), dtype=np.float32)), dt)
    b = core.cast(beta, dt)
    half_t = core.cast(core.constant(half), dt)
    num = b * unary_math.sqrt(_relu(1.0 - unary_math.square(arg / half_t)))
    return unary_math.exp(num - b) * (special_bessel.bessel_i0e(num) / special_bessel.bessel_i0e(b))


def _relu(x: Tensor) -> Tensor:
    from . import activations

    return activations.relu(x)


def kaiser_bessel_derived_window(window_length: Any, beta: Any = 12.0, dtype: Any = _dtypes.float32,
                                 name: str | None = None) -> Tensor:
    """The Kaiser-Bessel-derived window (the square root of a normalised running sum of a Kaiser window of
    ``length // 2 + 1``, mirrored), used by MDCT codecs: it satisfies the Princen-Bradley condition.

    >>> import tapegrad as tf
    >>> w = tf.signal.kaiser_bessel_derived_window(6, beta=2.0).numpy()
    >>> [round(float(v), 4) for v in w[:3] ** 2 + w[3:] ** 2]
    [1.0, 1.0, 1.0]
    """
    n, dt = _window_params(window_length, dtype, "kaiser_bessel_derived_window")
    k = kaiser_window(n // 2 + 1, beta, dtype=dt)
    csum = reductions.cumsum(k)
    half = unary_math.sqrt(csum[:-1] / csum[-1])
    return joining.concat([half, tiling.reverse(half, [0])], 0)


def vorbis_window(window_length: Any, dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """The Vorbis power-complementary window ``sin(pi / 2 * sin^2(pi (n + 0.5) / N))``.

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.signal.vorbis_window(4).numpy().tolist()]
    [0.228, 0.9737, 0.9737, 0.228]
    """
    n, dt = _window_params(window_length, dtype, "vorbis_window")
    arg = core.cast(creation.range(n), dt)
    inner = trigonometric.sin(np.pi / core.cast(n, dt) * (arg + 0.5))
    return trigonometric.sin(np.pi / 2.0 * inner ** 2.0)


# -- STFT and MDCT -------------------------------------------------------------------------------------------------


def _scalar_int(x: Any, op: str, what: str) -> int:
    if np.ndim(x.numpy() if isinstance(x, _TensorLike) else x) != 0:
        raise ValueError(f"{op}: {what} must be a scalar, got {x!r}.")
    return _as_int(x, op, what)


def _enclosing_power_of_two(n: int) -> int:
    return 1 if n <= 1 else 1 << (n - 1).bit_length()


def stft(signals: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
         window_fn: Callable[..., Any] | None = spectral.hann_window, pad_end: bool = False,
         name: str | None = None) -> Tensor:
    """Short-time Fourier transform of real ``signals`` ``[..., samples]``: frames of ``frame_length`` every
    ``frame_step`` (``pad_end`` zero-pads the end), times ``window_fn(frame_length, dtype=...)`` (None: no
    window), then an ``rfft`` of ``fft_length`` (default: the smallest power of two >= ``frame_length``). Returns
    ``[..., frames, fft_length // 2 + 1]`` complex64 (complex128 for float64 signals). Differentiable.

    >>> import tapegrad as tf
    >>> s = tf.signal.stft(tf.ones([16]), frame_length=8, frame_step=4)
    >>> s.shape, s.dtype.name
    (TensorShape([3, 5]), 'complex64')
    """
    op = "stft"
    x = to_tensor(signals)
    if x._value.ndim < 1:
        raise ValueError(f"{op}: signals must have rank >= 1, got a scalar.")
    fl = _scalar_int(frame_length, op, "frame_length")
    fs = _scalar_int(frame_step, op, "frame_step")
    n = _enclosing_power_of_two(fl) if fft_length is None else _scalar_int(fft_length, op, "fft_length")
    framed = spectral.frame(x, fl, fs, pad_end=pad_end)
    if window_fn is not None:
        framed = framed * window_fn(fl, dtype=framed.dtype)
    return spectral.rfft(framed, [n])


def inverse_stft(stfts: Any, frame_length: Any, frame_step: Any, fft_length: Any = None,
                 window_fn: Callable[..., Any] | None = spectral.hann_window, name: str | None = None) -> Tensor:
    """Inverse of :func:`stft`: ``irfft`` each frame (length ``fft_length``), crop or zero-pad it to
    ``frame_length``, multiply by ``window_fn(frame_length)`` and overlap-add every ``frame_step``. For a perfect
    reconstruction pass ``window_fn=tf.signal.inverse_stft_window_fn(frame_step)``.

    >>> import tapegrad as tf
    >>> x = tf.random.stateless_normal([64], seed=[1, 2])
    >>> s = tf.signal.stft(x, 16, 4)
    >>> y = tf.signal.inverse_stft(s, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    >>> bool(tf.reduce_max(tf.abs(y[12:-12] - x[12:-12])) < 1e-5)
    True
    """
    op = "inverse_stft"
    z = to_tensor(stfts)
    if z._value.ndim < 2:
        raise ValueError(f"{op}: stfts must have rank >= 2 ([..., frames, bins]), got shape "
                         f"{list(z._value.shape)}.")
    fl = _scalar_int(frame_length, op, "frame_length")
    fs = _scalar_int(frame_step, op, "frame_step")
    n = _enclosing_power_of_two(fl) if fft_length is None else _scalar_int(fft_length, op, "fft_length")
    real = spectral.irfft(z, [n])
    if n > fl:
        real = real[..., :fl]
    elif n < fl:
        real = tiling.pad(real, [[0, 0]] * (real._value.ndim - 1) + [[0, fl - n]])
    if window_fn is not None:
        real = real * window_fn(fl, dtype=real.dtype)
    return overlap_and_add(real, fs)


def inverse_stft_window_fn(frame_step: Any, forward_window_fn: Callable[..., Any] = spectral.hann_window,
                           name: str | None = None) -> Callable[..., Tensor]:
    """A window function for :func:`inverse_stft` that undoes ``forward_window_fn``'s overlap-added energy: the
    forward window divided by the sum of its squares over the frames overlapping each sample.

    >>> import tapegrad as tf
    >>> [round(v, 3) for v in tf.signal.inverse_stft_window_fn(2)(4, tf.float32).numpy().tolist()]
    [0.0, 1.0, 1.0, 1.0]
    """
    step = _scalar_int(frame_step, "inverse_stft_window_fn", "frame_step")

    def window(frame_length: Any, dtype: Any) -> Tensor:
        fl = _as_int(frame_length, "inverse_stft_window_fn", "frame_length")
        fwd = forward_window_fn(fl, dtype=dtype)
        sq = unary_math.square(fwd)
        overlaps = -(-fl // step)
        sq = tiling.pad(sq, [[0, overlaps * step - fl]])
        denom = reductions.reduce_sum(shape_ops.reshape(sq, [overlaps, step]), 0, keepdims=True)
        denom = shape_ops.reshape(tiling.tile(denom, [overlaps, 1]), [overlaps * step])
        return fwd / denom[:fl]

    return window


def mdct(signals: Any, frame_length: Any, window_fn: Callable[..., Any] | None = vorbis_window, pad_end: bool = False,
         norm: str | None = None, name: str | None = None) -> Tensor:
    """Modified DCT of real ``signals``: frames of ``frame_length`` (a multiple of 4) every ``frame_length // 2``,
    windowed (default: Vorbis; None scales by ``1/sqrt(2)``), folded and DCT-IV'd into ``frame_length // 2``
    coefficients per frame. ``norm='ortho'`` with a Princen-Bradley window makes it orthogonal.

    >>> import tapegrad as tf
    >>> tf.signal.mdct(tf.ones([16]), 8).shape
    TensorShape([3, 4])
    """
    op = "mdct"
    x = to_tensor(signals)
    if x._value.ndim < 1:
        raise ValueError(f"{op}: signals must have rank >= 1, got a scalar.")
    fl = _scalar_int(frame_length, op, "frame_length")
    if fl % 4:
        raise ValueError(f"{op}: frame_length must be a multiple of 4, got {fl}.")
    framed = spectral.frame(x, fl, fl // 2, pad_end=pad_end)
    framed = framed * window_fn(fl, dtype=framed.dtype) if window_fn is not None else framed * (1.0 / np.sqrt(2))
    a, b, c, d = joining.split(framed, 4, axis=-1)
    first = -tiling.reverse(c, [-1]) - d
    second = a - tiling.reverse(b, [-1])
    return dct(joining.concat([first, second], -1), type=4, norm=norm)


def inverse_mdct(mdcts: Any, window_fn: Callable[..., Any] | None = vorbis_window, norm: str | None = None,
                 name: str | None = None) -> Tensor:
    """Inverse of :func:`mdct`: DCT-IV each frame (scaled by ``0.5 / N`` unless ``norm='ortho'``), unfold to
    ``2 N`` samples, window and overlap-add every ``N``.

    >>> import tapegrad as tf
    >>> x = tf.random.stateless_normal([32], seed=[3, 4])
    >>> y = tf.signal.inverse_mdct(tf.signal.mdct(x, 8))
    >>> bool(tf.reduce_max(tf.abs(y[4:-4] - x[4:-4])) < 1e-5)
    True
    """
    op = "inverse_mdct"
    z = to_tensor(mdcts)
    if z._value.ndim < 1:
        raise ValueError(f"{op}: mdcts must have rank >= 1, got a scalar.")
    if norm not in (None, "ortho"):
        raise ValueError(f"{op}: norm must be None or 'ortho', got {norm!r}.")
    half = z._value.shape[-1]
    if norm is None:
        y = core.cast(0.5 / core.cast(half, z.dtype), z.dtype) * dct(z, type=4)
    else:
        y = dct(z, type=4, norm="ortho")
    p, q = joining.split(y, 2, axis=-1)
    frames = joining.concat([q, -tiling.reverse(q, [-1]), -tiling.reverse(p, [-1]), -p], -1)
    if window_fn is not None:
        frames = frames * window_fn(2 * half, dtype=z.dtype)
    else:
        frames = frames * (1.0 / np.sqrt(2))
    return overlap_and_add(frames, half)


# -- mel filterbank and MFCCs --------------------------------------------------------------------------------------


def _hertz_to_mel(f: Tensor) -> Tensor:
    # HTK's mel scale: 1127 * ln(1 + f / 700)
    return 1127.0 * unary_math.log(1.0 + f / 700.0)


def _static(v: Any) -> Any:
    return v.numpy() if isinstance(v, _TensorLike) else v


def linear_to_mel_weight_matrix(num_mel_bins: int = 20, num_spectrogram_bins: int = 129, sample_rate: Any = 8000,
                                lower_edge_hertz: Any = 125.0, upper_edge_hertz: Any = 3800.0,
                                dtype: Any = _dtypes.float32, name: str | None = None) -> Tensor:
    """``[num_spectrogram_bins, num_mel_bins]`` matrix of triangular HTK mel filters (TF's construction: the
    DC bin is zero, band edges are equally spaced in mel between the two edge frequencies). Multiply a magnitude
    spectrogram by it to get a mel spectrogram.

    >>> import tapegrad as tf
    >>> m = tf.signal.linear_to_mel_weight_matrix(4, 9, 8000, 100.0, 3000.0)
    >>> m.shape, [round(v, 3) for v in m.numpy()[2].tolist()]
    (TensorShape([9, 4]), [0.0, 0.539, 0.461, 0.0])
    """
    op = "linear_to_mel_weight_matrix"
    dt = _dtypes.as_dtype(dtype)
    nm = _static(num_mel_bins)
    sr = _static(sample_rate)
    lo, hi = _static(lower_edge_hertz), _static(upper_edge_hertz)
    if nm <= 0:
        raise ValueError(f"{op}: num_mel_bins must be positive, got {nm}.")
    if lo < 0.0:
        raise ValueError(f"{op}: lower_edge_hertz must be non-negative, got {lo}.")
    if lo >= hi:
        raise ValueError(f"{op}: lower_edge_hertz {lo} must be below upper_edge_hertz {hi}.")
    if not isinstance(sample_rate, _TensorLike) or np.ndim(sr) == 0:
        if sr <= 0.0:
            raise ValueError(f"{op}: sample_rate must be positive, got {sr}.")
        if hi > sr / 2:
            raise ValueError(f"{op}: upper_edge_hertz {hi} exceeds the Nyquist frequency sample_rate / 2 = "
                             f"{sr / 2}.")
    if not dt.is_floating:
        raise ValueError(f"{op}: dtype must be a floating point type, got {dt.name}.")
    rate = core.cast(sr, dt)
    zero = core.constant(0.0, dt)
    linear = creation.linspace(zero, rate / 2.0, num_spectrogram_bins)[1:]  # HTK drops the DC bin
    bins_mel = shape_ops.expand_dims(_hertz_to_mel(linear), 1)
    edges = creation.linspace(_hertz_to_mel(core.constant(lo, dt)), _hertz_to_mel(core.constant(hi, dt)), nm + 2)
    lower = shape_ops.reshape(edges[:-2], [1, nm])
    center = shape_ops.reshape(edges[1:-1], [1, nm])
    upper = shape_ops.reshape(edges[2:], [1, nm])
    rising = (bins_mel - lower) / (center - lower)
    falling = (upper - bins_mel) / (upper - center)
    from . import arithmetic

    weights = arithmetic.maximum(zero, arithmetic.minimum(rising, falling))
    return tiling.pad(weights, [[1, 0], [0, 0]])


def mfccs_from_log_mel_spectrograms(log_mel_spectrograms: Any, name: str | None = None) -> Tensor:
    """Mel-frequency cepstral coefficients: the orthonormal-scaled DCT-II of log-mel spectrograms
    ``[..., num_mel_bins]`` (``dct(x) / sqrt(2 * num_mel_bins)``, as TF and HTK scale it).

    >>> import tapegrad as tf
    >>> [round(v, 4) for v in tf.signal.mfccs_from_log_mel_spectrograms([1.0, 2.0, 3.0, 4.0]).numpy().tolist()]
    [7.0711, -2.2304, 0.0, -0.1585]
    """
    x = to_tensor(log_mel_spectrograms)
    if x._value.ndim < 1 or x._value.shape[-1] == 0:
        raise ValueError(f"mfccs_from_log_mel_spectrograms: num_mel_bins (the last axis) must be positive, got "
                         f"shape {list(x._value.shape)}.")
    y = dct(x, type=2)
    return y * unary_math.rsqrt(core.cast(x._value.shape[-1], y.dtype) * 2.0)


EXPORTS: dict[str, list[str]] = {
    "signal": ["dct", "idct", "overlap_and_add", "fft3d", "ifft3d", "rfft3d", "irfft3d", "fftnd", "ifftnd", "rfftnd",
               "irfftnd", "fftshift", "ifftshift", "kaiser_window", "kaiser_bessel_derived_window", "vorbis_window",
               "stft", "inverse_stft", "inverse_stft_window_fn", "mdct", "inverse_mdct", "linear_to_mel_weight_matrix",
               "mfccs_from_log_mel_spectrograms"],
    "": ["fftnd", "ifftnd", "rfftnd", "irfftnd"],
}
