"""``tf.raw_ops`` programs of the string family and the image/I-O family (colour adjustments, non-max suppression,
PNG/JPEG coding, base64, raw/CSV decoding, files, fingerprints, fake quantization), run under TensorFlow and
tapegrad (harness: ``raw_ops_harness.py``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from raw_ops_harness import main, outcome, registry  # noqa: E402

CASES, case = registry()
WORDS = ["Hello World", "  tapegrad ", "ÄÖü", "a,b,,c"]


@case
def string_basics(tf: Any) -> Any:
    r = tf.raw_ops
    s = tf.constant(WORDS)
    return (r.AsString(input=[1.5, -2.25]), r.AsString(input=[3, 42], width=5, fill="0"),
            r.AsString(input=[1234.5678], precision=2, scientific=True), r.AsString(input=[True, False]),
            r.StringJoin(inputs=[s, "!"], separator="-"), r.StringLength(input=s),
            r.StringLength(input=s, unit="UTF8_CHAR"), r.StringLower(input=s), r.StringUpper(input=s),
            r.StringLower(input=s, encoding="utf-8"), r.StringStrip(input=s),
            outcome(lambda: r.StringLength(input=s, unit="WORD")))


@case
def string_hash_number_substr(tf: Any) -> Any:
    r = tf.raw_ops
    s = tf.constant(WORDS)
    return (r.StringToHashBucket(string_tensor=s, num_buckets=100), r.StringToHashBucketFast(input=s, num_buckets=7),
            r.StringToHashBucketStrong(input=s, num_buckets=10, key=[1, 2]),
            r.StringToNumber(string_tensor=["1.5", "-2e3"]), r.StringToNumber(string_tensor=["7"], out_type=tf.int64),
            outcome(lambda: r.StringToNumber(string_tensor=["x"])),
            r.Substr(input=s, pos=1, len=3), r.Substr(input=s, pos=[0, 1, 1, 2], len=[2, 2, 1, 3], unit="UTF8_CHAR"),
            outcome(lambda: r.Substr(input=s, pos=[0, 1, 1, 2], len=2)),
            outcome(lambda: r.Substr(input=s, pos=20, len=1)), r.Fingerprint(data=s, method="farmhash64"))


@case
def string_regex_format_split(tf: Any) -> Any:
    r = tf.raw_ops
    s = tf.constant(WORDS)
    return (r.RegexFullMatch(input=s, pattern="[A-Za-z ]+"), r.StaticRegexFullMatch(input=s, pattern=".*o.*"),
            r.RegexReplace(input=s, pattern="o", rewrite="0"),
            r.StaticRegexReplace(input=s, pattern="l", rewrite="L", replace_global=False),
            r.StringFormat(inputs=[tf.constant([1, 2, 3])], template="x=%s!"),
            r.StringFormat(inputs=[tf.constant(1.5), "s"], template="{} and {}", placeholder="{}"),
            r.StringSplitV2(input=["a b  c", "d"], sep=""), r.StringSplitV2(input=["a,b,,c"], sep=",", maxsplit=2),
            r.ReduceJoin(inputs=[["a", "b"], ["c", "d"]], reduction_indices=1, separator="+"),
            r.ReduceJoin(inputs=[["a", "b"], ["c", "d"]], reduction_indices=0, keep_dims=True),
            r.UnsortedSegmentJoin(inputs=["x", "y", "z"], segment_ids=[1, 0, 1], num_segments=3, separator="."))


@case
def unicode_ops(tf: Any) -> Any:
    r = tf.raw_ops
    return (r.UnicodeEncode(input_values=[72, 105, 228, 8364], input_splits=[0, 2, 4], output_encoding="UTF-8"),
            r.UnicodeEncode(input_values=[72, 105], input_splits=[0, 2], output_encoding="UTF-16-BE"),
            r.UnicodeTranscode(input=["héllo", "x"], input_encoding="UTF-8", output_encoding="UTF-16-BE"),
            r.UnicodeEncode(input_values=[72, 0xD800, 0x110000, 105], input_splits=[0, 4], output_encoding="UTF-8"),
            r.UnicodeEncode(input_values=[72, 0xD800, 105], input_splits=[0, 3], output_encoding="UTF-32-BE",
                            errors="ignore"),
            outcome(lambda: r.UnicodeEncode(input_values=[72, 0xD800], input_splits=[0, 2], output_encoding="UTF-8",
                                            errors="strict")),
            outcome(lambda: r.UnicodeEncode(input_values=[72], input_splits=[0, 1], output_encoding="ASCII")))


def _img(tf: Any) -> Any:
    return tf.constant(np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3) / 18.0)


@case
def colour_ops(tf: Any) -> Any:
    r = tf.raw_ops
    im = _img(tf)
    return (r.AdjustContrastv2(images=im, contrast_factor=1.5), r.AdjustHue(images=im, delta=0.2),
            r.AdjustSaturation(images=im, scale=0.5), r.RGBToHSV(images=im), r.HSVToRGB(images=r.RGBToHSV(images=im)),
            outcome(lambda: r.RGBToHSV(images=tf.ones([2, 2]))))


@case
def resize_ops(tf: Any) -> Any:
    r = tf.raw_ops
    im = tf.reshape(tf.range(2 * 3 * 4 * 2, dtype=tf.float32), [2, 3, 4, 2])
    out = []
    for ac, hp in ((False, False), (True, False), (False, True)):
        for size in ([5, 7], [2, 3], [3, 4]):
            b = r.ResizeBilinear(images=im, size=size, align_corners=ac, half_pixel_centers=hp)
            n = r.ResizeNearestNeighbor(images=im, size=size, align_corners=ac, half_pixel_centers=hp)
            out += [b, n, r.ResizeBilinearGrad(grads=tf.ones_like(b), original_image=im, align_corners=ac,
                                               half_pixel_centers=hp),
                    r.ResizeNearestNeighborGrad(grads=tf.ones_like(n), size=[3, 4], align_corners=ac,
                                                half_pixel_centers=hp)]
    out += [r.ResizeNearestNeighbor(images=tf.cast(im, tf.int32), size=[6, 8]),
            r.ResizeBilinear(images=tf.cast(im, tf.uint8), size=[4, 4]),
            outcome(lambda: r.ResizeBilinear(images=im, size=[4, 4], align_corners=True, half_pixel_centers=True))]
    return out


@case
def crop_and_resize_ops(tf: Any) -> Any:
    r = tf.raw_ops
    im = tf.reshape(tf.range(2 * 4 * 5 * 2, dtype=tf.float32), [2, 4, 5, 2]) / 10.0
    boxes = tf.constant([[0.1, 0.2, 0.8, 0.9], [0.0, 0.0, 1.0, 1.0], [0.5, -0.2, 1.2, 0.6]])
    crops = r.CropAndResize(image=im, boxes=boxes, box_ind=[0, 1, 1], crop_size=[3, 2])
    g = tf.reshape(tf.range(tf.size(crops), dtype=tf.float32), tf.shape(crops)) / 7.0
    return (crops, r.CropAndResize(image=im, boxes=boxes, box_ind=[1, 0, 0], crop_size=[2, 2], method="nearest",
                                   extrapolation_value=-1.0),
            r.CropAndResizeGradImage(grads=g, boxes=boxes, box_ind=[0, 1, 1], image_size=[2, 4, 5, 2],
                                     T=tf.float32),
            r.CropAndResizeGradBoxes(grads=g, image=im, boxes=boxes, box_ind=[0, 1, 1]),
            outcome(lambda: r.CropAndResize(image=im, boxes=boxes, box_ind=[0, 1], crop_size=[3, 2])))


@case
def draw_boxes(tf: Any) -> Any:
    r = tf.raw_ops
    im = tf.zeros([2, 6, 7, 3])
    boxes = tf.constant([[[0.1, 0.1, 0.6, 0.8]], [[0.0, 0.2, 1.0, 0.5]]])
    return (r.DrawBoundingBoxesV2(images=im, boxes=boxes, colors=[[1.0, 0.5, 0.0, 1.0]]),
            r.DrawBoundingBoxes(images=im, boxes=boxes),
            r.DrawBoundingBoxesV2(images=im, boxes=boxes, colors=tf.zeros([0, 4])))


@case
def nms_ops(tf: Any) -> Any:
    r = tf.raw_ops
    boxes = tf.constant([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11], [0, 10.1, 1, 11.1],
                         [0, 100, 1, 101]], tf.float32)
    scores = tf.constant([0.9, 0.75, 0.6, 0.95, 0.5, 0.3])
    ov = tf.constant([[1.0, 0.7, 0.2], [0.7, 1.0, 0.0], [0.2, 0.0, 1.0]])
    return (r.NonMaxSuppression(boxes=boxes, scores=scores, max_output_size=3),
            r.NonMaxSuppressionV2(boxes=boxes, scores=scores, max_output_size=4, iou_threshold=0.05),
            r.NonMaxSuppressionV3(boxes=boxes, scores=scores, max_output_size=3, iou_threshold=0.5,
                                  score_threshold=0.0),
            r.NonMaxSuppressionV4(boxes=boxes, scores=scores, max_output_size=5, iou_threshold=0.5,
                                  score_threshold=0.4, pad_to_max_output_size=True),
            r.NonMaxSuppressionV5(boxes=boxes, scores=scores, max_output_size=4, iou_threshold=0.5,
                                  score_threshold=0.0, soft_nms_sigma=0.0),
            r.NonMaxSuppressionV5(boxes=boxes, scores=scores, max_output_size=6, iou_threshold=1.0,
                                  score_threshold=0.0, soft_nms_sigma=0.5, pad_to_max_output_size=True),
            r.NonMaxSuppressionWithOverlaps(overlaps=ov, scores=[0.9, 0.8, 0.7], max_output_size=3,
                                            overlap_threshold=0.5, score_threshold=0.0))


@case
def codecs(tf: Any) -> Any:
    r = tf.raw_ops
    img = tf.constant(np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 4)
    png = r.EncodePng(image=img)
    jpg = r.EncodeJpeg(image=img, quality=90)
    return (r.DecodePng(contents=png), r.DecodePng(contents=png, channels=1), r.DecodePng(contents=png,
                                                                                          dtype=tf.uint16),
            r.DecodeImage(contents=png).shape, r.DecodeJpeg(contents=jpg).shape, r.ExtractJpegShape(contents=jpg),
            r.EncodeBase64(input=["hello", "xy"]), r.EncodeBase64(input=["hello"], pad=True),
            r.DecodeBase64(input=r.EncodeBase64(input=["round trip"])),
            r.DecodeRaw(bytes=["\x01\x02\x03\x04"], out_type=tf.int16),
            r.DecodeRaw(bytes=["\x01\x02\x03\x04"], out_type=tf.int16, little_endian=False),
            r.DecodeCSV(records=["1,a,2.5", "3,,"], record_defaults=[[0], ["z"], [0.0]]),
            r.DecodeCSV(records=["1;x"], record_defaults=[[0], [""]], field_delim=";"),
            outcome(lambda: r.DecodePng(contents="not a png")))


@case
def files(tf: Any) -> Any:
    r = tf.raw_ops
    d = tempfile.mkdtemp()
    path = os.path.join(d, "f.txt")
    r.WriteFile(filename=path, contents="abc")
    got = r.ReadFile(filename=path)
    names = r.MatchingFiles(pattern=os.path.join(d, "*.txt"))
    return got, [os.path.basename(n) for n in names.numpy().astype(str).tolist()], \
        outcome(lambda: r.ReadFile(filename=os.path.join(d, "missing")))


@case
def fake_quant_and_misc(tf: Any) -> Any:
    r = tf.raw_ops
    x = tf.constant([-7.0, -1.03, 0.0, 0.5, 2.7, 6.5])
    return (r.FakeQuantWithMinMaxArgs(inputs=x), r.FakeQuantWithMinMaxArgs(inputs=x, min=-1.0, max=1.0, num_bits=4),
            r.FakeQuantWithMinMaxVars(inputs=x, min=-2.0, max=3.0, narrow_range=True), r.NoOp(),
            r.Timestamp().dtype)


if __name__ == "__main__":
    main(CASES)
