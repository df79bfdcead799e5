"""Raw ops of the image and I/O family: colour adjustments, non-max suppression, PNG/JPEG coding, base64,
``DecodeRaw``/``DecodeCSV``, files, ``Fingerprint``, fake quantization and ``Timestamp``/``NoOp``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._table import Impl, args, kwargs, public

P = public


def _nms_v4(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: Any, score_threshold: Any,
            pad_to_max_output_size: bool) -> Any:
    import tapegrad as tg

    return tuple(tg.image.non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold, score_threshold,
                                                     pad_to_max_output_size=pad_to_max_output_size))


def _nms_v5(boxes: Any, scores: Any, max_output_size: Any, iou_threshold: Any, score_threshold: Any,
            soft_nms_sigma: Any, pad_to_max_output_size: bool) -> Any:
    import tapegrad as tg

    idx, sc = tg.image.non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold,
                                                       score_threshold, soft_nms_sigma)
    n = tg.size(idx)
    if pad_to_max_output_size:
        pad = tg.maximum(tg.cast(max_output_size, tg.int32) - n, 0)
        idx, sc = tg.pad(idx, [[0, pad]]), tg.pad(sc, [[0, pad]])
    return idx, sc, n


def _source(out: int, size: int, align_corners: bool, half_pixel: bool) -> tuple[np.ndarray, float]:
    """TF's legacy resize coordinate mapping: each output index's source coordinate along one axis."""
    scale = (size - 1) / (out - 1) if align_corners and out > 1 else size / out
    dst = np.arange(out, dtype=np.float64)
    return ((dst + 0.5) * scale - 0.5 if half_pixel else dst * scale), scale


def _resize_check(op: str, images: Any, size: Any, align_corners: bool, half_pixel_centers: bool) -> list[int]:
    from ..errors import InvalidArgumentError

    if align_corners and half_pixel_centers:
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: align_corners and half_pixel_centers cannot both "
                                   "be true.")
    hw = [int(v) for v in np.asarray(size.numpy()).reshape(-1)]
    if len(images.shape) != 4 or len(hw) != 2 or min(hw) <= 0:
        raise InvalidArgumentError(None, None, f"raw_ops.{op}: images must be 4-D NHWC and size two positive "
                                   f"ints, got shape {list(images.shape)} and size {hw}.")
    return hw


def _resize_bilinear(images: Any, size: Any, align_corners: bool, half_pixel_centers: bool) -> Any:
    """``ResizeBilinear`` with TF's legacy corner conventions (float32 output, differentiable in ``images``)."""
    import tapegrad as tg

    hw = _resize_check("ResizeBilinear", images, size, align_corners, half_pixel_centers)
    x = tg.cast(images, tg.float32)
    for axis, out in ((1, hw[0]), (2, hw[1])):
        n = int(x.shape[axis])
        src, _ = _source(out, n, align_corners, half_pixel_centers)
        lo = np.floor(src)
        frac = (src - lo).astype(np.float32)
        lo_i = np.clip(lo, 0, n - 1).astype(np.int32)
        hi_i = np.clip(np.ceil(src) if half_pixel_centers else lo + 1, 0, n - 1).astype(np.int32)
        w = tg.reshape(tg.constant(frac), [-1] + [1] * (3 - axis))
        a, b = tg.gather(x, lo_i, axis=axis), tg.gather(x, hi_i, axis=axis)
        x = a + (b - a) * w
    return x


def _resize_nearest(images: Any, size: Any, align_corners: bool, half_pixel_centers: bool) -> Any:
    import tapegrad as tg

    hw = _resize_check("ResizeNearestNeighbor", images, size, align_corners, half_pixel_centers)
    x = images
    for axis, out in ((1, hw[0]), (2, hw[1])):
        n = int(x.shape[axis])
        _, scale = _source(out, n, align_corners, False)
        dst = np.arange(out, dtype=np.float64)
        src = (dst + 0.5) * scale if half_pixel_centers else dst * scale
        idx = np.floor(src + 0.5) if align_corners else np.floor(src)  # (C's roundf: halves away from zero)
        x = tg.gather(x, np.minimum(idx, n - 1).astype(np.int32), axis=axis)
    return x


def _resize_bilinear_grad(grads: Any, original_image: Any, align_corners: bool, half_pixel_centers: bool) -> Any:
    import tapegrad as tg

    x = tg.zeros(tg.shape(original_image), tg.float32)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _resize_bilinear(x, tg.constant(list(grads.shape[1:3])), align_corners, half_pixel_centers)
    return tg.cast(tape.gradient(y, x, output_gradients=grads), original_image.dtype)


def _resize_nearest_grad(grads: Any, size: Any, align_corners: bool, half_pixel_centers: bool) -> Any:
    import tapegrad as tg

    hw = [int(v) for v in np.asarray(size.numpy()).reshape(-1)]
    x = tg.zeros([grads.shape[0], *hw, grads.shape[3]], grads.dtype)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _resize_nearest(x, tg.constant(list(grads.shape[1:3])), align_corners, half_pixel_centers)
    return tape.gradient(y, x, output_gradients=grads)


def _crop_and_resize(image: Any, boxes: Any, box_ind: Any, crop_size: Any, method: str,
                     extrapolation_value: float) -> Any:
    import tapegrad as tg

    return tg.image.crop_and_resize(image, boxes, box_ind, crop_size, method=method,
                                    extrapolation_value=extrapolation_value)


def _crop_grad_image(grads: Any, boxes: Any, box_ind: Any, image_size: Any, T: Any, method: str) -> Any:  # noqa: N803
    """The gradient of ``CropAndResize`` for the image, in dtype ``T``."""
    import tapegrad as tg

    x = tg.zeros(np.asarray(image_size.numpy()).tolist(), tg.float32)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = _crop_and_resize(x, boxes, box_ind, list(grads.shape[1:3]), method, 0.0)
    return tg.cast(tape.gradient(y, x, output_gradients=grads), T)


def _crop_grad_boxes(grads: Any, image: Any, boxes: Any, box_ind: Any, method: str) -> Any:
    """The gradient of ``CropAndResize`` for the boxes."""
    import tapegrad as tg

    with tg.GradientTape() as tape:
        tape.watch(boxes)
        y = _crop_and_resize(image, boxes, box_ind, list(grads.shape[1:3]), method, 0.0)
    return tape.gradient(y, boxes, output_gradients=grads)


def _decode_raw(bytes: Any, out_type: Any, little_endian: bool) -> Any:  # noqa: A002 - TF's name
    import tapegrad as tg

    return tg.io.decode_raw(bytes, out_type, little_endian=little_endian)


def _decode_csv(records: Any, record_defaults: list[Any], field_delim: str, use_quote_delim: bool, na_value: str,
                select_cols: list[int]) -> Any:
    import tapegrad as tg

    return tg.io.decode_csv(records, record_defaults, field_delim=field_delim, use_quote_delim=use_quote_delim,
                            na_value=na_value, select_cols=select_cols or None)


def _write_file(filename: Any, contents: Any) -> None:
    import tapegrad as tg

    tg.io.write_file(filename, contents)


def _no_op() -> None:
    return None


def _summary(data: list[Any], summarize: int) -> str:
    import numpy as np

    def one(t: Any) -> str:
        flat = np.asarray(t.numpy()).reshape(-1)
        shown = flat if summarize < 0 else flat[:summarize]
        text = " ".join(str(v) for v in shown.tolist())
        return f"[{text}{'...' if shown.size < flat.size else ''}]"

    return " ".join(one(t) for t in data)


def _assert(condition: Any, data: list[Any], summarize: int) -> None:
    from ..errors import InvalidArgumentError

    if not bool(np.asarray(condition.numpy()).all()):
        raise InvalidArgumentError(None, None, f"assertion failed: {_summary(data, summarize)}")


def _print(input: Any, data: list[Any], message: str, first_n: int, summarize: int) -> Any:  # noqa: A002
    import sys

    print(message + _summary(data, summarize), file=sys.stderr)
    return input


def _print_v2(input: Any, output_stream: str, end: str) -> None:  # noqa: A002
    import logging
    import sys

    import tapegrad as tg

    streams = {"stderr": sys.stderr, "stdout": sys.stdout, "log(info)": logging.info,
               "log(warning)": logging.warning, "log(error)": logging.error}
    tg.print(input.numpy().decode(), output_stream=streams.get(output_stream, output_stream), end=end)


def _encode_jpeg(image: Any, **attrs: Any) -> Any:
    import tapegrad as tg

    return tg.io.encode_jpeg(image, **attrs)


OPS: dict[str, Impl] = {
    "AdjustContrastv2": args(P("image.adjust_contrast"), "images", "contrast_factor"),
    "AdjustHue": args(P("image.adjust_hue"), "images", "delta"),
    "AdjustSaturation": args(P("image.adjust_saturation"), "images", "scale"),
    "RGBToHSV": args(P("image.rgb_to_hsv"), "images"),
    "ResizeBilinear": _resize_bilinear,
    "CropAndResize": _crop_and_resize,
    "DrawBoundingBoxesV2": args(P("image.draw_bounding_boxes"), "images", "boxes", "colors"),
    "DrawBoundingBoxes": lambda images, boxes: P("image.draw_bounding_boxes")(images, boxes, P("zeros")([0, 4])),
    "CropAndResizeGradImage": _crop_grad_image,
    "CropAndResizeGradBoxes": _crop_grad_boxes,
    "ResizeNearestNeighbor": _resize_nearest,
    "ResizeBilinearGrad": _resize_bilinear_grad,
    "ResizeNearestNeighborGrad": _resize_nearest_grad,
    "HSVToRGB": args(P("image.hsv_to_rgb"), "images"),
    "NonMaxSuppression": args(P("image.non_max_suppression"), "boxes", "scores", "max_output_size", "iou_threshold"),
    "NonMaxSuppressionV2": args(P("image.non_max_suppression"), "boxes", "scores", "max_output_size",
                                "iou_threshold"),
    "NonMaxSuppressionV3": args(P("image.non_max_suppression"), "boxes", "scores", "max_output_size",
                                "iou_threshold", "score_threshold"),
    "NonMaxSuppressionV4": _nms_v4,
    "NonMaxSuppressionV5": _nms_v5,
    "NonMaxSuppressionWithOverlaps": args(P("image.non_max_suppression_overlaps"), "overlaps", "scores",
                                          "max_output_size", "overlap_threshold", "score_threshold"),
    "EncodePng": args(P("io.encode_png"), "image", "compression"),
    "DecodePng": args(P("io.decode_png"), "contents", "channels", "dtype"),
    "DecodeJpeg": args(P("io.decode_jpeg"), "contents", "channels", "ratio", "fancy_upscaling",
                       "try_recover_truncated", "acceptable_fraction", "dct_method"),
    "EncodeJpeg": _encode_jpeg,
    "DecodeImage": kwargs(P("io.decode_image"), {"contents": "contents", "channels": "channels", "dtype": "dtype",
                                                 "expand_animations": "expand_animations"}),
    "ExtractJpegShape": args(P("io.extract_jpeg_shape"), "contents", "output_type"),
    "DecodeBase64": args(P("io.decode_base64"), "input"),
    "EncodeBase64": args(P("io.encode_base64"), "input", "pad"),
    "DecodeRaw": _decode_raw,
    "DecodeCSV": _decode_csv,
    "Fingerprint": args(P("fingerprint"), "data", "method"),
    "ReadFile": args(P("io.read_file"), "filename"),
    "WriteFile": _write_file,
    "MatchingFiles": args(P("io.matching_files"), "pattern"),
    "FakeQuantWithMinMaxArgs": args(P("quantization.fake_quant_with_min_max_args"), "inputs", "min", "max",
                                    "num_bits", "narrow_range"),
    "FakeQuantWithMinMaxVars": args(P("quantization.fake_quant_with_min_max_vars"), "inputs", "min", "max",
                                    "num_bits", "narrow_range"),
    "Timestamp": args(P("timestamp")),
    "NoOp": _no_op,
    "Assert": _assert,
    "Print": _print,
    "PrintV2": _print_v2,
}
