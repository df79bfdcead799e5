"""``tf.image`` colour spaces, random colour/crop ops and their stateless twins (``ops/image_color.py``), run
unchanged under TensorFlow and under tapegrad (the harness of ``strings_ragged_programs.py``: ``python
image_programs.py MODULE OUT``). Bit-exact results are compared as the dtype, shape and SHA-1 of the raw bytes
(``_bits``); gradients and matrix products as values (rtol 1e-5); exceptions by class.
"""

from __future__ import annotations

import hashlib
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


def _bits(t: Any) -> str:
    a = np.ascontiguousarray(t.numpy())
    return f"{a.dtype} {list(a.shape)} {hashlib.sha1(a.tobytes()).hexdigest()}"


def _img(shape: tuple[int, ...], dtype: str = "float32", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(dtype)


def _error_classes(*fns: Callable[[], Any]) -> list[str]:
    """The exception class each call raises ("no error" when none)."""
    out = []
    for fn in fns:
        try:
            fn()
            out.append("no error")
        except Exception as exc:  # noqa: BLE001 - compared by class
            out.append(type(exc).__name__)
    return out


def _grad(tf: Any, f: Callable[[Any], Any], x: np.ndarray) -> Any:
    xv = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = f(xv)
        proj = tf.constant(np.cos(np.arange(int(np.prod(y.shape.as_list())))).reshape(y.shape.as_list()), y.dtype)
        loss = tf.reduce_sum(y * proj)
    return y, tape.gradient(loss, xv)


# -- colour spaces -------------------------------------------------------------------------------------------------

@case
def rgb_to_hsv_bits_f32(tf: Any) -> Any:
    x = _img((4, 5, 6, 3))
    x[0, 0, 0] = [0.5, 0.5, 0.5]  # grey: hue and saturation 0
    x[0, 0, 1] = [0.0, 0.0, 0.0]
    x[0, 0, 2] = [0.7, 0.7, 0.2]  # red and green tie
    return _bits(tf.image.rgb_to_hsv(x))


@case
def rgb_to_hsv_bits_f64_f16(tf: Any) -> Any:
    return _bits(tf.image.rgb_to_hsv(_img((3, 4, 3), "float64"))), _bits(tf.image.rgb_to_hsv(_img((3, 4, 3),
                                                                                                  "float16")))


@case
def hsv_to_rgb_bits(tf: Any) -> Any:
    return _bits(tf.image.hsv_to_rgb(_img((4, 5, 6, 3), seed=1))), _bits(tf.image.hsv_to_rgb(_img((5, 3), "float64")))


@case
def hsv_round_trip(tf: Any) -> Any:
    return _bits(tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(_img((8, 3), seed=2))))


@case
def rgb_to_hsv_gradient(tf: Any) -> Any:
    return _grad(tf, tf.image.rgb_to_hsv, _img((3, 4, 3), "float64", seed=3))


@case
def hsv_to_rgb_gradient_is_none(tf: Any) -> Any:
    x = tf.constant(_img((2, 3), "float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.image.hsv_to_rgb(x)
    return tape.gradient(y, x)


@case
def rgb_to_hsv_int_raises(tf: Any) -> Any:
    return tf.image.rgb_to_hsv(tf.constant([[1, 2, 3]]))


@case
def rgb_to_hsv_two_channels_raises(tf: Any) -> Any:
    return tf.image.rgb_to_hsv(tf.zeros([2, 2]))


@case
def yiq_yuv_values(tf: Any) -> Any:
    x = _img((2, 3, 3), "float64", seed=4)
    return (tf.image.rgb_to_yiq(x), tf.image.yiq_to_rgb(x), tf.image.rgb_to_yuv(x), tf.image.yuv_to_rgb(x),
            tf.image.rgb_to_yiq(x.astype("float32")).dtype, tf.image.yuv_to_rgb(x.astype("float16")).dtype)


@case
def yiq_round_trip(tf: Any) -> Any:
    x = _img((4, 3), "float64", seed=5)
    return tf.image.yiq_to_rgb(tf.image.rgb_to_yiq(x)), tf.image.yuv_to_rgb(tf.image.rgb_to_yuv(x))


@case
def yuv_gradient(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.image.rgb_to_yuv(tf.image.yiq_to_rgb(v)), _img((2, 2, 3), "float64", seed=6))


@case
def yiq_int_raises(tf: Any) -> Any:
    return tf.image.rgb_to_yiq(tf.constant([[1, 2, 3]]))


# -- stateless random ops (TF's Philox values) ----------------------------------------------------------------------

@case
def stateless_brightness(tf: Any) -> Any:
    x = _img((2, 3, 4, 3))
    return (_bits(tf.image.stateless_random_brightness(x, 0.3, seed=[1, 2])),
            _bits(tf.image.stateless_random_brightness(x, 0.3, seed=tf.constant([7, 8], tf.int64))),
            _bits(tf.image.stateless_random_brightness((x * 255).astype("uint8"), 0.2, seed=[3, 4])))


@case
def stateless_contrast(tf: Any) -> Any:
    x = _img((2, 3, 4, 3))
    return _bits(tf.image.stateless_random_contrast(x, 0.2, 1.8, seed=[5, 6]))


@case
def stateless_hue_saturation_draw(tf: Any) -> Any:
    # the draws are TF's; adjust_hue/adjust_saturation themselves are compared by value (float64 internally here)
    x = _img((3, 4, 3), seed=7)
    return (tf.image.stateless_random_hue(x, 0.3, seed=[1, 2]),
            tf.image.stateless_random_saturation(x, 0.5, 1.5, seed=[1, 2]))


@case
def stateless_crop(tf: Any) -> Any:
    x = tf.reshape(tf.range(4 * 5 * 6 * 3), [4, 5, 6, 3])
    return [tf.image.stateless_random_crop(x, [2, 3, 4, 3], seed=[s, 9]).numpy().ravel()[:6].tolist()
            for s in range(6)]


@case
def stateless_crop_int64_size(tf: Any) -> Any:
    x = tf.reshape(tf.range(60.0), [6, 10])
    return tf.image.stateless_random_crop(x, tf.constant([3, 4], tf.int64), seed=[11, 12])


@case
def stateless_crop_too_big_raises(tf: Any) -> Any:
    return tf.image.stateless_random_crop(tf.zeros([2, 3]), [3, 3], seed=[1, 2])


@case
def random_ops_argument_errors(tf: Any) -> Any:
    return _error_classes(lambda: tf.image.random_brightness(tf.zeros([1, 1, 3]), -0.1),
                          lambda: tf.image.random_hue(tf.zeros([1, 1, 3]), 0.6),
                          lambda: tf.image.random_contrast(tf.zeros([1, 1, 3]), 0.5, 0.4),
                          lambda: tf.image.random_saturation(tf.zeros([1, 1, 3]), -0.5, 0.4),
                          lambda: tf.image.stateless_random_contrast(tf.zeros([1, 1, 3]), 0.5, 0.5, seed=[1, 2]))


@case
def random_crop_shape_and_window(tf: Any) -> Any:
    x = tf.reshape(tf.range(5 * 7), [5, 7])
    y = tf.image.random_crop(x, [2, 3], seed=3)
    v = y.numpy()
    return y.shape, bool((np.diff(v, axis=1) == 1).all() and (np.diff(v, axis=0) == 7).all())


@case
def stateless_crop_gradient(tf: Any) -> Any:
    return _grad(tf, lambda v: tf.image.stateless_random_crop(v, [2, 2, 3], seed=[4, 5]), _img((4, 4, 3), "float64"))


# -- ImageProjectiveTransformV3 (what Keras's affine_transform runs) --------------------------------------------


def _projective_cases() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    out = []
    for k in range(6):
        ang, s = rng.uniform(-1, 1), rng.uniform(0.5, 1.6)
        row = [s * np.cos(ang), -s * np.sin(ang), rng.uniform(-5, 5), s * np.sin(ang), s * np.cos(ang),
               rng.uniform(-5, 5), rng.uniform(-0.02, 0.02) * (k % 3 == 0), 0.0]
        t = np.array([row] * 3, np.float32)
        t[1, 2] += 0.5  # half-pixel shifts: nearest rounding of exact halves
        t[2, 5] += 1.0
        out.append(t)
    return out


@case
def projective_transform_bits(tf: Any) -> Any:
    imgs = np.random.default_rng(1).uniform(0, 255, (3, 7, 9, 2)).astype(np.float32)
    return [_bits(tf.raw_ops.ImageProjectiveTransformV3(images=imgs, transforms=t, output_shape=[7, 9],
                                                        fill_value=3.0, interpolation=interp, fill_mode=mode))
            for t in _projective_cases() for interp in ("NEAREST", "BILINEAR")
            for mode in ("REFLECT", "WRAP", "CONSTANT", "NEAREST")]


@case
def projective_transform_output_shape_and_int(tf: Any) -> Any:
    imgs = np.arange(2 * 4 * 5).reshape(2, 4, 5, 1).astype(np.int32)
    t = np.array([[0.7, 0.2, 0.3, -0.1, 0.9, 0.6, 0.0, 0.0]], np.float32)
    return (tf.raw_ops.ImageProjectiveTransformV3(images=imgs, transforms=t, output_shape=[3, 6], fill_value=-1.0,
                                                  interpolation="BILINEAR", fill_mode="CONSTANT"),
            tf.raw_ops.ImageProjectiveTransformV3(images=imgs.astype(np.uint8), transforms=t, output_shape=[4, 5],
                                                  fill_value=0.0, interpolation="NEAREST", fill_mode="WRAP"))


# -- non-max suppression ------------------------------------------------------------------------------------------


def _boxes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 4, (n, 2))
    hw = rng.uniform(0.5, 2.0, (n, 2))
    b = np.concatenate([c - hw / 2, c + hw / 2], 1).astype(np.float32)
    b[::3] = b[::3][:, [2, 3, 0, 1]]  # flipped corners
    s = rng.uniform(0, 1, n).astype(np.float32)
    if n > 7:
        s[5] = s[7]  # a score tie
    return b, s


@case
def nms_hard(tf: Any) -> Any:
    b, s = _boxes(40, 0)
    return [tf.image.non_max_suppression(b, s, m, iou_threshold=t, score_threshold=st)
            for m in (0, 5, 40) for t in (0.0, 0.3, 0.7, 1.0) for st in (float("-inf"), 0.4)]


@case
def nms_exact_threshold_and_degenerate(tf: Any) -> Any:
    b = np.array([[0, 0, 1, 1], [0, 0.5, 1, 1.5], [0, 0, 1, 1], [2, 2, 2, 3], [5, 5, 6, 6]], np.float32)
    s = np.array([0.9, 0.8, 0.9, 0.95, 0.1], np.float32)
    return [tf.image.non_max_suppression(b, s, 5, iou_threshold=t) for t in (1 / 3, 0.3333, 0.0)]


@case
def nms_with_scores_soft(tf: Any) -> Any:
    b, s = _boxes(30, 1)
    out = []
    for sigma in (0.0, 0.1, 0.5, 2.0):
        for t, st in ((0.5, float("-inf")), (1.0, 0.05), (0.4, 0.3)):
            idx, kept = tf.image.non_max_suppression_with_scores(b, s, 12, iou_threshold=t, score_threshold=st,
                                                                 soft_nms_sigma=sigma)
            # as lists: repeated float32 decays may differ in the last bits (numpy's padded repr would differ too)
            out.append((idx.numpy().tolist(), kept.numpy().tolist(), kept.dtype))
    return out


@case
def nms_overlaps(tf: Any) -> Any:
    rng = np.random.default_rng(2)
    ov = rng.uniform(0, 1, (12, 12)).astype(np.float32)
    s = rng.uniform(0, 1, 12).astype(np.float32)
    return [tf.image.non_max_suppression_overlaps(ov, s, m, overlap_threshold=t, score_threshold=st)
            for m in (3, 12) for t in (0.2, 0.6) for st in (float("-inf"), 0.5)]


@case
def nms_errors(tf: Any) -> Any:
    b, s = _boxes(4, 3)
    return _error_classes(lambda: tf.image.non_max_suppression(b, s, 3, iou_threshold=1.5),
                          lambda: tf.image.non_max_suppression(b[:, :3], s, 3),
                          lambda: tf.image.non_max_suppression(b, s[:3], 3),
                          lambda: tf.image.non_max_suppression_with_scores(b, s, 3, soft_nms_sigma=-1.0))


if __name__ == "__main__":
    _main(CASES)
