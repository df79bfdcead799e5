"""Keras image preprocessing layers (keras/layers/preprocessing_image.py) and the projective transform op
(ops/image_transform.py): docstring examples, seeded draws that advance call after call in eager mode, in
tapegrad.function and in Dataset.map, invariants of each layer, configs and errors. Keras's values are compared in
tests/conformance_keras/programs_prep_image.py."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tapegrad as tf
from tapegrad import keras
from tapegrad.keras.layers import preprocessing_image, preprocessing_image_color
from tapegrad.ops import image_transform

L = keras.layers


def _x(shape: tuple[int, ...] = (4, 6, 5, 3), seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


def test_docstring_examples_run() -> None:
    for mod in (preprocessing_image, preprocessing_image_color, image_transform):
        r = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
        assert r.attempted >= 2 and r.failed == 0, mod.__name__


def test_projective_transform_identity_and_shift() -> None:
    x = _x((2, 4, 5, 3))
    ident = np.array([1, 0, 0, 0, 1, 0, 0, 0], np.float32)
    for interp in ("nearest", "bilinear"):
        for mode in ("reflect", "wrap", "constant", "nearest"):
            y = image_transform.projective_transform(x, ident, interpolation=interp, fill_mode=mode)
            assert np.array_equal(y.numpy(), x)
    shift = np.array([1, 0, -1, 0, 1, 0, 0, 0], np.float32)  # output x reads input x - 1
    y = image_transform.projective_transform(x, shift, fill_mode="wrap").numpy()
    assert np.array_equal(y[:, :, 1:], x[:, :, :-1])
    y = image_transform.projective_transform(x, shift, fill_mode="constant", fill_value=-1.0).numpy()
    assert (y[:, :, 0] == -1).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="fill_mode"):
        image_transform.projective_transform(x, shift, fill_mode="mirror")


@pytest.mark.parametrize("make", [lambda: L.RandomFlip(seed=4), lambda: L.RandomRotation(0.2, seed=4),
                                  lambda: L.RandomZoom(0.3, 0.2, seed=4), lambda: L.RandomTranslation(0.2, 0.2, seed=4),
                                  lambda: L.RandomCrop(3, 4, seed=4), lambda: L.RandomContrast(0.4, seed=4),
                                  lambda: L.RandomBrightness(0.2, seed=4), lambda: L.RandomGrayscale(0.5, seed=4),
                                  lambda: L.RandomHue(0.5, seed=4), lambda: L.RandomSaturation(0.6, seed=4),
                                  lambda: L.RandomInvert(0.5, seed=4), lambda: L.RandomPosterization((1, 7), seed=4),
                                  lambda: L.Solarization(0.5, 0.5, seed=4), lambda: L.RandomShear(0.3, 0.3, seed=4)])
def test_seeded_draws_advance_and_repeat_in_eager_function_and_dataset(make) -> None:
    x = _x()
    a, b, c = make(), make(), make()
    eager = [a(x).numpy() for _ in range(3)]
    assert not all(np.array_equal(eager[0], e) for e in eager[1:])  # the state advances per call
    fn = tf.function(lambda v: b(v, training=True))
    assert all(np.array_equal(e, fn(tf.constant(x)).numpy()) for e in eager)  # a compiled step draws the same
    ds = tf.data.Dataset.from_tensors(x).repeat(3).map(lambda v: c(v, training=True))
    assert all(np.array_equal(e, d.numpy()) for e, d in zip(eager, ds))


def test_inference_is_identity_and_dtypes() -> None:
    x = _x()
    for layer in (L.RandomFlip(), L.RandomRotation(0.3), L.RandomZoom(0.2), L.RandomTranslation(0.1, 0.1),
                  L.RandomContrast(0.5), L.RandomBrightness(0.3)):
        assert np.array_equal(layer(x, training=False).numpy(), x), type(layer).__name__
    u8 = (_x((1, 4, 4, 1)) // 1).astype(np.uint8)
    assert L.Resizing(3, 3)(u8).dtype == tf.uint8 and L.CenterCrop(2, 2)(u8).dtype == tf.float32


def test_layer_invariants() -> None:
    x = _x((8, 6, 5, 1))
    flipped = L.RandomFlip("horizontal", seed=1)(x).numpy()
    for i in range(8):
        assert np.array_equal(flipped[i], x[i]) or np.array_equal(flipped[i], x[i, :, ::-1])
    crop = L.RandomCrop(3, 2, seed=2)(x).numpy()
    assert crop.shape == (8, 3, 2, 1)
    hits = [any(np.array_equal(crop[0], x[0, r:r + 3, c:c + 2]) for r in range(4) for c in range(4))]
    assert all(hits)
    b = L.RandomBrightness((0.1, 0.2), value_range=(0, 1000), seed=3)(x).numpy() - x
    assert ((b >= 100 - 1e-3) & (b <= 200 + 1e-3)).all()
    r = L.RandomRotation((0.5, 0.5), fill_mode="constant", interpolation="nearest")(x[:, :5, :5]).numpy()
    assert np.array_equal(r, x[:, :5, :5][:, ::-1, ::-1])  # a half turn of a square image


def test_dict_inputs_channels_first_and_model() -> None:
    x = _x((2, 4, 6, 3))
    d = L.RandomFlip("vertical", seed=5)({"images": x, "labels": np.array([1, 2]), "segmentation_masks": x[..., :1]})
    assert d["labels"].numpy().tolist() == [1, 2] and d["segmentation_masks"].shape == (2, 4, 6, 1)
    with pytest.raises(ValueError, match="bounding_box_format"):  # Keras: boxes need the layer's box format
        L.RandomFlip()({"images": x, "bounding_boxes": {"boxes": np.zeros((2, 1, 4))}})
    cf = L.CenterCrop(2, 2, data_format="channels_first")(np.transpose(x, (0, 3, 1, 2))).numpy()
    assert np.array_equal(cf, np.transpose(x[:, 1:3, 2:4], (0, 3, 1, 2)))
    model = keras.Sequential([keras.Input((4, 6, 3)), L.Resizing(2, 3), L.RandomRotation(0.1, seed=1),
                              L.Flatten(), L.Dense(1)])
    assert model.output_shape == (None, 1) and model.predict(x, verbose=0).shape == (2, 1)


def test_configs_and_errors() -> None:
    cfg = L.RandomZoom(0.2, (0.1, 0.3), fill_mode="constant", seed=3).get_config()
    assert cfg["height_factor"] == 0.2 and cfg["width_factor"] == (0.1, 0.3) and cfg["seed"] == 3
    assert L.RandomContrast(0.3).factor == (0, 0.3) and L.RandomBrightness(0.3).factor == (-0.3, 0.3)
    assert type(L.RandomRotation.from_config(L.RandomRotation(0.1).get_config())) is L.RandomRotation
    for bad in (lambda: L.RandomRotation(0.1, fill_mode="mirror"), lambda: L.RandomZoom(0.1, interpolation="area")):
        with pytest.raises(NotImplementedError):
            bad()
    for bad in (lambda: L.RandomContrast(1.5), lambda: L.RandomZoom(-1.0), lambda: L.RandomTranslation(2, 0),
                lambda: L.Resizing(2, 2, interpolation="gaussian")(_x()), lambda: L.RandomFlip()(np.zeros((2, 2)))):
        with pytest.raises(ValueError):
            bad()
