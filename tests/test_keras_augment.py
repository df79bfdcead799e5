"""Keras augmentation layers of keras/layers/preprocessing_augment*.py: docstring examples, seeded draws that
advance call after call (eager, tapegrad.function, Dataset.map), invariants, configs and argument errors. Keras's
values for fixed seeds are compared in tests/conformance_keras/programs_augment.py."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras

L = keras.layers
MODULES = ["tapegrad.keras.layers.preprocessing_augment2", "tapegrad.keras.layers.preprocessing_augment3",
           "tapegrad.keras.ops.image_warp", "tapegrad.keras._bounding_boxes",
           "tapegrad.keras.layers.preprocessing_audio"]


def _x(shape: tuple[int, ...] = (4, 6, 5, 3), seed: int = 0, high: float = 255.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, high, shape).astype(np.float32)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    r = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert r.attempted >= 8 and r.failed == 0, name


RANDOM = [lambda: L.RandomColorDegeneration(0.6, seed=4), lambda: L.RandomSharpness(0.7, seed=4),
          lambda: L.RandomColorJitter(brightness_factor=0.2, contrast_factor=0.3, saturation_factor=0.6,
                                      hue_factor=0.2, seed=4),
          lambda: L.RandomErasing(seed=4), lambda: L.MixUp(seed=4), lambda: L.CutMix(seed=4),
          lambda: L.RandomGaussianBlur(seed=4), lambda: L.RandomPerspective(seed=4), lambda: L.RandAugment(seed=4)]


@pytest.mark.parametrize("make", RANDOM)
def test_seeded_draws_advance_and_repeat_in_eager_function_and_dataset(make) -> None:
    x = _x()
    a, b, c = make(), make(), make()
    eager = [a(x).numpy() for _ in range(3)]
    assert not all(np.array_equal(eager[0], e) for e in eager[1:])  # the state advances per call
    fn = tf.function(lambda v: b(v, training=True))
    assert all(np.allclose(e, fn(tf.constant(x)).numpy(), rtol=1e-6) for e in eager)
    ds = tf.data.Dataset.from_tensors(x).repeat(3).map(lambda v: c(v, training=True))
    assert all(np.allclose(e, d.numpy(), rtol=1e-6) for e, d in zip(eager, ds))


def test_auto_contrast_and_equalization_invariants() -> None:
    x = _x((2, 5, 4, 3), 1)
    y = L.AutoContrast()(x).numpy()
    assert np.allclose(y.min(axis=(1, 2)), 0.0) and np.allclose(y.max(axis=(1, 2)), 255.0, rtol=1e-6)
    flat = np.full((1, 3, 3, 1), 9.0, np.float32)
    assert np.array_equal(L.AutoContrast()(flat).numpy(), flat)  # a constant image is returned as is
    levels = np.array([0.0, 0.0, 0.0, 10.0, 10.0, 200.0], np.float32).reshape(1, 2, 3, 1)
    eq = L.Equalization()(levels).numpy().ravel().tolist()
    assert eq == [0.0, 0.0, 0.0, 170.0, 170.0, 255.0]  # cdf (3, 5, 6) rescaled from 3..6 onto 0..255
    assert np.array_equal(L.Equalization()(x, training=False).numpy(), x)
    one = np.full((1, 2, 2, 1), 4.0, np.float32)
    assert np.array_equal(L.Equalization()(one).numpy(), one)  # one occupied bin: unchanged


def test_mixing_layers_labels_and_areas() -> None:
    x = np.stack([np.full((6, 6, 1), float(i)) for i in range(4)]).astype(np.float32)
    labels = np.eye(4, dtype=np.float32)
    out = L.CutMix(seed=3)({"images": x, "labels": labels})
    imgs, lab = out["images"].numpy(), out["labels"].numpy()
    assert np.allclose(lab.sum(axis=1), 1.0)
    for i in range(4):  # the label weight of each image's own class is at most its kept pixel share
        kept = np.mean(imgs[i] == float(i))
        assert lab[i, i] <= kept + 1e-5 or np.isclose(lab[i, i], 1.0)
    m = L.MixUp(alpha=0.5, seed=2)({"images": x, "labels": labels})
    w = m["images"].numpy()[:, 0, 0, 0]
    assert np.allclose(m["labels"].numpy() @ np.arange(4, dtype=np.float32), w, atol=1e-5)
    assert np.array_equal(L.CutMix(seed=1)(x[0]).numpy(), x[0])  # unbatched: nothing to mix with


def test_erasing_and_degeneration_bounds() -> None:
    x = _x((3, 8, 8, 3), 2)
    e = L.RandomErasing(scale=(0.25, 0.25), fill_value=[1.0, 2.0, 3.0], seed=5)(x).numpy()
    changed = (e != x).any(axis=-1)
    assert changed.any() and np.isin(e[changed], [1.0, 2.0, 3.0]).all()
    g = L.RandomColorDegeneration((1.0, 1.0))(x).numpy()
    assert np.allclose(g[..., 0], g[..., 1]) and np.allclose(g[..., 1], g[..., 2])
    s = L.RandomSharpness((0.5, 0.5))(x).numpy()
    assert np.allclose(s, x, atol=1e-4)  # factor 0.5: the blend weight is zero


def test_configs_round_trip() -> None:
    for layer in (L.AutoContrast(value_range=(0, 1)), L.Equalization(bins=32), L.RandomColorDegeneration(0.2, seed=1),
                  L.RandomSharpness(0.3, seed=1), L.RandomColorJitter(brightness_factor=0.1, seed=1),
                  L.RandomErasing(0.4, seed=2), L.MixUp(0.3, seed=1), L.CutMix(0.5, seed=1),
                  L.RandomGaussianBlur(0.5, kernel_size=5, seed=1), L.RandomPerspective(0.5, scale=0.3, seed=1),
                  L.RandomElasticTransform(0.5, scale=0.4, seed=1), L.RandAugment(num_ops=1, seed=1),
                  L.AugMix(num_chains=2, seed=1), L.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=2.0),
                  L.MaxNumBoundingBoxes(4, bounding_box_format="xyxy")):
        clone = type(layer).from_config(layer.get_config())
        assert clone.get_config() == layer.get_config(), type(layer).__name__
    assert L.RandomColorDegeneration(0.5).factor == (-0.5, 0.5)
    assert L.RandomErasing(scale=0.3).scale == (0, 0.3) and L.Equalization().value_range == [0, 255]


@pytest.mark.parametrize("bad", [
    lambda: L.AutoContrast(value_range=5), lambda: L.Equalization(value_range=(1, 2, 3)),
    lambda: L.RandomColorDegeneration(2.0), lambda: L.RandomSharpness(1.5), lambda: L.RandomErasing(scale=(1, 2, 3)),
    lambda: L.RandomErasing(fill_value=[1, 2], seed=1)(_x()), lambda: L.CutMix(factor=-0.5),
    lambda: L.RandomColorDegeneration(0.5).compute_output_shape((1, 4, 4, 1)),
    lambda: L.RandomSharpness(0.5)(np.zeros((2, 2), np.float32)), lambda: L.RandomGaussianBlur(kernel_size=2),
    lambda: L.RandomPerspective(scale=2.0), lambda: L.RandomElasticTransform(scale=(0.1, 0.2, 0.3)),
    lambda: L.Pipeline.from_config({"layers": "x"}),
    lambda: keras.ops.image.perspective_transform(_x(), np.zeros((3, 2)), np.zeros((3, 2))),
    lambda: keras.ops.image.elastic_transform(_x(), fill_mode="mirror")])
def test_argument_errors(bad) -> None:
    with pytest.raises(ValueError):
        bad()


def test_elastic_transform_draws_advance_eagerly() -> None:
    x = _x((2, 10, 10, 1), 3)
    layer = L.RandomElasticTransform(seed=2)
    a, b = layer(x).numpy(), layer(x).numpy()
    assert not np.array_equal(a, b) and a.min() >= 0 and a.max() <= 255
    assert np.array_equal(L.RandomElasticTransform(seed=2)(x).numpy(), a)  # the same seed, the same field
    assert np.array_equal(L.RandomElasticTransform(factor=0.0, seed=2)(x).numpy(), x)  # never applied
    # in Dataset.map the drawn sigma (so the blur kernel size) is symbolic: the field is blurred at run time
    c = L.RandomElasticTransform(seed=2)
    ds = tf.data.Dataset.from_tensors(x).repeat(2).map(lambda v: c(v, training=True))
    assert all(np.allclose(e, d.numpy(), atol=1e-3) for e, d in zip((a, b), ds))


def test_perspective_identity_and_ops() -> None:
    x = _x((2, 6, 7, 2), 4)
    assert np.array_equal(L.RandomPerspective(scale=0.0, seed=1)(x).numpy(), x)
    square = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 5.0], [6.0, 5.0]], np.float32)
    same = keras.ops.image.perspective_transform(x, square, square, interpolation="nearest").numpy()
    assert np.array_equal(same, x)
    shifted = keras.ops.image.perspective_transform(x, square + [1.0, 0.0], square, interpolation="nearest").numpy()
    assert np.array_equal(shifted[:, :, :-1], x[:, :, 1:]) and (shifted[:, :, -1] == 0).all()
    blur = keras.ops.image.gaussian_blur(np.ones((1, 5, 5, 1), np.float32), (3, 3), (1.0, 1.0)).numpy()
    assert np.allclose(blur[0, 2, 2, 0], 1.0) and 0.5 < blur[0, 0, 0, 0] < 0.55  # zero padding: 4 of 9 taps


def test_rand_augment_and_aug_mix() -> None:
    x = _x((2, 6, 6, 3), 5)
    y = L.RandAugment(num_ops=3, seed=3)(x).numpy()
    assert y.shape == x.shape and y.min() >= 0 and y.max() <= 255
    assert np.array_equal(L.RandAugment(seed=3)(x, training=False).numpy(), x)
    import random

    random.seed(11)
    a = L.AugMix(seed=1)(x).numpy()
    random.seed(11)
    b = L.AugMix(seed=1)(x).numpy()
    assert np.array_equal(a, b) and a.min() >= 0 and a.max() <= 255  # Python's random picks the chain ops


def test_clahe_pipeline_and_max_boxes() -> None:
    x = np.round(_x((1, 9, 9, 1), 6))
    y = L.ContrastLimitedAdaptiveHistogramEqualization(tile_grid_size=(3, 3))(x.astype(np.uint8))
    assert y.dtype == tf.uint8 and y.shape == (1, 9, 9, 1)
    pipe = L.Pipeline([L.Rescaling(0.5), L.RandomFlip("horizontal", seed=1)])
    assert np.array_equal(pipe(x, training=False).numpy(), x * 0.5)
    clone = L.Pipeline.from_config(pipe.get_config())
    assert [type(v) for v in clone.layers] == [L.Rescaling, L.RandomFlip]
    boxes = {"boxes": np.ones((2, 3, 4), np.float32), "labels": np.array([[1, 2, 3], [4, 5, 6]])}
    data = {"images": np.zeros((2, 4, 4, 1), np.float32), "bounding_boxes": boxes}
    out = L.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")(data)["bounding_boxes"]
    assert out["labels"].numpy().tolist() == [[1, 2], [4, 5]] and out["boxes"].shape == (2, 2, 4)
    assert data["bounding_boxes"] is boxes and boxes["boxes"].shape == (2, 3, 4)  # the caller's dict untouched
    with pytest.raises(ValueError, match="bounding_box_format"):
        L.MaxNumBoundingBoxes(2)(data)
    with pytest.raises(ValueError, match="'boxes' and 'labels'"):
        L.MaxNumBoundingBoxes(2, bounding_box_format="xyxy")({"images": data["images"], "bounding_boxes": {}})


def test_bounding_box_utils_round_trips_and_errors() -> None:
    bb = keras.utils.bounding_boxes
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 10, (5, 2)).astype(np.float32)
    boxes = np.concatenate([xy, xy + rng.uniform(1, 5, (5, 2)).astype(np.float32)], axis=1)
    for fmt in bb.SUPPORTED_FORMATS if hasattr(bb, "SUPPORTED_FORMATS") else ():
        back = bb.convert_format(bb.convert_format(boxes, "xyxy", fmt, 20, 30), fmt, "xyxy", 20, 30)
        assert np.allclose(back.numpy(), boxes, atol=1e-5), fmt
    d = bb.encode_box_to_deltas(boxes, boxes + 1.0, "xyxy", "xyxy", variance=[0.1, 0.1, 0.2, 0.2])
    assert np.allclose(bb.decode_deltas_to_boxes(boxes, d, "xyxy", "xyxy", variance=[0.1, 0.1, 0.2, 0.2]).numpy(),
                       boxes + 1.0, atol=1e-4)
    iou = bb.compute_iou(boxes, boxes, "xyxy").numpy()
    assert np.allclose(np.diag(iou), 1.0, atol=1e-5) and (iou <= 1.0 + 1e-6).all()
    src = {"boxes": boxes, "labels": np.arange(5)}
    conv = bb.convert_format(src, "xyxy", "yxyx")
    assert src["boxes"] is boxes and np.array_equal(conv["boxes"].numpy(), boxes[:, [1, 0, 3, 2]])
    for bad, exc in ((lambda: bb.convert_format(boxes, "xyxy", "rel_xyxy"), ValueError),
                     (lambda: bb.convert_format(boxes, "xyxy", "polar"), ValueError),
                     (lambda: bb.crop(boxes, 0, 0, 1, 1, bounding_box_format="xywh"), NotImplementedError),
                     (lambda: bb.compute_iou(boxes[0], boxes, "xyxy"), ValueError),
                     (lambda: bb.encode_box_to_deltas(boxes, boxes, "xyxy", "xyxy", variance=[1.0]), ValueError)):
        with pytest.raises(exc):
            bad()


@pytest.mark.parametrize("bad", [lambda: L.RandomPerspective(interpolation="bicubic"),
                                 lambda: L.RandomElasticTransform(fill_mode="edge")])
def test_unknown_modes_raise_not_implemented(bad) -> None:
    with pytest.raises(NotImplementedError):
        bad()


def test_spectrogram_layers_shapes_weights_and_compiled() -> None:
    x = np.random.default_rng(0).standard_normal((2, 100, 3)).astype(np.float32)
    layer = L.STFTSpectrogram(mode="psd", frame_length=16, frame_step=4, padding="same")
    y = layer(x)
    assert tuple(y.shape) == layer.compute_output_shape((2, 100, 3)) == (2, 25, 27)
    assert len(layer.trainable_weights) == 2 and tuple(layer.weights[0].shape) == (16, 1, 9)
    fn = tf.function(lambda v: layer(v))
    assert np.allclose(fn(tf.constant(x)).numpy(), y.numpy(), rtol=1e-6)
    mel = L.MelSpectrogram(fft_length=64, sequence_stride=16, num_mel_bins=10, sampling_rate=8000)
    m = mel(x[..., 0])
    assert list(m.shape) == mel.compute_output_shape((2, 100)) == [2, 10, 7]
    assert float(m.numpy().max() - m.numpy().min()) <= 80.0 + 1e-4  # top_db
    weights = mel.linear_to_mel_weight_matrix(10, 33, 8000, 20.0, 4000.0).numpy()
    assert weights.shape == (33, 10) and (weights[0] == 0).all() and (weights >= 0).all()


@pytest.mark.parametrize("bad", [lambda: L.STFTSpectrogram(frame_length=8, frame_step=9),
                                 lambda: L.STFTSpectrogram(frame_length=64, fft_length=32),
                                 lambda: L.STFTSpectrogram(mode="power"), lambda: L.STFTSpectrogram(padding="causal"),
                                 lambda: L.STFTSpectrogram(scaling="unit"),
                                 lambda: L.MelSpectrogram(fft_length=64, sequence_length=128)])
def test_spectrogram_argument_errors(bad) -> None:
    with pytest.raises(ValueError):
        bad()


def test_stft_spectrogram_input_errors() -> None:
    with pytest.raises(TypeError, match="float16"):
        L.STFTSpectrogram(frame_length=8)(np.ones((1, 16, 1), np.int32))
    with pytest.raises(ValueError):
        L.STFTSpectrogram(frame_length=8)(np.ones((1, 16), np.float32))  # InputSpec(ndim=3)


def test_bounding_boxes_through_geometric_layers() -> None:
    x = np.zeros((2, 10, 20, 1), np.float32)
    boxes = {"boxes": np.array([[[2.0, 1.0, 6.0, 4.0]], [[10.0, 5.0, 19.0, 9.0]]], np.float32),
             "labels": np.array([[1], [2]], np.int32)}
    flip = L.RandomFlip("horizontal", seed=1, bounding_box_format="xyxy")
    out = flip({"images": x, "bounding_boxes": boxes})
    flipped = out["bounding_boxes"]["boxes"].numpy()
    for i, (box, mirrored) in enumerate(zip(boxes["boxes"][:, 0], flipped[:, 0])):
        assert np.allclose(mirrored, box) or np.allclose(mirrored, [20 - box[2], box[1], 20 - box[0], box[3]]), i
    assert np.array_equal(boxes["boxes"][0, 0], [2.0, 1.0, 6.0, 4.0])  # the caller's arrays are untouched
    center = L.CenterCrop(6, 10, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes})
    assert np.allclose(center["bounding_boxes"]["boxes"].numpy()[1, 0], [5.0, 3.0, 10.0, 6.0])
    resized = L.Resizing(5, 10, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes})
    assert np.allclose(resized["bounding_boxes"]["boxes"].numpy()[0, 0], [1.0, 0.5, 3.0, 2.0])
    moved = L.RandomTranslation((0.5, 0.5), (0.0, 0.0), bounding_box_format="xyxy")(
        {"images": x, "bounding_boxes": boxes})["bounding_boxes"]
    assert np.allclose(moved["boxes"].numpy()[0, 0], [2.0, 6.0, 6.0, 9.0]) and moved["labels"].numpy()[1, 0] == -1
    kept = L.RandomBrightness(0.3, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes})
    assert np.array_equal(kept["bounding_boxes"]["boxes"].numpy(), boxes["boxes"])
    with pytest.raises(NotImplementedError):
        L.RandomElasticTransform(seed=1, bounding_box_format="xyxy")({"images": x, "bounding_boxes": boxes})
