"""``keras.utils.bounding_boxes``: box format conversion (``xyxy``, ``yxyx``, ``xywh``, ``center_xywh``,
``center_yxhw`` and the relative ``rel_*`` forms), clipping to the image, the affine/crop/pad maps the image layers
apply to boxes, anchor delta encoding/decoding (with variances) and IoU / CIoU, as Keras 3.15 computes them on TF
(float32 unless asked).

Differences from Keras, on purpose: a dict passed to ``convert_format`` is not modified in place (a new dict is
returned, as the charter asks that nothing the user owns be mutated).

>>> import numpy as np
>>> from tapegrad.keras.utils import bounding_boxes as bb
>>> bb.convert_format(np.array([[10.0, 20.0, 30.0, 60.0]]), "xyxy", "center_xywh").numpy().tolist()
[[20.0, 40.0, 20.0, 40.0]]
>>> round(float(bb.compute_iou(np.array([[0.0, 0.0, 2.0, 2.0]]), np.array([[1.0, 0.0, 3.0, 2.0]]), "xyxy")[0, 0]), 4)
0.3333
"""

from __future__ import annotations

import math
from typing import Any

import tapegrad as tg

from . import backend as _backend

__all__ = ["affine_transform", "clip_to_image_size", "compute_ciou", "compute_iou", "convert_format", "crop",
           "decode_deltas_to_boxes", "encode_box_to_deltas", "pad"]

SUPPORTED_FORMATS = ("xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
                     "rel_center_xywh")


def _split(boxes: Any) -> list[Any]:
    return tg.split(boxes, 4, axis=-1)


def _cat(parts: list[Any]) -> Any:
    return tg.concat(parts, axis=-1)


def _to_xyxy(boxes: Any, source: str, height: Any, width: Any) -> Any:
    a, b, c, d = _split(boxes)
    if source == "xyxy":
        return boxes
    if source == "yxyx":
        return _cat([b, a, d, c])
    if source == "xywh":
        return _cat([a, b, a + c, b + d])
    if source == "center_xywh":
        return _cat([a - c / 2.0, b - d / 2.0, a + c / 2.0, b + d / 2.0])
    if source == "center_yxhw":
        return _cat([b - d / 2.0, a - c / 2.0, b + d / 2.0, a + c / 2.0])
    if source == "rel_xyxy":
        return _cat([a * width, b * height, c * width, d * height])
    if source == "rel_yxyx":
        return _cat([b * width, a * height, d * width, c * height])
    if source == "rel_xywh":
        return _cat([a * width, b * height, (a + c) * width, (b + d) * height])
    # rel_center_xywh
    return _cat([(a - c / 2.0) * width, (b - d / 2.0) * height, (a + c / 2.0) * width, (b + d / 2.0) * height])


def _from_xyxy(boxes: Any, target: str, height: Any, width: Any) -> Any:
    x1, y1, x2, y2 = _split(boxes)
    if target == "xyxy":
        return boxes
    if target == "yxyx":
        return _cat([y1, x1, y2, x2])
    if target == "xywh":
        return _cat([x1, y1, x2 - x1, y2 - y1])
    if target in ("center_xywh", "center_yxhw"):
        cx, cy = x1 + (x2 - x1) / 2.0, y1 + (y2 - y1) / 2.0
        w, h = x2 - x1, y2 - y1
        return _cat([cx, cy, w, h] if target == "center_xywh" else [cy, cx, h, w])
    if target == "rel_xyxy":
        return _cat([x1 / width, y1 / height, x2 / width, y2 / height])
    if target == "rel_yxyx":
        return _cat([y1 / height, x1 / width, y2 / height, x2 / width])
    if target == "rel_xywh":
        return _cat([x1 / width, y1 / height, (x2 - x1) / width, (y2 - y1) / height])
    # rel_center_xywh
    return _cat([(x1 + (x2 - x1) / 2.0) / width, (y1 + (y2 - y1) / 2.0) / height, (x2 - x1) / width,
                 (y2 - y1) / height])


def convert_format(boxes: Any, source: str, target: str, height: Any = None, width: Any = None,
                   dtype: Any = "float32") -> Any:
    """Convert ``boxes`` (``[..., 4]``, or a dict with ``"boxes"``) from ``source`` to ``target`` format; the
    relative formats need the image ``height`` and ``width``.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> bb.convert_format([[0.5, 0.5, 1.0, 1.0]], "rel_xyxy", "xywh", height=10, width=20).numpy().tolist()
    [[10.0, 5.0, 10.0, 5.0]]
    """
    if isinstance(boxes, dict):
        return {**boxes, "boxes": convert_format(boxes["boxes"], source, target, height, width, dtype)}
    boxes = tg.convert_to_tensor(boxes)
    if int(boxes.shape[-1]) != 4:
        raise ValueError(f"`boxes` must be a tensor with the last dimension of 4. Received: boxes.shape="
                         f"{tuple(boxes.shape)}")
    source, target = source.lower(), target.lower()
    if source not in SUPPORTED_FORMATS or target not in SUPPORTED_FORMATS:
        raise ValueError(f"Invalid source or target format (source={source!r}, target={target!r}). Supported "
                         f"formats: {SUPPORTED_FORMATS}")
    if (source.startswith("rel_") or target.startswith("rel_")) and (width is None or height is None):
        raise ValueError(f"convert_format() must receive `height` and `width` transforming between relative and "
                         f"absolute formats. convert_format() received source=`{source}`, target=`{target}`, but "
                         f"height={height} and width={width}.")
    boxes = tg.cast(boxes, dtype)
    if source == target:
        return boxes
    width = None if width is None else tg.cast(width, dtype)
    height = None if height is None else tg.cast(height, dtype)
    if source.startswith("rel_") and target.startswith("rel_"):
        source, target = source[4:], target[4:]
    return _from_xyxy(_to_xyxy(boxes, source, height, width), target, height, width)


def _area(boxes: Any) -> Any:
    x1, y1, x2, y2 = _split(boxes)
    return (x2 - x1) * (y2 - y1)


def clip_to_image_size(bounding_boxes: dict[str, Any], height: Any = None, width: Any = None,
                       bounding_box_format: str = "xyxy") -> dict[str, Any]:
    """Clip ``xyxy`` boxes to ``[0, width] x [0, height]`` (``rel_xyxy``: to ``[0, 1]``); boxes left with no area
    get label ``-1``. Returns a new dict.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> out = bb.clip_to_image_size({"boxes": [[-2.0, 1.0, 5.0, 9.0], [6.0, 6.0, 8.0, 8.0]], "labels": [1, 2]},
    ...                             height=4, width=4)
    >>> out["boxes"].numpy().tolist(), out["labels"].numpy().tolist()
    ([[0.0, 1.0, 4.0, 4.0], [4.0, 4.0, 4.0, 4.0]], [1, -1])
    """
    if bounding_box_format not in ("xyxy", "rel_xyxy"):
        raise NotImplementedError(f"clip_to_image_size supports 'xyxy' and 'rel_xyxy' boxes; got "
                                  f"{bounding_box_format!r}: convert them with convert_format first.")
    if bounding_box_format == "xyxy" and (height is None or width is None):
        raise ValueError("`height` and `width` must be set if `format='xyxy'`.")
    boxes = tg.convert_to_tensor(bounding_boxes["boxes"])
    labels = bounding_boxes.get("labels")
    x1, y1, x2, y2 = _split(boxes)
    if bounding_box_format == "xyxy":
        w, h = tg.cast(width, boxes.dtype), tg.cast(height, boxes.dtype)
        zero = tg.zeros([], boxes.dtype)
        parts = [tg.clip_by_value(x1, zero, w), tg.clip_by_value(y1, zero, h), tg.clip_by_value(x2, zero, w),
                 tg.clip_by_value(y2, zero, h)]
    else:
        parts = [tg.clip_by_value(v, 0.0, 1.0) for v in (x1, y1, x2, y2)]
    boxes = _cat(parts)
    result = dict(bounding_boxes)
    result["boxes"] = boxes
    if labels is not None:
        labels = tg.convert_to_tensor(labels)
        areas = tg.squeeze(_area(boxes), axis=-1)
        result["labels"] = tg.where(areas > 0, labels, tg.cast(-1, labels.dtype))
    return result


def _inverse_affine_matrix(center_x: Any, center_y: Any, angle: Any, translate_x: Any, translate_y: Any,
                           scale: Any, shear_x: Any, shear_y: Any, height: Any, width: Any) -> Any:
    """``[n, 3, 3]``: the inverse of the image affine map (angle and shears in degrees, translations as fractions
    of the image size) for moving box corners, as Keras's ``BoundingBox._compute_inverse_affine_matrix``."""
    angle = tg.convert_to_tensor(angle)
    dt = angle.dtype
    n = int(angle.shape[0])
    angle, shear_x, shear_y = -angle, -tg.cast(shear_x, dt), -tg.cast(shear_y, dt)
    cx = center_x * (width - 1)
    cy = center_y * (height - 1)
    rot = angle * (1.0 / 180.0 * math.pi)
    tx = -tg.cast(translate_x, dt) * (width - 1)
    ty = -tg.cast(translate_y, dt) * (height - 1)
    sx = shear_x * (1.0 / 180.0 * math.pi)
    sy = shear_y * (1.0 / 180.0 * math.pi)
    cos_sy, tan_sx = tg.cos(sy), tg.tan(sx)
    a = tg.cos(rot - sy) / cos_sy
    b = a * tan_sx + tg.sin(rot)
    c = -tg.sin(rot - sy) / cos_sy
    d = tg.cos(rot) - c * tan_sx
    scale = tg.cast(scale, dt)
    a0, a1, b0, b1 = d * scale, -b * scale, -c * scale, a * scale
    cxt, cyt = cx + tx, cy + ty
    a2 = cx - a0 * cxt - a1 * cyt
    b2 = cy - b0 * cxt - b1 * cyt
    zeros, ones = tg.zeros([n], dt), tg.ones([n], dt)
    cols = [tg.reshape(v, [-1]) + zeros for v in (a0, a1, a2, b0, b1, b2)]
    return tg.reshape(tg.stack(cols + [zeros, zeros, ones], axis=-1), [n, 3, 3])


def affine_transform(boxes: Any, angle: Any, translate_x: Any, translate_y: Any, scale: Any, shear_x: Any,
                     shear_y: Any, height: Any, width: Any, center_x: Any = None, center_y: Any = None,
                     bounding_box_format: str = "xyxy") -> Any:
    """Move ``[batch, boxes, 4]`` ``xyxy`` boxes by the per-image affine map of the geometric image layers
    (``angle``/shears in degrees, translations as fractions, about ``(center_x, center_y)``, default the centre):
    the bounding box of the four moved corners.

    >>> import numpy as np
    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> z = np.zeros([1], "float32")
    >>> bb.affine_transform(np.array([[[1.0, 1.0, 2.0, 2.0]]]), z, z + 0.5, z, z + 1, z, z, 5, 5).numpy().tolist()
    [[[3.0, 1.0, 4.0, 2.0]]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"affine_transform supports 'xyxy' boxes only; got {bounding_box_format!r}")
    boxes = tg.convert_to_tensor(boxes)
    n, count = int(boxes.shape[0]), int(boxes.shape[1])
    matrix = _inverse_affine_matrix(0.5 if center_x is None else center_x, 0.5 if center_y is None else center_y,
                                    angle, translate_x, translate_y, scale, shear_x, shear_y, height, width)
    boxes = tg.cast(boxes, matrix.dtype)
    points = tg.stack([boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 1], boxes[..., 2], boxes[..., 3],
                       boxes[..., 0], boxes[..., 3]], axis=-1)
    points = tg.reshape(points, [n, count, 4, 2])
    points = tg.concat([points, tg.ones([n, count, 4, 1], points.dtype)], axis=-1)
    moved = tg.einsum("bnxy,byz->bnxz", points, tg.transpose(matrix[:, :2, :], [0, 2, 1]))
    return tg.concat([tg.reduce_min(moved, axis=2), tg.reduce_max(moved, axis=2)], axis=-1)


def crop(boxes: Any, top: Any, left: Any, height: Any, width: Any, bounding_box_format: str = "xyxy") -> Any:
    """``xyxy`` boxes of a crop at ``(top, left)`` of size ``height x width``: shifted, clipped to the crop.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> bb.crop([[2.0, 2.0, 9.0, 5.0]], 1, 3, 3, 4).numpy().tolist()
    [[0.0, 1.0, 4.0, 3.0]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"crop supports 'xyxy' boxes only; got {bounding_box_format!r}")
    x1, y1, x2, y2 = _split(tg.convert_to_tensor(boxes))
    dt = x1.dtype
    w, h = tg.cast(width, dt), tg.cast(height, dt)
    zero = tg.zeros([], dt)
    left, top = tg.cast(left, dt), tg.cast(top, dt)
    return _cat([tg.clip_by_value(x1 - left, zero, w), tg.clip_by_value(y1 - top, zero, h),
                 tg.clip_by_value(x2 - left, zero, w), tg.clip_by_value(y2 - top, zero, h)])


def pad(boxes: Any, top: Any, left: Any, height: Any = None, width: Any = None,
        bounding_box_format: str = "xyxy") -> Any:
    """``xyxy`` boxes of an image padded by ``top`` rows and ``left`` columns (shifted).

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> bb.pad([[1.0, 1.0, 2.0, 2.0]], 2, 3).numpy().tolist()
    [[4.0, 3.0, 5.0, 4.0]]
    """
    if bounding_box_format != "xyxy":
        raise NotImplementedError(f"pad supports 'xyxy' boxes only; got {bounding_box_format!r}")
    x1, y1, x2, y2 = _split(tg.convert_to_tensor(boxes))
    dt = x1.dtype
    left, top = tg.cast(left, dt), tg.cast(top, dt)
    return _cat([x1 + left, y1 + top, x2 + left, y2 + top])


def _variance(variance: Any) -> Any:
    if variance is None:
        return None
    variance = tg.cast(tg.convert_to_tensor(variance), tg.float32)
    if int(variance.shape[-1]) != 4:
        raise ValueError(f"`variance` must be length 4, got {variance}")
    return variance


def _hw(image_shape: Any) -> tuple[Any, Any]:
    if image_shape is None:
        return None, None
    height, width, _ = image_shape
    return height, width


def encode_box_to_deltas(anchors: Any, boxes: Any, anchor_format: str, box_format: str,
                         encoding_format: str = "center_yxhw", variance: Any = None, image_shape: Any = None) -> Any:
    """Regression targets of ``boxes`` against ``anchors``: centre offsets over the anchor size and log size
    ratios (in ``encoding_format`` order), divided by ``variance``.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> bb.encode_box_to_deltas([[0.0, 0.0, 2.0, 2.0]], [[1.0, 1.0, 3.0, 3.0]], "xyxy", "xyxy").numpy().tolist()
    [[0.5, 0.5, 0.0, 0.0]]
    """
    variance = _variance(variance)
    if encoding_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoding_format` should be one of 'center_xywh' or 'center_yxhw', got {encoding_format}")
    height, width = _hw(image_shape)
    a = convert_format(anchors, anchor_format, encoding_format, height=height, width=width)
    b = convert_format(boxes, box_format, encoding_format, height=height, width=width)
    a_size = tg.maximum(a[..., 2:], _backend.epsilon())
    b_size = tg.maximum(b[..., 2:], _backend.epsilon())
    delta = tg.concat([(b[..., :2] - a[..., :2]) / a_size, tg.math.log(b_size / a_size)], axis=-1)
    return delta if variance is None else delta / variance


def decode_deltas_to_boxes(anchors: Any, boxes_delta: Any, anchor_format: str, box_format: str,
                           encoded_format: str = "center_yxhw", variance: Any = None,
                           image_shape: Any = None) -> Any:
    """Invert :func:`encode_box_to_deltas`: boxes in ``box_format`` from ``anchors`` and deltas (dicts of
    levels are decoded level by level).

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> bb.decode_deltas_to_boxes([[0.0, 0.0, 2.0, 2.0]], [[0.5, 0.5, 0.0, 0.0]], "xyxy", "xyxy").numpy().tolist()
    [[1.0, 1.0, 3.0, 3.0]]
    """
    variance = _variance(variance)
    if encoded_format not in ("center_xywh", "center_yxhw"):
        raise ValueError(f"`encoded_format` should be 'center_xywh' or 'center_yxhw', but got '{encoded_format}'.")
    height, width = _hw(image_shape)

    def level(anchor: Any, delta: Any) -> Any:
        a = convert_format(anchor, anchor_format, encoded_format, height=height, width=width)
        delta = tg.convert_to_tensor(delta)
        if variance is not None:
            delta = delta * variance
        box = tg.concat([delta[..., :2] * a[..., 2:] + a[..., :2], tg.exp(delta[..., 2:]) * a[..., 2:]], axis=-1)
        return convert_format(box, encoded_format, box_format, height=height, width=width)

    if isinstance(anchors, dict) and isinstance(boxes_delta, dict):
        return {lvl: level(anchor, boxes_delta[lvl]) for lvl, anchor in anchors.items()}
    return level(anchors, boxes_delta)


def compute_iou(boxes1: Any, boxes2: Any, bounding_box_format: str, use_masking: bool = False, mask_val: Any = -1,
                image_shape: Any = None) -> Any:
    """Pairwise IoU ``[n1, n2]`` (or batched ``[b, n1, n2]``) of two box sets; ``use_masking``: pairs with a box
    whose coordinates are all negative get ``mask_val``.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> iou = bb.compute_iou([[0.0, 0.0, 1.0, 1.0]], [[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0]], "xyxy")
    >>> iou.numpy().round(4).tolist()
    [[1.0, 0.0]]
    """
    b1, b2 = tg.convert_to_tensor(boxes1), tg.convert_to_tensor(boxes2)
    r1, r2 = len(b1.shape), len(b2.shape)
    for name, r in (("boxes1", r1), ("boxes2", r2)):
        if r not in (2, 3):
            raise ValueError(f"compute_iou() expects {name} to be batched, or to be unbatched. Received "
                             f"len(boxes1.shape)={r1}, len(boxes2.shape)={r2}. Expected either "
                             f"len({name}.shape)=2 AND or len({name}.shape)=3.")
    if "rel" in bounding_box_format and image_shape is None:
        raise ValueError(f"When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument "
                         f"must be provided. Received `image_shape`: {image_shape}")
    height, width = _hw(image_shape)
    b1 = convert_format(b1, bounding_box_format, "yxyx", height=height, width=width)
    b2 = convert_format(b2, bounding_box_format, "yxyx", height=height, width=width)
    ymin1, xmin1, ymax1, xmax1 = _split(b1)
    ymin2, xmin2, ymax2, xmax2 = _split(b2)
    perm2 = [1, 0] if r2 == 2 else [0, 2, 1]
    zero = tg.zeros([], b1.dtype)
    ih = tg.maximum(zero, tg.minimum(ymax1, tg.transpose(ymax2, perm2)) - tg.maximum(ymin1, tg.transpose(ymin2, perm2)))
    iw = tg.maximum(zero, tg.minimum(xmax1, tg.transpose(xmax2, perm2)) - tg.maximum(xmin1, tg.transpose(xmin2, perm2)))
    inter = ih * iw
    area1 = tg.expand_dims(tg.squeeze((ymax1 - ymin1) * (xmax1 - xmin1), -1), -1)
    area2 = tg.squeeze((ymax2 - ymin2) * (xmax2 - xmin2), -1)
    area2 = tg.expand_dims(area2, 1 if len(area2.shape) == 2 else 0)
    res = inter / (area1 + area2 - inter + _backend.epsilon())
    if not use_masking:
        return res
    perm1 = [1, 0] if r1 == 2 else [0, 2, 1]
    m1 = tg.reduce_max(b1, axis=-1, keepdims=True) < 0.0
    m2 = tg.reduce_max(b2, axis=-1, keepdims=True) < 0.0
    background = tg.logical_or(m1, tg.transpose(m2, perm1))
    return tg.where(background, tg.cast(mask_val, res.dtype) * tg.ones_like(res), res)


def compute_ciou(boxes1: Any, boxes2: Any, bounding_box_format: str, image_shape: Any = None) -> Any:
    """Complete IoU of matching boxes (element-wise, not pairwise): IoU minus the normalised centre distance and
    the aspect-ratio consistency term.

    >>> from tapegrad.keras.utils import bounding_boxes as bb
    >>> round(float(bb.compute_ciou([[0.0, 0.0, 2.0, 2.0]], [[0.0, 0.0, 2.0, 2.0]], "xyxy")[0]), 4)
    1.0
    """
    if "rel" in bounding_box_format:
        raise ValueError(f"When using relative bounding box formats (e.g. `rel_yxyx`) the `image_shape` argument "
                         f"must be provided. Received `image_shape`: {image_shape}")
    height, width = _hw(image_shape)
    b1 = convert_format(boxes1, bounding_box_format, "xyxy", height=height, width=width)
    b2 = convert_format(boxes2, bounding_box_format, "xyxy", height=height, width=width)
    eps = _backend.epsilon()
    x1a, y1a, x2a, y2a = _split(b1[..., :4])
    x1b, y1b, x2b, y2b = _split(b2[..., :4])
    w1, h1 = x2a - x1a, y2a - y1a + eps
    w2, h2 = x2b - x1b, y2b - y1b + eps
    inter = (tg.maximum(tg.minimum(x2a, x2b) - tg.maximum(x1a, x1b), 0.0)
             * tg.maximum(tg.minimum(y2a, y2b) - tg.maximum(y1a, y1b), 0.0))
    union = w1 * h1 + w2 * h2 - inter + eps
    iou = tg.squeeze(inter / (union + eps), -1)
    cw = tg.maximum(x2a, x2b) - tg.minimum(x1a, x1b)
    ch = tg.maximum(y2a, y2b) - tg.minimum(y1a, y1b)
    diag = tg.squeeze(cw ** 2 + ch ** 2 + eps, -1)
    dist = tg.squeeze(((x1a + x2a) / 2 - (x1b + x2b) / 2) ** 2 + ((y1a + y2a) / 2 - (y1b + y2b) / 2) ** 2, -1)
    v = tg.squeeze(4 / math.pi ** 2 * tg.pow(tg.atan(w2 / h2) - tg.atan(w1 / h1), 2), -1)
    alpha = v / (v - iou + (1 + eps))
    return iou - (dist / diag + v * alpha)
