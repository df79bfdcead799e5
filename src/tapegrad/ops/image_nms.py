"""``tf.image`` non-maximum suppression: ``non_max_suppression`` (+ ``_with_scores``, soft-NMS included, and
``_overlaps``) with TF's kernel rules: candidates above ``score_threshold`` taken by score (ties: lower index
first), a candidate dropped when its IoU (overlap) with a kept box is strictly above the threshold; for soft-NMS
(``soft_nms_sigma > 0``) no hard drop but the Gaussian decay ``exp(-iou^2 / (2 sigma))`` and re-queueing, as TF's
kernel; float32 arithmetic (soft-NMS scores decayed many times can differ from TF's in the last bits, ~1e-6).
Outputs are int32 indices (and the kept scores); not differentiable, as in TF. Inside ``tapegrad.function`` each
runs as a host call of the program, on every call's values (results have dynamic shapes).

>>> import tapegrad as tf
>>> boxes = tf.constant([[0.0, 0.0, 1.0, 1.0], [0.0, 0.1, 1.0, 1.1], [0.0, 2.0, 1.0, 3.0]])
>>> tf.image.non_max_suppression(boxes, [0.9, 0.8, 0.7], max_output_size=3, iou_threshold=0.5).numpy().tolist()
[0, 2]
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from .._backend import NUMPY
from .._tensor import Tensor, _TensorLike, make, static_value
from ..compiler.host import in_programs
from ..errors import InvalidArgumentError
from ._common import to_tensor


def _scalar(x: Any, dtype: Any = np.float32) -> Any:
    v = static_value(x) if isinstance(x, _TensorLike) else x
    return dtype(np.asarray(v).reshape(()))


def _box_iou(boxes: np.ndarray) -> Any:
    """IoU of boxes ``i`` and ``j`` as TF's kernel: corners sorted, float32, 0 when either area is not positive."""
    b = boxes.astype(np.float32)
    ymin, ymax = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
    xmin, xmax = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    zero = np.float32(0)

    def iou(i: int, j: int) -> np.float32:
        if area[i] <= 0 or area[j] <= 0:
            return zero
        ih = max(min(ymax[i], ymax[j]) - max(ymin[i], ymin[j]), zero)
        iw = max(min(xmax[i], xmax[j]) - max(xmin[i], xmin[j]), zero)
        inter = np.float32(ih * iw)
        return np.float32(inter / np.float32(area[i] + area[j] - inter))

    return iou


def _nms(similarity: Any, scores: np.ndarray, max_output: int, threshold: np.float32, score_threshold: Any,
         sigma: np.float32) -> tuple[list[int], list[Any]]:
    """TF's greedy (soft-)NMS loop over candidates in a priority queue."""
    st = scores.dtype.type
    score_threshold = st(score_threshold)
    scale = np.float32(-0.5) / sigma if sigma > 0 else None
    heap = [(-st(s), i, 0) for i, s in enumerate(scores) if s > score_threshold]
    heapq.heapify(heap)  # (-score, index): highest score first, then the lower index
    selected: list[int] = []
    kept: list[Any] = []
    while len(selected) < max_output and heap:
        neg, idx, begin = heapq.heappop(heap)
        score = original = -neg
        hard = False
        for j in range(len(selected) - 1, begin - 1, -1):
            sim = similarity(idx, selected[j])
            if scale is not None:
                score = st(score * st(np.exp(np.float32(scale * sim * sim))))
            elif sim > threshold:
                score = st(0)
            if scale is None and sim > threshold:
                hard = True
                break
            if score <= score_threshold:
                break
        if hard:
            continue
        if score == original:
            selected.append(idx)
            kept.append(score)
        elif score > score_threshold:
            heapq.heappush(heap, (-score, idx, len(selected)))
    return selected, kept


def _check(boxes: Tensor, scores: Tensor, op: str, square: bool = False) -> None:
    b, s = boxes._value, scores._value
    if square:
        if b.ndim != 2 or b.shape[0] != b.shape[1]:
            raise InvalidArgumentError(f"{op}: overlaps must be a square matrix [num_boxes, num_boxes], got shape "
                                       f"{b.shape}.")
    elif b.ndim != 2 or b.shape[1] != 4:
        raise InvalidArgumentError(f"{op}: boxes must be [num_boxes, 4] (y1, x1, y2, x2), got shape {b.shape}.")
    if s.ndim != 1 or s.shape[0] != b.shape[0]:
        raise InvalidArgumentError(f"{op}: scores must be [num_boxes] = [{b.shape[0]}], got shape {s.shape}.")


def _run(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: Any, score_threshold: Any, sigma: float,
         op: str, overlaps: bool = False) -> tuple[list[int], list[Any], Tensor]:
    b, s = to_tensor(boxes), to_tensor(scores)
    _check(b, s, op, overlaps)
    n_max = int(_scalar(max_output_size, np.int64))
    if n_max < 0:
        raise InvalidArgumentError(f"{op}: max_output_size must be non-negative, got {n_max}.")
    thr = _scalar(iou_threshold)
    if not overlaps and not 0 <= thr <= 1:
        raise InvalidArgumentError(f"{op}: iou_threshold must be in [0, 1], got {float(thr)}.")
    sig = _scalar(sigma)
    if sig < 0:
        raise InvalidArgumentError(f"{op}: soft_nms_sigma must be non-negative, got {float(sig)}.")
    sv = np.asarray(s._value)
    if sv.dtype.kind != "f":
        raise InvalidArgumentError(f"{op}: scores must be float16 or float32, got {s.dtype.name}.")
    if overlaps:
        ov = np.asarray(b._value, dtype=np.float32)

        def sim(i: int, j: int) -> np.float32:
            return ov[i, j]
    else:
        sim = _box_iou(np.asarray(b._value))
    thr_score = _scalar(score_threshold) if score_threshold is not None else -np.inf
    if sig == 0:  # hard NMS: the same selection, one vectorized similarity row per kept box
        rows = (lambda i: ov[:, i]) if overlaps else _iou_rows(np.asarray(b._value))  # ov[candidate, kept]
        sel, kept = _hard_nms(rows, sv, n_max, thr, thr_score)
    else:
        sel, kept = _nms(sim, sv, n_max, thr, thr_score, sig)
    return sel, kept, s


def _iou_rows(boxes: np.ndarray) -> Any:
    """``row(i)``: the IoU of box ``i`` with every box, element for element the float32 arithmetic of
    :func:`_box_iou` (so the same comparisons as TF's kernel)."""
    b = boxes.astype(np.float32)
    ymin, ymax = np.minimum(b[:, 0], b[:, 2]), np.maximum(b[:, 0], b[:, 2])
    xmin, xmax = np.minimum(b[:, 1], b[:, 3]), np.maximum(b[:, 1], b[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    zero = np.float32(0)

    def row(i: int) -> np.ndarray:
        ih = np.maximum(np.minimum(ymax[i], ymax) - np.maximum(ymin[i], ymin), zero)
        iw = np.maximum(np.minimum(xmax[i], xmax) - np.maximum(xmin[i], xmin), zero)
        inter = ih * iw
        with np.errstate(divide="ignore", invalid="ignore"):
            iou = inter / ((area[i] + area) - inter)
        return np.where((area[i] <= 0) | (area <= 0), zero, iou)

    return row


def _hard_nms(row: Any, scores: np.ndarray, max_output: int, threshold: np.float32,
              score_threshold: Any) -> tuple[list[int], list[Any]]:
    """Greedy NMS without soft decay: candidates by score (ties: lower index first); a candidate survives when its
    similarity with every kept box is at most ``threshold``; each kept box marks what it suppresses at once."""
    st = scores.dtype.type
    order = np.argsort(-scores, kind="stable")
    order = order[scores[order] > st(score_threshold)]
    alive = np.ones(scores.shape[0], bool)
    selected: list[int] = []
    for i in order.tolist():
        if len(selected) >= max_output:
            break
        if not alive[i]:
            continue
        selected.append(i)
        alive &= ~(row(i) > threshold)
    return selected, [scores[i] for i in selected]


@in_programs
def non_max_suppression(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: float = 0.5,
                        score_threshold: float = float("-inf"), name: str | None = None) -> Tensor:
    """Indices (int32) of at most ``max_output_size`` boxes kept by greedy NMS, highest score first.

    ``boxes``: ``[num_boxes, 4]`` as ``[y1, x1, y2, x2]`` (either corner order); a box is dropped when its IoU
    with an already kept box is above ``iou_threshold``; only boxes scoring above ``score_threshold`` count.
    """
    sel, _, _ = _run(boxes, scores, max_output_size, iou_threshold, score_threshold, 0.0, "non_max_suppression")
    return make(np.asarray(sel, np.int32), NUMPY)


@in_programs
def non_max_suppression_with_scores(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: float = 0.5,
                                    score_threshold: float = float("-inf"), soft_nms_sigma: float = 0.0,
                                    name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(indices, scores)`` of the kept boxes; ``soft_nms_sigma > 0`` decays overlapping boxes' scores by
    ``exp(-iou^2 / (2 sigma))`` instead of dropping them (Bodla et al.), as TF's NonMaxSuppressionV5.

    >>> import tapegrad as tf
    >>> b = tf.constant([[0.0, 0.0, 1.0, 1.0], [0.0, 0.5, 1.0, 1.5]])
    >>> idx, sc = tf.image.non_max_suppression_with_scores(b, [0.9, 0.8], 2, soft_nms_sigma=0.5)
    >>> idx.numpy().tolist(), [round(float(v), 5) for v in sc.numpy()]
    ([0, 1], [0.9, 0.71587])
    """
    sel, kept, s = _run(boxes, scores, max_output_size, iou_threshold, score_threshold, soft_nms_sigma,
                        "non_max_suppression_with_scores")
    return make(np.asarray(sel, np.int32), NUMPY), make(np.asarray(kept, s._value.dtype).reshape(-1), NUMPY)


@in_programs
def non_max_suppression_overlaps(overlaps: Any, scores: Any, max_output_size: Any, overlap_threshold: float = 0.5,
                                 score_threshold: float = float("-inf"), name: str | None = None) -> Tensor:
    """NMS with a given ``[num_boxes, num_boxes]`` overlap matrix in place of IoU (a box is dropped when its
    overlap with a kept box is above ``overlap_threshold``).

    >>> import tapegrad as tf
    >>> ov = tf.constant([[1.0, 0.7, 0.0], [0.7, 1.0, 0.2], [0.0, 0.2, 1.0]])
    >>> tf.image.non_max_suppression_overlaps(ov, [0.5, 0.9, 0.3], 3, overlap_threshold=0.6).numpy().tolist()
    [1, 2]
    """
    sel, _, _ = _run(overlaps, scores, max_output_size, overlap_threshold, score_threshold, 0.0,
                     "non_max_suppression_overlaps", overlaps=True)
    return make(np.asarray(sel, np.int32), NUMPY)


EXPORTS: dict[str, list[str]] = {
    "image": ["non_max_suppression", "non_max_suppression_with_scores", "non_max_suppression_overlaps"],
}
