"""``tf.nn.conv3d_transpose`` and ``tf.nn.conv1d_transpose`` (``ops/convolution_nd.py``), and ``tf.nn.conv3d`` with
dilations, run unchanged under TensorFlow and under tapegrad (the harness of ``strings_ragged_programs.py``: ``python
convnd_programs.py MODULE OUT``). Values and gradients with respect to input and filters in float64 (dilated conv3d:
float32 on small integers, which TF's CPU kernel alone supports); exceptions compared by class.
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


def _grads(tf: Any, f: Callable[[Any, Any], Any], x: np.ndarray, w: np.ndarray) -> Any:
    """f(x, w) and the gradients of a fixed projection of it with respect to x and w."""
    xv, wv = tf.constant(x), tf.constant(w)
    with tf.GradientTape() as tape:
        tape.watch([xv, wv])
        y = f(xv, wv)
        proj = tf.constant(np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(y.shape.as_list()))
        loss = tf.reduce_sum(y * proj)
    gx, gw = tape.gradient(loss, [xv, wv])
    return y, gx, gw


def _error_class(tf: Any, fn: Callable[[], Any]) -> str:
    """The class of the error ``fn`` raises. TF's oneDNN CPU kernels report a transposed convolution's shape
    mismatch as ``AbortedError`` (its reference kernel, and tapegrad, as ``InvalidArgumentError``): both read as the
    latter."""
    try:
        fn()
    except (tf.errors.InvalidArgumentError, tf.errors.AbortedError):
        return "InvalidArgumentError"
    except Exception as exc:  # noqa: BLE001 - compared by class
        return type(exc).__name__
    return "no error"


def _rng(*shapes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


@case
def conv3d_transpose_same_stride2(tf: Any) -> Any:
    x, w = _rng((2, 2, 3, 2, 3), (3, 2, 3, 4, 3))
    return _grads(tf, lambda a, b: tf.nn.conv3d_transpose(a, b, [2, 4, 6, 4, 4], 2, "SAME"), x, w)


@case
def conv3d_transpose_valid_mixed_strides(tf: Any) -> Any:
    x, w = _rng((1, 2, 2, 4, 2), (2, 3, 2, 3, 2), seed=1)
    return _grads(tf, lambda a, b: tf.nn.conv3d_transpose(a, b, [1, 7, 5, 5, 3], [1, 3, 2, 1, 1], "VALID"), x, w)


@case
def conv3d_transpose_output_padding(tf: Any) -> Any:
    # a larger output than the minimal one: the trailing rows get only the windows that reach them
    x, w = _rng((1, 2, 2, 2, 1), (2, 2, 2, 2, 1), seed=2)
    return _grads(tf, lambda a, b: tf.nn.conv3d_transpose(a, b, [1, 5, 5, 4, 2], 2, "VALID"), x, w)


@case
def conv3d_transpose_same_odd(tf: Any) -> Any:
    x, w = _rng((1, 3, 3, 3, 2), (3, 3, 3, 2, 2), seed=3)
    return _grads(tf, lambda a, b: tf.nn.conv3d_transpose(a, b, [1, 5, 6, 5, 2], 2, "SAME"), x, w)


@case
def conv3d_transpose_ncdhw_shape(tf: Any) -> Any:
    # TF's CPU kernel runs NDHWC only; the shape inference of NCDHW is the same everywhere
    x, w = _rng((1, 2, 2, 2, 3), (2, 2, 2, 4, 3), seed=4)
    y = tf.nn.conv3d_transpose(tf.constant(x), tf.constant(w), [1, 4, 4, 4, 4], [1, 2, 2, 2, 1], "SAME")
    return y.shape, y.dtype


@case
def conv3d_transpose_float32(tf: Any) -> Any:
    x, w = _rng((1, 2, 2, 2, 1), (2, 2, 2, 1, 1), seed=5)
    y = tf.nn.conv3d_transpose(tf.constant(x, tf.float32), tf.constant(w, tf.float32), [1, 3, 3, 3, 1], 1, "VALID")
    y64 = tf.nn.conv3d_transpose(tf.constant(x), tf.constant(w), [1, 3, 3, 3, 1], 1, "VALID")
    # float32 sums round in a different order: dtype, shape and closeness to the float64 result
    return y.dtype, y.shape, bool(tf.reduce_max(tf.abs(tf.cast(y, tf.float64) - y64)) < 1e-5)


@case
def conv3d_transpose_wrong_output_shape(tf: Any) -> Any:
    return _error_class(tf, lambda: tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 1, 1]),
                                                           [1, 9, 9, 9, 1], 1, "VALID"))


@case
def conv3d_transpose_channel_mismatch(tf: Any) -> Any:
    return _error_class(tf, lambda: tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 2]), tf.ones([2, 2, 2, 1, 3]),
                                                           [1, 3, 3, 3, 1], 1, "VALID"))


@case
def conv1d_transpose_same_stride2(tf: Any) -> Any:
    x, w = _rng((2, 4, 3), (3, 2, 3), seed=6)
    return _grads(tf, lambda a, b: tf.nn.conv1d_transpose(a, b, [2, 8, 2], 2, "SAME"), x, w)


@case
def conv1d_transpose_valid_stride3(tf: Any) -> Any:
    x, w = _rng((2, 3, 1), (4, 2, 1), seed=8)
    return _grads(tf, lambda a, b: tf.nn.conv1d_transpose(a, b, [2, 10, 2], 3, "VALID"), x, w)


@case
def conv1d_transpose_wrong_output_shape(tf: Any) -> Any:
    return _error_class(tf, lambda: tf.nn.conv1d_transpose(tf.ones([1, 2, 1]), tf.ones([2, 1, 1]), [1, 9, 1], 1,
                                                           "VALID"))


def _int_grads(tf: Any, f: Callable[[Any, Any], Any], x: np.ndarray, w: np.ndarray) -> Any:
    """:func:`_grads` in float32 on small integers (every sum exact, so both libraries agree to the bit)."""
    xv, wv = tf.constant(x, tf.float32), tf.constant(w, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch([xv, wv])
        y = f(xv, wv)
        n = int(np.prod(y.shape.as_list()))
        proj = tf.constant((np.arange(n) % 5 - 2.0).reshape(y.shape.as_list()), tf.float32)
        loss = tf.reduce_sum(y * proj)
    gx, gw = tape.gradient(loss, [xv, wv])
    return y, gx, gw


def _ints(*shapes: tuple[int, ...], seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.integers(-3, 4, size=s).astype(np.float64) for s in shapes]


@case
def conv3d_dilated_valid_float32(tf: Any) -> Any:
    x, w = _ints((2, 6, 7, 6, 2), (2, 3, 2, 2, 3), seed=10)
    return _int_grads(tf, lambda a, b: tf.nn.conv3d(a, b, [1, 1, 1, 1, 1], "VALID", dilations=[1, 2, 1, 2, 1]), x, w)


@case
def conv3d_dilated_same_strided_float32(tf: Any) -> Any:
    x, w = _ints((1, 7, 6, 5, 2), (3, 2, 2, 2, 2), seed=11)
    return _int_grads(tf, lambda a, b: tf.nn.conv3d(a, b, [1, 2, 1, 2, 1], "SAME", dilations=[1, 2, 2, 1, 1]), x, w)


@case
def conv3d_dilated_ncdhw_float32(tf: Any) -> Any:
    x, w = _ints((1, 2, 6, 7, 6), (2, 3, 2, 2, 3), seed=12)
    return _int_grads(tf, lambda a, b: tf.nn.conv3d(a, b, [1, 1, 1, 1, 1], "VALID", data_format="NCDHW",
                                                    dilations=[1, 1, 2, 1, 2]), x, w)


@case
def conv3d_dilation_errors(tf: Any) -> Any:
    x, w = tf.ones([1, 5, 5, 5, 2]), tf.ones([2, 2, 2, 2, 3])
    return [_error_class(tf, lambda: tf.nn.conv3d(tf.cast(x, tf.float64), tf.cast(w, tf.float64), [1, 1, 1, 1, 1],
                                                  "SAME", dilations=[1, 2, 2, 2, 1])),
            _error_class(tf, lambda: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID", dilations=[2, 1, 1, 1, 1])),
            _error_class(tf, lambda: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID", dilations=[1, 0, 1, 1, 1])),
            _error_class(tf, lambda: tf.nn.conv3d(x, w, [1, 1, 1, 1, 1], "VALID", dilations=[1, 2, 1]))]


if __name__ == "__main__":
    _main(CASES)
