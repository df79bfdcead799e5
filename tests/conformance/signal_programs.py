"""``tf.signal`` programs (STFT/inverse STFT, MDCT, DCT I-IV, overlap-add, windows, mel filterbanks, MFCCs,
fftshift, 3-D FFTs), run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python signal_programs.py MODULE OUT``). Results are compared as text (library
prefix neutral, numbers at rtol 1e-5), exceptions by class. Values and gradients are checked in float64 (float32
results only by dtype, shape and a sum: float32 FFT roundings differ near zero).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _signal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def _grad(tf: Any, f: Callable[[Any], Any], x: np.ndarray) -> Any:
    """f(x) and the gradient of a fixed projection of it (real and imaginary parts for complex outputs)."""
    v = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(v)
        y = f(v)
        w = tf.constant(np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(y.shape.as_list()))
        if y.dtype.is_complex:
            loss = tf.reduce_sum(tf.math.real(y) * w) + tf.reduce_sum(tf.math.imag(y) * (1.0 - w))
        else:
            loss = tf.reduce_sum(y * tf.cast(w, y.dtype))
    return y, tape.gradient(loss, v)


def _summary(tf: Any, y: Any) -> Any:
    return y.dtype, y.shape, tf.reduce_sum(tf.abs(tf.cast(y, tf.complex128) if y.dtype.is_complex else
                                                  tf.cast(y, tf.float64)))


# -- DCT -----------------------------------------------------------------------------------------------------------

@case
def dct_types_and_norms_with_gradients(tf: Any) -> Any:
    x = _signal(2, 6)
    out = []
    for t in (1, 2, 3, 4):
        for norm in (None, "ortho") if t != 1 else (None,):
            out.append(_grad(tf, lambda v, t=t, norm=norm: tf.signal.dct(v, type=t, norm=norm), x))
            out.append(_grad(tf, lambda v, t=t, norm=norm: tf.signal.idct(v, type=t, norm=norm), x))
    return out


@case
def dct_n_crops_and_pads(tf: Any) -> Any:
    x = _signal(3, 5)
    return (_grad(tf, lambda v: tf.signal.dct(v, n=3), x), _grad(tf, lambda v: tf.signal.dct(v, type=3, n=8), x),
            _grad(tf, lambda v: tf.signal.idct(v, type=4, n=7, norm="ortho"), x))


@case
def dct_float32(tf: Any) -> Any:
    return _summary(tf, tf.signal.dct(tf.constant(_signal(4, 8), tf.float32), norm="ortho"))


@case
def dct_axis_not_last(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3)), axis=0)


@case
def dct_type_5(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3)), type=5)


@case
def dct_type1_ortho(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3)), type=1, norm="ortho")


@case
def dct_type1_length_one(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 1)), type=1)


@case
def dct_bad_norm(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3)), norm="forward")


@case
def dct_n_zero(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3)), n=0)


@case
def dct_float16(tf: Any) -> Any:
    return tf.signal.dct(tf.constant(_signal(2, 3), tf.float16))


# -- overlap_and_add -----------------------------------------------------------------------------------------------

@case
def overlap_and_add_steps_with_gradients(tf: Any) -> Any:
    x = _signal(2, 4, 5)
    return [_grad(tf, lambda v, s=s: tf.signal.overlap_and_add(v, s), x) for s in (1, 2, 3, 5, 7)]


@case
def overlap_and_add_int_and_empty(tf: Any) -> Any:
    return (tf.signal.overlap_and_add(tf.reshape(tf.range(12), [3, 4]), 2),
            tf.signal.overlap_and_add(tf.zeros([2, 0, 3]), 2), tf.signal.overlap_and_add(tf.constant(3.0, shape=[3, 1]),
                                                                                         2))


@case
def overlap_and_add_rank1(tf: Any) -> Any:
    return tf.signal.overlap_and_add(tf.constant([1.0, 2.0]), 1)


@case
def overlap_and_add_float_step(tf: Any) -> Any:
    return tf.signal.overlap_and_add(tf.ones([2, 3]), 1.5)


@case
def overlap_and_add_vector_step(tf: Any) -> Any:
    return tf.signal.overlap_and_add(tf.ones([2, 3]), [1, 2])


# -- STFT ----------------------------------------------------------------------------------------------------------

@case
def stft_float64_with_gradient(tf: Any) -> Any:
    x = _signal(2, 40)
    return (_grad(tf, lambda v: tf.signal.stft(v, 12, 5), x),
            _grad(tf, lambda v: tf.signal.stft(v, 12, 5, fft_length=16, pad_end=True), x),
            _grad(tf, lambda v: tf.signal.stft(v, 9, 4, window_fn=None), x),
            _grad(tf, lambda v: tf.signal.stft(v, 10, 3, fft_length=17, window_fn=tf.signal.hamming_window), x),
            tf.signal.stft(tf.constant(x), 12, 5, fft_length=8))  # TF's gradient fails when fft_length crops


@case
def stft_float32_summary(tf: Any) -> Any:
    x = tf.constant(_signal(3, 100), tf.float32)
    return _summary(tf, tf.signal.stft(x, 25, 10)), _summary(tf, tf.signal.stft(x, 16, 16, pad_end=True))


@case
def stft_short_signal(tf: Any) -> Any:
    return tf.signal.stft(tf.constant(_signal(5)), 8, 2), tf.signal.stft(tf.constant(_signal(5)), 8, 2, pad_end=True)


@case
def stft_scalar_signal(tf: Any) -> Any:
    return tf.signal.stft(tf.constant(1.0), 8, 2)


@case
def stft_vector_frame_length(tf: Any) -> Any:
    return tf.signal.stft(tf.ones([10]), [4], 2)


@case
def inverse_stft_with_gradient(tf: Any) -> Any:
    z = tf.signal.stft(tf.constant(_signal(2, 50)), 16, 4).numpy()
    return (_grad(tf, lambda v: tf.signal.inverse_stft(v, 16, 4), z),
            _grad(tf, lambda v: tf.signal.inverse_stft(v, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4)), z),
            _grad(tf, lambda v: tf.signal.inverse_stft(v, 20, 4, fft_length=16), z),
            _grad(tf, lambda v: tf.signal.inverse_stft(v, 10, 4, fft_length=16, window_fn=None), z))


@case
def inverse_stft_round_trip(tf: Any) -> Any:
    x = tf.constant(_signal(64))
    z = tf.signal.stft(x, 16, 4)
    y = tf.signal.inverse_stft(z, 16, 4, window_fn=tf.signal.inverse_stft_window_fn(4))
    return y, tf.reduce_max(tf.abs(y[12:-12] - x[12:-12])) < 1e-9


@case
def inverse_stft_rank1(tf: Any) -> Any:
    return tf.signal.inverse_stft(tf.ones([5], tf.complex64), 8, 2)


@case
def inverse_stft_window_fn_values(tf: Any) -> Any:
    return (tf.signal.inverse_stft_window_fn(3)(10, tf.float64),
            tf.signal.inverse_stft_window_fn(4, tf.signal.hamming_window)(16, tf.float64),
            tf.signal.inverse_stft_window_fn(2)(5, tf.float32).dtype)


# -- windows -------------------------------------------------------------------------------------------------------

@case
def windows_lengths_and_dtypes(tf: Any) -> Any:
    out = []
    for fn in (tf.signal.kaiser_window, tf.signal.kaiser_bessel_derived_window, tf.signal.vorbis_window):
        for n in (1, 2, 5, 8):
            out.append(fn(n, dtype=tf.float64))
        out.append(_summary(tf, fn(33)))
    out.append(tf.signal.kaiser_window(7, beta=3.5, dtype=tf.float64))
    out.append(tf.signal.kaiser_bessel_derived_window(10, beta=0.5, dtype=tf.float64))
    return out


@case
def kaiser_window_gradient_in_beta(tf: Any) -> Any:
    beta = tf.constant(4.0, tf.float64)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(beta)
        a = tf.reduce_sum(tf.signal.kaiser_window(9, beta, dtype=tf.float64) * tf.range(9, dtype=tf.float64))
        b = tf.reduce_sum(tf.signal.kaiser_bessel_derived_window(8, beta, dtype=tf.float64) ** 3)
    return a, b, tape.gradient(a, beta), tape.gradient(b, beta)


@case
def window_integer_dtype(tf: Any) -> Any:
    return tf.signal.vorbis_window(4, dtype=tf.int32)


@case
def kaiser_window_integer_dtype(tf: Any) -> Any:
    return tf.signal.kaiser_window(4, dtype=tf.int64)


@case
def window_vector_length(tf: Any) -> Any:
    return tf.signal.kaiser_window([4])


# -- MDCT ----------------------------------------------------------------------------------------------------------

@case
def mdct_with_gradients(tf: Any) -> Any:
    x = _signal(2, 32)
    return (_grad(tf, lambda v: tf.signal.mdct(v, 8), x),
            _grad(tf, lambda v: tf.signal.mdct(v, 12, pad_end=True, norm="ortho",
                                               window_fn=tf.signal.kaiser_bessel_derived_window), x),
            _grad(tf, lambda v: tf.signal.mdct(v, 4, window_fn=None), x))


@case
def inverse_mdct_with_gradients(tf: Any) -> Any:
    z = _signal(2, 5, 4)
    return (_grad(tf, lambda v: tf.signal.inverse_mdct(v), z),
            _grad(tf, lambda v: tf.signal.inverse_mdct(v, norm="ortho", window_fn=None), z))


@case
def mdct_round_trip(tf: Any) -> Any:
    x = tf.constant(_signal(48))
    y = tf.signal.inverse_mdct(tf.signal.mdct(x, 16, norm="ortho"), norm="ortho")
    return tf.reduce_max(tf.abs(y[8:-8] - x[8:-8])) < 1e-9, _summary(tf, tf.signal.mdct(tf.cast(x, tf.float32), 8))


@case
def mdct_frame_length_not_multiple_of_4(tf: Any) -> Any:
    return tf.signal.mdct(tf.ones([20]), 10)


# -- mel and MFCC --------------------------------------------------------------------------------------------------

@case
def mel_matrices_float64(tf: Any) -> Any:
    return (tf.signal.linear_to_mel_weight_matrix(dtype=tf.float64),
            tf.signal.linear_to_mel_weight_matrix(8, 33, 16000, 20.0, 8000.0, tf.float64),
            tf.signal.linear_to_mel_weight_matrix(5, 12, 22050.0, 0.0, 11000.0, dtype=tf.float64))


@case
def mel_matrix_float32_summary(tf: Any) -> Any:
    m = tf.signal.linear_to_mel_weight_matrix(40, 257, 16000, 20.0, 7600.0)
    return m.dtype, m.shape, tf.reduce_sum(tf.cast(m, tf.float64))


@case
def mel_matrix_tensor_sample_rate(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(4, 9, tf.constant(8000.0, tf.float64), dtype=tf.float64)


@case
def mel_upper_above_nyquist(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(10, 65, 8000, 100.0, 4500.0)


@case
def mel_lower_above_upper(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(10, 65, 8000, 300.0, 200.0)


@case
def mel_negative_lower(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(10, 65, 8000, -1.0, 200.0)


@case
def mel_zero_bins(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(0)


@case
def mel_zero_sample_rate(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(10, 65, 0, 0.0, 1.0)


@case
def mel_integer_dtype(tf: Any) -> Any:
    return tf.signal.linear_to_mel_weight_matrix(dtype=tf.int32)


@case
def mfccs_with_gradient(tf: Any) -> Any:
    return (_grad(tf, lambda v: tf.signal.mfccs_from_log_mel_spectrograms(v), _signal(2, 3, 10)),
            _summary(tf, tf.signal.mfccs_from_log_mel_spectrograms(tf.constant(_signal(4, 13), tf.float32))))


@case
def mfccs_zero_bins(tf: Any) -> Any:
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.zeros([3, 0]))


@case
def log_mel_pipeline_float64(tf: Any) -> Any:
    x = tf.constant(_signal(2, 400))
    spec = tf.abs(tf.signal.stft(x, 64, 32))
    mel = tf.tensordot(spec, tf.signal.linear_to_mel_weight_matrix(12, 33, 8000, 50.0, 3900.0, tf.float64), 1)
    return tf.signal.mfccs_from_log_mel_spectrograms(tf.math.log(mel + 1e-6))[..., :5]


# -- fftshift and 3-D FFTs -----------------------------------------------------------------------------------------

@case
def fftshift_axes_with_gradients(tf: Any) -> Any:
    x = _signal(3, 4, 5)
    return (_grad(tf, lambda v: tf.signal.fftshift(v), x), _grad(tf, lambda v: tf.signal.ifftshift(v), x),
            tf.signal.fftshift(tf.constant(x), axes=1), tf.signal.ifftshift(tf.constant(x), axes=[0, -1]),
            tf.signal.fftshift(tf.range(7)), tf.signal.ifftshift(tf.range(7)))


@case
def fft3d_family_with_gradients(tf: Any) -> Any:
    c = _signal(2, 3, 4, 5) + 1j * _signal(2, 3, 4, 5, seed=1)
    r = _signal(2, 3, 4, 6)
    # TF registers no gradient for RFFT3D/IRFFT3D (LookupError); tapegrad's are checked in tests/test_signal_ext.py
    return (_grad(tf, lambda v: tf.signal.fft3d(v), c), _grad(tf, lambda v: tf.signal.ifft3d(v), c),
            tf.signal.rfft3d(tf.constant(r)), tf.signal.irfft3d(tf.constant(c)),
            tf.signal.rfft3d(tf.constant(r), [3, 5, 6]), tf.signal.irfft3d(tf.constant(c), [3, 4, 7]))


@case
def fft3d_float32_summary(tf: Any) -> Any:
    c = tf.complex(tf.constant(_signal(2, 2, 4), tf.float32), tf.zeros([2, 2, 4]))
    return _summary(tf, tf.signal.fft3d(c)), _summary(tf, tf.signal.irfft3d(c)), \
        _summary(tf, tf.signal.rfft3d(tf.math.real(c)))


@case
def fft3d_rank2(tf: Any) -> Any:
    return tf.signal.fft3d(tf.ones([2, 2], tf.complex64))


@case
def rfft3d_complex_tensor(tf: Any) -> Any:
    return tf.signal.rfft3d(tf.ones([2, 2, 2], tf.complex64))


if __name__ == "__main__":
    _main(CASES)
