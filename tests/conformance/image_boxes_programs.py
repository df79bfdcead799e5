"""``tf.image`` box, NMS, distorted-crop and MS-SSIM programs (``ops/image_boxes.py``, ``image_nms_batched.py``,
``image_sample_box.py``, ``image_ssim.py``), run unchanged under TensorFlow and under tapegrad (the harness of
``strings_ragged_programs.py``: ``python image_boxes_programs.py MODULE OUT``). Bit-exact results are compared as the
dtype, shape and SHA-1 of the raw bytes (``_bits``); gradients as values (rtol 1e-5); exceptions by class.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from image_programs import _bits  # noqa: E402  (the image lane's helpers: byte hashes, exception classes)
from image_programs import _error_classes as _errors  # noqa: E402
from strings_ragged_programs import main as _main  # noqa: E402

CASES: dict[str, Callable[[Any], Any]] = {}


def case(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    CASES[fn.__name__] = fn
    return fn


def _values(t: Any) -> Any:
    return None if t is None else (t.dtype.name, t.numpy().tolist())


def _boxes(rng: np.random.Generator, *shape: int, lo: float = 0.0, hi: float = 1.0) -> np.ndarray:
    c = rng.uniform(lo, hi, shape + (2,))
    s = rng.uniform(0.05, 0.5, shape + (2,))
    return np.concatenate([c - s / 2, c + s / 2], -1).astype(np.float32)


def _crop_inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    img = rng.normal(size=(2, 5, 6, 3)).astype(np.float32)
    boxes = np.array([[0.1, 0.2, 0.8, 0.7], [-0.1, 0.35, 0.65, 1.2], [0.6, 0.1, 0.25, 0.9], [0.3, 0.3, 0.3, 0.3],
                      [0, 0, 1, 1]], np.float32)
    return img, boxes, np.array([1, 0, 1, 0, 1], np.int32)


# -- crop_and_resize -------------------------------------------------------------------------------------------------

@case
def crop_and_resize_bits(tf: Any) -> Any:
    img, boxes, ind = _crop_inputs()
    return [_bits(tf.image.crop_and_resize(img, boxes, ind, size, method=m, extrapolation_value=-1.5))
            for m in ("bilinear", "nearest") for size in ((4, 3), (1, 3), (1, 1), (7, 9))]


@case
def crop_and_resize_dtypes(tf: Any) -> Any:
    img, boxes, ind = _crop_inputs()
    u8 = (np.abs(img) * 60).astype(np.uint8)
    return (_bits(tf.image.crop_and_resize(u8, boxes, ind, [3, 4])),
            _bits(tf.image.crop_and_resize(img.astype(np.float64), boxes, ind, [3, 4])),
            _bits(tf.image.crop_and_resize(img.astype(np.float16), boxes, ind, [2, 2], method="nearest")),
            _bits(tf.image.crop_and_resize(img, np.zeros((0, 4), np.float32), np.zeros((0,), np.int32), [2, 2])))


def _crop_grads(tf: Any, img: np.ndarray, method: str, size: tuple[int, int]) -> Any:
    _, boxes, ind = _crop_inputs()
    x, b = tf.constant(img), tf.constant(boxes)
    with tf.GradientTape() as tape:
        tape.watch([x, b])
        y = tf.image.crop_and_resize(x, b, ind, size, method=method)
        proj = tf.constant(np.cos(np.arange(int(np.prod(y.shape)))).reshape(y.shape).astype(np.float32))
        loss = tf.reduce_sum(y * proj)
    return [_values(g) for g in tape.gradient(loss, [x, b])]


@case
def crop_and_resize_gradients(tf: Any) -> Any:
    img = _crop_inputs()[0]
    return [_crop_grads(tf, img, m, s) for m in ("bilinear", "nearest") for s in ((4, 3), (1, 1), (3, 7))]


@case
def crop_and_resize_gradient_dtypes(tf: Any) -> Any:
    img = _crop_inputs()[0]
    return (_crop_grads(tf, img.astype(np.float64), "bilinear", (2, 3)),
            _crop_grads(tf, (np.abs(img) * 60).astype(np.uint8), "bilinear", (2, 3)))


@case
def crop_and_resize_errors(tf: Any) -> Any:
    img, boxes, ind = _crop_inputs()
    return _errors(lambda: tf.image.crop_and_resize(img, boxes, np.array([0, 1, 2, 0, 0], np.int32), [2, 2]),
                   lambda: tf.image.crop_and_resize(img, boxes, ind, [0, 2]),
                   lambda: tf.image.crop_and_resize(img, boxes[:, :3], ind, [2, 2]),
                   lambda: tf.image.crop_and_resize(img, boxes, ind[:3], [2, 2]),
                   lambda: tf.image.crop_and_resize(img[0], boxes, ind, [2, 2]),
                   lambda: tf.image.crop_and_resize(img, boxes, ind, [2, 2], method="bicubic"))


# -- draw_bounding_boxes ---------------------------------------------------------------------------------------------

@case
def draw_bounding_boxes_bits(tf: Any) -> Any:
    rng = np.random.default_rng(1)
    img = rng.uniform(size=(2, 7, 9, 1)).astype(np.float32)
    boxes = rng.uniform(-0.2, 1.2, size=(2, 13, 4)).astype(np.float32)
    colours = np.array([[0.1, 0.2, 0.3, 0.4], [0.9, 0.8, 0.7, 0.6], [0.5, 0.5, 0.5, 0.5]], np.float32)
    out = []
    for depth in (1, 3, 4):
        x = np.repeat(img, depth, -1)
        out += [_bits(tf.image.draw_bounding_boxes(x, boxes, colours)),
                _bits(tf.image.draw_bounding_boxes(x, boxes, np.zeros((0, 4), np.float32)))]
    out.append(_bits(tf.image.draw_bounding_boxes(tf.constant(img, tf.float16), boxes, colours)))
    return out


@case
def draw_bounding_boxes_errors(tf: Any) -> Any:
    img = np.zeros((1, 4, 4, 3), np.float32)
    box = np.array([[[0.0, 0.0, 1.0, 1.0]]], np.float32)
    return _errors(lambda: tf.image.draw_bounding_boxes(np.zeros((1, 4, 4, 2), np.float32), box, [[1.0, 0, 0, 1]]),
                   lambda: tf.image.draw_bounding_boxes(img, box, [[1.0, 0]]),
                   lambda: tf.image.draw_bounding_boxes(img, box[0], [[1.0, 0, 0, 1]]),
                   lambda: tf.image.draw_bounding_boxes(img[0], box, [[1.0, 0, 0, 1]]))


# -- extract_glimpse -------------------------------------------------------------------------------------------------

def _glimpse_offsets(normalized: bool) -> np.ndarray:
    if normalized:
        return np.array([[0.1, -0.3], [0.9, 0.95], [-1.2, 0.4]], np.float32)
    return np.array([[1.2, -2.7], [-0.5, 3.9], [2.0, 1.0]], np.float32)


@case
def extract_glimpse_zero_noise(tf: Any) -> Any:
    x = np.random.default_rng(2).normal(size=(3, 6, 8, 2)).astype(np.float32)
    return [_bits(tf.image.extract_glimpse(x, size, _glimpse_offsets(n), centered=c, normalized=n, noise="zero"))
            for c in (True, False) for n in (True, False) for size in ((3, 4), (6, 8), (1, 1))]


@case
def extract_glimpse_noise_fills(tf: Any) -> Any:
    """The random fill differs from run to run; the window's pixels from the image and the fill's range do not."""
    x = np.random.default_rng(3).uniform(2.0, 5.0, size=(1, 6, 8, 1)).astype(np.float32)
    g = tf.image.extract_glimpse(x, [4, 4], [[0.0, 0.0]], centered=False, normalized=False, noise="uniform").numpy()
    inside = g[0, :4, :4, 0].tolist() == x[0, :4, :4, 0].tolist()
    h = tf.image.extract_glimpse(x, [4, 4], [[-2.0, -2.0]], centered=False, normalized=False,
                                 noise="uniform").numpy()
    n = tf.image.extract_glimpse(x, [4, 4], [[-2.0, -2.0]], centered=False, normalized=False,
                                 noise="gaussian").numpy()
    return (inside, h[0, 2:, 2:, 0].tolist() == x[0, :2, :2, 0].tolist(),
            bool(h[0, :2].min() >= 2.0 and h[0, :2].max() <= 5.0), n.shape, n.dtype.name,
            n[0, 2:, 2:, 0].tolist() == x[0, :2, :2, 0].tolist())


@case
def extract_glimpse_errors(tf: Any) -> Any:
    x = np.zeros((2, 4, 4, 1), np.float32)
    return _errors(lambda: tf.image.extract_glimpse(x, [2, 2], [[0.0, 0.0]]),
                   lambda: tf.image.extract_glimpse(x, [2, 2, 1], [[0.0, 0.0], [0.0, 0.0]]),
                   lambda: tf.image.extract_glimpse(x, [2, 2], [[0.0, 0.0], [0.0, 0.0]], noise="salt"),
                   lambda: tf.image.extract_glimpse(tf.constant(x, tf.float64), [2, 2], [[0.0, 0.0], [0.0, 0.0]]),
                   lambda: tf.image.extract_glimpse(x.astype(np.float64), [2, 2], [[0.0, 0.0], [0.0, 0.0]]))


@case
def draw_and_glimpse_have_no_gradient(tf: Any) -> Any:
    def grad(f: Callable[[Any], Any]) -> Any:
        x = tf.zeros([1, 3, 3, 1])
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.reduce_sum(f(x))
        return tape.gradient(y, x)

    return _errors(lambda: grad(lambda x: tf.image.draw_bounding_boxes(x, [[[0, 0, 1, 1.0]]], [[1.0, 0, 0, 0]])),
                   lambda: grad(lambda x: tf.image.extract_glimpse(x, [2, 2], [[0.0, 0.0]], noise="zero")))


# -- batched NMS -----------------------------------------------------------------------------------------------------

@case
def combined_nms_values(tf: Any) -> Any:
    rng = np.random.default_rng(4)
    out = []
    for q in (1, 3):
        boxes = _boxes(rng, 2, 20, q, lo=-0.1, hi=1.1)
        scores = rng.uniform(size=(2, 20, 3)).astype(np.float32)
        for pad in (False, True):
            for clip in (False, True):
                for per_class, total in ((4, 10), (2, 100), (10, 5)):
                    r = tf.image.combined_non_max_suppression(boxes, scores, per_class, total, 0.4, 0.2, pad, clip)
                    out.append([_bits(t) for t in r])
    return out


@case
def combined_nms_fields_and_errors(tf: Any) -> Any:
    boxes = np.array([[[[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.1, 1.0, 1.1]], [[0.0, 2.0, 1.0, 3.0]]]], np.float32)
    scores = np.array([[[0.9, 0.1], [0.8, 0.7], [0.3, 0.6]]], np.float32)
    r = tf.image.combined_non_max_suppression(boxes, scores, 2, 3, clip_boxes=False)
    return (_values(r.nmsed_boxes), _values(r.nmsed_classes), _values(r.valid_detections),
            _errors(lambda: tf.image.combined_non_max_suppression(boxes, scores, 2, 0),
                    lambda: tf.image.combined_non_max_suppression(boxes[0], scores, 2, 3),
                    lambda: tf.image.combined_non_max_suppression(np.repeat(boxes, 3, 2), scores, 2, 3),
                    lambda: tf.image.combined_non_max_suppression(boxes, scores, 2, 3, iou_threshold=1.5)))


@case
def nms_padded_values(tf: Any) -> Any:
    rng = np.random.default_rng(5)
    out = []
    for shape in ((30,), (2, 30), (2, 3, 700)):
        boxes = tf.constant(_boxes(rng, *shape))
        scores = tf.constant(rng.uniform(size=shape).astype(np.float32))
        for pad in (True, False):
            if not pad and len(shape) > 1:
                continue
            for score_thr in (float("-inf"), 0.3):
                for max_out in (5, 20):
                    idx, n = tf.image.non_max_suppression_padded(boxes, scores, max_out, 0.4, score_thr, pad)
                    out.append((_bits(idx), _bits(n)))
    return out


@case
def nms_padded_flipped_corners_and_sorted(tf: Any) -> Any:
    rng = np.random.default_rng(6)
    b = _boxes(rng, 40)[:, [2, 3, 0, 1]]  # (y_max, x_max, y_min, x_min): TF swaps after looking at the first box
    s = rng.uniform(size=40).astype(np.float32)
    order = np.argsort(-s, kind="stable")
    return (_bits(tf.image.non_max_suppression_padded(tf.constant(b), tf.constant(s), 8, 0.3)[0]),
            _bits(tf.image.non_max_suppression_padded(tf.constant(b[order]), tf.constant(s[order]), 8, 0.3,
                                                      sorted_input=True, pad_to_max_output_size=True)[0]),
            _bits(tf.image.non_max_suppression_padded(tf.constant(b), tf.constant(s), 8, 0.3, tile_size=16)[0]))


@case
def nms_padded_batched_needs_pad(tf: Any) -> Any:
    return tf.image.non_max_suppression_padded(tf.zeros([2, 3, 4]), tf.zeros([2, 3]), 2)


@case
def nms_in_function(tf: Any) -> Any:
    """Non-maximum suppression inside a compiled function runs on each call's values (results of varying length)."""
    @tf.function
    def f(b: Any, s: Any) -> Any:
        i = tf.image.non_max_suppression(b, s, 6, 0.3)
        j, sc = tf.image.non_max_suppression_with_scores(b, s, 6, 0.3, soft_nms_sigma=0.5)
        p, n = tf.image.non_max_suppression_padded(b, s, 6, 0.3, pad_to_max_output_size=True)
        c = tf.image.combined_non_max_suppression(b[None, :, None], s[None, :, None], 6, 6)
        return tf.gather(b, i) * 2.0, j, sc, p, n, c.nmsed_scores, c.valid_detections

    rng = np.random.default_rng(7)
    out = []
    for k in (12, 12, 5):
        b = tf.constant(_boxes(rng, k, hi=0.6))
        s = tf.constant(rng.uniform(size=k).astype(np.float32))
        out.append([_values(t) for t in f(b, s)])
    return out


@case
def generate_bounding_box_proposals_values(tf: Any) -> Any:
    rng = np.random.default_rng(12)
    c = rng.uniform(4, 28, (3, 4, 2, 2))
    size = rng.uniform(3, 12, (3, 4, 2, 2))
    anchors = np.concatenate([c - size / 2, c + size / 2], -1).reshape(3, 4, 8).astype(np.float32)
    scores = rng.uniform(size=(2, 3, 4, 2)).astype(np.float32)
    deltas = rng.normal(0, 0.2, (2, 3, 4, 8)).astype(np.float32)
    info = np.array([[30.0, 32.0, 1.0, 0, 0], [28.0, 30.0, 0.5, 0, 0]], np.float32)
    rois, probs = tf.image.generate_bounding_box_proposals(scores, deltas, info, anchors, nms_threshold=0.5,
                                                           pre_nms_topn=20, min_size=4.0, post_nms_topn=8)
    return _bits(rois), _bits(probs)


# -- sample_distorted_bounding_box ---------------------------------------------------------------------------------

@case
def stateless_sample_distorted_bounding_box_bits(tf: Any) -> Any:
    rng = np.random.default_rng(8)
    out = []
    for t in range(40):
        h, w, nb = int(rng.integers(5, 300)), int(rng.integers(5, 300)), int(rng.integers(0, 3))
        boxes = np.clip(_boxes(rng, 1, nb, lo=0.2, hi=0.8), 0, 1)
        seed = [int(rng.integers(-2**31, 2**31)), int(rng.integers(0, 2**31))]
        r = tf.image.stateless_sample_distorted_bounding_box(
            np.array([h, w, 3], np.int32 if t % 3 else np.int64), boxes, seed,
            min_object_covered=float(rng.choice([0.0, 0.1, 0.5, 0.9])),
            aspect_ratio_range=[0.5, 2.0] if t % 2 else [0.75, 1.33], area_range=[float(rng.uniform(0.01, 0.5)), 1.0],
            max_attempts=int(rng.choice([1, 5, 100])), use_image_if_no_bounding_boxes=True)
        out.append([_bits(v) for v in r])
    return out


@case
def sample_distorted_bounding_box_seeded_stream(tf: Any) -> Any:
    tf.random.set_seed(11)
    box = [[[0.1, 0.2, 0.6, 0.9]]]
    out = [[_values(v) for v in tf.image.sample_distorted_bounding_box([50, 80, 3], box, seed=5,
                                                                        min_object_covered=0.3)] for _ in range(4)]
    out.append([_values(v) for v in tf.image.sample_distorted_bounding_box(
        tf.constant([50, 80, 3], tf.int64), box, seed=5, area_range=[0.3, 0.9], max_attempts=3)])
    tf.random.set_seed(11)
    out.append([_values(v) for v in tf.image.sample_distorted_bounding_box([50, 80, 3], box, seed=5,
                                                                           min_object_covered=0.3)])
    return out


@case
def sample_distorted_bounding_box_errors(tf: Any) -> Any:
    box = [[[0.1, 0.2, 0.6, 0.9]]]
    s = tf.image.stateless_sample_distorted_bounding_box
    return _errors(lambda: s([10, 10, 3], np.zeros((1, 0, 4), np.float32), [1, 2]),
                   lambda: s([10, 10, 3], [[[0.1, 0.2, 1.6, 0.9]]], [1, 2]),
                   lambda: s([10, 10, 3], box, [1, 2], area_range=[0.1, 1.5]),
                   lambda: s([10, 10, 3], box, [1, 2], aspect_ratio_range=[-1.0, 1.0]),
                   lambda: s([10, 10, 3], box, [1, 2], max_attempts=0),
                   lambda: s([10, 10], box, [1, 2]),
                   lambda: s([10, 10, 3], box, [1, 2, 3]),
                   lambda: s([10, 10, 3], box, [1, 2], min_object_covered=-0.5),
                   lambda: s([10.0, 10.0, 3.0], box, [1, 2]))


# -- ssim_multiscale -------------------------------------------------------------------------------------------------

def _rounded(t: Any, digits: int = 4) -> Any:
    """Values to ``digits`` significant digits: MS-SSIM multiplies five float32 terms whose convolution sums TF
    orders differently (results agree to ~1e-5 relative)."""
    a = t.numpy().astype(np.float64)
    return t.dtype.name, list(a.shape), np.array([float(f"{v:.{digits}g}") for v in a.reshape(-1)]).tolist()


@case
def ssim_multiscale_values(tf: Any) -> Any:
    rng = np.random.default_rng(9)
    a = rng.uniform(size=(2, 171, 183, 3)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    return (_rounded(tf.image.ssim_multiscale(a, b, 1.0)),
            _rounded(tf.image.ssim_multiscale(a, b, 1.0, power_factors=(0.5, 0.5), filter_size=7)),
            _rounded(tf.image.ssim_multiscale(a[0], b[0], 1.0, power_factors=[0.2, 0.3, 0.5], filter_sigma=1.0)),
            _rounded(tf.image.ssim_multiscale((a * 255).astype(np.uint8), (b * 255).astype(np.uint8), 255)),
            _errors(lambda: tf.image.ssim_multiscale(a[:, :100], b[:, :100], 1.0)))


@case
def ssim_multiscale_gradient(tf: Any) -> Any:
    rng = np.random.default_rng(10)
    a = rng.uniform(size=(1, 48, 50, 2)).astype(np.float32)
    b = np.clip(a + rng.normal(0, 0.1, a.shape), 0, 1).astype(np.float32)
    x = tf.constant(a)
    with tf.GradientTape() as tape:
        tape.watch(x)
        v = tf.image.ssim_multiscale(x, b, 1.0, power_factors=(0.3, 0.7), filter_size=5)
    g = tape.gradient(v, x).numpy()
    return _rounded(v), float(f"{np.abs(g).sum():.4g}"), float(f"{g[0, 10, 10, 0] * 1e3:.3g}")


if __name__ == "__main__":
    _main(CASES)
