"""tf.signal beyond the 1-D/2-D FFTs: gradients of the composed transforms against float64 central differences,
N-D FFTs against NumPy (TF 2.21 has no CPU kernel for them), round trips, and behaviours the TF lane cannot show
(gradients TF lacks, compiled functions). Values and gradients against TF itself: tests/conformance/signal_programs.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tapegrad as tf


def _loss(f: Callable[[Any], Any], w: np.ndarray | None = None) -> Callable[[Any], Any]:
    """A real scalar projection of ``f``'s output (real and imaginary parts weighted differently)."""
    def loss(v: Any) -> Any:
        y = f(v)
        ww = np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(y.shape.as_list()) if w is None else w
        if y.dtype.is_complex:
            return tf.reduce_sum(tf.math.real(y) * ww) + tf.reduce_sum(tf.math.imag(y) * (1.0 - ww))
        return tf.reduce_sum(y * tf.constant(ww, y.dtype))
    return loss


def _check_grad(f: Callable[[Any], Any], x: np.ndarray, eps: float = 1e-6) -> None:
    loss = _loss(f)
    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        out = loss(v)
    g = tape.gradient(out, v).numpy()
    num = np.zeros_like(x)
    flat = x.reshape(-1)
    for i in range(flat.size):
        for unit in ((1.0,) if x.dtype.kind != "c" else (1.0, 1j)):
            d = np.zeros_like(flat)
            d[i] = eps * unit
            hi = float(loss(tf.constant((flat + d).reshape(x.shape))).numpy())
            lo = float(loss(tf.constant((flat - d).reshape(x.shape))).numpy())
            num.reshape(-1)[i] += (hi - lo) / (2 * eps) * (unit if unit == 1.0 else 1j)
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-7)


RNG = np.random.default_rng(7)
SIG = RNG.normal(size=(2, 30))


@pytest.mark.parametrize("f", [
    lambda v: tf.signal.stft(v, 8, 3),
    lambda v: tf.signal.stft(v, 8, 3, fft_length=5, pad_end=True),  # TF's own gradient fails when fft_length crops
    lambda v: tf.signal.stft(v, 7, 2, window_fn=tf.signal.vorbis_window),
    lambda v: tf.signal.mdct(v, 8),
    lambda v: tf.signal.mdct(v, 4, window_fn=None, norm="ortho", pad_end=True),
    lambda v: tf.signal.frame(v, 4, 3, pad_end=True, pad_value=2.0),
    lambda v: tf.signal.mfccs_from_log_mel_spectrograms(v),
    lambda v: tf.signal.dct(v, type=1, n=12),
], ids=["stft", "stft_crop_pad_end", "stft_vorbis", "mdct", "mdct_ortho_nowindow", "frame", "mfcc", "dct1_pad"])
def test_real_transforms_match_central_differences(f: Callable[[Any], Any]) -> None:
    _check_grad(f, SIG)


@pytest.mark.parametrize("f,shape", [
    (lambda v: tf.signal.inverse_stft(v, 8, 3), (2, 6, 5)),
    (lambda v: tf.signal.inverse_stft(v, 8, 3, window_fn=tf.signal.inverse_stft_window_fn(3)), (6, 5)),
    (lambda v: tf.signal.irfft3d(v), (2, 3, 3)),
    (lambda v: tf.signal.irfftnd(v, axes=[0, 2]), (2, 3, 3)),
    (lambda v: tf.signal.fftnd(v, fft_length=[3, 2], axes=[2, 0], norm="ortho"), (2, 3, 3)),
    (lambda v: tf.signal.ifftnd(v, norm="forward"), (2, 2, 3)),
], ids=["inverse_stft", "inverse_stft_window_fn", "irfft3d", "irfftnd_axes", "fftnd_axes_lengths", "ifftnd_forward"])
def test_complex_input_transforms_match_central_differences(f: Callable[[Any], Any], shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(3)
    _check_grad(f, rng.normal(size=shape) + 1j * rng.normal(size=shape))


def test_rfft3d_and_rfftnd_gradients() -> None:
    """TF 2.21 registers no gradient for RFFT3D/IRFFT3D; tapegrad's are the adjoints of its 1-D/2-D rules."""
    x = np.random.default_rng(4).normal(size=(2, 3, 4))
    _check_grad(lambda v: tf.signal.rfft3d(v, [2, 4, 5]), x)
    _check_grad(lambda v: tf.signal.rfftnd(v, axes=[2, 0]), x)


def test_second_order_through_stft() -> None:
    x = tf.constant(SIG[0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.abs(tf.signal.stft(x, 8, 4)) ** 2)
        g = inner.gradient(y, x)
        gg = tf.reduce_sum(g * g)
    h = outer.gradient(gg, x)
    # |stft|^2 summed is a quadratic form x^T A x: g = 2 A x, d(g.g)/dx = 8 A^2 x — check against finite differences
    eps = 1e-6
    num = np.zeros_like(SIG[0])
    for i in range(num.size):
        d = np.zeros_like(num)
        d[i] = eps

        def gsq(v: np.ndarray) -> float:
            t = tf.constant(v)
            with tf.GradientTape() as tp:
                tp.watch(t)
                yy = tf.reduce_sum(tf.abs(tf.signal.stft(t, 8, 4)) ** 2)
            return float(tf.reduce_sum(tp.gradient(yy, t) ** 2).numpy())
        num[i] = (gsq(SIG[0] + d) - gsq(SIG[0] - d)) / (2 * eps)
    np.testing.assert_allclose(h.numpy(), num, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("fn,ref", [
    (lambda x: tf.signal.fftnd(x), lambda x: np.fft.fftn(x)),
    (lambda x: tf.signal.fftnd(x, axes=[1, 2]), lambda x: np.fft.fftn(x, axes=[1, 2])),
    (lambda x: tf.signal.fftnd(x, fft_length=[5, 2], axes=[0, 2]), lambda x: np.fft.fftn(x, s=[5, 2], axes=[0, 2])),
    (lambda x: tf.signal.ifftnd(x, axes=[-1, 0], norm="ortho"), lambda x: np.fft.ifftn(x, axes=[-1, 0], norm="ortho")),
    (lambda x: tf.signal.rfftnd(x.real), lambda x: np.fft.rfftn(x.real)),
    (lambda x: tf.signal.rfftnd(x.real, fft_length=[3, 6], axes=[0, 2], norm="forward"),
     lambda x: np.fft.rfftn(x.real, s=[3, 6], axes=[0, 2], norm="forward")),
    (lambda x: tf.signal.irfftnd(x), lambda x: np.fft.irfftn(x)),
    (lambda x: tf.signal.irfftnd(x, fft_length=[2, 5], axes=[1, 0]), lambda x: np.fft.irfftn(x, s=[2, 5], axes=[1, 0])),
    (lambda x: tf.fftnd(x, axes=[0]), lambda x: np.fft.fftn(x, axes=[0])),
    (lambda x: tf.signal.fft3d(x), lambda x: np.fft.fftn(x, axes=[0, 1, 2])),
    (lambda x: tf.signal.irfft3d(x, [3, 3, 7]), lambda x: np.fft.irfftn(x, s=[3, 3, 7], axes=[0, 1, 2])),
])
def test_nd_ffts_match_numpy(fn: Callable[[Any], Any], ref: Callable[[np.ndarray], np.ndarray]) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2, 3, 4)) + 1j * rng.normal(size=(2, 3, 4))
    got = fn(x)
    np.testing.assert_allclose(got.numpy(), ref(x), rtol=1e-10, atol=1e-10)
    assert got.dtype in (tf.complex128, tf.float64)


def test_nd_fft_dtypes_and_errors() -> None:
    assert tf.signal.fftnd([1.0, 2.0]).dtype == tf.complex64  # Python values convert to complex64, as in TF
    assert tf.signal.rfftnd(tf.ones([2, 2])).dtype == tf.complex64
    assert tf.signal.irfftnd(tf.ones([2, 2], tf.complex128)).dtype == tf.float64
    with pytest.raises(tf.errors.InvalidArgumentError, match="complex"):
        tf.signal.fftnd(tf.ones([2, 2]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        tf.signal.fftnd(tf.ones([2, 2], tf.complex64), axes=[2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="distinct"):
        tf.signal.fftnd(tf.ones([2, 2], tf.complex64), axes=[1, -1])
    with pytest.raises(ValueError, match="norm"):
        tf.signal.fftnd(tf.ones([2, 2], tf.complex64), norm="half")


def test_round_trips() -> None:
    x = tf.constant(np.random.default_rng(6).normal(size=(3, 64)))
    z = tf.signal.stft(x, 16, 4)
    y = tf.signal.inverse_stft(z, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    np.testing.assert_allclose(y.numpy()[:, 12:-12], x.numpy()[:, 12:-12], atol=1e-12)
    m = tf.signal.inverse_mdct(tf.signal.mdct(x, 16, window_fn=tf.signal.kaiser_bessel_derived_window),
                               window_fn=tf.signal.kaiser_bessel_derived_window)
    np.testing.assert_allclose(m.numpy()[:, 8:-8], x.numpy()[:, 8:-8], atol=1e-12)
    for t in (1, 2, 3, 4):
        scale = 2 * (64 - 1) if t == 1 else 2 * 64
        np.testing.assert_allclose(tf.signal.idct(tf.signal.dct(x, type=t), type=t).numpy() / scale, x.numpy(),
                                   atol=1e-12)


def test_overlap_and_add_is_the_adjoint_of_frame() -> None:
    rng = np.random.default_rng(8)
    x, u = rng.normal(size=(2, 23)), rng.normal(size=(2, 6, 5))
    fx = tf.signal.frame(tf.constant(x), 5, 4, pad_end=True).numpy()  # pads 23 to 25
    au = tf.signal.overlap_and_add(tf.constant(u), 4).numpy()
    assert au.shape == (2, 25)
    np.testing.assert_allclose(np.sum(fx * u), np.sum(np.pad(x, [(0, 0), (0, 2)]) * au), rtol=1e-12)


def test_frame_last_axis_keeps_dtypes_and_strings() -> None:
    s = tf.signal.frame(tf.constant(["a", "b", "c", "d"]), 2, 2)
    assert s.numpy().tolist() == [[b"a", b"b"], [b"c", b"d"]]
    assert tf.signal.frame(tf.range(5, dtype=tf.int64), 3, 1).dtype == tf.int64
    assert tf.signal.frame(tf.ones([2, 3]), 4, 1).shape == [2, 0, 4]


def test_stft_in_function_matches_eager() -> None:
    x = tf.constant(SIG)
    f = tf.function(lambda v: tf.abs(tf.signal.stft(v, 8, 4, pad_end=True)))
    np.testing.assert_allclose(f(x).numpy(), tf.abs(tf.signal.stft(x, 8, 4, pad_end=True)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(f(x).numpy(), f(x).numpy())


def test_mel_matrix_rows_are_triangles() -> None:
    m = tf.signal.linear_to_mel_weight_matrix(10, 129, 16000, 100.0, 7000.0, tf.float64).numpy()
    assert m.shape == (129, 10) and np.all(m[0] == 0) and np.all(m >= 0) and np.all(m <= 1)
    peaks = m.argmax(axis=0)
    assert np.all(np.diff(peaks) > 0)  # band centres increase


def test_errors_name_the_op() -> None:
    with pytest.raises(ValueError, match="overlap_and_add: signal must have rank >= 2"):
        tf.signal.overlap_and_add([1.0, 2.0], 1)
    with pytest.raises(ValueError, match="mdct: frame_length must be a multiple of 4, got 6"):
        tf.signal.mdct(tf.ones([12]), 6)
    with pytest.raises(TypeError, match="dct: requires a float32 or float64 input, got float16"):
        tf.signal.dct(tf.ones([4], tf.float16))
    with pytest.raises(ValueError, match="Nyquist"):
        tf.signal.linear_to_mel_weight_matrix(4, 9, 8000, 10.0, 5000.0)


def test_docstring_examples_run() -> None:
    import doctest

    from tapegrad.ops import signal_ext

    r = doctest.testmod(signal_ext, optionflags=doctest.ELLIPSIS)
    assert r.attempted > 30 and r.failed == 0
