"""tf.image colour spaces and random colour/crop ops (ops/image_color.py): docstring examples, gradients against
numerical derivatives, round trips, the stateless ops' determinism, and the stateful ops' ranges. TF's values are
compared in tests/conformance/test_image_vs_tf.py."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError
from tapegrad.ops import image_color


def test_docstring_examples_run() -> None:
    r = doctest.testmod(image_color, optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 8 and r.failed == 0


def _numeric_grad(f, x: np.ndarray, proj: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[i] += eps
        xm[i] -= eps
        g[i] = ((f(xp) * proj).sum() - (f(xm) * proj).sum()) / (2 * eps)
    return g


@pytest.mark.parametrize("fn", ["rgb_to_hsv", "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb"])
def test_gradient_matches_numerical(fn: str) -> None:
    op = getattr(tf.image, fn)
    x = np.random.default_rng(1).uniform(0.05, 0.95, (2, 3, 3))
    proj = np.cos(np.arange(x.size)).reshape(x.shape)
    xv = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        loss = tf.reduce_sum(op(xv) * proj)
    num = _numeric_grad(lambda a: op(tf.constant(a)).numpy(), x, proj)
    np.testing.assert_allclose(tape.gradient(loss, xv).numpy(), num, rtol=1e-5, atol=1e-7)


def test_hsv_round_trip_and_no_gradient() -> None:
    x = tf.constant(np.random.default_rng(2).uniform(0, 1, (4, 5, 3)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        back = tf.image.hsv_to_rgb(tf.image.rgb_to_hsv(x))
    np.testing.assert_allclose(back.numpy(), x.numpy(), atol=2e-6)
    assert tape.gradient(back, x) is None  # hsv_to_rgb has no gradient, as TF


def test_yiq_yuv_round_trips() -> None:
    x = np.random.default_rng(3).uniform(0, 1, (3, 3))  # TF's matrices are inverses to about 4 digits
    np.testing.assert_allclose(tf.image.yiq_to_rgb(tf.image.rgb_to_yiq(x)).numpy(), x, atol=1e-4)
    np.testing.assert_allclose(tf.image.yuv_to_rgb(tf.image.rgb_to_yuv(x)).numpy(), x, atol=1e-4)
    with pytest.raises(TypeError, match="float"):
        tf.image.rgb_to_yuv(tf.constant([[1, 2, 3]]))


def test_stateless_ops_are_deterministic_in_the_seed() -> None:
    x = tf.constant(np.random.default_rng(4).uniform(0, 1, (2, 4, 4, 3)).astype(np.float32))
    for fn, args in ((tf.image.stateless_random_brightness, (0.3,)), (tf.image.stateless_random_contrast, (0.5, 1.5)),
                     (tf.image.stateless_random_hue, (0.2,)), (tf.image.stateless_random_saturation, (0.5, 1.5))):
        a, b, c = fn(x, *args, seed=[1, 2]), fn(x, *args, seed=[1, 2]), fn(x, *args, seed=[2, 2])
        assert np.array_equal(a.numpy(), b.numpy()) and not np.array_equal(a.numpy(), c.numpy()), fn.__name__


def test_stateful_ops_stay_in_range() -> None:
    x = tf.zeros([1, 1, 1])
    tf.random.set_seed(5)
    deltas = [float(tf.image.random_brightness(x, 0.25)[0, 0, 0]) for _ in range(200)]
    assert min(deltas) >= -0.25 and max(deltas) < 0.25 and np.std(deltas) > 0.1
    img = tf.reshape(tf.range(7 * 9), [7, 9])
    for _ in range(20):
        c = tf.image.random_crop(img, [3, 4]).numpy()
        assert (np.diff(c, axis=1) == 1).all() and (np.diff(c, axis=0) == 9).all()
    with pytest.raises(InvalidArgumentError, match="value.shape >= size"):
        tf.image.random_crop(img, [8, 2])
    with pytest.raises(ValueError, match="int32"):
        tf.image.random_crop(img, tf.constant([2, 2], tf.int64))


def test_non_max_suppression_invariants() -> None:
    from tapegrad.ops import image_nms

    assert doctest.testmod(image_nms).failed == 0
    rng = np.random.default_rng(6)
    c, hw = rng.uniform(0, 5, (60, 2)), rng.uniform(0.5, 2, (60, 2))
    boxes = np.concatenate([c - hw / 2, c + hw / 2], 1).astype(np.float32)
    scores = rng.uniform(0, 1, 60).astype(np.float32)
    keep = tf.image.non_max_suppression(boxes, scores, 20, iou_threshold=0.3, score_threshold=0.2).numpy()
    assert keep.dtype == np.int32 and 0 < len(keep) <= 20
    assert (np.diff(scores[keep]) <= 0).all() and (scores[keep] > 0.2).all()

    def iou(a: np.ndarray, b: np.ndarray) -> float:
        ih = max(min(a[2], b[2]) - max(a[0], b[0]), 0)
        iw = max(min(a[3], b[3]) - max(a[1], b[1]), 0)
        inter = ih * iw
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)

    assert all(iou(boxes[i], boxes[j]) <= 0.3 + 1e-6 for i in keep for j in keep if i != j)
    dropped = set(np.flatnonzero(scores > 0.2)) - set(keep.tolist())
    if len(keep) < 20:  # every dropped candidate overlaps a kept one with a higher score
        assert all(any(iou(boxes[d], boxes[k]) > 0.3 for k in keep if scores[k] >= scores[d]) for d in dropped)
    idx, kept = tf.image.non_max_suppression_with_scores(boxes, scores, 60, soft_nms_sigma=0.5)
    assert len(idx.numpy()) == 60 and (kept.numpy() <= scores[idx.numpy()] + 1e-7).all()
