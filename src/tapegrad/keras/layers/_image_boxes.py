"""How the image layers take a dict's ``"bounding_boxes"`` (Keras 3's ``BaseImagePreprocessingLayer.call``): the
layer must name its ``bounding_box_format``; ``{"boxes", "labels"}`` are checked and made dense (``boxes``
float32; ragged ones padded with 0 boxes / -1 labels), then ``transform_bounding_boxes`` runs on the batch (an
unbatched image's boxes get a batch axis for it). The caller's dict is not modified."""

from __future__ import annotations

from typing import Any

import tapegrad as tg


def validate_bounding_boxes(bounding_boxes: Any) -> None:
    if not isinstance(bounding_boxes, dict) or "labels" not in bounding_boxes or "boxes" not in bounding_boxes:
        raise ValueError(f"Expected `bounding_boxes` argument to be a dict with keys 'boxes' and 'labels'. Received: "
                         f"bounding_boxes={bounding_boxes}")
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if hasattr(boxes, "to_tensor"):
        if not hasattr(labels, "to_tensor"):
            raise ValueError(f"If `bounding_boxes['boxes']` is a Ragged tensor, `bounding_boxes['labels']` must also "
                             f"be a Ragged tensor. Received: bounding_boxes['labels']={labels}")
        return
    b_rank, l_rank = len(tg.convert_to_tensor(boxes).shape), len(tg.convert_to_tensor(labels).shape)
    if b_rank not in (2, 3):
        raise ValueError(f"Expected `bounding_boxes['boxes']` to have rank 2 or 3, with shape (num_boxes, 4) or "
                         f"(batch_size, num_boxes, 4). Received: bounding_boxes['boxes'].shape="
                         f"{tuple(tg.convert_to_tensor(boxes).shape)}")
    if l_rank not in (b_rank - 1, b_rank):
        raise ValueError(f"Found bounding_boxes['boxes'] of rank {b_rank} and expected bounding_boxes['labels'] to "
                         f"have rank {b_rank - 1} or {b_rank}, but received rank {l_rank}.")


def densify_bounding_boxes(bounding_boxes: dict[str, Any]) -> dict[str, Any]:
    """A new dict with dense ``boxes`` (float32) and ``labels``."""
    validate_bounding_boxes(bounding_boxes)
    out = dict(bounding_boxes)
    boxes, labels = bounding_boxes["boxes"], bounding_boxes["labels"]
    if hasattr(boxes, "to_tensor"):
        out["boxes"] = tg.cast(boxes.to_tensor(default_value=0), tg.float32)
        out["labels"] = labels.to_tensor(default_value=-1)
        return out
    out["boxes"] = tg.cast(tg.convert_to_tensor(boxes), tg.float32)
    out["labels"] = tg.convert_to_tensor(labels)
    return out


def transform_in_call(layer: Any, bounding_boxes: Any, batched: bool, transformation: Any, training: bool) -> Any:
    if not layer.bounding_box_format:
        raise ValueError(f"You passed an input with a 'bounding_boxes' key, but you didn't specify a bounding box "
                         f"format. Pass a `bounding_box_format` argument to your {type(layer).__name__} layer, e.g. "
                         f"`bounding_box_format='xyxy'`.")
    boxes = densify_bounding_boxes(bounding_boxes)
    if batched:
        return layer.transform_bounding_boxes(boxes, transformation, training=training)
    for key in ("boxes", "labels"):
        boxes[key] = tg.expand_dims(boxes[key], 0)
    out = dict(layer.transform_bounding_boxes(boxes, transformation, training=training))
    for key in ("boxes", "labels"):
        out[key] = tg.squeeze(out[key], 0)
    return out


# -- the geometric layers' box maps (Keras 3.15's transform_bounding_boxes, kept step for step: the formats each
#    step works in and where boxes are clipped change the values) ------------------------------------------------


def _bb() -> Any:
    from .. import _bounding_boxes

    return _bounding_boxes


def _hw(layer: Any, shape: Any) -> tuple[int, int]:
    ha, wa = layer._hw_axes()
    return int(shape[ha]), int(shape[wa])


def _xy_of(transform: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """Where the projective ``transform`` rows (``[n, 8]``) send the point ``(x, y)``: ``[n, 1]`` each."""
    a0, a1, a2, b0, b1, b2, c0, c1 = tg.split(transform, 8, axis=-1)
    k = c0 * x + c1 * y + 1
    return (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k


def flip_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    h, w = _hw(layer, transformation["input_shape"])
    flips = tg.squeeze(transformation["flips"], -1)
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "rel_xyxy", height=h, width=w)
    boxes = out["boxes"]
    if layer.mode in ("horizontal", "horizontal_and_vertical"):
        x1, y1, x2, y2 = tg.split(boxes, 4, axis=-1)
        boxes = tg.where(flips, tg.concat([1 - x2, y1, 1 - x1, y2], axis=-1), boxes)
    if layer.mode in ("vertical", "horizontal_and_vertical"):
        x1, y1, x2, y2 = tg.split(boxes, 4, axis=-1)
        boxes = tg.where(flips, tg.concat([x1, 1 - y2, x2, 1 - y1], axis=-1), boxes)
    out = bb.clip_to_image_size({**out, "boxes": boxes}, height=h, width=w, bounding_box_format="xyxy")
    return bb.convert_format(out, "rel_xyxy", layer.bounding_box_format, height=h, width=w)


def rotate_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    h, w = _hw(layer, transformation["input_shape"])
    angle = transformation["angle"]
    n = int(angle.shape[0])
    zeros, ones = tg.zeros([n]), tg.ones([n])
    # Keras rotates the boxes as given (no conversion to xyxy first), then clips and converts from xyxy
    boxes = bb.affine_transform(bounding_boxes["boxes"], angle, zeros, zeros, ones, zeros, zeros, h, w)
    out = bb.clip_to_image_size({**bounding_boxes, "boxes": boxes}, height=h, width=w, bounding_box_format="xyxy")
    return bb.convert_format(out, "xyxy", layer.bounding_box_format, height=h, width=w)


def zoom_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    h, w = _hw(layer, transformation["input_shape"])
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "xyxy", height=h, width=w)
    transform = transformation["matrix"]
    w0, h0 = _xy_of(transform, 0, 0)
    w1, h1 = _xy_of(transform, w, h)
    boxes = out["boxes"]
    edges = (h0, h1, w0, w1) if len(boxes.shape) != 3 else tuple(tg.expand_dims(v, -1) for v in (h0, h1, w0, w1))
    boxes = _clip_window(boxes, *edges)
    new_h, new_w = tg.expand_dims(h1 - h0, -1), tg.expand_dims(w1 - w0, -1)
    out = bb.convert_format({**out, "boxes": boxes}, "xyxy", "rel_xyxy", height=new_h, width=new_w)
    out = bb.clip_to_image_size(out, height=new_h, width=new_w, bounding_box_format="rel_xyxy")
    return bb.convert_format(out, "rel_xyxy", layer.bounding_box_format, height=h, width=w)


def translate_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    h, w = _hw(layer, transformation["input_shape"])
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "xyxy", height=h, width=w)
    dx, dy = _xy_of(transformation["matrix"], 0, 0)
    boxes = out["boxes"]
    dx, dy = tg.cast(dx, boxes.dtype), tg.cast(dy, boxes.dtype)
    if len(boxes.shape) == 3:
        dx, dy = tg.expand_dims(dx, -1), tg.expand_dims(dy, -1)
    x1, y1, x2, y2 = tg.split(boxes, 4, axis=-1)
    boxes = tg.concat([x1 - dx, y1 - dy, x2 - dx, y2 - dy], axis=-1)
    out = bb.clip_to_image_size({**out, "boxes": boxes}, height=h, width=w, bounding_box_format="xyxy")
    return bb.convert_format(out, "xyxy", layer.bounding_box_format, height=h, width=w)


def shear_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    dt = layer.compute_dtype
    h, w = _hw(layer, transformation["input_shape"])
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "rel_xyxy", height=h, width=w, dtype=dt)
    sx, sy = tg.split(tg.cast(transformation["shear_factor"], dt), 2, axis=-1)
    x1, y1, x2, y2 = (tg.squeeze(v, -1) for v in tg.split(out["boxes"], 4, axis=-1))
    x1 = tg.where(sx < 0, x1 - sx * y1, x1 - sx * y2)
    x2 = tg.where(sx < 0, x2 - sx * y2, x2 - sx * y1)
    y1 = tg.where(sy > 0, y1 - sy * x2, y1 - sy * x1)
    y2 = tg.where(sy > 0, y2 - sy * x1, y2 - sy * x2)
    boxes = tg.stack([x1, y1, x2, y2], axis=-1)
    out = bb.clip_to_image_size({**out, "boxes": boxes}, height=h, width=w, bounding_box_format="rel_xyxy")
    return bb.convert_format(out, "rel_xyxy", layer.bounding_box_format, height=h, width=w, dtype=dt)


def _clip_window(boxes: Any, h0: Any, h1: Any, w0: Any, w1: Any) -> Any:
    x1, y1, x2, y2 = tg.split(boxes, 4, axis=-1)
    return tg.concat([tg.clip_by_value(x1, w0, w1) - w0, tg.clip_by_value(y1, h0, h1) - h0,
                      tg.clip_by_value(x2, w0, w1) - w0, tg.clip_by_value(y2, h0, h1) - h0], axis=-1)


def center_crop_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    bb = _bb()
    h, w = _hw(layer, transformation["input_shape"])
    th, tw = layer.height, layer.width
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "xyxy", height=h, width=w)
    if h - th >= 0 and w - tw >= 0:
        hs, ws = int((h - th) / 2), int((w - tw) / 2)
        out = {**out, "boxes": _clip_window(out["boxes"], float(hs), float(hs + th), float(ws), float(ws + tw))}
    else:
        ch = max(min(h, int(float(w * th) / tw)), 1)
        cw = max(min(w, int(float(h * tw) / th)), 1)
        hs, ws = int(float(h - ch) / 2), int(float(w - cw) / 2)
        out = {**out, "boxes": _clip_window(out["boxes"], float(hs), float(hs + ch), float(ws), float(ws + cw))}
        out = bb.convert_format(out, "xyxy", "rel_xyxy", height=ch, width=cw)
        out = bb.convert_format(out, "rel_xyxy", "xyxy", height=th, width=tw)
    out = bb.clip_to_image_size(out, height=th, width=tw, bounding_box_format="xyxy")
    return bb.convert_format(out, "xyxy", layer.bounding_box_format, height=th, width=tw)


def random_crop_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training:
        return bounding_boxes
    bb = _bb()
    hs, ws = transformation
    boxes = bb.convert_format(bounding_boxes["boxes"], layer.bounding_box_format, "xyxy", height=layer.height,
                              width=layer.width)
    hs, ws = tg.cast(hs, boxes.dtype), tg.cast(ws, boxes.dtype)
    zero = tg.zeros([], boxes.dtype)
    # Keras subtracts the row offset from x and the column offset from y (kept: it changes the values)
    boxes = tg.stack([tg.maximum(boxes[..., 0] - hs, zero), tg.maximum(boxes[..., 1] - ws, zero),
                      tg.maximum(boxes[..., 2] - hs, zero), tg.maximum(boxes[..., 3] - ws, zero)], axis=-1)
    boxes = bb.convert_format(boxes, "xyxy", layer.bounding_box_format, height=layer.height, width=layer.width)
    return {"boxes": boxes, "labels": bounding_boxes["labels"]}


def resize_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    bb = _bb()
    ih, iw = transformation
    raw = tg.convert_to_tensor(bounding_boxes["boxes"])
    empty = tg.logical_or(tg.reduce_all(tg.equal(raw, -1.0), axis=-1), tg.reduce_all(tg.equal(raw, 0.0), axis=-1))
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "xyxy", height=ih, width=iw)
    boxes = out["boxes"]
    dt = boxes.dtype
    fh, fw = tg.cast(ih, dt), tg.cast(iw, dt)
    H, W = layer.height, layer.width  # noqa: N806
    if layer.pad_to_aspect_ratio:
        ratio = tg.minimum(H / fh, W / fw)
        y_off, x_off = tg.math.floordiv(H - fh * ratio, 2.0), tg.math.floordiv(W - fw * ratio, 2.0)
        sx = sy = ratio
        offsets = (x_off, y_off)
        boxes = tg.stack([boxes[..., 0] * sx + offsets[0], boxes[..., 1] * sy + offsets[1],
                          boxes[..., 2] * sx + offsets[0], boxes[..., 3] * sy + offsets[1]], axis=-1)
    elif layer.crop_to_aspect_ratio:
        source = fw / fh
        wider = source > W / H
        new_w = tg.where(wider, H * source, tg.cast(W, dt))
        new_h = tg.where(wider, tg.cast(H, dt), W / source)
        sx, sy = new_w / fw, new_h / fh
        left, top = tg.math.floordiv(new_w - W, 2.0), tg.math.floordiv(new_h - H, 2.0)
        boxes = tg.stack([boxes[..., 0] * sx - left, boxes[..., 1] * sy - top, boxes[..., 2] * sx - left,
                          boxes[..., 3] * sy - top], axis=-1)
    else:
        sy, sx = H / fh, W / fw
        boxes = tg.stack([boxes[..., 0] * sx, boxes[..., 1] * sy, boxes[..., 2] * sx, boxes[..., 3] * sy], axis=-1)
    out = bb.clip_to_image_size({**out, "boxes": boxes}, height=H, width=W)
    out["boxes"] = tg.where(tg.expand_dims(empty, -1), tg.zeros([4], out["boxes"].dtype), out["boxes"])
    return bb.convert_format(out, "xyxy", layer.bounding_box_format, height=H, width=W)


def perspective_boxes(layer: Any, bounding_boxes: dict[str, Any], transformation: Any, training: bool) -> Any:
    if not training or transformation is None:
        return bounding_boxes
    bb = _bb()
    from ..ops.image_warp import compute_homography_matrix

    h, w = _hw(layer, transformation["input_shape"])
    out = bb.convert_format(bounding_boxes, layer.bounding_box_format, "xyxy", height=h, width=w)
    boxes = out["boxes"]
    x0, y0, x1, y1 = tg.split(boxes, 4, axis=-1)
    transform = compute_homography_matrix(transformation["start_points"], transformation["end_points"])
    transform = tg.cast(tg.expand_dims(transform, 1), layer.compute_dtype)
    n = int(transform.shape[0])
    inverse = tg.linalg.inv(tg.reshape(tg.concat([transform, tg.ones([n, 1, 1], transform.dtype)], axis=-1),
                                       [n, 3, 3]))

    def moved(x: Any, y: Any) -> tuple[Any, Any]:
        pts = tg.transpose(tg.concat([x, y, tg.ones_like(x)], axis=-1), [0, 2, 1])
        res = tg.transpose(tg.matmul(inverse, pts), [0, 2, 1])
        return res[..., 0] / res[..., 2], res[..., 1] / res[..., 2]

    corners = [moved(x, y) for x, y in ((x0, y0), (x1, y1), (x0, y1), (x1, y0))]
    xs = tg.stack([c[0] for c in corners], axis=-1)
    ys = tg.stack([c[1] for c in corners], axis=-1)
    new = tg.concat([tg.reduce_min(xs, -1, keepdims=True), tg.reduce_min(ys, -1, keepdims=True),
                     tg.reduce_max(xs, -1, keepdims=True), tg.reduce_max(ys, -1, keepdims=True)], axis=-1)
    apply = tg.cast(transformation["apply_perspective"], new.dtype)
    boxes = tg.where(tg.reshape(apply, [-1, 1, 1]) != 0, new, boxes)
    return bb.clip_to_image_size({**out, "boxes": boxes}, height=h, width=w, bounding_box_format="xyxy")
