"""tf.image box ops, batched NMS, distorted-crop sampling and MS-SSIM: behaviour checks that run without TensorFlow
(TF's own values are checked by tests/conformance/test_image_boxes_vs_tf.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tapegrad as tf
from tapegrad.errors import InvalidArgumentError, OutOfRangeError


def _boxes(rng: np.random.Generator, n: int, hi: float = 1.0) -> np.ndarray:
    c = rng.uniform(0, hi, (n, 2))
    s = rng.uniform(0.05, 0.5, (n, 2))
    return np.concatenate([c - s / 2, c + s / 2], -1).astype(np.float32)


def test_crop_and_resize_whole_image_is_identity_and_flip_flips() -> None:
    img = np.random.default_rng(0).normal(size=(1, 4, 5, 2)).astype(np.float32)
    out = tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]], [0, 0], [4, 5])
    np.testing.assert_allclose(out[0].numpy(), img[0], rtol=1e-6)
    np.testing.assert_allclose(out[1].numpy(), img[0, ::-1], rtol=1e-6)


def test_crop_and_resize_extrapolates_and_checks_indices() -> None:
    img = np.ones((2, 3, 3, 1), np.float32)
    out = tf.image.crop_and_resize(img, [[-1.0, 0.0, 1.0, 1.0]], [1], [3, 2], extrapolation_value=-7.0)
    assert out[0, :, 0, 0].numpy().tolist() == [-7.0, 1.0, 1.0]
    with pytest.raises(OutOfRangeError):
        tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [2], [2, 2])
    with pytest.raises(InvalidArgumentError):
        tf.image.crop_and_resize(img, [[0.0, 0.0, 1.0, 1.0]], [0], [0, 2])


def test_crop_and_resize_gradients_float64_match_central_differences() -> None:
    rng = np.random.default_rng(1)
    img = rng.normal(size=(2, 5, 6, 2))
    boxes = np.array([[0.13, 0.21, 0.77, 0.69], [0.62, 0.11, 0.27, 0.93]])
    ind = np.array([1, 0], np.int32)
    from tapegrad.ops.image_boxes import _crop_raw

    w = rng.normal(size=(2, 3, 4, 2))

    def loss(x: np.ndarray, b: np.ndarray) -> float:
        return float(np.sum(_crop_raw(x, b, ind, (3, 4)).numpy() * w))

    x, b = tf.constant(img), tf.constant(boxes)
    with tf.GradientTape() as tape:
        tape.watch([x, b])
        y = tf.reduce_sum(_crop_raw(x, b, ind, (3, 4)) * w)
    gx, gb = tape.gradient(y, [x, b])
    eps = 1e-6
    for k in [(0, 1, 2, 1), (1, 3, 0, 0)]:
        d = np.zeros_like(img)
        d[k] = eps
        np.testing.assert_allclose(gx.numpy()[k], (loss(img + d, boxes) - loss(img - d, boxes)) / (2 * eps),
                                   rtol=1e-6)
    for k in np.ndindex(boxes.shape):
        d = np.zeros_like(boxes)
        d[k] = eps
        np.testing.assert_allclose(gb.numpy()[k], (loss(img, boxes + d) - loss(img, boxes - d)) / (2 * eps),
                                   rtol=1e-5, atol=1e-8)


def test_draw_bounding_boxes_leaves_the_input_alone() -> None:
    img = np.zeros((1, 5, 5, 3), np.float32)
    out = tf.image.draw_bounding_boxes(img, [[[0.25, 0.25, 0.75, 0.75]]], np.zeros((0, 4), np.float32))
    assert not img.any()
    assert out[0, 1, 1].numpy().tolist() == [1.0, 1.0, 0.0]  # TF's first default colour: yellow
    assert out[0, 2, 2].numpy().tolist() == [0.0, 0.0, 0.0]


def test_extract_glimpse_window_and_zero_fill() -> None:
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    g = tf.image.extract_glimpse(x, [3, 3], [[-1.0, -1.0]], centered=False, normalized=False, noise="zero")
    assert g[0, :, :, 0].numpy().tolist() == [[0, 0, 0], [0, 0, 1], [0, 4, 5]]


def test_combined_nms_pads_and_counts() -> None:
    rng = np.random.default_rng(2)
    boxes = _boxes(rng, 10)[None, :, None]
    scores = rng.uniform(size=(1, 10, 2)).astype(np.float32)
    r = tf.image.combined_non_max_suppression(boxes, scores, 3, 8, pad_per_class=True)
    assert r.nmsed_boxes.shape == [1, 6, 4] and r.nmsed_classes.dtype == tf.float32
    n = int(r.valid_detections[0])
    s = r.nmsed_scores[0].numpy()
    assert np.all(np.diff(s[:n]) <= 0) and not s[n:].any()


def test_nms_padded_matches_greedy_nms_on_separated_boxes() -> None:
    rng = np.random.default_rng(3)
    boxes = _boxes(rng, 40)
    scores = rng.uniform(size=40).astype(np.float32)
    greedy = tf.image.non_max_suppression(boxes, scores, 10, 0.5).numpy().tolist()
    idx, n = tf.image.non_max_suppression_padded(tf.constant(boxes), tf.constant(scores), 10, 0.5)
    assert idx.numpy().tolist() == greedy and int(n) == len(greedy)
    with pytest.raises(ValueError):
        tf.image.non_max_suppression_padded(tf.zeros([2, 3, 4]), tf.zeros([2, 3]), 2)


def test_nms_runs_on_every_call_of_a_compiled_function() -> None:
    @tf.function
    def kept(b: tf.Tensor, s: tf.Tensor) -> tf.Tensor:
        return tf.image.non_max_suppression(b, s, 10, 0.3)

    rng = np.random.default_rng(4)
    for _ in range(3):
        b, s = _boxes(rng, 15, 0.5), rng.uniform(size=15).astype(np.float32)
        assert kept(tf.constant(b), tf.constant(s)).numpy().tolist() == \
            tf.image.non_max_suppression(b, s, 10, 0.3).numpy().tolist()


def test_stateless_sample_distorted_bounding_box_is_a_valid_repeatable_crop() -> None:
    args = ([60, 80, 3], [[[0.2, 0.3, 0.7, 0.8]]])
    a = tf.image.stateless_sample_distorted_bounding_box(*args, seed=[3, 4], min_object_covered=0.5)
    b = tf.image.stateless_sample_distorted_bounding_box(*args, seed=[3, 4], min_object_covered=0.5)
    assert all(x.numpy().tolist() == y.numpy().tolist() for x, y in zip(a, b))
    begin, size, box = (t.numpy() for t in a)
    assert size[2] == -1 and begin[0] + size[0] <= 60 and begin[1] + size[1] <= 80
    np.testing.assert_allclose(box[0, 0], [begin[0] / 60, begin[1] / 80, (begin[0] + size[0]) / 60,
                                           (begin[1] + size[1]) / 80], rtol=1e-6)
    with pytest.raises(InvalidArgumentError):
        tf.image.stateless_sample_distorted_bounding_box([60, 80, 3], tf.zeros([1, 0, 4]), seed=[1, 2])


def test_sample_distorted_bounding_box_seeded_stream_restarts_with_set_seed() -> None:
    def draws() -> list[list[int]]:
        tf.random.set_seed(9)
        return [tf.image.sample_distorted_bounding_box([40, 40, 3], [[[0.1, 0.1, 0.9, 0.9]]], seed=2)[1]
                .numpy().tolist() for _ in range(3)]

    first = draws()
    assert draws() == first and len({tuple(v) for v in first}) > 1


def test_ssim_multiscale_identical_images_and_gradient() -> None:
    rng = np.random.default_rng(5)
    a = tf.constant(rng.uniform(size=(40, 44, 1)).astype(np.float32))
    assert float(tf.image.ssim_multiscale(a, a, 1.0, power_factors=(0.5, 0.5), filter_size=5)) == pytest.approx(1.0)
    b = tf.constant(np.clip(a.numpy() + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(b)
        v = tf.image.ssim_multiscale(a, b, 1.0, power_factors=(0.5, 0.5), filter_size=5)
    assert 0 < float(v) < 1 and tape.gradient(v, b).shape == b.shape


@pytest.mark.parametrize("module", ["image_boxes", "image_nms_batched", "image_sample_box", "image_ssim"])
def test_docstring_examples_run(module: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(f"tapegrad.ops.{module}"), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_generate_bounding_box_proposals_decodes_clips_filters_and_suppresses() -> None:
    # H = 1, W = 3, one anchor per position: (y1, x1, y2, x2)
    anchors = np.array([[[0, 0, 10, 10], [1, 1, 11, 11], [0, 0, 2, 2]]], np.float32)
    scores = np.array([[[[0.5], [0.9], [0.95]]]], np.float32)
    deltas = np.zeros((1, 1, 3, 4), np.float32)
    deltas[0, 0, 0] = [0.0, 0.1, 0.0, np.log(2.0)]  # anchor 0: centre x + 1, width doubled (then clipped)
    info = np.array([[12.0, 12.0, 1.0, 0, 0]], np.float32)
    rois, probs = tf.image.generate_bounding_box_proposals(scores, deltas, info, anchors, nms_threshold=0.7,
                                                           min_size=4.0, post_nms_topn=4)
    # anchor 2 (2x2) is below min_size; anchor 0 decodes to x in [-4, 16] -> clipped to [0, 12]
    np.testing.assert_allclose(rois.numpy()[0], [[1, 1, 11, 11], [0, 0, 10, 12], [0, 0, 0, 0], [0, 0, 0, 0]])
    np.testing.assert_allclose(probs.numpy()[0], [0.9, 0.5, 0, 0])
    rois, probs = tf.image.generate_bounding_box_proposals(scores, np.zeros_like(deltas), info, anchors,
                                                           nms_threshold=0.5, min_size=4.0, post_nms_topn=2)
    np.testing.assert_allclose(rois.numpy()[0], [[1, 1, 11, 11], [0, 0, 0, 0]])  # IoU 81/119 > 0.5
    with pytest.raises(InvalidArgumentError):
        tf.image.generate_bounding_box_proposals(scores, deltas, info, anchors, post_nms_topn=0)


def test_vectorized_hard_nms_selects_as_the_kernel_loop() -> None:
    """The vectorized hard-NMS path against the kernel-order loop (kept for soft-NMS): ties, flipped corners,
    degenerate boxes, thresholds 0 and 1, asymmetric overlap matrices."""
    from tapegrad.ops import image_nms as m

    rng = np.random.default_rng(8)
    for t in range(120):
        n = int(rng.integers(1, 40))
        b = _boxes(rng, n)
        if t % 3 == 0:
            b[:, [0, 2]] = b[:, [2, 0]]
        if t % 5 == 0:
            b[: n // 3, 2] = b[: n // 3, 0]
        sc = rng.uniform(size=n).astype(np.float32)
        if t % 4 == 0:
            sc = np.round(sc, 1)
        thr, st = np.float32(rng.choice([0.0, 0.3, 0.5, 1.0])), rng.choice([-np.inf, 0.2])
        k = int(rng.integers(0, n + 2))
        assert m._hard_nms(m._iou_rows(b), sc, k, thr, st)[0] == \
            m._nms(m._box_iou(b), sc, k, thr, st, np.float32(0))[0]
        ov = rng.uniform(size=(n, n)).astype(np.float32)
        assert m._hard_nms(lambda i, ov=ov: ov[:, i], sc, k, thr, st)[0] == \
            m._nms(lambda i, j, ov=ov: ov[i, j], sc, k, thr, st, np.float32(0))[0]
