"""Keras conformance programs for the augmentation layers of ``keras/layers/preprocessing_augment*.py``:
``AutoContrast``, ``Equalization``, ``RandomColorDegeneration``, ``RandomSharpness``, ``RandomColorJitter``,
``RandomErasing``, ``RandomGaussianBlur``, ``MixUp``, ``CutMix`` and the rest. Random layers are built with fixed
seeds and called several times, so the values compared are Keras-on-TF's draws; configs and errors too.

Registered into ``programs.PROGRAMS`` (imported at the end of programs.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from .programs import caught, program
except ImportError:  # run_tf.py run as a script
    from programs import caught, program  # type: ignore[no-redef]


def _etype(fn: Any) -> Any:
    out = caught(fn)
    return type(out.exc).__name__ if hasattr(out, "exc") else out


def _img(shape: tuple[int, ...], seed: int = 0, dtype: str = "float32", high: float = 255.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, high, shape).astype(dtype)


def _calls(layer: Any, x: Any, n: int = 3, **kw: Any) -> list[Any]:
    return [np.asarray(layer(x, **kw)) for _ in range(n)]


def _ramp(shape: tuple[int, ...]) -> np.ndarray:
    """A smooth image batch: 10 + 3 row + 2 col + 5 channel + 7 image."""
    n, h, w, c = shape
    b, i, j, k = np.meshgrid(np.arange(n), np.arange(h), np.arange(w), np.arange(c), indexing="ij")
    return (10.0 + 3 * i + 2 * j + 5 * k + 7 * b).astype("float32")


def _cf(x: np.ndarray) -> np.ndarray:
    return np.transpose(x, (0, 3, 1, 2))


def _config(layer: Any, *keys: str) -> list[Any]:
    cfg = layer.get_config()
    return [cfg[k] if not isinstance(cfg[k], tuple) else list(cfg[k]) for k in keys]


@program
def prog_augment_auto_contrast(tf: Any, keras: Any) -> Any:
    """AutoContrast: value ranges, a constant channel (unchanged), uint8 input, unbatched, channels_first."""
    L = keras.layers
    x = _img((2, 4, 5, 3))
    x[1, ..., 2] = 7.0
    out = [np.asarray(L.AutoContrast()(x)), np.asarray(L.AutoContrast(value_range=(0, 1))(x / 255.0))]
    out.append(np.asarray(L.AutoContrast(value_range=[255, 0])(x[0])))
    out.append(np.asarray(L.AutoContrast()(x.astype("uint8"))))
    out.append(np.asarray(L.AutoContrast(data_format="channels_first")(_cf(x))))
    out += _config(L.AutoContrast(value_range=(10, 0)), "value_range")
    out.append(_etype(lambda: L.AutoContrast(value_range=3)))
    out.append(_etype(lambda: L.AutoContrast(value_range=(0, 1, 2))))
    return out


@program
def prog_augment_equalization(tf: Any, keras: Any) -> Any:
    """Equalization: 256 and 16 bins, [0, 1] range, a one-level channel, channels_first, training=False."""
    L = keras.layers
    x = np.round(_img((2, 6, 5, 3), 1) / 4.0)
    x[..., 1] = 3.0
    out = [np.asarray(L.Equalization()(x)), np.asarray(L.Equalization(bins=16)(x)),
           np.asarray(L.Equalization(value_range=(0, 1))(x / 255.0)), np.asarray(L.Equalization()(x[0])),
           np.asarray(L.Equalization(data_format="channels_first")(_cf(x))),
           np.asarray(L.Equalization()(x, training=False))]
    out += _config(L.Equalization(bins=8), "bins", "value_range")
    return out


@program
def prog_augment_color_degeneration(tf: Any, keras: Any) -> Any:
    """RandomColorDegeneration: seeded draws over calls, factor pairs, [0, 1] range, channels_first, errors."""
    L = keras.layers
    x = _img((3, 4, 4, 3), 2)
    out = _calls(L.RandomColorDegeneration(0.7, seed=3), x)
    out += _calls(L.RandomColorDegeneration((0.2, 0.9), value_range=(0, 1), seed=4), x / 255.0, 2)
    out += _calls(L.RandomColorDegeneration(0.5, seed=5), x[0], 2)
    out.append(np.asarray(L.RandomColorDegeneration(0.5, data_format="channels_first", seed=6)(_cf(x))))
    out.append(np.asarray(L.RandomColorDegeneration(0.5, seed=6)(x, training=False)))
    out += _config(L.RandomColorDegeneration(0.3, seed=1), "factor", "value_range", "seed")
    out.append(_etype(lambda: L.RandomColorDegeneration(1.5)))
    out.append(_etype(lambda: L.RandomColorDegeneration(0.5, value_range=[1])))
    out.append(L.RandomColorDegeneration(0.5).compute_output_shape((2, 8, 8, 3)))
    out.append(_etype(lambda: L.RandomColorDegeneration(0.5).compute_output_shape((2, 8, 8, 4))))
    return out


@program
def prog_augment_sharpness(tf: Any, keras: Any) -> Any:
    """RandomSharpness: seeded draws, one-channel and RGB, [0, 1] range, unbatched, channels_first."""
    L = keras.layers
    x = _img((3, 5, 6, 3), 3)
    out = _calls(L.RandomSharpness(0.8, seed=7), x)
    out += _calls(L.RandomSharpness((0.1, 0.3), value_range=(0, 1), seed=8), x[..., :1] / 255.0, 2)
    out += _calls(L.RandomSharpness(0.5, seed=9), x[0], 2)
    out.append(np.asarray(L.RandomSharpness(0.5, data_format="channels_first", seed=9)(_cf(x))))
    out.append(np.asarray(L.RandomSharpness(0.5, seed=9)(x, training=False)))
    out += _config(L.RandomSharpness(0.4, seed=1), "factor", "value_range", "seed")
    out.append(_etype(lambda: L.RandomSharpness(-0.5)))
    return out


@program
def prog_augment_color_jitter(tf: Any, keras: Any) -> Any:
    """RandomColorJitter: each factor alone and all four together (one generator for every draw), [0, 1] range."""
    L = keras.layers
    x = _img((3, 4, 4, 3), 4)
    out = _calls(L.RandomColorJitter(brightness_factor=0.2, seed=1), x, 2)
    out += _calls(L.RandomColorJitter(contrast_factor=0.4, seed=2), x, 2)
    out += _calls(L.RandomColorJitter(saturation_factor=(0.3, 0.8), seed=3), x / 255.0, 2)
    out += _calls(L.RandomColorJitter(hue_factor=0.3, value_range=(0, 1), seed=4), x / 255.0, 2)
    both = L.RandomColorJitter(value_range=(0, 1), brightness_factor=0.1, contrast_factor=0.3,
                               saturation_factor=(0.4, 0.6), hue_factor=0.2, seed=5)
    out += _calls(both, x / 255.0, 3)
    out.append(np.asarray(both(x[0] / 255.0)))
    out.append(np.asarray(both(x / 255.0, training=False)))
    out += _config(both, "value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor",
                   "seed")
    return out


@program
def prog_augment_random_erasing(tf: Any, keras: Any) -> Any:
    """RandomErasing: noise fill (default), number and per-channel fills, factor < 1, unbatched, channels_first."""
    L = keras.layers
    x = _img((4, 8, 7, 3), 5)
    out = _calls(L.RandomErasing(seed=1), x, 2)
    out += _calls(L.RandomErasing(factor=0.5, scale=(0.1, 0.6), fill_value=3.0, seed=2), x, 3)
    out += _calls(L.RandomErasing(fill_value=[1.0, 2.0, 300.0], seed=3), x, 2)
    out += _calls(L.RandomErasing(value_range=(0, 1), seed=4), x / 255.0, 2)
    out.append(np.asarray(L.RandomErasing(seed=5)(x[0])))
    out.append(np.asarray(L.RandomErasing(fill_value=0.0, data_format="channels_first", seed=6)(_cf(x))))
    out.append(np.asarray(L.RandomErasing(seed=6)(x, training=False)))
    out += _config(L.RandomErasing(0.3, scale=0.2, seed=1), "factor", "scale", "fill_value", "value_range", "seed")
    out.append(_etype(lambda: L.RandomErasing(scale=(0.1, 0.2, 0.3))))
    out.append(_etype(lambda: L.RandomErasing(fill_value=[1.0, 2.0], seed=1)(x)))
    return out


@program
def prog_augment_mix_up(tf: Any, keras: Any) -> Any:
    """MixUp: seeded permutation + Beta weights over calls, labels mixed, alpha, unbatched, training=False."""
    L = keras.layers
    x = _img((5, 3, 4, 2), 6)
    labels = np.eye(5, dtype="float32")
    layer = L.MixUp(seed=3)
    out = []
    for _ in range(3):
        d = layer({"images": x, "labels": labels})
        out += [np.asarray(d["images"]), np.asarray(d["labels"])]
    out += _calls(L.MixUp(alpha=1.0, seed=4), x, 2)
    out.append(np.asarray(L.MixUp(seed=5)(x[0])))
    out.append(np.asarray(L.MixUp(seed=5)(x, training=False)))
    out += _config(L.MixUp(alpha=0.4, seed=2), "alpha", "seed")
    return out


@program
def prog_augment_cut_mix(tf: Any, keras: Any) -> Any:
    """CutMix: seeded boxes and permutation over calls, labels mixed by area, factor, unbatched, channels_first."""
    L = keras.layers
    x = _img((4, 8, 6, 2), 7)
    labels = np.eye(4, dtype="float32")
    layer = L.CutMix(seed=1)
    out = []
    for _ in range(3):
        d = layer({"images": x, "labels": labels, "segmentation_masks": x[..., :1]})
        out += [np.asarray(d["images"]), np.asarray(d["labels"]), np.asarray(d["segmentation_masks"])]
    out += _calls(L.CutMix(factor=0.3, seed=2), x, 2)
    out.append(np.asarray(L.CutMix(seed=3)(x[0])))
    out.append(np.asarray(L.CutMix(data_format="channels_first", seed=4)(_cf(x))))
    out.append(np.asarray(L.CutMix(seed=4)(x, training=False)))
    out += _config(L.CutMix(0.5, seed=2), "factor", "seed")
    out.append(_etype(lambda: L.CutMix(factor=2.0)))
    return out


@program
def prog_augment_gaussian_blur(tf: Any, keras: Any) -> Any:
    """RandomGaussianBlur and ops.image.gaussian_blur: kernel sizes, sigma ranges, factor < 1, channels_first."""
    L, ops = keras.layers, keras.ops
    x = _img((3, 7, 6, 2), 8)
    out = _calls(L.RandomGaussianBlur(seed=1), x, 2)
    out += _calls(L.RandomGaussianBlur(factor=0.5, kernel_size=5, sigma=(0.2, 0.9), seed=2), x, 3)
    out.append(np.asarray(L.RandomGaussianBlur(kernel_size=(3, 5), seed=3)(x[0])))
    out.append(np.asarray(L.RandomGaussianBlur(data_format="channels_first", seed=4)(_cf(x))))
    out.append(np.asarray(L.RandomGaussianBlur(seed=4)(x, training=False)))
    out += _config(L.RandomGaussianBlur(0.4, kernel_size=5, sigma=0.5, seed=1), "factor", "kernel_size", "sigma",
                   "value_range", "seed")
    out.append(_etype(lambda: L.RandomGaussianBlur(kernel_size=4)))
    out.append(_etype(lambda: L.RandomGaussianBlur(kernel_size=(3, 4, 5))))
    out.append(np.asarray(ops.image.gaussian_blur(x, (5, 3), (1.5, 0.7))))
    out.append(np.asarray(ops.image.gaussian_blur(x[0], (3, 3), (1.0, 1.0))))
    out.append(np.asarray(ops.image.gaussian_blur(_cf(x), (3, 3), (0.8, 0.8), data_format="channels_first")))
    return out


@program
def prog_augment_perspective(tf: Any, keras: Any) -> Any:
    """RandomPerspective and ops.image.perspective_transform: seeded corners, nearest, fill, unbatched, masks.
    TF's float32 8x8 solve and NumPy's differ in the last bits, so the images are smooth ramps near the fill value
    (bilinear sampling of noise or of a far fill would amplify those bits past the tolerance) or sampled nearest."""
    L, ops = keras.layers, keras.ops
    x = _ramp((3, 8, 9, 2)) + 90.0
    out = _calls(L.RandomPerspective(fill_value=130.0, seed=1), x, 2)
    out += _calls(L.RandomPerspective(factor=0.6, scale=0.4, interpolation="nearest", fill_value=5.0, seed=2), x, 2)
    out.append(np.asarray(L.RandomPerspective(interpolation="nearest", seed=3)(x[0])))
    out.append(np.asarray(L.RandomPerspective(fill_value=130.0, data_format="channels_first", seed=4)(_cf(x))))
    out.append(np.asarray(L.RandomPerspective(seed=4)(x, training=False)))
    d = L.RandomPerspective(scale=0.3, interpolation="nearest", seed=5)(
        {"images": x, "segmentation_masks": np.round(x[..., :1] / 50)})
    out += [np.asarray(d["images"]), np.asarray(d["segmentation_masks"])]
    out += _config(L.RandomPerspective(0.5, scale=0.2, seed=1), "factor", "scale", "interpolation", "fill_value",
                   "seed")
    out.append(_etype(lambda: L.RandomPerspective(scale=1.5)))
    out.append(_etype(lambda: L.RandomPerspective(interpolation="bicubic")))
    start = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 7.0], [8.0, 7.0]], "float32")
    end = np.array([[1.0, 0.5], [7.0, 1.0], [0.5, 6.0], [8.0, 7.0]], "float32")
    out.append(np.asarray(ops.image.perspective_transform(x, start, end, fill_value=130)))
    out.append(np.asarray(ops.image.perspective_transform(x[0], start, end, interpolation="nearest", fill_value=1)))
    out.append(_etype(lambda: ops.image.perspective_transform(x, start[:3], end[:3])))
    return out


@program
def prog_augment_elastic(tf: Any, keras: Any) -> Any:
    """RandomElasticTransform and ops.image.elastic_transform: seeded fields, fill modes, value_range clip."""
    L, ops = keras.layers, keras.ops
    x = _img((2, 12, 10, 2), 10)
    out = _calls(L.RandomElasticTransform(seed=1), x, 2)
    out += _calls(L.RandomElasticTransform(factor=0.7, scale=(0.3, 0.8), fill_mode="constant", fill_value=9.0,
                                           interpolation="nearest", seed=2), x, 2)
    out.append(np.asarray(L.RandomElasticTransform(value_range=(0, 100), seed=3)(x[0])))
    out.append(np.asarray(L.RandomElasticTransform(fill_mode="wrap", data_format="channels_first", seed=4)(_cf(x))))
    out.append(np.asarray(L.RandomElasticTransform(seed=4)(x, training=False)))
    out += _config(L.RandomElasticTransform(0.5, scale=0.2, seed=1), "factor", "scale", "interpolation",
                   "fill_mode", "fill_value", "value_range", "seed")
    out.append(_etype(lambda: L.RandomElasticTransform(fill_mode="mirrorx")))
    out.append(np.asarray(ops.image.elastic_transform(x, alpha=5.0, sigma=2.0, seed=7)))
    out.append(np.asarray(ops.image.elastic_transform(x[0], alpha=3.0, sigma=1.5, fill_mode="nearest", seed=8)))
    out.append(_etype(lambda: ops.image.elastic_transform(x, fill_mode="mirror", seed=8)))
    coords = np.array([[-3.7, -2.2, -1.0, -0.4, 0.3, 4.6, 5.0, 6.2, 9.9, 11.3]], "float32")
    for order in (0, 1):  # map_coordinates' reflect takes |i| first on TF (elastic_transform's default fill)
        out.append(np.asarray(ops.image.map_coordinates(np.arange(5, dtype="float32"), coords, order, "reflect")))
    out.append(_etype(lambda: L.RandomElasticTransform(fill_mode="mirror", seed=8)(x)))
    return out


@program
def prog_augment_rand_augment(tf: Any, keras: Any) -> Any:
    """RandAugment: the op picks and every sub-layer's draws from one generator, over calls; num_ops, factor."""
    L = keras.layers
    x = _img((3, 6, 6, 3), 11)
    out = _calls(L.RandAugment(seed=1), x, 4)
    out += _calls(L.RandAugment(num_ops=3, factor=0.8, value_range=(0, 1), seed=2), x / 255.0, 3)
    out.append(np.asarray(L.RandAugment(seed=3)(x[0])))
    out.append(np.asarray(L.RandAugment(seed=3)(x, training=False)))
    out += _config(L.RandAugment(num_ops=1, factor=(0.1, 0.4), seed=5), "value_range", "num_ops", "factor",
                   "interpolation", "seed")
    return out


@program
def prog_augment_aug_mix(tf: Any, keras: Any) -> Any:
    """AugMix with Python's random seeded (Keras picks chain operations with random.choice): mixing weights and
    every chain's draws from the layer's generator; all_ops, num_chains/chain_depth, alpha."""
    import random

    L = keras.layers
    x = _img((2, 6, 6, 3), 12)
    random.seed(1234)
    out = _calls(L.AugMix(seed=1), x, 3)
    random.seed(99)
    out += _calls(L.AugMix(num_chains=2, chain_depth=4, alpha=0.5, all_ops=False, value_range=(0, 1), seed=2),
                  x / 255.0, 2)
    random.seed(7)
    out.append(np.asarray(L.AugMix(seed=3)(x[0])))
    out.append(np.asarray(L.AugMix(seed=3)(x, training=False)))
    out += _config(L.AugMix(factor=0.2, seed=5), "value_range", "num_chains", "chain_depth", "factor", "alpha",
                   "all_ops", "interpolation", "seed")
    return out


@program
def prog_augment_clahe(tf: Any, keras: Any) -> Any:
    """ContrastLimitedAdaptiveHistogramEqualization: padded tiles, clip limits, [0, 1] range, uint8, channels_first."""
    L = keras.layers
    x = np.round(_img((2, 10, 13, 3), 13))
    clahe = L.ContrastLimitedAdaptiveHistogramEqualization
    out = [np.asarray(clahe()(x)), np.asarray(clahe(tile_grid_size=(2, 3))(x)),
           np.asarray(clahe(clip_limit=0.0, tile_grid_size=(3, 2))(x)),
           np.asarray(clahe(clip_limit=2.0, tile_grid_size=(5, 5), value_range=(0, 1))(x / 255.0)),
           np.asarray(clahe(tile_grid_size=(2, 2))(x[0])),
           np.asarray(clahe(tile_grid_size=(2, 2))(x.astype("uint8"))),
           str(clahe(tile_grid_size=(2, 2))(x.astype("uint8")).dtype),
           np.asarray(clahe(tile_grid_size=(2, 2), data_format="channels_first")(_cf(x)))]
    flat = np.tile(np.array([0.0, 50.0, 100.0, 150.0], "float32"), (4, 1)).reshape(4, 4, 1)
    out.append(np.asarray(clahe(tile_grid_size=(1, 1))(flat)))
    out += _config(clahe(clip_limit=3.0, tile_grid_size=(4, 4)), "value_range", "clip_limit", "tile_grid_size")
    return out


@program
def prog_augment_max_boxes_pipeline(tf: Any, keras: Any) -> Any:
    """MaxNumBoundingBoxes (pad and truncate, unbatched, errors) and Pipeline (training passed, configs)."""
    L = keras.layers
    boxes = {"boxes": np.arange(24, dtype="float32").reshape(2, 3, 4), "labels": np.array([[1, 2, 3], [4, 5, 6]])}
    x = _img((2, 4, 4, 3), 14)
    out = []
    for n in (5, 2):
        d = L.MaxNumBoundingBoxes(n, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes})
        out += [np.asarray(d["images"]), np.asarray(d["bounding_boxes"]["boxes"]),
                np.asarray(d["bounding_boxes"]["labels"])]
    d = L.MaxNumBoundingBoxes(4, fill_value=-7, bounding_box_format="xyxy")(
        {"images": x[0], "bounding_boxes": {"boxes": boxes["boxes"][0], "labels": boxes["labels"][0]}})
    out += [np.asarray(d["bounding_boxes"]["boxes"]), np.asarray(d["bounding_boxes"]["labels"])]
    out.append(_etype(lambda: L.MaxNumBoundingBoxes(3)({"images": x, "bounding_boxes": boxes})))
    out += _config(L.MaxNumBoundingBoxes(3, bounding_box_format="xyxy"), "max_number", "bounding_box_format")
    pipe = L.Pipeline([L.RandomFlip(seed=1), L.AutoContrast(), L.RandomSharpness(0.5, seed=2)])
    out += [np.asarray(pipe(x)), np.asarray(pipe(x)), np.asarray(pipe(x, training=False))]
    cfg = pipe.get_config()
    out += [len(cfg["layers"]), [c["class_name"] for c in cfg["layers"]]]
    clone = L.Pipeline.from_config(cfg)
    out += [len(clone.layers), [type(v).__name__ for v in clone.layers]]
    out.append(_etype(lambda: L.Pipeline.from_config({"layers": None})))
    return out


@program
def prog_augment_bounding_box_utils(tf: Any, keras: Any) -> Any:
    """keras.utils.bounding_boxes: every format conversion, clipping, affine/crop/pad, deltas, IoU/CIoU, errors."""
    bb = keras.utils.bounding_boxes
    rng = np.random.default_rng(15)
    xy = rng.uniform(0, 20, (2, 3, 2)).astype("float32")
    boxes = np.concatenate([xy, xy + rng.uniform(1, 10, (2, 3, 2)).astype("float32")], axis=-1)
    formats = ["xyxy", "yxyx", "xywh", "center_xywh", "center_yxhw", "rel_xyxy", "rel_yxyx", "rel_xywh",
               "rel_center_xywh"]
    out = []
    for f in formats:
        conv = bb.convert_format(boxes, "xyxy", f, height=30, width=40)
        out += [np.asarray(conv), np.asarray(bb.convert_format(conv, f, "xyxy", height=30, width=40))]
    out.append(np.asarray(bb.convert_format(boxes, "rel_xyxy", "rel_center_xywh", height=3, width=4)))
    out.append(np.asarray(bb.convert_format(boxes.astype("int32"), "xyxy", "xywh", dtype="float64")))
    out.append(_etype(lambda: bb.convert_format(boxes, "xyxy", "rel_xyxy")))
    out.append(_etype(lambda: bb.convert_format(boxes, "xyxy", "polar")))
    out.append(_etype(lambda: bb.convert_format(boxes[..., :3], "xyxy", "yxyx")))
    clipped = bb.clip_to_image_size({"boxes": boxes - 5.0, "labels": np.array([[1, 2, 3], [4, 5, 6]])}, 12, 9)
    out += [np.asarray(clipped["boxes"]), np.asarray(clipped["labels"])]
    rel = bb.clip_to_image_size({"boxes": boxes / 20.0 - 0.4}, bounding_box_format="rel_xyxy")
    out.append(np.asarray(rel["boxes"]))
    out.append(_etype(lambda: bb.clip_to_image_size({"boxes": boxes}, bounding_box_format="xyxy")))
    out.append(_etype(lambda: bb.clip_to_image_size({"boxes": boxes}, 3, 3, bounding_box_format="xywh")))
    angle = np.array([15.0, -40.0], "float32")
    out.append(np.asarray(bb.affine_transform(boxes, angle, np.array([0.1, -0.2], "float32"),
                                              np.array([0.05, 0.0], "float32"), np.array([1.2, 0.8], "float32"),
                                              np.array([5.0, 0.0], "float32"), np.array([0.0, -10.0], "float32"),
                                              30, 40)))
    out.append(np.asarray(bb.affine_transform(boxes, angle, 0.0, 0.0, 1.0, 0.0, 0.0, 30, 40, center_x=0.2,
                                              center_y=0.7)))
    out.append(np.asarray(bb.crop(boxes, 3, 4, 10, 12)))
    out.append(np.asarray(bb.pad(boxes, 3, 4)))
    out.append(_etype(lambda: bb.crop(boxes, 1, 1, 2, 2, bounding_box_format="yxyx")))
    anchors = boxes[0] + 1.0
    for enc in ("center_yxhw", "center_xywh"):
        d = bb.encode_box_to_deltas(anchors, boxes[0], "xyxy", "xyxy", encoding_format=enc,
                                    variance=[0.1, 0.1, 0.2, 0.2])
        out += [np.asarray(d), np.asarray(bb.decode_deltas_to_boxes(anchors, d, "xyxy", "xyxy", encoded_format=enc,
                                                                    variance=[0.1, 0.1, 0.2, 0.2]))]
    out.append(np.asarray(bb.encode_box_to_deltas(anchors / 40.0, boxes[0] / 40.0, "rel_xyxy", "rel_xyxy",
                                                  image_shape=(40, 40, 3))))
    lv = bb.decode_deltas_to_boxes({"p3": anchors, "p4": anchors * 2}, {"p3": boxes[0] / 50, "p4": boxes[0] / 60},
                                   "xyxy", "yxyx")
    out += [np.asarray(lv["p3"]), np.asarray(lv["p4"])]
    out.append(_etype(lambda: bb.encode_box_to_deltas(anchors, boxes[0], "xyxy", "xyxy", variance=[1.0, 2.0])))
    out.append(_etype(lambda: bb.decode_deltas_to_boxes(anchors, boxes[0], "xyxy", "xyxy", encoded_format="xyxy")))
    out.append(np.asarray(bb.compute_iou(boxes[0], boxes[1], "xyxy")))
    out.append(np.asarray(bb.compute_iou(boxes, boxes[:, ::-1], "xywh")))
    masked = np.concatenate([boxes[0], -np.ones((1, 4), "float32")])
    out.append(np.asarray(bb.compute_iou(masked, boxes[1], "xyxy", use_masking=True, mask_val=-5)))
    out.append(np.asarray(bb.compute_iou(boxes[0] / 40, boxes[1] / 40, "rel_yxyx", image_shape=(40, 40, 3))))
    out.append(_etype(lambda: bb.compute_iou(boxes[0], boxes[1], "rel_xyxy")))
    out.append(np.asarray(bb.compute_ciou(boxes[0], boxes[1], "xyxy")))
    out.append(np.asarray(bb.compute_ciou(boxes, boxes[:, ::-1], "center_xywh")))
    return out


def _audio(shape: tuple[int, ...], seed: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(shape[1], dtype="float64") / 8000.0
    tone = np.sin(2 * np.pi * 440.0 * t) + 0.5 * np.sin(2 * np.pi * 1800.0 * t)
    noise = 0.1 * rng.standard_normal(shape)
    return (tone.reshape((1, -1) + (1,) * (len(shape) - 2)) + noise).astype("float32")


@program
def prog_augment_stft_spectrogram(tf: Any, keras: Any) -> Any:
    """STFTSpectrogram: every mode, windows/scaling/periodic, same padding, channels, expand_dims, channels_first,
    float64, output shapes, kernels (trainable weights), configs and errors."""
    L = keras.layers
    x = _audio((2, 200, 2))
    out = []
    for mode in ("log", "magnitude", "psd", "real", "imag", "stft"):
        layer = L.STFTSpectrogram(mode=mode, frame_length=32, frame_step=16)
        y = layer(x)
        out += [np.asarray(y), layer.compute_output_shape((None, 200, 2))]
    # angle: away from the DC and Nyquist bins (the phase of a ~0 imaginary part is rounding noise), compared as
    # float16 (rtol 1e-3): atan2 turns the convolutions' last-bit differences into ~1e-5 relative ones
    angle = L.STFTSpectrogram(mode="angle", frame_length=32, frame_step=16, expand_dims=True)
    out += [np.asarray(angle(x))[:, :, 1:-1].astype("float16"), angle.compute_output_shape((None, 200, 2))]
    out.append(np.asarray(L.STFTSpectrogram(frame_length=30, fft_length=64, window="hamming", periodic=True,
                                            scaling="spectrum", padding="same", frame_step=7)(x)))
    out.append(np.asarray(L.STFTSpectrogram(mode="magnitude", frame_length=16, window=None, scaling=None)(x)))
    e = L.STFTSpectrogram(frame_length=32, frame_step=8, expand_dims=True)
    out += [np.asarray(e(x)), e.compute_output_shape((2, 200, 2))]
    cf = L.STFTSpectrogram(frame_length=32, frame_step=10, data_format="channels_first", expand_dims=True)
    out += [np.asarray(cf(np.transpose(x, (0, 2, 1)))), cf.compute_output_shape((2, 2, 200))]
    out.append(np.asarray(L.STFTSpectrogram(frame_length=16, data_format="channels_first")(
        np.transpose(x, (0, 2, 1)))))
    out.append(np.asarray(L.STFTSpectrogram(mode="psd", frame_length=16, dtype="float64")(x.astype("float64"))))
    w = L.STFTSpectrogram(mode="stft", frame_length=8)
    w.build((None, 50, 1))
    out += [[v.name for v in w.trainable_weights], [np.asarray(v) for v in w.weights]]
    out += _config(L.STFTSpectrogram(mode="psd", frame_length=64, frame_step=32, fft_length=128), "mode",
                   "frame_length", "frame_step", "fft_length", "window", "periodic", "scaling", "padding",
                   "expand_dims", "data_format")
    for bad in (lambda: L.STFTSpectrogram(frame_step=300), lambda: L.STFTSpectrogram(frame_length=64, fft_length=32),
                lambda: L.STFTSpectrogram(mode="power"), lambda: L.STFTSpectrogram(scaling="unit"),
                lambda: L.STFTSpectrogram(padding="causal"), lambda: L.STFTSpectrogram(window="nowindow"),
                lambda: L.STFTSpectrogram(frame_length=8)(x[..., 0]),
                lambda: L.STFTSpectrogram(frame_length=8)(x.astype("int32"))):
        out.append(_etype(bad))
    return out


@program
def prog_augment_mel_spectrogram(tf: Any, keras: Any) -> Any:
    """MelSpectrogram: defaults on a tone, power_to_db off, mag_exp, ref/min power and top_db, sequence_length,
    windows, 1-D input, float64 dtype, the mel matrix, output shapes, configs and errors."""
    L = keras.layers
    x = _audio((2, 3000, 1))[..., 0]
    # 40 bands on 129 bins: narrow bands turn the last-bit differences of float32 log (mel edges) into visible ones.
    # dB outputs are compared as float16 (atol 1e-3 dB): near 0 dB a relative tolerance means nothing
    out = [np.asarray(L.MelSpectrogram(fft_length=256, sequence_stride=64, sampling_rate=8000, num_mel_bins=40)(x))
           .astype("float16")]
    out.append(np.asarray(L.MelSpectrogram(fft_length=128, sequence_stride=50, sequence_length=100, window="hamming",
                                           num_mel_bins=20, min_freq=50.0, max_freq=3000.0, power_to_db=False,
                                           mag_exp=1.0, sampling_rate=8000)(x)))
    out.append(np.asarray(L.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=16, top_db=20.0,
                                           ref_power=0.5, min_power=1e-4, sampling_rate=8000)(x[0])).astype("float16"))
    out.append(np.asarray(L.MelSpectrogram(fft_length=64, sequence_stride=32, num_mel_bins=10, window=None,
                                           sampling_rate=8000, power_to_db=False, dtype="float64")(
        x.astype("float64"))))
    out.append(_etype(lambda: L.MelSpectrogram(fft_length=64, sequence_stride=32, dtype="float64")(
        x.astype("float64"))))  # Keras's dB step subtracts a float32 reference from float64
    m = L.MelSpectrogram(fft_length=64, num_mel_bins=12)
    out.append(np.asarray(m.linear_to_mel_weight_matrix(12, 33, 8000, 100.0, 3500.0)))
    out += [m.compute_output_shape((4, 3000)), m.compute_output_shape((3000,)), m.compute_output_shape((4, None))]
    out += _config(L.MelSpectrogram(fft_length=512, sequence_stride=128, num_mel_bins=40), "fft_length",
                   "sequence_stride", "sequence_length", "window", "sampling_rate", "num_mel_bins", "min_freq",
                   "max_freq", "power_to_db", "top_db", "mag_exp", "min_power", "ref_power")
    out.append(_etype(lambda: L.MelSpectrogram(fft_length=64, sequence_length=128)))
    return out


def _boxes(n: int, h: int, w: int, count: int = 3, seed: int = 17) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    x1 = rng.uniform(0, w * 0.6, (n, count))
    y1 = rng.uniform(0, h * 0.6, (n, count))
    bw, bh = rng.uniform(1, w * 0.4, (n, count)), rng.uniform(1, h * 0.4, (n, count))
    boxes = np.stack([x1, y1, x1 + bw, y1 + bh], axis=-1).astype("float32")
    return {"boxes": boxes, "labels": rng.integers(0, 5, (n, count)).astype("int32")}


def _with_boxes(layer: Any, x: np.ndarray, boxes: dict[str, np.ndarray], calls: int = 2, **kw: Any) -> list[Any]:
    out = []
    for _ in range(calls):
        d = layer({"images": x, "bounding_boxes": {k: v.copy() for k, v in boxes.items()}}, **kw)
        out += [np.asarray(d["images"]), np.asarray(d["bounding_boxes"]["boxes"]),
                np.asarray(d["bounding_boxes"]["labels"])]
    return out


@program
def prog_augment_layers_bounding_boxes(tf: Any, keras: Any) -> Any:
    """Bounding boxes through the geometric layers (flip, rotation, zoom, translation, shear, crop, center crop,
    resizing in its three modes, perspective, RandAugment, MixUp) in several formats, unbatched, training=False;
    colour layers pass boxes through; layers without a box map raise."""
    L = keras.layers
    x = _ramp((2, 12, 16, 3)) + 90.0
    b = _boxes(2, 12, 16)
    rel = {"boxes": b["boxes"] / np.array([16, 12, 16, 12], "float32"), "labels": b["labels"]}
    out = []
    out += _with_boxes(L.RandomFlip(seed=1, bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.RandomFlip("vertical", seed=2, bounding_box_format="rel_xyxy"), x, rel)
    out += _with_boxes(L.RandomRotation(0.2, seed=3, interpolation="nearest", bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.RandomZoom(0.3, 0.2, seed=4, interpolation="nearest", bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.RandomZoom((-0.4, -0.2), seed=5, interpolation="nearest",
                                    bounding_box_format="center_xywh"), x,
                       {"boxes": np.asarray(keras.utils.bounding_boxes.convert_format(b["boxes"], "xyxy",
                                                                                       "center_xywh")),
                        "labels": b["labels"]})
    out += _with_boxes(L.RandomTranslation(0.3, 0.3, seed=6, interpolation="nearest", bounding_box_format="xyxy"),
                       x, b)
    out += _with_boxes(L.RandomShear(0.3, 0.2, seed=7, interpolation="nearest", bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.RandomCrop(8, 10, seed=8, bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.CenterCrop(8, 10, bounding_box_format="xyxy"), x, b, 1)
    out += _with_boxes(L.CenterCrop(14, 10, bounding_box_format="yxyx"), x,
                       {"boxes": b["boxes"][..., [1, 0, 3, 2]], "labels": b["labels"]}, 1)
    padded = {"boxes": np.concatenate([b["boxes"], -np.ones((2, 1, 4), "float32")], 1),
              "labels": np.concatenate([b["labels"], -np.ones((2, 1), "int32")], 1)}
    for kw in ({}, {"pad_to_aspect_ratio": True}, {"crop_to_aspect_ratio": True}):
        out += _with_boxes(L.Resizing(10, 10, bounding_box_format="xyxy", **kw), x, padded, 1)
    out += _with_boxes(L.RandomPerspective(scale=0.4, interpolation="nearest", seed=9, bounding_box_format="xyxy"),
                       x, b)
    out += _with_boxes(L.RandAugment(num_ops=2, factor=0.4, interpolation="nearest", seed=10,
                                     bounding_box_format="xyxy"), x, b, 3)
    out += _with_boxes(L.MixUp(seed=11, bounding_box_format="xyxy"), x, b)
    out += _with_boxes(L.RandomBrightness(0.2, seed=12, bounding_box_format="xyxy"), x, b, 1)
    out += _with_boxes(L.RandomHue(0.2, seed=12, bounding_box_format="xyxy"), x / 255.0, b, 1)
    out += _with_boxes(L.RandomErasing(seed=13, bounding_box_format="xyxy"), x, b, 1)
    single = {"boxes": b["boxes"][0], "labels": b["labels"][0]}
    out += _with_boxes(L.RandomFlip("horizontal", seed=14, bounding_box_format="xyxy"), x[0], single)
    out += _with_boxes(L.RandomRotation(0.3, seed=15, interpolation="nearest", bounding_box_format="xyxy"), x[0],
                       single, 1)
    out += _with_boxes(L.RandomZoom(0.3, seed=16, interpolation="nearest", bounding_box_format="xyxy"), x, b, 1,
                       training=False)
    out.append(_etype(lambda: L.RandomElasticTransform(seed=1, bounding_box_format="xyxy")(
        {"images": x, "bounding_boxes": b})))
    out.append(_etype(lambda: L.CutMix(seed=1, bounding_box_format="xyxy")({"images": x, "bounding_boxes": b})))
    out.append(_etype(lambda: L.RandomFlip(seed=1)({"images": x, "bounding_boxes": b})))
    out.append(_etype(lambda: L.RandomFlip(seed=1, bounding_box_format="xyxy")(
        {"images": x, "bounding_boxes": {"boxes": b["boxes"]}})))
    return out
