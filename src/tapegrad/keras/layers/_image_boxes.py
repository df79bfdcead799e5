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
