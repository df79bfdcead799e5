"""``tf.image`` batched non-maximum suppression: ``combined_non_max_suppression`` (per class, then the best
``max_total_size`` over the classes, TF's CombinedNonMaxSuppression kernel) and ``non_max_suppression_padded``
(TF's tiled algorithm: boxes suppress by ``IoU >= iou_threshold`` tile by tile, a box whose coordinates are all
``<= 0`` counts as removed; both ``pad_to_max_output_size`` forms). Not differentiable, as in TF. Inside
``tapegrad.function`` each runs as a host call of the program, on every call's values.

>>> import tapegrad as tf
>>> boxes = tf.constant([[[[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.1, 1.0, 1.1]], [[0.0, 2.0, 1.0, 3.0]]]])
>>> scores = tf.constant([[[0.9, 0.1], [0.8, 0.7], [0.3, 0.6]]])
>>> out = tf.image.combined_non_max_suppression(boxes, scores, 2, 3, clip_boxes=False)
>>> out.nmsed_scores.numpy().tolist(), out.nmsed_classes.numpy().tolist(), out.valid_detections.numpy().tolist()
([[0.8999999761581421, 0.699999988079071, 0.6000000238418579]], [[0.0, 1.0, 1.0]], [3])
"""

from __future__ import annotations

import collections
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import Tensor, _TensorLike, make, static_value
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError, OutOfRangeError
from ._common import to_tensor
from .image_nms import _box_iou

_F32 = np.float32

CombinedNonMaxSuppression = collections.namedtuple(
    "CombinedNonMaxSuppression", ["nmsed_boxes", "nmsed_scores", "nmsed_classes", "valid_detections"])


def _scalar(x: Any) -> Any:
    v = static_value(x) if isinstance(x, _TensorLike) else x
    return np.asarray(v).reshape(())


def _class_nms(boxes: np.ndarray, scores: np.ndarray, limit: int, iou_thr: np.float32,
               score_thr: np.float32) -> list[tuple[int, np.float32]]:
    """Greedy NMS of one class: (box index, score) in selection order (ties: the lower index first)."""
    iou = _box_iou(boxes)
    order = [i for i in np.argsort(-scores, kind="stable") if scores[i] > score_thr]
    kept: list[tuple[int, np.float32]] = []
    for i in order:
        if len(kept) >= limit:
            break
        if all(iou(int(i), j) <= iou_thr for j, _ in reversed(kept)):
            kept.append((int(i), scores[i]))
    return kept


@in_programs
def combined_non_max_suppression(boxes: Any, scores: Any, max_output_size_per_class: Any, max_total_size: Any,
                                 iou_threshold: float = 0.5, score_threshold: float = float("-inf"),
                                 pad_per_class: bool = False, clip_boxes: bool = True,
                                 name: str | None = None) -> CombinedNonMaxSuppression:
    """Greedy NMS per image and class, then the ``max_total_size`` best detections over all classes.

    ``boxes``: ``[batch, num_boxes, q, 4]`` (``q`` is 1, shared by the classes, or ``num_classes``); ``scores``:
    ``[batch, num_boxes, num_classes]``. Returns ``(nmsed_boxes [batch, n, 4], nmsed_scores [batch, n],
    nmsed_classes [batch, n] (float32), valid_detections [batch] (int32))`` with ``n = max_total_size``, or with
    ``pad_per_class`` ``min(max_output_size_per_class * num_classes, max_total_size)``; rows past the valid ones
    are zeros. ``clip_boxes`` clips the coordinates to ``[0, 1]``.
    """
    op = "combined_non_max_suppression"
    b, s = to_tensor(boxes), to_tensor(scores)
    bv, sv = np.asarray(b._value, np.float32), np.asarray(s._value, np.float32)
    if bv.ndim != 4 or bv.shape[3] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be [batch, num_boxes, q, 4], got shape {list(bv.shape)}.")
    if sv.ndim != 3 or sv.shape[:2] != bv.shape[:2]:
        raise InvalidArgumentError(f"{op}: scores must be [batch, num_boxes, num_classes] with the boxes' batch and "
                                   f"num_boxes {list(bv.shape[:2])}, got shape {list(sv.shape)}.")
    n_batch, n_boxes, q = bv.shape[:3]
    n_cls = sv.shape[2]
    if q not in (1, n_cls):
        raise InvalidArgumentError(f"{op}: boxes' third dimension q must be 1 or num_classes={n_cls}, got {q}.")
    per_class, total = int(_scalar(max_output_size_per_class)), _scalar(max_total_size)
    if total.dtype.kind not in "iu" or total.dtype.itemsize > 4 and not -2**31 <= int(total) < 2**31:
        raise TypeError(f"{op}: max_total_size must be an int32, got {total!r}.")
    total = int(total)
    if per_class <= 0:
        raise InvalidArgumentError(f"{op}: max_output_size_per_class must be positive, got {per_class}.")
    if total <= 0:
        raise InvalidArgumentError(f"{op}: max_total_size must be positive, got {total}.")
    iou_thr, score_thr = _F32(_scalar(iou_threshold)), _F32(_scalar(score_threshold))
    if not 0 <= iou_thr <= 1:
        raise InvalidArgumentError(f"{op}: iou_threshold must be in [0, 1], got {float(iou_thr)}.")
    size_per_class = min(per_class, n_boxes)
    n_out = min(total, per_class * n_cls) if pad_per_class else total
    out_boxes = np.zeros((n_batch, n_out, 4), np.float32)
    out_scores = np.zeros((n_batch, n_out), np.float32)
    out_classes = np.zeros((n_batch, n_out), np.float32)
    valid = np.zeros((n_batch,), np.int32)
    for bi in range(n_batch):
        # one slot per (class, rank) as the kernel: empty slots score -1 with class -1 and zero boxes
        slots = [(_F32(-1), -1, -1, np.zeros(4, np.float32))] * (size_per_class * n_cls)
        for c in range(n_cls):
            cb = bv[bi, :, c if q > 1 else 0]
            for rank, (i, sc) in enumerate(_class_nms(cb, sv[bi, :, c], size_per_class, iou_thr, score_thr)):
                slots[rank + size_per_class * c] = (sc, i, c, cb[i])
        count = sum(1 for sl in slots if sl[1] > -1)
        order = sorted(range(len(slots)), key=lambda k: -slots[k][0])
        n_valid = min(count, n_out)
        valid[bi] = n_valid
        for j, k in enumerate(order[:n_valid]):
            sc, _, c, box = slots[k]
            out_boxes[bi, j] = np.clip(box, 0, 1) if clip_boxes else box
            out_scores[bi, j], out_classes[bi, j] = sc, c
    return CombinedNonMaxSuppression(make(out_boxes, NUMPY), make(out_scores, NUMPY), make(out_classes, NUMPY),
                                     make(valid, NUMPY))


# -- non_max_suppression_padded: TF's tiled suppression ------------------------------------------------------------


def _overlap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU ``[batch, len(a), len(b)]`` of canonical boxes, with TF's 1e-8 added to the union (float32)."""
    ay0, ax0, ay1, ax1 = (a[..., k:k + 1] for k in range(4))
    by0, bx0, by1, bx1 = (np.swapaxes(b[..., k:k + 1], 1, 2) for k in range(4))
    inter = np.maximum(np.minimum(ax1, bx1) - np.maximum(ax0, bx0), _F32(0)) * \
        np.maximum(np.minimum(ay1, by1) - np.maximum(ay0, by0), _F32(0))
    area_a = (ay1 - ay0) * (ax1 - ax0)
    area_b = (by1 - by0) * (bx1 - bx0)
    return (inter / (area_a + area_b - inter + _F32(1e-8))).astype(np.float32)


def _self_suppress(iou: np.ndarray, thr: np.float32) -> np.ndarray:
    """Iterate the in-tile suppression until no box's total overlap changes by more than the threshold."""
    total = iou.sum((1, 2), dtype=np.float32)
    while True:
        can = (iou.max(1) < thr).astype(np.float32)[:, :, None]
        after = ((can * iou).max(1) < thr).astype(np.float32)[:, :, None] * iou
        new_total = after.sum((1, 2), dtype=np.float32)
        go = bool(np.any(total - new_total > thr))
        iou, total = after, new_total
        if not go:
            return iou


def _padded_nms(boxes: np.ndarray, scores: np.ndarray, max_out: int, thr: np.float32, score_thr: float,
                sorted_input: bool, canonical: bool, tile: int) -> tuple[np.ndarray, np.ndarray]:
    n = boxes.shape[-2]
    boxes = boxes.reshape(-1, n, 4)
    scores = scores.reshape(-1, n)
    batch = boxes.shape[0]
    if score_thr != float("-inf"):
        mask = (scores > scores.dtype.type(score_thr)).astype(scores.dtype)
        scores = scores * mask
        boxes = boxes * mask.astype(boxes.dtype)[:, :, None]
    if not canonical:  # TF decides the corner order from the first box of the first image only
        y1, x1, y2, x2 = (boxes[..., k:k + 1] for k in range(4))
        ymin, ymax = (y1, y2) if y1[0, 0, 0] <= y2[0, 0, 0] else (y2, y1)
        xmin, xmax = (x1, x2) if x1[0, 0, 0] <= x2[0, 0, 0] else (x2, x1)
        boxes = np.concatenate([ymin, xmin, ymax, xmax], 2)
    if sorted_input:
        order = np.zeros(scores.shape, np.int32)
    else:
        order = np.argsort(-scores, axis=1, kind="stable").astype(np.int32)
        scores = np.take_along_axis(scores, order, 1)
        boxes = np.take_along_axis(boxes, order[:, :, None].astype(np.int64), 1)
    pad = int(np.ceil(_F32(max(n, max_out)) / _F32(tile))) * tile - n
    boxes = np.pad(boxes.astype(np.float32), [[0, 0], [0, pad], [0, 0]])
    n_pad = n + pad
    out_size = np.zeros(batch, np.int32)
    upper = np.triu(np.ones((tile, tile), bool), 1)[None]
    for t in range(n_pad // tile):
        if out_size.min() >= max_out:
            break
        cur = boxes[:, t * tile:(t + 1) * tile].copy()
        for u in range(t):
            iou = _overlap(boxes[:, u * tile:(u + 1) * tile], cur)
            cur = cur * np.all(iou < thr, axis=1).astype(np.float32)[:, :, None]
        iou = _overlap(cur, cur)
        iou = iou * (upper & (iou >= thr)).astype(np.float32)
        suppressed = _self_suppress(iou, thr).sum(1) > 0
        cur = cur * (1 - suppressed.astype(np.float32))[:, :, None]
        boxes[:, t * tile:(t + 1) * tile] = cur
        out_size += np.any(cur > 0, axis=2).sum(1).astype(np.int32)
    num_valid = np.minimum(out_size, max_out).astype(np.int32)
    alive = np.any(boxes > 0, axis=2).astype(np.int32) * np.arange(n_pad, 0, -1, dtype=np.int32)[None]
    top = -np.sort(-alive, axis=1)[:, :max_out]
    if top.shape[1] < max_out:  # TF's top_k refuses k > n; n_pad >= max_out always holds here
        top = np.pad(top, [[0, 0], [0, max_out - top.shape[1]]])
    idx = np.minimum(n_pad - top, n - 1).astype(np.int32)
    if not sorted_input:
        idx = np.take_along_axis(order, idx.astype(np.int64), 1)
    idx = np.where(np.arange(max_out)[None] < num_valid[:, None], idx, 0).astype(np.int32)
    return idx, num_valid


@in_programs
def non_max_suppression_padded(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: float = 0.5,
                               score_threshold: float = float("-inf"), pad_to_max_output_size: bool = False,
                               name: str | None = None, sorted_input: bool = False,
                               canonicalized_coordinates: bool = False, tile_size: int = 512) -> tuple[Tensor, Tensor]:
    """``(selected_indices, num_valid)`` by TF's tiled NMS (batched: ``boxes [..., num_boxes, 4]``, ``scores
    [..., num_boxes]``). A box is suppressed by a kept box with IoU ``>= iou_threshold``; boxes scoring at or below
    ``score_threshold`` are zeroed and never selected. ``pad_to_max_output_size=False`` (single image only):
    the ``num_valid`` indices; ``True``: ``[..., max_output_size]`` indices padded with 0. Indices are int32.

    >>> import tapegrad as tf
    >>> boxes = tf.constant([[0.0, 0.0, 1.0, 1.0], [0.0, 0.1, 1.0, 1.1], [0.0, 2.0, 1.0, 3.0]])
    >>> idx, n = tf.image.non_max_suppression_padded(boxes, [0.9, 0.8, 0.7], 3, pad_to_max_output_size=True)
    >>> idx.numpy().tolist(), int(n)
    ([0, 2, 0], 2)
    """
    op = "non_max_suppression_padded"
    b, s = to_tensor(boxes), to_tensor(scores)
    bv, sv = np.asarray(b._value), np.asarray(s._value)
    if not pad_to_max_output_size and bv.ndim > 2:
        raise ValueError(f"{op}: pad_to_max_output_size must be True for batched boxes (shape {list(bv.shape)}).")
    if bv.ndim < 2 or bv.shape[-1] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be [..., num_boxes, 4], got shape {list(bv.shape)}.")
    if sv.shape != bv.shape[:-1]:
        raise InvalidArgumentError(f"{op}: scores must be {list(bv.shape[:-1])} (the boxes' shape without the last "
                                   f"axis), got shape {list(sv.shape)}.")
    max_out = int(_scalar(max_output_size))
    if max_out < 0:
        raise InvalidArgumentError(f"{op}: max_output_size must be non-negative, got {max_out}.")
    thr = _F32(_scalar(iou_threshold))
    st = float(_scalar(score_threshold))
    idx, num_valid = _padded_nms(bv, sv, max_out, thr, st, bool(sorted_input), bool(canonicalized_coordinates),
                                 int(tile_size))
    batch_dims = bv.shape[:-2]
    if not pad_to_max_output_size:
        return make(idx[0, :int(num_valid[0])], NUMPY), make(num_valid.reshape(batch_dims), NUMPY)
    return make(idx.reshape(batch_dims + (max_out,)), NUMPY), make(num_valid.reshape(batch_dims), NUMPY)


# -- generate_bounding_box_proposals: TF's (GPU-only) kernel ------------------------------------------------------

_XFORM_CLIP = np.float32(np.log(1000.0 / 16.0))


def _over_threshold(a: np.ndarray, b: np.ndarray, thr: np.float32) -> bool:
    """The GPU NMS test ``intersection > union * threshold`` of two ``(x1, y1, x2, y2)`` boxes (no division)."""
    area_a = _F32((a[2] - a[0]) * (a[3] - a[1]))
    area_b = _F32((b[2] - b[0]) * (b[3] - b[1]))
    if area_a == 0 or area_b == 0:
        return False
    w = max(_F32(min(a[2], b[2]) - max(a[0], b[0])), _F32(0))
    h = max(_F32(min(a[3], b[3]) - max(a[1], b[1])), _F32(0))
    inter = _F32(w * h)
    return bool(inter > _F32(_F32(area_a + area_b - inter) * thr))


def _proposals_one(scores: np.ndarray, deltas: np.ndarray, info: np.ndarray, anchors: np.ndarray, thr: np.float32,
                   pre: int, min_size: np.float32, post: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")[:min(scores.size, pre)]  # a stable descending radix sort
    a, d = anchors[order], deltas[order]
    y1, x1, y2, x2 = (a[:, k] for k in range(4))
    dy, dx = d[:, 0], d[:, 1]
    dh, dw = np.minimum(d[:, 2], _XFORM_CLIP), np.minimum(d[:, 3], _XFORM_CLIP)
    with np.errstate(over="ignore", invalid="ignore"):
        w = x2 - x1
        cx = x1 + _F32(0.5) * w + w * dx
        pw = w * np.exp(dw)
        h = y2 - y1
        cy = y1 + _F32(0.5) * h + h * dy
        ph = h * np.exp(dh)
        bx1, bx2 = cx - _F32(0.5) * pw, cx + _F32(0.5) * pw
        by1, by2 = cy - _F32(0.5) * ph, cy + _F32(0.5) * ph
    img_h, img_w, scale = _F32(info[0]), _F32(info[1]), _F32(info[2])
    bx1, bx2 = np.clip(bx1, 0, img_w), np.clip(bx2, 0, img_w)
    by1, by2 = np.clip(by1, 0, img_h), np.clip(by2, 0, img_h)
    keep = np.minimum(bx2 - bx1, by2 - by1) >= _F32(min_size * scale)
    boxes = np.stack([bx1, by1, bx2, by2], 1).astype(np.float32)[keep]
    kept_scores = scores[order][keep]
    chosen: list[int] = []
    for i in range(len(boxes)):  # greedy over the score order, as the GPU's bitmask NMS
        if len(chosen) >= post:
            break
        if not any(_over_threshold(boxes[j], boxes[i], thr) for j in chosen):
            chosen.append(i)
    rois = np.zeros((post, 4), np.float32)
    probs = np.zeros((post,), np.float32)
    if chosen:
        sel = boxes[chosen]
        rois[:len(chosen)] = sel[:, [1, 0, 3, 2]]  # back to (y1, x1, y2, x2)
        probs[:len(chosen)] = kept_scores[chosen]
    return rois, probs


@in_programs
def generate_bounding_box_proposals(scores: Any, bbox_deltas: Any, image_info: Any, anchors: Any,
                                    nms_threshold: float = 0.7, pre_nms_topn: int = 6000, min_size: float = 16,
                                    post_nms_topn: int = 300, name: str | None = None) -> tuple[Tensor, Tensor]:
    """Region proposals (Faster R-CNN's RPN step), TF's GenerateBoundingBoxProposals kernel: per image the
    ``pre_nms_topn`` best anchors by ``scores`` (``[N, H, W, A]``), decoded with ``bbox_deltas``
    (``[N, H, W, 4 A]`` as ``(dy, dx, dh, dw)``, ``dh``/``dw`` clipped at ``log(1000 / 16)``) from ``anchors``
    (``[H, W, 4 A]`` as ``(y1, x1, y2, x2)``), clipped to the image (``image_info [N, 5]``: height, width, scale),
    boxes with a side under ``min_size * scale`` dropped, then greedy NMS (``intersection > nms_threshold *
    union``) keeping ``post_nms_topn``. Returns ``(rois [N, post_nms_topn, 4], roi_probabilities [N,
    post_nms_topn])``, zero-padded. TF registers this kernel for GPUs only (on a CPU TF raises NotFoundError);
    tapegrad computes it on NumPy.

    >>> import numpy as np
    >>> import tapegrad as tf
    >>> anchors = np.array([[[0, 0, 10, 10, 0, 0, 20, 20]]], np.float32)  # H = W = 1, two anchors
    >>> rois, probs = tf.image.generate_bounding_box_proposals(
    ...     [[[[0.9, 0.8]]]], np.zeros((1, 1, 1, 8), np.float32), [[32.0, 32.0, 1.0, 0.0, 0.0]], anchors,
    ...     min_size=1.0, post_nms_topn=3)
    >>> rois.numpy()[0].tolist()
    [[0.0, 0.0, 10.0, 10.0], [0.0, 0.0, 20.0, 20.0], [0.0, 0.0, 0.0, 0.0]]
    >>> probs.numpy()[0].tolist()
    [0.8999999761581421, 0.800000011920929, 0.0]
    """
    op = "generate_bounding_box_proposals"
    s = np.asarray(to_tensor(scores)._value, np.float32)
    d = np.asarray(to_tensor(bbox_deltas)._value, np.float32)
    info = np.asarray(to_tensor(image_info)._value, np.float32)
    anc = np.asarray(to_tensor(anchors)._value, np.float32)
    post = int(post_nms_topn)
    if post <= 0:
        raise InvalidArgumentError(f"{op}: post_nms_topn must be positive, got {post}.")
    if s.ndim != 4:
        raise InvalidArgumentError(f"{op}: scores must be [num_images, height, width, num_anchors], got shape "
                                   f"{list(s.shape)}.")
    n, h, w, a = s.shape
    if anc.ndim != 3 or anc.shape[2] != 4 * a or anc.shape[:2] != (h, w):
        raise OutOfRangeError(f"{op}: anchors must be [height={h}, width={w}, 4 * num_anchors={4 * a}], got shape "
                              f"{list(anc.shape)}.")
    if d.shape != (n, h, w, 4 * a):
        raise InvalidArgumentError(f"{op}: bbox_deltas must be {[n, h, w, 4 * a]}, got shape {list(d.shape)}.")
    if info.ndim != 2 or info.shape[0] != n or info.shape[1] < 3:
        raise InvalidArgumentError(f"{op}: image_info must be [num_images={n}, 5], got shape {list(info.shape)}.")
    thr = _F32(_scalar(nms_threshold))
    if not 0 <= thr <= 1:
        raise InvalidArgumentError(f"{op}: nms_threshold must be in [0, 1], got {float(thr)}.")
    pre = int(_scalar(pre_nms_topn))
    if pre <= 0:
        raise InvalidArgumentError(f"{op}: pre_nms_topn must be positive, got {pre}.")
    ms = _F32(_scalar(min_size))
    rois = np.zeros((n, post, 4), np.float32)
    probs = np.zeros((n, post), np.float32)
    flat_anchors = anc.reshape(-1, 4)
    for i in range(n):
        rois[i], probs[i] = _proposals_one(s[i].reshape(-1), d[i].reshape(-1, 4), info[i], flat_anchors, thr, pre,
                                           ms, post)
    return make(rois, NUMPY), make(probs, NUMPY)


EXPORTS: dict[str, list[str]] = {
    "image": ["combined_non_max_suppression", "non_max_suppression_padded", "generate_bounding_box_proposals"],
}
